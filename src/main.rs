//! The `usso` binary: everything happens in [`usso::cli`].

/// mimalloc instead of the system allocator: the request path makes many
/// small allocations on several threads (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    usso::cli::main()
}
