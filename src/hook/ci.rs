//! Stats blocks where no hook runs: the forge's CI refreshes the blocks of posts pushed from a
//! web editor or a phone app (`gitgoals stats --since REV --commit`), and `init-ci` writes the
//! workflow that does it.
//!
//! The commit it makes is recognisable by its author and by a trailer, and a run whose HEAD
//! is such a commit does nothing: its own push never starts another round.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::core::block;
use crate::error::Error;
use crate::git::Repo;

use super::{CHART_DIR, git_in, post_stem, tracked_posts};

/// The workflow `init-ci` writes (kept in the repository as `recipes/gitgoals-workflow.yml`).
pub const WORKFLOW: &str = include_str!("../../recipes/gitgoals-workflow.yml");
/// Where `init-ci` writes it, from the work tree's root.
pub const WORKFLOW_PATH: &str = ".github/workflows/gitgoals.yml";
/// The author (and committer) of a refresh commit.
pub const AUTHOR_NAME: &str = "gitgoals";
/// A reserved domain: the address names the tool, and reaches no one.
pub const AUTHOR_EMAIL: &str = "gitgoals@stats-block.invalid";
/// The trailer that marks a refresh commit; the workflow tests for its key too.
pub const TRAILER: &str = "Gitgoals-Refresh: stats";

/// `gitgoals init-ci`: writes [`WORKFLOW`] to [`WORKFLOW_PATH`] under `work_tree`; a file
/// already there is never replaced, and a `.github` linked out of the work tree is refused.
pub fn init(work_tree: &Path) -> Result<PathBuf, Error> {
    let path = work_tree.join(WORKFLOW_PATH);
    if let Some(dir) = path.parent() {
        super::create_dir_inside(work_tree, dir)?;
    }
    let mut file = match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::FileExists { path });
        }
        Err(e) => return Err(Error::io(&path)(e)),
    };
    file.write_all(WORKFLOW.as_bytes())
        .map_err(Error::io(&path))?;
    Ok(path)
}

/// Whether a commit message is a refresh commit's.
pub fn is_refresh_message(message: &str) -> bool {
    message.lines().any(|line| line.trim_end() == TRAILER)
}

/// Whether HEAD is gitgoals' own refresh commit (false in a repository without commits).
pub fn head_is_own(work_tree: &Path) -> Result<bool, Error> {
    let out = git_in(work_tree, &["log", "-1", "--format=%B", "HEAD"])?;
    Ok(out.status.success() && is_refresh_message(&String::from_utf8_lossy(&out.stdout)))
}

/// The goals posts whose blocks a run `--since REV` refreshes, as repository paths: the
/// tracked posts that changed between REV and HEAD. When REV is not a commit of this clone
/// (all zeros for a new branch, a commit a force-push dropped), every tracked post that
/// already has a block: the CI then cannot tell what changed, and a post without a block was
/// never asked for one.
pub fn posts_to_refresh(
    repo: &Repo,
    work_tree: &Path,
    globs: &[&str],
    since: &str,
) -> Result<Vec<String>, Error> {
    let posts = tracked_posts(repo, globs)?;
    let known = !since.is_empty()
        && !since.bytes().all(|b| b == b'0')
        && git_in(
            work_tree,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{since}^{{commit}}"),
            ],
        )?
        .status
        .success();
    if !known {
        return Ok(posts
            .into_iter()
            .filter(|post| {
                fs::read(work_tree.join(post))
                    .is_ok_and(|bytes| matches!(block::find_block(&bytes), Ok(Some(_))))
            })
            .collect());
    }
    // Deleted files aside; a renamed post is a change to its new path.
    let out = git_in(
        work_tree,
        &[
            "diff",
            "--name-only",
            "--no-renames",
            "--diff-filter=d",
            "-z",
            since,
            "HEAD",
            "--",
        ],
    )?;
    if !out.status.success() {
        return Err(Error::GitCommand {
            args: format!("diff --name-only {since} HEAD"),
            reason: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    let changed: std::collections::HashSet<&[u8]> = out
        .stdout
        .split(|&b| b == 0)
        .filter(|name| !name.is_empty())
        .collect();
    Ok(posts
        .into_iter()
        .filter(|post| changed.contains(post.as_bytes()))
        .collect())
}

/// Refuses when one of the posts `--commit` may rewrite (`files`; every tracked post when
/// none is named) differs from HEAD in the index or the work tree, or is not tracked: the
/// refresh commit takes whole files, so the user's edit would go in under gitgoals' name.
/// Checked before any file is written.
pub fn ensure_committed(
    repo: &Repo,
    work_tree: &Path,
    globs: &[&str],
    files: &[PathBuf],
) -> Result<(), Error> {
    let paths: Vec<PathBuf> = if files.is_empty() {
        tracked_posts(repo, globs)?
            .iter()
            .map(|post| work_tree.join(post))
            .collect()
    } else {
        files.to_vec()
    };
    if paths.is_empty() {
        return Ok(());
    }
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(work_tree)
        .args([
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--",
        ])
        .args(&paths)
        .output()
        .map_err(|e| Error::GitCommand {
            args: "status".to_string(),
            reason: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(Error::GitCommand {
            args: "status --porcelain".to_string(),
            reason: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    // Each entry is `XY PATH`; the first one is enough to name.
    match out.stdout.split(|&b| b == 0).find(|entry| entry.len() > 3) {
        Some(entry) => Err(Error::UncommittedPost {
            path: String::from_utf8_lossy(&entry[3..]).into_owned(),
        }),
        None => Ok(()),
    }
}

/// The commit message of a refresh of `posts` (and of the site's data file, alone or with
/// them).
fn message(posts: &[String]) -> String {
    let subject = match posts {
        [] => "gitgoals: refresh the site's data file".to_string(),
        [one] => format!("gitgoals: refresh the stats block of {one}"),
        many => format!("gitgoals: refresh the stats blocks of {} posts", many.len()),
    };
    let mut text = format!(
        "{subject}\n\nThe block the pre-commit hook would have written, for posts pushed without it\n(a web editor, a phone app).\n"
    );
    if posts.len() > 1 {
        text.push('\n');
        for post in posts {
            text.push_str(&format!("- {post}\n"));
        }
    }
    text.push('\n');
    text.push_str(TRAILER);
    text.push('\n');
    text
}

/// Commits `posts` (repository paths whose blocks were just rewritten), with `chart` their
/// charts, and the generated files in `also` (the site's data file, when the user asked for
/// it), as [`AUTHOR_NAME`]: only these paths, whatever else the index holds. Gives the new
/// commit's id; `None` when there was nothing to commit.
pub fn commit(
    work_tree: &Path,
    posts: &[String],
    chart: bool,
    also: &[&str],
) -> Result<Option<String>, Error> {
    if posts.is_empty() && also.is_empty() {
        return Ok(None);
    }
    let mut paths: Vec<String> = posts.to_vec();
    paths.extend(also.iter().map(|p| p.to_string()));
    if chart {
        paths.extend(
            posts
                .iter()
                .map(|post| format!("{CHART_DIR}/{}.svg", post_stem(post)))
                .filter(|svg| work_tree.join(svg).is_file()),
        );
    }
    let run = |args: &[&str]| -> Result<String, Error> {
        let out = git_in(work_tree, args)?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(Error::GitCommand {
                args: args.iter().take(6).copied().collect::<Vec<_>>().join(" "),
                reason: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            })
        }
    };
    let mut add = vec!["add", "--"];
    add.extend(paths.iter().map(String::as_str));
    run(&add)?;
    let mut staged = vec!["diff", "--cached", "--quiet", "--"];
    staged.extend(paths.iter().map(String::as_str));
    if git_in(work_tree, &staged)?.status.success() {
        return Ok(None);
    }
    // The identity by environment, which outranks any user.name the machine has set;
    // `--no-verify`: a pre-commit hook there would be gitgoals' own, with nothing left to do.
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(work_tree)
        .args([
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "--no-verify",
            "-m",
        ])
        .arg(message(posts))
        .arg("--")
        .args(&paths)
        .env("GIT_AUTHOR_NAME", AUTHOR_NAME)
        .env("GIT_AUTHOR_EMAIL", AUTHOR_EMAIL)
        .env("GIT_COMMITTER_NAME", AUTHOR_NAME)
        .env("GIT_COMMITTER_EMAIL", AUTHOR_EMAIL)
        .output()
        .map_err(|e| Error::GitCommand {
            args: "commit".to_string(),
            reason: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(Error::GitCommand {
            args: "commit".to_string(),
            reason: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    run(&["rev-parse", "HEAD"]).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_commit_is_told_by_its_trailer() {
        let text = message(&["_posts/2021-01-04-week-1.md".to_string()]);
        assert!(text.starts_with("gitgoals: refresh the stats block of _posts/2021-01-04"));
        assert!(is_refresh_message(&text));
        assert!(!is_refresh_message(
            "Tick a goal\n\nGitgoals-Refresh is a word here\n"
        ));
        let two = message(&["a.md".to_string(), "b.md".to_string()]);
        assert!(two.contains("of 2 posts") && two.contains("- b.md"));
    }

    #[test]
    fn the_workflow_runs_the_refresh_and_skips_its_own_commit() {
        assert!(WORKFLOW.contains("gitgoals stats --since \"$BEFORE\" --commit"));
        let key = TRAILER.split(' ').next().expect("a key");
        assert!(
            WORKFLOW.contains(&format!("'{key}'")),
            "the job's `if` tests {key}"
        );
        assert!(WORKFLOW.contains("fetch-depth: 0"));
    }
}
