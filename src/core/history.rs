//! Post versions → task lives, as values: every post's versions and every task's events as of
//! HEAD. The fold ([`crate::core::fold`]) builds a [`History`]; the ledger reads it.

use std::sync::Arc;

use serde::Serialize;

use crate::core::model::{CommitInfo, EventKind, Post, Warning};

/// A task's identity over its whole life: an index into [`History::tasks`]. Four bytes: every
/// version of every post lists its tasks' ids, millions of them on a long history of big
/// posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TaskId(pub u32);

impl TaskId {
    /// The id of the task at `index` in [`History::tasks`]. A history holds far fewer than
    /// four billion tasks (each takes more than one byte of memory), so the index fits.
    pub fn at(index: usize) -> TaskId {
        TaskId(u32::try_from(index).unwrap_or(u32::MAX))
    }

    /// Its index in [`History::tasks`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Every post's versions and every task's life, as of HEAD.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// HEAD's full commit id; none for an empty repository.
    pub head: Option<String>,
    pub posts: Vec<PostLife>,
    /// Indexed by [`TaskId`].
    pub tasks: Vec<TaskLife>,
    /// Unreadable objects and posts that did not parse cleanly, each named by file and commit.
    pub warnings: Vec<Warning>,
}

/// One post across its committed versions.
#[derive(Debug, Clone)]
pub struct PostLife {
    /// The path at HEAD, or the last path it had before it was deleted.
    pub path: String,
    /// Not in HEAD's tree.
    pub deleted: bool,
    /// In topological order: the first is the first committed version, the last the current
    /// one (or the last before deletion).
    pub versions: Vec<PostVersion>,
}

impl PostLife {
    /// The version at HEAD, or the last one before the post was deleted.
    pub fn current(&self) -> Option<&PostVersion> {
        self.versions.last()
    }

    /// The version the post had as of the commit with topological index `order`: the last
    /// version committed at or before it. None when the post did not exist yet.
    pub fn version_at(&self, order: usize) -> Option<&PostVersion> {
        let after = self.versions.partition_point(|v| v.order <= order);
        after.checked_sub(1).map(|i| &self.versions[i])
    }
}

/// One committed version of a post.
#[derive(Debug, Clone)]
pub struct PostVersion {
    pub commit: Arc<CommitInfo>,
    /// Topological index of the commit (parents before children).
    pub order: usize,
    /// The post's path in this version; versions at one path share it.
    pub path: Arc<str>,
    pub post: Arc<Post>,
    /// The identity of each of `post.tasks`, in the same order.
    pub task_ids: Vec<TaskId>,
}

impl PostVersion {
    /// The path of a version at `path` that comes after `last`: `last`'s copy when it is
    /// the same path, as it nearly always is.
    pub fn path_after(last: Option<&PostVersion>, path: &str) -> Arc<str> {
        match last {
            Some(last) if &*last.path == path => Arc::clone(&last.path),
            _ => path.into(),
        }
    }
}

/// One task's life.
#[derive(Debug, Clone)]
pub struct TaskLife {
    pub id: TaskId,
    /// Index into [`History::posts`].
    pub post: usize,
    /// In topological order; the first is `added`.
    pub events: Vec<TaskEvent>,
}

/// One thing that happened to a task.
#[derive(Debug, Clone)]
pub struct TaskEvent {
    pub kind: EventKind,
    /// The commit that made the change; its author time dates it.
    pub commit: Arc<CommitInfo>,
    pub order: usize,
    /// The title after the event (before it, for `removed`): the task's own copy, shared.
    pub title: Arc<str>,
    /// The title before an `edited`.
    pub previous_title: Option<Arc<str>>,
    /// The section before a `moved` or `removed`, as [`Task::section_path`] writes it; the
    /// events of the tasks under one section share one copy.
    pub from_section: Option<Arc<str>>,
    /// The section after an `added` or `moved`.
    pub to_section: Option<Arc<str>>,
}

impl History {
    /// The post at `path` (its current path, or its last one before deletion).
    pub fn post_index(&self, path: &str) -> Option<usize> {
        self.posts.iter().position(|p| p.path == path)
    }

    /// The done date (`✅ YYYY-MM-DD`) written beside task `id` in its post's version as of
    /// the commit with topological index `order`, if any: what a `checked` event there said.
    pub fn done_date_at(&self, id: TaskId, order: usize) -> Option<chrono::NaiveDate> {
        let life = self.tasks.get(id.index())?;
        let version = self.version_at(life.post, order)?;
        let index = version.task_ids.iter().position(|&t| t == id)?;
        // A date is the task's own, not its place: read without placing the version's list.
        version.post.tasks.content(index)?.done_date
    }

    /// The version post `post` had as of the commit with topological index `order`.
    pub fn version_at(&self, post: usize, order: usize) -> Option<&PostVersion> {
        self.posts.get(post)?.version_at(order)
    }

    /// The task with this id.
    pub fn task(&self, id: TaskId) -> Option<&TaskLife> {
        self.tasks.get(id.index())
    }
}
