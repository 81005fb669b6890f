//! Shared by the hardening tests: running the `gitgoals` binary and `git` away from the
//! machine's git configuration, and checking that no run panicked.
#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

    fn env(&self, cmd: &mut Command) {
        // The installed hook calls `gitgoals` by name: the one under test comes first.
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_gitgoals"))
            .parent()
            .expect("binary dir")
            .to_path_buf();
        let mut paths = vec![bin_dir];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        cmd.env("PATH", std::env::join_paths(paths).expect("PATH"))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", &self.home)
            .env("GIT_AUTHOR_NAME", "Goal Setter")
            .env("GIT_AUTHOR_EMAIL", "goals@example.com")
            .env("GIT_COMMITTER_NAME", "Goal Setter")
            .env("GIT_COMMITTER_EMAIL", "goals@example.com")
            .env("GIT_AUTHOR_DATE", "2020-12-08T10:00:00+00:00")
            .env("GIT_COMMITTER_DATE", "2020-12-08T10:00:00+00:00")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE");
    }

    /// Runs git in `dir`; fails the test when git fails.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(dir);
        self.env(&mut cmd);
        let output = cmd.output().expect("run git");
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs gitgoals in `dir` and checks it did not panic (exit code 101).
    pub fn gitgoals(&self, dir: &Path, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gitgoals"));
        cmd.args(args).current_dir(dir);
        self.env(&mut cmd);
        Run::of(args, cmd.output().expect("run gitgoals"))
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
        assert_ne!(
            run.code,
            Some(101),
            "gitgoals {:?} panicked:\n{}",
            run.args,
            run.stderr
        );
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
