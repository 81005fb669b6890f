//! Writing a repository from a script of commits, as `gitgoals demo` does: each commit's tree
//! is built from its parent's (no index, no work tree), at fixed times, so the same script
//! always makes the same repository, down to the commit ids.

use std::path::Path;

use git2::build::{CheckoutBuilder, TreeUpdateBuilder};
use git2::{FileMode, Oid, Repository, RepositoryInitOptions, Signature, Time};

use crate::error::{Error, Result};

/// One commit of a script: it writes one file, whole.
#[derive(Debug, Clone)]
pub struct ScriptedCommit {
    /// Author and committer time, in seconds since the epoch.
    pub time: i64,
    /// The author's offset from UTC, in minutes.
    pub offset_minutes: i32,
    pub message: String,
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Who every scripted commit is by.
pub struct Author<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// Makes a new repository in `dir` (created if missing) whose `branch` holds `commits`, one
/// on top of the other, and checks it out.
pub fn write_history(
    dir: &Path,
    branch: &str,
    author: &Author<'_>,
    commits: &[ScriptedCommit],
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(Error::cannot(format!("create {}", dir.display())))?;
    let mut options = RepositoryInitOptions::new();
    options.initial_head(branch);
    let repo = Repository::init_opts(dir, &options).map_err(Error::cannot(format!(
        "create a repository in {}",
        dir.display()
    )))?;
    let mut head = None;
    for commit in commits {
        let id = write_commit(&repo, head, author, commit).map_err(Error::cannot(format!(
            "write the commit \"{}\"",
            commit.message
        )))?;
        head = Some(id);
    }
    if let Some(head) = head {
        repo.reference(&format!("refs/heads/{branch}"), head, true, "gitgoals")
            .map_err(Error::cannot(format!("point {branch} at the last commit")))?;
    }
    repo.checkout_head(Some(CheckoutBuilder::new().force()))
        .map_err(Error::cannot(format!("check out {}", dir.display())))
}

/// One commit on top of `parent`, with the same author and committer at the commit's time.
fn write_commit(
    repo: &Repository,
    parent: Option<Oid>,
    author: &Author<'_>,
    commit: &ScriptedCommit,
) -> Result<Oid, git2::Error> {
    let mut update = TreeUpdateBuilder::new();
    update.upsert(&commit.path, repo.blob(&commit.bytes)?, FileMode::Blob);
    let parent = parent.map(|id| repo.find_commit(id)).transpose()?;
    let base = match &parent {
        Some(parent) => parent.tree()?,
        None => repo.find_tree(repo.treebuilder(None)?.write()?)?,
    };
    let tree = repo.find_tree(update.create_updated(repo, &base)?)?;
    let time = Time::new(commit.time, commit.offset_minutes);
    let who = Signature::new(author.name, author.email, &time)?;
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(None, &who, &who, &commit.message, &tree, &parents)
}
