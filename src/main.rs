//! The `usso` binary: everything happens in [`usso::cli`].

fn main() -> std::process::ExitCode {
    usso::cli::main()
}
