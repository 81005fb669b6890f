//! Stage 2, post versions → task lives: folds each commit's post changes, in topological
//! order, into every post's versions and every task's events.
//!
//! The fold is pure over [`CommitDelta`]s (no git here), so it can be fed by a test, by a
//! full walk ([`crate::git::read`]), or by a later walk of only the new commits onto an
//! [`Engine`] built earlier or read back from the cache.
//!
//! Merges: a commit's post states are kept per commit. A difference between a merge and its
//! first parent that another parent already has was made on the merged branch and reported
//! there, dated by the branch's commit; only what the merge itself introduces (a conflict
//! resolution) is an event of the merge.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::core::delta::{CommitDelta, FileChange, ObjectId};
use crate::core::events;
use crate::core::history::{History, PostLife, PostVersion, TaskEvent, TaskId, TaskLife};
use crate::core::matching;
use crate::core::model::{CommitInfo, EventKind, Post, Task, Warning};
use crate::core::post;

/// Which post a path holds in one commit, and which of its versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) post: usize,
    pub(crate) version: usize,
    pub(crate) blob: ObjectId,
}

/// The posts present in one commit, by path.
pub(crate) type PostsState = HashMap<String, Slot>;

/// The fold's state: what has been built so far, and what later commits need to continue it.
/// Cloning it lets the hook try a pending commit on top without reading the history again.
#[derive(Debug, Default, Clone)]
pub struct Engine {
    pub(crate) next_order: usize,
    /// Post states of commits that still have children to come (and of the tip).
    pub(crate) states: HashMap<ObjectId, PostsState>,
    /// Children not yet fed, for commits in `states` whose walk said how many there are.
    pub(crate) children_left: HashMap<ObjectId, usize>,
    pub(crate) parsed: HashMap<(ObjectId, String), Arc<Post>>,
    pub(crate) posts: Vec<PostLife>,
    pub(crate) tasks: Vec<TaskLife>,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) warned: HashSet<(String, Option<usize>, String)>,
    pub(crate) known: HashSet<ObjectId>,
    pub(crate) head: Option<ObjectId>,
    pub(crate) last_fed: Option<ObjectId>,
    /// A commit was fed whose parent had been folded in but whose state was let go: what
    /// was built does not continue into it.
    pub(crate) lost_parent_state: bool,
    /// Posts whose versions or task events changed since the engine was made or read back:
    /// the ones whose stored records must be written again.
    pub(crate) touched: std::collections::BTreeSet<usize>,
    /// How many times the engine started over: a checkpoint of an earlier start does not fit.
    pub(crate) restarts: u64,
    pub(crate) selector: Option<crate::core::select::PostSelector>,
    pub(crate) parse_options: crate::core::post::ParseOptions,
    /// The chunks of big posts read so far: a new version re-reads only what changed.
    pub(crate) memo: Arc<post::PostMemo>,
    /// The section whose path the last event wrote, and that path ([`Engine::section_path`]).
    pub(crate) last_section_path: Option<(Arc<[String]>, Arc<str>)>,
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Starts over with nothing folded in (the history was rewritten under it), reading
    /// posts as before.
    pub(crate) fn restart(&mut self) {
        let restarts = self.restarts + 1;
        let parse_options = std::mem::take(&mut self.parse_options);
        let memo = std::mem::take(&mut self.memo);
        *self = Engine {
            restarts,
            parse_options,
            memo,
            ..Engine::new()
        };
    }

    /// Commits already folded in: a later walk stops at them.
    pub fn known_commits(&self) -> &HashSet<ObjectId> {
        &self.known
    }

    /// Reads posts with these options from now on (an engine read back from the cache has
    /// none of its own: the cache's key holds them).
    pub fn set_parse_options(&mut self, options: post::ParseOptions) {
        self.parse_options = options;
    }

    /// Folds in a commit about to be made and takes it as the tip: the history as it will
    /// be once the commit exists.
    pub fn feed_pending(&mut self, delta: CommitDelta) {
        let posts = parse_blobs(&delta, &self.parse_options, Some(&self.memo));
        self.feed_pending_parsed(delta, posts);
    }

    /// [`Engine::feed_pending`] with the commit's blobs already parsed ([`parse_blobs`]).
    pub fn feed_pending_parsed(&mut self, delta: CommitDelta, posts: Vec<Post>) {
        let id = delta.id;
        self.feed_parsed(delta, posts);
        self.head = Some(id);
    }

    /// The commit the history stands at: HEAD of the last walk, else the last commit fed.
    pub fn tip(&self) -> Option<ObjectId> {
        self.head.or(self.last_fed)
    }

    /// Whether a commit was fed whose parent's state this engine no longer holds (only the
    /// tip's state is kept after a walk); such an engine must be rebuilt.
    pub fn lost_parent_state(&self) -> bool {
        self.lost_parent_state
    }

    /// Folds one commit in. Its parents must have been fed before it (or be unknown: a
    /// shallow boundary starts the history afresh).
    pub fn feed(&mut self, delta: CommitDelta) {
        let posts = parse_blobs(&delta, &self.parse_options, Some(&self.memo));
        self.feed_parsed(delta, posts);
    }

    /// [`Engine::feed`] with the delta's blobs already parsed ([`parse_blobs`]), so parsing
    /// can run on another thread than the fold.
    pub fn feed_parsed(&mut self, delta: CommitDelta, posts: Vec<Post>) {
        if delta
            .parents
            .iter()
            .any(|p| self.known.contains(p) && !self.states.contains_key(p))
        {
            self.lost_parent_state = true;
        }
        let order = self.next_order;
        self.next_order += 1;
        self.known.insert(delta.id);
        self.last_fed = Some(delta.id);
        for warning in &delta.warnings {
            self.warn(warning.clone());
        }
        for (blob, post) in delta.blobs.iter().zip(posts) {
            for warning in &post.warnings {
                let mut warning = warning.clone();
                if warning.file.is_empty() {
                    warning.file = blob.path.clone();
                }
                if warning.commit.is_none() {
                    warning.commit = Some(delta.commit.id.clone());
                }
                self.warn(warning);
            }
            self.parsed
                .insert((blob.id, blob.path.clone()), Arc::new(post));
        }

        let mut parents: Vec<ObjectId> = Vec::with_capacity(delta.parents.len());
        for parent in &delta.parents {
            if !parents.contains(parent) {
                parents.push(*parent);
            }
        }
        let mut state = match parents.first() {
            Some(first) => self.take_or_clone(*first),
            None => PostsState::new(),
        };
        // Other parents' states are read, not changed: borrow them out of the map for the
        // duration of this commit.
        let others: Vec<(ObjectId, PostsState)> = parents
            .iter()
            .skip(1)
            .filter_map(|p| self.states.remove(p).map(|s| (*p, s)))
            .collect();

        let commit = CommitStep {
            info: &delta.commit,
            order,
            others: others.iter().map(|(_, s)| s).collect(),
            other_ids: others.iter().map(|(id, _)| *id).collect(),
        };
        self.apply(&commit, &delta.changes, &mut state);
        if !commit.others.is_empty() {
            self.end_dropped_posts(&commit, &state);
        }

        for (id, other) in others {
            self.states.insert(id, other);
        }
        for parent in parents.iter().skip(1) {
            self.child_done(*parent);
        }
        self.states.insert(delta.id, state);
        if delta.children > 0 {
            self.children_left.insert(delta.id, delta.children);
        }
    }

    /// The first parent's state for its child: moved when this is its last child, cloned
    /// at a branch point.
    fn take_or_clone(&mut self, parent: ObjectId) -> PostsState {
        match self.children_left.get_mut(&parent) {
            Some(left) if *left <= 1 => {
                self.children_left.remove(&parent);
                self.states.remove(&parent).unwrap_or_default()
            }
            Some(left) => {
                *left -= 1;
                self.states.get(&parent).cloned().unwrap_or_default()
            }
            // The tip of an earlier walk: its children count is unknown, keep it.
            None => self.states.get(&parent).cloned().unwrap_or_default(),
        }
    }

    fn child_done(&mut self, parent: ObjectId) {
        if let Some(left) = self.children_left.get_mut(&parent) {
            *left -= 1;
            if *left == 0 {
                self.children_left.remove(&parent);
                self.states.remove(&parent);
            }
        }
    }

    /// Puts `earlier` warnings (given before this engine's own) ahead of its own, each once:
    /// for a partial engine, whose walk saw only the commits since the stored ones.
    pub fn put_warnings_first(&mut self, earlier: &[Warning]) {
        let own = std::mem::take(&mut self.warnings);
        self.warned.clear();
        for warning in earlier.iter().cloned().chain(own) {
            self.warn(warning);
        }
    }

    /// Records a problem met on the way, once however many commits repeat it.
    pub fn warn(&mut self, warning: Warning) {
        // The same problem in every version of a post would otherwise repeat once a commit.
        let key = (warning.file.clone(), warning.line, warning.message.clone());
        if self.warned.insert(key) {
            self.warnings.push(warning);
        }
    }

    fn apply(&mut self, step: &CommitStep<'_>, changes: &[FileChange], state: &mut PostsState) {
        // Take every old path out first, so a swap of two names cannot clobber a post.
        let mut before: Vec<Option<Slot>> = Vec::with_capacity(changes.len());
        for change in changes {
            let old_path = match change {
                FileChange::Modified { path, .. } => Some(path),
                FileChange::Deleted { path } => Some(path),
                FileChange::Renamed { from, .. } => Some(from),
                FileChange::Added { .. } => None,
            };
            before.push(old_path.and_then(|p| state.remove(p)));
        }
        for (change, old) in changes.iter().zip(before) {
            match change {
                FileChange::Deleted { .. } => {
                    if let Some(old) = old {
                        self.delete(step, old);
                    }
                }
                FileChange::Added { path, blob }
                | FileChange::Modified { path, blob }
                | FileChange::Renamed { to: path, blob, .. } => {
                    let slot = self.change(step, path, *blob, old);
                    if let Some(slot) = slot {
                        state.insert(path.clone(), slot);
                    }
                }
            }
        }
    }

    /// A post deleted at this commit: its tasks are removed, unless the deletion was merged
    /// in from a branch that already reported it.
    fn delete(&mut self, step: &CommitStep<'_>, old: Slot) {
        let version = &self.posts[old.post].versions[old.version];
        let removed: Vec<(TaskId, Task)> = version
            .task_ids
            .iter()
            .copied()
            .zip(version.post.tasks.contents().cloned())
            .collect();
        for (id, task) in removed {
            if !self.merged_removal(step, id) {
                self.push_event(step, id, EventKind::Removed, &task, None);
            }
        }
    }

    /// A post another parent has that the merge left out (the merge kept the first parent's
    /// side, or both lines had created a post at the same path): its tasks end at the merge,
    /// unless another line that is still to be continued has the post (it may come back
    /// through a later merge) or their removal is already on record.
    fn end_dropped_posts(&mut self, step: &CommitStep<'_>, merged: &PostsState) {
        let kept: HashSet<usize> = merged.values().map(|slot| slot.post).collect();
        // Lines still open after this commit: states left in the map (the first parent's
        // when it has other children) and other parents with children to come.
        let mut alive: HashSet<usize> = self
            .states
            .values()
            .flat_map(|state| state.values().map(|slot| slot.post))
            .collect();
        for (id, state) in step.others_with_ids() {
            if self.children_left.get(id).is_some_and(|left| *left > 1) {
                alive.extend(state.values().map(|slot| slot.post));
            }
        }
        let mut dropped: Vec<Slot> = step
            .others
            .iter()
            .flat_map(|other| other.values())
            .filter(|slot| !kept.contains(&slot.post) && !alive.contains(&slot.post))
            .copied()
            .collect();
        dropped.sort_by_key(|slot| (slot.post, slot.version));
        dropped.dedup_by_key(|slot| slot.post);
        for slot in dropped {
            let version = &self.posts[slot.post].versions[slot.version];
            let ended: Vec<(TaskId, Task)> = version
                .task_ids
                .iter()
                .copied()
                .zip(version.post.tasks.contents().cloned())
                .filter(|(id, _)| {
                    !self
                        .tasks
                        .get(id.index())
                        .is_some_and(|t| t.events.iter().any(|e| e.kind == EventKind::Removed))
                })
                .collect();
            for (id, task) in ended {
                self.push_event(step, id, EventKind::Removed, &task, None);
            }
        }
    }

    /// Whether a task the first parent has and this merge lacks was removed on the merged
    /// branch (and reported there) rather than by the merge itself: no other parent still
    /// has it, and its removal is already on record.
    fn merged_removal(&self, step: &CommitStep<'_>, id: TaskId) -> bool {
        if step.others.is_empty() {
            return false;
        }
        let still_theirs = step.others.iter().any(|other| {
            other.values().any(|slot| {
                self.posts[slot.post].versions[slot.version]
                    .task_ids
                    .contains(&id)
            })
        });
        let already_removed = self
            .tasks
            .get(id.index())
            .is_some_and(|t| t.events.iter().any(|e| e.kind == EventKind::Removed));
        !still_theirs && already_removed
    }

    /// A post whose content or path changed at this commit; returns its new slot.
    fn change(
        &mut self,
        step: &CommitStep<'_>,
        path: &str,
        blob: ObjectId,
        old: Option<Slot>,
    ) -> Option<Slot> {
        let Some(post) = self.parsed.get(&(blob, path.to_string())).cloned() else {
            // The blob could not be read (the walk warned): keep what was there.
            return old;
        };

        // A merge that took this file as another parent has it: that parent's version, with
        // its task ids, and no events (the branch reported them).
        for other in &step.others {
            if let Some(theirs) = other.get(path)
                && theirs.blob == blob
            {
                let theirs = *theirs;
                if let Some(old) = old
                    && old.post != theirs.post
                {
                    // Both lines created a post at this path (a fork that copied a file);
                    // the merge keeps the other line's, so this line's tasks end here.
                    self.delete(step, old);
                }
                return Some(self.adopt(step, theirs, path));
            }
        }

        // What this version is compared with: the first parent's, else (an evil merge of a
        // post the first parent lacks) another parent's.
        let base = old.or_else(|| step.others.iter().find_map(|o| o.get(path).copied()));
        let post_index = match base {
            Some(base) => base.post,
            None => {
                self.posts.push(PostLife {
                    path: path.to_string(),
                    deleted: false,
                    versions: Vec::new(),
                });
                self.posts.len() - 1
            }
        };
        let (base_post, base_ids) = match base {
            Some(base) => {
                let version = &self.posts[post_index].versions[base.version];
                (Some(Arc::clone(&version.post)), version.task_ids.clone())
            }
            None => (None, Vec::new()),
        };
        let base_tasks: Vec<&Task> = base_post
            .as_deref()
            .map_or_else(Vec::new, |p| p.tasks.content_refs());

        // The other parents' versions of this post, to recognise what the merge brought in.
        let theirs: Vec<(Arc<Post>, Vec<TaskId>)> = step
            .others
            .iter()
            .filter_map(|other| other.values().find(|slot| slot.post == post_index))
            .filter(|slot| Some(**slot) != base)
            .map(|slot| {
                let version = &self.posts[post_index].versions[slot.version];
                (Arc::clone(&version.post), version.task_ids.clone())
            })
            .collect();
        let (diff, their_pairs) = {
            let new_tasks = post.tasks.content_refs();
            let their_pairs: Vec<HashMap<usize, usize>> = theirs
                .iter()
                .map(|(their_post, _)| {
                    let their_tasks = their_post.tasks.content_refs();
                    matching::pair_task_refs(&their_tasks, &new_tasks)
                        .into_iter()
                        .map(|(i, j)| (j, i))
                        .collect()
                })
                .collect();
            (diff_tasks(&base_tasks, &new_tasks), their_pairs)
        };
        // The first other parent that has the same task `j`, and its index there.
        let theirs_for = |j: usize| -> Vec<(usize, usize)> {
            their_pairs
                .iter()
                .enumerate()
                .filter_map(|(k, pairs)| pairs.get(&j).map(|&i| (k, i)))
                .collect()
        };

        let post = self.share_kept_text((blob, path.to_string()), post, &base_tasks, &diff.pairs);
        let mut ids: Vec<Option<TaskId>> = vec![None; post.tasks.len()];
        for &(i, j) in &diff.pairs {
            if let (Some(id), Some(slot)) = (base_ids.get(i), ids.get_mut(j)) {
                *slot = Some(*id);
            }
        }
        // Tasks that the merged branch added keep the branch's identity. Only a merge has a
        // branch: the set of ids in use is not made for every version of every post (on a big
        // post's history that was an eighth of a cold read).
        if !theirs.is_empty() {
            let mut used: HashSet<TaskId> = ids.iter().flatten().copied().collect();
            for (j, id) in ids.iter_mut().enumerate() {
                if id.is_none()
                    && let Some(&(k, i)) = theirs_for(j).first()
                    && let Some(&their_id) = theirs[k].1.get(i)
                    && used.insert(their_id)
                {
                    *id = Some(their_id);
                }
            }
        }

        let mut pending_events: Vec<(TaskId, EventKind, Task, Option<Task>)> = Vec::new();
        for change in &diff.changes {
            match (change.kind, change.old, change.new) {
                (EventKind::Removed, Some(i), _) => {
                    let (Some(&id), Some(&task)) = (base_ids.get(i), base_tasks.get(i)) else {
                        continue;
                    };
                    if self.merged_removal(step, id) {
                        continue;
                    }
                    pending_events.push((id, EventKind::Removed, task.clone(), None));
                }
                (kind, old, Some(j)) => {
                    let Some(task) = post.tasks.content(j) else {
                        continue;
                    };
                    let brought_in = theirs_for(j).into_iter().any(|(k, i)| {
                        let Some(their) = theirs[k].0.tasks.content(i) else {
                            return false;
                        };
                        match kind {
                            EventKind::Added => true,
                            EventKind::Checked | EventKind::Unchecked => {
                                their.checked == task.checked
                            }
                            EventKind::Edited => their.title == task.title,
                            EventKind::Moved => their.section == task.section,
                            EventKind::Removed => false,
                        }
                    });
                    if brought_in {
                        continue;
                    }
                    let id = match ids[j] {
                        Some(id) => id,
                        None => {
                            let id = self.new_task(post_index);
                            ids[j] = Some(id);
                            id
                        }
                    };
                    let before = old.and_then(|i| base_tasks.get(i)).map(|&t| t.clone());
                    pending_events.push((id, kind, task.clone(), before));
                }
                _ => {}
            }
        }
        // Tasks still without an identity (brought in without an event, or unpaired and
        // without an `added` from the diff) get one now.
        let task_ids: Vec<TaskId> = (0..ids.len())
            .map(|j| match ids[j] {
                Some(id) => id,
                None => {
                    let id = self.new_task(post_index);
                    ids[j] = Some(id);
                    id
                }
            })
            .collect();
        for (id, kind, task, before) in pending_events {
            self.push_event(step, id, kind, &task, before.as_ref());
        }

        self.touched.insert(post_index);
        let life = &mut self.posts[post_index];
        life.path = path.to_string();
        let path = PostVersion::path_after(life.versions.last(), path);
        make_room_for_one(&mut life.versions);
        life.versions.push(PostVersion {
            commit: Arc::clone(step.info),
            order: step.order,
            path,
            post,
            task_ids,
        });
        Some(Slot {
            post: post_index,
            version: life.versions.len() - 1,
            blob,
        })
    }

    /// Points the text a new version keeps from its base (titles, notes, sections of paired
    /// tasks) at the base's copies, so a post's versions hold one copy of it: on a long
    /// history that text is most of the memory a read takes.
    fn share_kept_text(
        &mut self,
        key: (ObjectId, String),
        mut post: Arc<Post>,
        base: &[&Task],
        pairs: &[(usize, usize)],
    ) -> Arc<Post> {
        // The parsed map holds the other reference; without it this one can be changed.
        self.parsed.remove(&key);
        // A list of shared runs holds the copies its chunks share already.
        if let Some(tasks) = Arc::get_mut(&mut post).and_then(|p| p.tasks.placed_mut()) {
            for &(i, j) in pairs {
                if let (Some(old), Some(new)) = (base.get(i), tasks.get_mut(j)) {
                    new.share_text_of(old);
                }
            }
        }
        self.parsed.insert(key, Arc::clone(&post));
        post
    }

    /// Takes another parent's version as this commit's. The post's last recorded version
    /// may be one from the first parent's line; record the adopted one again so the last
    /// version stays the current one.
    fn adopt(&mut self, step: &CommitStep<'_>, theirs: Slot, path: &str) -> Slot {
        self.touched.insert(theirs.post);
        let life = &mut self.posts[theirs.post];
        life.path = path.to_string();
        if life.versions.len() == theirs.version + 1 {
            return theirs;
        }
        let version = &life.versions[theirs.version];
        let copy = PostVersion {
            commit: Arc::clone(step.info),
            order: step.order,
            path: PostVersion::path_after(life.versions.last(), path),
            post: Arc::clone(&version.post),
            task_ids: version.task_ids.clone(),
        };
        make_room_for_one(&mut life.versions);
        life.versions.push(copy);
        Slot {
            version: life.versions.len() - 1,
            ..theirs
        }
    }

    fn new_task(&mut self, post: usize) -> TaskId {
        let id = TaskId::at(self.tasks.len());
        self.tasks.push(TaskLife {
            id,
            post,
            events: Vec::new(),
        });
        id
    }

    fn push_event(
        &mut self,
        step: &CommitStep<'_>,
        id: TaskId,
        kind: EventKind,
        task: &Task,
        before: Option<&Task>,
    ) {
        let event = TaskEvent {
            kind,
            commit: Arc::clone(step.info),
            order: step.order,
            title: Arc::clone(&task.title),
            previous_title: match kind {
                EventKind::Edited => before.map(|b| Arc::clone(&b.title)),
                _ => None,
            },
            from_section: match kind {
                EventKind::Moved => before.map(|b| self.section_path(b)),
                EventKind::Removed => Some(self.section_path(task)),
                _ => None,
            },
            to_section: match kind {
                EventKind::Added | EventKind::Moved => Some(self.section_path(task)),
                _ => None,
            },
        };
        if let Some(life) = self.tasks.get_mut(id.index()) {
            self.touched.insert(life.post);
            // Most tasks see two or three events; a vector's first growth would make room
            // for four, and a long history holds tens of thousands of these lists.
            life.events.reserve_exact(1);
            life.events.push(event);
        }
    }

    /// `task`'s section as its events write it: the tasks of one section share their section
    /// list, and so their events share one copy of its path.
    fn section_path(&mut self, task: &Task) -> Arc<str> {
        if let Some((section, path)) = &self.last_section_path
            && Arc::ptr_eq(section, &task.section)
        {
            return Arc::clone(path);
        }
        let path: Arc<str> = task.section_path().into();
        self.last_section_path = Some((Arc::clone(&task.section), Arc::clone(&path)));
        path
    }

    /// The history as of the last commit fed (a copy; the engine can go on).
    pub fn history(&self) -> History {
        let mut history = History {
            head: None,
            posts: self.posts.clone(),
            tasks: self.tasks.clone(),
            warnings: self.warnings.clone(),
        };
        self.finish(&mut history);
        history
    }

    /// The history as of the last commit fed.
    pub fn into_history(mut self) -> History {
        let mut history = History {
            head: None,
            posts: std::mem::take(&mut self.posts),
            tasks: std::mem::take(&mut self.tasks),
            warnings: std::mem::take(&mut self.warnings),
        };
        self.finish(&mut history);
        history
    }

    fn finish(&self, history: &mut History) {
        let tip = self.tip();
        history.head = tip.map(|id| id.to_string());
        let empty = PostsState::new();
        let at_tip = tip.and_then(|id| self.states.get(&id)).unwrap_or(&empty);
        for life in &mut history.posts {
            life.deleted = true;
        }
        for (path, slot) in at_tip {
            if let Some(life) = history.posts.get_mut(slot.post) {
                life.deleted = false;
                life.path = path.clone();
            }
        }
    }
}

/// Makes room in a post's versions for one more, a quarter more at a time: a history keeps
/// them to the end, and a vector that doubles leaves a third of a blog's ten thousand
/// versions' room unused. Still amortized: a post of two thousand versions grows 30 times.
fn make_room_for_one(versions: &mut Vec<PostVersion>) {
    if versions.len() == versions.capacity() {
        versions.reserve_exact((versions.len() / 4).max(1));
    }
}

/// An engine's place at its tip, kept so that what is folded in after it can be taken back:
/// how the watcher answers an amend without reading the whole history again. It holds the
/// post states the engine held and how long each list was, not a copy of the lists.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    restarts: u64,
    tip: ObjectId,
    head: Option<ObjectId>,
    last_fed: Option<ObjectId>,
    next_order: usize,
    /// The post states the engine held (the tip's, and branch points' with children to
    /// come), and how many children each still had.
    states: HashMap<ObjectId, PostsState>,
    children_left: HashMap<ObjectId, usize>,
    known: HashSet<ObjectId>,
    /// Each post's number of versions and its path.
    posts: Vec<(usize, String)>,
    /// Each task's number of events.
    tasks: Vec<usize>,
    warnings: usize,
}

impl Checkpoint {
    /// The commit the checkpoint is at.
    pub fn tip(&self) -> ObjectId {
        self.tip
    }
}

impl Engine {
    /// The engine's place at its tip; none before the first commit.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        let tip = self.tip()?;
        Some(Checkpoint {
            restarts: self.restarts,
            tip,
            head: self.head,
            last_fed: self.last_fed,
            next_order: self.next_order,
            states: self
                .states
                .contains_key(&tip)
                .then(|| self.states.clone())?,
            children_left: self.children_left.clone(),
            known: self.known.clone(),
            posts: self
                .posts
                .iter()
                .map(|life| (life.versions.len(), life.path.clone()))
                .collect(),
            tasks: self.tasks.iter().map(|t| t.events.len()).collect(),
            warnings: self.warnings.len(),
        })
    }

    /// Takes back every commit folded in since `checkpoint` was taken of this engine: it is
    /// again exactly as it was at the checkpoint's tip, and a later walk goes on from there.
    /// False, with nothing changed, when the checkpoint cannot be this engine's: taken before
    /// it started over, or with more posts, tasks or commits than it has now.
    pub fn roll_back(&mut self, checkpoint: Checkpoint) -> bool {
        let fits = checkpoint.restarts == self.restarts
            && checkpoint.posts.len() <= self.posts.len()
            && checkpoint.tasks.len() <= self.tasks.len()
            && checkpoint.warnings <= self.warnings.len()
            && checkpoint.next_order <= self.next_order
            && checkpoint.known.is_subset(&self.known)
            && checkpoint
                .posts
                .iter()
                .zip(&self.posts)
                .all(|((versions, _), life)| *versions <= life.versions.len())
            && checkpoint
                .tasks
                .iter()
                .zip(&self.tasks)
                .all(|(events, life)| *events <= life.events.len());
        if !fits {
            return false;
        }
        self.posts.truncate(checkpoint.posts.len());
        for (post, (life, (versions, path))) in
            self.posts.iter_mut().zip(checkpoint.posts).enumerate()
        {
            if life.versions.len() != versions || life.path != path {
                self.touched.insert(post);
            }
            life.versions.truncate(versions);
            life.path = path;
        }
        self.tasks.truncate(checkpoint.tasks.len());
        for (life, events) in self.tasks.iter_mut().zip(checkpoint.tasks) {
            if life.events.len() != events {
                self.touched.insert(life.post);
            }
            life.events.truncate(events);
        }
        self.warnings.truncate(checkpoint.warnings);
        self.warned = self
            .warnings
            .iter()
            .map(|w| (w.file.clone(), w.line, w.message.clone()))
            .collect();
        self.states = checkpoint.states;
        self.children_left = checkpoint.children_left;
        self.known = checkpoint.known;
        self.head = checkpoint.head;
        self.last_fed = checkpoint.last_fed;
        self.next_order = checkpoint.next_order;
        self.lost_parent_state = false;
        true
    }
}

/// Parses the posts of a delta's new blobs, in the order of `delta.blobs`, big ones through
/// `memo` when given ([`post::parse_remembering`]).
pub fn parse_blobs(
    delta: &CommitDelta,
    options: &post::ParseOptions,
    memo: Option<&post::PostMemo>,
) -> Vec<Post> {
    delta
        .blobs
        .iter()
        .map(|blob| post::parse_remembering(&blob.path, &blob.bytes, options, memo))
        .collect()
}

/// [`events::diff`], with shortcuts for the commonest steps. When the task list did not
/// change (same titles, ticks and sections in the same order: the prose changed), each task
/// pairs with itself and there are no events. Otherwise the leading and trailing runs of tasks
/// whose titles did not change pair directly, and only the tasks between them go to the
/// matcher: in a big post a commit changes a few lines, so that is a handful of tasks instead
/// of hundreds on each side.
///
/// The pairing is the matcher's own. Its first round aligns equal titles in order, which pairs
/// such runs exactly so, and its later rounds see only what that left unpaired, by their
/// distances apart (which the shared offset keeps). The alignment also slides a changed block
/// over tasks with the same title next to it; a run's task next to the changed part is
/// therefore left in that part while its title (nearly: case and white space aside) occurs
/// there, so no slide can cross into the run.
fn diff_tasks(old: &[&Task], new: &[&Task]) -> events::Diff {
    let unchanged = old.len() == new.len()
        && old
            .iter()
            .zip(new)
            .all(|(a, b)| a.title == b.title && a.checked == b.checked && a.section == b.section);
    if unchanged {
        return events::Diff {
            pairs: (0..new.len()).map(|i| (i, i)).collect(),
            changes: Vec::new(),
        };
    }
    let same = |(a, b): &(&&Task, &&Task)| a.title == b.title;
    let prefix = old.iter().zip(new).take_while(same).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(same)
        .count();
    let (mut prefix, mut suffix) = (prefix, suffix);
    // Titles as the alignment compares them, or coarser: without white space, lower case.
    let loose = |task: &Task| -> String {
        task.title
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let mut between: HashSet<String> = old[prefix..old.len() - suffix]
        .iter()
        .chain(&new[prefix..new.len() - suffix])
        .map(|task| loose(task))
        .collect();
    while prefix > 0 && between.contains(&loose(old[prefix - 1])) {
        prefix -= 1;
        between.insert(loose(old[prefix]));
    }
    while suffix > 0 && between.contains(&loose(old[old.len() - suffix])) {
        between.insert(loose(old[old.len() - suffix]));
        suffix -= 1;
    }
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(new.len());
    pairs.extend((0..prefix).map(|i| (i, i)));
    pairs.extend(
        matching::pair_task_refs(&old[prefix..old_end], &new[prefix..new_end])
            .into_iter()
            .map(|(o, n)| (o + prefix, n + prefix)),
    );
    pairs.extend((0..suffix).map(|k| (old_end + k, new_end + k)));
    events::diff_paired(old, new, pairs)
}

/// The commit being folded in, and its other parents' states.
struct CommitStep<'a> {
    info: &'a Arc<CommitInfo>,
    order: usize,
    others: Vec<&'a PostsState>,
    other_ids: Vec<ObjectId>,
}

impl CommitStep<'_> {
    fn others_with_ids(&self) -> impl Iterator<Item = (&ObjectId, &PostsState)> {
        self.other_ids.iter().zip(self.others.iter().copied())
    }
}

/// A post's life read back from its record: its versions and its tasks' lives.
#[derive(Debug, Clone)]
pub struct StoredLife {
    pub versions: Vec<PostVersion>,
    pub tasks: Vec<TaskLife>,
}

/// A task id no post owns: the placeholder a partial engine holds for a task whose post's
/// life it has not read.
pub(crate) const UNREAD: usize = usize::MAX;

/// Bytes of changed posts from which [`Engine::fill_lives_parsing`] parses them on a second
/// thread: a long checklist's, not a weekly post's, whose parse is shorter than a thread.
const PARSE_BESIDE_BYTES: usize = 64 << 10;

impl Engine {
    /// Posts whose records changed since the engine was made or read back.
    pub fn touched(&self) -> &std::collections::BTreeSet<usize> {
        &self.touched
    }

    /// Every commit folded in, for a later walk to stop at.
    pub fn known_ids(&self) -> Vec<[u8; 20]> {
        let mut known: Vec<[u8; 20]> = self.known.iter().map(|id| id.0).collect();
        known.sort_unstable();
        known
    }

    /// Warnings so far, in the order they were first given.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Each post's path as [`History`] gives it: its path at the tip, or its last path when
    /// it is gone.
    pub fn tip_paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = self.posts.iter().map(|life| life.path.as_str()).collect();
        if let Some(state) = self.tip().and_then(|tip| self.states.get(&tip)) {
            for (path, slot) in state {
                if let Some(entry) = paths.get_mut(slot.post) {
                    *entry = path.as_str();
                }
            }
        }
        paths
    }

    /// The ids of each post's tasks whose lives the engine holds.
    pub fn tasks_by_post(&self) -> Vec<Vec<TaskId>> {
        let mut by_post = vec![Vec::new(); self.posts.len()];
        for life in &self.tasks {
            if let Some(ids) = by_post.get_mut(life.post) {
                ids.push(life.id);
            }
        }
        by_post
    }

    /// Every post's life so far (paths and deletion as of the last change, not the tip).
    pub fn lives(&self) -> &[PostLife] {
        &self.posts
    }

    /// Every task's life so far, indexed by [`TaskId`].
    pub fn task_lives(&self) -> &[TaskLife] {
        &self.tasks
    }
}

impl Engine {
    /// The post at `path` in the tip's tree.
    pub fn post_at_tip(&self, path: &str) -> Option<usize> {
        let tip = self.tip()?;
        self.states.get(&tip)?.get(path).map(|slot| slot.post)
    }

    /// Whether post `post` of a partial engine has its versions (a whole engine's always do).
    pub fn holds_life(&self, post: usize) -> bool {
        self.posts
            .get(post)
            .is_some_and(|life| !life.versions.is_empty())
    }

    /// Gives post `post` of a partial engine its life, read from storage; false (and nothing
    /// changed) when it does not fit the post states and tasks the engine holds.
    pub fn fill_life(&mut self, post: usize, life: StoredLife) -> bool {
        let fits_states = self
            .states
            .values()
            .flat_map(|state| state.values())
            .all(|slot| slot.post != post || slot.version < life.versions.len());
        let fits_tasks = life.tasks.iter().all(|task| {
            self.tasks
                .get(task.id.index())
                .is_some_and(|held| held.post == UNREAD || held.post == post)
        });
        match self.posts.get_mut(post) {
            Some(held) if fits_states && fits_tasks => {
                held.versions = life.versions;
                for task in life.tasks {
                    let id = task.id.index();
                    self.tasks[id] = TaskLife { post, ..task };
                }
                true
            }
            _ => false,
        }
    }

    /// Folds commits made since the tip onto a partial engine ([`Engine::partial`]), first
    /// filling in with `load` the life of every post their changes name. The commits come
    /// in walk order, each with one parent that is the tip or an earlier one of them. False
    /// when they do not fit that (a merge, a new root, a post that cannot be loaded): the
    /// engine is then of no use and the whole one must be read.
    pub fn extend_partial(
        &mut self,
        deltas: Vec<CommitDelta>,
        load: impl FnMut(usize) -> Option<StoredLife>,
    ) -> bool {
        let Some(tip) = self.tip() else {
            return false;
        };
        let mut fed: HashSet<ObjectId> = HashSet::from([tip]);
        for delta in &deltas {
            if delta.parents.len() != 1 || !fed.contains(&delta.parents[0]) {
                return false;
            }
            fed.insert(delta.id);
        }
        let Some(at_tip) = self.states.get(&tip) else {
            return false;
        };
        let mut needed: Vec<usize> = Vec::new();
        for delta in &deltas {
            for change in &delta.changes {
                let paths: [Option<&String>; 2] = match change {
                    FileChange::Added { path, .. }
                    | FileChange::Modified { path, .. }
                    | FileChange::Deleted { path } => [Some(path), None],
                    FileChange::Renamed { from, to, .. } => [Some(from), Some(to)],
                };
                needed.extend(
                    paths
                        .into_iter()
                        .flatten()
                        .filter_map(|path| at_tip.get(path).map(|slot| slot.post)),
                );
            }
        }
        let mut deltas = deltas.into_iter();
        let Some(first) = deltas.next() else {
            return true;
        };
        let Some(posts) = self.fill_lives_parsing(&needed, &first, load) else {
            return false;
        };
        let mut last = first.id;
        self.feed_parsed(first, posts);
        for delta in deltas {
            last = delta.id;
            self.feed(delta);
        }
        self.head = Some(last);
        true
    }

    /// Fills in with `load` the lives of those of `posts` this partial engine does not hold
    /// yet ([`Engine::fill_life`]), and parses `next`'s blobs meanwhile. Neither needs the
    /// other, and for a big post each takes milliseconds: its stored life is read back
    /// version by version, and its next version is parsed whole, as the cache keeps no parse
    /// to reuse chunks from. None when a life cannot be loaded or does not fit.
    pub fn fill_lives_parsing(
        &mut self,
        posts: &[usize],
        next: &CommitDelta,
        mut load: impl FnMut(usize) -> Option<StoredLife>,
    ) -> Option<Vec<Post>> {
        let mut posts: Vec<usize> = posts
            .iter()
            .copied()
            .filter(|&post| !self.holds_life(post))
            .collect();
        posts.sort_unstable();
        posts.dedup();
        let bytes: usize = next.blobs.iter().map(|blob| blob.bytes.len()).sum();
        let (options, memo) = (&self.parse_options, &*self.memo);
        let (lives, parsed) = if !posts.is_empty() && bytes >= PARSE_BESIDE_BYTES {
            // The parse, the shorter, goes to the second thread: one can take a millisecond
            // or two to be scheduled.
            std::thread::scope(|scope| {
                let parsing = scope.spawn(|| parse_blobs(next, options, Some(memo)));
                let lives: Vec<Option<StoredLife>> = posts.iter().map(|&post| load(post)).collect();
                let parsed = parsing
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (lives, parsed)
            })
        } else {
            let lives: Vec<Option<StoredLife>> = posts.iter().map(|&post| load(post)).collect();
            (lives, parse_blobs(next, options, Some(memo)))
        };
        for (post, life) in posts.into_iter().zip(lives) {
            if !self.fill_life(post, life?) {
                return None;
            }
        }
        Some(parsed)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn task(title: &str, checked: bool) -> Task {
        Task {
            title: title.into(),
            note: Default::default(),
            checked,
            mark: if checked {
                crate::core::model::Mark::Done
            } else {
                crate::core::model::Mark::Open
            },
            confidence: None,
            section: vec!["Goals".to_string()].into(),
            parent: None,
            line: 1,
            marker: 0..3,
            ..Task::default()
        }
    }

    /// Pairing the unchanged runs at both ends directly must give what the matcher gives the
    /// whole lists: random lists from a few titles (repeats, near-repeats, numbers, empty
    /// ones, two sections) and random edits of them (ticks, insertions, removals, rewordings,
    /// moves), compared on every event and pair.
    #[test]
    fn trimmed_diff_equals_the_whole_diff() {
        const TITLES: [&str; 10] = [
            "Read the paper",
            "Read the papers",
            "Read paper 2",
            "Read paper 3",
            "Write the report",
            "write  the report",
            "",
            "Go running",
            "Go running twice",
            "Fix the bike",
        ];
        let mut seed: u64 = 16;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n
        };
        for _ in 0..20000 {
            let make = |title: usize, checked: bool, section: usize| {
                let mut t = task(TITLES[title], checked);
                t.section = vec![["Goals", "Later"][section].to_string()].into();
                t
            };
            let len = next(12);
            let old: Vec<Task> = (0..len)
                .map(|_| make(next(TITLES.len()), next(2) == 0, next(2)))
                .collect();
            let mut new = old.clone();
            for _ in 0..1 + next(3) {
                let at = next(new.len() + 1);
                match next(5) {
                    0 if at < new.len() => new[at].checked = !new[at].checked,
                    1 => new.insert(at, make(next(TITLES.len()), next(2) == 0, next(2))),
                    2 if at < new.len() => {
                        new.remove(at);
                    }
                    3 if at < new.len() => new[at].title = TITLES[next(TITLES.len())].into(),
                    _ if at < new.len() => {
                        let moved = new.remove(at);
                        let to = next(new.len() + 1);
                        new.insert(to, moved);
                    }
                    _ => {}
                }
            }
            assert_eq!(
                diff_tasks(&refs(&old), &refs(&new)),
                events::diff(&old, &new),
                "{old:?} -> {new:?}"
            );
        }
    }

    /// A commit delta as a walk would hand it over, for a post at `path` with `text`.
    pub(crate) fn delta(
        n: u8,
        parents: &[u8],
        children: usize,
        path: &str,
        text: &str,
        added: bool,
    ) -> CommitDelta {
        let blob = ObjectId([n + 100; 20]);
        let time = crate::core::dates::to_datetime(1_607_299_200 + i64::from(n) * 86_400, 0);
        CommitDelta {
            id: ObjectId([n; 20]),
            commit: Arc::new(CommitInfo {
                id: ObjectId([n; 20]).to_string(),
                time,
                summary: format!("commit {n}"),
            }),
            parents: parents.iter().map(|p| ObjectId([*p; 20])).collect(),
            children,
            changes: vec![if added {
                FileChange::Added {
                    path: path.to_string(),
                    blob,
                }
            } else {
                FileChange::Modified {
                    path: path.to_string(),
                    blob,
                }
            }],
            blobs: vec![crate::core::delta::BlobContent {
                id: blob,
                path: path.to_string(),
                bytes: Arc::new(text.as_bytes().to_vec()),
            }],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn the_fold_needs_no_git_and_counts_a_merged_tick_once() {
        let path = "_posts/2020-12-07-week.md";
        let mut engine = Engine::new();
        // 1 ─ 2 (tick A) ─ 4 (merge of 3) ; 1 ─ 3 (tick B)
        engine.feed(delta(1, &[], 2, path, "- [ ] A\n- [ ] B\n", true));
        engine.feed(delta(2, &[1], 1, path, "- [x] A\n- [ ] B\n", false));
        engine.feed(delta(3, &[1], 1, path, "- [ ] A\n- [x] B\n", false));
        engine.feed(delta(4, &[2, 3], 0, path, "- [x] A\n- [x] B\n", false));
        let history = engine.into_history();

        assert_eq!(history.head, Some(ObjectId([4; 20]).to_string()));
        let ticks: Vec<(String, usize)> = history
            .tasks
            .iter()
            .flat_map(|t| t.events.iter())
            .filter(|e| e.kind == EventKind::Checked)
            .map(|e| (e.title.to_string(), e.order))
            .collect();
        assert_eq!(ticks, [("A".to_string(), 1), ("B".to_string(), 2)]);
        let current = history.posts[0].current().expect("current");
        assert_eq!(current.order, 3);
        assert_eq!(current.task_ids, [TaskId(0), TaskId(1)]);
    }

    #[test]
    fn the_versions_of_a_post_share_the_text_they_keep() {
        let path = "_posts/2020-12-07-week.md";
        let mut engine = Engine::new();
        let before = "# Goals\n- [ ] Read WaveNet\n- [ ] CS242 HW 3\n";
        let after = "# Goals\n- [x] Read WaveNet\n- [ ] CS242 HW 3\n- [ ] Plan the talk\n";
        engine.feed(delta(1, &[], 1, path, before, true));
        engine.feed(delta(2, &[1], 0, path, after, false));
        let history = engine.into_history();
        let [first, second] = &history.posts[0].versions[..] else {
            panic!("two versions");
        };
        let (old, new) = (
            first.post.tasks.content_refs(),
            second.post.tasks.content_refs(),
        );
        for i in 0..2 {
            assert!(Arc::ptr_eq(&old[i].title, &new[i].title), "title {i}");
            assert!(Arc::ptr_eq(&old[i].section, &new[i].section), "section {i}");
        }
        assert_eq!(&*new[2].title, "Plan the talk");
    }

    #[test]
    fn a_roll_back_to_a_checkpoint_then_an_amended_commit_equals_a_fresh_fold() {
        let path = "_posts/2020-12-07-week.md";
        let other = "_posts/2020-12-14-week.md";
        let first = delta(1, &[], 1, path, "- [ ] A\n- [ ] B\n", true);
        let mut engine = Engine::new();
        engine.feed(first.clone());
        let checkpoint = engine.checkpoint().expect("a tip");
        // Commit 2 ticks A and starts another post; then it is amended into commit 3,
        // which ticks B instead, on the same parent.
        engine.feed(delta(
            2,
            &[1],
            0,
            path,
            "- [x] A\n- [ ] B\n- [ ] C\n",
            false,
        ));
        engine.feed(delta(4, &[2], 0, other, "- [ ] D\n", true));
        assert!(engine.roll_back(checkpoint));
        let amended = delta(3, &[1], 0, path, "- [ ] A\n- [x] B\n", false);
        engine.feed(amended.clone());

        let mut fresh = Engine::new();
        fresh.feed(first);
        fresh.feed(amended);
        assert_eq!(
            format!("{:?}", engine.history()),
            format!("{:?}", fresh.history())
        );
        assert!(!engine.known_commits().contains(&ObjectId([2; 20])));
    }

    #[test]
    fn a_checkpoint_between_a_branch_point_and_its_second_child_keeps_the_branch_point() {
        let path = "_posts/2020-12-07-week.md";
        // 1 has two children: 2 now, 4 later (a branch that left from 1).
        let one = delta(1, &[], 2, path, "- [ ] A\n- [ ] B\n", true);
        let two = delta(2, &[1], 0, path, "- [x] A\n- [ ] B\n", false);
        let four = delta(4, &[1], 0, path, "- [ ] A\n- [x] B\n", false);
        let mut engine = Engine::new();
        engine.feed(one.clone());
        engine.feed(two.clone());
        let checkpoint = engine.checkpoint().expect("a tip");
        engine.feed(delta(3, &[2], 0, path, "- [x] A\n- [x] B\n", false));
        assert!(engine.roll_back(checkpoint));
        engine.feed(four.clone());
        assert!(
            !engine.lost_parent_state(),
            "1's state was kept for its second child"
        );

        let mut fresh = Engine::new();
        for delta in [one, two, four] {
            fresh.feed(delta);
        }
        assert_eq!(
            format!("{:?}", engine.history()),
            format!("{:?}", fresh.history())
        );
    }

    fn refs(tasks: &[Task]) -> Vec<&Task> {
        tasks.iter().collect()
    }

    #[test]
    fn the_unchanged_list_shortcut_agrees_with_the_full_diff() {
        let old = [task("Read WaveNet", false), task("CS242 HW 3", true)];
        let mut moved_lines = old.clone();
        moved_lines[1].line = 9;
        let shortcut = diff_tasks(&refs(&old), &refs(&moved_lines));
        let full = events::diff(&old, &moved_lines);
        assert_eq!(shortcut.pairs, full.pairs);
        assert!(shortcut.changes.is_empty() && full.changes.is_empty());

        let ticked = [task("Read WaveNet", true), task("CS242 HW 3", true)];
        let diff = diff_tasks(&refs(&old), &refs(&ticked));
        assert_eq!(diff.changes.len(), 1);
        assert_eq!(diff.changes[0].kind, EventKind::Checked);
    }
}
