//! The watcher's memory of the repository: the HEAD it last saw, the events it has printed,
//! what each post looked like in the work tree. Turns "HEAD moved" and "a post was saved" into
//! lines of output. What it asks of the repository goes through [`crate::git::live`].

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use super::{Line, Progress, TaskEvent, git_error};
use crate::core::delta::ObjectId;
use crate::core::history::{self, History, PostLife, TaskId};
use crate::core::model::{EventKind, Post, Task};
use crate::core::post::ParseOptions;
use crate::core::tally;
use crate::error::Error;
use crate::git::blob_id;
use crate::git::live::HeadRef;
use crate::git::read::HistoryOptions;
use crate::session::Session;
use crate::{core::events, git};

/// Parsed versions kept between batches; a week's posts are a handful of blobs, a rebase
/// over old history may touch many, so the cache is emptied past this size.
const PARSE_CACHE_LIMIT: usize = 1024;

/// What an event says, without where it was committed: the same tick re-created by an amend
/// or a rebase has the same key, so it is not printed twice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EventKey {
    post: String,
    kind: EventKind,
    task: String,
    previous: Option<String>,
}

impl EventKey {
    fn of(event: &TaskEvent) -> Self {
        EventKey {
            post: event.post.clone(),
            kind: event.kind,
            task: event.task.clone(),
            previous: event.previous.clone(),
        }
    }
}

/// The watcher's state; see the module docs.
pub struct Tracker<'a> {
    head: HeadRef,
    /// The repository, as the session opened it; the history engine is fed its new commits
    /// as HEAD moves.
    git: &'a git::Repo,
    engine: crate::core::fold::Engine,
    /// The engine's place before the last commits it folded in: an amend of them is taken
    /// back to here and folded anew, not read from the first commit again.
    checkpoint: Option<crate::core::fold::Checkpoint>,
    history_options: HistoryOptions,
    /// How many times each event occurs in the engine's current history.
    current: HashMap<EventKey, usize>,
    /// The most times each event occurred in any history seen since the watch began: an
    /// event is news only beyond that.
    shown: HashMap<EventKey, usize>,
    /// Posts saved in the work tree since the watch began, by repository path.
    saved: HashMap<String, Saved>,
    blobs: Blobs,
}

impl<'a> Tracker<'a> {
    /// Reads the whole history once; what is in it when the watch begins is not news.
    pub fn new(session: &'a Session) -> Result<Self, Error> {
        let git = session.repo()?;
        let head = git.head_ref()?;
        // Through the cache, like every other command: a watch on a long history starts warm.
        let engine = session.engine()?;
        let history_options = session.read.clone();
        let history = engine.history();
        let mut current: HashMap<EventKey, usize> = HashMap::new();
        for (post, task, event) in events_since(&history, 0) {
            let event = task_event(&history, post, task, event);
            *current
                .entry(history_key(&history, post, &event))
                .or_default() += 1;
        }
        Ok(Tracker {
            head,
            git,
            engine,
            checkpoint: None,
            history_options,
            shown: current.clone(),
            current,
            saved: HashMap::new(),
            blobs: Blobs::default(),
        })
    }

    /// HEAD's commit id and branch, for the ready line.
    pub fn head_summary(&self) -> (Option<String>, Option<String>) {
        (
            self.head.commit.map(|id| id.to_string()),
            self.head.branch.clone(),
        )
    }

    /// Looks at HEAD; when it moved, adds the events of the commits new in its history (and a
    /// rewrite line when the old HEAD is not in it). A failure is reported on stderr and the
    /// watch goes on: the next batch looks again.
    pub fn check_head(&mut self, lines: &mut Vec<Line>) {
        let now = match self.git.head_ref() {
            Ok(head) => head,
            Err(error) => {
                eprintln!("gitgoals watch: {error}");
                return;
            }
        };
        if now.commit == self.head.commit {
            // `git checkout -b` or a branch rename: same commits, nothing to say.
            self.head = now;
            return;
        }
        let old = std::mem::replace(&mut self.head, now);
        if let Err(error) = self.head_moved(&old, lines) {
            eprintln!(
                "gitgoals watch: cannot read the history from {} to {}: {}",
                old.commit.map_or("nothing".to_string(), |o| o.to_string()),
                self.head
                    .commit
                    .map_or("nothing".to_string(), |o| o.to_string()),
                error.report()
            );
        }
        self.refresh_live();
        if self.blobs.parsed.len() > PARSE_CACHE_LIMIT {
            self.blobs.parsed.clear();
        }
    }

    fn head_moved(&mut self, old: &HeadRef, lines: &mut Vec<Line>) -> Result<(), Error> {
        let new = self.head.clone();
        let base = match (old.commit, new.commit) {
            (Some(o), Some(n)) => self
                .git
                .merge_base(o, n)
                .map_err(git_error("cannot find where the histories part"))?,
            _ => None,
        };
        if old.commit.is_some() && base != old.commit {
            let count = |tip| {
                self.commits(tip, base)
                    .map(|c| c.len())
                    .map_err(git_error("cannot walk the history"))
            };
            lines.push(Line::Rewrite {
                from: old.commit.map(|o| o.to_string()),
                to: new.commit.map(|o| o.to_string()),
                base: base.map(|o| o.to_string()),
                branch: new.branch.clone(),
                commits_dropped: count(old.commit)?,
                commits_new: count(new.commit)?,
            });
        }

        // The engine feeds only the new commits when they continue its history, and reads
        // the whole history again after a rewrite, unless the rewrite (an amend) keeps the
        // place the engine stood before the commits it took back.
        let fed_before = self.engine.known_commits().len();
        let old_tip = self.engine.tip();
        if let Some(checkpoint) = self.checkpoint.take()
            && old.commit.is_some()
            && base != old.commit
            && let Some(head) = new.commit
            && self
                .git
                .is_ancestor(checkpoint.tip(), head)
                .unwrap_or(false)
        {
            self.engine.roll_back(checkpoint);
        }
        self.checkpoint = self.engine.checkpoint();
        crate::git::read::update(&mut self.engine, self.git, &self.history_options)?;
        let rebuilt = old_tip.is_some_and(|tip| !self.engine.known_commits().contains(&tip))
            || self.engine.known_commits().len() < fed_before;
        let history = self.engine.history();
        if rebuilt {
            self.current.clear();
        }
        let first = if rebuilt { 0 } else { fed_before };
        let mut touched = BTreeSet::new();
        for (post, task, event) in events_since(&history, first) {
            let event = task_event(&history, post, task, event);
            let key = history_key(&history, post, &event);
            let count = self.current.entry(key.clone()).or_default();
            *count += 1;
            let shown = self.shown.entry(key).or_default();
            // Printed only when this history holds more of it than any history shown
            // before: an amend's re-made tick, or a branch's ticks seen on an earlier
            // visit, are not news.
            if *count > *shown {
                *shown = *count;
                touched.insert(post);
                lines.push(Line::Event(event));
            }
        }
        if let Some(head) = new.commit {
            for post in touched {
                let life = &history.posts[post];
                if let (false, Some(version)) = (life.deleted, life.current()) {
                    lines.push(Line::Progress(progress(
                        &life.path,
                        &version.post,
                        Some(head),
                        None,
                    )));
                }
            }
        }
        Ok(())
    }

    /// Commits reachable from `tip` and not from `base`, parents before children.
    fn commits(
        &self,
        tip: Option<ObjectId>,
        base: Option<ObjectId>,
    ) -> Result<Vec<ObjectId>, Error> {
        match tip {
            Some(tip) => self.git.commits_between(tip, base),
            None => Ok(Vec::new()),
        }
    }

    /// A post was written in the work tree: its uncommitted events against HEAD and its live
    /// progress, when they differ from what was last shown.
    pub fn post_saved(&mut self, workdir: &Path, path: &str, lines: &mut Vec<Line>) {
        if let Err(error) = self.compare_with_head(workdir, path, lines) {
            eprintln!("gitgoals watch: cannot compare {path} with HEAD: {error}");
        }
    }

    fn compare_with_head(
        &mut self,
        workdir: &Path,
        path: &str,
        lines: &mut Vec<Line>,
    ) -> Result<(), Error> {
        let head_id = match self.head.commit {
            Some(head) => self.git.blob_id_at(head, path)?,
            None => None,
        };
        let bytes = match std::fs::read(workdir.join(path)) {
            Ok(bytes) => bytes,
            // Deleted, or renamed away: a post that was never committed leaves nothing to
            // compare, one that was is shown with all its tasks removed.
            Err(_) if head_id.is_none() => {
                self.saved.remove(path);
                return Ok(());
            }
            Err(_) => Vec::new(),
        };
        let work_id = blob_id(&bytes)?;
        if self
            .saved
            .get(path)
            .is_some_and(|saved| saved.id == work_id)
        {
            return Ok(());
        }
        let head_post = self
            .blobs
            .parse(self.git, head_id, path, &self.history_options.parse)?;
        let work_post = if head_id == Some(work_id) {
            Rc::clone(&head_post)
        } else {
            Rc::new(crate::core::post::parse_with(
                path,
                &bytes,
                &self.history_options.parse,
            ))
        };
        let mut events = Vec::new();
        push_events(path, &head_post, &work_post, &mut events);
        let shown: HashSet<EventKey> = events.iter().map(EventKey::of).collect();
        let before = self.saved.remove(path).map(|saved| saved.shown);
        let before = before.unwrap_or_default();
        if shown != before {
            let ticks = events
                .iter()
                .filter(|e| e.kind == EventKind::Checked)
                .count();
            let changes = events.len();
            for event in events {
                if !before.contains(&EventKey::of(&event)) {
                    lines.push(Line::Event(event));
                }
            }
            lines.push(Line::Progress(progress(
                path,
                &work_post,
                self.head.commit,
                Some((ticks, changes)),
            )));
        }
        self.saved.insert(
            path.to_string(),
            Saved {
                id: work_id,
                post: work_post,
                shown,
            },
        );
        Ok(())
    }

    /// After HEAD moved, the saved posts that differed from the old HEAD are compared with the
    /// new one without printing: committing the ticks shown live makes them committed, not new.
    fn refresh_live(&mut self) {
        let Some(head) = self.head.commit else {
            return;
        };
        let dirty: Vec<String> = self
            .saved
            .iter()
            .filter(|(_, saved)| !saved.shown.is_empty())
            .map(|(path, _)| path.clone())
            .collect();
        for path in dirty {
            let head_post = match self.git.blob_id_at(head, &path).and_then(|id| {
                self.blobs
                    .parse(self.git, id, &path, &self.history_options.parse)
            }) {
                Ok(post) => post,
                Err(_) => continue,
            };
            if let Some(saved) = self.saved.get_mut(&path) {
                let mut events = Vec::new();
                push_events(&path, &head_post, &saved.post, &mut events);
                saved.shown = events.iter().map(EventKey::of).collect();
            }
        }
    }
}

/// A post as last seen in the work tree.
struct Saved {
    /// Its blob id: a save that wrote the same bytes (a touch, gitgoals' own rewrite of a file
    /// back to what it was) is nothing new.
    id: ObjectId,
    post: Rc<Post>,
    /// The uncommitted events it showed against HEAD, as last printed.
    shown: HashSet<EventKey>,
}

/// Parsed versions of blobs, so a blob seen in several diffs is read once.
#[derive(Default)]
struct Blobs {
    parsed: HashMap<ObjectId, Rc<Post>>,
}

impl Blobs {
    /// A blob parsed as a post; no blob (no such file on that side) is an empty post.
    fn parse(
        &mut self,
        repo: &git::Repo,
        id: Option<ObjectId>,
        path: &str,
        options: &ParseOptions,
    ) -> Result<Rc<Post>, Error> {
        let Some(id) = id else {
            return Ok(Rc::default());
        };
        if let Some(post) = self.parsed.get(&id) {
            return Ok(Rc::clone(post));
        }
        let bytes = repo.blob_bytes(id)?;
        let post = Rc::new(crate::core::post::parse_with(path, &bytes, options));
        self.parsed.insert(id, Rc::clone(&post));
        Ok(post)
    }
}

/// Appends the uncommitted events between HEAD's version of the post at `path` and the
/// work tree's.
fn push_events(path: &str, before: &Post, after: &Post, out: &mut Vec<TaskEvent>) {
    let (before_tasks, after_tasks) = (before.tasks.placed_slice(), after.tasks.placed_slice());
    let diff = events::diff(&before_tasks, &after_tasks);
    if diff.changes.is_empty() {
        return;
    }
    let title = post_title(path, after, before);
    for change in diff.changes {
        let old = change.old.and_then(|i| before_tasks.get(i));
        let new = change.new.and_then(|i| after_tasks.get(i));
        let Some(task) = new.or(old) else {
            continue;
        };
        let previous = match (change.kind, old) {
            (EventKind::Edited, Some(old)) => Some(old.title.to_string()),
            (EventKind::Moved, Some(old)) => Some(old.section_path()),
            _ => None,
        };
        out.push(TaskEvent {
            kind: change.kind,
            post: path.to_string(),
            title: title.clone(),
            task: task.title.to_string(),
            section: task.section_path(),
            previous,
            commit: None,
            time: None,
            uncommitted: true,
        });
    }
}

/// The post's title, else the one it had, else its file name without the extension.
fn post_title(path: &str, post: &Post, earlier: &Post) -> String {
    post.title
        .clone()
        .or_else(|| earlier.title.clone())
        .unwrap_or_else(|| {
            let name = path.rsplit('/').next().unwrap_or(path);
            name.rsplit_once('.')
                .map_or(name, |(stem, _)| stem)
                .to_string()
        })
}

fn progress(
    path: &str,
    post: &Post,
    head: Option<ObjectId>,
    uncommitted: Option<(usize, usize)>,
) -> Progress {
    let overall = tally::overall(post.tasks.contents());
    let (ticks, changes) = uncommitted.unwrap_or((0, 0));
    Progress {
        post: path.to_string(),
        title: post_title(path, post, post),
        done: overall.done,
        total: overall.total,
        completion: crate::core::tally::round3(overall.ratio()),
        uncommitted: uncommitted.is_some(),
        uncommitted_ticks: ticks,
        uncommitted_changes: changes,
        commit: head.map(|o| o.to_string()),
    }
}

/// The engine's events of commits from topological index `first` on, in commit order: each
/// with the index of its post.
fn events_since(history: &History, first: usize) -> Vec<(usize, TaskId, &history::TaskEvent)> {
    let mut events: Vec<(usize, TaskId, &history::TaskEvent)> = history
        .tasks
        .iter()
        .flat_map(|life| {
            let start = life.events.partition_point(|e| e.order < first);
            life.events[start..]
                .iter()
                .map(move |e| (life.post, life.id, e))
        })
        .collect();
    events.sort_by_key(|(_, _, event)| event.order);
    events
}

/// An engine event as the watcher prints it: under the post's path and title at HEAD.
fn task_event(
    history: &History,
    post: usize,
    task: TaskId,
    event: &history::TaskEvent,
) -> TaskEvent {
    let life = &history.posts[post];
    let (title, section) = match event.kind {
        EventKind::Removed => (None, event.from_section.as_deref().map(str::to_string)),
        _ => (
            life.current().and_then(|v| v.post.title.clone()),
            // The history names the section only where the task arrived in it (added,
            // moved); for a tick it is where the task stood in that commit's version.
            event
                .to_section
                .as_deref()
                .map(str::to_string)
                .or_else(|| section_at(life, task, event.order)),
        ),
    };
    let empty = Post::default();
    let current = life.current().map_or(&empty, |v| &v.post);
    TaskEvent {
        kind: event.kind,
        post: life.path.clone(),
        title: title.unwrap_or_else(|| post_title(&life.path, current, current)),
        task: event.title.to_string(),
        section: section.unwrap_or_default(),
        previous: match event.kind {
            EventKind::Edited => event.previous_title.as_deref().map(str::to_string),
            EventKind::Moved => event.from_section.as_deref().map(str::to_string),
            _ => None,
        },
        commit: Some(event.commit.id.clone()),
        time: Some(event.commit.time),
        uncommitted: false,
    }
}

/// The section task `task` stood in, in the version of the post as of commit `order`.
fn section_at(life: &PostLife, task: TaskId, order: usize) -> Option<String> {
    let version = life.version_at(order)?;
    let index = version.task_ids.iter().position(|&id| id == task)?;
    version.post.tasks.content(index).map(Task::section_path)
}

/// An event's key in the engine's history: the post is named by its first path, which a
/// later rename (a draft published) does not change.
fn history_key(history: &History, post: usize, event: &TaskEvent) -> EventKey {
    let mut key = EventKey::of(event);
    if let Some(first) = history.posts[post].versions.first() {
        key.post = first.path.to_string();
    }
    key
}
