//! The cache's record of a post's life and of the fold's tip: how an [`Engine`] is written
//! out a post at a time and read back, whole or in part.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::core::delta::ObjectId;
use crate::core::fold::{Engine, PostsState, Slot, StoredLife, UNREAD};
use crate::core::history::{PostLife, PostVersion, TaskEvent, TaskId, TaskLife};
use crate::core::model::{CommitInfo, DateSource, Due, EventKind, Mark, Post, Task, Warning};
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
    pub fn into_life(self, post: usize, task_count: usize) -> Result<StoredLife, Error> {
        let commits: Vec<Arc<CommitInfo>> = self
            .commits
            .into_iter()
            .map(|c| Arc::new(c.into_info()))
            .collect();
        let commit = |i: u32| {
            commits
                .get(i as usize)
                .cloned()
                .ok_or(Error::Snapshot("commit index"))
        };
        // Tasks that share a text in the record share one copy of it when read back, as in
        // the engine that wrote it.
        let tables =
            TextTables::read(self.texts, self.sections).ok_or(Error::Snapshot("heading index"))?;
        let mut versions = Vec::with_capacity(self.versions.len());
        for v in self.versions {
            if v.task_ids.len() != v.tasks.len() || v.task_ids.iter().any(|&t| t >= task_count) {
                return Err(Error::Snapshot("task ids of a version"));
            }
            let read = v
                .tasks
                .into_iter()
                .map(|t| tables.task(t))
                .collect::<Option<Vec<Task>>>()
                .ok_or(Error::Snapshot("text or section index"))?;
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
                return Err(Error::Snapshot("task id"));
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
    let versions = posts.get(post).map_or(Vec::new(), |life| {
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
        .filter_map(|id| lives.get(id.0))
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
