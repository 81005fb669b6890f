//! The index and working tree as the hook sees them: staged posts, their blobs and entries,
//! writing a new blob and entry.
//!
//! The hook and `gitgoals stats` work on the index git hands them (`GIT_INDEX_FILE` inside a
//! hook: a temporary index for `commit -a`, `commit PATH` and some `--amend`s). What they need
//! of it is here, as plain values: which paths the commit adds or changes, which paths are
//! tracked, each entry's blob, and writing a new blob and entry back. The working files
//! themselves are the hook's: this module never writes outside the object database and the
//! index files.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use git2::{Delta, DiffFile, DiffOptions, ErrorCode, FileMode, Index, IndexEntry, IndexTime};

use super::{RawChange, Repo, object_id, oid};
use crate::core::delta::{CommitDelta, ObjectId, PENDING_COMMIT};
use crate::error::Error;

/// The file mode git gives a symbolic link.
const SYMLINK_MODE: u32 = 0o120000;
/// The bits of a mode that say what kind of entry it is.
const KIND_MASK: u32 = 0o170000;
/// The mode of a new, non-executable file.
const FILE_MODE: u32 = 0o100644;

/// What went wrong reading or writing the index or the objects it names: what was being done,
/// and libgit2's reason.
fn index_error(context: &'static str) -> impl FnOnce(git2::Error) -> Error {
    super::libgit2(context)
}

/// An index of the repository: the one git commits from, or (see
/// [`StagedIndex::partial_commit_real_index`]) the real one it keeps locked beside it.
pub struct StagedIndex<'r> {
    repo: &'r Repo,
    index: Index,
}

/// One path's entry in an index (stage 0): its mode, its blob, and the stat data git keeps.
#[derive(Debug)]
pub struct StagedEntry(IndexEntry);

impl<'r> StagedIndex<'r> {
    /// The index git uses for this repository: the one `GIT_INDEX_FILE` names, else the
    /// repository's own.
    pub fn open(repo: &'r Repo) -> Result<StagedIndex<'r>, Error> {
        let index = repo
            .repo
            .index()
            .map_err(index_error("reading the index"))?;
        Ok(StagedIndex { repo, index })
    }

    /// Paths this commit adds or changes: the index against HEAD's tree (everything, before
    /// the first commit). Added, modified, renamed, copied and type-changed paths; deletions
    /// are left out.
    pub fn changed_paths(&self) -> Result<Vec<String>, Error> {
        let repo = &self.repo.repo;
        let head_tree = match repo.head() {
            Ok(head) => Some(
                head.peel_to_tree()
                    .map_err(index_error("reading HEAD's tree"))?,
            ),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => None,
            Err(e) => return Err(index_error("reading HEAD")(e)),
        };
        let mut opts = DiffOptions::new();
        opts.include_typechange(true);
        let diff = repo
            .diff_tree_to_index(head_tree.as_ref(), Some(&self.index), Some(&mut opts))
            .map_err(index_error("comparing the index with HEAD"))?;
        Ok(diff
            .deltas()
            .filter(|d| {
                matches!(
                    d.status(),
                    Delta::Added
                        | Delta::Modified
                        | Delta::Renamed
                        | Delta::Copied
                        | Delta::Typechange
                )
            })
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .and_then(Path::to_str)
                    .map(str::to_owned)
            })
            .collect())
    }

    /// The commit this index makes on `parents` (first parent first; none for a first
    /// commit), dated `time`, as the history will read it: every file `is_post` names that
    /// differs from the first parent's tree, deletions included, with a deleted and an added
    /// post paired into a rename as a walk pairs them, and the bytes of each new version.
    /// Feeding it to the history engine gives the history as it will be once the commit is
    /// made.
    pub fn pending_commit(
        &self,
        parents: &[ObjectId],
        time: DateTime<FixedOffset>,
        is_post: &dyn Fn(&str) -> bool,
    ) -> Result<CommitDelta, Error> {
        let repo = &self.repo.repo;
        let base_tree = match parents.first() {
            Some(parent) => Some(
                repo.find_commit(oid(*parent))
                    .and_then(|commit| commit.tree())
                    .map_err(index_error("reading the parent commit's tree"))?,
            ),
            None => None,
        };
        let mut opts = DiffOptions::new();
        opts.include_typechange(true);
        let diff = repo
            .diff_tree_to_index(base_tree.as_ref(), Some(&self.index), Some(&mut opts))
            .map_err(index_error("comparing the index with the parent commit"))?;
        // One side of a change, when it is a post's file (a link or a submodule holds none,
        // as in a walk).
        let post_side = |file: DiffFile<'_>| -> Option<(String, ObjectId)> {
            let mode = file.mode();
            let blob = matches!(
                mode,
                FileMode::Blob | FileMode::BlobExecutable | FileMode::BlobGroupWritable
            );
            let path = file.path()?.to_str()?;
            (blob && !file.id().is_zero() && is_post(path))
                .then(|| (path.to_owned(), object_id(file.id())))
        };
        let mut raw = Vec::new();
        for delta in diff.deltas() {
            if !matches!(
                delta.status(),
                Delta::Added | Delta::Deleted | Delta::Modified | Delta::Typechange
            ) {
                continue;
            }
            let old = post_side(delta.old_file());
            let new = post_side(delta.new_file());
            let Some(path) = new.as_ref().or(old.as_ref()).map(|(p, _)| p.clone()) else {
                continue;
            };
            raw.push(RawChange {
                path,
                old: old.map(|(_, id)| id),
                new: new.map(|(_, id)| id),
            });
        }
        let mut warnings = Vec::new();
        let (changes, blobs) = self.repo.finish_changes(
            raw,
            &mut HashSet::new(),
            &PENDING_COMMIT.to_string(),
            &mut warnings,
        );
        Ok(super::pending_delta(
            parents.to_vec(),
            time,
            changes,
            blobs,
            warnings,
        ))
    }

    /// Every tracked path that is not a symbolic link, in the index's order (a path with
    /// conflicts is listed once per stage).
    pub fn tracked_files(&self) -> Vec<String> {
        self.index
            .iter()
            .filter(|e| e.mode & KIND_MASK != SYMLINK_MODE)
            .filter_map(|e| String::from_utf8(e.path).ok())
            .collect()
    }

    /// Whether the index holds anything under the folder `dir` (relative, `/`-separated):
    /// whether `dir` will be a folder of the commit made from this index.
    pub fn has_file_under(&self, dir: &str) -> bool {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.index
            .iter()
            .any(|e| e.path.starts_with(prefix.as_bytes()))
    }

    /// The entry of `path` (stage 0); none when the path is not in the index or only in
    /// conflict stages.
    pub fn entry(&self, path: &str) -> Option<StagedEntry> {
        self.index.get_path(Path::new(path), 0).map(StagedEntry)
    }

    /// The bytes of the blob an entry names.
    pub fn blob(&self, entry: &StagedEntry) -> Result<Vec<u8>, Error> {
        let blob = self
            .repo
            .repo
            .find_blob(entry.0.id)
            .map_err(index_error("reading a staged blob"))?;
        Ok(blob.content().to_vec())
    }

    /// Whether `path` is staged with exactly these bytes.
    pub fn holds(&self, path: &str, bytes: &[u8]) -> bool {
        self.entry(path).is_some_and(|entry| {
            self.repo
                .repo
                .find_blob(entry.0.id)
                .is_ok_and(|blob| blob.content() == bytes)
        })
    }

    /// Writes `bytes` as a blob into the object database; the index is not changed.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<ObjectId, Error> {
        self.repo
            .repo
            .blob(bytes)
            .map(object_id)
            .map_err(index_error("writing a blob"))
    }

    /// Puts `entry` into this index in memory (replacing the entry of its path);
    /// [`StagedIndex::write`] saves it.
    pub fn stage(&mut self, entry: &StagedEntry) -> Result<(), Error> {
        self.index
            .add(&entry.0)
            .map_err(index_error("updating the index"))
    }

    /// Saves this index to its file.
    pub fn write(&mut self) -> Result<(), Error> {
        self.index.write().map_err(index_error("writing the index"))
    }

    /// The real index git keeps locked (`index.lock`) during `git commit PATH`, when this is
    /// the temporary index that commit is made from (`next-index-*.lock`); none otherwise,
    /// or when it cannot be read. What is staged there is what the index holds after the
    /// commit.
    pub fn partial_commit_real_index(&self) -> Option<StagedIndex<'r>> {
        let name = self.index.path()?.file_name()?.to_str()?;
        if !name.starts_with("next-index") {
            return None;
        }
        let locked = self.repo.repo.path().join("index.lock");
        if !locked.is_file() {
            return None;
        }
        let index = Index::open(&locked).ok()?;
        Some(StagedIndex {
            repo: self.repo,
            index,
        })
    }
}

impl StagedEntry {
    /// An entry for a new regular file at `path` holding blob `id`, with no stat data (git
    /// compares the working file by content next time).
    pub fn new_file(path: &str, id: ObjectId) -> StagedEntry {
        StagedEntry(IndexEntry {
            ctime: IndexTime::new(0, 0),
            mtime: IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: FILE_MODE,
            uid: 0,
            gid: 0,
            file_size: 0,
            id: oid(id),
            // The low bits hold the path's length, capped as git caps it.
            flags: path.len().min(0xfff) as u16,
            flags_extended: 0,
            path: path.as_bytes().to_vec(),
        })
    }

    /// The same entry holding blob `id` instead: same path, mode, flags, device, inode and
    /// owner; the times and size are cleared so git compares the working file by content next
    /// time instead of trusting them.
    pub fn with_blob(&self, id: ObjectId) -> StagedEntry {
        let old = &self.0;
        StagedEntry(IndexEntry {
            ctime: IndexTime::new(0, 0),
            mtime: IndexTime::new(0, 0),
            dev: old.dev,
            ino: old.ino,
            mode: old.mode,
            uid: old.uid,
            gid: old.gid,
            file_size: 0,
            id: oid(id),
            flags: old.flags,
            flags_extended: old.flags_extended,
            path: old.path.clone(),
        })
    }

    /// The file mode git records (`0o100644`, `0o100755`, `0o120000`, …).
    pub fn mode(&self) -> u32 {
        self.0.mode
    }

    /// Whether the entry is a symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.0.mode & KIND_MASK == SYMLINK_MODE
    }

    /// The blob the entry names.
    pub fn blob_id(&self) -> ObjectId {
        object_id(self.0.id)
    }
}
