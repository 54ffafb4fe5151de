//! The `ripen` binary: hands over to the command line.

fn main() -> std::process::ExitCode {
    ripen::cli::main()
}
