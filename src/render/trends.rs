//! The trends' text and JSON views: `gitgoals calibration` and `gitgoals carry` as text and as
//! JSON documents, and what `history` adds to its table (tick sparklines, the unplanned line).
//! The numbers are [`crate::core::trends`]'s.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::core::ledger::{CarryWeek, Ledger, Status, Week};
use crate::core::matching::{CarryDecision, CarryMiss, CarryRule};
use crate::core::tally::{percent, round3};
use crate::core::trends::{
    Calibration, CarryChain, Fate, MIN_TO_JUDGE, RatingRow, TICK_CELLS, Verdict,
    WELL_CALIBRATED_WITHIN, selected, tick_days, unplanned_share,
};
use crate::render::count;
use crate::render::report::{bar, display_title};

// ---------------------------------------------------------------------------------------------
// What `history` adds

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
            "unplanned goals took {} of what you finished ({} of {} {} added mid-week)\n",
            percent(ratio),
            unplanned.unplanned_done,
            count(unplanned.done, "done goal"),
            if unplanned.unplanned_done == 1 {
                "was"
            } else {
                "were"
            }
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Calibration and carry chains

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
            "{:>4}/{:<2} {:>6}  {:>5}  {:>3} {:>4} {}  {:<12}  {verdict}\n",
            row.rating,
            calibration.scale,
            percent(row.claim),
            row.tasks,
            row.done,
            percent(row.done_share),
            bar(row.done_share, 5),
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
        notes.push(format!(
            "{} not scored",
            count(calibration.unrated, "unrated goal")
        ));
    }
    if calibration.in_progress > 0 {
        notes.push(format!(
            "{} of weeks still before their due date left out",
            count(calibration.in_progress, "goal")
        ));
    }
    if calibration.on_time_unknown > 0 {
        notes.push(format!(
            "on time unknown for {}: their post's history starts after its due date",
            count(calibration.on_time_unknown, "goal")
        ));
    }
    for note in notes {
        out.push_str(&format!("({note})\n"));
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
        text: chain.last(ledger).map_or("", |r| &*r.task.title),
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

/// One link or near miss of `gitgoals carry --explain --format json`.
#[derive(Debug, Serialize)]
pub struct CarryDecisionDocument<'a> {
    /// The open goal of the earlier week, as it read when the next post was written.
    pub from: &'a str,
    /// The goal of the next week's post, as it first read.
    pub to: &'a str,
    pub score: f64,
    /// The rule that linked them (for a near miss: that they passed before losing out).
    pub rule: Option<CarryRule>,
    /// Why a near miss was not linked.
    pub miss: Option<&'a CarryMiss>,
}

/// One pair of consecutive weeks of `gitgoals carry --explain --format json`.
#[derive(Debug, Serialize)]
pub struct CarryWeekDocument<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub links: Vec<CarryDecisionDocument<'a>>,
    pub near_misses: Vec<CarryDecisionDocument<'a>>,
}

/// `gitgoals carry --explain --format json`.
#[derive(Debug, Serialize)]
pub struct CarryExplainDocument<'a> {
    pub head: Option<&'a str>,
    pub weeks: Vec<CarryWeekDocument<'a>>,
}

fn decision_document<'a>(week: &'a CarryWeek, d: &'a CarryDecision) -> CarryDecisionDocument<'a> {
    CarryDecisionDocument {
        from: week.open.get(d.old).map_or("", |t| &*t.title),
        to: week.candidates.get(d.new).map_or("", |t| &*t.title),
        score: round3(f64::from(d.score)),
        rule: d.rule,
        miss: d.miss.as_ref(),
    }
}

pub fn carry_explain_document<'a>(
    ledger: &'a Ledger,
    weeks: &'a [CarryWeek],
) -> CarryExplainDocument<'a> {
    CarryExplainDocument {
        head: ledger.head.as_deref(),
        weeks: weeks
            .iter()
            .map(|week| CarryWeekDocument {
                from: ledger.weeks.get(week.week).map_or("", |w| &w.path),
                to: ledger.weeks.get(week.next).map_or("", |w| &w.path),
                links: week
                    .explanation
                    .links
                    .iter()
                    .map(|d| decision_document(week, d))
                    .collect(),
                near_misses: week
                    .explanation
                    .near_misses
                    .iter()
                    .map(|d| decision_document(week, d))
                    .collect(),
            })
            .collect(),
    }
}

/// `gitgoals carry --explain` as text: per pair of consecutive weeks, each link and each near
/// miss with the two titles and the score and rule that decided it.
pub fn carry_explain_text(ledger: &Ledger, weeks: &[CarryWeek]) -> String {
    let mut out = String::new();
    let mut any = false;
    for week in weeks {
        let explanation = &week.explanation;
        if explanation.links.is_empty() && explanation.near_misses.is_empty() {
            continue;
        }
        any = true;
        let path = |w: usize| ledger.weeks.get(w).map_or("", |w| w.path.as_str());
        out.push_str(&format!("{} → {}\n", path(week.week), path(week.next)));
        for (verdict, list) in [
            ("carried", &explanation.links),
            ("not carried", &explanation.near_misses),
        ] {
            for d in list {
                let doc = decision_document(week, d);
                let why = match (&d.miss, d.rule) {
                    (None, Some(rule)) => rule.as_str().to_string(),
                    (Some(CarryMiss::LostToBetterMatch), Some(rule)) => {
                        format!("{}, but lost to a better match", rule.as_str())
                    }
                    (Some(miss), _) => miss.to_string(),
                    (None, None) => String::new(),
                };
                out.push_str(&format!(
                    "  {verdict:<11}  {:.2}  {why}\n      {:?}\n    → {:?}\n",
                    d.score, doc.from, doc.to
                ));
            }
        }
        out.push('\n');
    }
    if !any {
        out.push_str("No goal was carried, and no pair of goals came close.\n");
    }
    out
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
            "{} carried through {} posts or more, longest first\n\n",
            count(chains.len(), "goal"),
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
            let title = chain.last(ledger).map_or("", |r| &*r.task.title);
            out.push_str(&format!(
                "\noldest open goal: \"{}\", open since {since} ({} {})\n",
                display_title(title),
                chain.weeks(),
                if chain.weeks() == 1 { "post" } else { "posts" }
            ));
        }
        None => out.push_str("\nno open goals in the newest post\n"),
    }
    out
}

fn chain_text(ledger: &Ledger, chain: &CarryChain) -> String {
    let title = chain.last(ledger).map_or("", |r| &*r.task.title);
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
        "{:>3} posts  {}\n           {} → {fate}\n",
        chain.weeks(),
        display_title(title),
        dates.join(" → ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::trends::fixture::{
        carried_ledger, carried_with_unplanned_done, day, in_progress_and_imported, one_done_goal,
        out_of_ten, three_ratings, ticks_of_one_week, unrated_week,
    };
    use crate::core::trends::{calibration, carry_chains, oldest_open};

    // Tests that share a name with one in `core::trends` read the same ledger: the numbers are
    // checked there, their text and JSON here.

    #[test]
    fn no_rated_goals_means_no_score_and_says_how_to_rate() {
        let c = calibration(&unrated_week(), None, 5);
        assert_eq!(calibration_text(&c), format!("{}\n", c.sentence));
    }

    #[test]
    fn calibration_scores_each_rating_and_names_the_worst() {
        let c = calibration(&three_ratings(), None, 5);
        let text = calibration_text(&c);
        assert!(text.contains("   3/5     60%     10    6  60%"), "{text}");
        assert!(text.contains("too few to judge"), "{text}");
        assert!(
            text.contains("Brier score 0.358 over 17 rated goals"),
            "{text}"
        );
        assert!(text.contains("1 unrated goal not scored"), "{text}");
    }

    #[test]
    fn a_scale_of_ten_claims_tenths_and_labels_every_rating_out_of_ten() {
        let c = calibration(&out_of_ten(), None, 10);
        let text = calibration_text(&c);
        assert!(text.contains("   7/10    70%     10    7  70%"), "{text}");
        assert!(text.contains("   9/10    90%      5    2  40%"), "{text}");
    }

    #[test]
    fn weeks_in_progress_and_unknown_on_time_are_handled_apart() {
        let c = calibration(&in_progress_and_imported(), Some(day("2021-03-22")), 5);
        let text = calibration_text(&c);
        assert!(text.contains("2 goals of weeks still before their due date left out"));
        assert!(text.contains("on time unknown for 2 goals"));
    }

    #[test]
    fn carry_chains_longest_first_with_their_fate() {
        let (ledger, _) = carried_ledger();
        let chains = carry_chains(&ledger, 2);
        let oldest = oldest_open(&ledger).expect("open goals in the newest post");

        let text = carry_text(&ledger, &chains, Some(&oldest), 2);
        assert!(
            text.contains(
                "  3 posts  goal 5\n           2021-03-01 → 03-08 → 03-15 → done 2021-03-17\n"
            ),
            "{text}"
        );
        assert!(text.contains("oldest open goal: \"goal 8\", open since 2021-03-08 (3 posts)"));

        let json =
            serde_json::to_value(carry_document(&ledger, &chains, Some(&oldest), 2)).expect("json");
        assert_eq!(json["chains"][2]["fate"], "dropped");
        assert_eq!(json["chains"][3]["fate"], "removed");
        assert_eq!(json["chains"][0]["posts"][2]["status"], "done");
        assert_eq!(json["oldest_open"]["posts"][0]["date"], "2021-03-08");
    }

    #[test]
    fn carry_rows_count_posts_as_the_header_and_the_oldest_open_line_do() {
        // Posts of one series can share a date (two notes of a day): the rows count posts,
        // never weeks, like the lines above and below them.
        let (ledger, _) = carried_ledger();
        let chains = carry_chains(&ledger, 2);
        let oldest = oldest_open(&ledger);
        let text = carry_text(&ledger, &chains, oldest.as_ref(), 2);
        assert!(!text.contains(" weeks"), "{text}");
        assert!(text.contains("  2 posts  "), "{text}");
    }

    #[test]
    fn nothing_carried_and_nothing_open() {
        let ledger = one_done_goal();
        let text = carry_text(&ledger, &[], None, 2);
        assert!(text.starts_with("no goal was carried through 2 posts or more\n"));
        assert!(text.ends_with("no open goals in the newest post\n"));
    }

    #[test]
    fn ticks_fall_on_the_days_of_the_week() {
        let ledger = ticks_of_one_week();
        let weeks: Vec<&Week> = ledger.weeks.iter().collect();
        let lines = tick_sparklines(&ledger, &weeks);
        assert_eq!(lines[&ledger.weeks[0].post], "█··█··▄ █");
    }

    #[test]
    fn sparkline_levels() {
        assert_eq!(sparkline(&[0, 1, 2, 4, 9], 4), "·▂▄██");
        assert_eq!(sparkline(&[0, 0], 0), "··");
        assert_eq!(sparkline(&[1, 7, 8], 8), "▁▇█");
    }

    #[test]
    fn unplanned_share_over_the_weeks_shown() {
        let ledger = carried_with_unplanned_done();
        let all: Vec<&Week> = ledger.weeks.iter().collect();
        let lines = summary_lines(&ledger, &all);
        assert!(lines.contains(
            "unplanned goals took 100% of what you finished (1 of 1 done goal was added mid-week)"
        ));
    }

    #[test]
    fn one_of_anything_is_singular_in_the_carry_list_and_the_history_summary() {
        let (mut ledger, _) = carried_ledger();
        let chains = carry_chains(&ledger, 3);
        let text = carry_text(&ledger, &chains[..1], None, 3);
        assert!(
            text.starts_with("1 goal carried through 3 posts or more, longest first\n"),
            "{text}"
        );
        if let Some(newest) = ledger.weeks.last_mut() {
            newest.has_next = false;
        }
        let newest: Vec<&Week> = ledger.weeks.last().into_iter().collect();
        let text = crate::render::report::history_text(&ledger, &newest);
        assert!(text.contains("\n1 week: average completion"), "{text}");
    }

    #[test]
    fn the_newest_week_alone_gets_no_carry_over_rate_rather_than_zero() {
        let (mut ledger, _) = carried_ledger();
        if let Some(newest) = ledger.weeks.last_mut() {
            newest.has_next = false;
        }
        let newest: Vec<&Week> = ledger.weeks.last().into_iter().collect();
        let text = crate::render::report::history_text(&ledger, &newest);
        assert!(!text.contains("carried over 0%"), "{text}");
        assert!(
            text.contains("carried over: nothing yet (no later post)"),
            "{text}"
        );
        // With a week that has a next post, the rate is given.
        let all: Vec<&Week> = ledger.weeks.iter().collect();
        let text = crate::render::report::history_text(&ledger, &all);
        assert!(text.contains("4 weeks: average completion"), "{text}");
        assert!(text.contains("carried over 75% of tasks"), "{text}");
    }

    #[test]
    fn a_range_with_no_weeks_is_not_called_an_empty_history() {
        let (ledger, _) = carried_ledger();
        let text = crate::render::report::history_text(&ledger, &[]);
        assert_eq!(
            text,
            "no goals posts in the range asked for (4 goals posts in the whole history)\n"
        );
        let empty = Ledger {
            head: None,
            weeks: Vec::new(),
            tasks: Vec::new(),
            warnings: Vec::new(),
        };
        let text = crate::render::report::history_text(&empty, &[]);
        assert!(text.contains("in this history"), "{text}");
    }

    #[test]
    fn history_text_gains_sparklines_and_the_unplanned_line() {
        let (ledger, _) = carried_ledger();
        let weeks: Vec<&Week> = ledger.weeks.iter().collect();
        let text = crate::render::report::history_text(&ledger, &weeks);
        assert!(
            text.lines().next().unwrap().ends_with("ticks by day"),
            "{text}"
        );
        assert!(text.contains("··█···· ·"), "{text}");
        assert!(
            text.contains("unplanned goals took 0% of what you finished"),
            "{text}"
        );
        assert!(text.contains("carried over"), "{text}");
    }
}
