//! The ledger: task lives folded into weekly outcomes — planned, added mid-week, done, done by
//! the due date, carried in and out, dropped — and each task's carry chain.
//!
//! Pure over [`History`]: the definitions here are the ones the README states.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Days, NaiveDate};

use crate::core::history::{History, PostLife, TaskId};
use crate::core::matching;
use crate::core::model::{CommitInfo, DueSource, Mark, Task, TaskList, Warning};
use crate::core::tally::{self, Breakdown};

/// Weekly outcomes and task records, derived from a [`History`].
#[derive(Debug, Clone)]
pub struct Ledger {
    pub head: Option<String>,
    /// Goals posts, oldest first.
    pub weeks: Vec<Week>,
    /// Every task of every goals post, in the order of `weeks`, then of first appearance.
    pub tasks: Vec<TaskRecord>,
    /// What could not be read in the history, carried along so a report from the ledger
    /// alone (a warm cache) still says it.
    pub warnings: Vec<Warning>,
}

/// Weeks from which carry links are worked out on two threads: below it a thread costs more
/// than it saves.
const PARALLEL_CARRY_WEEKS: usize = 64;

/// Tasks over every version of the weeks selected from which, when they are few, their
/// carry links are matched on a thread of their own: a big post's history.
const PARALLEL_WEEK_TASKS: usize = 100_000;

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
    /// What `history` counts for the week.
    pub figures: Figures,
    /// A later goals post of the same series exists: the week could carry work out.
    pub has_next: bool,
    pub by_confidence: Breakdown,
    pub by_section: Breakdown,
}

/// The counts `history` reports for one week, named once: the ledger, the JSON documents and
/// the tests' oracle all use this type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Figures {
    pub tasks: usize,
    pub planned: usize,
    pub added: usize,
    pub removed: usize,
    pub done: usize,
    /// Done by the due date; `None` when the post's first commit is dated after its due date
    /// (git cannot know).
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
}

impl Week {
    /// Done out of the tasks still meant to be done (cancelled ones are not).
    pub fn completion(&self) -> f64 {
        let meant = self.figures.tasks - self.figures.cancelled;
        if meant == 0 {
            0.0
        } else {
            self.figures.done as f64 / meant as f64
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

/// Hashes a [`TaskId`] (an index) with one multiply instead of SipHash: the ledger looks a
/// task up once per task per version, millions of times for a big post's history, and ids
/// are not chosen by anyone who could make them collide on purpose.
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// A map keyed by task id, hashed with [`IdHasher`].
type IdMap<V> = HashMap<TaskId, V, std::hash::BuildHasherDefault<IdHasher>>;

/// A set of task ids, hashed with [`IdHasher`]: [`carry_sides`] goes through every task of
/// every version of a post.
type IdSet = HashSet<TaskId, std::hash::BuildHasherDefault<IdHasher>>;

/// What the ledger needs to know about a task over a post's versions.
#[derive(Default)]
struct Life<'a> {
    /// Where the task stood in the latest version it was in: that version's list and its
    /// index there (a big post has thousands of versions of hundreds of tasks, and only the
    /// last one is placed, for its record).
    last: Option<(&'a TaskList, usize)>,
    /// Index of the latest version it was in, to tell when it went missing in between.
    seen_in: usize,
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
    build_selected(history, options, None)
}

/// Only what a stats block shows for the post at `path`: its week and up to `window - 1`
/// weeks before it in its series, linked to each other. The weeks' own figures are the ones
/// [`build_with`] gives; the fuzzy matching of every other pair of weeks — most of a full
/// build on a long history — is skipped, which is what keeps the pre-commit hook quick.
pub fn build_around(
    history: &History,
    options: &LedgerOptions,
    path: &str,
    window: usize,
) -> Ledger {
    build_selected(history, options, Some((path, window)))
}

/// The date of `life` as a goals post: none when it is deleted or has no task now.
pub(crate) fn goal_date(life: &PostLife) -> Option<NaiveDate> {
    (!life.deleted && current_tasks(life) > 0)
        .then(|| post_date(life))
        .flatten()
}

/// Every goals post of `history` (by index) with its date, in the ledger's week order;
/// `date_of` gives a post's date as a goals post, none when it is not one.
pub(crate) fn goals_with(
    history: &History,
    date_of: impl Fn(usize, &PostLife) -> Option<NaiveDate>,
) -> Vec<(usize, NaiveDate)> {
    let mut goals: Vec<(usize, NaiveDate)> = history
        .posts
        .iter()
        .enumerate()
        .filter_map(|(index, life)| Some((index, date_of(index, life)?)))
        .collect();
    goals.sort_by(|a, b| {
        a.1.cmp(&b.1)
            .then_with(|| history.posts[a.0].path.cmp(&history.posts[b.0].path))
    });
    goals
}

/// One week of the window [`build_around`] builds, with what its figures depend on
/// besides its post's life: the next goals post of its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WindowGoal {
    /// Index into the goals posts ([`goals_with`]): the week's index in a ledger of every
    /// goals post.
    pub goal: usize,
    /// Index into [`History::posts`].
    pub post: usize,
    pub date: NaiveDate,
    /// The next goals post of its series and its date, wherever it is.
    pub next: Option<(usize, NaiveDate)>,
}

/// The weeks [`build_around`] builds for the post at `path`, oldest first: it and up
/// to `window - 1` posts before it in its series, each but the last followed by the next.
pub(crate) fn window_goals(
    history: &History,
    goals: &[(usize, NaiveDate)],
    path: &str,
    window: usize,
) -> Vec<WindowGoal> {
    let next = next_in_series(history, goals);
    series_window(history, goals, &next, path, window)
        .into_iter()
        .map(|goal| WindowGoal {
            goal,
            post: goals[goal].0,
            date: goals[goal].1,
            next: next[goal].map(|n| goals[n]),
        })
        .collect()
}

/// Whether `week`, worked out earlier from the same life of `goal`'s post (a stored ledger's
/// week), is the week [`build_around`] works out for `goal` now: a week's figures
/// depend on the rest of the history only through the next post of its series, by whether
/// there is one and by the due date its date gives. Its records' carry-over fields are
/// [`assemble`]'s, not the week's.
pub(crate) fn week_still_holds(week: &Week, goal: &WindowGoal, options: &LedgerOptions) -> bool {
    let due_holds = match week.due_source {
        DueSource::FrontMatter | DueSource::Text => true,
        DueSource::NextPost | DueSource::DatePlusWeek => {
            due_without_post(goal.date, goal.next, options) == (week.due, week.due_source)
        }
    };
    week.post == goal.post
        && week.date == goal.date
        && week.has_next == goal.next.is_some()
        && due_holds
}

/// The window's ledger as [`build_around`] builds it, from its weeks, oldest first as
/// [`window_goals`] gives them, some worked out here and some given: `given[w]`, when there,
/// is week `w` with its records as [`week_still_holds`] accepts them; `given_links[w]`, when
/// there, the carry links from week `w` to week `w + 1` (a pair whose posts did not change).
/// The other weeks are worked out from their posts' lives in `history`, and the other links
/// matched from the next week's post's life in `history` and the earlier week's post as
/// `earlier` gives it (enough of it for [`carry_links`]: its versions up to the next post's
/// first). None when a post to work out has no versions.
pub(crate) fn build_window<'a>(
    history: &'a History,
    options: &LedgerOptions,
    window: &[WindowGoal],
    given: Vec<Option<(Week, Vec<TaskRecord>)>>,
    given_links: Vec<Option<Vec<(TaskId, TaskId)>>>,
    earlier: &(dyn Fn(usize) -> Option<&'a PostLife> + Sync),
) -> Option<Ledger> {
    let pairs = window.len().saturating_sub(1);
    if given.len() != window.len() || given_links.len() != pairs {
        return None;
    }
    // Pairs of big posts to match (a commit to a long checklist): matched on a second
    // thread while the weeks are worked out, as in a build of a few weeks.
    let to_match: usize = window
        .windows(2)
        .zip(&given_links)
        .filter(|(_, given)| given.is_none())
        .flat_map(|(pair, _)| [earlier(pair[0].post), history.posts.get(pair[1].post)])
        .flatten()
        .flat_map(|life| &life.versions)
        .map(|v| v.task_ids.len())
        .sum();
    let weeks_of = || -> Option<Vec<(Week, Vec<TaskRecord>)>> {
        window
            .iter()
            .zip(given)
            .enumerate()
            .map(|(index, (goal, given))| match given {
                Some(week) => Some(week),
                None => week_outcome(history, options, (goal.post, goal.date), goal.next, index),
            })
            .collect()
    };
    let links_of = || -> Option<Vec<Vec<(TaskId, TaskId)>>> {
        window
            .windows(2)
            .zip(given_links)
            .map(|(pair, given)| match given {
                Some(links) => Some(links),
                None => {
                    let next = history.posts.get(pair[1].post)?;
                    (!next.versions.is_empty()).then_some(())?;
                    Some(carry_links(earlier(pair[0].post)?, next))
                }
            })
            .collect()
    };
    let (weeks, links) = weeks_and_links(to_match >= PARALLEL_WEEK_TASKS, weeks_of, links_of);
    let (weeks, links) = (weeks?, links?);
    if weeks.len() != window.len() {
        return None;
    }
    let next_week: Vec<Option<usize>> = (0..weeks.len())
        .map(|w| (w < pairs).then_some(w + 1))
        .collect();
    Some(assemble(
        history.head.clone(),
        history.warnings.clone(),
        weeks,
        &next_week,
        &links,
    ))
}

/// The due date of a goals post dated `date` that gives none itself, from `next`, the next
/// goals post of its series (with its date), and the configured rules.
fn due_without_post(
    date: NaiveDate,
    next: Option<(usize, NaiveDate)>,
    options: &LedgerOptions,
) -> (NaiveDate, DueSource) {
    match next {
        Some((_, next_date)) if next_date > date && options.due_from_next_post => {
            (next_date, DueSource::NextPost)
        }
        _ => (
            date.checked_add_days(Days::new(u64::from(options.due_days)))
                .unwrap_or(date),
            DueSource::DatePlusWeek,
        ),
    }
}

fn build_selected(
    history: &History,
    options: &LedgerOptions,
    focus: Option<(&str, usize)>,
) -> Ledger {
    let goals = goals_with(history, |_, life| goal_date(life));
    build_from_goals(history, options, &goals, focus)
}

fn build_from_goals(
    history: &History,
    options: &LedgerOptions,
    goals: &[(usize, NaiveDate)],
    focus: Option<(&str, usize)>,
) -> Ledger {
    let next_in_series = next_in_series(history, goals);
    let selected: Vec<usize> = match focus {
        None => (0..goals.len()).collect(),
        Some((path, window)) => series_window(history, goals, &next_in_series, path, window),
    };
    let selected: Vec<usize> = selected
        .into_iter()
        .filter(|&goal| !history.posts[goals[goal].0].versions.is_empty())
        .collect();
    let week_of_goal: HashMap<usize, usize> = selected
        .iter()
        .enumerate()
        .map(|(week, &goal)| (goal, week))
        .collect();
    let weeks_of = || -> Vec<(Week, Vec<TaskRecord>)> {
        selected
            .iter()
            .enumerate()
            .filter_map(|(week, &goal)| {
                let next = next_in_series[goal].map(|next| goals[next]);
                week_outcome(history, options, goals[goal], next, week)
            })
            .collect()
    };
    let next_week: Vec<Option<usize>> = selected
        .iter()
        .map(|&goal| next_in_series[goal].and_then(|next| week_of_goal.get(&next).copied()))
        .collect();
    // Every selected post has a version, so week `w` is the post of goal `selected[w]`.
    let post_of_week = |week: usize| &history.posts[goals[selected[week]].0];
    let links_of = |range: std::ops::Range<usize>| -> Vec<Vec<(TaskId, TaskId)>> {
        next_week[range.clone()]
            .iter()
            .zip(range)
            .map(|(next, week)| match next {
                Some(next) => carry_links(post_of_week(week), post_of_week(*next)),
                None => Vec::new(),
            })
            .collect()
    };
    // Each pair of weeks is matched on its own, and on a long history this comes after the
    // walk on one thread: two halves on two threads take half the time. A few weeks of big
    // posts (the hook's) are worked out on one thread while their carry links are matched
    // on the other.
    let few_big = next_week.len() < PARALLEL_CARRY_WEEKS
        && next_week.iter().any(Option::is_some)
        && selected
            .iter()
            .flat_map(|&goal| &history.posts[goals[goal].0].versions)
            .map(|v| v.task_ids.len())
            .sum::<usize>()
            >= PARALLEL_WEEK_TASKS;
    let (weeks, links) = if next_week.len() >= PARALLEL_CARRY_WEEKS {
        let weeks = weeks_of();
        let half = next_week.len() / 2;
        let links = std::thread::scope(|scope| {
            let second = scope.spawn(|| links_of(half..next_week.len()));
            let mut links = links_of(0..half);
            // A panic in the matcher is the same bug on either thread: pass it on.
            links.extend(
                second
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
            links
        });
        (weeks, links)
    } else if few_big {
        // Working out a week costs about as much as matching one pair of weeks: this thread
        // takes the weeks and the first third of the pairs, the other the rest.
        let third = next_week.len() / 3;
        let ((weeks, mut links), later) = here_and_beside(
            || (weeks_of(), links_of(0..third)),
            || links_of(third..next_week.len()),
        );
        links.extend(later);
        (weeks, links)
    } else {
        (weeks_of(), links_of(0..next_week.len()))
    };
    assemble(
        history.head.clone(),
        history.warnings.clone(),
        weeks,
        &next_week,
        &links,
    )
}

/// One goals post's week on its own: its figures and task records, with the carry-over
/// fields left for [`assemble`]. `next` is the next goals post of its series, with its date.
fn week_outcome(
    history: &History,
    options: &LedgerOptions,
    (post_index, date): (usize, NaiveDate),
    next: Option<(usize, NaiveDate)>,
    week_index: usize,
) -> Option<(Week, Vec<TaskRecord>)> {
    let life = &history.posts[post_index];
    let current = life.versions.last()?;
    let first = &life.versions[0];
    let lives = task_lives(life);

    let (due, due_source) = match &current.post.due {
        Some(due) => (due.date, due.source),
        None => due_without_post(date, next, options),
    };
    let first_commit_after_due = first.commit.time.date_naive() > due;

    let first_ids: IdSet = first.task_ids.iter().copied().collect();
    let current_ids: IdSet = current.task_ids.iter().copied().collect();
    let stem = file_stem(&life.path);

    // Current tasks first, in the post's order; then the removed ones, oldest first.
    let mut ordered: Vec<(TaskId, Status)> = current
        .task_ids
        .iter()
        .zip(current.post.tasks.contents())
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
        .map(|(id, life)| (life.first_order, id))
        .collect();
    removed.sort_unstable();
    ordered.extend(removed.iter().map(|&(_, id)| (id, Status::Removed)));

    let mut ordinal_of: Vec<(usize, TaskId)> = lives
        .iter()
        .map(|(id, life)| (life.first_order, id))
        .collect();
    ordinal_of.sort_unstable();
    let ordinal: IdMap<usize> = ordinal_of
        .iter()
        .enumerate()
        .map(|(n, &(_, id))| (id, n + 1))
        .collect();

    let mut done_on_time = 0;
    let mut records = Vec::with_capacity(ordered.len());
    for (id, status) in ordered {
        let Some(task_life) = lives.get(id) else {
            continue;
        };
        let (Some(task), Some(added)) = (
            task_life
                .last
                .and_then(|(tasks, index)| tasks.placed(index)),
            task_life.added.clone(),
        ) else {
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
        records.push(TaskRecord {
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

    let current_tasks = current.post.tasks.contents();
    let overall = tally::overall(current_tasks.clone());
    let cancelled = current_tasks
        .clone()
        .filter(|t| t.mark == Mark::Cancelled)
        .count();
    let forwarded = current_tasks
        .clone()
        .filter(|t| t.mark == Mark::Forwarded)
        .count();
    let planned = current
        .task_ids
        .iter()
        .filter(|id| first_ids.contains(id))
        .count();
    let week = Week {
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
        has_next: next.is_some(),
        by_confidence: tally::by_confidence(current_tasks.clone()),
        by_section: tally::by_section(current_tasks),
        figures: Figures {
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
        },
    };
    Some((week, records))
}

/// The tasks open in `this` week's post when `next` week's post was first committed, each
/// paired with the same task in the next post: (from, to). The fuzzy matching here is most
/// of a full build on a long history, which is why [`apply_update`] keeps the pairs of weeks that
/// did not change.
fn carry_links(this: &PostLife, next: &PostLife) -> Vec<(TaskId, TaskId)> {
    let Some((open_then, candidates)) = carry_sides(this, next) else {
        return Vec::new();
    };
    let old: Vec<&Task> = open_then.iter().map(|(_, t)| *t).collect();
    let new: Vec<&Task> = candidates.iter().map(|(_, t)| *t).collect();
    matching::pair_carried(&old, &new)
        .into_iter()
        .map(|(o, n)| (open_then[o].0, candidates[n].0))
        .collect()
}

/// What [`carry_links`] matches: the tasks open in `this` week's post when `next` week's post
/// was first committed, and every task `next` week's post ever had, as it first read.
#[allow(clippy::type_complexity)]
fn carry_sides<'a>(
    this: &'a PostLife,
    next: &'a PostLife,
) -> Option<(Vec<(TaskId, &'a Task)>, Vec<(TaskId, &'a Task)>)> {
    let next_start = next.versions.first().map(|v| v.order)?;
    // This week's post as it stood when next week's post was first committed.
    let then = this.versions.iter().rev().find(|v| v.order <= next_start)?;
    let open_then: Vec<(TaskId, &Task)> = then
        .task_ids
        .iter()
        .zip(then.post.tasks.contents())
        .filter(|(_, task)| matches!(task.mark, Mark::Open | Mark::Forwarded))
        .map(|(&id, task)| (id, task))
        .collect();
    let mut seen = IdSet::default();
    let mut candidates: Vec<(TaskId, &Task)> = Vec::new();
    let mut before: &[TaskId] = &[];
    for version in &next.versions {
        // The goals a version shares with the one before at its start and its end were
        // seen there: a long post's hundreds of versions differ in a few goals each.
        let ids = &version.task_ids;
        let start = ids.iter().zip(before).take_while(|(a, b)| a == b).count();
        let end = ids[start..]
            .iter()
            .rev()
            .zip(before[start..].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let tasks = version.post.tasks.contents().skip(start);
        for (&id, task) in ids[start..ids.len() - end].iter().zip(tasks) {
            if seen.insert(id) {
                candidates.push((id, task));
            }
        }
        before = ids;
    }
    Some((open_then, candidates))
}

/// How the carry matcher decided between one week and the next of its series.
#[derive(Debug, Clone)]
pub struct CarryWeek {
    /// Index into [`Ledger::weeks`] of the earlier week.
    pub week: usize,
    /// Index into [`Ledger::weeks`] of the next week of its series.
    pub next: usize,
    /// The earlier week's goals open when the next post was first written, as they read then.
    pub open: Vec<Task>,
    /// Every goal the next week's post ever had, as it first read.
    pub candidates: Vec<Task>,
    /// Indices into `open` and `candidates`.
    pub explanation: matching::CarryExplanation,
}

/// For each week of `ledger` that has a next week, every carry link and near miss the matcher
/// weighed, with the rule and score that decided it (`gitgoals carry --explain`). `history`
/// must be the history `ledger` was built from; weeks whose posts it does not hold are left
/// out.
pub fn explain_carry(history: &History, ledger: &Ledger) -> Vec<CarryWeek> {
    let mut weeks = Vec::new();
    for (w, next) in next_weeks(ledger).into_iter().enumerate() {
        let Some(next) = next else { continue };
        let life = |week: usize| {
            let week = &ledger.weeks[week];
            history
                .posts
                .get(week.post)
                .filter(|life| life.path == week.path)
        };
        let (Some(this), Some(after)) = (life(w), life(next)) else {
            continue;
        };
        let Some((open, candidates)) = carry_sides(this, after) else {
            continue;
        };
        let old: Vec<&Task> = open.iter().map(|(_, t)| *t).collect();
        let new: Vec<&Task> = candidates.iter().map(|(_, t)| *t).collect();
        let explanation = matching::explain_carried(&old, &new);
        weeks.push(CarryWeek {
            week: w,
            next,
            open: old.into_iter().cloned().collect(),
            candidates: new.into_iter().cloned().collect(),
            explanation,
        });
    }
    weeks
}

/// The weeks in order with their records flattened into one list, each week's carry links
/// (`links[w]` pairs week `w`'s tasks with week `next_week[w]`'s) turned into record
/// indices, and carried in, carried out, dropped and carry streaks counted.
pub(crate) fn assemble(
    head: Option<String>,
    warnings: Vec<Warning>,
    weeks: Vec<(Week, Vec<TaskRecord>)>,
    next_week: &[Option<usize>],
    links: &[Vec<(TaskId, TaskId)>],
) -> Ledger {
    let mut tasks: Vec<TaskRecord> = Vec::new();
    let mut week_records: Vec<std::ops::Range<usize>> = Vec::with_capacity(weeks.len());
    let mut outcomes = Vec::with_capacity(weeks.len());
    for (week, records) in weeks {
        let start = tasks.len();
        tasks.extend(records);
        week_records.push(start..tasks.len());
        outcomes.push(week);
    }
    let record_of: HashMap<TaskId, usize> = tasks
        .iter()
        .enumerate()
        .map(|(index, record)| (record.id, index))
        .collect();
    for (w, next_week) in next_week.iter().enumerate() {
        let Some(next_week) = *next_week else {
            continue;
        };
        let mut carried = 0;
        let mut carried_ids = HashSet::new();
        for &(from_id, to_id) in links.get(w).map_or(&[][..], Vec::as_slice) {
            let (Some(&from), Some(&to)) = (record_of.get(&from_id), record_of.get(&to_id)) else {
                continue;
            };
            tasks[from].carried_to = Some(to);
            tasks[to].carried_from = Some(from);
            tasks[to].carry_streak = tasks[from].carry_streak + 1;
            carried_ids.insert(from_id);
            carried += 1;
        }
        outcomes[w].figures.carried_out = carried;
        outcomes[next_week].figures.carried_in = carried;
        outcomes[w].figures.dropped = tasks[week_records[w].clone()]
            .iter()
            .filter(|r| {
                r.status == Status::Open
                    && r.task.mark != Mark::Forwarded
                    && !carried_ids.contains(&r.id)
            })
            .count();
    }
    Ledger {
        head,
        weeks: outcomes,
        tasks,
        warnings,
    }
}

/// Each week's carry links as (from, to) task ids: what [`assemble`] takes to link the weeks
/// again. None when a record's link points nowhere.
pub(crate) fn carry_links_of(ledger: &Ledger) -> Option<Vec<Vec<(TaskId, TaskId)>>> {
    let mut links = vec![Vec::new(); ledger.weeks.len()];
    for record in &ledger.tasks {
        if let Some(to) = record.carried_to {
            links
                .get_mut(record.week)?
                .push((record.id, ledger.tasks.get(to)?.id));
        }
    }
    Some(links)
}

/// For each week of `ledger`, the next week of its series, as [`assemble`] takes it.
pub(crate) fn next_weeks(ledger: &Ledger) -> Vec<Option<usize>> {
    series_links(ledger.weeks.iter().map(|w| w.path.as_str()))
}

/// How a ledger built earlier becomes the ledger of a history that changed only in the
/// posts `changed` names: which weeks are worked out again, which pairs of weeks are matched
/// again, and so which posts' versions the history must hold. Everything else is taken from
/// the earlier ledger as it is, because a week's figures depend only on its post's life and
/// on the next post of its series, and a pair's carry links only on the two posts' lives.
#[derive(Debug)]
pub(crate) struct UpdatePlan {
    /// Per goals post: its week must be worked out again.
    recompute: Vec<bool>,
    /// Per goals post: its carry links to the next post must be matched again.
    relink: Vec<bool>,
    /// The earlier week of each post that had one.
    previous_week: HashMap<usize, usize>,
    /// Posts whose versions [`apply_update`] reads.
    pub needed: Vec<usize>,
}

impl UpdatePlan {
    /// The earlier ledger's week that week `index` of the updated ledger is taken from as it
    /// is; none when the week is worked out again.
    pub(crate) fn kept_week(&self, index: usize, goals: &[(usize, NaiveDate)]) -> Option<usize> {
        if *self.recompute.get(index)? {
            return None;
        }
        self.previous_week.get(&goals.get(index)?.0).copied()
    }
}

/// Plans [`apply_update`]: `goals` are the new history's goals posts ([`goals_with`]) and
/// `changed` every post whose life changed since `previous` was built (a superset is fine).
pub(crate) fn plan_update(
    previous: &Ledger,
    history: &History,
    goals: &[(usize, NaiveDate)],
    changed: &std::collections::BTreeSet<usize>,
) -> UpdatePlan {
    let next = next_in_series(history, goals);
    let previous_next = series_links(previous.weeks.iter().map(|w| w.path.as_str()));
    let previous_week: HashMap<usize, usize> = previous
        .weeks
        .iter()
        .enumerate()
        .map(|(index, week)| (week.post, index))
        .collect();
    let next_of_previous = |post: usize| -> Option<Option<(usize, NaiveDate)>> {
        let &week = previous_week.get(&post)?;
        Some(previous_next[week].map(|n| (previous.weeks[n].post, previous.weeks[n].date)))
    };
    let mut recompute = Vec::with_capacity(goals.len());
    let mut relink = Vec::with_capacity(goals.len());
    let mut needed = Vec::new();
    for (goal, &(post, date)) in goals.iter().enumerate() {
        let next_now = next[goal].map(|n| goals[n]);
        let same_week = !changed.contains(&post)
            && previous_week
                .get(&post)
                .is_some_and(|&w| previous.weeks[w].date == date)
            && next_of_previous(post) == Some(next_now);
        recompute.push(!same_week);
        if !same_week {
            needed.push(post);
        }
        let same_link = match next_now {
            None => true,
            Some((next_post, _)) => {
                !changed.contains(&post)
                    && !changed.contains(&next_post)
                    && next_of_previous(post).flatten().map(|(p, _)| p) == Some(next_post)
            }
        };
        relink.push(!same_link);
        if let (false, Some((next_post, _))) = (same_link, next_now) {
            needed.extend([post, next_post]);
        }
    }
    needed.sort_unstable();
    needed.dedup();
    UpdatePlan {
        recompute,
        relink,
        previous_week,
        needed,
    }
}

/// The ledger [`build_with`] gives for `history`, made from `previous` by `plan`: only the
/// weeks and pairs the plan names are worked out, from the posts it names as needed, which
/// `history` must hold (the others may have no versions). `head` and `warnings` are the
/// new history's. None when a needed post has no versions.
pub(crate) fn apply_update(
    plan: &UpdatePlan,
    previous: &Ledger,
    history: &History,
    options: &LedgerOptions,
    goals: &[(usize, NaiveDate)],
) -> Option<Ledger> {
    if plan.needed.iter().any(|&post| {
        history
            .posts
            .get(post)
            .is_none_or(|l| l.versions.is_empty())
    }) {
        return None;
    }
    let next = next_in_series(history, goals);
    // Each earlier week's records, and its carry links as (from, to) task ids.
    let mut previous_records: Vec<Vec<&TaskRecord>> = vec![Vec::new(); previous.weeks.len()];
    for record in &previous.tasks {
        previous_records.get_mut(record.week)?.push(record);
    }
    let previous_links = carry_links_of(previous)?;
    let weeks_of = || -> Option<Vec<(Week, Vec<TaskRecord>)>> {
        let mut weeks = Vec::with_capacity(goals.len());
        for (index, &(post, date)) in goals.iter().enumerate() {
            let next_goal = next[index].map(|n| goals[n]);
            if plan.recompute[index] {
                weeks.push(week_outcome(
                    history,
                    options,
                    (post, date),
                    next_goal,
                    index,
                )?);
                continue;
            }
            let &earlier = plan.previous_week.get(&post)?;
            let mut week = previous.weeks[earlier].clone();
            week.figures.carried_in = 0;
            week.figures.carried_out = 0;
            week.figures.dropped = 0;
            let records = previous_records[earlier]
                .iter()
                .map(|&record| TaskRecord {
                    week: index,
                    carried_from: None,
                    carried_to: None,
                    carry_streak: 0,
                    ..record.clone()
                })
                .collect();
            weeks.push((week, records));
        }
        Some(weeks)
    };
    let links_of = || -> Vec<Vec<(TaskId, TaskId)>> {
        goals
            .iter()
            .enumerate()
            .map(|(index, &(post, _))| match next[index] {
                None => Vec::new(),
                Some(n) if plan.relink[index] => {
                    carry_links(&history.posts[post], &history.posts[goals[n].0])
                }
                Some(_) => plan
                    .previous_week
                    .get(&post)
                    .map(|&w| previous_links[w].clone())
                    .unwrap_or_default(),
            })
            .collect()
    };
    // Pairs of big posts to match again (a commit to a long checklist): matched on a second
    // thread while the weeks are worked out, as in a build of a few weeks.
    let relinked_tasks: usize = (0..goals.len())
        .filter(|&index| plan.relink[index])
        .filter_map(|index| Some([goals[index].0, goals[next[index]?].0]))
        .flatten()
        .flat_map(|post| &history.posts[post].versions)
        .map(|v| v.task_ids.len())
        .sum();
    let (weeks, links) = weeks_and_links(relinked_tasks >= PARALLEL_WEEK_TASKS, weeks_of, links_of);
    let weeks = weeks?;
    Some(assemble(
        history.head.clone(),
        history.warnings.clone(),
        weeks,
        &next,
        &links,
    ))
}

/// Indices into `goals` of the post at `path` and up to `window - 1` posts before it in its
/// series, oldest first; empty when `path` is not a goals post.
fn series_window(
    history: &History,
    goals: &[(usize, NaiveDate)],
    next_in_series: &[Option<usize>],
    path: &str,
    window: usize,
) -> Vec<usize> {
    let Some(focus) = goals
        .iter()
        .position(|&(post, _)| history.posts[post].path == path)
    else {
        return Vec::new();
    };
    let mut previous = vec![None; goals.len()];
    for (goal, next) in next_in_series.iter().enumerate() {
        if let Some(next) = next {
            previous[*next] = Some(goal);
        }
    }
    let mut chain = vec![focus];
    while chain.len() < window {
        match chain.last().and_then(|&goal| previous[goal]) {
            Some(goal) => chain.push(goal),
            None => break,
        }
    }
    chain.reverse();
    chain
}

/// For each goals post (in date order), the index of the next one in its series.
///
/// A blog is one series: each week's post follows the last. Where several goals posts share
/// a name once the date is taken off (`2018-03-05--all-hands.md`, `2018-03-12--all-hands.md`:
/// meeting notes of several teams side by side), those posts form a series of their own, and
/// work carries from one to the next of the same name; posts with a name of their own stay in
/// the main series.
fn next_in_series(history: &History, goals: &[(usize, NaiveDate)]) -> Vec<Option<usize>> {
    series_links(
        goals
            .iter()
            .map(|&(post, _)| history.posts[post].path.as_str()),
    )
}

/// [`next_in_series`] for goals posts given by their paths, in week order.
fn series_links<'a>(paths: impl Iterator<Item = &'a str>) -> Vec<Option<usize>> {
    let series = series_keys(paths);
    let mut next = vec![None; series.len()];
    let mut last_of: HashMap<&str, usize> = HashMap::new();
    for (index, key) in series.iter().enumerate() {
        if let Some(previous) = last_of.insert(key, index) {
            next[previous] = Some(index);
        }
    }
    next
}

/// The series of each goals post given by its path (in week order): the name it shares with
/// other posts once the date is taken off, or `""` for the main series, as
/// the series links (`next_in_series`) take them.
pub fn series_keys<'a>(paths: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let keys: Vec<&str> = paths.map(series_name).collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for key in &keys {
        *count.entry(key).or_default() += 1;
    }
    keys.iter()
        .map(|key| if count[key] >= 2 { *key } else { "" })
        .collect()
}

/// The file name without extension and date prefix: `all-hands` for
/// `meeting-notes/2018/Q1/2018-03-12--all-hands.md`; empty when nothing is left.
fn series_name(path: &str) -> &str {
    let stem = file_stem(path);
    // The date is `YYYY-MM-DD` or an ISO week `YYYY-Www`; whichever reads, drop it.
    let undated = [8, 10]
        .into_iter()
        .filter_map(|len| Some((stem.get(..len)?, stem.get(len..)?)))
        .find(|(prefix, _)| crate::core::dates::filename_date(prefix).is_some())
        .map_or(stem, |(_, rest)| rest);
    undated.trim_start_matches(['-', '_', ' ', '.'])
}

/// Each task's life within one post, by id. The order they come in means nothing: callers
/// sort what they take from it.
enum Lives<'a> {
    /// Indexed by the id less `first`: one post's tasks get ids close together, and a
    /// lookup per task per version is most of building a big post's week.
    Table {
        first: usize,
        slots: Vec<Option<Life<'a>>>,
    },
    /// When the ids lie too far apart for a table.
    Map(IdMap<Life<'a>>),
}

impl<'a> Lives<'a> {
    /// Room for the ids of `life`'s tasks.
    fn for_post(life: &PostLife) -> Lives<'a> {
        let ids = life.versions.iter().flat_map(|v| v.task_ids.iter());
        let (first, last) = ids.fold((usize::MAX, 0), |(lo, hi), id| {
            (lo.min(id.index()), hi.max(id.index()))
        });
        let longest = life
            .versions
            .iter()
            .map(|v| v.task_ids.len())
            .max()
            .unwrap_or(0);
        match last.checked_sub(first) {
            Some(span) if span <= 8 * longest + 1024 => Lives::Table {
                first,
                slots: (0..=span).map(|_| None).collect(),
            },
            _ => Lives::Map(IdMap::default()),
        }
    }

    /// The life of task `id`, new when not seen yet; none for an id outside the table (never:
    /// the table is measured on the ids it is then given).
    fn entry(&mut self, id: TaskId) -> Option<&mut Life<'a>> {
        match self {
            Lives::Table { first, slots } => {
                let slot = slots.get_mut(id.index().checked_sub(*first)?)?;
                Some(slot.get_or_insert_with(Life::default))
            }
            Lives::Map(map) => Some(map.entry(id).or_default()),
        }
    }

    fn get(&self, id: TaskId) -> Option<&Life<'a>> {
        match self {
            Lives::Table { first, slots } => slots.get(id.index().checked_sub(*first)?)?.as_ref(),
            Lives::Map(map) => map.get(&id),
        }
    }

    fn iter(&self) -> Box<dyn Iterator<Item = (TaskId, &Life<'a>)> + '_> {
        match self {
            Lives::Table { first, slots } => Box::new(
                slots
                    .iter()
                    .enumerate()
                    .filter_map(move |(i, slot)| Some((TaskId::at(first + i), slot.as_ref()?))),
            ),
            Lives::Map(map) => Box::new(map.iter().map(|(&id, life)| (id, life))),
        }
    }

    fn for_each_mut(&mut self, mut f: impl FnMut(&mut Life<'a>)) {
        match self {
            Lives::Table { slots, .. } => slots.iter_mut().flatten().for_each(f),
            Lives::Map(map) => map.values_mut().for_each(&mut f),
        }
    }
}

/// Each task's life within one post, by id.
fn task_lives(life: &PostLife) -> Lives<'_> {
    let mut lives = Lives::for_post(life);
    for (index, version) in life.versions.iter().enumerate() {
        let tasks = &version.post.tasks;
        for (position, (&id, task)) in version.task_ids.iter().zip(tasks.contents()).enumerate() {
            let Some(entry) = lives.entry(id) else {
                continue;
            };
            if entry.added.is_none() {
                entry.added = Some(version.commit.clone());
                entry.first_order = version.order;
            } else if entry.seen_in + 1 < index {
                // A task missing from a version and back later keeps its id; its tick
                // history resets.
                entry.checked_at = None;
            }
            entry.seen_in = index;
            if task.checked {
                if entry.checked_at.is_none() {
                    entry.checked_at = Some(version.commit.clone());
                }
            } else {
                entry.checked_at = None;
            }
            entry.last = Some((tasks, position));
        }
    }
    // Missing from the newest version: its tick history is reset as for a gap.
    let newest = life.versions.len().saturating_sub(1);
    lives.for_each_mut(|entry| {
        if entry.seen_in != newest {
            entry.checked_at = None;
        }
    });
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

/// Some weeks worked out and the carry links of some pairs matched: on two threads when
/// `big` (pairs of long checklists), the matching, the longer, here from the start, while the
/// second thread, which can take a millisecond or two to be scheduled, works the weeks out.
fn weeks_and_links<W: Send, L>(
    big: bool,
    weeks: impl FnOnce() -> W + Send,
    links: impl FnOnce() -> L,
) -> (W, L) {
    if big {
        let (links, weeks) = here_and_beside(links, weeks);
        (weeks, links)
    } else {
        (weeks(), links())
    }
}

/// `here()` on this thread and `beside()` on a second one, for when both are big enough to
/// be worth a thread; a panic in either goes on as it would have on one thread.
fn here_and_beside<H, B: Send>(
    here: impl FnOnce() -> H,
    beside: impl FnOnce() -> B + Send,
) -> (H, B) {
    std::thread::scope(|scope| {
        let beside = scope.spawn(beside);
        let here = here();
        let beside = beside
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (here, beside)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::history::{PostVersion, TaskLife};
    use chrono::{DateTime, FixedOffset};

    /// A history built by hand: each post is a list of (commit order, day, markdown) versions;
    /// tasks keep their id by title within a post, as the engine would give them.
    /// (commit order, day, markdown) of one version.
    type Version<'a> = (usize, &'a str, &'a str);

    fn history(posts: &[(&str, &[Version])]) -> History {
        let mut history = History::default();
        for (post_index, (path, versions)) in posts.iter().enumerate() {
            let mut ids: HashMap<String, TaskId> = HashMap::new();
            let mut life = PostLife {
                path: path.to_string(),
                deleted: false,
                versions: Vec::new(),
            };
            for &(order, day, markdown) in versions.iter() {
                let post = crate::core::post::parse(path, markdown.as_bytes());
                let task_ids = post
                    .tasks
                    .contents()
                    .map(|task| {
                        *ids.entry(task.title.to_string()).or_insert_with(|| {
                            let id = TaskId::at(history.tasks.len());
                            history.tasks.push(TaskLife {
                                id,
                                post: post_index,
                                events: Vec::new(),
                            });
                            id
                        })
                    })
                    .collect();
                let time: DateTime<FixedOffset> =
                    DateTime::parse_from_rfc3339(&format!("{day}T12:00:00+01:00")).unwrap();
                life.versions.push(PostVersion {
                    commit: Arc::new(CommitInfo {
                        id: format!("{order:040x}"),
                        time,
                        summary: String::new(),
                    }),
                    order,
                    path: (*path).into(),
                    post: Arc::new(post),
                    task_ids,
                });
            }
            history.posts.push(life);
        }
        history
    }

    #[test]
    fn planned_added_done_on_time_carried_and_dropped() {
        let h = history(&[
            (
                "_posts/2021-03-01-w1.md",
                &[
                    (
                        0,
                        "2021-03-01",
                        "Finish by 2021-03-06.\n\n- [ ] Write the parser\n- [ ] Read the Raft paper\n- [ ] Call the bank\n",
                    ),
                    (
                        1,
                        "2021-03-05",
                        "Finish by 2021-03-06.\n\n- [x] Write the parser\n- [ ] Read the Raft paper\n- [ ] Call the bank\n- [ ] Fix the flaky test\n",
                    ),
                    // Ticked after the due date: done, but not on time.
                    (
                        3,
                        "2021-03-09",
                        "Finish by 2021-03-06.\n\n- [x] Write the parser\n- [ ] Read the Raft paper\n- [x] Call the bank\n- [ ] Fix the flaky test\n",
                    ),
                ],
            ),
            (
                "_posts/2021-03-08-w2.md",
                &[(
                    2,
                    "2021-03-08",
                    "- [ ] Read the Raft paper carefully\n- [ ] Plan the talk\n",
                )],
            ),
        ]);
        let ledger = build(&h);
        let w1 = &ledger.weeks[0];
        assert_eq!(
            (
                w1.figures.tasks,
                w1.figures.planned,
                w1.figures.added,
                w1.figures.done
            ),
            (4, 3, 1, 2)
        );
        assert_eq!(w1.figures.done_on_time, Some(1));
        assert_eq!(w1.due_source, DueSource::Text);
        // Open when week 2 began: Raft (carried, reworded), the bank call and the flaky test.
        assert_eq!((w1.figures.carried_out, w1.figures.dropped), (1, 1));
        let w2 = &ledger.weeks[1];
        assert_eq!(
            (
                w2.figures.carried_in,
                w2.figures.carried_out,
                w2.figures.dropped
            ),
            (1, 0, 0)
        );
        // No due date stated and no next post: a week after the post's date.
        assert_eq!(w2.due.to_string(), "2021-03-15");
        assert_eq!(w2.due_source, DueSource::DatePlusWeek);
        let raft = ledger
            .tasks
            .iter()
            .find(|t| &*t.task.title == "Read the Raft paper carefully")
            .unwrap();
        assert_eq!(raft.carry_streak, 1);
        assert_eq!(
            &*ledger.tasks[raft.carried_from.unwrap()].task.title,
            "Read the Raft paper"
        );
    }

    /// The three-week history the update tests start from.
    const BASE: [(&str, &[Version]); 3] = [
        (
            "_posts/2021-03-01-w1.md",
            &[(
                0,
                "2021-03-01",
                "- [ ] Write the parser\n- [ ] Call the bank\n",
            )],
        ),
        (
            "_posts/2021-03-08-w2.md",
            &[(
                1,
                "2021-03-08",
                "- [ ] Write the parser, at last\n- [ ] Plan the talk\n",
            )],
        ),
        (
            "_posts/2021-03-15-w3.md",
            &[(
                2,
                "2021-03-15",
                "- [ ] Plan the talk\n- [ ] Book the venue\n",
            )],
        ),
    ];

    /// Updates `BASE`'s ledger to `changed_history` holding only the posts the plan needs,
    /// and checks it equals a fresh build; returns the posts the plan needed.
    fn update_matches_build(after: &[(&str, &[Version])], changed: &[usize]) -> Vec<usize> {
        let previous = build(&history(&BASE));
        let whole = history(after);
        let goals = goals_with(&whole, |_, life| goal_date(life));
        let changed: std::collections::BTreeSet<usize> = changed.iter().copied().collect();
        let plan = plan_update(&previous, &whole, &goals, &changed);
        let mut partial = whole.clone();
        for (index, life) in partial.posts.iter_mut().enumerate() {
            if !plan.needed.contains(&index) {
                life.versions.clear();
            }
        }
        let updated = apply_update(
            &plan,
            &previous,
            &partial,
            &LedgerOptions::default(),
            &goals,
        )
        .expect("the needed posts are there");
        assert_eq!(format!("{updated:?}"), format!("{:?}", build(&whole)));
        plan.needed
    }

    #[test]
    fn a_few_weeks_of_big_posts_link_as_a_whole_build_does() {
        // Two weeks of a series, each with hundreds of versions of hundreds of tasks: enough
        // that build_around and an update match their carry links on a thread of their own.
        let open: String = (0..300).map(|k| format!("- [ ] Goal {k}\n")).collect();
        let half: String = (0..300)
            .map(|k| format!("- [{}] Goal {k}\n", if k % 2 == 0 { 'x' } else { ' ' }))
            .collect();
        let next: String = (150..450).map(|k| format!("- [ ] Goal {k}\n")).collect();
        let renamed = next.replace("Goal 151\n", "Goal 151, rewritten\n");
        let mut first: Vec<Version> = vec![(0, "2021-03-01", open.as_str())];
        first.extend((1..200).map(|order| (order, "2021-03-02", half.as_str())));
        let mut second: Vec<Version> = (200..400)
            .map(|order| (order, "2021-03-08", next.as_str()))
            .collect();
        let paths = ["_posts/2021-03-01-plan.md", "_posts/2021-03-08-plan.md"];
        let before = history(&[(paths[0], &first), (paths[1], &second)]);
        let task_versions: usize = before
            .posts
            .iter()
            .flat_map(|p| &p.versions)
            .map(|v| v.task_ids.len())
            .sum();
        assert!(task_versions >= PARALLEL_WEEK_TASKS);
        let whole = build(&before);
        let around = build_around(&before, &LedgerOptions::default(), paths[1], 2);
        let figures = |l: &Ledger| -> Vec<Figures> { l.weeks.iter().map(|w| w.figures).collect() };
        assert_eq!(figures(&around), figures(&whole));
        // The odd goals were open when next week's post began; the ones it kept are carried.
        assert_eq!(around.weeks[1].figures.carried_in, 75);
        let carried = |l: &Ledger| -> Vec<(Option<usize>, Option<usize>, usize)> {
            l.tasks
                .iter()
                .map(|t| (t.carried_from, t.carried_to, t.carry_streak))
                .collect()
        };
        assert_eq!(carried(&around), carried(&whole));

        // One more version of next week's post: the pair is matched again.
        second.push((400, "2021-03-09", renamed.as_str()));
        let after = history(&[(paths[0], &first), (paths[1], &second)]);
        let goals = goals_with(&after, |_, life| goal_date(life));
        let plan = plan_update(&whole, &after, &goals, &[1].into_iter().collect());
        assert!(plan.relink[0]);
        let updated = apply_update(&plan, &whole, &after, &LedgerOptions::default(), &goals)
            .expect("every post is there");
        assert_eq!(format!("{updated:?}"), format!("{:?}", build(&after)));
    }

    #[test]
    fn an_update_equals_a_fresh_build_and_reads_only_the_posts_it_needs() {
        let mut ticked = BASE;
        ticked[2].1 = &[
            (
                2,
                "2021-03-15",
                "- [ ] Plan the talk\n- [ ] Book the venue\n",
            ),
            (
                3,
                "2021-03-16",
                "- [x] Plan the talk\n- [ ] Book the venue\n",
            ),
        ];
        // Ticking this week's task: only this week and the pair before it are worked out.
        assert_eq!(update_matches_build(&ticked, &[2]), [1, 2]);

        let mut next_week = BASE.to_vec();
        next_week.push((
            "_posts/2021-03-22-w4.md",
            &[(3, "2021-03-22", "- [ ] Book the venue\n")],
        ));
        assert_eq!(update_matches_build(&next_week, &[3]), [2, 3]);

        let mut middle = BASE;
        middle[1].1 = &[
            (
                1,
                "2021-03-08",
                "- [ ] Write the parser, at last\n- [ ] Plan the talk\n",
            ),
            (
                3,
                "2021-03-09",
                "- [x] Write the parser, at last\n- [ ] Plan the talk\n",
            ),
        ];
        assert_eq!(update_matches_build(&middle, &[1]), [0, 1, 2]);

        let mut emptied = BASE;
        emptied[2].1 = &[
            (
                2,
                "2021-03-15",
                "- [ ] Plan the talk\n- [ ] Book the venue\n",
            ),
            (3, "2021-03-16", "Cancelled this week.\n"),
        ];
        // No longer a goals post: the week before loses its next post and its due date.
        assert_eq!(update_matches_build(&emptied, &[2]), [1]);
    }

    #[test]
    fn a_tick_counts_from_the_version_a_task_came_back_in() {
        // Ticked on day 2, gone on day 3, back ticked on day 4: done on day 4, not day 2;
        // and a ticked task dropped from the newest version has no tick left.
        let h = history(&[(
            "_posts/2021-03-01-w.md",
            &[
                (
                    0,
                    "2021-03-01",
                    "- [ ] Write the parser\n- [ ] Call the bank\n",
                ),
                (
                    1,
                    "2021-03-02",
                    "- [x] Write the parser\n- [x] Call the bank\n",
                ),
                (2, "2021-03-03", "- [x] Call the bank\n"),
                (
                    3,
                    "2021-03-04",
                    "- [x] Write the parser\n- [x] Call the bank\n",
                ),
                (4, "2021-03-05", "- [x] Write the parser\n"),
            ],
        )]);
        let ledger = build(&h);
        let record = |title: &str| {
            ledger
                .tasks
                .iter()
                .find(|t| t.task.title.to_string() == title)
                .expect("task")
        };
        let parser = record("Write the parser");
        assert_eq!(parser.status, Status::Done);
        let checked = parser.checked.as_ref().expect("a tick");
        assert_eq!(checked.time.date_naive().to_string(), "2021-03-04");
        let bank = record("Call the bank");
        assert_eq!(bank.status, Status::Removed);
        assert!(bank.checked.is_none());
    }

    #[test]
    fn history_imported_after_the_due_date_cannot_tell_what_was_on_time() {
        let h = history(&[(
            "_posts/2020-12-07-w.md",
            &[(
                0,
                "2021-03-03",
                "Finish by 12/12/2020.\n\n- [x] a task\n- [ ] another\n",
            )],
        )]);
        let ledger = build(&h);
        assert_eq!(ledger.weeks[0].figures.done_on_time, None);
        assert!(ledger.weeks[0].first_commit_after_due);
    }

    #[test]
    fn posts_sharing_a_name_form_their_own_series() {
        let h = history(&[
            (
                "notes/2018-03-05--all-hands.md",
                &[(0, "2018-03-05", "- [ ] Ship the release notes\n")],
            ),
            (
                "notes/2018-03-06--libp2p.md",
                &[(1, "2018-03-06", "- [ ] Review the DHT patch\n")],
            ),
            (
                "notes/2018-03-12--all-hands.md",
                &[(2, "2018-03-12", "- [ ] Ship the release notes\n")],
            ),
            (
                "notes/2018-03-13--libp2p.md",
                &[(3, "2018-03-13", "- [x] Review the DHT patch\n")],
            ),
        ]);
        let ledger = build(&h);
        let carried: Vec<(usize, usize)> = ledger
            .weeks
            .iter()
            .map(|w| (w.figures.carried_in, w.figures.carried_out))
            .collect();
        assert_eq!(carried, [(0, 1), (0, 1), (1, 0), (1, 0)]);
        // Due falls back to the next post of the same series.
        assert_eq!(ledger.weeks[0].due.to_string(), "2018-03-12");
        assert_eq!(series_name("notes/2018-03-05-all-hands.md"), "all-hands");
        assert_eq!(series_name("_posts/2020-12-07-RC-Week-4.md"), "RC-Week-4");
        assert_eq!(series_name("vault/2024-W04.md"), "");
        assert_eq!(series_name("vault/2024-W04-review.md"), "review");
        assert_eq!(series_name("notes/é.md"), "é");
    }

    #[test]
    fn posts_with_no_task_now_or_deleted_are_not_goals_posts() {
        let mut h = history(&[
            (
                "_posts/2021-03-01-a.md",
                &[
                    (0, "2021-03-01", "- [ ] a\n"),
                    (1, "2021-03-02", "no tasks now\n"),
                ],
            ),
            ("_posts/2021-03-08-b.md", &[(2, "2021-03-08", "- [ ] b\n")]),
            ("_posts/2021-03-15-c.md", &[(3, "2021-03-15", "- [ ] c\n")]),
        ]);
        h.posts[2].deleted = true;
        let ledger = build(&h);
        assert_eq!(ledger.weeks.len(), 1);
        assert_eq!(ledger.weeks[0].path, "_posts/2021-03-08-b.md");
    }
}
