//! The ledger: task lives folded into weekly outcomes — planned, added mid-week, done, done by
//! the due date, carried in and out, dropped — and each task's carry chain.
//!
//! Pure over [`History`]: the definitions here are the ones the README states.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Days, NaiveDate};

use crate::history::{History, PostLife, TaskId};
use crate::matching;
use crate::model::{CommitInfo, DueSource, Mark, Task};
use crate::tally::{self, Breakdown};

/// Weekly outcomes and task records, derived from a [`History`].
#[derive(Debug, Clone)]
pub struct Ledger {
    pub head: Option<String>,
    /// Goals posts, oldest first.
    pub weeks: Vec<Week>,
    /// Every task of every goals post, in the order of `weeks`, then of first appearance.
    pub tasks: Vec<TaskRecord>,
}

/// One goals post's outcome.
#[derive(Debug, Clone)]
pub struct Week {
    /// Index into [`History::posts`].
    pub post: usize,
    pub path: String,
    pub title: String,
    pub date: NaiveDate,
    pub due: NaiveDate,
    pub due_source: DueSource,
    /// When the post's first committed version is dated after its due date, git cannot know
    /// what was done on time.
    pub first_commit_after_due: bool,
    pub tasks: usize,
    pub planned: usize,
    pub added: usize,
    pub removed: usize,
    pub done: usize,
    pub done_on_time: Option<usize>,
    /// Open: neither done nor cancelled (forwarded tasks are open here).
    pub open: usize,
    /// `[-]`: tasks decided against; neither open nor done, and left out of `completion`.
    pub cancelled: usize,
    /// `[>]`: open tasks the author marked as moved on; never counted as dropped.
    pub forwarded: usize,
    pub carried_in: usize,
    pub carried_out: usize,
    pub dropped: usize,
    pub by_confidence: Breakdown,
    pub by_section: Breakdown,
}

impl Week {
    /// Done out of the tasks still meant to be done (cancelled ones are not).
    pub fn completion(&self) -> f64 {
        let meant = self.tasks - self.cancelled;
        if meant == 0 {
            0.0
        } else {
            self.done as f64 / meant as f64
        }
    }
}

/// Where a task stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Done,
    Open,
    Cancelled,
    Removed,
}

/// One task's life, in one post.
#[derive(Debug, Clone)]
pub struct TaskRecord {
    pub id: TaskId,
    /// Stable, readable id: the post's file stem and the task's ordinal in the post.
    pub key: String,
    /// Index into [`Ledger::weeks`].
    pub week: usize,
    /// The task as it reads now (or last read, when removed).
    pub task: Task,
    pub status: Status,
    pub planned: bool,
    pub added: Arc<CommitInfo>,
    /// The commit that last checked it, when it is done.
    pub checked: Option<Arc<CommitInfo>>,
    /// Index into [`Ledger::tasks`] of the task it continues from last week.
    pub carried_from: Option<usize>,
    pub carried_to: Option<usize>,
    /// How many weeks in a row it has been carried (0 when it was not carried in).
    pub carry_streak: usize,
}

/// What the ledger needs to know about a task over a post's versions.
#[derive(Default)]
struct Life {
    /// The task as it read in the latest version it was in.
    last: Option<Task>,
    /// Commit of the version it first appeared in.
    added: Option<Arc<CommitInfo>>,
    /// Commit that made it checked, while it stays checked.
    checked_at: Option<Arc<CommitInfo>>,
    first_order: usize,
}

/// The due-date rules the ledger applies after the post's own (configuration `due`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerOptions {
    /// The next goals post's date is the due date (`next_post`).
    pub due_from_next_post: bool,
    /// Days after the post's date for the last rule, which always applies.
    pub due_days: u32,
}

impl Default for LedgerOptions {
    fn default() -> LedgerOptions {
        LedgerOptions {
            due_from_next_post: true,
            due_days: 7,
        }
    }
}

/// Folds a history into weekly outcomes. Posts with no task in their current version, and
/// posts deleted since, are not goals posts.
pub fn build(history: &History) -> Ledger {
    build_with(history, &LedgerOptions::default())
}

/// [`build`] with the configured due-date rules.
pub fn build_with(history: &History, options: &LedgerOptions) -> Ledger {
    let mut goals: Vec<(usize, NaiveDate)> = history
        .posts
        .iter()
        .enumerate()
        .filter(|(_, life)| !life.deleted && current_tasks(life) > 0)
        .filter_map(|(index, life)| Some((index, post_date(life)?)))
        .collect();
    goals.sort_by(|a, b| {
        a.1.cmp(&b.1)
            .then_with(|| history.posts[a.0].path.cmp(&history.posts[b.0].path))
    });

    let mut weeks = Vec::with_capacity(goals.len());
    let mut tasks: Vec<TaskRecord> = Vec::new();
    let mut record_of: HashMap<TaskId, usize> = HashMap::new();

    for (week_index, &(post_index, date)) in goals.iter().enumerate() {
        let life = &history.posts[post_index];
        let Some(current) = life.versions.last() else {
            continue;
        };
        let first = &life.versions[0];
        let lives = task_lives(life);

        let (due, due_source) = match &current.post.due {
            Some(due) => (due.date, due.source),
            None => match goals.get(week_index + 1) {
                Some(&(_, next_date)) if next_date > date && options.due_from_next_post => {
                    (next_date, DueSource::NextPost)
                }
                _ => (
                    date.checked_add_days(Days::new(u64::from(options.due_days)))
                        .unwrap_or(date),
                    DueSource::DatePlusWeek,
                ),
            },
        };
        let first_commit_after_due = first.commit.time.date_naive() > due;

        let first_ids: HashSet<TaskId> = first.task_ids.iter().copied().collect();
        let current_ids: HashSet<TaskId> = current.task_ids.iter().copied().collect();
        let stem = file_stem(&life.path);

        // Current tasks first, in the post's order; then the removed ones, oldest first.
        let mut ordered: Vec<(TaskId, Status)> = current
            .task_ids
            .iter()
            .zip(&current.post.tasks)
            .map(|(&id, task)| {
                (
                    id,
                    match task.mark {
                        Mark::Done => Status::Done,
                        Mark::Cancelled => Status::Cancelled,
                        Mark::Open | Mark::Forwarded => Status::Open,
                    },
                )
            })
            .collect();
        let mut removed: Vec<(usize, TaskId)> = lives
            .iter()
            .filter(|(id, _)| !current_ids.contains(id))
            .map(|(&id, life)| (life.first_order, id))
            .collect();
        removed.sort_unstable();
        ordered.extend(removed.iter().map(|&(_, id)| (id, Status::Removed)));

        let mut ordinal_of: Vec<(usize, TaskId)> = lives
            .iter()
            .map(|(&id, life)| (life.first_order, id))
            .collect();
        ordinal_of.sort_unstable();
        let ordinal: HashMap<TaskId, usize> = ordinal_of
            .iter()
            .enumerate()
            .map(|(n, &(_, id))| (id, n + 1))
            .collect();

        let mut done_on_time = 0;
        for (id, status) in ordered {
            let Some(task_life) = lives.get(&id) else {
                continue;
            };
            let (Some(task), Some(added)) = (task_life.last.clone(), task_life.added.clone())
            else {
                continue;
            };
            let checked = (status == Status::Done)
                .then(|| task_life.checked_at.clone())
                .flatten();
            // Obsidian Tasks' `✅` date, when written, says when it was done better than the
            // commit that recorded it; its `📅` date is that task's own deadline.
            let done_day = task
                .done_date
                .or_else(|| checked.as_ref().map(|c| c.time.date_naive()));
            if status == Status::Done && done_day.is_some_and(|d| d <= task.due.unwrap_or(due)) {
                done_on_time += 1;
            }
            record_of.insert(id, tasks.len());
            tasks.push(TaskRecord {
                id,
                key: format!("{stem}#{}", ordinal.get(&id).copied().unwrap_or(0)),
                week: week_index,
                task,
                status,
                planned: first_ids.contains(&id),
                added,
                checked,
                carried_from: None,
                carried_to: None,
                carry_streak: 0,
            });
        }

        let current_tasks = &current.post.tasks;
        let overall = tally::overall(current_tasks);
        let cancelled = current_tasks
            .iter()
            .filter(|t| t.mark == Mark::Cancelled)
            .count();
        let forwarded = current_tasks
            .iter()
            .filter(|t| t.mark == Mark::Forwarded)
            .count();
        let planned = current
            .task_ids
            .iter()
            .filter(|id| first_ids.contains(id))
            .count();
        weeks.push(Week {
            post: post_index,
            path: life.path.clone(),
            title: current
                .post
                .title
                .clone()
                .unwrap_or_else(|| stem.to_string()),
            date,
            due,
            due_source,
            first_commit_after_due,
            tasks: overall.total,
            planned,
            added: overall.total - planned,
            removed: removed.len(),
            done: overall.done,
            done_on_time: (!first_commit_after_due).then_some(done_on_time),
            open: overall.total - overall.done - cancelled,
            cancelled,
            forwarded,
            carried_in: 0,
            carried_out: 0,
            dropped: 0,
            by_confidence: tally::by_confidence(current_tasks),
            by_section: tally::by_section(current_tasks),
        });
    }

    link_carry_over(history, &mut weeks, &mut tasks, &record_of);
    Ledger {
        head: history.head.clone(),
        weeks,
        tasks,
    }
}

/// Links each week's open tasks to the same tasks in the next week's post, and counts
/// carried in, carried out and dropped.
fn link_carry_over(
    history: &History,
    weeks: &mut [Week],
    tasks: &mut [TaskRecord],
    record_of: &HashMap<TaskId, usize>,
) {
    for w in 0..weeks.len().saturating_sub(1) {
        let this = &history.posts[weeks[w].post];
        let next = &history.posts[weeks[w + 1].post];
        let Some(next_start) = next.versions.first().map(|v| v.order) else {
            continue;
        };
        // This week's post as it stood when next week's post was first committed.
        let Some(then) = this.versions.iter().rev().find(|v| v.order <= next_start) else {
            continue;
        };
        let open_then: Vec<(TaskId, &Task)> = then
            .task_ids
            .iter()
            .zip(&then.post.tasks)
            .filter(|(_, task)| matches!(task.mark, Mark::Open | Mark::Forwarded))
            .map(|(&id, task)| (id, task))
            .collect();
        // Every task next week's post ever had, as it first read.
        let mut seen = HashSet::new();
        let mut candidates: Vec<(TaskId, &Task)> = Vec::new();
        for version in &next.versions {
            for (&id, task) in version.task_ids.iter().zip(&version.post.tasks) {
                if seen.insert(id) {
                    candidates.push((id, task));
                }
            }
        }
        let old: Vec<&Task> = open_then.iter().map(|(_, t)| *t).collect();
        let new: Vec<&Task> = candidates.iter().map(|(_, t)| *t).collect();
        let mut carried = 0;
        let mut carried_ids = HashSet::new();
        for (o, n) in matching::pair_task_refs(&old, &new) {
            let (from_id, to_id) = (open_then[o].0, candidates[n].0);
            let (Some(&from), Some(&to)) = (record_of.get(&from_id), record_of.get(&to_id)) else {
                continue;
            };
            tasks[from].carried_to = Some(to);
            tasks[to].carried_from = Some(from);
            tasks[to].carry_streak = tasks[from].carry_streak + 1;
            carried_ids.insert(from_id);
            carried += 1;
        }
        weeks[w].carried_out = carried;
        weeks[w + 1].carried_in = carried;
        weeks[w].dropped = tasks
            .iter()
            .filter(|r| {
                r.week == w
                    && r.status == Status::Open
                    && r.task.mark != Mark::Forwarded
                    && !carried_ids.contains(&r.id)
            })
            .count();
    }
}

/// Each task's life within one post, by id.
fn task_lives(life: &PostLife) -> HashMap<TaskId, Life> {
    let mut lives: HashMap<TaskId, Life> = HashMap::new();
    for version in &life.versions {
        for (&id, task) in version.task_ids.iter().zip(&version.post.tasks) {
            let entry = lives.entry(id).or_default();
            if entry.added.is_none() {
                entry.added = Some(version.commit.clone());
                entry.first_order = version.order;
            }
            if task.checked {
                if entry.checked_at.is_none() {
                    entry.checked_at = Some(version.commit.clone());
                }
            } else {
                entry.checked_at = None;
            }
            entry.last = Some(task.clone());
        }
        // A task missing from a version and back later keeps its id; its tick history resets.
        let present: HashSet<TaskId> = version.task_ids.iter().copied().collect();
        for (id, entry) in lives.iter_mut() {
            if !present.contains(id) {
                entry.checked_at = None;
            }
        }
    }
    lives
}

fn current_tasks(life: &PostLife) -> usize {
    life.versions.last().map_or(0, |v| v.post.tasks.len())
}

/// The post's date: front matter, else file name, else the day its first version was committed.
pub fn post_date(life: &PostLife) -> Option<NaiveDate> {
    let current = life.versions.last()?;
    current
        .post
        .date
        .or_else(|| life.versions.first().map(|v| v.commit.time.date_naive()))
}

/// `2020-12-07-RC-Week-4` for `_posts/2020-12-07-RC-Week-4.md`.
pub fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}
