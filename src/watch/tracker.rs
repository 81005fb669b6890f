//! The watcher's memory of the repository: the HEAD it last saw, the events it has printed,
//! what each post looked like in the work tree. Turns "HEAD moved" and "a post was saved" into
//! lines of output. git2 stays inside this file.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use chrono::{DateTime, FixedOffset};
use git2::{
    Delta, DiffFindOptions, DiffOptions, ErrorCode, ObjectType, Oid, Repository, Sort, Tree,
};

use super::paths::Scope;
use super::{Line, Progress, TaskEvent, WatchError};
use crate::events;
use crate::model::{EventKind, Post};
use crate::tally;

/// Parsed versions kept between batches; a week's posts are a handful of blobs, a rebase
/// over old history may touch many, so the cache is emptied past this size.
const PARSE_CACHE_LIMIT: usize = 1024;

/// Where HEAD points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Head {
    oid: Option<Oid>,
    branch: Option<String>,
}

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
pub struct Tracker {
    repo: Repository,
    scope: Scope,
    head: Head,
    /// Events that left HEAD's history in a rewrite (or were in the old line of a branch
    /// switch), counted by key: printed or known already, so the new history's copies of them
    /// are not printed again.
    known: HashMap<EventKey, usize>,
    /// Posts saved in the work tree since the watch began, by repository path.
    saved: HashMap<String, Saved>,
    blobs: Blobs,
}

impl Tracker {
    pub fn new(repo: Repository, scope: &Scope) -> Result<Self, WatchError> {
        let head = resolve_head(&repo).map_err(WatchError::git("cannot read HEAD"))?;
        Ok(Tracker {
            repo,
            scope: scope.clone(),
            head,
            known: HashMap::new(),
            saved: HashMap::new(),
            blobs: Blobs::default(),
        })
    }

    /// HEAD's commit id and branch, for the ready line.
    pub fn head_summary(&self) -> (Option<String>, Option<String>) {
        (
            self.head.oid.map(|oid| oid.to_string()),
            self.head.branch.clone(),
        )
    }

    /// Looks at HEAD; when it moved, adds the events of the commits new in its history (and a
    /// rewrite line when the old HEAD is not in it). A failure is reported on stderr and the
    /// watch goes on: the next batch looks again.
    pub fn check_head(&mut self, lines: &mut Vec<Line>) {
        let now = match resolve_head(&self.repo) {
            Ok(head) => head,
            Err(error) => {
                eprintln!("gitgoals watch: cannot read HEAD: {}", error.message());
                return;
            }
        };
        if now.oid == self.head.oid {
            // `git checkout -b` or a branch rename: same commits, nothing to say.
            self.head = now;
            return;
        }
        let old = std::mem::replace(&mut self.head, now);
        if let Err(error) = self.head_moved(&old, lines) {
            eprintln!(
                "gitgoals watch: cannot read the history from {} to {}: {}",
                old.oid.map_or("nothing".to_string(), |o| o.to_string()),
                self.head
                    .oid
                    .map_or("nothing".to_string(), |o| o.to_string()),
                error.message()
            );
        }
        self.refresh_live();
        if self.blobs.parsed.len() > PARSE_CACHE_LIMIT {
            self.blobs.parsed.clear();
        }
    }

    fn head_moved(&mut self, old: &Head, lines: &mut Vec<Line>) -> Result<(), git2::Error> {
        let new = self.head.clone();
        let base = match (old.oid, new.oid) {
            (Some(o), Some(n)) => match self.repo.merge_base(o, n) {
                Ok(base) => Some(base),
                Err(error) if error.code() == ErrorCode::NotFound => None,
                Err(error) => return Err(error),
            },
            _ => None,
        };
        let fast_forward = old.oid.is_none() || base == old.oid;
        let gained = self.commits(new.oid, base)?;
        if !fast_forward {
            let lost = self.commits(old.oid, base)?;
            lines.push(Line::Rewrite {
                from: old.oid.map(|o| o.to_string()),
                to: new.oid.map(|o| o.to_string()),
                base: base.map(|o| o.to_string()),
                branch: new.branch.clone(),
                commits_dropped: lost.len(),
                commits_new: gained.len(),
            });
            for oid in lost {
                for event in commit_events(&self.repo, &self.scope, &mut self.blobs, oid)? {
                    *self.known.entry(EventKey::of(&event)).or_default() += 1;
                }
            }
        }
        let mut touched = BTreeSet::new();
        for oid in gained {
            for event in commit_events(&self.repo, &self.scope, &mut self.blobs, oid)? {
                let key = EventKey::of(&event);
                if let Some(count) = self.known.get_mut(&key).filter(|c| **c > 0) {
                    *count -= 1;
                    continue;
                }
                touched.insert(event.post.clone());
                lines.push(Line::Event(event));
            }
        }
        self.known.retain(|_, count| *count > 0);
        if let Some(head) = new.oid {
            for post in touched {
                if let Some(progress) = self.committed_progress(head, &post)? {
                    lines.push(Line::Progress(progress));
                }
            }
        }
        Ok(())
    }

    /// Commits reachable from `tip` and not from `base`, parents before children.
    fn commits(&self, tip: Option<Oid>, base: Option<Oid>) -> Result<Vec<Oid>, git2::Error> {
        let Some(tip) = tip else {
            return Ok(Vec::new());
        };
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        walk.push(tip)?;
        if let Some(base) = base {
            walk.hide(base)?;
        }
        walk.collect()
    }

    /// The id of the post's blob in commit `head`, zero when the post is not there.
    fn blob_at(&self, head: Oid, path: &str) -> Result<Oid, git2::Error> {
        let tree = self.repo.find_commit(head)?.tree()?;
        match tree.get_path(Path::new(path)) {
            Ok(entry) if entry.kind() == Some(ObjectType::Blob) => Ok(entry.id()),
            Ok(_) => Ok(Oid::ZERO_SHA1),
            Err(error) if error.code() == ErrorCode::NotFound => Ok(Oid::ZERO_SHA1),
            Err(error) => Err(error),
        }
    }

    fn committed_progress(
        &mut self,
        head: Oid,
        path: &str,
    ) -> Result<Option<Progress>, git2::Error> {
        let id = self.blob_at(head, path)?;
        if id.is_zero() {
            // The post was deleted by the commit: its removals were the news.
            return Ok(None);
        }
        let post = self.blobs.parse(&self.repo, id, path)?;
        Ok(Some(progress(path, &post, Some(head), None)))
    }

    /// A post was written in the work tree: its uncommitted events against HEAD and its live
    /// progress, when they differ from what was last shown.
    pub fn post_saved(&mut self, workdir: &Path, path: &str, lines: &mut Vec<Line>) {
        if let Err(error) = self.compare_with_head(workdir, path, lines) {
            eprintln!(
                "gitgoals watch: cannot compare {path} with HEAD: {}",
                error.message()
            );
        }
    }

    fn compare_with_head(
        &mut self,
        workdir: &Path,
        path: &str,
        lines: &mut Vec<Line>,
    ) -> Result<(), git2::Error> {
        let head_id = match self.head.oid {
            Some(head) => self.blob_at(head, path)?,
            None => Oid::ZERO_SHA1,
        };
        let bytes = match std::fs::read(workdir.join(path)) {
            Ok(bytes) => bytes,
            // Deleted, or renamed away: a post that was never committed leaves nothing to
            // compare, one that was is shown with all its tasks removed.
            Err(_) if head_id.is_zero() => {
                self.saved.remove(path);
                return Ok(());
            }
            Err(_) => Vec::new(),
        };
        let work_id = Oid::hash_object(ObjectType::Blob, &bytes)?;
        if self
            .saved
            .get(path)
            .is_some_and(|saved| saved.id == work_id)
        {
            return Ok(());
        }
        let head_post = self.blobs.parse(&self.repo, head_id, path)?;
        let work_post = if work_id == head_id {
            Rc::clone(&head_post)
        } else {
            Rc::new(crate::post::parse(path, &bytes))
        };
        let mut events = Vec::new();
        push_events(path, &head_post, &work_post, None, &mut events);
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
                self.head.oid,
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
        let Some(head) = self.head.oid else {
            return;
        };
        let dirty: Vec<String> = self
            .saved
            .iter()
            .filter(|(_, saved)| !saved.shown.is_empty())
            .map(|(path, _)| path.clone())
            .collect();
        for path in dirty {
            let head_post = match self
                .blob_at(head, &path)
                .and_then(|id| self.blobs.parse(&self.repo, id, &path))
            {
                Ok(post) => post,
                Err(_) => continue,
            };
            if let Some(saved) = self.saved.get_mut(&path) {
                let mut events = Vec::new();
                push_events(&path, &head_post, &saved.post, None, &mut events);
                saved.shown = events.iter().map(EventKey::of).collect();
            }
        }
    }
}

/// A post as last seen in the work tree.
struct Saved {
    /// Its blob id: a save that wrote the same bytes (a touch, gitgoals' own rewrite of a file
    /// back to what it was) is nothing new.
    id: Oid,
    post: Rc<Post>,
    /// The uncommitted events it showed against HEAD, as last printed.
    shown: HashSet<EventKey>,
}

/// The task events one commit made. A merge's own events are those it shows against every
/// parent: what came in from the merged branch was that branch's commits' doing, and was
/// counted with them.
fn commit_events(
    repo: &Repository,
    scope: &Scope,
    blobs: &mut Blobs,
    oid: Oid,
) -> Result<Vec<TaskEvent>, git2::Error> {
    let commit = repo.find_commit(oid)?;
    let tree = commit.tree()?;
    let stamp = Stamp {
        id: oid.to_string(),
        time: author_time(&commit),
    };
    let parents: Vec<Tree> = commit
        .parents()
        .map(|parent| parent.tree())
        .collect::<Result<_, _>>()?;
    let Some((first, others)) = parents.split_first() else {
        return tree_events(repo, scope, blobs, None, &tree, &stamp);
    };
    let mut events = tree_events(repo, scope, blobs, Some(first), &tree, &stamp)?;
    for other in others {
        let mut theirs: HashMap<EventKey, usize> = HashMap::new();
        for event in tree_events(repo, scope, blobs, Some(other), &tree, &stamp)? {
            *theirs.entry(EventKey::of(&event)).or_default() += 1;
        }
        events.retain(|event| match theirs.get_mut(&EventKey::of(event)) {
            Some(count) if *count > 0 => {
                *count -= 1;
                true
            }
            _ => false,
        });
    }
    Ok(events)
}

/// Task events between two trees, over the posts in scope; a post renamed (a draft
/// published) keeps its tasks and is reported under its new path.
fn tree_events(
    repo: &Repository,
    scope: &Scope,
    blobs: &mut Blobs,
    old: Option<&Tree>,
    new: &Tree,
    stamp: &Stamp,
) -> Result<Vec<TaskEvent>, git2::Error> {
    let mut options = DiffOptions::new();
    for dir in scope.dirs() {
        options.pathspec(dir);
    }
    let mut diff = repo.diff_tree_to_tree(old, Some(new), Some(&mut options))?;
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
    let mut changed = Vec::new();
    for delta in diff.deltas() {
        let old_file = delta.old_file();
        let new_file = delta.new_file();
        let path = match delta.status() {
            Delta::Deleted => old_file.path(),
            _ => new_file.path(),
        };
        let Some(path) = path.and_then(Path::to_str) else {
            continue;
        };
        if !scope.contains(path) {
            continue;
        }
        changed.push((path.to_string(), old_file.id(), new_file.id()));
    }
    let mut events = Vec::new();
    for (path, old_id, new_id) in changed {
        let before = blobs.parse(repo, old_id, &path)?;
        let after = blobs.parse(repo, new_id, &path)?;
        push_events(&path, &before, &after, Some(stamp), &mut events);
    }
    Ok(events)
}

/// Parsed versions of blobs, so a blob seen in several diffs is read once.
#[derive(Default)]
struct Blobs {
    parsed: HashMap<Oid, Rc<Post>>,
}

impl Blobs {
    /// A blob parsed as a post; the zero id (no such file on that side) is an empty post.
    fn parse(&mut self, repo: &Repository, id: Oid, path: &str) -> Result<Rc<Post>, git2::Error> {
        if id.is_zero() {
            return Ok(Rc::default());
        }
        if let Some(post) = self.parsed.get(&id) {
            return Ok(Rc::clone(post));
        }
        let blob = repo.find_blob(id)?;
        let post = Rc::new(crate::post::parse(path, blob.content()));
        self.parsed.insert(id, Rc::clone(&post));
        Ok(post)
    }
}

/// Where a committed event comes from.
struct Stamp {
    id: String,
    time: Option<DateTime<FixedOffset>>,
}

/// Appends the events between two versions of the post at `path`.
fn push_events(
    path: &str,
    before: &Post,
    after: &Post,
    stamp: Option<&Stamp>,
    out: &mut Vec<TaskEvent>,
) {
    let diff = events::diff(&before.tasks, &after.tasks);
    if diff.changes.is_empty() {
        return;
    }
    let title = post_title(path, after, before);
    for change in diff.changes {
        let old = change.old.and_then(|i| before.tasks.get(i));
        let new = change.new.and_then(|i| after.tasks.get(i));
        let Some(task) = new.or(old) else {
            continue;
        };
        let previous = match (change.kind, old) {
            (EventKind::Edited, Some(old)) => Some(old.title.clone()),
            (EventKind::Moved, Some(old)) => Some(old.section_path()),
            _ => None,
        };
        out.push(TaskEvent {
            kind: change.kind,
            post: path.to_string(),
            title: title.clone(),
            task: task.title.clone(),
            section: task.section_path(),
            previous,
            commit: stamp.map(|s| s.id.clone()),
            time: stamp.and_then(|s| s.time),
            uncommitted: stamp.is_none(),
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
    head: Option<Oid>,
    uncommitted: Option<(usize, usize)>,
) -> Progress {
    let overall = tally::overall(&post.tasks);
    let (ticks, changes) = uncommitted.unwrap_or((0, 0));
    Progress {
        post: path.to_string(),
        title: post_title(path, post, post),
        done: overall.done,
        total: overall.total,
        completion: crate::report::round3(overall.ratio()),
        uncommitted: uncommitted.is_some(),
        uncommitted_ticks: ticks,
        uncommitted_changes: changes,
        commit: head.map(|o| o.to_string()),
    }
}

fn resolve_head(repo: &Repository) -> Result<Head, git2::Error> {
    match repo.head() {
        Ok(head) => Ok(Head {
            oid: head.target(),
            branch: if head.is_branch() {
                head.shorthand().ok().map(str::to_string)
            } else {
                None
            },
        }),
        Err(error) if matches!(error.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
            let branch = repo
                .find_reference("HEAD")
                .ok()
                .and_then(|head| head.symbolic_target().ok().flatten().map(str::to_string))
                .map(|target| {
                    target
                        .strip_prefix("refs/heads/")
                        .unwrap_or(&target)
                        .to_string()
                });
            Ok(Head { oid: None, branch })
        }
        Err(error) => Err(error),
    }
}

/// The author time in the author's own offset; `None` for a date out of range.
fn author_time(commit: &git2::Commit) -> Option<DateTime<FixedOffset>> {
    let when = commit.author().when();
    let offset = FixedOffset::east_opt(when.offset_minutes() * 60)?;
    DateTime::from_timestamp(when.seconds(), 0).map(|t| t.with_timezone(&offset))
}
