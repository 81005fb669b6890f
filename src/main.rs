//! The `gitgoals` binary: parses arguments, runs a command, maps errors to exit codes.

// TEMPORARY: lead replaces with clap CLI (same semantics: exit 0 ok, 1 failure, 2 usage).
#[rustfmt::skip]
fn main() {
    use gitgoals::hook;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let here = std::path::Path::new(".");
    let today = chrono::Local::now().date_naive();
    let compute = hook::post_only_stats(today);
    let code = match args.as_slice() {
        ["hook", "install", rest @ ..] => match hook::install(here, rest.contains(&"--force")) {
            Ok(outcome) => { println!("{outcome}"); 0 }
            Err(e) => { eprintln!("gitgoals: {e}"); 1 }
        },
        ["hook", "uninstall"] => match hook::uninstall(here) {
            Ok(outcome) => { println!("{outcome}"); 0 }
            Err(e) => { eprintln!("gitgoals: {e}"); 1 }
        },
        ["hook", "run", "pre-commit", rest @ ..] => {
            let options = hook::RunOptions { strict: rest.contains(&"--strict"), template: None };
            let report = hook::run_pre_commit(&options, &compute);
            report.failures.iter().for_each(|f| eprintln!("{f}"));
            report.exit_code()
        }
        ["stats", rest @ ..] => {
            let check = rest.contains(&"--check");
            let files: Vec<std::path::PathBuf> = rest.iter().filter(|a| !a.starts_with("--")).map(Into::into).collect();
            let report = hook::run_stats(here, &files, check, &hook::RunOptions::default(), &compute);
            report.failures.iter().for_each(|f| eprintln!("{f}"));
            report.stale.iter().for_each(|p| eprintln!("gitgoals: stats block is out of date in {p}"));
            report.exit_code()
        }
        _ => { eprintln!("usage: gitgoals hook install [--force] | hook uninstall | hook run pre-commit [--strict] | stats [FILES…] [--check]"); 2 }
    };
    std::process::exit(code);
}
