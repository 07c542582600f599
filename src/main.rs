//! The `baove` command: parses arguments and hands over to one module per subcommand.
//! Exit codes: 0 done, 1 data refused, 2 usage, I/O or store error.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
