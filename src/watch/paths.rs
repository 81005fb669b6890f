//! Where the watcher looks and what a changed path means: the repository's layout on disk
//! (work tree, git directory, the common directory of worktrees) and the classification of
//! file events into triggers.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use crate::core::select::PostSelector;
use crate::git::Repo;

use crate::error::Error;

/// Directories that never hold posts a user writes, skipped when the whole work tree is
/// watched: generated sites and dependency trees can hold thousands of directories.
const NEVER_POSTS: [&str; 4] = ["_site", "node_modules", "target", "vendor"];

/// How old an `index.lock` may be and still belong to a running git.
const STALE_LOCK: std::time::Duration = std::time::Duration::from_secs(10);

/// The repository's places on disk, as absolute paths.
#[derive(Debug, Clone)]
pub struct Layout {
    pub workdir: PathBuf,
    /// The repository's own git directory (`.git`, or `.git/worktrees/NAME` for a linked
    /// worktree): where HEAD lives.
    pub git_dir: PathBuf,
    /// Where refs and `packed-refs` live; the same as `git_dir` outside linked worktrees.
    pub common_dir: PathBuf,
    /// `.git` in the work tree: a directory, or a file pointing elsewhere in a worktree.
    dot_git: PathBuf,
    /// The posts directories present in the work tree; empty means every Markdown file.
    posts_dirs: Vec<PathBuf>,
    scope: Scope,
    /// File identities of the git directory and `.git` at start, to notice a replacement.
    identities: Vec<(PathBuf, Option<FileId>)>,
}

/// A file's device and inode: a `.git` removed and created again has a new one.
type FileId = (u64, u64);

fn file_id(path: &Path) -> Option<FileId> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        Some((0, 0))
    }
}

/// What one batch of file events asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Triggers {
    /// HEAD, a ref or `packed-refs` was written: HEAD may have moved.
    pub refs_moved: bool,
    /// Posts written in the work tree, as repository paths (`_posts/2021-01-04-week-5.md`).
    pub saved: BTreeSet<String>,
    /// Directories that appeared and need watches of their own.
    pub new_dirs: Vec<PathBuf>,
}

/// Which repository paths are posts: the history engine's choice (the posts directories,
/// else every Markdown file, or the user's `--posts` glob), less editors' own files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    selector: PostSelector,
}

impl Scope {
    pub fn new(selector: PostSelector) -> Self {
        Scope { selector }
    }

    /// Whether the `/`-separated repository path names a post (not an editor's temporary
    /// file, backup or lock).
    pub fn contains(&self, path: &str) -> bool {
        self.selector.is_post(path) && is_post_file_name(path.rsplit('/').next().unwrap_or(path))
    }
}

/// A Markdown file name that an editor did not make for itself: hidden names (vim's
/// `.post.md.swp`, emacs' `.#post.md` lock link), backups (`post.md~`, `#post.md#`) and lock
/// files are left alone.
fn is_post_file_name(name: &str) -> bool {
    if name.starts_with('.') || name.starts_with('#') || name.ends_with('~') {
        return false;
    }
    let Some((_, extension)) = name.rsplit_once('.') else {
        return false;
    };
    extension.eq_ignore_ascii_case("md") || extension.eq_ignore_ascii_case("markdown")
}

impl Layout {
    /// The layout of an opened repository, and which posts directories its work tree has.
    pub fn of(repo: &Repo, selector: PostSelector) -> Result<Layout, Error> {
        let workdir = repo
            .work_dir()
            .map(|dir| clean(&dir))
            .ok_or_else(|| Error::BareWatch(repo.git_dir()))?;
        let git_dir = clean(&repo.git_dir());
        let common_dir = clean(&repo.common_dir());
        let dot_git = workdir.join(".git");
        // Posts directories are watched whole; otherwise the whole work tree is.
        let posts_dirs = match &selector {
            PostSelector::Dirs(dirs) => dirs
                .iter()
                .map(|dir| workdir.join(dir))
                .filter(|dir| dir.is_dir())
                .collect(),
            PostSelector::AllMarkdown
            | PostSelector::Glob(_)
            | PostSelector::AnyGlob(_)
            | PostSelector::DatedNotes
            | PostSelector::Except(..) => Vec::new(),
        };
        let identities = [&git_dir, &dot_git]
            .into_iter()
            .map(|path| (path.clone(), file_id(path)))
            .collect();
        Ok(Layout::new(
            workdir, git_dir, common_dir, posts_dirs, selector, identities,
        ))
    }

    fn new(
        workdir: PathBuf,
        git_dir: PathBuf,
        common_dir: PathBuf,
        posts_dirs: Vec<PathBuf>,
        selector: PostSelector,
        identities: Vec<(PathBuf, Option<FileId>)>,
    ) -> Layout {
        let scope = Scope::new(selector);
        Layout {
            dot_git: workdir.join(".git"),
            workdir,
            git_dir,
            common_dir,
            posts_dirs,
            scope,
            identities,
        }
    }

    /// Which repository paths are posts, for the tracker.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Directories to watch and whether recursively. The git directory is watched narrowly:
    /// a recursive watch of `.git` sees ~93 events per commit, mostly in `objects/`.
    pub fn watch_list(&self) -> Vec<(PathBuf, bool)> {
        let mut list = vec![(self.git_dir.clone(), false)];
        if self.common_dir != self.git_dir {
            list.push((self.common_dir.clone(), false));
        }
        let refs = self.common_dir.join("refs");
        if refs.is_dir() {
            list.push((refs, true));
        }
        // The work tree root, alone: to see `.git` removed or replaced.
        list.push((self.workdir.clone(), false));
        if self.posts_dirs.is_empty() {
            let mut dirs = Vec::new();
            subdirectories(&self.workdir, &mut dirs, 0);
            list.extend(dirs.into_iter().map(|dir| (dir, false)));
        } else {
            list.extend(self.posts_dirs.iter().map(|dir| (dir.clone(), true)));
        }
        list
    }

    /// Adds what `path` (from a file event) means to `triggers`.
    pub fn classify(&self, path: &Path, created_dir: bool, triggers: &mut Triggers) {
        if let Ok(rest) = path.strip_prefix(&self.git_dir)
            && rest == Path::new("HEAD")
        {
            triggers.refs_moved = true;
            return;
        }
        if let Ok(rest) = path.strip_prefix(&self.common_dir) {
            let is_lock = path.extension().is_some_and(|e| e == "lock");
            if !is_lock && (rest.starts_with("refs") || rest == Path::new("packed-refs")) {
                triggers.refs_moved = true;
            }
            return;
        }
        if path.starts_with(&self.git_dir) || path.starts_with(&self.dot_git) {
            return;
        }
        let Ok(rest) = path.strip_prefix(&self.workdir) else {
            return;
        };
        if created_dir {
            if self.wants_new_dir(rest) {
                triggers.new_dirs.push(path.to_path_buf());
            }
            return;
        }
        let rest = repo_path(rest);
        if self.scope.contains(&rest) {
            triggers.saved.insert(rest);
        }
    }

    /// Whether a directory that just appeared at `rest` (relative to the work tree) needs a
    /// watch of ours: only when the whole tree is watched directory by directory (so that
    /// `.git` is left out), and not when it is hidden or generated.
    fn wants_new_dir(&self, rest: &Path) -> bool {
        if self.posts_dirs.is_empty() {
            return !rest.components().any(|c| skipped_dir_name(&c));
        }
        // Subdirectories of watched posts directories are notify's business (recursive mode).
        false
    }

    /// Whether the git directory and `.git` are still the ones we started with.
    pub fn still_there(&self) -> bool {
        self.identities.iter().all(|(path, id)| {
            let now = file_id(path);
            now.is_some() && now == *id
        })
    }

    /// Whether git is in the middle of changing the index and work tree (a checkout, reset,
    /// merge or stash): it holds `index.lock` until it is done. A lock older than
    /// `STALE_LOCK` is left over from a git that died and does not count.
    pub fn git_is_busy(&self) -> bool {
        std::fs::metadata(self.git_dir.join("index.lock"))
            .and_then(|m| m.modified())
            .is_ok_and(|at| at.elapsed().is_ok_and(|age| age < STALE_LOCK))
    }

    pub fn git_dir_shown(&self) -> PathBuf {
        self.dot_git.clone()
    }
}

/// Drops a trailing `/` (the repository names its directories `…/repo/`) so event paths
/// compare equal.
fn clean(path: &Path) -> PathBuf {
    path.components().collect()
}

/// A relative path as git names it: `/`-separated.
fn repo_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn skipped_dir_name(component: &Component) -> bool {
    let name = component.as_os_str().to_string_lossy();
    name.starts_with('.') || NEVER_POSTS.contains(&name.as_ref())
}

/// Every directory under `dir` (not `dir` itself) except hidden and generated ones, not
/// following symbolic links.
fn subdirectories(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    const MAX_DEPTH: usize = 16;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let name = entry.file_name();
        if !is_dir || skipped_dir_name(&Component::Normal(&name)) || depth >= MAX_DEPTH {
            continue;
        }
        let path = entry.path();
        out.push(path.clone());
        subdirectories(&path, out, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(posts_dirs: &[&str]) -> Layout {
        let workdir = PathBuf::from("/home/u/blog");
        Layout::new(
            workdir.clone(),
            workdir.join(".git"),
            workdir.join(".git"),
            posts_dirs.iter().map(|d| workdir.join(d)).collect(),
            if posts_dirs.is_empty() {
                PostSelector::AllMarkdown
            } else {
                PostSelector::Dirs(posts_dirs.iter().map(|d| d.to_string()).collect())
            },
            Vec::new(),
        )
    }

    fn classify(layout: &Layout, paths: &[&str]) -> Triggers {
        let mut triggers = Triggers::default();
        for path in paths {
            layout.classify(Path::new(path), false, &mut triggers);
        }
        triggers
    }

    #[test]
    fn ref_updates_and_head_are_triggers_but_git_noise_is_not() {
        let layout = layout(&["_posts"]);
        let quiet = classify(
            &layout,
            &[
                "/home/u/blog/.git/index",
                "/home/u/blog/.git/index.lock",
                "/home/u/blog/.git/COMMIT_EDITMSG",
                "/home/u/blog/.git/refs/heads/main.lock",
            ],
        );
        assert_eq!(quiet, Triggers::default());
        for moved in [
            "/home/u/blog/.git/HEAD",
            "/home/u/blog/.git/refs/heads/main",
            "/home/u/blog/.git/packed-refs",
        ] {
            assert!(classify(&layout, &[moved]).refs_moved, "{moved}");
        }
    }

    #[test]
    fn linked_worktree_reads_head_from_its_own_dir_and_refs_from_the_common_one() {
        let mut layout = layout(&["_posts"]);
        layout.git_dir = PathBuf::from("/home/u/main/.git/worktrees/blog");
        layout.common_dir = PathBuf::from("/home/u/main/.git");
        assert!(classify(&layout, &["/home/u/main/.git/worktrees/blog/HEAD"]).refs_moved);
        assert!(classify(&layout, &["/home/u/main/.git/refs/heads/wip"]).refs_moved);
        assert!(!classify(&layout, &["/home/u/main/.git/worktrees/blog/index"]).refs_moved);
    }

    #[test]
    fn saved_posts_are_markdown_under_the_posts_dirs_and_not_editor_files() {
        let layout = layout(&["_posts", "_drafts"]);
        let triggers = classify(
            &layout,
            &[
                "/home/u/blog/_posts/2021-01-04-week-5.md",
                "/home/u/blog/_drafts/idea.markdown",
                "/home/u/blog/_posts/.2021-01-04-week-5.md.swp",
                "/home/u/blog/_posts/.#2021-01-04-week-5.md",
                "/home/u/blog/_posts/2021-01-04-week-5.md~",
                "/home/u/blog/_posts/2021-01-04-week-5.md.lock",
                "/home/u/blog/_posts/4913",
                "/home/u/blog/README.md",
                "/home/u/blog/_postscript/x.md",
            ],
        );
        let saved: Vec<&str> = triggers.saved.iter().map(String::as_str).collect();
        assert_eq!(
            saved,
            ["_drafts/idea.markdown", "_posts/2021-01-04-week-5.md"]
        );
        assert!(!triggers.refs_moved);
    }

    #[test]
    fn without_posts_dirs_every_markdown_file_counts() {
        let layout = layout(&[]);
        let triggers = classify(
            &layout,
            &[
                "/home/u/blog/README.md",
                "/home/u/blog/notes/week.md",
                "/home/u/blog/.git/description.md",
            ],
        );
        let saved: Vec<&str> = triggers.saved.iter().map(String::as_str).collect();
        assert_eq!(saved, ["README.md", "notes/week.md"]);
    }

    #[test]
    fn new_directories_are_watched_only_when_the_whole_tree_is() {
        let mut triggers = Triggers::default();
        let whole = layout(&[]);
        whole.classify(Path::new("/home/u/blog/notes"), true, &mut triggers);
        whole.classify(Path::new("/home/u/blog/.cache"), true, &mut triggers);
        whole.classify(Path::new("/home/u/blog/_site/x"), true, &mut triggers);
        assert_eq!(triggers.new_dirs, [PathBuf::from("/home/u/blog/notes")]);
    }
}
