//! The `gitgoals` binary: parses arguments, runs a command, and alone picks the exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = gitgoals::cli::Cli::parse();
    match gitgoals::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("gitgoals: {}", error.report());
            ExitCode::FAILURE
        }
    }
}
