//! The cache's record of a post's life and of the fold's tip: how an [`Engine`] is written
//! out a post at a time and read back, whole or in part.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::core::delta::ObjectId;
use crate::core::fold::{Engine, PostsState, Slot, StoredLife, UNREAD};
use crate::core::history::{PostLife, PostVersion, TaskEvent, TaskId, TaskLife};
use crate::core::model::{
    CommitInfo, DateSource, Due, EventKind, Mark, PlacedTask, Post, Task, TaskList, Warning,
};
use crate::error::Error;

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
        let utc = crate::core::dates::to_datetime(self.seconds, 0);
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
/// Each version's tasks are written as a delta against the version before ([`TaskRun`]): an
/// edit changes a few lines of a post, so most of a version is runs of the tasks before it,
/// moved down or up by the lines and bytes the edit added or took away. A big post has
/// thousands of versions of hundreds of tasks; decoding the runs is a copy of the version
/// before, not a decode of every task of every version.
///
/// Generic over how text, due dates and warnings are held, so that one layout serves both
/// ways: [`LifeRecordView`] borrows from the engine to be written without copying, and
/// [`LifeRecord`] owns what was read back.
#[derive(Debug, Serialize, Deserialize)]
pub struct LifeParts<S, D, W> {
    commits: Vec<CommitRecord<S>>,
    /// Every distinct title, note and heading of the post's new tasks, once: most of a
    /// version repeats the one before it.
    texts: Vec<S>,
    /// Every distinct section, as indices into `texts`, once.
    sections: Vec<Vec<u32>>,
    versions: Vec<VersionRecord<S, D, W>>,
    /// Each task of the post: its id and its events.
    tasks: Vec<(usize, Vec<EventRecord<S>>)>,
}

/// One version: the [`Post`] as read, its tasks as runs kept from the version before and
/// tasks new to it.
#[derive(Debug, Serialize, Deserialize)]
struct VersionRecord<S, D, W> {
    commit: u32,
    order: usize,
    path: S,
    title: Option<S>,
    date: Option<chrono::NaiveDate>,
    date_source: Option<DateSource>,
    due: Option<D>,
    warnings: W,
    tasks: Vec<TaskRun>,
}

impl VersionRecord<String, Due, Vec<Warning>> {
    /// The version read back, its kept runs shared with `before`, the version read just
    /// before it.
    fn into_version(
        self,
        before: Option<&PostVersion>,
        tables: &TextTables,
        commit: &dyn Fn(u32) -> Result<Arc<CommitInfo>, Error>,
        task_count: usize,
    ) -> Result<PostVersion, Error> {
        let (tasks, task_ids) = read_runs(self.tasks, before, tables, task_count)?;
        Ok(PostVersion {
            commit: commit(self.commit)?,
            order: self.order,
            path: PostVersion::path_after(before, &self.path),
            post: Arc::new(Post {
                title: self.title,
                date: self.date,
                date_source: self.date_source,
                due: self.due,
                tasks,
                warnings: self.warnings,
            }),
            task_ids,
        })
    }
}

/// The versions of a stored life up to the first one committed after `until` (a commit's
/// topological index), from its record's bytes: what the carry matcher reads of the week
/// before a post ([`crate::core::ledger`]'s `carry_sides` reads this week's post as it stood
/// when the next was first committed). Only those versions are decoded, not the rest of the
/// record: the hook reads the week before the staged post this way, and for a week whose
/// next post was begun early that is a version or two of thousands. Every version up to
/// `until` is there; the events of the tasks are not read.
pub fn versions_until(
    bytes: &[u8],
    task_count: usize,
    until: usize,
) -> Result<Vec<PostVersion>, Error> {
    let damaged = |_| Error::Snapshot("post record");
    let (commits, rest): (Vec<CommitRecord<String>>, _) =
        postcard::take_from_bytes(bytes).map_err(damaged)?;
    let (texts, rest): (Vec<String>, _) = postcard::take_from_bytes(rest).map_err(damaged)?;
    let (sections, rest): (Vec<Vec<u32>>, _) = postcard::take_from_bytes(rest).map_err(damaged)?;
    // A sequence is its length, as a variable-length integer, then its items.
    let (count, mut rest): (u64, _) = postcard::take_from_bytes(rest).map_err(damaged)?;
    let commits = Commits::of(commits);
    let commit = |i: u32| commits.get(i);
    let tables = TextTables::read(texts, sections).ok_or(Error::Snapshot("heading index"))?;
    let mut versions: Vec<PostVersion> = Vec::new();
    for _ in 0..count {
        let (v, after): (VersionRecord<String, Due, Vec<Warning>>, _) =
            postcard::take_from_bytes(rest).map_err(damaged)?;
        rest = after;
        if v.order > until {
            break;
        }
        let version = v.into_version(versions.last(), &tables, &commit, task_count)?;
        versions.push(version);
    }
    Ok(versions)
}

/// A stretch of a version's task list, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum TaskRun {
    /// `count` tasks that read as the ones from index `from` of the version before, with
    /// their ids: only their lines and marker bytes moved, by `lines` and `bytes`, and their
    /// parents' indices by as much as their own (what an edit above them does).
    Kept {
        from: u32,
        count: u32,
        lines: i64,
        bytes: i64,
    },
    /// A task that reads otherwise than any task before it at its place: its id and itself.
    New { id: usize, task: StoredTask },
}

/// A [`Task`] with its title, note and section as indices into the record's tables
/// ([`TextTable`] writes them, [`TextTables`] reads them back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub type LifeRecordView<'a> = LifeParts<&'a str, &'a Due, &'a [Warning]>;

/// A post's life as read back from storage.
pub type LifeRecord = LifeParts<String, Due, Vec<Warning>>;

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
        self.placed_task(&PlacedTask::as_is(task))
    }

    fn placed_task(&mut self, placed: &PlacedTask<'a>) -> StoredTask {
        let task = placed.task;
        StoredTask {
            title: self.text(&task.title),
            note: self.text(&task.note),
            section: self.section(&task.section),
            checked: task.checked,
            confidence: task.confidence,
            parent: placed.parent,
            line: placed.line,
            marker: placed.marker.clone(),
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

/// A record's commits, read once and shared by the versions and events that name them by
/// index.
struct Commits(Vec<Arc<CommitInfo>>);

impl Commits {
    fn of(records: Vec<CommitRecord<String>>) -> Commits {
        Commits(
            records
                .into_iter()
                .map(|c| Arc::new(c.into_info()))
                .collect(),
        )
    }

    /// Commit `index`; an error when the record names one it does not hold (damage).
    fn get(&self, index: u32) -> Result<Arc<CommitInfo>, Error> {
        self.0
            .get(index as usize)
            .cloned()
            .ok_or(Error::Snapshot("commit index"))
    }
}

impl LifeRecord {
    /// The life stored, checked against the number of tasks the engine had.
    pub fn into_life(self, post: usize, task_count: usize) -> Result<StoredLife, Error> {
        let commits = Commits::of(self.commits);
        let commit = |i: u32| commits.get(i);
        // Tasks that share a text in the record share one copy of it when read back, as in
        // the engine that wrote it.
        let tables =
            TextTables::read(self.texts, self.sections).ok_or(Error::Snapshot("heading index"))?;
        let mut versions: Vec<PostVersion> = Vec::with_capacity(self.versions.len());
        for v in self.versions {
            let version = v.into_version(versions.last(), &tables, &commit, task_count)?;
            versions.push(version);
        }
        let mut tasks = Vec::with_capacity(self.tasks.len());
        for (id, events) in self.tasks {
            if id >= task_count {
                return Err(Error::Snapshot("task id"));
            }
            let mut lived = Vec::with_capacity(events.len());
            for e in events {
                lived.push(TaskEvent {
                    kind: e.kind,
                    commit: commit(e.commit)?,
                    order: e.order,
                    title: e.title.into(),
                    previous_title: e.previous_title.map(Arc::from),
                    from_section: e.from_section.map(Arc::from),
                    to_section: e.to_section.map(Arc::from),
                });
            }
            tasks.push(TaskLife {
                id: TaskId::at(id),
                post,
                events: lived,
            });
        }
        Ok(StoredLife { versions, tasks })
    }
}

/// `value` moved by `by`; none when that leaves the range of an index.
fn shifted(value: usize, by: i64) -> Option<usize> {
    value.checked_add_signed(isize::try_from(by).ok()?)
}

/// How far `to` is from `from`; none when that does not fit a stored shift.
fn shift(from: usize, to: usize) -> Option<i64> {
    i64::try_from(to as i128 - from as i128).ok()
}

/// Whether task `new` at index `j` reads as `old` at index `i` of the version before does,
/// moved as a kept run moves it ([`TaskList::push_kept`]): exactly what reading the run back
/// gives.
fn reads_as(
    old: &PlacedTask,
    i: usize,
    new: &PlacedTask,
    j: usize,
    lines: i64,
    bytes: i64,
) -> bool {
    // Every field named: a field added to `Task` must be compared here too, or a changed task
    // would be stored as kept and read back as it was. The place is the placed task's.
    let Task {
        title,
        note,
        checked,
        confidence,
        section,
        parent: _,
        line: _,
        marker: _,
        mark,
        done_date,
        due,
    } = new.task;
    let (parent, line, marker) = (new.parent, new.line, &new.marker);
    let old_task = old.task;
    let same_text = |a: &Arc<str>, b: &Arc<str>| Arc::ptr_eq(a, b) || a == b;
    let parent_fits = match (old.parent, parent) {
        (None, None) => true,
        (Some(p), Some(q)) => p as i128 + j as i128 - i as i128 == q as i128,
        _ => false,
    };
    parent_fits
        && shifted(old.line, lines) == Some(line)
        && shifted(old.marker.start, bytes) == Some(marker.start)
        && shifted(old.marker.end, bytes) == Some(marker.end)
        && old_task.checked == *checked
        && old_task.mark == *mark
        && old_task.confidence == *confidence
        && old_task.done_date == *done_date
        && old_task.due == *due
        && same_text(&old_task.title, title)
        && same_text(&old_task.note, note)
        && (Arc::ptr_eq(&old_task.section, section) || old_task.section == *section)
}

/// How many tasks past the last one kept [`task_runs`] looks at before it looks the task up
/// by id: an edit removes or rewrites a task or two.
const NEAR_CURSOR: usize = 4;

/// Version `version`'s tasks as runs against `before`, the version written just before it
/// (none for the first). A task is looked for where the run going on would put it, else
/// a little past the last task kept (tasks removed or rewritten in between), else at its
/// own index, else by its id.
fn task_runs<'a>(
    (old_tasks, old_ids): (&[PlacedTask<'a>], &[TaskId]),
    (new_tasks, new_ids): (&[PlacedTask<'a>], &[TaskId]),
    table: &mut TextTable<'a>,
) -> Vec<TaskRun> {
    // The version before's ids, sorted with their indices, built at the first task that
    // is found nowhere near where it was.
    let mut by_id: Option<Vec<(TaskId, usize)>> = None;
    let mut runs: Vec<TaskRun> = Vec::new();
    // The index in the version before just past the last task kept.
    let mut cursor = 0;
    for (j, (task, &id)) in new_tasks.iter().zip(new_ids).enumerate() {
        if let Some(TaskRun::Kept {
            from,
            count,
            lines,
            bytes,
        }) = runs.last_mut()
        {
            let i = *from as usize + *count as usize;
            if old_ids.get(i) == Some(&id)
                && *count < u32::MAX
                && old_tasks
                    .get(i)
                    .is_some_and(|old| reads_as(old, i, task, j, *lines, *bytes))
            {
                *count += 1;
                cursor = i + 1;
                continue;
            }
        }
        let i = (cursor..cursor + NEAR_CURSOR)
            .chain([j])
            .find(|&i| old_ids.get(i) == Some(&id))
            .or_else(|| {
                let sorted = by_id.get_or_insert_with(|| {
                    let mut sorted: Vec<(TaskId, usize)> =
                        old_ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
                    sorted.sort_unstable();
                    sorted
                });
                let at = sorted.partition_point(|&(other, _)| other < id);
                sorted
                    .get(at)
                    .filter(|&&(other, _)| other == id)
                    .map(|&(_, i)| i)
            });
        let run = i.and_then(|i| {
            let old = old_tasks.get(i)?;
            let lines = shift(old.line, task.line)?;
            let bytes = shift(old.marker.start, task.marker.start)?;
            let from = u32::try_from(i).ok()?;
            reads_as(old, i, task, j, lines, bytes).then_some(TaskRun::Kept {
                from,
                count: 1,
                lines,
                bytes,
            })
        });
        match run {
            Some(run) => {
                cursor = i.map_or(cursor, |i| i + 1);
                runs.push(run);
            }
            None => runs.push(TaskRun::New {
                id: id.index(),
                task: table.placed_task(task),
            }),
        }
    }
    runs
}

/// A version's tasks and their ids read back from `runs` against `before`, the version read
/// just before it (none for the first).
fn read_runs(
    runs: Vec<TaskRun>,
    before: Option<&PostVersion>,
    tables: &TextTables,
    task_count: usize,
) -> Result<(TaskList, Vec<TaskId>), Error> {
    let damaged = || Error::Snapshot("task runs of a version");
    let empty = TaskList::default();
    let (old_tasks, old_ids): (&TaskList, &[TaskId]) =
        before.map_or((&empty, &[]), |b| (&b.post.tasks, &b.task_ids));
    // Room for the version as the runs say; a damaged count cannot ask for more than a few
    // copies of the version before.
    let length: usize = runs
        .iter()
        .map(|run| match run {
            TaskRun::Kept { count, .. } => *count as usize,
            TaskRun::New { .. } => 1,
        })
        .fold(0, usize::saturating_add)
        .min(2 * old_tasks.len() + runs.len());
    // Kept tasks are shared with the version before, not copied: a big post's thousands of
    // versions read back as one copy of each task, like the history they were written from.
    let mut tasks = TaskList::default();
    // A run for each run of the version before that a kept range lies in, and one for each
    // stretch of new tasks.
    let mut new_stretch = false;
    let mut room = 0usize;
    for run in &runs {
        match run {
            TaskRun::Kept { from, count, .. } => {
                room = room
                    .saturating_add(usize::from(std::mem::take(&mut new_stretch)))
                    .saturating_add(old_tasks.runs_kept(*from as usize, *count as usize));
            }
            TaskRun::New { .. } => new_stretch = true,
        }
    }
    room = room.saturating_add(usize::from(new_stretch));
    // A damaged record cannot ask for more than the runs the version before has, each once.
    tasks.reserve_runs(room.min(runs.len().saturating_mul(2) + old_tasks.run_count()));
    let mut new_tasks: Vec<Task> = Vec::new();
    let mut ids = Vec::with_capacity(length);
    for run in runs {
        match run {
            TaskRun::Kept {
                from,
                count,
                lines,
                bytes,
            } => {
                let from = from as usize;
                let to = from.checked_add(count as usize).ok_or_else(damaged)?;
                let kept_ids = old_ids.get(from..to).ok_or_else(damaged)?;
                tasks.push_placed(std::mem::take(&mut new_tasks));
                tasks
                    .push_kept(old_tasks, from, count as usize, lines, bytes)
                    .ok_or_else(damaged)?;
                ids.extend_from_slice(kept_ids);
            }
            TaskRun::New { id, task } => {
                if id >= task_count {
                    return Err(Error::Snapshot("task ids of a version"));
                }
                new_tasks.push(
                    tables
                        .task(task)
                        .ok_or(Error::Snapshot("text or section index"))?,
                );
                ids.push(TaskId::at(id));
            }
        }
    }
    tasks.push_placed(new_tasks);
    tasks.gather_if_scattered();
    tasks.shrink_to_fit();
    Ok((tasks, ids))
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

/// Post `post`'s life as a record, borrowed from the post lives and task lives it is among
/// (an engine's, or a history's once the engine became one); `tasks` are its tasks.
pub fn life_record<'a>(
    posts: &'a [PostLife],
    lives: &'a [TaskLife],
    post: usize,
    tasks: &[TaskId],
) -> LifeRecordView<'a> {
    let mut commits = Interner::<CommitInfo>::new();
    let mut table = TextTable::default();
    // Each version placed once, as the version after it's base and as itself.
    let mut before: (Vec<PlacedTask>, &[TaskId]) = (Vec::new(), &[]);
    let versions = posts.get(post).map_or(Vec::new(), |life| {
        life.versions
            .iter()
            .map(|v| {
                let placed: Vec<PlacedTask> = v.post.tasks.placed_refs().collect();
                let tasks = task_runs((&before.0, before.1), (&placed, &v.task_ids), &mut table);
                before = (placed, &v.task_ids);
                VersionRecord {
                    commit: commits.id(&v.commit),
                    order: v.order,
                    path: &*v.path,
                    title: v.post.title.as_deref(),
                    date: v.post.date,
                    date_source: v.post.date_source,
                    due: v.post.due.as_ref(),
                    warnings: v.post.warnings.as_slice(),
                    tasks,
                }
            })
            .collect()
    });
    let tasks = tasks
        .iter()
        .filter_map(|id| lives.get(id.index()))
        .map(|life| {
            let events = life
                .events
                .iter()
                .map(|e| EventRecord {
                    kind: e.kind,
                    commit: commits.id(&e.commit),
                    order: e.order,
                    title: &*e.title,
                    previous_title: e.previous_title.as_deref(),
                    from_section: e.from_section.as_deref(),
                    to_section: e.to_section.as_deref(),
                })
                .collect();
            (life.id.index(), events)
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

impl Engine {
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
    pub fn partial(tip: TipParts, lives: Vec<PostLife>) -> Result<Engine, Error> {
        let mut state = PostsState::with_capacity(tip.tip_state.len());
        for (path, post, version, blob) in tip.tip_state {
            let fits = lives.get(post as usize).is_some_and(|l: &PostLife| {
                l.versions.is_empty() || (version as usize) < l.versions.len()
            });
            if !fits {
                return Err(Error::Snapshot("a post at the tip"));
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
                id: TaskId::at(id),
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
    ) -> Result<Engine, Error> {
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
                return Err(Error::Snapshot("a post's life"));
            }
        }
        if engine.tasks.len() != task_count || engine.tasks.iter().any(|t| t.post == UNREAD) {
            return Err(Error::Snapshot("a task without a post"));
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

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "_posts/2020-12-07-week-1.md";

    /// An engine fed one commit per text, each a version of one post.
    fn engine_of(texts: &[String]) -> Engine {
        let mut engine = Engine::new();
        for (n, text) in texts.iter().enumerate() {
            let n = u8::try_from(n + 1).unwrap();
            let parents: &[u8] = if n == 1 { &[] } else { &[n - 1] };
            engine.feed(crate::core::fold::tests::delta(
                n,
                parents,
                1,
                PATH,
                text,
                n == 1,
            ));
        }
        engine
    }

    /// The post's record as written, read back as stored bytes are.
    fn read_back(engine: &Engine) -> (LifeRecord, StoredLife) {
        let tasks = engine.tasks_by_post();
        let record = life_record(engine.lives(), engine.task_lives(), 0, &tasks[0]);
        let bytes = postcard::to_allocvec(&record).unwrap();
        let record: LifeRecord = postcard::from_bytes(&bytes).unwrap();
        let again: LifeRecord = postcard::from_bytes(&bytes).unwrap();
        let life = again.into_life(0, engine.tasks.len()).unwrap();
        (record, life)
    }

    fn assert_same_life(engine: &Engine, life: &StoredLife) {
        assert_eq!(
            format!("{:?}", life.versions),
            format!("{:?}", engine.lives()[0].versions)
        );
        let tasks: Vec<&TaskLife> = engine.tasks.iter().filter(|t| t.post == 0).collect();
        assert_eq!(format!("{:?}", life.tasks), format!("{tasks:?}"));
    }

    #[test]
    fn a_record_of_many_versions_reads_back_as_the_engine_held_it() {
        // A post that grows over 150 commits: a note line above the list now and then (every
        // task below moves), a task ticked, a title edited, a nested task added, one removed.
        let mut texts = Vec::new();
        let mut intro = String::new();
        let mut items: Vec<String> = (0..40).map(|i| format!("- [ ] Goal {i}\n")).collect();
        for n in 0..150usize {
            match n % 5 {
                0 => intro.push_str(&format!("Note {n}.\n\n")),
                1 => items[n % 40] = items[n % 40].replace("[ ]", "[x]"),
                2 => items[(n * 7) % 40] = format!("- [ ] Goal {} (renamed {n})\n", (n * 7) % 40),
                3 => items.insert(n % 30 + 1, format!("  - [ ] Step {n}\n")),
                _ => {
                    items.remove((n * 3) % items.len());
                }
            }
            texts.push(format!("# Week\n\n{intro}{}", items.concat()));
        }
        let engine = engine_of(&texts);
        assert_eq!(engine.lives()[0].versions.len(), 150);
        let (record, life) = read_back(&engine);
        assert_same_life(&engine, &life);
        // Most tasks are written once: the later versions are runs of the ones before.
        let new: usize = record
            .versions
            .iter()
            .flat_map(|v| &v.tasks)
            .filter(|run| matches!(run, TaskRun::New { .. }))
            .count();
        let all: usize = engine.lives()[0]
            .versions
            .iter()
            .map(|v| v.post.tasks.len())
            .sum();
        assert!(new * 20 < all, "{new} tasks written new out of {all}");
    }

    #[test]
    fn a_version_that_reorders_edits_and_inserts_tasks_reads_back_exactly() {
        let texts = [
            "- [ ] Read WaveNet\n- [ ] CS242 HW 3\n  - [ ] Part a\n  - [ ] Part b\n- [ ] Gym\n"
                .to_string(),
            // A line above, the last task moved first, one ticked, one title edited, one
            // step added at the end.
            "Plan:\n\n- [ ] Gym\n- [x] Read WaveNet\n- [ ] CS242 HW 3\n  - [ ] Part a\n  - [ ] Part b, with tests\n  - [ ] Setup\n"
                .to_string(),
        ];
        let engine = engine_of(&texts);
        let (record, life) = read_back(&engine);
        assert_same_life(&engine, &life);
        let second = &record.versions[1].tasks;
        // "Gym" moved from index 4 to 0, two lines up.
        assert!(
            matches!(
                second[0],
                TaskRun::Kept {
                    from: 4,
                    count: 1,
                    lines: -2,
                    ..
                }
            ),
            "{second:?}"
        );
        // The ticked task, the edited title and the new step are written anew; "CS242 HW 3"
        // and "Part a" are one run, the child's parent index moved with it.
        let kinds: Vec<&str> = second
            .iter()
            .map(|run| match run {
                TaskRun::Kept { .. } => "kept",
                TaskRun::New { .. } => "new",
            })
            .collect();
        assert_eq!(kinds, ["kept", "new", "kept", "new", "new"]);
        assert!(matches!(second[2], TaskRun::Kept { count: 2, .. }));
        let part_a = life.versions[1].post.tasks.placed(3).expect("four tasks");
        assert_eq!((&*part_a.title, part_a.parent), ("Part a", Some(2)));
    }

    #[test]
    fn a_run_that_points_past_the_version_before_is_refused() {
        let engine = engine_of(&["- [ ] a\n".to_string(), "x\n\n- [ ] a\n".to_string()]);
        let (mut record, _) = read_back(&engine);
        assert!(matches!(record.versions[1].tasks[0], TaskRun::Kept { .. }));
        record.versions[1].tasks[0] = TaskRun::Kept {
            from: 0,
            count: 2,
            lines: 2,
            bytes: 3,
        };
        assert!(record.into_life(0, engine.tasks.len()).is_err());
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
}
