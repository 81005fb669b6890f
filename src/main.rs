//! The `gitgoals` binary: parses arguments, runs a command, maps errors to exit codes.

fn main() {}
