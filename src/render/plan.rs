//! Views of `gitgoals plan`: the drafted post with its forecast, the backtest, the one-line
//! glance `show` prints mid-week, and their JSON documents.

use chrono::NaiveDate;
use serde::Serialize;

use crate::core::forecast::{Backtest, Forecast, Model};
use crate::core::plan::Draft;

/// `2%`, `<1%` and `>99%` rather than a 0% or 100% no simulation can promise.
fn chance(p: f64) -> String {
    let percent = p * 100.0;
    if percent < 0.5 {
        "<1%".to_string()
    } else if p < 1.0 && percent >= 99.5 {
        ">99%".to_string()
    } else {
        format!("{percent:.0}%")
    }
}

/// The range of an 80% interval: `4–8`, or `5` when it is one number.
fn range(low: usize, high: usize) -> String {
    if low == high {
        low.to_string()
    } else {
        format!("{low}–{high}")
    }
}

/// The sentence read at a glance: "11 goals: expect 6 (4–8); 2% chance of all; keep 5 to
/// finish them all 4 weeks in 5".
pub fn glance(forecast: &Forecast) -> String {
    let n = forecast.goals.len();
    let mut out = format!(
        "{}: expect {:.0} ({}); {} chance of all",
        crate::render::count(n, "goal"),
        forecast.expected_done,
        range(forecast.low, forecast.high),
        chance(forecast.chance_all)
    );
    if forecast.keep == 0 && n > 0 {
        out.push_str("; not even the likeliest goal gets done 4 weeks in 5");
    } else if forecast.keep < n {
        out.push_str(&format!(
            "; keep {} to finish them all 4 weeks in 5",
            forecast.keep
        ));
    }
    out
}

/// `show`'s mid-week line: "4 of 11 done, 3 days left: expect 7 (6–9)".
pub fn midweek(forecast: &Forecast, days_left: i64) -> String {
    let done = forecast.goals.iter().filter(|g| g.goal.done).count();
    let left = match days_left {
        d if d <= 0 => "due today".to_string(),
        1 => "1 day left".to_string(),
        d => format!("{d} days left"),
    };
    format!(
        "{done} of {} done, {left}: expect {:.0} ({})",
        forecast.goals.len(),
        forecast.expected_done,
        range(forecast.low, forecast.high)
    )
}

/// The forecast's table: the glance, then each goal's chance, likeliest first.
pub fn forecast_text(forecast: &Forecast, model: &Model, scale: u8) -> String {
    let mut out = format!(
        "forecast from {} finished weeks ({}, {} done):\n  {}\n",
        model.weeks,
        // Planned goals only, as the model learns from them: "goals" alone reads as the
        // weeks' whole task count `history` shows, added ones included.
        crate::render::count(model.overall.total, "planned goal"),
        chance(model.overall.done as f64 / model.overall.total.max(1) as f64),
        glance(forecast)
    );
    out.push_str(&format!(
        "  and about {:.1} unplanned goals a week, as in the weeks before\n",
        forecast.expected_unplanned
    ));
    if forecast.goals.is_empty() {
        return out;
    }
    out.push_str("\n  chance  rating  carried  goal\n");
    let mut goals: Vec<_> = forecast.goals.iter().collect();
    goals.sort_by(|a, b| b.chance.total_cmp(&a.chance));
    for goal in goals {
        let rating = goal
            .goal
            .confidence
            .map_or_else(|| "-".to_string(), |c| format!("{c}/{scale}"));
        let carried = match goal.goal.carried {
            0 => "-".to_string(),
            1 => "1 week".to_string(),
            n => format!("{n} weeks"),
        };
        out.push_str(&format!(
            "  {:>6}  {:>6}  {:>7}  {}\n",
            chance(goal.chance),
            rating,
            carried,
            goal.goal.title
        ));
    }
    out
}

/// `gitgoals plan` in text: where the post goes, the draft, and its forecast.
pub fn plan_text(
    draft: &Draft,
    written: bool,
    forecast: Option<(&Forecast, &Model)>,
    scale: u8,
) -> String {
    let mut out = if written {
        format!("wrote {}\n", draft.path)
    } else {
        format!(
            "draft of {} (not written: `gitgoals plan --write` creates it)\n",
            draft.path
        )
    };
    out.push_str(&format!(
        "{} carried from the last post\n",
        crate::render::count(draft.carried.len(), "goal")
    ));
    if !written {
        out.push_str("\n────────\n");
        out.push_str(&draft.text);
        out.push_str("────────\n");
    }
    out.push('\n');
    match forecast {
        Some((forecast, model)) => out.push_str(&forecast_text(forecast, model, scale)),
        None => {
            out.push_str("no forecast: it needs two finished weeks of history with goals in them\n")
        }
    }
    out
}

/// `gitgoals plan --format json`.
#[derive(Serialize)]
pub struct PlanDocument<'a> {
    pub path: &'a str,
    pub date: NaiveDate,
    pub due: Option<NaiveDate>,
    pub written: bool,
    pub text: &'a str,
    pub carried: &'a [crate::core::plan::Carried],
    pub forecast: Option<ForecastDocument<'a>>,
}

/// A forecast, its glance sentence and the model it came from.
#[derive(Serialize)]
pub struct ForecastDocument<'a> {
    pub glance: String,
    #[serde(flatten)]
    pub forecast: &'a Forecast,
    pub model: &'a Model,
}

impl<'a> ForecastDocument<'a> {
    pub fn new(forecast: &'a Forecast, model: &'a Model) -> ForecastDocument<'a> {
        ForecastDocument {
            glance: glance(forecast),
            forecast,
            model,
        }
    }
}

/// `gitgoals plan --backtest` in text.
pub fn backtest_text(test: &Backtest) -> String {
    let mut out = format!(
        "backtest: {} weeks, each forecast from the finished weeks before it only\n\n",
        test.weeks.len()
    );
    out.push_str("date        goals  expect  80% interval  done  held\n");
    for week in &test.weeks {
        out.push_str(&format!(
            "{}  {:>5}  {:>6.1}  {:>12}  {:>4}  {}\n",
            week.date,
            week.goals,
            week.expected_done,
            range(week.low, week.high),
            week.done,
            if week.held { "yes" } else { "no" }
        ));
    }
    let held = test.weeks.iter().filter(|w| w.held).count();
    out.push_str(&format!(
        "\n80% interval held in {held} of {} weeks ({})\n",
        test.weeks.len(),
        chance(test.coverage)
    ));
    let verdict = if test.brier < test.brier_reference {
        "better than"
    } else {
        "no better than"
    };
    out.push_str(&format!(
        "per-goal Brier score {:.3}, {verdict} {:.3} for the overall rate alone (lower is better)\n",
        test.brier, test.brier_reference
    ));
    out.push_str(&format!(
        "expected done was off by {:+.1} goals on average (done − expected), {:.1} either way\n",
        test.mean_error, test.mean_absolute_error
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::forecast::{Goal, GoalChance};

    fn forecast(n: usize, done: usize) -> Forecast {
        Forecast {
            goals: (0..n)
                .map(|i| GoalChance {
                    goal: Goal {
                        title: format!("g{i}"),
                        confidence: Some(3),
                        carried: 0,
                        done: i < done,
                    },
                    chance: 0.5,
                })
                .collect(),
            expected_unplanned: 1.0,
            expected_done: 6.2,
            low: 4,
            high: 8,
            interval_chance: 0.8,
            chance_all: 0.021,
            keep: 5,
            keep_chance: 0.81,
            runs: 4000,
        }
    }

    #[test]
    fn glance_reads_as_one_sentence() {
        assert_eq!(
            glance(&forecast(11, 0)),
            "11 goals: expect 6 (4–8); 2% chance of all; keep 5 to finish them all 4 weeks in 5"
        );
        assert_eq!(
            midweek(&forecast(11, 4), 3),
            "4 of 11 done, 3 days left: expect 6 (4–8)"
        );
        assert_eq!(chance(0.001), "<1%");
        assert_eq!(chance(0.999), ">99%");
    }
}
