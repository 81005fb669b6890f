//! Trends (a report stage over the ledger): how well confidence ratings predict what gets done,
//! the chronic carry-overs, rolling completion, the due-date hit rate and how much of the
//! finished work was unplanned.
//!
//! Pure over [`Ledger`]: no clock (callers pass the day that counts as today), no I/O. The
//! definitions below are the ones the README states.
//!
//! - **A forecast** is a rated task in a post's current version (removed tasks are out, as in
//!   `by_confidence`), with the rating the post gives it now. A task carried over is a new
//!   forecast in each post it is in: each week's post rates it again.
//! - **The outcome** scored is *done*: ticked in that post (late ticks count). Done *on time*
//!   is shown next to it, over the posts where git can tell (see `done_on_time`); the tasks of
//!   posts where it cannot are counted in `on_time_unknown` and left out of that share only.
//! - **Weeks in progress** (due date on or after today) are left out of calibration: their
//!   open tasks are not failures yet.
//! - **Well calibrated** at a rating: the share done is within [`WELL_CALIBRATED_WITHIN`] of
//!   N/5, i.e. nearer N/5 than either neighbouring rating; fewer than [`MIN_TO_JUDGE`] forecasts
//!   are too few to judge.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::ledger::{Ledger, Status, TaskRecord, Week};
use crate::post::RATING_SCALE;
use crate::report::{percent, round3};

/// Half a rating step (a step is 1/5 = 0.2): a share this close to N/5 is nearer N/5 than to
/// the ratings on either side.
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
    /// The N of N/5.
    pub rating: u8,
    /// What the rating claims: N/5.
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
    /// Mean of (N/5 − done)² over rated tasks: 0 is perfect, 0.25 is what always saying 50%
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
/// `today` is `None`).
pub fn calibration(ledger: &Ledger, today: Option<NaiveDate>) -> Calibration {
    let scale = usize::from(RATING_SCALE);
    #[derive(Default, Clone, Copy)]
    struct Count {
        tasks: usize,
        done: usize,
        on_time_known: usize,
        done_on_time: usize,
    }
    let mut counts = vec![Count::default(); scale + 1];
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
        let Some(rating) = record.task.confidence.filter(|&r| r <= RATING_SCALE) else {
            unrated += 1;
            continue;
        };
        let claim = f64::from(rating) / f64::from(RATING_SCALE);
        let done = record.status == Status::Done;
        let count = &mut counts[usize::from(rating)];
        count.tasks += 1;
        count.done += usize::from(done);
        squared_error += (claim - f64::from(u8::from(done))).powi(2);
        if week.done_on_time.is_some() {
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
            let claim = f64::from(rating) / f64::from(RATING_SCALE);
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
                sentence: rating_sentence(rating, done_share, c.tasks, verdict),
            }
        })
        .collect();

    let rated: usize = ratings.iter().map(|r| r.tasks).sum();
    let rated_done: usize = ratings.iter().map(|r| r.done).sum();
    let known: usize = ratings.iter().map(|r| r.on_time_known).sum();
    let base_rate = rated_done as f64 / rated.max(1) as f64;
    let sentence = headline(&ratings);
    Calibration {
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

fn rating_sentence(rating: u8, share: f64, forecasts: usize, verdict: Verdict) -> String {
    let label = format!("{rating}/{RATING_SCALE}");
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
fn headline(ratings: &[RatingRow]) -> String {
    if ratings.is_empty() {
        return format!(
            "no rated goals yet: end a goal with a confidence such as 3/{RATING_SCALE} to see how well you predict"
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
    let on_time = week.done_on_time?;
    (week.tasks > 0).then(|| on_time as f64 / week.tasks as f64)
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
            carried_in: w.carried_in,
            added: w.added,
            due_hit_rate: due_hit_rate(w),
        })
        .collect()
}

/// Of the weeks a report shows, which ledger weeks they are (weeks are told apart by their post).
fn selected(ledger: &Ledger, weeks: &[&Week]) -> Vec<bool> {
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

/// Tasks carried into the next week, out of all tasks, over some weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CarryRate {
    pub weeks: usize,
    pub tasks: usize,
    pub carried_out: usize,
}

impl CarryRate {
    pub fn ratio(&self) -> Option<f64> {
        (self.tasks > 0).then(|| self.carried_out as f64 / self.tasks as f64)
    }
}

/// Carry-over rate in the last `recent` weeks against the weeks before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CarryTrend {
    pub recent: Option<CarryRate>,
    pub before: Option<CarryRate>,
}

/// Carry-over rate, last `recent` weeks vs before. Only weeks that have a next post count: the
/// newest post has had no chance to carry anything, and counting it would flatter the recent
/// weeks.
pub fn carry_trend(ledger: &Ledger, weeks: &[&Week], recent: usize) -> CarryTrend {
    let newest = ledger.weeks.last().map(|w| w.post);
    let closed: Vec<&&Week> = weeks.iter().filter(|w| Some(w.post) != newest).collect();
    let split = closed.len().saturating_sub(recent);
    let rate = |part: &[&&Week]| {
        (!part.is_empty()).then(|| CarryRate {
            weeks: part.len(),
            tasks: part.iter().map(|w| w.tasks).sum(),
            carried_out: part.iter().map(|w| w.carried_out).sum(),
        })
    };
    CarryTrend {
        recent: rate(&closed[split..]),
        before: rate(&closed[..split]),
    }
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

/// A sparkline of `counts`, scaled so that `max` fills a cell; `·` marks zero.
pub fn sparkline(counts: &[usize], max: usize) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    counts
        .iter()
        .map(|&n| {
            if n == 0 || max == 0 {
                '·'
            } else {
                let level = (n.min(max) * LEVELS.len()).div_ceil(max);
                LEVELS[level.clamp(1, LEVELS.len()) - 1]
            }
        })
        .collect()
}

/// Sparklines of when each shown week's tasks were ticked, on one scale for all rows so they
/// compare; keyed by the week's post.
pub fn tick_sparklines(ledger: &Ledger, weeks: &[&Week]) -> HashMap<usize, String> {
    let days = tick_days(ledger);
    let selected = selected(ledger, weeks);
    let max = days
        .iter()
        .zip(&selected)
        .filter(|(_, s)| **s)
        .flat_map(|(d, _)| d.iter().copied())
        .max()
        .unwrap_or(0);
    ledger
        .weeks
        .iter()
        .zip(&days)
        .zip(&selected)
        .filter(|(_, s)| **s)
        .map(|((w, d), _)| {
            let (week, late) = d.split_at(TICK_CELLS - 1);
            (
                w.post,
                format!("{} {}", sparkline(week, max), sparkline(late, max)),
            )
        })
        .collect()
}

/// The two summary lines `history` adds under its trend.
pub fn summary_lines(ledger: &Ledger, weeks: &[&Week]) -> String {
    let mut out = String::new();
    let unplanned = unplanned_share(ledger, weeks);
    if let Some(ratio) = unplanned.ratio() {
        out.push_str(&format!(
            "unplanned goals took {} of what you finished ({} of {} done goals were added mid-week)\n",
            percent(ratio),
            unplanned.unplanned_done,
            unplanned.done
        ));
    }
    let trend = carry_trend(ledger, weeks, ROLLING_WEEKS);
    if let Some(recent) = trend.recent.and_then(|r| Some((r, r.ratio()?))) {
        let (rate, ratio) = recent;
        let before = trend.before.and_then(|b| b.ratio()).map_or_else(
            || "no weeks before to compare".to_string(),
            |b| format!("{} before", percent(b)),
        );
        out.push_str(&format!(
            "carry-over rate {} in the last {} weeks with a next post vs {}\n",
            percent(ratio),
            rate.weeks,
            before
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Text and JSON

/// `gitgoals calibration` as text.
pub fn calibration_text(calibration: &Calibration) -> String {
    let mut out = String::new();
    if calibration.ratings.is_empty() {
        out.push_str(&calibration.sentence);
        out.push('\n');
        return out;
    }
    out.push_str("rating  claims  goals   done          on time       verdict\n");
    for row in &calibration.ratings {
        let on_time = match row.on_time_share {
            Some(share) => format!(
                "{:>3}/{:<3} {:>4}",
                row.done_on_time,
                row.on_time_known,
                percent(share)
            ),
            None => "unknown".to_string(),
        };
        let verdict = match row.verdict {
            Verdict::WellCalibrated => "well calibrated",
            Verdict::OverConfident => "over-confident",
            Verdict::UnderConfident => "under-confident",
            Verdict::TooFewToJudge => "too few to judge",
        };
        out.push_str(&format!(
            "{:>4}/{RATING_SCALE}  {:>6}  {:>5}  {:>3} {:>4} {}  {:<12}  {verdict}\n",
            row.rating,
            percent(row.claim),
            row.tasks,
            row.done,
            percent(row.done_share),
            crate::report::bar(row.done_share, 5),
            on_time,
        ));
    }
    out.push('\n');
    out.push_str(&calibration.sentence);
    out.push('\n');
    if let (Some(brier), Some(reference)) = (calibration.brier, calibration.brier_reference) {
        out.push_str(&format!(
            "Brier score {brier:.3} over {} rated goals (0 is perfect; always forecasting your overall rate would score {reference:.3})\n",
            calibration.rated
        ));
    }
    let mut notes = Vec::new();
    if calibration.unrated > 0 {
        notes.push(format!("{} unrated goals not scored", calibration.unrated));
    }
    if calibration.in_progress > 0 {
        notes.push(format!(
            "{} goals of weeks still before their due date left out",
            calibration.in_progress
        ));
    }
    if calibration.on_time_unknown > 0 {
        notes.push(format!(
            "on time unknown for {} goals (their post's history starts after its due date)",
            calibration.on_time_unknown
        ));
    }
    if !notes.is_empty() {
        out.push_str(&format!("({})\n", notes.join("; ")));
    }
    out
}

/// `gitgoals calibration --format json`.
#[derive(Debug, Serialize)]
pub struct CalibrationDocument<'a> {
    pub head: Option<&'a str>,
    /// Weeks due on or after this day were left out.
    pub today: Option<String>,
    /// What a forecast is scored against.
    pub outcome: &'static str,
    pub well_calibrated_within: f64,
    pub min_to_judge: usize,
    #[serde(flatten)]
    pub calibration: CalibrationRounded,
}

/// [`Calibration`] with ratios at three decimals, as every JSON document gives them.
#[derive(Debug, Serialize)]
pub struct CalibrationRounded {
    pub rated: usize,
    pub unrated: usize,
    pub in_progress: usize,
    pub on_time_unknown: usize,
    pub brier: Option<f64>,
    pub brier_reference: Option<f64>,
    pub brier_on_time: Option<f64>,
    pub ratings: Vec<RatingRow>,
    pub sentence: String,
}

pub fn calibration_document<'a>(
    ledger: &'a Ledger,
    calibration: &Calibration,
    today: Option<NaiveDate>,
) -> CalibrationDocument<'a> {
    CalibrationDocument {
        head: ledger.head.as_deref(),
        today: today.map(|d| d.to_string()),
        outcome: "done",
        well_calibrated_within: WELL_CALIBRATED_WITHIN,
        min_to_judge: MIN_TO_JUDGE,
        calibration: CalibrationRounded {
            rated: calibration.rated,
            unrated: calibration.unrated,
            in_progress: calibration.in_progress,
            on_time_unknown: calibration.on_time_unknown,
            brier: calibration.brier.map(round3),
            brier_reference: calibration.brier_reference.map(round3),
            brier_on_time: calibration.brier_on_time.map(round3),
            ratings: calibration
                .ratings
                .iter()
                .map(|r| RatingRow {
                    claim: round3(r.claim),
                    done_share: round3(r.done_share),
                    on_time_share: r.on_time_share.map(round3),
                    ..r.clone()
                })
                .collect(),
            sentence: calibration.sentence.clone(),
        },
    }
}

/// One post a carried task went through.
#[derive(Debug, Serialize)]
pub struct ChainStepDocument<'a> {
    pub id: &'a str,
    pub post: &'a str,
    pub date: String,
    pub text: &'a str,
    pub status: Status,
}

/// One chain of `gitgoals carry --format json`.
#[derive(Debug, Serialize)]
pub struct ChainDocument<'a> {
    /// The title as it reads in the newest post it reached.
    pub text: &'a str,
    pub weeks: usize,
    pub fate: Fate,
    pub posts: Vec<ChainStepDocument<'a>>,
}

/// `gitgoals carry --format json`.
#[derive(Debug, Serialize)]
pub struct CarryDocument<'a> {
    pub head: Option<&'a str>,
    pub min_weeks: usize,
    pub chains: Vec<ChainDocument<'a>>,
    pub oldest_open: Option<ChainDocument<'a>>,
}

fn chain_document<'a>(ledger: &'a Ledger, chain: &CarryChain) -> ChainDocument<'a> {
    let steps: Vec<ChainStepDocument<'a>> = chain
        .tasks
        .iter()
        .filter_map(|&i| ledger.tasks.get(i))
        .filter_map(|r| {
            let week = ledger.weeks.get(r.week)?;
            Some(ChainStepDocument {
                id: &r.key,
                post: &week.path,
                date: week.date.to_string(),
                text: &r.task.title,
                status: r.status,
            })
        })
        .collect();
    ChainDocument {
        text: chain.last(ledger).map_or("", |r| r.task.title.as_str()),
        weeks: chain.weeks(),
        fate: chain.fate,
        posts: steps,
    }
}

pub fn carry_document<'a>(
    ledger: &'a Ledger,
    chains: &[CarryChain],
    oldest_open: Option<&CarryChain>,
    min_weeks: usize,
) -> CarryDocument<'a> {
    CarryDocument {
        head: ledger.head.as_deref(),
        min_weeks,
        chains: chains.iter().map(|c| chain_document(ledger, c)).collect(),
        oldest_open: oldest_open.map(|c| chain_document(ledger, c)),
    }
}

/// `gitgoals carry` as text.
pub fn carry_text(
    ledger: &Ledger,
    chains: &[CarryChain],
    oldest_open: Option<&CarryChain>,
    min_weeks: usize,
) -> String {
    let mut out = String::new();
    if chains.is_empty() {
        out.push_str(&format!(
            "no goal was carried through {} posts or more\n",
            min_weeks.max(2)
        ));
    } else {
        out.push_str(&format!(
            "{} goals carried through {} posts or more, longest first\n\n",
            chains.len(),
            min_weeks.max(2)
        ));
    }
    for chain in chains {
        out.push_str(&chain_text(ledger, chain));
    }
    match oldest_open {
        Some(chain) => {
            let since = chain
                .first(ledger)
                .and_then(|r| ledger.weeks.get(r.week))
                .map_or_else(String::new, |w| w.date.to_string());
            let title = chain.last(ledger).map_or("", |r| r.task.title.as_str());
            out.push_str(&format!(
                "\noldest open goal: \"{}\", open since {since} ({} {})\n",
                crate::report::display_title(title),
                chain.weeks(),
                if chain.weeks() == 1 { "post" } else { "posts" }
            ));
        }
        None => out.push_str("\nno open goals in the newest post\n"),
    }
    out
}

fn chain_text(ledger: &Ledger, chain: &CarryChain) -> String {
    let title = chain.last(ledger).map_or("", |r| r.task.title.as_str());
    // Full dates where the year changes, month and day otherwise: short, never ambiguous.
    let mut dates = Vec::with_capacity(chain.tasks.len());
    let mut year = None;
    for week in chain
        .tasks
        .iter()
        .filter_map(|&i| ledger.tasks.get(i))
        .filter_map(|r| ledger.weeks.get(r.week))
    {
        let format = if year == Some(week.date.year()) {
            "%m-%d"
        } else {
            "%Y-%m-%d"
        };
        year = Some(week.date.year());
        dates.push(week.date.format(format).to_string());
    }
    let fate = match (chain.fate, chain.last(ledger)) {
        (Fate::Done, Some(r)) => match &r.checked {
            Some(c) => format!("done {}", c.time.format("%Y-%m-%d")),
            None => "done".to_string(),
        },
        (fate, _) => fate.as_str().to_string(),
    };
    format!(
        "{:>3} weeks  {}\n           {} → {fate}\n",
        chain.weeks(),
        crate::report::display_title(title),
        dates.join(" → ")
    )
}
