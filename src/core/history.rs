//! Stage 2, post versions → task lives: folds each commit's post changes, in topological
//! order, into every post's versions and every task's events.
//!
//! The fold is pure over [`CommitDelta`]s (no git here), so it can be fed by a test, by a
//! full walk, or by a later walk of only the new commits onto an [`Engine`] built earlier.
//!
//! Merges: a commit's post states are kept per commit. A difference between a merge and its
//! first parent that another parent already has was made on the merged branch and reported
//! there, dated by the branch's commit; only what the merge itself introduces (a conflict
//! resolution) is an event of the merge.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};

use crate::core::events;
use crate::core::matching;
use crate::core::model::{CommitInfo, DateSource, Due, EventKind, Mark, Post, Task, Warning};
use crate::core::post;
use crate::git::{self, CommitDelta, FileChange, GitError, ObjectId, Repo};

/// A task's identity over its whole life: an index into [`History::tasks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TaskId(pub usize);

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
    /// The post's path in this version.
    pub path: String,
    pub post: Arc<Post>,
    /// The identity of each of `post.tasks`, in the same order.
    pub task_ids: Vec<TaskId>,
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
    /// The title after the event (before it, for `removed`).
    pub title: String,
    /// The title before an `edited`.
    pub previous_title: Option<String>,
    /// The section before a `moved` or `removed`.
    pub from_section: Option<String>,
    /// The section after an `added` or `moved`.
    pub to_section: Option<String>,
}

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// `--posts GLOB`: which files are posts, instead of the posts directories.
    pub posts_glob: Option<String>,
    /// More globs (from the configuration): a file matching any of them is a post.
    pub posts_globs: Vec<String>,
    /// How each version is read (rating scale, date order, …).
    pub parse: crate::core::post::ParseOptions,
}

impl HistoryOptions {
    /// Every posts glob in force: `--posts` and the configuration's.
    pub fn globs(&self) -> Vec<&str> {
        self.posts_glob
            .iter()
            .chain(&self.posts_globs)
            .map(String::as_str)
            .collect()
    }
}

/// What went wrong building a history.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    Git(#[from] GitError),
}

/// Reads the whole history reachable from HEAD. The walk (git, parsing posts) and the fold
/// (matching tasks) run on two threads.
pub fn read_history(repo: &Repo, options: &HistoryOptions) -> Result<History, HistoryError> {
    let mut engine = Engine::new();
    update(&mut engine, repo, options)?;
    Ok(engine.into_history())
}

/// Feeds the commits reachable from HEAD that `engine` has not seen yet onto it. When the
/// new commits do not continue what the engine holds (an amend, a rebase, a reset, a merge
/// of a branch that left from an older commit, another choice of post files), it starts
/// over from an empty engine, so the result always equals a full read.
pub fn update(
    engine: &mut Engine,
    repo: &Repo,
    options: &HistoryOptions,
) -> Result<git::WalkSummary, HistoryError> {
    update_observed(engine, repo, options, &mut |_| {})
}

/// [`update`], showing each commit to `observe` as it is folded in (a progress bar, a check
/// of where new commits attach).
pub fn update_observed(
    engine: &mut Engine,
    repo: &Repo,
    options: &HistoryOptions,
    observe: &mut (dyn FnMut(&CommitDelta) + Send),
) -> Result<git::WalkSummary, HistoryError> {
    let selector = repo.post_selector_for(&options.globs())?;
    engine.parse_options = options.parse.clone();
    if engine.selector.as_ref().is_some_and(|s| *s != selector) {
        engine.restart();
    }
    let tip_before = engine.tip();
    let fed_before = engine.next_order;
    let summary = walk_into(engine, repo, &selector, observe)?;
    let nothing_new = engine.next_order == fed_before;
    let moved_back = nothing_new && summary.head != tip_before;
    if engine.lost_parent_state || moved_back {
        engine.restart();
        return walk_into(engine, repo, &selector, observe);
    }
    Ok(summary)
}

/// Commits handed to the fold thread in one message: one message a commit cost a wake-up
/// of the other thread each (about a tenth of a cold walk on a 13,000-commit blog).
const FOLD_BATCH: usize = 16;

/// How many commits the fold may have waiting before the walk parses posts itself. Below it
/// the fold is keeping up and parses what it is sent; above it the walk takes the parsing
/// over. Either thread can be the slower one (many small posts, or a few big ones with many
/// tasks), so the parsing goes to whichever has time.
const FOLD_BACKLOG: usize = 4 * FOLD_BATCH;

/// One walk feeding `engine`: git on this thread, matching and folding on another, and the
/// parsing of posts on whichever of the two is ahead.
fn walk_into(
    engine: &mut Engine,
    repo: &Repo,
    selector: &git::PostSelector,
    observe: &mut (dyn FnMut(&CommitDelta) + Send),
) -> Result<git::WalkSummary, HistoryError> {
    engine.selector = Some(selector.clone());
    // Each commit with its posts parsed, or `None` for the fold to parse them.
    type Batch = Vec<(CommitDelta, Option<Vec<Post>>)>;
    let (sender, receiver) = mpsc::sync_channel::<Batch>(64);
    // Commits sent (or about to be) and not yet folded in.
    let backlog = AtomicUsize::new(0);
    // The walk needs the known commits while the fold adds to them.
    let known = engine.known.clone();
    let parse_options = engine.parse_options.clone();
    let summary = std::thread::scope(|scope| {
        let backlog = &backlog;
        let folder = scope.spawn(|| {
            for batch in receiver {
                for (delta, posts) in batch {
                    observe(&delta);
                    let posts = posts.unwrap_or_else(|| parse_blobs(&delta, &engine.parse_options));
                    engine.feed_parsed(delta, posts);
                    backlog.fetch_sub(1, Ordering::Relaxed);
                }
            }
        });
        let mut batch: Batch = Vec::with_capacity(FOLD_BATCH);
        let summary = repo.walk(selector, &known, |delta| {
            let posts = (backlog.load(Ordering::Relaxed) >= FOLD_BACKLOG)
                .then(|| parse_blobs(&delta, &parse_options));
            backlog.fetch_add(1, Ordering::Relaxed);
            batch.push((delta, posts));
            if batch.len() >= FOLD_BATCH {
                // The receiver only goes away if the fold thread panicked; the join reports it.
                let _ = sender.send(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(FOLD_BATCH),
                ));
            }
        });
        if !batch.is_empty() {
            let _ = sender.send(batch);
        }
        drop(sender);
        if folder.join().is_err() {
            return Err(GitError::Read {
                what: "the history".to_string(),
                message: "the task matching thread stopped unexpectedly".to_string(),
            });
        }
        summary
    });
    let summary = summary?;
    for warning in &summary.warnings {
        engine.warn(warning.clone());
    }
    engine.head = summary.head;
    // Only the tip continues into a later walk; earlier tips' states are done with.
    let head = engine.head;
    let children_left = &engine.children_left;
    engine
        .states
        .retain(|id, _| Some(*id) == head || children_left.contains_key(id));
    Ok(summary)
}

/// Which post a path holds in one commit, and which of its versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    post: usize,
    version: usize,
    blob: ObjectId,
}

/// The posts present in one commit, by path.
type PostsState = HashMap<String, Slot>;

/// The fold's state: what has been built so far, and what later commits need to continue it.
/// Cloning it lets the hook try a pending commit on top without reading the history again.
#[derive(Debug, Default, Clone)]
pub struct Engine {
    next_order: usize,
    /// Post states of commits that still have children to come (and of the tip).
    states: HashMap<ObjectId, PostsState>,
    /// Children not yet fed, for commits in `states` whose walk said how many there are.
    children_left: HashMap<ObjectId, usize>,
    parsed: HashMap<(ObjectId, String), Arc<Post>>,
    posts: Vec<PostLife>,
    tasks: Vec<TaskLife>,
    warnings: Vec<Warning>,
    warned: HashSet<(String, Option<usize>, String)>,
    known: HashSet<ObjectId>,
    head: Option<ObjectId>,
    last_fed: Option<ObjectId>,
    /// A commit was fed whose parent had been folded in but whose state was let go: what
    /// was built does not continue into it.
    lost_parent_state: bool,
    /// Posts whose versions or task events changed since the engine was made or read back:
    /// the ones whose stored records must be written again.
    touched: std::collections::BTreeSet<usize>,
    /// How many times the engine started over: a checkpoint of an earlier start does not fit.
    restarts: u64,
    selector: Option<git::PostSelector>,
    parse_options: crate::core::post::ParseOptions,
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Starts over with nothing folded in (the history was rewritten under it), reading
    /// posts as before.
    fn restart(&mut self) {
        let restarts = self.restarts + 1;
        let parse_options = std::mem::take(&mut self.parse_options);
        *self = Engine {
            restarts,
            parse_options,
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
        let id = delta.id;
        self.feed(delta);
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
        let posts = parse_blobs(&delta, &self.parse_options);
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
            .zip(version.post.tasks.iter().cloned())
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
                .zip(version.post.tasks.iter().cloned())
                .filter(|(id, _)| {
                    !self
                        .tasks
                        .get(id.0)
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
            .get(id.0)
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
        let base_tasks: &[Task] = base_post.as_deref().map_or(&[], |p| &p.tasks);

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
        let their_pairs: Vec<HashMap<usize, usize>> = theirs
            .iter()
            .map(|(their_post, _)| {
                matching::pair_tasks(&their_post.tasks, &post.tasks)
                    .into_iter()
                    .map(|(i, j)| (j, i))
                    .collect()
            })
            .collect();
        // The first other parent that has the same task `j`, and its index there.
        let theirs_for = |j: usize| -> Vec<(usize, usize)> {
            their_pairs
                .iter()
                .enumerate()
                .filter_map(|(k, pairs)| pairs.get(&j).map(|&i| (k, i)))
                .collect()
        };

        let diff = diff_tasks(base_tasks, &post.tasks);
        let post = self.share_kept_text((blob, path.to_string()), post, base_tasks, &diff.pairs);
        let mut ids: Vec<Option<TaskId>> = vec![None; post.tasks.len()];
        for &(i, j) in &diff.pairs {
            if let (Some(id), Some(slot)) = (base_ids.get(i), ids.get_mut(j)) {
                *slot = Some(*id);
            }
        }
        let mut used: HashSet<TaskId> = ids.iter().flatten().copied().collect();
        // Tasks that the merged branch added keep the branch's identity.
        for (j, id) in ids.iter_mut().enumerate() {
            if id.is_none()
                && let Some(&(k, i)) = theirs_for(j).first()
                && let Some(&their_id) = theirs[k].1.get(i)
                && used.insert(their_id)
            {
                *id = Some(their_id);
            }
        }

        let mut pending_events: Vec<(TaskId, EventKind, Task, Option<Task>)> = Vec::new();
        for change in &diff.changes {
            match (change.kind, change.old, change.new) {
                (EventKind::Removed, Some(i), _) => {
                    let (Some(&id), Some(task)) = (base_ids.get(i), base_tasks.get(i)) else {
                        continue;
                    };
                    if self.merged_removal(step, id) {
                        continue;
                    }
                    pending_events.push((id, EventKind::Removed, task.clone(), None));
                }
                (kind, old, Some(j)) => {
                    let Some(task) = post.tasks.get(j) else {
                        continue;
                    };
                    let brought_in = theirs_for(j).into_iter().any(|(k, i)| {
                        let their = &theirs[k].0.tasks[i];
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
                    let before = old.and_then(|i| base_tasks.get(i)).cloned();
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
        life.versions.push(PostVersion {
            commit: Arc::clone(step.info),
            order: step.order,
            path: path.to_string(),
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
        base: &[Task],
        pairs: &[(usize, usize)],
    ) -> Arc<Post> {
        // The parsed map holds the other reference; without it this one can be changed.
        self.parsed.remove(&key);
        if let Some(version) = Arc::get_mut(&mut post) {
            for &(i, j) in pairs {
                if let (Some(old), Some(new)) = (base.get(i), version.tasks.get_mut(j)) {
                    share_text(new, old);
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
            path: path.to_string(),
            post: Arc::clone(&version.post),
            task_ids: version.task_ids.clone(),
        };
        life.versions.push(copy);
        Slot {
            version: life.versions.len() - 1,
            ..theirs
        }
    }

    fn new_task(&mut self, post: usize) -> TaskId {
        let id = TaskId(self.tasks.len());
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
        let section = || Some(task.section_path());
        let event = TaskEvent {
            kind,
            commit: Arc::clone(step.info),
            order: step.order,
            title: task.title.to_string(),
            previous_title: match kind {
                EventKind::Edited => before.map(|b| b.title.to_string()),
                _ => None,
            },
            from_section: match kind {
                EventKind::Moved => before.map(Task::section_path),
                EventKind::Removed => section(),
                _ => None,
            },
            to_section: match kind {
                EventKind::Added | EventKind::Moved => section(),
                _ => None,
            },
        };
        if let Some(life) = self.tasks.get_mut(id.0) {
            self.touched.insert(life.post);
            // Most tasks see two or three events; a vector's first growth would make room
            // for four, and a long history holds tens of thousands of these lists.
            life.events.reserve_exact(1);
            life.events.push(event);
        }
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

/// Points `task`'s title, note and section at `kept`'s copies where they are equal.
fn share_text(task: &mut Task, kept: &Task) {
    if task.title == kept.title {
        task.title = Arc::clone(&kept.title);
    }
    if task.note == kept.note {
        task.note = Arc::clone(&kept.note);
    }
    if task.section == kept.section {
        task.section = Arc::clone(&kept.section);
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

/// Parses the posts of a delta's new blobs, in the order of `delta.blobs`.
pub fn parse_blobs(delta: &CommitDelta, options: &post::ParseOptions) -> Vec<Post> {
    delta
        .blobs
        .iter()
        .map(|blob| post::parse_with(&blob.path, &blob.bytes, options))
        .collect()
}

/// [`events::diff`], with a shortcut for the commonest step: the prose changed and the task
/// list did not (same titles, ticks and sections in the same order), which pairs each task
/// with itself and has no events.
fn diff_tasks(old: &[Task], new: &[Task]) -> events::Diff {
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
    events::diff(old, new)
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

impl History {
    /// The post at `path` (its current path, or its last one before deletion).
    pub fn post_index(&self, path: &str) -> Option<usize> {
        self.posts.iter().position(|p| p.path == path)
    }

    /// The version post `post` had as of the commit with topological index `order`.
    pub fn version_at(&self, post: usize, order: usize) -> Option<&PostVersion> {
        self.posts.get(post)?.version_at(order)
    }

    /// The task with this id.
    pub fn task(&self, id: TaskId) -> Option<&TaskLife> {
        self.tasks.get(id.0)
    }
}

/// A commit as stored: written out once per record that names it (the cache's post lives and
/// its weeks alike).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CommitRecord<S> {
    id: S,
    seconds: i64,
    offset_seconds: i32,
    summary: S,
}

impl<'a> CommitRecord<&'a str> {
    pub(crate) fn of(commit: &'a CommitInfo) -> Self {
        CommitRecord {
            id: commit.id.as_str(),
            seconds: commit.time.timestamp(),
            offset_seconds: commit.time.offset().local_minus_utc(),
            summary: commit.summary.as_str(),
        }
    }
}

impl CommitRecord<String> {
    pub(crate) fn into_info(self) -> CommitInfo {
        let utc = git::to_datetime(self.seconds, 0);
        let time = chrono::FixedOffset::east_opt(self.offset_seconds)
            .map_or(utc, |offset| utc.with_timezone(&offset));
        CommitInfo {
            id: self.id,
            time,
            summary: self.summary,
        }
    }
}

/// One post's life stored on its own: its versions and its tasks' events, with the commits
/// they name and the text of its tasks written once. The cache keeps a record per post, so a
/// run reads and writes only the posts it needs.
///
/// Generic over how text, due dates, warnings and lists are held, so that one layout serves
/// both ways: [`LifeRecordView`] borrows from the engine to be written without copying, and
/// [`LifeRecord`] owns what was read back.
#[derive(Debug, Serialize, Deserialize)]
pub struct LifeParts<S, D, W, I> {
    commits: Vec<CommitRecord<S>>,
    /// Every distinct title, note and heading of the post's tasks, once: most of a version
    /// repeats the one before it.
    texts: Vec<S>,
    /// Every distinct section, as indices into `texts`, once.
    sections: Vec<Vec<u32>>,
    versions: Vec<VersionRecord<S, D, W, I>>,
    /// Each task of the post: its id and its events.
    tasks: Vec<(usize, Vec<EventRecord<S>>)>,
}

/// One version: the [`Post`] as read, its tasks' text as indices into the record's tables.
#[derive(Debug, Serialize, Deserialize)]
struct VersionRecord<S, D, W, I> {
    commit: u32,
    order: usize,
    path: S,
    title: Option<S>,
    date: Option<chrono::NaiveDate>,
    date_source: Option<DateSource>,
    due: Option<D>,
    warnings: W,
    tasks: Vec<StoredTask>,
    task_ids: I,
}

/// A [`Task`] with its title, note and section as indices into the record's tables
/// ([`TextTable`] writes them, [`TextTables`] reads them back).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredTask {
    title: u32,
    note: u32,
    section: u32,
    checked: bool,
    confidence: Option<u8>,
    parent: Option<usize>,
    line: usize,
    marker: std::ops::Range<usize>,
    mark: Mark,
    done_date: Option<chrono::NaiveDate>,
    due: Option<chrono::NaiveDate>,
}

#[derive(Debug, Serialize, Deserialize)]
struct EventRecord<S> {
    kind: EventKind,
    commit: u32,
    order: usize,
    title: S,
    previous_title: Option<S>,
    from_section: Option<S>,
    to_section: Option<S>,
}

/// A post's life borrowed for writing; serializes exactly as a [`LifeRecord`].
pub type LifeRecordView<'a> = LifeParts<&'a str, &'a Due, &'a [Warning], &'a [TaskId]>;

/// A post's life as read back from storage.
pub type LifeRecord = LifeParts<String, Due, Vec<Warning>, Vec<usize>>;

/// The text tables of a record being written: each distinct text and section gets an index.
/// Versions that share a text share one allocation, so most lookups are by address; only a
/// text seen at a new address is looked up by content. An address goes with a length: a
/// shorter text (an empty one, a prefix) can begin where another does, but two borrowed
/// texts with the same start and length are the same bytes.
#[derive(Default)]
pub(crate) struct TextTable<'a> {
    by_address: HashMap<(*const u8, usize), u32>,
    text_index: HashMap<&'a str, u32>,
    texts: Vec<&'a str>,
    section_by_address: HashMap<(*const String, usize), u32>,
    section_index: HashMap<Vec<u32>, u32>,
    sections: Vec<Vec<u32>>,
}

impl<'a> TextTable<'a> {
    fn text(&mut self, text: &'a str) -> u32 {
        let address = (text.as_ptr(), text.len());
        if let Some(&id) = self.by_address.get(&address) {
            return id;
        }
        let next = self.texts.len() as u32;
        let id = *self.text_index.entry(text).or_insert_with(|| {
            self.texts.push(text);
            next
        });
        self.by_address.insert(address, id);
        id
    }

    fn section(&mut self, headings: &'a [String]) -> u32 {
        let address = (headings.as_ptr(), headings.len());
        if let Some(&id) = self.section_by_address.get(&address) {
            return id;
        }
        let ids: Vec<u32> = headings.iter().map(|h| self.text(h)).collect();
        let next = self.sections.len() as u32;
        let id = *self.section_index.entry(ids.clone()).or_insert_with(|| {
            self.sections.push(ids);
            next
        });
        self.section_by_address.insert(address, id);
        id
    }

    /// The tables written so far: each text once, each section as indices into the texts.
    pub(crate) fn into_tables(self) -> (Vec<&'a str>, Vec<Vec<u32>>) {
        (self.texts, self.sections)
    }

    pub(crate) fn task(&mut self, task: &'a Task) -> StoredTask {
        StoredTask {
            title: self.text(&task.title),
            note: self.text(&task.note),
            section: self.section(&task.section),
            checked: task.checked,
            confidence: task.confidence,
            parent: task.parent,
            line: task.line,
            marker: task.marker.clone(),
            mark: task.mark,
            done_date: task.done_date,
            due: task.due,
        }
    }
}

/// A record's text tables read back: each text and section once, shared by every task that
/// names it.
pub(crate) struct TextTables {
    texts: Vec<Arc<str>>,
    sections: Vec<Arc<[String]>>,
}

impl TextTables {
    /// The tables as stored; none when a section names a text that is not there.
    pub(crate) fn read(texts: Vec<String>, sections: Vec<Vec<u32>>) -> Option<TextTables> {
        let texts: Vec<Arc<str>> = texts.into_iter().map(Arc::from).collect();
        let sections = sections
            .into_iter()
            .map(|ids| {
                ids.iter()
                    .map(|&i| texts.get(i as usize).map(|t| t.to_string()))
                    .collect::<Option<Vec<String>>>()
                    .map(Arc::from)
            })
            .collect::<Option<Vec<Arc<[String]>>>>()?;
        Some(TextTables { texts, sections })
    }

    /// The task `stored` names; none when it names a text or section that is not there.
    pub(crate) fn task(&self, stored: StoredTask) -> Option<Task> {
        Some(Task {
            title: self.texts.get(stored.title as usize)?.clone(),
            note: self.texts.get(stored.note as usize)?.clone(),
            section: self.sections.get(stored.section as usize)?.clone(),
            checked: stored.checked,
            confidence: stored.confidence,
            parent: stored.parent,
            line: stored.line,
            marker: stored.marker,
            mark: stored.mark,
            done_date: stored.done_date,
            due: stored.due,
        })
    }
}

/// A post's life read back from its record: its versions and its tasks' lives.
#[derive(Debug, Clone)]
pub struct StoredLife {
    pub versions: Vec<PostVersion>,
    pub tasks: Vec<TaskLife>,
}

/// Stored parts that do not fit together (an index out of range): they cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("inconsistent stored history: {0}")]
pub struct SnapshotError(&'static str);

/// Gives shared values (by pointer) one index each, in first-seen order.
pub(crate) struct Interner<'a, T> {
    index: HashMap<*const T, u32>,
    values: Vec<&'a T>,
}

impl<'a, T> Interner<'a, T> {
    pub(crate) fn new() -> Self {
        Interner {
            index: HashMap::new(),
            values: Vec::new(),
        }
    }

    pub(crate) fn id(&mut self, value: &'a Arc<T>) -> u32 {
        let next = self.values.len() as u32;
        *self.index.entry(Arc::as_ptr(value)).or_insert_with(|| {
            self.values.push(value);
            next
        })
    }

    /// The values in the order they were given their indices.
    pub(crate) fn into_values(self) -> Vec<&'a T> {
        self.values
    }
}

impl LifeRecord {
    /// The life stored, checked against the number of tasks the engine had.
    pub fn into_life(self, post: usize, task_count: usize) -> Result<StoredLife, SnapshotError> {
        let commits: Vec<Arc<CommitInfo>> = self
            .commits
            .into_iter()
            .map(|c| Arc::new(c.into_info()))
            .collect();
        let commit = |i: u32| {
            commits
                .get(i as usize)
                .cloned()
                .ok_or(SnapshotError("commit index"))
        };
        // Tasks that share a text in the record share one copy of it when read back, as in
        // the engine that wrote it.
        let tables =
            TextTables::read(self.texts, self.sections).ok_or(SnapshotError("heading index"))?;
        let mut versions = Vec::with_capacity(self.versions.len());
        for v in self.versions {
            if v.task_ids.len() != v.tasks.len() || v.task_ids.iter().any(|&t| t >= task_count) {
                return Err(SnapshotError("task ids of a version"));
            }
            let read = v
                .tasks
                .into_iter()
                .map(|t| tables.task(t))
                .collect::<Option<Vec<Task>>>()
                .ok_or(SnapshotError("text or section index"))?;
            versions.push(PostVersion {
                commit: commit(v.commit)?,
                order: v.order,
                path: v.path,
                post: Arc::new(Post {
                    title: v.title,
                    date: v.date,
                    date_source: v.date_source,
                    due: v.due,
                    tasks: read,
                    warnings: v.warnings,
                }),
                task_ids: v.task_ids.into_iter().map(TaskId).collect(),
            });
        }
        let mut tasks = Vec::with_capacity(self.tasks.len());
        for (id, events) in self.tasks {
            if id >= task_count {
                return Err(SnapshotError("task id"));
            }
            let mut lived = Vec::with_capacity(events.len());
            for e in events {
                lived.push(TaskEvent {
                    kind: e.kind,
                    commit: commit(e.commit)?,
                    order: e.order,
                    title: e.title,
                    previous_title: e.previous_title,
                    from_section: e.from_section,
                    to_section: e.to_section,
                });
            }
            tasks.push(TaskLife {
                id: TaskId(id),
                post,
                events: lived,
            });
        }
        Ok(StoredLife { versions, tasks })
    }
}

/// What an engine needs, besides post lives, to take one more commit on top of its tip.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TipParts {
    next_order: usize,
    tip: [u8; 20],
    task_count: usize,
    /// (path, post, version, blob) of each post present at the tip.
    tip_state: Vec<(String, u32, u32, [u8; 20])>,
}

impl TipParts {
    /// The commit the parts are at.
    pub fn tip(&self) -> ObjectId {
        ObjectId(self.tip)
    }

    /// How many tasks the engine had.
    pub fn task_count(&self) -> usize {
        self.task_count
    }

    /// The post at `path` in the tip's tree.
    pub fn post_at(&self, path: &str) -> Option<usize> {
        self.tip_state
            .iter()
            .find(|(p, ..)| p == path)
            .map(|&(_, post, ..)| post as usize)
    }
}

/// A task id no post owns: the placeholder a partial engine holds for a task whose post's
/// life it has not read.
const UNREAD: usize = usize::MAX;

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

    /// Post `post`'s life as a record, borrowed; `tasks` are its tasks ([`Self::tasks_by_post`]).
    pub fn life_record<'a>(&'a self, post: usize, tasks: &[TaskId]) -> LifeRecordView<'a> {
        let mut commits = Interner::<CommitInfo>::new();
        let mut table = TextTable::default();
        let versions = self.posts.get(post).map_or(Vec::new(), |life| {
            life.versions
                .iter()
                .map(|v| VersionRecord {
                    commit: commits.id(&v.commit),
                    order: v.order,
                    path: v.path.as_str(),
                    title: v.post.title.as_deref(),
                    date: v.post.date,
                    date_source: v.post.date_source,
                    due: v.post.due.as_ref(),
                    warnings: v.post.warnings.as_slice(),
                    tasks: v.post.tasks.iter().map(|t| table.task(t)).collect(),
                    task_ids: v.task_ids.as_slice(),
                })
                .collect()
        });
        let tasks = tasks
            .iter()
            .filter_map(|id| self.tasks.get(id.0))
            .map(|life| {
                let events = life
                    .events
                    .iter()
                    .map(|e| EventRecord {
                        kind: e.kind,
                        commit: commits.id(&e.commit),
                        order: e.order,
                        title: e.title.as_str(),
                        previous_title: e.previous_title.as_deref(),
                        from_section: e.from_section.as_deref(),
                        to_section: e.to_section.as_deref(),
                    })
                    .collect();
                (life.id.0, events)
            })
            .collect();
        let (texts, sections) = table.into_tables();
        LifeParts {
            commits: commits
                .into_values()
                .into_iter()
                .map(CommitRecord::of)
                .collect(),
            texts,
            sections,
            versions,
            tasks,
        }
    }

    /// Every post's life so far (paths and deletion as of the last change, not the tip).
    pub fn lives(&self) -> &[PostLife] {
        &self.posts
    }

    /// The tip's state and counters; none before the first commit.
    pub fn tip_parts(&self) -> Option<TipParts> {
        let tip = self.tip()?;
        let mut tip_state: Vec<(String, u32, u32, [u8; 20])> = self
            .states
            .get(&tip)?
            .iter()
            .map(|(path, slot)| {
                (
                    path.clone(),
                    slot.post as u32,
                    slot.version as u32,
                    slot.blob.0,
                )
            })
            .collect();
        tip_state.sort_unstable();
        Some(TipParts {
            next_order: self.next_order,
            tip: tip.0,
            task_count: self.tasks.len(),
            tip_state,
        })
    }

    /// An engine at a stored tip that holds the lives of only some posts (the others have
    /// their path and no version): enough to fold in commits that change only posts it
    /// holds or reads in ([`Engine::extend_partial`]), as the hook's pending commit and an
    /// incremental run do. New tasks get the ids a whole engine would give them.
    pub fn partial(tip: TipParts, lives: Vec<PostLife>) -> Result<Engine, SnapshotError> {
        let mut state = PostsState::with_capacity(tip.tip_state.len());
        for (path, post, version, blob) in tip.tip_state {
            let fits = lives.get(post as usize).is_some_and(|l: &PostLife| {
                l.versions.is_empty() || (version as usize) < l.versions.len()
            });
            if !fits {
                return Err(SnapshotError("a post at the tip"));
            }
            state.insert(
                path,
                Slot {
                    post: post as usize,
                    version: version as usize,
                    blob: ObjectId(blob),
                },
            );
        }
        let head = ObjectId(tip.tip);
        let tasks = (0..tip.task_count)
            .map(|id| TaskLife {
                id: TaskId(id),
                post: UNREAD,
                events: Vec::new(),
            })
            .collect();
        Ok(Engine {
            next_order: tip.next_order,
            states: HashMap::from([(head, state)]),
            posts: lives,
            tasks,
            head: Some(head),
            ..Engine::default()
        })
    }

    /// A whole engine at a stored tip: every post's life read back (`lives`, by post index,
    /// with each post's path as of the tip), the commits already folded in (`known`, where a
    /// later walk stops) and the warnings given so far. It goes on exactly as the engine that
    /// was stored would.
    pub fn from_stored(
        tip: TipParts,
        known: Vec<[u8; 20]>,
        warnings: Vec<Warning>,
        lives: Vec<(String, StoredLife)>,
    ) -> Result<Engine, SnapshotError> {
        let task_count = tip.task_count;
        let paths: Vec<PostLife> = lives
            .iter()
            .map(|(path, _)| PostLife {
                path: path.clone(),
                deleted: false,
                versions: Vec::new(),
            })
            .collect();
        let mut engine = Engine::partial(tip, paths)?;
        for (post, (_, life)) in lives.into_iter().enumerate() {
            if !engine.fill_life(post, life) {
                return Err(SnapshotError("a post's life"));
            }
        }
        if engine.tasks.len() != task_count || engine.tasks.iter().any(|t| t.post == UNREAD) {
            return Err(SnapshotError("a task without a post"));
        }
        engine.warned = warnings
            .iter()
            .map(|w| (w.file.clone(), w.line, w.message.clone()))
            .collect();
        engine.warnings = warnings;
        engine.known = known.into_iter().map(ObjectId).collect();
        engine.touched.clear();
        Ok(engine)
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
                .get(task.id.0)
                .is_some_and(|held| held.post == UNREAD || held.post == post)
        });
        match self.posts.get_mut(post) {
            Some(held) if fits_states && fits_tasks => {
                held.versions = life.versions;
                for task in life.tasks {
                    let id = task.id.0;
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
        mut load: impl FnMut(usize) -> Option<StoredLife>,
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
        needed.sort_unstable();
        needed.dedup();
        for post in needed {
            if !self.holds_life(post) {
                let filled = load(post).is_some_and(|life| self.fill_life(post, life));
                if !filled {
                    return false;
                }
            }
        }
        let mut last = None;
        for delta in deltas {
            last = Some(delta.id);
            self.feed(delta);
        }
        if let Some(last) = last {
            self.head = Some(last);
        }
        true
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

    #[test]
    fn a_text_table_tells_apart_texts_that_start_at_one_address() {
        // An empty text, or a shorter one, can begin where a longer one does; each must
        // still be written as itself.
        let long = String::from("Read the WaveNet paper");
        let headings = vec!["Courses".to_string(), "Reading".to_string()];
        let mut table = TextTable::default();
        let whole = table.text(&long);
        let empty = table.text(&long[..0]);
        let prefix = table.text(&long[..4]);
        assert_eq!(table.texts[whole as usize], "Read the WaveNet paper");
        assert_eq!(table.texts[empty as usize], "");
        assert_eq!(table.texts[prefix as usize], "Read");
        let both = table.section(&headings);
        let first = table.section(&headings[..1]);
        let none = table.section(&headings[..0]);
        let named = |id: u32| -> Vec<&str> {
            table.sections[id as usize]
                .iter()
                .map(|&t| table.texts[t as usize])
                .collect()
        };
        assert_eq!(named(both), ["Courses", "Reading"]);
        assert_eq!(named(first), ["Courses"]);
        assert!(named(none).is_empty());
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
        let time = git::to_datetime(1_607_299_200 + i64::from(n) * 86_400, 0);
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
            blobs: vec![git::BlobContent {
                id: blob,
                path: path.to_string(),
                bytes: text.as_bytes().to_vec(),
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
            .map(|e| (e.title.clone(), e.order))
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
        let (old, new) = (&first.post.tasks, &second.post.tasks);
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

    #[test]
    fn the_unchanged_list_shortcut_agrees_with_the_full_diff() {
        let old = [task("Read WaveNet", false), task("CS242 HW 3", true)];
        let mut moved_lines = old.clone();
        moved_lines[1].line = 9;
        let shortcut = diff_tasks(&old, &moved_lines);
        let full = events::diff(&old, &moved_lines);
        assert_eq!(shortcut.pairs, full.pairs);
        assert!(shortcut.changes.is_empty() && full.changes.is_empty());

        let ticked = [task("Read WaveNet", true), task("CS242 HW 3", true)];
        let diff = diff_tasks(&old, &ticked);
        assert_eq!(diff.changes.len(), 1);
        assert_eq!(diff.changes[0].kind, EventKind::Checked);
    }
}
