//! The integration tests' harness, kept away from the machine's git configuration: real git
//! repositories built with libgit2 in temporary directories (every commit at fixed author and
//! committer times), and the `git` and `gitgoals` binaries run in an isolated environment
//! ([`isolated`]).
#![allow(dead_code)] // each test file uses a different part of the helper

pub mod blog;
mod isolated;

#[allow(unused_imports)] // each test file uses a different part
pub use isolated::{
    BlockFigures, GITGOALS, Isolated, READING_COMMANDS, Run, Scratch, assert_no_panic, finish,
};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use git2::build::TreeUpdateBuilder;
use git2::{FileMode, Oid, Repository, Signature, Time};
use tempfile::TempDir;

/// A day in seconds, for readable test times.
pub const DAY: i64 = 86_400;
/// 2020-12-07 00:00:00 UTC: the week of the seed post.
pub const MONDAY: i64 = 1_607_299_200;

/// Keeps libgit2 away from the machine's global, XDG and system git config.
pub fn hermetic_libgit2() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let empty = std::env::temp_dir().join("gitgoals-tests-no-git-config");
        let _ = std::fs::create_dir_all(&empty);
        for level in [
            git2::ConfigLevel::Global,
            git2::ConfigLevel::XDG,
            git2::ConfigLevel::System,
            git2::ConfigLevel::ProgramData,
        ] {
            // SAFETY: called once, before any repository is opened by these tests.
            unsafe {
                let _ = git2::opts::set_search_path(level, &empty);
            }
        }
    });
}

/// A repository in a temporary directory.
pub struct TestRepo {
    pub dir: TempDir,
    pub repo: Repository,
}

/// A file to write (`Some(text)`) or delete (`None`) in a commit.
pub type Edit<'a> = (&'a str, Option<&'a str>);

impl TestRepo {
    pub fn new() -> TestRepo {
        hermetic_libgit2();
        let dir = tempfile::tempdir().expect("temporary directory");
        let repo = Repository::init(dir.path()).expect("git init");
        TestRepo { dir, repo }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Commits `edits` on top of HEAD (or as the root commit), authored and committed at `at`.
    pub fn commit(&self, edits: &[Edit<'_>], at: i64, message: &str) -> Oid {
        let parents: Vec<Oid> = self.head().into_iter().collect();
        self.commit_with(&parents, edits, at, at, message, Some("HEAD"))
    }

    /// Moves `from` to `to` with new content, on top of HEAD.
    pub fn rename(&self, from: &str, to: &str, text: &str, at: i64, message: &str) -> Oid {
        self.commit(&[(from, None), (to, Some(text))], at, message)
    }

    /// Points HEAD's branch at `commit`, as an amend or a reset does.
    pub fn move_branch(&self, commit: Oid) {
        let head = self.repo.find_reference("HEAD").expect("HEAD");
        let branch = head
            .symbolic_target()
            .ok()
            .flatten()
            .unwrap_or("refs/heads/master")
            .to_string();
        self.repo
            .reference(&branch, commit, true, "move branch")
            .expect("move the branch");
    }

    pub fn head(&self) -> Option<Oid> {
        self.repo.head().ok().and_then(|h| h.target())
    }

    /// The general form: any parents (the first one's tree is the base for `edits`), author
    /// and committer times apart, and the ref to move (`None` leaves refs alone).
    pub fn commit_with(
        &self,
        parents: &[Oid],
        edits: &[Edit<'_>],
        author_time: i64,
        committer_time: i64,
        message: &str,
        update_ref: Option<&str>,
    ) -> Oid {
        let repo = &self.repo;
        let mut update = TreeUpdateBuilder::new();
        for (path, text) in edits {
            match text {
                Some(text) => {
                    let blob = repo.blob(text.as_bytes()).expect("write blob");
                    update.upsert(*path, blob, FileMode::Blob);
                }
                None => {
                    update.remove(*path);
                }
            }
        }
        let base = match parents.first() {
            Some(parent) => repo
                .find_commit(*parent)
                .and_then(|c| c.tree())
                .expect("parent tree"),
            None => {
                let empty = repo
                    .treebuilder(None)
                    .and_then(|b| b.write())
                    .expect("empty tree");
                repo.find_tree(empty).expect("empty tree")
            }
        };
        let tree_id = update.create_updated(repo, &base).expect("build tree");
        let tree = repo.find_tree(tree_id).expect("tree");
        let author = Signature::new("Ada", "ada@example.org", &Time::new(author_time, 60))
            .expect("signature");
        let committer = Signature::new("Ada", "ada@example.org", &Time::new(committer_time, 0))
            .expect("signature");
        let parent_commits: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| repo.find_commit(*p).expect("parent"))
            .collect();
        let parent_refs: Vec<&git2::Commit<'_>> = parent_commits.iter().collect();
        repo.commit(
            update_ref,
            &author,
            &committer,
            message,
            &tree,
            &parent_refs,
        )
        .expect("commit")
    }
}

/// Where `../shared` is: `GITGOALS_SHARED_DIR` when set, else beside the crate.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("GITGOALS_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// Clones a git bundle from `../shared/corpora` into a temporary directory with the git
/// binary, checked out at `branch`; none (with a message) when the bundle or git is missing.
pub fn clone_shared_bundle(name: &str, branch: &str) -> Option<TempDir> {
    let bundle = shared_dir().join("corpora").join(name);
    if !bundle.exists() {
        eprintln!(
            "skipped: {} is not here (only developers have ../shared)",
            bundle.display()
        );
        return None;
    }
    let dir = tempfile::tempdir().ok()?;
    let home = tempfile::tempdir().ok()?;
    let status = Command::new("git")
        .arg("clone")
        .arg("--quiet")
        .arg("--branch")
        .arg(branch)
        .arg(&bundle)
        .arg(dir.path().join("repo"))
        .isolated(home.path())
        .status();
    match status {
        Ok(status) if status.success() => Some(dir),
        other => {
            eprintln!("skipped: cannot clone {}: {other:?}", bundle.display());
            None
        }
    }
}
