//! Stage 1, git history → post versions: the only module that reads a repository's history
//! with git2.
//!
//! It opens the repository, decides which files are posts, orders the commits reachable from
//! HEAD by the commit graph (parents before children), and yields for each commit the post
//! files that differ from its first parent, with renames detected and each new blob's bytes
//! read once. Everything it hands out is a plain type; the history engine never sees git2.

pub mod index;
pub mod live;
pub mod pack;
pub mod read;
pub mod renames;
mod walk;
pub mod write;

pub use walk::topological_order;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use git2::{ErrorCode, ObjectType, Oid, Repository, RepositoryOpenFlags};

use crate::core::delta::{BlobContent, CommitDelta, FileChange, ObjectId, PENDING_COMMIT};
use crate::core::model::{CommitInfo, Warning};
use crate::core::select::{self, PostSelector};
use crate::error::Error;

/// What a walk saw as a whole.
#[derive(Debug, Clone, Default)]
pub struct WalkSummary {
    /// HEAD's commit, none for an empty repository.
    pub head: Option<ObjectId>,
    pub commits: usize,
    pub warnings: Vec<Warning>,
}

/// A commit about to be made: the given versions of some posts on top of `parent` (HEAD),
/// dated `time`. Feeding it to the history engine gives the figures as they will be once the
/// commit is made — what the pre-commit hook writes into the post.
pub fn pending_commit(
    parent: Option<ObjectId>,
    time: DateTime<FixedOffset>,
    files: &[(String, Vec<u8>)],
) -> CommitDelta {
    let mut changes = Vec::with_capacity(files.len());
    let mut blobs = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        // A blob id that cannot be computed still needs to be distinct from every real one.
        let blob = blob_id(bytes).unwrap_or(PENDING_COMMIT);
        // `Modified` of a path the parent lacks is an addition to the engine; `Added` would
        // make a second post of an existing path.
        changes.push(FileChange::Modified {
            path: path.clone(),
            blob,
        });
        blobs.push(BlobContent {
            id: blob,
            path: path.clone(),
            bytes: std::sync::Arc::new(bytes.clone()),
        });
    }
    pending_delta(
        parent.into_iter().collect(),
        time,
        changes,
        blobs,
        Vec::new(),
    )
}

/// A commit about to be made on `parents` (first parent first), dated `time`: `changes`
/// against the first parent, as a walk would read them, and the bytes of their new versions.
pub(crate) fn pending_delta(
    parents: Vec<ObjectId>,
    time: DateTime<FixedOffset>,
    changes: Vec<FileChange>,
    blobs: Vec<BlobContent>,
    warnings: Vec<Warning>,
) -> CommitDelta {
    CommitDelta {
        id: PENDING_COMMIT,
        commit: Arc::new(CommitInfo {
            id: PENDING_COMMIT.to_string(),
            time,
            summary: PENDING_SUMMARY.to_string(),
        }),
        parents,
        children: 0,
        changes,
        blobs,
        warnings,
    }
}

/// How a commit about to be made is named in the history.
const PENDING_SUMMARY: &str = "(about to be committed)";

/// What the hook needs to know of HEAD's commit to tell what `git commit` is making.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadCommit {
    pub id: ObjectId,
    /// Its parents, first parent first.
    pub parents: Vec<ObjectId>,
}

/// An open repository.
pub struct Repo {
    repo: Repository,
    /// The pack files, opened at the first blob read ([`Repo::packed_blob`]).
    packs: std::cell::RefCell<Option<pack::Packs>>,
    /// Whether the walk under way reads through the pack reader (a long one does).
    pack_reads: std::cell::Cell<bool>,
}

impl Repo {
    /// Opens the repository at or above `dir` (like `git -C DIR`), or, with no dir, the one
    /// git itself would use (`GIT_DIR`, else the current directory and its parents).
    pub fn open(dir: Option<&Path>) -> Result<Repo, Error> {
        // libgit2 hashes every object it reads to verify it; git does not, and it was more
        // than half of the time of a history walk.
        git2::opts::strict_hash_verification(false);
        // The walk reads each commit once and keeps the trees it needs itself; libgit2's
        // object cache only added insertion work and memory (walk 0.61 s/54 MB → 0.3 s/42 MB
        // on a 13,000-commit blog). Process-wide, like the setting above.
        git2::opts::enable_caching(false);
        let shown = match dir {
            Some(dir) => dir.display().to_string(),
            None => std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|_| ".".to_string()),
        };
        let opened = match dir {
            Some(dir) => Repository::open_ext(
                dir,
                RepositoryOpenFlags::FROM_ENV,
                &[] as &[&std::ffi::OsStr],
            ),
            None => Repository::open_from_env(),
        };
        match opened {
            Ok(repo) => Ok(Repo {
                repo,
                packs: std::cell::RefCell::new(None),
                pack_reads: std::cell::Cell::new(false),
            }),
            Err(e) if e.code() == ErrorCode::NotFound => Err(Error::NotARepository { dir: shown }),
            Err(e) => Err(Error::OpenRepository {
                dir: shown,
                message: e.message().to_string(),
            }),
        }
    }

    /// Blob `id` read from the pack files by [`pack::Packs`], which keeps the objects of
    /// delta chains as it resolves them; none when no pack holds it as a blob or it cannot
    /// be read there (then libgit2 reads it).
    pub fn packed_blob(&self, id: ObjectId) -> Option<std::sync::Arc<Vec<u8>>> {
        self.with_packs(|packs| packs.blob(id))
    }

    /// Tree `id`'s raw entries read from the pack files, as [`Repo::packed_blob`] reads blobs:
    /// the posts folder of a big blog is a tree of tens of kilobytes in a delta chain too.
    pub fn packed_tree(&self, id: ObjectId) -> Option<std::sync::Arc<Vec<u8>>> {
        self.with_packs(|packs| packs.tree(id))
    }

    /// Lets go of the pack files' indexes and the objects kept from them, once a whole walk
    /// is done: what comes after (the ledger, the cache records) reads no object, and on a
    /// long history they were a few megabytes of the peak. A later read opens them again.
    pub fn let_go_of_packs(&self) {
        if let Ok(mut packs) = self.packs.try_borrow_mut() {
            *packs = None;
        }
    }

    fn with_packs<T>(&self, read: impl FnOnce(&mut pack::Packs) -> Option<T>) -> Option<T> {
        let mut packs = self.packs.try_borrow_mut().ok()?;
        let packs = packs.get_or_insert_with(|| {
            // Where libgit2 looks for objects: `GIT_OBJECT_DIRECTORY` when set (as inside
            // some hooks), else the common directory's.
            let objects = std::env::var_os("GIT_OBJECT_DIRECTORY")
                .map(PathBuf::from)
                .unwrap_or_else(|| self.common_dir().join("objects"));
            pack::Packs::open(&objects)
        });
        read(packs)
    }

    /// The repository's git directory.
    pub fn git_dir(&self) -> PathBuf {
        self.repo.path().to_path_buf()
    }

    /// The git directory that linked worktrees share with the main one (the git directory
    /// itself when there are no worktrees).
    pub fn common_dir(&self) -> PathBuf {
        self.repo.commondir().to_path_buf()
    }

    /// Whether `ancestor` is `commit` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: ObjectId, commit: ObjectId) -> Result<bool, Error> {
        if ancestor == commit || self.among_recent_ancestors(ancestor, commit) {
            return Ok(true);
        }
        self.repo
            .graph_descendant_of(oid(commit), oid(ancestor))
            .map_err(|e| read_error(&format!("the ancestry of {commit}"), &e))
    }

    /// Whether `ancestor` is among the [`RECENT_ANCESTORS`] nearest ancestors of `commit`:
    /// the cache's commit usually is, a few commits behind HEAD. libgit2's own test paints
    /// both sides' histories, and on a repository without a commit-graph file reads back
    /// through most of it (18 M instructions of a 2,000-commit history, in every hook run).
    /// False says nothing: the caller asks libgit2.
    fn among_recent_ancestors(&self, ancestor: ObjectId, commit: ObjectId) -> bool {
        let target = oid(ancestor);
        let mut seen = std::collections::HashSet::from([oid(commit)]);
        let mut queue = std::collections::VecDeque::from([oid(commit)]);
        while let Some(id) = queue.pop_front() {
            if seen.len() > RECENT_ANCESTORS {
                return false;
            }
            let Ok(found) = self.repo.find_commit(id) else {
                return false;
            };
            for parent in found.parent_ids() {
                if parent == target {
                    return true;
                }
                if seen.insert(parent) {
                    queue.push_back(parent);
                }
            }
        }
        false
    }

    /// The work tree, none for a bare repository.
    pub fn work_dir(&self) -> Option<PathBuf> {
        self.repo.workdir().map(Path::to_path_buf)
    }

    /// HEAD's commit id; none for an empty repository or an unborn branch.
    pub fn head(&self) -> Result<Option<ObjectId>, Error> {
        match self.repo.head() {
            Ok(reference) => match reference.peel_to_commit() {
                Ok(commit) => Ok(Some(object_id(commit.id()))),
                Err(e) => Err(read_error("HEAD's commit", &e)),
            },
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(read_error("HEAD", &e)),
        }
    }

    /// HEAD's commit with its parents; none for an empty repository or an unborn branch.
    pub fn head_commit(&self) -> Result<Option<HeadCommit>, Error> {
        let Some(id) = self.head()? else {
            return Ok(None);
        };
        let commit = self
            .repo
            .find_commit(oid(id))
            .map_err(|e| read_error("HEAD's commit", &e))?;
        Ok(Some(HeadCommit {
            id,
            parents: commit.parent_ids().map(object_id).collect(),
        }))
    }

    /// The value of `alias.NAME` in the repository's configuration, when it is set.
    pub fn alias(&self, name: &str) -> Option<String> {
        self.repo
            .config()
            .ok()?
            .get_string(&format!("alias.{name}"))
            .ok()
    }

    /// Decides which files are posts: the user's glob, else the posts directories when any
    /// of them exists at HEAD, else every Markdown file.
    pub fn post_selector(&self, glob: Option<&str>) -> Result<PostSelector, Error> {
        let globs: Vec<&str> = glob.into_iter().collect();
        self.post_selector_for(&globs)
    }

    /// Whether HEAD's tree has a directory at `dir` (false before the first commit, or when
    /// HEAD cannot be read: the question only chooses a default).
    pub fn has_dir_at_head(&self, dir: &str) -> bool {
        let Ok(Some(head)) = self.head() else {
            return false;
        };
        self.repo
            .find_commit(oid(head))
            .and_then(|c| c.tree())
            .is_ok_and(|tree| {
                tree.get_path(Path::new(dir))
                    .is_ok_and(|entry| entry.kind() == Some(ObjectType::Tree))
            })
    }

    /// Decides which files are posts: any of the user's globs; else the posts directories
    /// when any of them exists at HEAD; else, in an Obsidian vault (a tracked `.obsidian/`
    /// folder), the notes named by a date or an ISO week; else every Markdown file.
    pub fn post_selector_for(&self, globs: &[&str]) -> Result<PostSelector, Error> {
        // Exclusions alone (`!templates/**`) take out of the defaults, which depend on HEAD.
        if globs.iter().any(|glob| !glob.starts_with('!')) {
            return select::choose(globs, true, |_| false);
        }
        let Some(head) = self.head()? else {
            return select::choose(globs, false, |_| false);
        };
        let tree = self
            .repo
            .find_commit(oid(head))
            .and_then(|c| c.tree())
            .map_err(|e| read_error(&format!("the tree of HEAD ({head})"), &e))?;
        let is_dir = |dir: &str| {
            tree.get_path(Path::new(dir))
                .is_ok_and(|entry| entry.kind() == Some(ObjectType::Tree))
        };
        select::choose(globs, true, is_dir)
    }
}

impl Repo {
    /// The bytes of `path` in HEAD's tree; none when it is not there (or cannot be read).
    pub fn head_file(&self, path: &str) -> Option<Vec<u8>> {
        let head = self.head().ok()??;
        let blob = self.blob_id_at(head, path).ok()??;
        self.blob_bytes(blob).ok()
    }

    /// Every file path in HEAD's tree (none before the first commit): what the user's posts
    /// globs are checked against.
    pub fn head_paths(&self) -> Result<Vec<String>, Error> {
        let Some(head) = self.head()? else {
            return Ok(Vec::new());
        };
        let tree = self
            .repo
            .find_commit(oid(head))
            .and_then(|c| c.tree())
            .map_err(|e| read_error(&format!("the tree of HEAD ({head})"), &e))?;
        let mut paths = Vec::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob)
                && let Ok(name) = entry.name()
            {
                paths.push(format!("{dir}{name}"));
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(|e| read_error(&format!("the tree of HEAD ({head})"), &e))?;
        Ok(paths)
    }
}

/// How many of a commit's nearest ancestors [`Repo::is_ancestor`] looks through itself
/// before it asks libgit2.
const RECENT_ANCESTORS: usize = 64;

fn oid(id: ObjectId) -> Oid {
    // 20 bytes always make an Oid; the fallback is never taken.
    Oid::from_bytes(&id.0).unwrap_or(Oid::ZERO_SHA1)
}

/// libgit2's reason alone, without its error class and code: the cause people read.
#[derive(Debug)]
pub(crate) struct Libgit2(String);

impl fmt::Display for Libgit2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Libgit2 {}

/// A libgit2 failure while doing `context`, as the one error type.
pub(crate) fn libgit2(context: &str) -> impl FnOnce(git2::Error) -> Error + '_ {
    move |e| Error::Git {
        context: context.to_string(),
        source: Box::new(Libgit2(e.message().to_string())),
    }
}

/// libgit2's id as the core's plain value.
fn object_id(oid: Oid) -> ObjectId {
    let mut bytes = [0u8; 20];
    let raw = oid.as_bytes();
    let n = raw.len().min(20);
    bytes[..n].copy_from_slice(&raw[..n]);
    ObjectId(bytes)
}

/// The id git gives a blob of these bytes (`git hash-object`); an error only if libgit2
/// cannot hash at all.
pub fn blob_id(bytes: &[u8]) -> Result<ObjectId, Error> {
    Oid::hash_object(ObjectType::Blob, bytes)
        .map(object_id)
        .map_err(|e| read_error("the id of a file's bytes", &e))
}

fn read_error(what: &str, e: &git2::Error) -> Error {
    Error::ReadGit {
        what: what.to_string(),
        message: e.message().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_id_is_the_one_git_gives() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            blob_id(b"hello\n").unwrap().to_string(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }
}
