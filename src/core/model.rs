//! The plain types every pipeline stage shares: a post as read, its tasks, commits and task events.
//!
//! git2, pulldown-cmark and notify types never leave the module that uses them; they are
//! converted into these at the edge, so the stages in the middle stay pure and easy to test.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

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
    /// Points the title, note and section at `kept`'s copies where they are equal: the
    /// versions of a post hold one copy of the text they keep.
    pub fn share_text_of(&mut self, kept: &Task) {
        if self.title == kept.title {
            self.title = Arc::clone(&kept.title);
        }
        if self.note == kept.note {
            self.note = Arc::clone(&kept.note);
        }
        if self.section == kept.section {
            self.section = Arc::clone(&kept.section);
        }
    }

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
/// A list read whole is one run that moves nothing. Over a history, read
/// [`TaskList::contents`] (to compare and count) or [`TaskList::placed_refs`] (positions without
/// copies); [`TaskList::placed_slice`] is for one version (the current one, a parsed file), and
/// copies the tasks when they are in runs.
#[derive(Clone, Default)]
pub struct TaskList {
    runs: Vec<TaskRun>,
    len: usize,
}

/// How many runs a list read back from the cache may have before its tasks are gathered into
/// one ([`TaskList::gather_if_scattered`]): a big post has fewer chunks than this.
pub const MAX_KEPT_RUNS: usize = 128;

/// Part of a shared task slice in a [`TaskList`], and what places it: a chunk's tasks, or
/// (read back from the cache) tasks a version kept from the one before.
#[derive(Clone, Debug)]
struct TaskRun {
    tasks: Arc<[Task]>,
    /// The part of `tasks` in the list, and the index in the list of its first task. Four
    /// bytes each: a big post's thousands of versions hold a run per chunk each.
    start: u32,
    end: u32,
    first: u32,
    /// Added to a stored task's line, marker bytes and parent index to place it (a chunk's
    /// tasks count from the chunk; a kept task moves with what changed above it).
    lines: i32,
    bytes: i32,
    parents: i32,
}

impl TaskRun {
    /// A run of `tasks[part]` placed so; none when a figure does not fit the run's fields
    /// (more tasks or bytes than a post can have).
    fn new(
        tasks: Arc<[Task]>,
        part: Range<usize>,
        first: usize,
        (lines, bytes, parents): (isize, isize, isize),
    ) -> Option<TaskRun> {
        Some(TaskRun {
            start: u32::try_from(part.start).ok()?,
            end: u32::try_from(part.end).ok()?,
            first: u32::try_from(first).ok()?,
            lines: i32::try_from(lines).ok()?,
            bytes: i32::try_from(bytes).ok()?,
            parents: i32::try_from(parents).ok()?,
            tasks,
        })
    }

    fn first(&self) -> usize {
        self.first as usize
    }

    fn part(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    fn shifts(&self) -> (isize, isize, isize) {
        (
            self.lines as isize,
            self.bytes as isize,
            self.parents as isize,
        )
    }

    fn place(&self, task: &Task) -> Task {
        let (line, marker, parent) = self.position(task);
        Task {
            line,
            marker,
            parent,
            ..task.clone()
        }
    }

    /// The stored task's line, marker and parent, placed. The shifts were checked against
    /// every task of the part when the run was made, so nothing here leaves the range.
    fn position(&self, task: &Task) -> (usize, Range<usize>, Option<usize>) {
        let moved = |value: usize, by: i32| value.wrapping_add_signed(by as isize);
        (
            moved(task.line, self.lines),
            moved(task.marker.start, self.bytes)..moved(task.marker.end, self.bytes),
            task.parent.map(|p| moved(p, self.parents)),
        )
    }

    fn tasks(&self) -> &[Task] {
        &self.tasks[self.part()]
    }

    /// Whether the run is all of its tasks, placed where they stand.
    fn moves_nothing(&self) -> bool {
        (self.lines, self.bytes, self.parents) == (0, 0, 0)
            && self.first == 0
            && self.part() == (0..self.tasks.len())
    }
}

impl TaskList {
    /// A list of tasks placed already.
    pub fn placed_already(tasks: Vec<Task>) -> TaskList {
        let mut list = TaskList::default();
        list.push_placed(tasks);
        list
    }

    /// Adds a chunk's tasks, read with positions counted from the chunk, which starts after
    /// `lines` lines and `bytes` bytes of the file. Only on a list of runs.
    pub fn push_run(&mut self, tasks: Arc<[Task]>, lines: usize, bytes: usize) {
        if tasks.is_empty() {
            return;
        }
        let first = self.len;
        let shifts = (
            isize::try_from(lines).unwrap_or(isize::MAX),
            isize::try_from(bytes).unwrap_or(isize::MAX),
            isize::try_from(first).unwrap_or(isize::MAX),
        );
        match TaskRun::new(Arc::clone(&tasks), 0..tasks.len(), first, shifts) {
            Some(run) => {
                self.len += tasks.len();
                self.runs.push(run);
            }
            // Beyond any post's size: placed one by one.
            None => self.push_placed(
                tasks
                    .iter()
                    .map(|task| Task {
                        line: task.line.saturating_add(lines),
                        marker: task.marker.start.saturating_add(bytes)
                            ..task.marker.end.saturating_add(bytes),
                        parent: task.parent.map(|p| p.saturating_add(first)),
                        ..task.clone()
                    })
                    .collect(),
            ),
        }
    }

    /// Copies the tasks into one run of their own when they are spread over more than
    /// [`MAX_KEPT_RUNS`] runs. Each version read back from the cache keeps ranges of the one
    /// before, so a post edited a thousand times would end up in a thousand pieces, each
    /// version's list longer to make and to read than its tasks.
    pub fn gather_if_scattered(&mut self) {
        if self.runs.len() > MAX_KEPT_RUNS {
            let tasks: Vec<Task> = self.iter_placed().collect();
            self.runs.clear();
            self.len = 0;
            self.push_placed(tasks);
        }
    }

    /// Lets go of room for runs not added: a list is made once and kept for the whole
    /// history, and a vector grown run by run holds up to twice the runs it has (a megabyte
    /// over a blog's ten thousand versions).
    pub fn shrink_to_fit(&mut self) {
        self.runs.shrink_to_fit();
    }

    /// Adds tasks placed already, as a run of their own.
    pub fn push_placed(&mut self, tasks: Vec<Task>) {
        if tasks.is_empty() {
            return;
        }
        let count = tasks.len();
        // A run counts its tasks in four bytes: more than four thousand million tasks would
        // take hundreds of gigabytes to read, so no list gets here with that many.
        if let Some(run) = TaskRun::new(tasks.into(), 0..count, self.len, (0, 0, 0)) {
            self.len += count;
            self.runs.push(run);
        }
    }

    /// How many runs [`TaskList::push_kept`] adds for `count` tasks from index `from`: one
    /// for each run of this list they lie in.
    pub fn runs_kept(&self, from: usize, count: usize) -> usize {
        if count == 0 {
            return 0;
        }
        let to = from.saturating_add(count);
        let last = self.runs.partition_point(|r| r.first() < to);
        let first = self.runs.partition_point(|r| r.first() <= from);
        (last + 1).saturating_sub(first)
    }

    /// How many runs hold the tasks.
    pub fn run_count(&self) -> usize {
        self.runs.len()
    }

    /// Room for `additional` more runs: a list read back from the cache is made run by run,
    /// and a big post's hundreds of versions would each grow theirs several times over.
    pub fn reserve_runs(&mut self, additional: usize) {
        self.runs.reserve_exact(additional);
    }

    /// Adds `count` tasks of `before` from index `from`, with lines moved by `lines`, marker
    /// bytes by `bytes` and parents by as many places as the tasks move: the tasks are shared
    /// with `before`, not copied. None, adding nothing, when that range is not in `before` or
    /// a task would be moved out of the range of an index (a damaged cache).
    pub fn push_kept(
        &mut self,
        before: &TaskList,
        from: usize,
        count: usize,
        lines: i64,
        bytes: i64,
    ) -> Option<()> {
        let to = from.checked_add(count).filter(|&to| to <= before.len)?;
        let lines = isize::try_from(lines).ok()?;
        let bytes = isize::try_from(bytes).ok()?;
        let moved_by = isize::try_from(self.len).ok()? - isize::try_from(from).ok()?;
        let runs_before = self.runs.len();
        let runs = &before.runs;
        let first = self.len;
        let piece = |at: usize| -> Option<TaskRun> {
            let run = runs.get(runs.partition_point(|r| r.first() <= at).checked_sub(1)?)?;
            let part = run.part();
            let start = part.start + (at - run.first());
            let end = part.end.min(start + (to - at));
            let (run_lines, run_bytes, run_parents) = run.shifts();
            let shifts = (
                run_lines.checked_add(lines)?,
                run_bytes.checked_add(bytes)?,
                run_parents.checked_add(moved_by)?,
            );
            let kept = TaskRun::new(
                Arc::clone(&run.tasks),
                start..end,
                first + (at - from),
                shifts,
            )?;
            let fits = |value: usize, by: isize| value.checked_add_signed(by).is_some();
            // Nothing moves a run kept where it was (a box ticked, a goal added below it):
            // a big post's hundreds of versions need not each read every task again.
            let all_fit = shifts == (0, 0, 0)
                || kept.tasks().iter().all(|task| {
                    fits(task.line, shifts.0)
                        && fits(task.marker.start, shifts.1)
                        && fits(task.marker.end, shifts.1)
                        && task.parent.is_none_or(|p| fits(p, shifts.2))
                });
            (all_fit && end > start).then_some(kept)
        };
        let mut at = from;
        while at < to {
            match piece(at) {
                Some(kept) => {
                    at += kept.part().len();
                    self.runs.push(kept);
                }
                None => {
                    // Nothing is added when any piece is refused.
                    self.runs.truncate(runs_before);
                    return None;
                }
            }
        }
        self.len += count;
        Some(())
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
        self.runs.iter().flat_map(|run| run.tasks().iter())
    }

    /// [`TaskList::contents`] gathered, to index and slice.
    pub fn content_refs(&self) -> Vec<&Task> {
        let mut refs = Vec::with_capacity(self.len);
        refs.extend(self.contents());
        refs
    }

    /// Task `index`'s contents, unplaced (see [`TaskList::contents`]).
    pub fn content(&self, index: usize) -> Option<&Task> {
        let run = self.run_of(index)?;
        run.tasks().get(index - run.first())
    }

    /// Task `index`, placed.
    pub fn placed(&self, index: usize) -> Option<Task> {
        let run = self.run_of(index)?;
        run.tasks()
            .get(index - run.first())
            .map(|task| run.place(task))
    }

    /// Every task, placed.
    pub fn iter_placed(&self) -> impl Iterator<Item = Task> + '_ {
        self.runs
            .iter()
            .flat_map(|run| run.tasks().iter().map(|task| run.place(task)))
    }

    /// The tasks placed, for one version: borrowed when the list is one run that moves
    /// nothing (a post read whole), else a copy. Over a history read
    /// [`TaskList::placed_refs`], which copies nothing.
    pub fn placed_slice(&self) -> std::borrow::Cow<'_, [Task]> {
        match self.runs.as_slice() {
            [] => std::borrow::Cow::Borrowed(&[]),
            [run] if run.moves_nothing() => std::borrow::Cow::Borrowed(run.tasks()),
            _ => std::borrow::Cow::Owned(self.iter_placed().collect()),
        }
    }

    /// Every task with its place, borrowing the rest: what placing costs without copies.
    pub fn placed_refs(&self) -> impl Iterator<Item = PlacedTask<'_>> {
        self.runs.iter().flat_map(|run| {
            run.tasks().iter().map(move |task| {
                let (line, marker, parent) = run.position(task);
                PlacedTask {
                    task,
                    line,
                    marker,
                    parent,
                }
            })
        })
    }

    /// The tasks placed, as a vector of their own.
    pub fn into_vec(self) -> Vec<Task> {
        self.iter_placed().collect()
    }

    /// The placed tasks to change, when the list is one run that moves nothing and shares
    /// its tasks with no other list (a post just read whole).
    pub fn placed_mut(&mut self) -> Option<&mut [Task]> {
        match self.runs.as_mut_slice() {
            [run] if run.moves_nothing() => Arc::get_mut(&mut run.tasks),
            _ => None,
        }
    }

    fn run_of(&self, index: usize) -> Option<&TaskRun> {
        let after = self.runs.partition_point(|run| run.first() <= index);
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

    #[test]
    fn the_runs_a_kept_range_adds_are_counted_before_it_is_added() {
        // The cache reader reserves room for a version's runs from this count: it must be
        // the number push_kept adds, for every range of a list of runs of several sizes.
        let mut before = TaskList::default();
        for (n, size) in [3usize, 1, 4, 2].into_iter().enumerate() {
            let tasks: Vec<Task> = (0..size)
                .map(|i| task(&format!("t{n}.{i}"), i + 1, 10 * i, None))
                .collect();
            before.push_run(tasks.into(), 20 * n, 200 * n);
        }
        assert_eq!(before.run_count(), 4);
        for from in 0..=before.len() {
            for count in 0..=before.len() - from {
                let mut list = TaskList::default();
                list.push_kept(&before, from, count, 0, 0).unwrap();
                assert_eq!(
                    list.run_count(),
                    before.runs_kept(from, count),
                    "{from}+{count}"
                );
            }
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
        assert_eq!(&*list.placed_slice(), expected.as_slice());
        // Placed once, the runs still read the same.
        assert_eq!(list.iter_placed().collect::<Vec<_>>(), expected);
        assert_eq!(list.clone().into_vec(), expected);
        assert_eq!(list, TaskList::from(expected));
    }

    /// A version read back from the cache keeps a range of the version before that spans two
    /// of its runs, moved up two lines and six bytes and one place: shared, placed as a copy
    /// moved so would be, and refused when the move would leave the range of an index.
    #[test]
    fn kept_tasks_are_shared_and_placed_as_moved() {
        let mut before = TaskList::default();
        before.push_run(vec![task("a", 1, 2, None)].into(), 3, 40);
        before.push_run(
            vec![task("b", 1, 2, None), task("c", 2, 12, Some(0))].into(),
            9,
            100,
        );
        let placed_before: Vec<Task> = before.iter_placed().collect();

        let mut after = TaskList::default();
        after.push_placed(vec![task("new", 1, 0, None)]);
        after.push_kept(&before, 0, 3, -2, -6).expect("in range");
        let moved: Vec<Task> = placed_before
            .iter()
            .map(|t| Task {
                line: t.line - 2,
                marker: t.marker.start - 6..t.marker.end - 6,
                parent: t.parent.map(|p| p + 1),
                ..t.clone()
            })
            .collect();
        let mut expected = vec![task("new", 1, 0, None)];
        expected.extend(moved);
        assert_eq!(after.iter_placed().collect::<Vec<_>>(), expected);
        assert_eq!(&*after.placed_slice(), expected.as_slice());
        assert!(std::ptr::eq(
            after.content(1).unwrap(),
            before.content(0).unwrap()
        ));

        let mut refused = TaskList::default();
        assert_eq!(refused.push_kept(&before, 1, 3, 0, 0), None, "past the end");
        assert_eq!(
            refused.push_kept(&before, 0, 1, -5, 0),
            None,
            "line before 1"
        );
        // `c` without `b`, its parent, kept at the start: the parent would be at -1.
        assert_eq!(
            refused.push_kept(&before, 2, 1, 0, 0),
            None,
            "parent before 0"
        );
        assert!(refused.is_empty());
    }

    /// Two hundred versions, each keeping all but one task of the one before: the pieces are
    /// gathered before they pass the limit, and every version reads as its tasks.
    #[test]
    fn a_list_kept_piece_by_piece_is_gathered_and_reads_the_same() {
        let numbered = |i: usize| task(&format!("task {i}"), i + 1, 10 * i, None);
        let mut list = TaskList::default();
        list.push_placed((0..300).map(numbered).collect());
        let mut most_runs = 0;
        for edit in 0..200 {
            let at = (edit * 37) % 298 + 1;
            let replacement = task(&format!("edit {edit}"), at + 1, 10 * at, None);
            let mut expected: Vec<Task> = list.iter_placed().collect();
            expected[at] = replacement.clone();

            let mut next = TaskList::default();
            next.push_kept(&list, 0, at, 0, 0).expect("in range");
            next.push_placed(vec![replacement]);
            next.push_kept(&list, at + 1, 300 - at - 1, 0, 0)
                .expect("in range");
            next.gather_if_scattered();
            most_runs = most_runs.max(next.runs.len());
            assert_eq!(
                next.iter_placed().collect::<Vec<_>>(),
                expected,
                "edit {edit}"
            );
            list = next;
        }
        assert!(most_runs <= MAX_KEPT_RUNS, "{most_runs} runs");
    }
}
