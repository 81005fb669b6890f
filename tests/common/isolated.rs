//! Running the real `git` and `gitgoals` binaries away from the machine's git configuration,
//! and checking that no gitgoals run panicked. Every integration test that starts a process
//! sets it up here, so what "isolated" means is written once.

use std::ffi::OsString;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The gitgoals binary under test.
pub const GITGOALS: &str = env!("CARGO_BIN_EXE_gitgoals");

/// The exit code of a Rust program that panicked.
const PANIC_EXIT_CODE: i32 = 101;

/// The date [`Scratch`] commits at, so its commit ids repeat from run to run.
pub const SCRATCH_DATE: &str = "2020-12-08T10:00:00+00:00";

/// A [`Command`] kept away from the machine's git configuration.
pub trait Isolated {
    /// `GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CONFIG_NOSYSTEM=1` and `HOME=home` (where libgit2
    /// in the binary looks for a global config); the gitgoals under test first on `PATH`,
    /// because an installed hook calls `gitgoals` by name; one author and committer identity;
    /// and no `GIT_DIR`, `GIT_INDEX_FILE` or `GIT_WORK_TREE` inherited from a git that runs the
    /// tests. Author dates are left to git's clock: see [`Isolated::dated`].
    fn isolated(&mut self, home: &Path) -> &mut Self;

    /// Fixes the author and committer date (RFC 3339), so commit ids repeat from run to run.
    fn dated(&mut self, date: &str) -> &mut Self;
}

impl Isolated for Command {
    fn isolated(&mut self, home: &Path) -> &mut Command {
        self.env("PATH", path_with_gitgoals_first())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", home)
            .env("GIT_AUTHOR_NAME", "Goal Setter")
            .env("GIT_AUTHOR_EMAIL", "goals@example.com")
            .env("GIT_COMMITTER_NAME", "Goal Setter")
            .env("GIT_COMMITTER_EMAIL", "goals@example.com")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
    }

    fn dated(&mut self, date: &str) -> &mut Command {
        self.env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
    }
}

fn path_with_gitgoals_first() -> OsString {
    let bin_dir = Path::new(GITGOALS)
        .parent()
        .expect("binary dir")
        .to_path_buf();
    let mut paths = vec![bin_dir];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).expect("PATH")
}

/// Fails the test when a gitgoals process ended in a panic; `what` says which run it was.
pub fn assert_no_panic(code: Option<i32>, what: impl Display) {
    assert_ne!(code, Some(PANIC_EXIT_CODE), "{what}");
}

/// Runs `cmd` to its end and fails the test when it panicked; any other exit is the
/// caller's to judge.
pub fn finish(cmd: &mut Command) -> Output {
    let output = cmd.output().expect("run the program");
    assert_no_panic(
        output.status.code(),
        format_args!(
            "{} {:?} panicked:\n{}",
            cmd.get_program().display(),
            cmd.get_args().collect::<Vec<_>>(),
            String::from_utf8_lossy(&output.stderr)
        ),
    );
    output
}

/// A scratch directory with a `HOME` of its own for git.
pub struct Scratch {
    _temp: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
}

impl Scratch {
    pub fn new() -> Scratch {
        let temp = tempfile::tempdir().expect("temp dir");
        let root = temp.path().to_path_buf();
        let home = root.join("home");
        std::fs::create_dir_all(&home).expect("home");
        Scratch {
            _temp: temp,
            root,
            home,
        }
    }

    /// `program` with `args` in `dir`, isolated with this scratch's `HOME`, dates not fixed.
    pub fn command(&self, program: &str, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(dir).isolated(&self.home);
        cmd
    }

    /// Runs git in `dir` at [`SCRATCH_DATE`]; fails the test when git fails.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let output = self
            .command("git", dir, args)
            .dated(SCRATCH_DATE)
            .output()
            .expect("run git");
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs gitgoals in `dir` at [`SCRATCH_DATE`] and checks it was neither killed nor
    /// panicked.
    pub fn gitgoals(&self, dir: &Path, args: &[&str]) -> Run {
        Run::of(
            args,
            finish(self.command(GITGOALS, dir, args).dated(SCRATCH_DATE)),
        )
    }

    /// `git init` of a new directory `name` under the scratch root.
    pub fn init(&self, name: &str) -> PathBuf {
        let dir = self.root.join(name);
        std::fs::create_dir_all(&dir).expect("repo dir");
        self.git(&dir, &["init", "-q", "-b", "main"]);
        dir
    }
}

/// One finished gitgoals run.
pub struct Run {
    pub args: Vec<String>,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn of(args: &[&str], output: Output) -> Run {
        let run = Run {
            args: args.iter().map(|a| a.to_string()).collect(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(run.code.is_some(), "gitgoals {:?} was killed", run.args);
        run
    }

    /// Asserts exit code 0 and returns the run.
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code,
            Some(0),
            "gitgoals {:?}:\n{}{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts exit code 1 (a failure the user is told about) and returns the run.
    pub fn fails(self) -> Run {
        assert_eq!(
            self.code,
            Some(1),
            "gitgoals {:?}:\n{}{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// The commands that read history, with the arguments they need.
pub const READING_COMMANDS: [&[&str]; 7] = [
    &["history"],
    &["history", "--format", "json"],
    &["tasks"],
    &["log"],
    &["carry"],
    &["calibration"],
    &["tasks", "--format", "json"],
];

/// The figures a committed stats block states, read back from its default layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockFigures {
    pub done: usize,
    pub total: usize,
    pub carried_in: usize,
    pub added_mid_week: usize,
}

impl BlockFigures {
    /// The figures of the block in `post` (a whole file), or `None` without a block.
    pub fn read(post: &str) -> Option<BlockFigures> {
        // The opening marker, bare or with the checksum gitgoals keeps in it.
        let start = post.find("<!-- gitgoals:stats")?;
        let block = &post[start..post[start..].find("<!-- /gitgoals:stats -->")? + start];
        let count_after = |label: &str| -> usize {
            block
                .find(&format!("**{label} ("))
                .and_then(|at| {
                    let rest = &block[at + label.len() + 4..];
                    rest[..rest.find(')')?].parse().ok()
                })
                .unwrap_or(0)
        };
        let (done, total) = if block.contains("**Goals:** no tasks yet") {
            (0, 0)
        } else {
            let at = block.find("**Goals:** ")? + "**Goals:** ".len();
            let mut words = block[at..].split_whitespace();
            let done = words.next()?.parse().ok()?;
            let _of = words.next()?;
            (done, words.next()?.parse().ok()?)
        };
        Some(BlockFigures {
            done,
            total,
            carried_in: count_after("Carried in from last week"),
            added_mid_week: count_after("Added mid-week"),
        })
    }
}

impl Scratch {
    /// What every hook test checks after a commit: `stats --check` passes, and the block
    /// committed in `post` states the figures `history` gives that post at HEAD.
    pub fn assert_block_agrees_with_history(&self, dir: &Path, post: &str) {
        self.gitgoals(dir, &["stats", "--check"]).ok();
        let committed = self.git(dir, &["show", &format!("HEAD:{post}")]);
        let block = BlockFigures::read(&committed)
            .unwrap_or_else(|| panic!("no stats block committed in {post}:\n{committed}"));
        let history = self
            .gitgoals(dir, &["history", "--format", "json", "--no-cache"])
            .ok();
        let document: serde_json::Value =
            serde_json::from_str(&history.stdout).expect("history JSON");
        let week = document["posts"]
            .as_array()
            .and_then(|weeks| weeks.iter().find(|w| w["path"] == post))
            .unwrap_or_else(|| panic!("{post} is not a week of history:\n{}", history.stdout));
        let count = |key: &str| week[key].as_u64().unwrap_or(0) as usize;
        let expected = BlockFigures {
            done: count("done"),
            total: count("tasks"),
            carried_in: count("carried_in"),
            // History counts a mid-week task that was later removed in `added`; the block
            // lists only those still there. A test that removes one compares by hand.
            added_mid_week: count("added"),
        };
        assert_eq!(block, expected, "the block in {post} against history");
    }
}
