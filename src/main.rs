//! The `gitgoals` binary: parses arguments, runs a command, maps errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = gitgoals::cli::Cli::parse();
    match gitgoals::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gitgoals: {error:#}");
            ExitCode::FAILURE
        }
    }
}
