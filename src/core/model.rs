//! The plain types every pipeline stage shares: a post as read, its tasks, commits and task events.
//!
//! git2, pulldown-cmark and notify types never leave the module that uses them; they are
//! converted into these at the edge, so the stages in the middle stay pure and easy to test.

use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a task's box says: `[ ]`, `[x]`, and the two statuses bullet journals and Obsidian
/// Tasks add, `[-]` and `[>]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    #[default]
    Open,
    Done,
    /// `[-]`: decided against; counted apart from open and done.
    Cancelled,
    /// `[>]`: moved on to a later list on purpose (an explicit carry-over).
    Forwarded,
}

/// One task-list item in one version of a post.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Plain-text title without markup, rating or note: what identifies the task over time.
    /// Shared: the versions of a post that keep a task's title hold one copy of it.
    pub title: Arc<str>,
    /// Plain text written after the title (notes appended while working); empty when none.
    pub note: Arc<str>,
    pub checked: bool,
    /// The `N` of an `N/5` rating written at the end of the title, when there is one.
    pub confidence: Option<u8>,
    /// The chain of headings above the task, outermost first, as plain text; shared like
    /// the title.
    pub section: Arc<[String]>,
    /// Index, in the post's task list, of the task this one is nested under.
    pub parent: Option<usize>,
    /// 1-based line of the checkbox marker.
    pub line: usize,
    /// Byte range of the `[ ]` / `[x]` marker in the source.
    pub marker: Range<usize>,
    /// The box as written; `checked` is true exactly when this is [`Mark::Done`].
    pub mark: Mark,
    /// Obsidian Tasks' done date, `✅ YYYY-MM-DD`: when present it is the day the task was
    /// done, whatever the date of the commit that ticked it.
    pub done_date: Option<NaiveDate>,
    /// Obsidian Tasks' due date for this task alone, `📅 YYYY-MM-DD`.
    pub due: Option<NaiveDate>,
}

impl Task {
    /// The section as people write it: `Papers > CS294 week 1` (empty above the first heading).
    pub fn section_path(&self) -> String {
        self.section.join(" > ")
    }
}

/// A version's task list. A big post's versions share the tasks of the chunks they have in
/// common ([`crate::core::chunks`]): a run holds one chunk's tasks with their positions
/// counted from the chunk, and the list places them (line, marker and parent moved by where
/// the chunk now starts). Two thousand versions of a 700-task post would otherwise hold 1.4
/// million tasks, nearly all the same.
///
/// As a slice (`Deref`) it is the placed tasks, made on first use and kept: right for one
/// version (the current one, a parsed file), wasteful over every version of a history, which
/// reads [`TaskList::contents`] or [`TaskList::placed`] instead.
#[derive(Clone, Default)]
pub struct TaskList {
    runs: Vec<TaskRun>,
    len: usize,
    placed: OnceLock<Vec<Task>>,
}

/// One chunk's tasks in a [`TaskList`], and what places them.
#[derive(Clone, Debug)]
struct TaskRun {
    /// Lines count from 1 at the chunk's first line, markers from its first byte, parents
    /// index this run.
    tasks: Arc<[Task]>,
    /// Index in the list of the run's first task.
    first: usize,
    /// Lines above the chunk.
    lines: usize,
    /// Bytes of the file before the chunk.
    bytes: usize,
}

impl TaskRun {
    fn place(&self, task: &Task) -> Task {
        Task {
            line: task.line + self.lines,
            marker: task.marker.start + self.bytes..task.marker.end + self.bytes,
            parent: task.parent.map(|p| p + self.first),
            ..task.clone()
        }
    }
}

impl TaskList {
    /// A list of tasks placed already.
    pub fn placed_already(tasks: Vec<Task>) -> TaskList {
        TaskList {
            runs: Vec::new(),
            len: tasks.len(),
            placed: OnceLock::from(tasks),
        }
    }

    /// Adds a chunk's tasks, read with positions counted from the chunk, which starts after
    /// `lines` lines and `bytes` bytes of the file. Only on a list of runs.
    pub fn push_run(&mut self, tasks: Arc<[Task]>, lines: usize, bytes: usize) {
        debug_assert!(self.placed.get().is_none(), "runs on a placed list");
        if tasks.is_empty() {
            return;
        }
        let first = self.len;
        self.len += tasks.len();
        self.runs.push(TaskRun {
            tasks,
            first,
            lines,
            bytes,
        });
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Each task's title, note, box, rating, section and dates, in order, without placing it:
    /// its `line`, `marker` and `parent` may count from its chunk. For comparing versions and
    /// counting; [`TaskList::placed`] has the positions.
    pub fn contents(&self) -> impl DoubleEndedIterator<Item = &Task> + Clone {
        let (placed, runs) = self.parts();
        placed
            .iter()
            .chain(runs.iter().flat_map(|run| run.tasks.iter()))
    }

    /// Task `index`'s contents, unplaced (see [`TaskList::contents`]).
    pub fn content(&self, index: usize) -> Option<&Task> {
        match self.run_of(index) {
            Some(run) => run.tasks.get(index - run.first),
            None => self.parts().0.get(index),
        }
    }

    /// Task `index`, placed.
    pub fn placed(&self, index: usize) -> Option<Task> {
        match self.run_of(index) {
            Some(run) => run.tasks.get(index - run.first).map(|task| run.place(task)),
            None => self.parts().0.get(index).cloned(),
        }
    }

    /// Every task, placed, without keeping the placed list.
    pub fn iter_placed(&self) -> impl Iterator<Item = Task> + '_ {
        let (placed, runs) = self.parts();
        placed.iter().cloned().chain(
            runs.iter()
                .flat_map(|run| run.tasks.iter().map(|task| run.place(task))),
        )
    }

    /// The list's tasks placed already, or its runs: a list of runs keeps them even once a
    /// placed copy is made.
    fn parts(&self) -> (&[Task], &[TaskRun]) {
        if self.runs.is_empty() {
            (self.placed.get().map_or(&[], Vec::as_slice), &[])
        } else {
            (&[], &self.runs)
        }
    }

    /// Every task with its place, borrowing the rest: what placing costs without copies.
    pub fn placed_refs(&self) -> impl Iterator<Item = PlacedTask<'_>> {
        let (placed, runs) = self.parts();
        placed
            .iter()
            .map(PlacedTask::as_is)
            .chain(runs.iter().flat_map(|run| {
                run.tasks.iter().map(move |task| PlacedTask {
                    task,
                    line: task.line + run.lines,
                    marker: task.marker.start + run.bytes..task.marker.end + run.bytes,
                    parent: task.parent.map(|p| p + run.first),
                })
            }))
    }

    /// The tasks placed, as a vector of their own.
    pub fn into_vec(self) -> Vec<Task> {
        match self.placed.into_inner() {
            Some(tasks) => tasks,
            None if self.runs.is_empty() => Vec::new(),
            None => {
                let mut tasks = Vec::with_capacity(self.len);
                for run in &self.runs {
                    tasks.extend(run.tasks.iter().map(|task| run.place(task)));
                }
                tasks
            }
        }
    }

    /// The placed tasks to change, when the list holds them placed (not in shared runs).
    pub fn placed_mut(&mut self) -> Option<&mut Vec<Task>> {
        if self.runs.is_empty() {
            self.placed.get_mut()
        } else {
            None
        }
    }

    fn run_of(&self, index: usize) -> Option<&TaskRun> {
        if self.runs.is_empty() {
            return None;
        }
        let after = self.runs.partition_point(|run| run.first <= index);
        self.runs.get(after.checked_sub(1)?)
    }
}

/// A task of a [`TaskList`] with its place in the file: the task's own `line`, `marker` and
/// `parent` may count from its chunk; these do not.
#[derive(Debug, Clone)]
pub struct PlacedTask<'a> {
    pub task: &'a Task,
    pub line: usize,
    pub marker: Range<usize>,
    pub parent: Option<usize>,
}

impl<'a> PlacedTask<'a> {
    /// A task whose own place is its place.
    pub fn as_is(task: &'a Task) -> PlacedTask<'a> {
        PlacedTask {
            task,
            line: task.line,
            marker: task.marker.clone(),
            parent: task.parent,
        }
    }
}

impl std::ops::Deref for TaskList {
    type Target = [Task];

    fn deref(&self) -> &[Task] {
        self.placed.get_or_init(|| {
            let mut tasks = Vec::with_capacity(self.len);
            for run in &self.runs {
                tasks.extend(run.tasks.iter().map(|task| run.place(task)));
            }
            tasks
        })
    }
}

/// The placed tasks (made and kept on first use, as for `Deref`).
impl<'a> IntoIterator for &'a TaskList {
    type Item = &'a Task;
    type IntoIter = std::slice::Iter<'a, Task>;

    fn into_iter(self) -> Self::IntoIter {
        std::ops::Deref::deref(self).iter()
    }
}

impl From<Vec<Task>> for TaskList {
    fn from(tasks: Vec<Task>) -> TaskList {
        TaskList::placed_already(tasks)
    }
}

impl FromIterator<Task> for TaskList {
    fn from_iter<I: IntoIterator<Item = Task>>(tasks: I) -> TaskList {
        TaskList::placed_already(tasks.into_iter().collect())
    }
}

impl PartialEq for TaskList {
    fn eq(&self, other: &TaskList) -> bool {
        self.len == other.len && self.iter_placed().eq(other.iter_placed())
    }
}

impl Eq for TaskList {}

impl fmt::Debug for TaskList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter_placed()).finish()
    }
}

impl Serialize for TaskList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter_placed())
    }
}

impl<'de> Deserialize<'de> for TaskList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TaskList, D::Error> {
        Vec::<Task>::deserialize(deserializer).map(TaskList::placed_already)
    }
}

/// Where a post's date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    FrontMatter,
    Filename,
    FirstCommit,
}

/// Where a post's due date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueSource {
    /// `due:` or `deadline:` in the front matter.
    FrontMatter,
    /// A "by DATE" phrase in the prose before the first task.
    Text,
    /// The date of the next goals post (history only).
    NextPost,
    /// The post's date plus seven days (history only).
    DatePlusWeek,
}

/// A post's due date and the evidence for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    pub date: NaiveDate,
    pub source: DueSource,
    /// The words it was read from, e.g. `by 12/12/2020`, when it came from the text.
    pub evidence: Option<String>,
}

/// A problem in the input that did not stop the work: it names the file, and the line or
/// commit when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub file: String,
    pub line: Option<usize>,
    pub commit: Option<String>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(commit) = &self.commit {
            // A warning about a commit rather than a file names just the commit.
            let space = if self.file.is_empty() { "" } else { " " };
            write!(f, "{space}(commit {})", short_id(commit))?;
        }
        write!(f, ": {}", self.message)
    }
}

/// One version of a goals post, as read from its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    pub title: Option<String>,
    /// The post's own date: front matter, else the `YYYY-MM-DD-` filename prefix.
    pub date: Option<NaiveDate>,
    pub date_source: Option<DateSource>,
    /// Front matter `due`/`deadline`, else a "by DATE" phrase; history fills in the rest.
    pub due: Option<Due>,
    pub tasks: TaskList,
    pub warnings: Vec<Warning>,
}

/// A commit as the history stages need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    /// Full hex object id.
    pub id: String,
    /// Author time in the author's own offset: when the change was made, even after a rebase.
    pub time: DateTime<FixedOffset>,
    pub summary: String,
}

impl CommitInfo {
    pub fn short_id(&self) -> &str {
        short_id(&self.id)
    }
}

/// The 7-character abbreviation people see in `git log --oneline`.
pub fn short_id(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// What happened to a task between two versions of its post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Added,
    Checked,
    Unchecked,
    /// The title changed, but it is still the same task.
    Edited,
    /// The section changed.
    Moved,
    Removed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Added => "added",
            EventKind::Checked => "checked",
            EventKind::Unchecked => "unchecked",
            EventKind::Edited => "edited",
            EventKind::Moved => "moved",
            EventKind::Removed => "removed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(title: &str, line: usize, start: usize, parent: Option<usize>) -> Task {
        Task {
            title: title.into(),
            line,
            marker: start..start + 3,
            parent,
            ..Task::default()
        }
    }

    /// Two chunks' runs, the second shared by a later version that has a new first chunk:
    /// every way of reading a task gives the same placed task.
    #[test]
    fn a_list_of_shared_runs_reads_the_same_every_way() {
        let first: Arc<[Task]> = vec![task("a", 1, 2, None)].into();
        let second: Arc<[Task]> = vec![task("b", 1, 2, None), task("c", 2, 12, Some(0))].into();
        let mut list = TaskList::default();
        list.push_run(Arc::clone(&first), 3, 40);
        list.push_run(Arc::new([]), 5, 50);
        list.push_run(Arc::clone(&second), 9, 100);
        let expected = vec![
            task("a", 4, 42, None),
            task("b", 10, 102, None),
            task("c", 11, 112, Some(1)),
        ];
        assert_eq!(list.len(), 3);
        assert_eq!(list.iter_placed().collect::<Vec<_>>(), expected);
        assert_eq!((0..4).map(|i| list.placed(i)).collect::<Vec<_>>(), {
            let mut some: Vec<_> = expected.iter().cloned().map(Some).collect();
            some.push(None);
            some
        });
        let refs: Vec<(usize, Range<usize>, Option<usize>)> = list
            .placed_refs()
            .map(|p| (p.line, p.marker, p.parent))
            .collect();
        let wanted: Vec<_> = expected
            .iter()
            .map(|t| (t.line, t.marker.clone(), t.parent))
            .collect();
        assert_eq!(refs, wanted);
        let titles: Vec<&str> = list.contents().map(|t| &*t.title).collect();
        assert_eq!(titles, ["a", "b", "c"]);
        assert_eq!(
            list.content(2).map(|t| t.line),
            Some(2),
            "contents stay unplaced"
        );
        assert_eq!(&*list, expected.as_slice());
        // Placed once, the runs still read the same.
        assert_eq!(list.iter_placed().collect::<Vec<_>>(), expected);
        assert_eq!(list.clone().into_vec(), expected);
        assert_eq!(list, TaskList::from(expected));
    }
}
