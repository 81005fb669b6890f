//! A blog repository for the hook tests, driven through the real `git` and `gitgoals` in the
//! isolated environment: the same few steps every hook test takes (write a post, stage it,
//! commit through the hook, read back what was committed).

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

use super::{GITGOALS, Scratch, finish};

pub struct Blog {
    pub scratch: Scratch,
    pub dir: PathBuf,
}

impl Blog {
    /// A repository with a README committed (so HEAD exists) and the hook installed.
    pub fn new() -> Blog {
        let blog = Blog::without_hook();
        blog.gitgoals_ok(&["hook", "install"]);
        blog
    }

    /// A repository with a README committed and no hook.
    pub fn without_hook() -> Blog {
        let blog = Blog::empty();
        blog.write("README.md", "blog\n");
        blog.ok(&["add", "README.md"]);
        blog.ok(&["commit", "-q", "-m", "start"]);
        blog
    }

    /// A repository with nothing in it and no hook.
    pub fn empty() -> Blog {
        let scratch = Scratch::new();
        let dir = scratch.init("blog");
        Blog { scratch, dir }
    }

    /// `program` in the repository. Git gets editors that accept what they are given, so a
    /// rebase or a merge never waits for a person.
    pub fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut command = self.scratch.command(program, &self.dir, args);
        command
            .env("GIT_SEQUENCE_EDITOR", "true")
            .env("GIT_EDITOR", "true");
        command
    }

    pub fn git(&self, args: &[&str]) -> Output {
        self.command("git", args).output().expect("run git")
    }

    /// `git args`, which must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.git(args);
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether `git args` exits 0 (for `--quiet` comparisons).
    pub fn succeeds(&self, args: &[&str]) -> bool {
        self.git(args).status.success()
    }

    pub fn gitgoals(&self, args: &[&str]) -> Output {
        finish(&mut self.command(GITGOALS, args))
    }

    /// `gitgoals args`, which must succeed; its stdout.
    pub fn gitgoals_ok(&self, args: &[&str]) -> String {
        let out = self.gitgoals(args);
        assert!(
            out.status.success(),
            "gitgoals {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn write(&self, path: &str, text: impl AsRef<[u8]>) {
        let file = self.dir.join(path);
        if let Some(parent) = file.parent() {
            fs::create_dir_all(parent).expect("parent dir");
        }
        fs::write(file, text).expect("write file");
    }

    /// The working file's bytes.
    pub fn read_bytes(&self, path: &str) -> Vec<u8> {
        fs::read(self.dir.join(path)).expect("read file")
    }

    /// The working file's text.
    pub fn read(&self, path: &str) -> String {
        String::from_utf8(self.read_bytes(path)).expect("utf-8")
    }

    /// The blob of `path` at a revision (`HEAD`), or in the index (``).
    pub fn blob(&self, rev: &str, path: &str) -> Vec<u8> {
        let out = self.git(&["cat-file", "blob", &format!("{rev}:{path}")]);
        assert!(out.status.success(), "no {rev}:{path}");
        out.stdout
    }

    /// [`Blog::blob`] as text.
    pub fn blob_text(&self, rev: &str, path: &str) -> String {
        String::from_utf8(self.blob(rev, path)).expect("utf-8")
    }

    /// The text of `path` in HEAD.
    pub fn committed(&self, path: &str) -> String {
        self.blob_text("HEAD", path)
    }

    pub fn status(&self) -> String {
        self.ok(&["status", "--porcelain"])
    }

    /// `git commit -q -m goals` with `args`, through the hook.
    pub fn commit(&self, args: &[&str]) -> Output {
        let mut all = vec!["commit", "-q", "-m", "goals"];
        all.extend_from_slice(args);
        self.git(&all)
    }

    /// [`Blog::commit`], which must succeed; what the hook printed on stderr.
    pub fn commit_ok(&self, args: &[&str]) -> String {
        let out = self.commit(args);
        assert!(
            out.status.success(),
            "commit failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}
