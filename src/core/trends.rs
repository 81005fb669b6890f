//! Trends (a report stage over the ledger): how well confidence ratings predict what gets done,
//! the chronic carry-overs, rolling completion, the due-date hit rate and how much of the
//! finished work was unplanned.
//!
//! Pure over [`Ledger`]: no clock (callers pass the day that counts as today), no I/O. Numbers
//! only: their text and JSON views are in `render::trends`. The definitions below are the ones
//! the README states.
//!
//! - **A forecast** is a rated task in a post's current version (removed tasks are out, as in
//!   `by_confidence`), with the rating the post gives it now. A task carried over is a new
//!   forecast in each post it is in: each week's post rates it again.
//! - **The outcome** scored is *done*: ticked in that post (late ticks count). Done *on time*
//!   is shown next to it, over the posts where git can tell (see `done_on_time`); the tasks of
//!   posts where it cannot are counted in `on_time_unknown` and left out of that share only.
//! - **Weeks in progress** (due date on or after today) are left out of calibration: their
//!   open tasks are not failures yet.
//! - **The claim** of a rating N is N/scale, on the scale the configuration sets
//!   (`confidence.scale`, 5 unless set): 3/5 claims 60%, 7/10 claims 70%. A rating above the
//!   scale is no forecast and is counted as unrated.
//! - **Well calibrated** at a rating: the share done is within [`WELL_CALIBRATED_WITHIN`] of
//!   its claim (on the usual scale of 5, nearer N/5 than either neighbouring rating); fewer
//!   than [`MIN_TO_JUDGE`] forecasts are too few to judge.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::core::ledger::{Ledger, Status, TaskRecord, Week};
use crate::core::tally::percent;

/// Ten points either side of a rating's claim. It is half a step of the usual scale of 5 (a
/// share this close to N/5 is nearer N/5 than to the ratings on either side); the README
/// promises it in points, so it stays ten points on other scales too.
pub const WELL_CALIBRATED_WITHIN: f64 = 0.10;

/// Fewer forecasts of a rating than this, and its share says more about luck than about you.
pub const MIN_TO_JUDGE: usize = 5;

/// Weeks in the rolling average of completion, and in "last N weeks vs before".
pub const ROLLING_WEEKS: usize = 4;

/// How a rating's forecasts turned out against its claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    WellCalibrated,
    /// Done less often than the rating claims.
    OverConfident,
    /// Done more often than the rating claims.
    UnderConfident,
    TooFewToJudge,
}

/// One rating's forecasts and outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingRow {
    /// The N of N/scale.
    pub rating: u8,
    /// What the rating claims: N/scale.
    pub claim: f64,
    pub tasks: usize,
    pub done: usize,
    pub done_share: f64,
    /// Tasks whose post tells whether they were done on time.
    pub on_time_known: usize,
    pub done_on_time: usize,
    /// `done_on_time / on_time_known`; `None` when no post of this rating can tell.
    pub on_time_share: Option<f64>,
    pub verdict: Verdict,
    pub sentence: String,
}

/// Confidence calibration over every finished week of a ledger.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// The scale ratings were written on (`confidence.scale`): every label reads N/scale.
    pub scale: u8,
    /// Rated tasks scored.
    pub rated: usize,
    /// Unrated tasks of the same weeks (no forecast to score).
    pub unrated: usize,
    /// Tasks of weeks still in progress, left out.
    pub in_progress: usize,
    /// Rated tasks whose post cannot tell done on time (history imported after the due date):
    /// scored for done, left out of the on-time share.
    pub on_time_unknown: usize,
    /// One row per rating that has tasks, lowest first.
    pub ratings: Vec<RatingRow>,
    /// Mean of (N/scale − done)² over rated tasks: 0 is perfect, 0.25 is what always saying 50%
    /// scores; `None` with no rated task.
    pub brier: Option<f64>,
    /// The Brier score of forecasting the overall done share for every task: a rating system
    /// worth its salt scores lower.
    pub brier_reference: Option<f64>,
    /// The Brier score with done on time as the outcome, over tasks whose post can tell.
    pub brier_on_time: Option<f64>,
    /// The one sentence to read.
    pub sentence: String,
}

/// Scores every rated task of the weeks whose due date is before `today` (every week when
/// `today` is `None`), each rating claiming N/`scale`. The scale is the one the posts were
/// parsed with (`ParseOptions::rating_scale`); a scale of 0 is taken as 1.
pub fn calibration(ledger: &Ledger, today: Option<NaiveDate>, scale: u8) -> Calibration {
    // The configuration allows 1–10; guard the division anyway, a library caller may pass 0.
    let scale = scale.max(1);
    #[derive(Default, Clone, Copy)]
    struct Count {
        tasks: usize,
        done: usize,
        on_time_known: usize,
        done_on_time: usize,
    }
    let mut counts = vec![Count::default(); usize::from(scale) + 1];
    let (mut unrated, mut in_progress, mut on_time_unknown) = (0, 0, 0);
    let mut squared_error = 0.0;
    let mut squared_error_on_time = 0.0;

    for record in &ledger.tasks {
        if record.status == Status::Removed {
            continue;
        }
        let Some(week) = ledger.weeks.get(record.week) else {
            continue;
        };
        if today.is_some_and(|today| week.due >= today) {
            in_progress += 1;
            continue;
        }
        let Some(rating) = record.task.confidence.filter(|&r| r <= scale) else {
            unrated += 1;
            continue;
        };
        let claim = f64::from(rating) / f64::from(scale);
        let done = record.status == Status::Done;
        let count = &mut counts[usize::from(rating)];
        count.tasks += 1;
        count.done += usize::from(done);
        squared_error += (claim - f64::from(u8::from(done))).powi(2);
        if week.figures.done_on_time.is_some() {
            let on_time = done_on_time(record, week);
            count.on_time_known += 1;
            count.done_on_time += usize::from(on_time);
            squared_error_on_time += (claim - f64::from(u8::from(on_time))).powi(2);
        } else {
            on_time_unknown += 1;
        }
    }

    let ratings: Vec<RatingRow> = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.tasks > 0)
        .map(|(rating, c)| {
            let rating = rating as u8;
            let claim = f64::from(rating) / f64::from(scale);
            let done_share = c.done as f64 / c.tasks as f64;
            let verdict = verdict(claim, done_share, c.tasks);
            RatingRow {
                rating,
                claim,
                tasks: c.tasks,
                done: c.done,
                done_share,
                on_time_known: c.on_time_known,
                done_on_time: c.done_on_time,
                on_time_share: (c.on_time_known > 0)
                    .then(|| c.done_on_time as f64 / c.on_time_known as f64),
                verdict,
                sentence: rating_sentence(rating, scale, done_share, c.tasks, verdict),
            }
        })
        .collect();

    let rated: usize = ratings.iter().map(|r| r.tasks).sum();
    let rated_done: usize = ratings.iter().map(|r| r.done).sum();
    let known: usize = ratings.iter().map(|r| r.on_time_known).sum();
    let base_rate = rated_done as f64 / rated.max(1) as f64;
    let sentence = headline(&ratings, scale);
    Calibration {
        scale,
        rated,
        unrated,
        in_progress,
        on_time_unknown,
        brier: (rated > 0).then(|| squared_error / rated as f64),
        brier_reference: (rated > 0).then_some(base_rate * (1.0 - base_rate)),
        brier_on_time: (known > 0).then(|| squared_error_on_time / known as f64),
        ratings,
        sentence,
    }
}

/// Done by its post's due date: ticked, by a commit dated (in its own offset) on or before it.
fn done_on_time(record: &TaskRecord, week: &Week) -> bool {
    record.status == Status::Done
        && record
            .checked
            .as_ref()
            .is_some_and(|c| c.time.date_naive() <= week.due)
}

fn verdict(claim: f64, share: f64, forecasts: usize) -> Verdict {
    // A hair of slack so that 0.7 against 0.6 (floating point: 0.0999…) or exactly half a
    // step away reads as calibrated, as the README's "within 10 points" says.
    const SLACK: f64 = 1e-9;
    if forecasts < MIN_TO_JUDGE {
        Verdict::TooFewToJudge
    } else if share < claim - WELL_CALIBRATED_WITHIN - SLACK {
        Verdict::OverConfident
    } else if share > claim + WELL_CALIBRATED_WITHIN + SLACK {
        Verdict::UnderConfident
    } else {
        Verdict::WellCalibrated
    }
}

fn rating_sentence(
    rating: u8,
    scale: u8,
    share: f64,
    forecasts: usize,
    verdict: Verdict,
) -> String {
    let label = format!("{rating}/{scale}");
    let goals = if forecasts == 1 { "goal" } else { "goals" };
    match verdict {
        Verdict::TooFewToJudge => {
            format!("{label}: only {forecasts} {goals} so far, too few to judge")
        }
        Verdict::OverConfident => format!(
            "{label} goals get done {} of the time: you are over-confident at {label}",
            percent(share)
        ),
        Verdict::UnderConfident => format!(
            "{label} goals get done {} of the time: you are under-confident at {label}",
            percent(share)
        ),
        Verdict::WellCalibrated => format!(
            "{label} goals get done {} of the time: well calibrated at {label}",
            percent(share)
        ),
    }
}

/// The rating furthest from its claim speaks for all; ties go to the one with more forecasts.
fn headline(ratings: &[RatingRow], scale: u8) -> String {
    if ratings.is_empty() {
        // A middling rating on the user's own scale: 3/5, 6/10.
        let example = (u16::from(scale) * 3).div_ceil(5);
        return format!(
            "no rated goals yet: end a goal with a confidence such as {example}/{scale} to see how well you predict"
        );
    }
    let judged = ratings
        .iter()
        .filter(|r| r.verdict != Verdict::TooFewToJudge);
    let worst = judged.max_by(|a, b| {
        let gap = |r: &RatingRow| (r.done_share - r.claim).abs();
        gap(a).total_cmp(&gap(b)).then(a.tasks.cmp(&b.tasks))
    });
    match worst {
        None => format!(
            "too few rated goals to judge yet: a rating needs {MIN_TO_JUDGE} goals in finished weeks"
        ),
        Some(row) if row.verdict == Verdict::WellCalibrated => format!(
            "your ratings are well calibrated: each rating with {MIN_TO_JUDGE} goals or more gets done within {} points of what it claims",
            (WELL_CALIBRATED_WITHIN * 100.0).round()
        ),
        Some(row) => row.sentence.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Carry chains

/// What finally became of a carried task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// Ticked in the last post it reached.
    Done,
    /// Left open in a post that has a next post, and not carried into it.
    Dropped,
    /// Deleted from the last post it reached.
    Removed,
    /// Still open in the newest post.
    Open,
}

impl Fate {
    pub fn as_str(self) -> &'static str {
        match self {
            Fate::Done => "done",
            Fate::Dropped => "dropped",
            Fate::Removed => "removed",
            Fate::Open => "open",
        }
    }
}

/// One task followed through the posts it was carried into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarryChain {
    /// Indices into [`Ledger::tasks`], oldest first: one per post it travelled through.
    pub tasks: Vec<usize>,
    pub fate: Fate,
}

impl CarryChain {
    /// Weeks travelled: the number of posts the task was in.
    pub fn weeks(&self) -> usize {
        self.tasks.len()
    }

    /// The record in the newest post it reached.
    pub fn last<'a>(&self, ledger: &'a Ledger) -> Option<&'a TaskRecord> {
        self.tasks.last().and_then(|&i| ledger.tasks.get(i))
    }

    pub fn first<'a>(&self, ledger: &'a Ledger) -> Option<&'a TaskRecord> {
        self.tasks.first().and_then(|&i| ledger.tasks.get(i))
    }
}

/// Follows `carried_to` from `start`. Guarded against a cycle, which a sound ledger never has.
fn follow(ledger: &Ledger, start: usize) -> CarryChain {
    let mut tasks = vec![start];
    let mut seen = HashSet::from([start]);
    let mut at = start;
    while let Some(next) = ledger.tasks.get(at).and_then(|r| r.carried_to) {
        if next >= ledger.tasks.len() || !seen.insert(next) {
            break;
        }
        tasks.push(next);
        at = next;
    }
    let newest = ledger.weeks.len().saturating_sub(1);
    let fate = match ledger.tasks.get(at) {
        Some(r) if r.status == Status::Done => Fate::Done,
        Some(r) if r.status == Status::Removed => Fate::Removed,
        Some(r) if r.week >= newest => Fate::Open,
        _ => Fate::Dropped,
    };
    CarryChain { tasks, fate }
}

/// Every task carried through at least `min_weeks` posts (2: carried at least once), longest
/// first, then oldest first.
pub fn carry_chains(ledger: &Ledger, min_weeks: usize) -> Vec<CarryChain> {
    let mut chains: Vec<CarryChain> = ledger
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, r)| r.carried_from.is_none() && r.carried_to.is_some())
        .map(|(i, _)| follow(ledger, i))
        .filter(|c| c.weeks() >= min_weeks.max(2))
        .collect();
    // Starts are in ledger order (week, then post order): a stable sort keeps oldest first.
    chains.sort_by_key(|c| std::cmp::Reverse(c.weeks()));
    chains
}

/// The goal open in the newest post that has been around longest (following its carries
/// back), with the posts it went through; `None` when the newest post has nothing open.
pub fn oldest_open(ledger: &Ledger) -> Option<CarryChain> {
    let newest = ledger.weeks.len().checked_sub(1)?;
    let mut best: Option<(usize, CarryChain)> = None;
    for (index, record) in ledger.tasks.iter().enumerate() {
        if record.week != newest || record.status != Status::Open {
            continue;
        }
        let start = origin(ledger, index);
        let start_week = ledger.tasks.get(start).map_or(newest, |r| r.week);
        if best.as_ref().is_none_or(|(week, _)| start_week < *week) {
            best = Some((start_week, follow(ledger, start)));
        }
    }
    best.map(|(_, chain)| chain)
}

/// The first record of the chain `index` belongs to.
fn origin(ledger: &Ledger, index: usize) -> usize {
    let mut at = index;
    let mut steps = 0;
    while let Some(previous) = ledger.tasks.get(at).and_then(|r| r.carried_from) {
        steps += 1;
        if steps > ledger.tasks.len() {
            break;
        }
        at = previous;
    }
    at
}

// ---------------------------------------------------------------------------------------------
// Weekly series

/// What the history chart plots for one week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekPoint {
    pub date: NaiveDate,
    pub completion: f64,
    /// Mean completion of this week and up to [`ROLLING_WEEKS`]` − 1` weeks before it (fewer
    /// at the start of the history).
    pub rolling_completion: f64,
    pub carried_in: usize,
    pub added: usize,
    /// Due-date hit rate: done on time / tasks; `None` where git cannot tell.
    pub due_hit_rate: Option<f64>,
}

/// Trailing means over `window` values (fewer at the start).
pub fn rolling_mean(values: &[f64], window: usize) -> Vec<f64> {
    let window = window.max(1);
    let mut sum = 0.0;
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            sum += v;
            if i >= window {
                sum -= values[i - window];
            }
            sum / (i + 1).min(window) as f64
        })
        .collect()
}

/// Due-date hit rate of a week: tasks done by the due date, out of all its tasks.
pub fn due_hit_rate(week: &Week) -> Option<f64> {
    let on_time = week.figures.done_on_time?;
    (week.figures.tasks > 0).then(|| on_time as f64 / week.figures.tasks as f64)
}

/// The series behind the history chart, one point per week, oldest first.
pub fn week_points(weeks: &[&Week]) -> Vec<WeekPoint> {
    let completion: Vec<f64> = weeks.iter().map(|w| w.completion()).collect();
    let rolling = rolling_mean(&completion, ROLLING_WEEKS);
    weeks
        .iter()
        .zip(completion.iter().zip(rolling))
        .map(|(w, (&completion, rolling_completion))| WeekPoint {
            date: w.date,
            completion,
            rolling_completion,
            carried_in: w.figures.carried_in,
            added: w.figures.added,
            due_hit_rate: due_hit_rate(w),
        })
        .collect()
}

/// How the history chart turns a report's weeks into points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartGrouping {
    /// One series: a point per goals post (posts of the same day share one).
    PerPost,
    /// Several series side by side (teams' notes): a point per calendar week starting on
    /// Monday, the posts of every series that week added up. A line from one team's post to
    /// another's would say nothing, and their dates would repeat under the axis.
    PerWeek {
        /// How many series the weeks come from.
        series: usize,
    },
}

/// The points of the history chart, oldest first, and how the weeks were grouped into them:
/// one point per date on the axis, never two. A point's figures are the sums of its posts'
/// (completion is done ÷ tasks meant over them; the hit rate only over posts where it is known).
pub fn chart_points(weeks: &[&Week]) -> (Vec<WeekPoint>, ChartGrouping) {
    let series = crate::core::ledger::series_keys(weeks.iter().map(|w| w.path.as_str()))
        .into_iter()
        .collect::<HashSet<&str>>()
        .len();
    let grouping = if series > 1 {
        ChartGrouping::PerWeek { series }
    } else {
        ChartGrouping::PerPost
    };
    let key = |date: NaiveDate| match grouping {
        ChartGrouping::PerPost => date,
        ChartGrouping::PerWeek { .. } => {
            date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()))
        }
    };
    #[derive(Default)]
    struct Sums {
        done: usize,
        meant: usize,
        carried_in: usize,
        added: usize,
        on_time: usize,
        on_time_of: usize,
        on_time_known: bool,
    }
    // Weeks come in date order, so equal keys are neighbours (a report's weeks are sorted; a
    // key seen out of order still gets a point of its own rather than a wrong sum).
    let mut groups: Vec<(NaiveDate, Sums)> = Vec::new();
    for week in weeks {
        let at = key(week.date);
        if groups.last().is_none_or(|(last, _)| *last != at) {
            groups.push((at, Sums::default()));
        }
        let Some((_, sums)) = groups.last_mut() else {
            continue;
        };
        let f = &week.figures;
        sums.done += f.done;
        sums.meant += f.tasks - f.cancelled.min(f.tasks);
        sums.carried_in += f.carried_in;
        sums.added += f.added;
        if let Some(on_time) = f.done_on_time {
            sums.on_time += on_time;
            sums.on_time_of += f.tasks;
            sums.on_time_known = true;
        }
    }
    let completion: Vec<f64> = groups.iter().map(|(_, s)| ratio(s.done, s.meant)).collect();
    let rolling = rolling_mean(&completion, ROLLING_WEEKS);
    let points = groups
        .iter()
        .zip(completion.iter().zip(rolling))
        .map(|((date, s), (&completion, rolling_completion))| WeekPoint {
            date: *date,
            completion,
            rolling_completion,
            carried_in: s.carried_in,
            added: s.added,
            due_hit_rate: (s.on_time_known && s.on_time_of > 0)
                .then(|| s.on_time as f64 / s.on_time_of as f64),
        })
        .collect();
    (points, grouping)
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Of the weeks a report shows, which ledger weeks they are (weeks are told apart by their post).
pub(crate) fn selected(ledger: &Ledger, weeks: &[&Week]) -> Vec<bool> {
    let posts: HashSet<usize> = weeks.iter().map(|w| w.post).collect();
    ledger
        .weeks
        .iter()
        .map(|w| posts.contains(&w.post))
        .collect()
}

/// Done tasks, and how many of them were added after the post's first version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UnplannedShare {
    pub done: usize,
    pub unplanned_done: usize,
}

impl UnplannedShare {
    pub fn ratio(&self) -> Option<f64> {
        (self.done > 0).then(|| self.unplanned_done as f64 / self.done as f64)
    }
}

/// "Unplanned goals took N% of what you finished": of the tasks done in these weeks, the
/// share that were added mid-week rather than planned in the post's first version.
pub fn unplanned_share(ledger: &Ledger, weeks: &[&Week]) -> UnplannedShare {
    let selected = selected(ledger, weeks);
    let mut share = UnplannedShare {
        done: 0,
        unplanned_done: 0,
    };
    for record in &ledger.tasks {
        if record.status == Status::Done && selected.get(record.week).copied().unwrap_or(false) {
            share.done += 1;
            share.unplanned_done += usize::from(!record.planned);
        }
    }
    share
}

/// Cells of the tick sparkline: one per day of the week's first seven days, from the post's
/// date, and one for every later tick.
pub const TICK_CELLS: usize = 8;

/// When a week's done tasks were ticked: counts per day from the post's date (ticks before it
/// count on its first day), the last cell holding ticks after the seventh day.
pub fn tick_days(ledger: &Ledger) -> Vec<[usize; TICK_CELLS]> {
    let mut days = vec![[0; TICK_CELLS]; ledger.weeks.len()];
    for record in &ledger.tasks {
        let (Some(checked), Some(week)) = (&record.checked, ledger.weeks.get(record.week)) else {
            continue;
        };
        if record.status != Status::Done {
            continue;
        }
        let offset = (checked.time.date_naive() - week.date).num_days().max(0);
        let cell = usize::try_from(offset).map_or(TICK_CELLS - 1, |d| d.min(TICK_CELLS - 1));
        days[record.week][cell] += 1;
    }
    days
}

/// Hand-built ledgers for the tests of the trends and of their views (`render::trends`).
#[cfg(test)]
pub(crate) mod fixture {
    use std::sync::Arc;

    use chrono::{DateTime, Days, NaiveDate};

    use crate::core::history::TaskId;
    use crate::core::ledger::{Ledger, Status, TaskRecord, Week};
    use crate::core::model::{CommitInfo, DueSource, Task};
    use crate::core::tally::Breakdown;

    pub(crate) fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    fn commit_on(date: NaiveDate) -> Arc<CommitInfo> {
        let time =
            DateTime::parse_from_rfc3339(&format!("{date}T12:00:00+01:00")).expect("test time");
        Arc::new(CommitInfo {
            id: format!("{:040}", date.format("%Y%m%d")),
            time,
            summary: String::new(),
        })
    }

    /// A hand-built ledger: weeks a week apart, due a week after their date; the weekly
    /// figures are filled in from the tasks by `finish`, as the ledger would count them.
    #[derive(Default)]
    pub(crate) struct Build {
        weeks: Vec<Week>,
        tasks: Vec<TaskRecord>,
    }

    impl Build {
        pub(crate) fn week(&mut self, date: &str, on_time_known: bool) -> usize {
            let date = day(date);
            self.weeks.push(Week {
                post: 100 + self.weeks.len(),
                path: format!("_posts/{date}-week.md"),
                title: format!("Week of {date}"),
                date,
                due: date.checked_add_days(Days::new(7)).expect("due"),
                due_source: DueSource::DatePlusWeek,
                first_commit_after_due: !on_time_known,
                has_next: true,
                by_confidence: Breakdown::default(),
                by_section: Breakdown::default(),
                figures: crate::core::ledger::Figures {
                    tasks: 0,
                    planned: 0,
                    added: 0,
                    removed: 0,
                    done: 0,
                    done_on_time: on_time_known.then_some(0),
                    open: 0,
                    cancelled: 0,
                    forwarded: 0,
                    carried_in: 0,
                    carried_out: 0,
                    dropped: 0,
                },
            });
            self.weeks.len() - 1
        }

        /// A task of `week`; `checked` is the day it was ticked, making it done.
        pub(crate) fn task(
            &mut self,
            week: usize,
            rating: Option<u8>,
            checked: Option<&str>,
        ) -> usize {
            let date = self.weeks[week].date;
            let status = if checked.is_some() {
                Status::Done
            } else {
                Status::Open
            };
            self.tasks.push(TaskRecord {
                id: TaskId::at(self.tasks.len()),
                key: format!("w{week}#{}", self.tasks.len()),
                week,
                task: Task {
                    title: format!("goal {}", self.tasks.len()).into(),
                    note: Default::default(),
                    checked: checked.is_some(),
                    confidence: rating,
                    section: Default::default(),
                    parent: None,
                    line: 1,
                    marker: 0..3,
                    ..Task::default()
                },
                status,
                planned: true,
                added: commit_on(date),
                checked: checked.map(|d| commit_on(day(d))),
                carried_from: None,
                carried_to: None,
                carry_streak: 0,
            });
            self.tasks.len() - 1
        }

        pub(crate) fn removed(&mut self, week: usize, rating: Option<u8>) -> usize {
            let index = self.task(week, rating, None);
            self.tasks[index].status = Status::Removed;
            index
        }

        pub(crate) fn unplanned(&mut self, task: usize) {
            self.tasks[task].planned = false;
        }

        pub(crate) fn carry(&mut self, from: usize, to: usize) {
            self.tasks[from].carried_to = Some(to);
            self.tasks[to].carried_from = Some(from);
            self.tasks[to].carry_streak = self.tasks[from].carry_streak + 1;
        }

        pub(crate) fn finish(mut self) -> Ledger {
            let newest = self.weeks.len().saturating_sub(1);
            for (w, week) in self.weeks.iter_mut().enumerate() {
                let mine: Vec<&TaskRecord> = self
                    .tasks
                    .iter()
                    .filter(|r| r.week == w && r.status != Status::Removed)
                    .collect();
                week.figures.tasks = mine.len();
                week.figures.planned = mine.iter().filter(|r| r.planned).count();
                week.figures.added = week.figures.tasks - week.figures.planned;
                week.figures.done = mine.iter().filter(|r| r.status == Status::Done).count();
                week.figures.open = week.figures.tasks - week.figures.done;
                let due = week.due;
                week.figures.done_on_time = week.figures.done_on_time.map(|_| {
                    mine.iter()
                        .filter(|r| {
                            r.checked
                                .as_ref()
                                .is_some_and(|c| c.time.date_naive() <= due)
                        })
                        .count()
                });
                week.figures.carried_out = mine.iter().filter(|r| r.carried_to.is_some()).count();
                week.figures.carried_in = mine.iter().filter(|r| r.carried_from.is_some()).count();
                week.figures.dropped = if w == newest {
                    0
                } else {
                    mine.iter()
                        .filter(|r| r.status == Status::Open && r.carried_to.is_none())
                        .count()
                };
            }
            Ledger {
                head: Some("0".repeat(40)),
                weeks: self.weeks,
                tasks: self.tasks,
                warnings: Vec::new(),
            }
        }
    }

    /// Four weeks: A travels 0→1→2 and is done; B 1→2→3 still open; C 0→1 dropped;
    /// D 2→3 removed in week 3; E is open in week 3 and never carried.
    pub(crate) fn carried_ledger() -> (Ledger, [usize; 5]) {
        let mut b = Build::default();
        let w: Vec<usize> = ["2021-03-01", "2021-03-08", "2021-03-15", "2021-03-22"]
            .iter()
            .map(|d| b.week(d, true))
            .collect();
        let a0 = b.task(w[0], Some(3), None);
        let c0 = b.task(w[0], None, None);
        let a1 = b.task(w[1], Some(3), None);
        let c1 = b.task(w[1], None, None);
        let b1 = b.task(w[1], Some(2), None);
        let a2 = b.task(w[2], Some(4), Some("2021-03-17"));
        let b2 = b.task(w[2], Some(2), None);
        let d2 = b.task(w[2], None, None);
        let b3 = b.task(w[3], Some(2), None);
        let d3 = b.removed(w[3], None);
        let e3 = b.task(w[3], None, None);
        b.carry(a0, a1);
        b.carry(a1, a2);
        b.carry(c0, c1);
        b.carry(b1, b2);
        b.carry(b2, b3);
        b.carry(d2, d3);
        (b.finish(), [a0, b1, c0, d2, e3])
    }

    /// One week, two unrated goals: one done, one open.
    pub(crate) fn unrated_week() -> Ledger {
        let mut b = Build::default();
        let w = b.week("2021-03-01", true);
        b.task(w, None, Some("2021-03-02"));
        b.task(w, None, None);
        b.finish()
    }

    /// Two weeks on the scale of 5: 3/5 right on its claim, 5/5 over-confident, 1/5 too few
    /// to judge; one removed and one unrated goal besides.
    pub(crate) fn three_ratings() -> Ledger {
        let mut b = Build::default();
        let w0 = b.week("2021-03-01", true);
        let w1 = b.week("2021-03-08", true);
        // 3/5: 6 of 10 done — right on the claim. One of them ticked late.
        for i in 0..10 {
            let week = if i < 5 { w0 } else { w1 };
            let tick = match i {
                0 => Some("2021-03-12"), // week 0 is due 03-08: late
                1..=4 => Some("2021-03-03"),
                5 => Some("2021-03-10"),
                _ => None,
            };
            b.task(week, Some(3), tick);
        }
        // 5/5: 2 of 5 done — over-confident.
        for i in 0..5 {
            b.task(w1, Some(5), (i < 2).then_some("2021-03-09"));
        }
        // 1/5: 1 of 2 — too few to judge.
        b.task(w0, Some(1), Some("2021-03-02"));
        b.task(w0, Some(1), None);
        // Removed and unrated tasks are no forecasts.
        b.removed(w0, Some(5));
        b.task(w1, None, Some("2021-03-09"));
        b.finish()
    }

    /// One week rated on a scale of 10: 7/10 right on its claim, 9/10 far below it.
    pub(crate) fn out_of_ten() -> Ledger {
        let mut b = Build::default();
        let w = b.week("2021-03-01", true);
        // 7/10: 7 of 10 done — exactly its claim of 70%.
        for i in 0..10 {
            b.task(w, Some(7), (i < 7).then_some("2021-03-02"));
        }
        // 9/10: 2 of 5 done — far below 90%.
        for i in 0..5 {
            b.task(w, Some(9), (i < 2).then_some("2021-03-02"));
        }
        b.finish()
    }

    /// Three weeks of goals rated 2/5: one imported after its due date (on time unknown), one
    /// ticked late, and a current week due 03-22.
    pub(crate) fn in_progress_and_imported() -> Ledger {
        let mut b = Build::default();
        let imported = b.week("2021-03-01", false);
        let closed = b.week("2021-03-08", true);
        let current = b.week("2021-03-15", true);
        b.task(imported, Some(2), Some("2021-04-01"));
        b.task(imported, Some(2), None);
        b.task(closed, Some(2), Some("2021-03-20")); // after its due date, 03-15
        b.task(current, Some(2), None);
        b.task(current, Some(2), Some("2021-03-16"));
        b.finish()
    }

    /// One week, one rated goal, done: nothing carried, nothing open.
    pub(crate) fn one_done_goal() -> Ledger {
        let mut b = Build::default();
        let w = b.week("2021-03-01", true);
        b.task(w, Some(3), Some("2021-03-02"));
        b.finish()
    }

    /// One week whose goals were ticked over its seven days and after, one left open.
    pub(crate) fn ticks_of_one_week() -> Ledger {
        let mut b = Build::default();
        let w = b.week("2021-03-01", true);
        b.task(w, None, Some("2021-02-27")); // before the post's date: its first day
        b.task(w, None, Some("2021-03-01"));
        b.task(w, None, Some("2021-03-04"));
        b.task(w, None, Some("2021-03-04"));
        b.task(w, None, Some("2021-03-07"));
        b.task(w, None, Some("2021-03-08")); // the eighth day: later
        b.task(w, None, Some("2021-04-20"));
        b.task(w, None, None);
        b.finish()
    }

    /// [`carried_ledger`] where week 2's done task was added mid-week.
    pub(crate) fn carried_with_unplanned_done() -> Ledger {
        let (mut ledger, _) = carried_ledger();
        for record in &mut ledger.tasks {
            if record.status == Status::Done {
                record.planned = false;
            }
        }
        ledger
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{
        Build, carried_ledger, carried_with_unplanned_done, day, in_progress_and_imported,
        one_done_goal, out_of_ten, three_ratings, ticks_of_one_week, unrated_week,
    };
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn no_rated_goals_means_no_score_and_says_how_to_rate() {
        let ledger = unrated_week();
        let c = calibration(&ledger, None, 5);
        assert_eq!((c.rated, c.unrated), (0, 2));
        assert!(c.ratings.is_empty());
        assert_eq!(c.brier, None);
        assert_eq!(c.brier_on_time, None);
        assert!(
            c.sentence.starts_with("no rated goals yet"),
            "{}",
            c.sentence
        );
        // Its text: the test of the same name in `render::trends`.
    }

    #[test]
    fn one_week_all_done_is_under_confident_at_four() {
        let mut b = Build::default();
        let w = b.week("2021-03-01", true);
        for _ in 0..5 {
            b.task(w, Some(4), Some("2021-03-03"));
        }
        let ledger = b.finish();
        let c = calibration(&ledger, None, 5);
        assert_eq!(c.ratings.len(), 1);
        let row = &c.ratings[0];
        assert_eq!((row.rating, row.tasks, row.done), (4, 5, 5));
        assert_eq!(row.on_time_share, Some(1.0));
        assert_eq!(row.verdict, Verdict::UnderConfident);
        // Every forecast said 0.8 and came true: (0.8 − 1)² each.
        assert!(close(c.brier.unwrap(), 0.04));
        assert_eq!(c.brier_reference, Some(0.0));
        assert_eq!(
            c.sentence,
            "4/5 goals get done 100% of the time: you are under-confident at 4/5"
        );
    }

    #[test]
    fn calibration_scores_each_rating_and_names_the_worst() {
        let ledger = three_ratings();
        let c = calibration(&ledger, None, 5);

        let rows: Vec<(u8, usize, usize, Verdict)> = c
            .ratings
            .iter()
            .map(|r| (r.rating, r.tasks, r.done, r.verdict))
            .collect();
        assert_eq!(
            rows,
            vec![
                (1, 2, 1, Verdict::TooFewToJudge),
                (3, 10, 6, Verdict::WellCalibrated),
                (5, 5, 2, Verdict::OverConfident),
            ]
        );
        assert_eq!((c.rated, c.unrated), (17, 1));
        let three = &c.ratings[1];
        assert_eq!((three.on_time_known, three.done_on_time), (10, 5));
        // Squared errors by hand: 1/5 → 0.64 + 0.04; 3/5 → 6 × 0.16 + 4 × 0.36;
        // 5/5 → 2 × 0 + 3 × 1.
        let expected = (0.64 + 0.04 + 6.0 * 0.16 + 4.0 * 0.36 + 3.0) / 17.0;
        assert!(close(c.brier.unwrap(), expected), "{:?}", c.brier);
        let p = 9.0 / 17.0;
        assert!(close(c.brier_reference.unwrap(), p * (1.0 - p)));
        assert_eq!(
            c.sentence,
            "5/5 goals get done 40% of the time: you are over-confident at 5/5"
        );
        // Its text: the test of the same name in `render::trends`.
    }

    #[test]
    fn a_share_half_a_step_from_the_claim_is_still_calibrated() {
        let mut b = Build::default();
        let w = b.week("2021-03-01", true);
        // 7 of 10 at 3/5: 0.7 − 0.6 is 0.0999… in floating point, and exactly the tolerance.
        for i in 0..10 {
            b.task(w, Some(3), (i < 7).then_some("2021-03-02"));
        }
        // 4 of 5 at 5/5: 0.8 is 0.2 below the claim.
        for i in 0..5 {
            b.task(w, Some(5), (i < 4).then_some("2021-03-02"));
        }
        let c = calibration(&b.finish(), None, 5);
        assert_eq!(c.ratings[0].verdict, Verdict::WellCalibrated);
        assert_eq!(c.ratings[1].verdict, Verdict::OverConfident);
    }

    #[test]
    fn a_scale_of_ten_claims_tenths_and_labels_every_rating_out_of_ten() {
        let ledger = out_of_ten();

        let c = calibration(&ledger, None, 10);
        assert_eq!(c.scale, 10);
        assert_eq!((c.rated, c.unrated), (15, 0));
        let claims: Vec<(u8, f64, Verdict)> = c
            .ratings
            .iter()
            .map(|r| (r.rating, r.claim, r.verdict))
            .collect();
        assert_eq!(
            claims,
            vec![
                (7, 0.7, Verdict::WellCalibrated),
                (9, 0.9, Verdict::OverConfident)
            ]
        );
        // By hand: 7 × 0.3² + 3 × 0.7² + 2 × 0.1² + 3 × 0.9², over 15.
        let expected = (7.0 * 0.09 + 3.0 * 0.49 + 2.0 * 0.01 + 3.0 * 0.81) / 15.0;
        assert!(close(c.brier.unwrap(), expected), "{:?}", c.brier);
        assert_eq!(
            c.sentence,
            "9/10 goals get done 40% of the time: you are over-confident at 9/10"
        );
        // Its text: the test of the same name in `render::trends`.

        // Read on the default scale the same ratings are out of range: no forecast at all.
        let five = calibration(&ledger, None, 5);
        assert_eq!((five.rated, five.unrated), (0, 15));
        assert!(five.sentence.contains("such as 3/5"), "{}", five.sentence);

        let empty = calibration(&Build::default().finish(), None, 10);
        assert!(
            empty.sentence.contains("such as 6/10"),
            "{}",
            empty.sentence
        );
    }

    #[test]
    fn weeks_in_progress_and_unknown_on_time_are_handled_apart() {
        let ledger = in_progress_and_imported();

        // The current week is due 03-22: on 03-22 it is still in progress.
        let c = calibration(&ledger, Some(day("2021-03-22")), 5);
        assert_eq!(c.in_progress, 2);
        assert_eq!(c.on_time_unknown, 2);
        let row = &c.ratings[0];
        assert_eq!((row.tasks, row.done), (3, 2));
        assert_eq!((row.on_time_known, row.done_on_time), (1, 0));
        assert_eq!(row.on_time_share, Some(0.0));
        // On time, over the one task whose post can tell: (0.4 − 0)².
        assert!(close(c.brier_on_time.unwrap(), 0.16));
        // Its text: the test of the same name in `render::trends`.

        // A day later the week is over and counts.
        let c = calibration(&ledger, Some(day("2021-03-23")), 5);
        assert_eq!((c.in_progress, c.rated), (0, 5));
    }

    #[test]
    fn carry_chains_longest_first_with_their_fate() {
        let (ledger, [a0, b1, c0, d2, _]) = carried_ledger();
        let chains = carry_chains(&ledger, 2);
        let got: Vec<(usize, usize, Fate)> = chains
            .iter()
            .map(|c| (c.tasks[0], c.weeks(), c.fate))
            .collect();
        assert_eq!(
            got,
            vec![
                (a0, 3, Fate::Done),
                (b1, 3, Fate::Open),
                (c0, 2, Fate::Dropped),
                (d2, 2, Fate::Removed),
            ]
        );
        // The chain's length is the streak of its last post plus one.
        for chain in &chains {
            let last = chain.last(&ledger).unwrap();
            assert_eq!(chain.weeks(), last.carry_streak + 1);
        }
        assert_eq!(carry_chains(&ledger, 3).len(), 2);

        let oldest = oldest_open(&ledger).expect("open goals in the newest post");
        assert_eq!(oldest.tasks[0], b1);
        assert_eq!(oldest.weeks(), 3);
        // Their text and JSON: the test of the same name in `render::trends`.
    }

    #[test]
    fn nothing_carried_and_nothing_open() {
        let ledger = one_done_goal();
        assert!(carry_chains(&ledger, 2).is_empty());
        assert_eq!(oldest_open(&ledger), None);
        // Its text: the test of the same name in `render::trends`.
        assert_eq!(oldest_open(&Build::default().finish()), None);
    }

    #[test]
    fn an_open_goal_never_carried_is_its_own_oldest() {
        let (mut ledger, [.., e3]) = carried_ledger();
        // Without B, E (only in the newest post) is the oldest open goal.
        for record in &mut ledger.tasks {
            if record.week == 3 && record.task.confidence == Some(2) {
                record.status = Status::Done;
            }
        }
        let oldest = oldest_open(&ledger).expect("E is open");
        assert_eq!(oldest.tasks, vec![e3]);
        assert_eq!(oldest.fate, Fate::Open);
    }

    #[test]
    fn rolling_means_use_what_there_is_at_the_start() {
        let got = rolling_mean(&[1.0, 0.0, 1.0, 0.0, 1.0, 1.0], 4);
        let want = [1.0, 0.5, 2.0 / 3.0, 0.5, 0.5, 0.75];
        assert!(got.iter().zip(want).all(|(g, w)| close(*g, w)), "{got:?}");
        assert!(rolling_mean(&[], 4).is_empty());
        assert_eq!(rolling_mean(&[0.3, 0.5], 1), vec![0.3, 0.5]);
    }

    #[test]
    fn week_points_carry_the_hit_rate_only_where_known() {
        let mut b = Build::default();
        let w0 = b.week("2021-03-01", false);
        let w1 = b.week("2021-03-08", true);
        b.task(w0, None, Some("2021-03-02"));
        b.task(w1, None, Some("2021-03-09"));
        b.task(w1, None, Some("2021-03-30"));
        let t = b.task(w1, None, None);
        b.unplanned(t);
        let ledger = b.finish();
        let weeks: Vec<&Week> = ledger.weeks.iter().collect();
        let points = week_points(&weeks);
        assert_eq!(points[0].due_hit_rate, None);
        assert!(close(points[1].due_hit_rate.unwrap(), 1.0 / 3.0));
        assert!(close(points[1].completion, 2.0 / 3.0));
        assert!(close(points[1].rolling_completion, (1.0 + 2.0 / 3.0) / 2.0));
        assert_eq!((points[1].added, points[1].carried_in), (1, 0));
    }

    #[test]
    fn chart_points_of_several_series_are_one_per_week_never_a_repeated_date() {
        // Two teams' notes side by side (`--all-hands`, `--ipld`), one of them on a Tuesday.
        let mut b = Build::default();
        let a1 = b.week("2021-03-01", true);
        let i1 = b.week("2021-03-01", false);
        let a2 = b.week("2021-03-08", true);
        let i2 = b.week("2021-03-09", true);
        b.task(a1, None, Some("2021-03-02"));
        b.task(a1, None, None);
        b.task(i1, None, Some("2021-03-03"));
        b.task(a2, None, None);
        let t = b.task(i2, None, Some("2021-03-10"));
        b.unplanned(t);
        let mut ledger = b.finish();
        for (week, name) in [
            (a1, "all-hands"),
            (i1, "ipld"),
            (a2, "all-hands"),
            (i2, "ipld"),
        ] {
            let date = ledger.weeks[week].date;
            ledger.weeks[week].path = format!("notes/{date}--{name}.md");
        }
        let weeks: Vec<&Week> = ledger.weeks.iter().collect();
        let (points, grouping) = chart_points(&weeks);
        assert_eq!(grouping, ChartGrouping::PerWeek { series: 2 });
        let dates: Vec<String> = points.iter().map(|p| p.date.to_string()).collect();
        assert_eq!(dates, ["2021-03-01", "2021-03-08"], "Mondays, each once");
        assert!(
            close(points[0].completion, 2.0 / 3.0),
            "2 of the week's 3 tasks"
        );
        assert!(close(points[1].completion, 0.5));
        assert_eq!(points[1].added, 1);
        // The hit rate only over the posts where it is known: 1 of a1's 2 tasks.
        assert!(close(points[0].due_hit_rate.unwrap(), 0.5));

        // One series: a point per post, but two posts of one day are one point.
        let mut b = Build::default();
        let w0 = b.week("2021-03-01", true);
        let w1 = b.week("2021-03-01", true);
        let w2 = b.week("2021-03-04", true);
        for w in [w0, w1, w2] {
            b.task(w, None, None);
        }
        let ledger = b.finish();
        let weeks: Vec<&Week> = ledger.weeks.iter().collect();
        let (points, grouping) = chart_points(&weeks);
        assert_eq!(grouping, ChartGrouping::PerPost);
        assert_eq!(points.len(), 2);
    }

    #[test]
    fn ticks_fall_on_the_days_of_the_week() {
        let ledger = ticks_of_one_week();
        assert_eq!(tick_days(&ledger), vec![[2, 0, 0, 2, 0, 0, 1, 2]]);
        // Their sparklines: the test of the same name in `render::trends`.
    }

    #[test]
    fn unplanned_share_over_the_weeks_shown() {
        let ledger = carried_with_unplanned_done();
        let all: Vec<&Week> = ledger.weeks.iter().collect();
        assert_eq!(
            unplanned_share(&ledger, &all),
            UnplannedShare {
                done: 1,
                unplanned_done: 1
            }
        );
        assert_eq!(unplanned_share(&ledger, &all[..2]).ratio(), None);
        // Its line under `history`: the test of the same name in `render::trends`.
    }
}
