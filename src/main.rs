//! The `usso` binary: everything happens in [`usso::cli`].

/// jemalloc instead of the system allocator: the request path makes many
/// small allocations on several threads (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    usso::cli::main()
}
