//! Benchmark: gitgoals against `git log -p -- _posts`, the git command that reads the same
//! objects, on two synthetic histories: the 1,000-post benchmark blog (13,000 commits of small
//! posts) and the big-file history (a few checklists of 100–300 KB edited a few lines at a
//! time, [`bigfile`]).
//!
//! `cargo bench --bench perf` (add `-- --runs N` for more samples, `--only blog` or
//! `--only big` for one history, `--bin PATH` to measure another build of gitgoals). Each
//! history is generated once into `target/bench-blog-<hash>/` or `target/bench-bigfile-<hash>/`,
//! where the hash covers the generated history (or the generator), so a change to the
//! generator makes a new one; each run works on a fresh local clone of it.
//!
//! Wall times are medians of several runs of the real binary (release build). Peak memory and
//! processor time (user and system, all threads) are what `/usr/bin/time -f "%M %U %S"`
//! reports for one extra run of each command, so the wrapper does not add to the times;
//! processor time is the steadier figure on a machine other work shares. Without
//! `/usr/bin/time` those columns say n/a. (The standard library cannot ask for a child's rusage, and a `libc`
//! dependency for one number in a benchmark is not worth it.)

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

#[path = "perf/bigfile.rs"]
mod bigfile;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use synthetic::Spec;

const BIN: &str = env!("CARGO_BIN_EXE_gitgoals");

/// The gitgoals binary measured: this build's unless `--bin` names another.
static BINARY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn binary() -> &'static str {
    BINARY.get().map_or(BIN, String::as_str)
}

type Result<T> = std::result::Result<T, String>;

fn main() {
    if let Err(message) = run() {
        eprintln!("bench: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args = Args::parse()?;
    let _ = BINARY.set(args.bin.clone());
    print_machine();
    println!("binary: {}", args.bin);
    println!("samples: median of {} runs each", args.runs);
    let mut verdicts = String::new();
    if args.wants("blog") {
        let pristine = bench_blog()?;
        measure(&args, "blog", &pristine, &mut verdicts)?;
    }
    if args.wants("big") {
        let pristine = big_file_history()?;
        measure(&args, "big files", &pristine, &mut verdicts)?;
    }
    println!("\ntargets:\n{verdicts}");
    Ok(())
}

/// Every figure for one history, on a fresh clone of `pristine`; the targets' verdicts go
/// into `verdicts`.
fn measure(args: &Args, label: &str, pristine: &Path, verdicts: &mut String) -> Result<()> {
    let runs = args.runs;
    let scratch = tempfile::tempdir().map_err(|e| format!("cannot make a temp dir: {e}"))?;
    let work = scratch.path().join("blog");
    git(
        scratch.path(),
        &["clone", "-q", path_str(pristine)?, "blog"],
    )?;
    let commits = git_output(&work, &["rev-list", "--count", "HEAD"])?;
    let listing = git_output(&work, &["ls-files", "-s", "_posts"])?;
    let posts = listing.lines().count();
    let bytes: u64 = listing
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter_map(|id| git_output(&work, &["cat-file", "-s", id]).ok())
        .filter_map(|size| size.trim().parse::<u64>().ok())
        .sum();
    println!(
        "\n== {label}: {} commits, {posts} posts ({:.1} MiB at HEAD), a clone of {}",
        commits.trim(),
        bytes as f64 / (1024.0 * 1024.0),
        pristine.display()
    );

    let cache_dir = cache_dir(&work)?;
    let remove_cache = || {
        let _ = std::fs::remove_dir_all(&cache_dir);
    };
    let history = ["history", "--format", "json"];
    let no_cache = ["--no-cache", "history", "--format", "json"];

    let mut rows: Vec<Row> = Vec::new();
    let git_log = ["log", "-p", "--", "_posts"];
    rows.push(Row::measured(
        "git log -p -- _posts",
        median_of(runs, || time_command(git_command(&work, &git_log))),
        peak_rss(git_command(&work, &git_log)),
    ));
    let base = rows[0].median;
    let git_rss = rows[0].rss_kib;

    rows.push(Row::measured(
        "history --no-cache",
        median_of(runs, || time_command(gitgoals(&work, &no_cache))),
        peak_rss(gitgoals(&work, &no_cache)),
    ));

    let cold = median_of(runs, || {
        remove_cache();
        time_command(gitgoals(&work, &history))
    });
    remove_cache();
    let cold_rss = peak_rss(gitgoals(&work, &history));
    rows.push(Row::measured("history cold (builds cache)", cold, cold_rss));
    let cache_size = std::fs::read_dir(&cache_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum::<u64>()
        })
        .unwrap_or(0);

    rows.push(Row::measured(
        "history warm (nothing new)",
        median_of(runs, || time_command(gitgoals(&work, &history))),
        peak_rss(gitgoals(&work, &history)),
    ));

    let newest = newest_post(&work)?;
    let mut edits = 0usize;
    let incremental = median_of(runs, || {
        edits += 1;
        new_commit(&work, &newest, edits, false)?;
        time_command(gitgoals(&work, &history))
    });
    edits += 1;
    new_commit(&work, &newest, edits, false)?;
    let incremental_rss = peak_rss(gitgoals(&work, &history));
    rows.push(Row::measured(
        "history incremental (1 new commit)",
        incremental,
        incremental_rss,
    ));

    // The hook inside a real `git commit`: the same staged edit committed with and without
    // it, alternating so both see the same repository state and cache warmth.
    run_checked(gitgoals(&work, &["hook", "install"]))?;
    let mut with_hook = Vec::new();
    let mut without_hook = Vec::new();
    for _ in 0..runs.max(5) {
        edits += 1;
        with_hook.push(new_commit(&work, &newest, edits, true)?);
        edits += 1;
        without_hook.push(new_commit(&work, &newest, edits, false)?);
    }
    let with_hook = median(with_hook);
    let without_hook = median(without_hook);
    edits += 1;
    stage_edit(&work, &newest, edits)?;
    let hook_rss = peak_rss(gitgoals(&work, &["hook", "run", "pre-commit"]));
    rows.push(Row::measured(
        "git commit --no-verify",
        Ok(without_hook),
        None,
    ));
    rows.push(Row::measured(
        "git commit (with the hook)",
        Ok(with_hook),
        None,
    ));
    let overhead = with_hook.saturating_sub(without_hook);
    rows.push(Row::measured(
        "hook overhead (difference)",
        Ok(overhead),
        hook_rss,
    ));

    println!(
        "{:<38} {:>10} {:>12} {:>12} {:>10} {:>10}",
        "command", "median", "× git log", "peak RSS", "CPU", "CPU × git"
    );
    let git_cpu = rows[0].cpu;
    for row in &rows {
        let cpu_ratio = match (row.cpu, git_cpu) {
            (Some(cpu), Some(git)) => format!("{:.3}×", ratio(cpu, git)),
            _ => "n/a".to_string(),
        };
        println!(
            "{:<38} {:>10} {:>11.3}× {:>12} {:>10} {:>10}",
            row.name,
            seconds(row.median),
            ratio(row.median, base),
            row.rss_kib.map_or_else(
                || "n/a".to_string(),
                |kib| format!("{:.1} MiB", kib as f64 / 1024.0)
            ),
            row.cpu.map_or_else(|| "n/a".to_string(), seconds),
            cpu_ratio,
        );
    }
    println!(
        "cache file: {:.1} MiB",
        cache_size as f64 / (1024.0 * 1024.0)
    );

    let find = |name: &str| rows.iter().find(|r| r.name.starts_with(name));
    let mut check = |what: &str, ok: bool, figure: String| {
        let _ = writeln!(
            verdicts,
            "  {:<4} {label}: {what}: {figure}",
            if ok { "ok" } else { "MISS" }
        );
    };
    if let Some(row) = find("history cold") {
        let r = ratio(row.median, base);
        check("cold ≤ 0.5× git log -p", r <= 0.5, format!("{r:.3}×"));
        check("cold never above 1.0×", r <= 1.0, format!("{r:.3}×"));
    }
    if let Some(row) = find("history warm") {
        let r = ratio(row.median, base);
        check("warm ≤ 0.05×", r <= 0.05, format!("{r:.3}×"));
    }
    if let Some(row) = find("history incremental") {
        let r = ratio(row.median, base);
        check("incremental ≤ 0.1×", r <= 0.1, format!("{r:.3}×"));
    }
    check(
        "hook < 50 ms added to a commit",
        overhead < Duration::from_millis(50),
        seconds(overhead),
    );
    let worst = rows
        .iter()
        .skip(1)
        .filter_map(|r| r.rss_kib)
        .max()
        .unwrap_or(0);
    match git_rss {
        Some(git_kib) => check(
            "peak memory ≤ git log -p's",
            worst <= git_kib,
            format!(
                "{:.1} MiB against {:.1} MiB",
                worst as f64 / 1024.0,
                git_kib as f64 / 1024.0
            ),
        ),
        None => check("peak memory ≤ git log -p's", true, "n/a".to_string()),
    }
    Ok(())
}

/// The command line: `--runs N`, `--only blog|big`, `--bin PATH` (another gitgoals binary,
/// to compare builds in one run).
struct Args {
    runs: usize,
    only: Option<String>,
    bin: String,
}

impl Args {
    fn parse() -> Result<Args> {
        let mut args = std::env::args().skip(1);
        let mut parsed = Args {
            runs: 5,
            only: None,
            bin: BIN.to_string(),
        };
        while let Some(arg) = args.next() {
            // cargo passes `--bench` to every bench target.
            match arg.as_str() {
                "--runs" => {
                    parsed.runs = args
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n: &usize| n > 0)
                        .ok_or("--runs needs a positive number")?;
                }
                "--only" => parsed.only = Some(args.next().ok_or("--only needs blog or big")?),
                "--bin" => parsed.bin = args.next().ok_or("--bin needs a path")?,
                _ => {}
            }
        }
        Ok(parsed)
    }

    fn wants(&self, history: &str) -> bool {
        self.only.as_deref().is_none_or(|only| only == history)
    }
}

struct Row {
    name: &'static str,
    median: Duration,
    rss_kib: Option<u64>,
    cpu: Option<Duration>,
}

impl Row {
    fn measured(name: &'static str, median: Result<Duration>, usage: Option<Usage>) -> Row {
        let median = median.unwrap_or_else(|e| {
            eprintln!("bench: {name}: {e}");
            Duration::ZERO
        });
        Row {
            name,
            median,
            rss_kib: usage.map(|u| u.rss_kib),
            cpu: usage.map(|u| u.cpu),
        }
    }
}

fn print_machine() {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let git_version = git_output(Path::new("."), &["--version"]).unwrap_or_default();
    println!(
        "machine: {cpus} CPUs ({model}), {}, {}",
        std::env::consts::OS,
        git_version.trim()
    );
}

/// The pristine benchmark blog, generated on first use.
fn bench_blog() -> Result<PathBuf> {
    let blog = synthetic::generate(&Spec::bench());
    let mut hasher = Fnv64::default();
    let _ = write!(hasher, "{:?}", blog.commits);
    generated_once("bench-blog", "the benchmark blog", hasher.0, |dir| {
        synthetic::write_repo(&blog, dir)
            .map(drop)
            .map_err(|e| e.to_string())
    })
}

/// The pristine big-file history ([`bigfile`]), generated on first use into
/// `target/bench-bigfile-<hash>/`, the hash taken over the generator's own source and spec.
fn big_file_history() -> Result<PathBuf> {
    let spec = bigfile::Spec::bench();
    let mut hasher = Fnv64::default();
    let _ = write!(hasher, "{spec:?}{}", include_str!("perf/bigfile.rs"));
    generated_once("bench-bigfile", "the big-file history", hasher.0, |dir| {
        bigfile::write_repo(&spec, dir)
    })
}

/// `target/<name>-<hash>/`, written by `write` the first time it is asked for: under another
/// name first, so an interrupted run is never taken for a whole history.
fn generated_once(
    name: &str,
    what: &str,
    hash: u64,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<PathBuf> {
    let started = Instant::now();
    let target = target_dir();
    let dir = target.join(format!("{name}-{hash:016x}"));
    if dir.join(".git").is_dir() {
        return Ok(dir);
    }
    println!("generating {what} into {} …", dir.display());
    let partial = target.join(format!("{name}-{hash:016x}.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    write(&partial)?;
    std::fs::rename(&partial, &dir)
        .map_err(|e| format!("cannot rename {}: {e}", partial.display()))?;
    println!("generated in {}", seconds(started.elapsed()));
    Ok(dir)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// 64-bit FNV-1a over whatever is written into it.
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Fnv64 {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl std::fmt::Write for Fnv64 {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for byte in s.bytes() {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        Ok(())
    }
}

fn cache_dir(work: &Path) -> Result<PathBuf> {
    let repo = gitgoals::git::Repo::open(Some(work)).map_err(|e| e.to_string())?;
    let file = gitgoals::cache::cache_file(&repo);
    file.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| "the cache file has no directory".to_string())
}

fn newest_post(work: &Path) -> Result<PathBuf> {
    let listing = git_output(work, &["ls-files", "_posts"])?;
    listing
        .lines()
        .max()
        .map(|name| work.join(name))
        .ok_or_else(|| "the blog has no posts".to_string())
}

/// Adds a task to the newest post and stages it.
fn stage_edit(work: &Path, post: &Path, n: usize) -> Result<()> {
    let mut text = std::fs::read_to_string(post)
        .map_err(|e| format!("cannot read {}: {e}", post.display()))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let _ = writeln!(text, "- [ ] benchmark task number {n}");
    std::fs::write(post, text).map_err(|e| format!("cannot write {}: {e}", post.display()))?;
    git(work, &["add", path_str(post)?])
}

fn new_commit(work: &Path, post: &Path, n: usize, hook: bool) -> Result<Duration> {
    stage_edit(work, post, n)?;
    let message = format!("benchmark edit {n}");
    let mut command = git_command(work, &["commit", "-q", "-m", &message]);
    if !hook {
        command.arg("--no-verify");
    }
    time_command(command)
}

fn median_of(runs: usize, mut sample: impl FnMut() -> Result<Duration>) -> Result<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(sample()?);
    }
    Ok(median(times))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    match times.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => times[n / 2],
        n => (times[n / 2 - 1] + times[n / 2]) / 2,
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        f64::NAN
    } else {
        a.as_secs_f64() / b.as_secs_f64()
    }
}

fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.3} s", d.as_secs_f64())
    }
}

/// Git isolated from the machine's configuration, with a fixed identity, and this build's
/// gitgoals first on PATH (the installed hook calls `gitgoals`).
fn git_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("git");
    command.args(args).current_dir(dir);
    isolate(&mut command);
    command
}

fn gitgoals(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(binary());
    command.args(args).current_dir(dir);
    isolate(&mut command);
    command
}

fn isolate(command: &mut Command) {
    let bin_dir = Path::new(binary()).parent().unwrap_or(Path::new("."));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir.to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    if let Ok(joined) = std::env::join_paths(dirs) {
        command.env("PATH", joined);
    }
    command
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.org")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.org")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
}

fn time_command(mut command: Command) -> Result<Duration> {
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    let elapsed = started.elapsed();
    if !status.success() {
        return Err(format!("{command:?} failed: {status}"));
    }
    Ok(elapsed)
}

fn run_checked(command: Command) -> Result<()> {
    time_command(command).map(|_| ())
}

/// The child's peak resident set in KiB and the processor time it used (user and system, both
/// threads), from `/usr/bin/time -f "%M %U %S"`. Processor time is steadier than wall time on
/// a machine that other work shares.
fn peak_rss(command: Command) -> Option<Usage> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let report = tempfile::NamedTempFile::new().ok()?;
    let mut wrapped = Command::new(time);
    wrapped
        .arg("-f")
        .arg("%M %U %S")
        .arg("-o")
        .arg(report.path())
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        wrapped.current_dir(dir);
    }
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    wrapped.stdin(Stdio::null()).stdout(Stdio::null());
    if !wrapped.status().ok()?.success() {
        return None;
    }
    let text = std::fs::read_to_string(report.path()).ok()?;
    let mut fields = text.lines().last()?.split_whitespace();
    let rss_kib = fields.next()?.parse().ok()?;
    let cpu: f64 = fields.map(|f| f.parse::<f64>().unwrap_or(0.0)).sum();
    Some(Usage {
        rss_kib,
        cpu: Duration::from_secs_f64(cpu),
    })
}

/// What one run of a command used.
#[derive(Debug, Clone, Copy)]
struct Usage {
    rss_kib: u64,
    cpu: Duration,
}

fn git(dir: &Path, args: &[&str]) -> Result<()> {
    run_checked(git_command(dir, args))
}

fn git_output(dir: &Path, args: &[&str]) -> Result<String> {
    let mut command = git_command(dir, args);
    let output = command
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run git {args:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("git {args:?}: {e}"))
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str()
        .ok_or_else(|| format!("not a UTF-8 path: {}", path.display()))
}
