//! The site's data file (a report stage): the history as one JSON document that a Jekyll
//! (`_data/gitgoals.json`) or Hugo (`data/gitgoals.json`) template turns into a goals page.
//! Its shape is published as `schema/gitgoals-export.schema.json`.
//!
//! The document holds nothing that changes unless the history does (no commit id, no time of
//! writing), so the hook can refresh it on each commit and it only shows in a diff when the
//! goals changed.

use serde::Serialize;

use crate::core::ledger::{Figures, Ledger, Status, TaskRecord, Week};
use crate::core::tally::round3;
use crate::render::report::Trend;

/// The `schema` field: the document's format and version. A change that could break a
/// template gets a new number.
pub const SCHEMA: &str = "gitgoals-export/1";

/// The engine a site is built with, which decides where its data files live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    Jekyll,
    Hugo,
}

impl Site {
    /// The data file, from the work tree's root: where the engine reads `site.data.gitgoals`
    /// (Jekyll) or `.Site.Data.gitgoals` (Hugo).
    pub fn data_path(self) -> &'static str {
        match self {
            Site::Jekyll => "_data/gitgoals.json",
            Site::Hugo => "data/gitgoals.json",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Site::Jekyll => "jekyll",
            Site::Hugo => "hugo",
        }
    }

    pub fn parse(name: &str) -> Option<Site> {
        match name {
            "jekyll" => Some(Site::Jekyll),
            "hugo" => Some(Site::Hugo),
            _ => None,
        }
    }
}

/// The whole data file.
#[derive(Debug, Serialize)]
pub struct ExportDocument<'a> {
    pub schema: &'static str,
    /// Over every goals post; `null` when there is none.
    pub summary: Option<Trend>,
    /// Goals posts, oldest first (Liquid's `reversed` gives newest first).
    pub posts: Vec<ExportPost<'a>>,
}

/// One goals post: its figures, as `history --format json` gives them, and its goals.
#[derive(Debug, Serialize)]
pub struct ExportPost<'a> {
    pub path: &'a str,
    pub title: &'a str,
    pub date: String,
    pub due: String,
    #[serde(flatten)]
    pub figures: &'a Figures,
    /// done ÷ (tasks − cancelled), rounded to three places.
    pub completion: f64,
    /// The same as a whole percentage, ready to print or to size a bar with.
    pub percent: u32,
    pub goals: Vec<ExportGoal<'a>>,
}

/// One goal of a post, as it reads now (goals removed from the post are left out).
#[derive(Debug, Serialize)]
pub struct ExportGoal<'a> {
    pub title: &'a str,
    /// The headings above it, `Papers > CS294`; empty above the first heading.
    pub section: String,
    pub status: Status,
    pub confidence: Option<u8>,
    /// In the post's first version (false: added mid-week).
    pub planned: bool,
    /// The day it was done: the done date written beside it, else the day of the commit that
    /// checked it.
    pub done_on: Option<String>,
    /// The date of the post it was carried from, and into.
    pub carried_from: Option<String>,
    pub carried_to: Option<String>,
    pub carry_streak: usize,
}

/// The data file's document for every week of `ledger`.
pub fn document<'a>(ledger: &'a Ledger) -> ExportDocument<'a> {
    let weeks: Vec<&Week> = ledger.weeks.iter().collect();
    let date_of = |task: Option<usize>| {
        task.and_then(|i| ledger.tasks.get(i))
            .and_then(|r| ledger.weeks.get(r.week))
            .map(|w| w.date.to_string())
    };
    let goal = |r: &'a TaskRecord| ExportGoal {
        title: &r.task.title,
        section: r.task.section_path(),
        status: r.status,
        confidence: r.task.confidence,
        planned: r.planned,
        done_on: (r.status == Status::Done)
            .then(|| {
                r.task
                    .done_date
                    .or_else(|| r.checked.as_ref().map(|c| c.time.date_naive()))
            })
            .flatten()
            .map(|d| d.to_string()),
        carried_from: date_of(r.carried_from),
        carried_to: date_of(r.carried_to),
        carry_streak: r.carry_streak,
    };
    let mut goals_of: Vec<Vec<&TaskRecord>> = vec![Vec::new(); weeks.len()];
    for record in ledger.tasks.iter().filter(|r| r.status != Status::Removed) {
        if let Some(goals) = goals_of.get_mut(record.week) {
            goals.push(record);
        }
    }
    let posts = weeks
        .iter()
        .zip(goals_of)
        .map(|(week, goals)| {
            let completion = round3(week.completion());
            ExportPost {
                path: &week.path,
                title: &week.title,
                date: week.date.to_string(),
                due: week.due.to_string(),
                figures: &week.figures,
                completion,
                percent: (completion * 100.0).round() as u32,
                goals: goals.into_iter().map(goal).collect(),
            }
        })
        .collect();
    ExportDocument {
        schema: SCHEMA,
        summary: Trend::of(&weeks),
        posts,
    }
}

/// The data file's bytes: pretty JSON (a diff of it reads line by line), ending in a newline.
pub fn render(ledger: &Ledger) -> Result<Vec<u8>, crate::error::Error> {
    let mut bytes = serde_json::to_vec_pretty(&document(ledger))?;
    bytes.push(b'\n');
    Ok(bytes)
}
