//! Forecasts (a report stage over the ledger): the chance of each goal of a week, learned from
//! the blog's own finished weeks, and by simulation the week's expected done goals, an 80%
//! interval, the chance of finishing every goal and the longest list finished four weeks in
//! five; and the backtest that replays the history to say how far to trust them.
//!
//! Pure: the caller names the day that counts as today and the seed. The definitions here are
//! the ones the README states.
//!
//! - **A goal** of a week is a task of its post's first committed version (planned); it counts
//!   as done when it is ticked now. A planned goal removed or cancelled later counts as not
//!   done: the forecast is made at the start of the week, before anyone knows.
//! - **Unplanned goals** are tasks added after the first version; their done ones add to the
//!   week's done count, drawn in each run from a finished week of the history.
//! - **A goal's chance** starts from its rating's share done, shrunk toward the overall share
//!   by a beta prior worth [`PRIOR_GOALS`] goals (the beta-binomial posterior mean), and is
//!   moved by how its carry length did in the same way (log odds added, naive-Bayes style).

use chrono::NaiveDate;
use serde::Serialize;

use crate::core::ledger::{Ledger, Status, TaskRecord};

/// How many goals' worth of weight the overall share has against a rating's own: a rating with
/// 8 goals is judged half by itself, half by the overall share.
pub const PRIOR_GOALS: f64 = 8.0;

/// Simulated weeks per forecast: the percentiles move by well under a goal between seeds.
pub const RUNS: usize = 4000;

/// The seed every forecast uses unless told otherwise, so the same history gives the same
/// figures.
pub const SEED: u64 = 0x676f_616c_735f_3137;

/// Finished weeks a forecast needs before it says anything.
pub const MIN_WEEKS: usize = 2;

/// Carry lengths told apart: fresh, carried once, carried twice or more.
const CARRY_BUCKETS: usize = 3;

/// Done out of total for one kind of goal, and the chance the model gives it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Rate {
    pub done: usize,
    pub total: usize,
    /// The share, shrunk toward the overall share.
    pub chance: f64,
}

/// What the history says about goals: learned from finished weeks only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Model {
    /// Finished weeks learned from.
    pub weeks: usize,
    /// Every planned goal of those weeks.
    pub overall: Rate,
    /// By rating, lowest first; `None` is unrated.
    pub by_rating: Vec<(Option<u8>, Rate)>,
    /// Fresh goals, goals carried once, carried twice or more.
    pub by_carry: [Rate; CARRY_BUCKETS],
    /// Per finished week, how many unplanned goals were added and how many of them got done.
    pub unplanned: Vec<(usize, usize)>,
    /// Per finished week, for each of its done goals, the day of the week (0 = the post's
    /// date) it was ticked: how a week's work spreads over its days.
    pub done_days: Vec<i64>,
}

/// One goal to forecast: its rating and how many weeks it has been carried.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Goal {
    pub title: String,
    pub confidence: Option<u8>,
    pub carried: usize,
    /// Already done (mid-week forecasts).
    pub done: bool,
}

/// A goal with the chance the model gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalChance {
    #[serde(flatten)]
    pub goal: Goal,
    pub chance: f64,
}

/// A week's forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub goals: Vec<GoalChance>,
    /// Unplanned goals a week of this blog adds, on average.
    pub expected_unplanned: f64,
    /// Done goals, planned and unplanned, on average over the runs.
    pub expected_done: f64,
    /// The shortest range of done goals that holds as near 80% of the runs as whole numbers
    /// allow: the week ends in it about 4 times in 5.
    pub low: usize,
    pub high: usize,
    /// The share of runs that ended in `low..=high`.
    pub interval_chance: f64,
    /// Every planned goal done.
    pub chance_all: f64,
    /// The largest list of the likeliest goals that is all done in at least 80% of runs.
    pub keep: usize,
    pub keep_chance: f64,
    pub runs: usize,
}

/// A small, fast, seeded generator (SplitMix64): enough for simulation, and no crate for it.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }
}

/// A week is finished when a later post of its series exists or its due date has passed: its
/// open goals are failures, not work in progress.
pub fn finished(ledger: &Ledger, week: usize, today: NaiveDate) -> bool {
    ledger
        .weeks
        .get(week)
        .is_some_and(|w| w.has_next || w.due < today)
}

fn carry_bucket(carried: usize) -> usize {
    carried.min(CARRY_BUCKETS - 1)
}

fn shrink(done: usize, total: usize, toward: f64) -> f64 {
    (done as f64 + PRIOR_GOALS * toward) / (total as f64 + PRIOR_GOALS)
}

/// Learns from the weeks `weeks` (indices into the ledger's weeks; the caller passes finished
/// ones). None when fewer than [`MIN_WEEKS`] have a planned goal.
pub fn learn(ledger: &Ledger, weeks: &[usize]) -> Option<Model> {
    let mut in_weeks = vec![false; ledger.weeks.len()];
    for &w in weeks {
        if let Some(slot) = in_weeks.get_mut(w) {
            *slot = true;
        }
    }
    let mut overall = Rate::default();
    let mut ratings: Vec<(Option<u8>, Rate)> = Vec::new();
    let mut carry = [Rate::default(); CARRY_BUCKETS];
    let mut unplanned = vec![(0usize, 0usize); ledger.weeks.len()];
    let mut with_goals = vec![false; ledger.weeks.len()];
    let mut done_days = Vec::new();
    for record in &ledger.tasks {
        if !in_weeks.get(record.week).copied().unwrap_or(false) {
            continue;
        }
        let done = record.status == Status::Done;
        if done && let Some(day) = done_day(ledger, record) {
            done_days.push(day);
        }
        if !record.planned {
            if record.status != Status::Removed {
                unplanned[record.week].0 += 1;
                unplanned[record.week].1 += usize::from(done);
            }
            continue;
        }
        with_goals[record.week] = true;
        let add = |rate: &mut Rate| {
            rate.total += 1;
            rate.done += usize::from(done);
        };
        add(&mut overall);
        let rating = record.task.confidence;
        match ratings.iter_mut().find(|(r, _)| *r == rating) {
            Some((_, rate)) => add(rate),
            None => {
                let mut rate = Rate::default();
                add(&mut rate);
                ratings.push((rating, rate));
            }
        }
        add(&mut carry[carry_bucket(record.carry_streak)]);
    }
    let learned = with_goals.iter().filter(|&&w| w).count();
    if learned < MIN_WEEKS || overall.total == 0 {
        return None;
    }
    // Shares of exactly 0 or 1 would make log odds infinite; the prior keeps them inside.
    overall.chance = shrink(overall.done, overall.total, 0.5);
    let base = overall.chance;
    for (_, rate) in &mut ratings {
        rate.chance = shrink(rate.done, rate.total, base);
    }
    for rate in &mut carry {
        rate.chance = shrink(rate.done, rate.total, base);
    }
    ratings.sort_by_key(|(r, _)| r.map_or(u16::MAX, u16::from));
    let unplanned = weeks
        .iter()
        .filter(|&&w| with_goals.get(w).copied().unwrap_or(false))
        .map(|&w| unplanned[w])
        .collect();
    done_days.sort_unstable();
    Some(Model {
        weeks: learned,
        overall,
        by_rating: ratings,
        by_carry: carry,
        unplanned,
        done_days,
    })
}

/// The day of its week (0 = the post's date) a done goal was ticked.
fn done_day(ledger: &Ledger, record: &TaskRecord) -> Option<i64> {
    let week = ledger.weeks.get(record.week)?;
    let day = record
        .task
        .done_date
        .or_else(|| record.checked.as_ref().map(|c| c.time.date_naive()))?;
    Some((day - week.date).num_days().max(0))
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Model {
    /// The chance of a goal with this rating, carried this many weeks, at the start of a week.
    pub fn chance(&self, confidence: Option<u8>, carried: usize) -> f64 {
        let base = self.overall.chance;
        let rating = self
            .by_rating
            .iter()
            .find(|(r, _)| *r == confidence)
            .map_or(base, |(_, rate)| rate.chance);
        let carry = self.by_carry[carry_bucket(carried)].chance;
        logistic(logit(rating) + logit(carry) - logit(base))
    }

    /// The share of done goals that were ticked on or after `day` of their week: how much of a
    /// week's work is still to come that far in.
    pub fn share_still_to_come(&self, day: i64) -> f64 {
        if self.done_days.is_empty() {
            return 1.0;
        }
        let before = self.done_days.partition_point(|&d| d < day);
        (self.done_days.len() - before) as f64 / self.done_days.len() as f64
    }
}

/// Forecasts a week of `goals` at its start: chances from the model, then `RUNS` simulated
/// weeks seeded with `seed`.
pub fn forecast(model: &Model, goals: &[Goal], seed: u64) -> Forecast {
    forecast_from(model, goals, seed, None)
}

/// Forecasts the rest of a week `day` days in (0 = the post's date): goals done already count,
/// an open goal's chance is its start-of-week chance given that it is not done yet (Bayes,
/// with the share of a week's ticks that come this late), and unplanned goals scale the same
/// way.
pub fn forecast_midweek(model: &Model, goals: &[Goal], day: i64, seed: u64) -> Forecast {
    forecast_from(model, goals, seed, Some(day))
}

fn forecast_from(model: &Model, goals: &[Goal], seed: u64, day: Option<i64>) -> Forecast {
    let to_come = day.map_or(1.0, |d| model.share_still_to_come(d));
    let chances: Vec<GoalChance> = goals
        .iter()
        .map(|goal| {
            let start = model.chance(goal.confidence, goal.carried);
            let chance = if goal.done {
                1.0
            } else if day.is_some() {
                let later = start * to_come;
                later / (1.0 - start + later)
            } else {
                start
            };
            GoalChance {
                goal: goal.clone(),
                chance,
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..chances.len()).collect();
    order.sort_by(|&a, &b| chances[b].chance.total_cmp(&chances[a].chance));
    let mut rng = SplitMix::new(seed);
    let mut totals = Vec::with_capacity(RUNS);
    let mut all = 0usize;
    // prefix_done[k]: runs in which the k+1 likeliest goals were all done.
    let mut prefix_done = vec![0usize; chances.len()];
    let mut done = vec![false; chances.len()];
    for _ in 0..RUNS {
        let mut total = 0usize;
        for (slot, goal) in done.iter_mut().zip(&chances) {
            *slot = rng.unit() < goal.chance;
            total += usize::from(*slot);
        }
        if done.iter().all(|&d| d) {
            all += 1;
        }
        for (k, &index) in order.iter().enumerate() {
            if !done[index] {
                break;
            }
            prefix_done[k] += 1;
        }
        if !model.unplanned.is_empty() {
            let (_, unplanned_done) = model.unplanned[rng.below(model.unplanned.len())];
            // Mid-week, only the part of a week's unplanned work still to come is drawn.
            total += (0..unplanned_done)
                .filter(|_| to_come >= 1.0 || rng.unit() < to_come)
                .count();
        }
        totals.push(total);
    }
    let expected_done = totals.iter().sum::<usize>() as f64 / RUNS as f64;
    let (low, high, interval_chance) = interval(&totals, 0.8);
    let (keep, keep_chance) = prefix_done
        .iter()
        .enumerate()
        .filter(|(_, n)| **n as f64 >= 0.8 * RUNS as f64)
        .map(|(k, &n)| (k + 1, n as f64 / RUNS as f64))
        .next_back()
        .unwrap_or((0, 1.0));
    let expected_unplanned = if model.unplanned.is_empty() {
        0.0
    } else {
        model.unplanned.iter().map(|u| u.0).sum::<usize>() as f64 / model.unplanned.len() as f64
    };
    Forecast {
        goals: chances,
        expected_unplanned,
        expected_done,
        low,
        high,
        interval_chance,
        chance_all: all as f64 / RUNS as f64,
        keep,
        keep_chance,
        runs: RUNS,
    }
}

/// The shortest range of the values `totals` that holds the share of them nearest `mass`:
/// grown from the likeliest value toward the likelier neighbour, and stopped at whichever of
/// the last two ranges is nearer `mass` (a range of whole numbers can rarely hold exactly 80%,
/// and always rounding up would make every interval wider than it says).
fn interval(totals: &[usize], mass: f64) -> (usize, usize, f64) {
    let Some(&max) = totals.iter().max() else {
        return (0, 0, 1.0);
    };
    let mut counts = vec![0usize; max + 1];
    for &t in totals {
        counts[t] += 1;
    }
    let n = totals.len() as f64;
    let share = |c: usize| c as f64 / n;
    let mut low = (0..=max)
        .max_by_key(|&v| (counts[v], std::cmp::Reverse(v)))
        .unwrap_or(0);
    let mut high = low;
    let mut held = share(counts[low]);
    while held < mass {
        let below = low.checked_sub(1).map(|v| counts[v]);
        let above = (high < max).then(|| counts[high + 1]);
        let before = (low, high, held);
        match (below, above) {
            (Some(b), Some(a)) if b >= a => low -= 1,
            (Some(_), None) => low -= 1,
            (_, Some(_)) => high += 1,
            (None, None) => break,
        }
        held = share(counts[low..=high].iter().sum());
        if held >= mass {
            if (before.2 - mass).abs() < (held - mass).abs() {
                return before;
            }
            break;
        }
    }
    (low, high, held)
}

/// The goals of week `week` as its post first read (its planned goals), for a forecast.
pub fn planned_goals(ledger: &Ledger, week: usize) -> Vec<Goal> {
    ledger
        .tasks
        .iter()
        .filter(|r| r.week == week && r.planned)
        .map(|r| Goal {
            title: r.task.title.to_string(),
            confidence: r.task.confidence,
            carried: r.carry_streak,
            done: false,
        })
        .collect()
}

/// One replayed week: what was forecast from the weeks before it, and what happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestWeek {
    pub week: usize,
    pub date: NaiveDate,
    pub goals: usize,
    pub expected_done: f64,
    pub low: usize,
    pub high: usize,
    pub done: usize,
    pub held: bool,
    /// Brier score of this week's per-goal chances, and of the overall rate for every goal.
    pub brier: f64,
    pub brier_reference: f64,
}

/// The whole replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    pub weeks: Vec<BacktestWeek>,
    /// Share of replayed weeks whose done count fell inside the 80% interval.
    pub coverage: f64,
    /// Mean squared error of every per-goal chance against what happened (lower is better).
    pub brier: f64,
    /// The same for "every goal has the overall rate of the weeks before".
    pub brier_reference: f64,
    /// Mean of (done − expected done): positive when the forecasts were too gloomy.
    pub mean_error: f64,
    /// Mean of |done − expected done|.
    pub mean_absolute_error: f64,
}

/// Replays every finished week that has at least [`MIN_WEEKS`] finished weeks before it,
/// forecasting it from those weeks only. None when no week can be replayed.
pub fn backtest(ledger: &Ledger, today: NaiveDate, seed: u64) -> Option<Backtest> {
    let finished: Vec<usize> = (0..ledger.weeks.len())
        .filter(|&w| finished(ledger, w, today))
        .collect();
    let mut weeks = Vec::new();
    let (mut squared, mut squared_reference, mut goals_scored) = (0.0, 0.0, 0usize);
    for (n, &w) in finished.iter().enumerate() {
        let before: Vec<usize> = finished[..n]
            .iter()
            .copied()
            .filter(|&b| ledger.weeks[b].date < ledger.weeks[w].date)
            .collect();
        let Some(model) = learn(ledger, &before) else {
            continue;
        };
        let goals = planned_goals(ledger, w);
        if goals.is_empty() {
            continue;
        }
        let outcomes: Vec<bool> = ledger
            .tasks
            .iter()
            .filter(|r| r.week == w && r.planned)
            .map(|r| r.status == Status::Done)
            .collect();
        let forecast = forecast(&model, &goals, seed ^ w as u64);
        let (mut week_sq, mut week_ref) = (0.0, 0.0);
        for (goal, &done) in forecast.goals.iter().zip(&outcomes) {
            let outcome = f64::from(u8::from(done));
            week_sq += (goal.chance - outcome).powi(2);
            week_ref += (model.overall.chance - outcome).powi(2);
        }
        squared += week_sq;
        squared_reference += week_ref;
        goals_scored += outcomes.len();
        let done = ledger.weeks[w].figures.done;
        weeks.push(BacktestWeek {
            week: w,
            date: ledger.weeks[w].date,
            goals: goals.len(),
            expected_done: forecast.expected_done,
            low: forecast.low,
            high: forecast.high,
            done,
            held: (forecast.low..=forecast.high).contains(&done),
            brier: week_sq / outcomes.len() as f64,
            brier_reference: week_ref / outcomes.len() as f64,
        });
    }
    if weeks.is_empty() {
        return None;
    }
    let count = weeks.len() as f64;
    Some(Backtest {
        coverage: weeks.iter().filter(|w| w.held).count() as f64 / count,
        brier: squared / goals_scored as f64,
        brier_reference: squared_reference / goals_scored as f64,
        mean_error: weeks
            .iter()
            .map(|w| w.done as f64 - w.expected_done)
            .sum::<f64>()
            / count,
        mean_absolute_error: weeks
            .iter()
            .map(|w| (w.done as f64 - w.expected_done).abs())
            .sum::<f64>()
            / count,
        weeks,
    })
}

/// The start-of-week forecast of week `week` from the finished weeks before it (the stats
/// block's "forecast beside the outcome"); None without enough history.
pub fn start_of_week(ledger: &Ledger, week: usize, today: NaiveDate) -> Option<Forecast> {
    let date = ledger.weeks.get(week)?.date;
    let model = learn(ledger, &finished_before(ledger, date, today))?;
    let goals = planned_goals(ledger, week);
    (!goals.is_empty()).then(|| forecast(&model, &goals, SEED ^ week as u64))
}

/// Every finished week of the ledger dated before `date` (for a forecast of a week that
/// starts then).
pub fn finished_before(ledger: &Ledger, date: NaiveDate, today: NaiveDate) -> Vec<usize> {
    (0..ledger.weeks.len())
        .filter(|&w| ledger.weeks[w].date < date && finished(ledger, w, today))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::trends::fixture::{Build, day};

    /// `weeks` weeks of ten planned goals: ratings 5 done 9 in 10 times, ratings 1 once in 10.
    fn history(weeks: usize) -> Ledger {
        let mut b = Build::default();
        let mut date = day("2021-01-04");
        for w in 0..weeks {
            let week = b.week(&date.to_string(), true);
            for g in 0..10 {
                let (rating, done) = if g < 5 {
                    (5, (w * 5 + g) % 10 != 0)
                } else {
                    (1, (w * 5 + g) % 10 == 0)
                };
                let tick = date.succ_opt().unwrap().to_string();
                b.task(week, Some(rating), done.then_some(tick.as_str()));
            }
            date = date.checked_add_days(chrono::Days::new(7)).unwrap();
        }
        let mut ledger = b.finish();
        let count = ledger.weeks.len();
        for (i, week) in ledger.weeks.iter_mut().enumerate() {
            week.has_next = i + 1 < count;
        }
        ledger
    }

    fn goal(confidence: Option<u8>, carried: usize) -> Goal {
        Goal {
            title: "g".into(),
            confidence,
            carried,
            done: false,
        }
    }

    #[test]
    fn ratings_that_come_true_get_their_own_share_shrunk_toward_the_overall() {
        let ledger = history(6);
        let model = learn(&ledger, &[0, 1, 2, 3, 4, 5]).unwrap();
        assert_eq!(model.overall.total, 60);
        let five = model.chance(Some(5), 0);
        let one = model.chance(Some(1), 0);
        // 27 of 30 rated 5 were done: 90%, pulled a little toward the overall 50%.
        assert!(five > 0.8 && five < 0.9, "{five}");
        assert!(one > 0.1 && one < 0.2, "{one}");
        // A rating never seen gets the overall share.
        assert!((model.chance(Some(3), 0) - model.overall.chance).abs() < 1e-9);
    }

    #[test]
    fn simulation_is_seeded_and_its_figures_agree_with_the_chances() {
        let ledger = history(6);
        let model = learn(&ledger, &[0, 1, 2, 3, 4, 5]).unwrap();
        let goals: Vec<Goal> = (0..10)
            .map(|g| goal(Some(if g < 5 { 5 } else { 1 }), 0))
            .collect();
        let a = forecast(&model, &goals, 7);
        assert_eq!(a, forecast(&model, &goals, 7));
        let sum: f64 = a.goals.iter().map(|g| g.chance).sum();
        assert!((a.expected_done - sum).abs() < 0.15, "{a:?}");
        assert!(a.low <= 5 && a.high >= 5 && a.low < a.high, "{a:?}");
        assert!(a.chance_all < 0.01);
        // The five likely goals together come true about 0.86^5 ≈ 45% of weeks; two or three
        // of them pass 80%.
        assert!((1..=3).contains(&a.keep), "{a:?}");
        assert!(a.keep_chance >= 0.8);
    }

    #[test]
    fn too_little_history_gives_no_model() {
        let ledger = history(1);
        assert!(learn(&ledger, &[0]).is_none());
    }

    #[test]
    fn midweek_counts_goals_done_and_lowers_the_open_ones() {
        let ledger = history(6);
        let model = learn(&ledger, &[0, 1, 2, 3, 4, 5]).unwrap();
        // Every tick of the history came on day 1: by day 3 nothing more is to come.
        assert_eq!(model.share_still_to_come(3), 0.0);
        let mut goals = vec![goal(Some(5), 0), goal(Some(5), 0)];
        goals[0].done = true;
        let later = forecast_midweek(&model, &goals, 3, 1);
        assert_eq!(later.goals[0].chance, 1.0);
        assert_eq!(later.goals[1].chance, 0.0);
        assert_eq!((later.low, later.high), (1, 1));
        let early = forecast_midweek(&model, &goals, 0, 1);
        assert!(early.goals[1].chance > 0.8);
    }

    #[test]
    fn backtest_replays_weeks_from_the_weeks_before_only() {
        let ledger = history(10);
        let test = backtest(&ledger, day("2030-01-01"), SEED).unwrap();
        // Weeks 0 and 1 have too little before them.
        assert_eq!(test.weeks.len(), 8);
        assert_eq!(test.weeks[0].week, 2);
        assert!(test.brier < test.brier_reference, "{test:?}");
        assert!(test.coverage >= 0.7, "{test:?}");
        assert!(test.mean_error.abs() < 1.0, "{test:?}");
    }

    #[test]
    fn carried_goals_take_the_share_of_their_carry_length() {
        let mut b = Build::default();
        let mut last = None;
        for date in ["2021-03-01", "2021-03-08", "2021-03-15"] {
            let week = b.week(date, true);
            for _ in 0..4 {
                b.task(week, Some(3), Some(date));
            }
            // One goal carried every week and never done.
            let open = b.task(week, Some(3), None);
            if let Some(from) = last {
                b.carry(from, open);
            }
            last = Some(open);
        }
        let ledger = b.finish();
        let model = learn(&ledger, &[0, 1, 2]).unwrap();
        assert!(model.chance(Some(3), 2) < model.chance(Some(3), 0));
    }
}
