//! The index and working tree as the hook sees them: staged posts, their blobs and entries,
//! writing a new blob and entry.
//!
//! The hook and `gitgoals stats` work on the index git hands them (`GIT_INDEX_FILE` inside a
//! hook: a temporary index for `commit -a`, `commit PATH` and some `--amend`s). What they need
//! of it is here, as plain values: which paths the commit adds or changes, which paths are
//! tracked, each entry's blob, and writing a new blob and entry back. The working files
//! themselves are the hook's: this module never writes outside the object database and the
//! index files.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::{DateTime, FixedOffset};
use git2::{Delta, DiffFile, DiffOptions, ErrorCode, FileMode, Index, IndexEntry, IndexTime};

use super::walk::RawChange;
use super::{Repo, object_id, oid};
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
    ///
    /// A sparse index (`index.sparse`, git's `sdir` extension), which libgit2 cannot read, is
    /// first expanded in place by `git` into the full index it stands for: the same entries,
    /// the ones outside the sparse checkout marked skip-worktree as before. Git reads either
    /// form and makes it sparse again the next time it writes it.
    pub fn open(repo: &'r Repo) -> Result<StagedIndex<'r>, Error> {
        let index = match repo.repo.index() {
            Err(e) if is_sparse_index(&e) => {
                expand_sparse_index(repo, &index_file(repo)?)?;
                repo.repo.index()
            }
            opened => opened,
        }
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
            &mut Default::default(),
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

    /// The bytes HEAD's tree holds at `path`; none before the first commit or when HEAD has
    /// no such file.
    pub fn committed_blob(&self, path: &str) -> Option<Vec<u8>> {
        let repo = &self.repo.repo;
        let tree = repo.head().and_then(|head| head.peel_to_tree()).ok()?;
        let entry = tree.get_path(Path::new(path)).ok()?;
        let blob = repo.find_blob(entry.id()).ok()?;
        Some(blob.content().to_vec())
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
        let index = match Index::open(&locked) {
            Err(e) if is_sparse_index(&e) => {
                expand_sparse_index(self.repo, &locked).ok()?;
                Index::open(&locked)
            }
            opened => opened,
        }
        .ok()?;
        Some(StagedIndex {
            repo: self.repo,
            index,
        })
    }
}

/// Whether libgit2 refused an index for being sparse: a mandatory extension it does not know,
/// `sdir`.
fn is_sparse_index(error: &git2::Error) -> bool {
    error.message().contains("'sdir'")
}

/// The index file git uses here, as libgit2 chose it: `GIT_INDEX_FILE` (relative to the
/// current directory), else the git directory's `index`.
fn index_file(repo: &Repo) -> Result<PathBuf, Error> {
    match std::env::var_os("GIT_INDEX_FILE") {
        Some(file) => std::path::absolute(&file).map_err(Error::io(&file)),
        None => Ok(repo.repo.path().join("index")),
    }
}

/// Rewrites the sparse index `file` as a full one: `git update-index` with the sparse index
/// turned off for that run reads it, expands it, and writes it back under git's own lock.
fn expand_sparse_index(repo: &Repo, file: &Path) -> Result<(), Error> {
    let mut git = Command::new("git");
    git.arg("--git-dir").arg(repo.repo.path());
    if let Some(work_tree) = repo.repo.workdir() {
        git.arg("--work-tree").arg(work_tree);
    }
    let output = git
        .args([
            "-c",
            "index.sparse=false",
            "-c",
            "advice.sparseIndexExpanded=false",
            "update-index",
            "--index-info",
        ])
        .env("GIT_INDEX_FILE", file)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::SparseIndex {
            reason: format!("cannot run git: {e}"),
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(Error::SparseIndex {
            reason: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
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

    /// The same entry holding blob `id` instead: same path, mode, flags and stat data, but the
    /// size cleared (as git does for a racily clean entry), so git compares the working file's
    /// content before it calls the file clean: nothing says the file holds this blob yet.
    /// [`StagedEntry::with_stat_of`] then records a working file that does;
    /// [`StagedEntry::with_blob_beside`] is for one that holds something else.
    pub fn with_blob(&self, id: ObjectId) -> StagedEntry {
        let mut entry = self.holding(id);
        entry.0.file_size = 0;
        entry
    }

    /// The same entry holding blob `id` instead, for a working file that holds something else
    /// (`working`: its stat data, when there is one): the stat data git had stays, as
    /// `git add -p` leaves it, unless it matches the working file as it is, which would tell
    /// git the file holds this blob; then the size is cleared, as in
    /// [`StagedEntry::with_blob`].
    pub fn with_blob_beside(
        &self,
        id: ObjectId,
        working: Option<&std::fs::Metadata>,
    ) -> StagedEntry {
        let mut entry = self.holding(id);
        let claims_clean = working.is_some_and(|meta| {
            StatData::of(meta).is_none_or(|stat| {
                stat.mtime == (entry.0.mtime.seconds(), entry.0.mtime.nanoseconds())
                    && stat.size == entry.0.file_size
            })
        });
        if claims_clean {
            entry.0.file_size = 0;
        }
        entry
    }

    /// This entry's path, mode, flags and stat data, holding blob `id`.
    fn holding(&self, id: ObjectId) -> StagedEntry {
        let old = &self.0;
        StagedEntry(IndexEntry {
            ctime: old.ctime,
            mtime: old.mtime,
            dev: old.dev,
            ino: old.ino,
            mode: old.mode,
            uid: old.uid,
            gid: old.gid,
            file_size: old.file_size,
            id: oid(id),
            flags: old.flags,
            flags_extended: old.flags_extended,
            path: old.path.clone(),
        })
    }

    /// The entry with the stat data of a working file that holds exactly this entry's blob
    /// (`meta`, taken after the file was written), as `git add` records it: git then knows
    /// the file is clean without reading it, as `git diff-index HEAD` and
    /// `git sparse-checkout` need. The mode stays the entry's. (Off Unix the times and size
    /// are cleared instead, so git compares the file's content.)
    pub fn with_stat_of(mut self, meta: &std::fs::Metadata) -> StagedEntry {
        match StatData::of(meta) {
            Some(stat) => stat.put(&mut self.0),
            None => StatData::CLEARED.put(&mut self.0),
        }
        self
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

/// The stat data an index entry keeps of its working file, in git's widths: git stores each
/// field in 32 bits and compares the truncated values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StatData {
    ctime: (i32, u32),
    mtime: (i32, u32),
    dev: u32,
    ino: u32,
    uid: u32,
    gid: u32,
    size: u32,
}

impl StatData {
    /// No stat data: git compares the working file by content.
    const CLEARED: StatData = StatData {
        ctime: (0, 0),
        mtime: (0, 0),
        dev: 0,
        ino: 0,
        uid: 0,
        gid: 0,
        size: 0,
    };

    /// A file's stat data as git's `fill_stat_data` takes it.
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Option<StatData> {
        use std::os::unix::fs::MetadataExt;
        // Truncated to 32 bits as git truncates them.
        let time = |seconds: i64, nanos: i64| (seconds as u32 as i32, nanos as u32);
        Some(StatData {
            ctime: time(meta.ctime(), meta.ctime_nsec()),
            mtime: time(meta.mtime(), meta.mtime_nsec()),
            dev: meta.dev() as u32,
            ino: meta.ino() as u32,
            uid: meta.uid(),
            gid: meta.gid(),
            size: meta.size() as u32,
        })
    }

    /// Off Unix, gitgoals does not know which fields git reads: none are claimed.
    #[cfg(not(unix))]
    fn of(_meta: &std::fs::Metadata) -> Option<StatData> {
        None
    }

    fn put(self, entry: &mut IndexEntry) {
        entry.ctime = IndexTime::new(self.ctime.0, self.ctime.1);
        entry.mtime = IndexTime::new(self.mtime.0, self.mtime.1);
        entry.dev = self.dev;
        entry.ino = self.ino;
        entry.uid = self.uid;
        entry.gid = self.gid;
        entry.file_size = self.size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry_with(mtime: (i32, u32), size: u32) -> StagedEntry {
        let mut entry = StagedEntry::new_file("_posts/week.md", ObjectId([7; 20]));
        entry.0.mtime = IndexTime::new(mtime.0, mtime.1);
        entry.0.ctime = IndexTime::new(mtime.0, mtime.1);
        entry.0.file_size = size;
        entry
    }

    #[cfg(unix)]
    #[test]
    fn a_written_file_gives_its_stat_data_and_one_that_differs_is_never_called_clean() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("week.md");
        std::fs::write(&file, "- [x] a\n").unwrap();
        let meta = std::fs::metadata(&file).unwrap();
        let stat = StatData::of(&meta).unwrap();

        let written = entry_with((1, 2), 99)
            .with_blob(ObjectId([8; 20]))
            .with_stat_of(&meta);
        assert_eq!(written.0.file_size, 8);
        assert_eq!(
            (written.0.mtime.seconds(), written.0.mtime.nanoseconds()),
            stat.mtime
        );
        assert_eq!(written.0.ino, stat.ino);
        assert_eq!(written.blob_id(), ObjectId([8; 20]));

        // Nothing known of the working file: git is told to compare content.
        let unknown = entry_with((1, 2), 99).with_blob(ObjectId([8; 20]));
        assert_eq!(unknown.0.file_size, 0);

        // git's stat data of another version of the file stays as git had it.
        let other = entry_with((1, 2), 99).with_blob_beside(ObjectId([8; 20]), Some(&meta));
        assert_eq!(other.0.file_size, 99);
        assert_eq!(other.0.mtime.seconds(), 1);
        let gone = entry_with((1, 2), 99).with_blob_beside(ObjectId([8; 20]), None);
        assert_eq!(gone.0.file_size, 99);
        // Stat data that matches the file as it is would call it clean: its size goes.
        let racy =
            entry_with(stat.mtime, stat.size).with_blob_beside(ObjectId([8; 20]), Some(&meta));
        assert_eq!(racy.0.file_size, 0);
        assert_eq!(racy.0.mtime.seconds(), stat.mtime.0);
    }
}
