//! What the watcher asks of the repository: where HEAD points and on which branch, where two
//! histories part and which commits lie between them, the blob a path has in a commit's tree
//! and its bytes, and the id a blob of some bytes would get. (Where the git directory and the
//! work tree are is [`Repo::git_dir`], [`Repo::common_dir`] and [`Repo::work_dir`].) Ids are
//! [`ObjectId`]s, paths `/`-separated strings, contents plain bytes.

use std::path::Path;

use git2::{ErrorCode, ObjectType, Oid, Sort};

use super::{Repo, object_id, oid, read_error};
use crate::core::delta::ObjectId;
use crate::error::Error;

/// Where HEAD points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadRef {
    /// The commit HEAD names; none on an unborn branch (a repository with no commits yet).
    pub commit: Option<ObjectId>,
    /// The branch HEAD is on (`main`), also when it has no commits yet; none when detached.
    pub branch: Option<String>,
}

impl Repo {
    /// Where HEAD points now, read afresh (HEAD moves under a running watch).
    pub fn head_ref(&self) -> Result<HeadRef, Error> {
        match self.repo.head() {
            Ok(head) => Ok(HeadRef {
                commit: head.target().map(object_id),
                branch: if head.is_branch() {
                    head.shorthand().ok().map(str::to_string)
                } else {
                    None
                },
            }),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
                let branch = self
                    .repo
                    .find_reference("HEAD")
                    .ok()
                    .and_then(|head| head.symbolic_target().ok().flatten().map(str::to_string))
                    .map(|target| {
                        target
                            .strip_prefix("refs/heads/")
                            .unwrap_or(&target)
                            .to_string()
                    });
                Ok(HeadRef {
                    commit: None,
                    branch,
                })
            }
            Err(e) => Err(read_error("HEAD", &e)),
        }
    }

    /// The best common ancestor of two commits: where their histories part. None when they
    /// share no history.
    pub fn merge_base(&self, a: ObjectId, b: ObjectId) -> Result<Option<ObjectId>, Error> {
        match self.repo.merge_base(oid(a), oid(b)) {
            Ok(base) => Ok(Some(object_id(base))),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(read_error(&format!("the merge base of {a} and {b}"), &e)),
        }
    }

    /// The commits reachable from `tip` and not from `base` (all of them without one),
    /// parents before children.
    pub fn commits_between(
        &self,
        tip: ObjectId,
        base: Option<ObjectId>,
    ) -> Result<Vec<ObjectId>, Error> {
        let what = match base {
            Some(base) => format!("the history from {base} to {tip}"),
            None => format!("the history of {tip}"),
        };
        let walk = || -> Result<Vec<Oid>, git2::Error> {
            let mut walk = self.repo.revwalk()?;
            walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
            walk.push(oid(tip))?;
            if let Some(base) = base {
                walk.hide(oid(base))?;
            }
            walk.collect()
        };
        walk()
            .map(|ids| ids.into_iter().map(object_id).collect())
            .map_err(|e| read_error(&what, &e))
    }

    /// The id of the blob at `path` (`/`-separated) in `commit`'s tree; none when the tree
    /// has no file there (or a directory or submodule instead).
    pub fn blob_id_at(&self, commit: ObjectId, path: &str) -> Result<Option<ObjectId>, Error> {
        let tree = self
            .repo
            .find_commit(oid(commit))
            .and_then(|c| c.tree())
            .map_err(|e| read_error(&format!("the tree of {commit}"), &e))?;
        match tree.get_path(Path::new(path)) {
            Ok(entry) if entry.kind() == Some(ObjectType::Blob) => Ok(Some(object_id(entry.id()))),
            Ok(_) => Ok(None),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(read_error(&format!("{path} in {commit}"), &e)),
        }
    }

    /// The bytes of a blob.
    pub fn blob_bytes(&self, blob: ObjectId) -> Result<Vec<u8>, Error> {
        self.repo
            .find_blob(oid(blob))
            .map(|b| b.content().to_vec())
            .map_err(|e| read_error(&format!("the blob {blob}"), &e))
    }
}
