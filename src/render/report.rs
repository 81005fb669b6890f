//! Reports: what a person or a script sees — text tables and stable JSON documents.

use serde::Serialize;

use crate::core::model::{Due, Post, Warning};
use crate::core::tally::{self, Breakdown, Tally, percent, round3};

/// A bar of `width` cells, filled in proportion to `ratio`.
pub fn bar(ratio: f64, width: usize) -> String {
    let filled = (ratio.clamp(0.0, 1.0) * width as f64).round() as usize;
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

/// The `gitgoals show --format json` document: stable field names, dates as `YYYY-MM-DD`.
#[derive(Debug, Serialize)]
pub struct ShowDocument<'a> {
    pub path: &'a str,
    pub title: Option<&'a str>,
    pub date: Option<String>,
    pub date_source: Option<crate::core::model::DateSource>,
    pub due: Option<String>,
    pub due_source: Option<crate::core::model::DueSource>,
    pub due_evidence: Option<&'a str>,
    pub tasks: usize,
    pub done: usize,
    pub open: usize,
    pub completion: f64,
    pub by_confidence: Breakdown,
    pub by_section: Breakdown,
    pub items: Vec<ShowItem<'a>>,
    pub warnings: Vec<String>,
}

/// One task in [`ShowDocument`].
#[derive(Debug, Serialize)]
pub struct ShowItem<'a> {
    pub title: &'a str,
    pub note: &'a str,
    pub checked: bool,
    pub confidence: Option<u8>,
    pub section: String,
    pub line: usize,
    /// Index in `items` of the task this one is nested under.
    pub parent: Option<usize>,
}

impl<'a> ShowDocument<'a> {
    pub fn new(path: &'a str, post: &'a Post) -> Self {
        let overall = tally::overall(post.tasks.contents());
        ShowDocument {
            path,
            title: post.title.as_deref(),
            date: post.date.map(|d| d.to_string()),
            date_source: post.date_source,
            due: post.due.as_ref().map(|d| d.date.to_string()),
            due_source: post.due.as_ref().map(|d| d.source),
            due_evidence: post.due.as_ref().and_then(|d| d.evidence.as_deref()),
            tasks: overall.total,
            done: overall.done,
            open: overall.total - overall.done,
            completion: round3(overall.ratio()),
            by_confidence: tally::by_confidence(post.tasks.contents()),
            by_section: tally::by_section(post.tasks.contents()),
            items: post
                .tasks
                .placed_refs()
                .map(|t| ShowItem {
                    title: &t.task.title,
                    note: &t.task.note,
                    checked: t.task.checked,
                    confidence: t.task.confidence,
                    section: t.task.section_path(),
                    line: t.line,
                    parent: t.parent,
                })
                .collect(),
            warnings: post.warnings.iter().map(Warning::to_string).collect(),
        }
    }
}

fn due_text(due: &Due) -> String {
    use crate::core::model::DueSource::*;
    let source = match (due.source, due.evidence.as_deref()) {
        (Text, Some(words)) => format!("from the text: \"{words}\""),
        (FrontMatter, _) => "from the front matter".to_string(),
        (NextPost, _) => "the next post's date".to_string(),
        (DatePlusWeek, _) => "a week after the post's date".to_string(),
        (Text, None) => "from the text".to_string(),
    };
    format!("{} ({source})", due.date)
}

fn tally_row(name: &str, tally: Tally, name_width: usize) -> String {
    format!(
        "  {name:<name_width$}  {:>3}/{:<3} {:>4}  {}\n",
        tally.done,
        tally.total,
        percent(tally.ratio()),
        bar(tally.ratio(), 10)
    )
}

/// Fills in what a post alone does not say with history's reading of the same post
/// (`week`): its date from the first commit, its due date from the next post or a week
/// after, so `show` and `history` never disagree.
pub fn fill_from_history(post: &mut Post, week: &crate::core::ledger::Week) {
    if post.date.is_none() {
        post.date = Some(week.date);
        post.date_source = Some(crate::core::model::DateSource::FirstCommit);
    }
    if post.due.is_none() {
        post.due = Some(Due {
            date: week.due,
            source: week.due_source,
            evidence: None,
        });
    }
}

/// `gitgoals show` as text; ratings read N/`rating_scale`, the scale the post was parsed with.
pub fn show_text(path: &str, post: &Post, rating_scale: u8) -> String {
    let mut out = String::new();
    let overall = tally::overall(post.tasks.contents());
    out.push_str(post.title.as_deref().unwrap_or(path));
    out.push('\n');
    out.push_str(&format!("  {path}\n\n"));
    let date = match (post.date, post.date_source) {
        (Some(date), Some(crate::core::model::DateSource::Filename)) => {
            format!("{date} (from the file name)")
        }
        (Some(date), Some(crate::core::model::DateSource::FirstCommit)) => {
            format!("{date} (its first commit)")
        }
        (Some(date), _) => date.to_string(),
        (None, _) => "unknown".to_string(),
    };
    out.push_str(&format!("date  {date}\n"));
    let due = post
        .due
        .as_ref()
        .map_or_else(|| "not stated in the post".to_string(), due_text);
    out.push_str(&format!("due   {due}\n"));
    out.push_str(&format!(
        "done  {}/{}  {}  {}\n",
        overall.done,
        overall.total,
        percent(overall.ratio()),
        bar(overall.ratio(), 20)
    ));
    if post.tasks.is_empty() {
        out.push_str("\nno tasks in this post\n");
    } else {
        let sections = tally::by_section(post.tasks.contents());
        let width = sections
            .0
            .iter()
            .map(|(name, _)| section_label(name).chars().count())
            .max()
            .unwrap_or(0)
            .max(12);
        out.push_str("\nby section\n");
        for (name, tally) in &sections.0 {
            out.push_str(&tally_row(&section_label(name), *tally, width));
        }
        out.push_str("\nby confidence\n");
        for (key, tally) in &tally::by_confidence(post.tasks.contents()).0 {
            let label = if key == "unrated" {
                key.clone()
            } else {
                format!("{key}/{rating_scale}")
            };
            out.push_str(&tally_row(&label, *tally, width));
        }
        let tasks = post.tasks.placed_slice();
        let open: Vec<_> = tasks.iter().filter(|t| !t.checked).collect();
        if !open.is_empty() {
            out.push_str(&format!("\nopen ({})\n", open.len()));
            for task in open {
                let rating = task
                    .confidence
                    .map(|c| format!("  {c}/{rating_scale}"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  [ ] {}{rating}  · line {}\n",
                    display_title(&task.title),
                    task.line
                ));
            }
        }
    }
    for warning in &post.warnings {
        out.push_str(&format!("\nwarning: {warning}\n"));
    }
    out
}

fn section_label(name: &str) -> String {
    if name.is_empty() {
        "(no heading)".to_string()
    } else {
        name.to_string()
    }
}

/// A title shortened for a table cell; full titles are in the JSON.
pub fn display_title(title: &str) -> String {
    const MAX: usize = 72;
    if title.is_empty() {
        return "(untitled)".to_string();
    }
    if title.chars().count() <= MAX {
        return title.to_string();
    }
    let cut: String = title.chars().take(MAX - 1).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_title_edited_past_its_cut_shows_what_changed_in_the_log() {
        let old = "Read >=101 machine learning papers (I get credit only when I have produced a summary of each one)";
        let new = "Read >=101 machine learning papers (I get credit only when I have produced a short summary of each one)";
        assert_eq!(display_title(old), display_title(new), "both cut alike");
        let (title, previous) = edited_titles(new, old);
        assert_ne!(title, previous);
        assert!(
            title.starts_with("\"…") && title.contains("short summary"),
            "{title}"
        );
        assert!(previous.contains("a summary of each one"), "{previous}");
        // Short titles, or ones that differ early, are quoted whole as before.
        assert_eq!(
            edited_titles("Read the paper", "Read a paper"),
            (
                "\"Read the paper\"".to_string(),
                "\"Read a paper\"".to_string()
            )
        );
    }

    #[test]
    fn bars_and_percentages() {
        assert_eq!(bar(0.5, 4), "██░░");
        assert_eq!(bar(1.5, 2), "██");
        assert_eq!(bar(-1.0, 2), "░░");
        assert_eq!(percent(0.518), "52%");
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
    }

    #[test]
    fn long_titles_are_shortened_for_tables() {
        let long = "word ".repeat(30);
        let shown = display_title(&long);
        assert_eq!(shown.chars().count(), 72);
        assert!(shown.ends_with('…'));
        assert_eq!(display_title(""), "(untitled)");
    }

    #[test]
    fn show_text_lists_open_tasks_and_sections() {
        let post = crate::core::post::parse(
            "_posts/2021-03-01-w.md",
            b"Finish by 2021-03-06.\n\n## A\n- [x] done one, 3/5\n- [ ] open one (4/5)\n## B\n- [ ] other\n",
        );
        let text = show_text("_posts/2021-03-01-w.md", &post, 5);
        assert!(text.contains("done  1/3  33%"), "{text}");
        assert!(
            text.contains("due   2021-03-06 (from the text: \"by 2021-03-06\")"),
            "{text}"
        );
        assert!(text.contains("[ ] open one  4/5  · line 5"), "{text}");
        assert!(!text.contains("done one  3/5  ·"), "{text}");
        assert!(text.contains("  A "), "{text}");
    }

    #[test]
    fn show_text_writes_ratings_on_the_configured_scale() {
        let ten = crate::core::post::ParseOptions {
            rating_scale: 10,
            ..Default::default()
        };
        let path = "_posts/2021-03-01-w.md";
        let post = crate::core::post::parse_with(
            path,
            b"# Goals\n- [x] done one, 7/10\n- [ ] open one (9/10)\n- [ ] other, 7/10\n",
            &ten,
        );
        let text = show_text(path, &post, 10);
        assert!(text.contains("[ ] open one  9/10  · line 3"), "{text}");
        let by_confidence = text
            .split("by confidence\n")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .unwrap_or_default();
        let labels: Vec<&str> = by_confidence
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(labels, ["7/10", "9/10"], "{text}");
        assert!(!text.contains("/5"), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// history, tasks, log

use crate::core::history::{History, TaskEvent};
use crate::core::ledger::{Figures, Ledger, Status, TaskRecord, Week};
use crate::core::model::{CommitInfo, EventKind, short_id};

/// One row of `gitgoals history --format json`.
#[derive(Debug, Serialize)]
pub struct WeekDocument<'a> {
    pub path: &'a str,
    pub title: &'a str,
    pub date: String,
    pub due: String,
    pub due_source: crate::core::model::DueSource,
    /// The week's counts, inline in the document as they were before they had a type.
    #[serde(flatten)]
    pub figures: &'a Figures,
    pub completion: f64,
    pub by_confidence: &'a Breakdown,
    pub by_section: &'a Breakdown,
}

impl<'a> WeekDocument<'a> {
    pub fn new(week: &'a Week) -> Self {
        WeekDocument {
            path: &week.path,
            title: &week.title,
            date: week.date.to_string(),
            due: week.due.to_string(),
            due_source: week.due_source,
            figures: &week.figures,
            completion: round3(week.completion()),
            by_confidence: &week.by_confidence,
            by_section: &week.by_section,
        }
    }
}

/// The trend over a run of weeks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Trend {
    pub weeks: usize,
    /// Mean of the weeks' completion.
    pub average_completion: f64,
    /// Share of tasks carried into the following week, over the weeks that have one (the
    /// newest post has had no chance to carry anything).
    pub carry_over_rate: f64,
    /// Share of all tasks that were added after the post was first committed.
    pub unplanned_rate: f64,
}

impl Trend {
    pub fn of(weeks: &[&Week]) -> Option<Trend> {
        if weeks.is_empty() {
            return None;
        }
        let tasks: usize = weeks.iter().map(|w| w.figures.tasks).sum();
        let share = |n: usize| {
            if tasks == 0 {
                0.0
            } else {
                n as f64 / tasks as f64
            }
        };
        Some(Trend {
            weeks: weeks.len(),
            average_completion: round3(
                weeks.iter().map(|w| w.completion()).sum::<f64>() / weeks.len() as f64,
            ),
            carry_over_rate: {
                let closed = weeks.iter().filter(|w| w.has_next);
                let tasks: usize = closed.clone().map(|w| w.figures.tasks).sum();
                let carried: usize = closed.map(|w| w.figures.carried_out).sum();
                round3(if tasks == 0 {
                    0.0
                } else {
                    carried as f64 / tasks as f64
                })
            },
            unplanned_rate: round3(share(weeks.iter().map(|w| w.figures.added).sum())),
        })
    }
}

/// The summary under `gitgoals history`: all weeks, the last `recent` and the ones before.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub all: Option<Trend>,
    pub recent_weeks: usize,
    pub recent: Option<Trend>,
    pub before: Option<Trend>,
}

impl Summary {
    pub fn of(weeks: &[&Week], recent: usize) -> Summary {
        let split = weeks.len().saturating_sub(recent);
        Summary {
            all: Trend::of(weeks),
            recent_weeks: recent,
            recent: Trend::of(&weeks[split..]),
            before: Trend::of(&weeks[..split]),
        }
    }
}

/// `gitgoals history --format json`.
#[derive(Debug, Serialize)]
pub struct HistoryDocument<'a> {
    pub head: Option<&'a str>,
    pub posts: Vec<WeekDocument<'a>>,
    pub summary: Summary,
}

/// How many recent weeks the summary compares with the ones before.
pub const RECENT_WEEKS: usize = 4;

pub fn history_document<'a>(ledger: &'a Ledger, weeks: &[&'a Week]) -> HistoryDocument<'a> {
    HistoryDocument {
        head: ledger.head.as_deref(),
        posts: weeks.iter().map(|w| WeekDocument::new(w)).collect(),
        summary: Summary::of(weeks, RECENT_WEEKS),
    }
}

fn on_time_text(week: &Week) -> String {
    match week.figures.done_on_time {
        Some(n) => n.to_string(),
        None => "?".to_string(),
    }
}

/// What names a week in a table: its title, or its path where other goals posts have the
/// same title (seven posts all titled `task` cannot be told apart).
pub fn week_label(ledger: &Ledger, week: &Week) -> String {
    let same = ledger
        .weeks
        .iter()
        .filter(|other| other.title == week.title)
        .count();
    if same > 1 {
        week.path.clone()
    } else {
        week.title.clone()
    }
}

/// `text` cut to `width` characters from its start, so a path keeps its file name.
fn truncate_start(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    let kept: String = text.chars().skip(count - width + 1).collect();
    format!("…{kept}")
}

/// `gitgoals history` as a text table with a trend summary. `ledger` is where `weeks` come
/// from: the tick sparklines and the unplanned share need the weeks' tasks.
pub fn history_text(ledger: &Ledger, weeks: &[&Week]) -> String {
    if weeks.is_empty() {
        // Filters (`--since`, `--until`, `--last`) that leave nothing are not an empty blog.
        return if ledger.weeks.is_empty() {
            "no goals posts (Markdown posts with task lists) in this history\n".to_string()
        } else {
            format!(
                "no goals posts in the range asked for ({} in the whole history)\n",
                crate::render::count(ledger.weeks.len(), "goals post")
            )
        };
    }
    let labels: Vec<String> = weeks.iter().map(|w| week_label(ledger, w)).collect();
    let title_width = labels
        .iter()
        .map(|label| label.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(5, 40);
    let sparklines = crate::render::trends::tick_sparklines(ledger, weeks);
    let mut out = format!(
        "{:<10}  {:<title_width$}  {:>7}  {:>6}  {:>11}  {:>3}  {:>3}  {:>7}  completion       ticks by day\n",
        "date", "title", "planned", "+added", "done (time)", "in", "out", "dropped"
    );
    let mut imported = false;
    for (week, label) in weeks.iter().zip(&labels) {
        imported |= week.figures.done_on_time.is_none();
        let title = if label == &week.title {
            truncate(label, title_width)
        } else {
            truncate_start(label, title_width)
        };
        out.push_str(&format!(
            "{:<10}  {:<title_width$}  {:>7}  {:>6}  {:>11}  {:>3}  {:>3}  {:>7}  {} {:>4}  {}\n",
            week.date,
            title,
            week.figures.planned,
            format!("+{}", week.figures.added),
            format!(
                "{}/{} ({})",
                week.figures.done,
                week.figures.tasks,
                on_time_text(week)
            ),
            week.figures.carried_in,
            week.figures.carried_out,
            week.figures.dropped,
            bar(week.completion(), 10),
            percent(week.completion()),
            sparklines.get(&week.post).map_or("", String::as_str),
        ));
    }
    let summary = Summary::of(weeks, RECENT_WEEKS);
    if let Some(all) = summary.all {
        // The newest post has had no chance to carry anything: a rate over no such week
        // would read as "nothing was carried".
        let carried = if weeks.iter().any(|w| w.has_next) {
            format!("carried over {} of tasks", percent(all.carry_over_rate))
        } else {
            "carried over: nothing yet (no later post)".to_string()
        };
        out.push_str(&format!(
            "\n{}: average completion {}, {carried}, unplanned {} of tasks\n",
            crate::render::count(all.weeks, "week"),
            percent(all.average_completion),
            percent(all.unplanned_rate)
        ));
    }
    if let (Some(recent), Some(before)) = (summary.recent, summary.before) {
        out.push_str(&format!(
            "last {} weeks: completion {} (before: {}), carried over {} (before: {}), unplanned {} (before: {})\n",
            recent.weeks,
            percent(recent.average_completion),
            percent(before.average_completion),
            percent(recent.carry_over_rate),
            percent(before.carry_over_rate),
            percent(recent.unplanned_rate),
            percent(before.unplanned_rate),
        ));
    }
    out.push_str(&crate::render::trends::summary_lines(ledger, weeks));
    out.push_str(
        "ticks by day: one cell per day from the post's date, the last cell for later ticks\n",
    );
    if imported {
        out.push_str(
            "(?) done on time is unknown where the post's history starts after its due date\n",
        );
    }
    out
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

const CSV_HEADER: &str = "path,title,date,due,due_source,tasks,planned,added,removed,done,done_on_time,open,cancelled,forwarded,carried_in,carried_out,dropped,completion";

/// A CSV field, quoted when it holds a separator, a quote or a line break. A title that
/// starts like a spreadsheet formula (`=`, `+`, `-`, `@`) gets a leading `'` so a spreadsheet
/// shows it as text instead of running it.
fn csv_field(text: &str) -> String {
    let guarded;
    let text = if text.starts_with(['=', '+', '-', '@']) {
        guarded = format!("'{text}");
        guarded.as_str()
    } else {
        text
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn due_source_name(source: crate::core::model::DueSource) -> &'static str {
    use crate::core::model::DueSource::*;
    match source {
        FrontMatter => "front_matter",
        Text => "text",
        NextPost => "next_post",
        DatePlusWeek => "date_plus_week",
    }
}

/// `gitgoals history --format csv`: one row per week, the JSON document's fields in its order
/// (the breakdowns left out); `done_on_time` empty when unknown.
pub fn history_csv(weeks: &[&Week]) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for w in weeks {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv_field(&w.path),
            csv_field(&w.title),
            w.date,
            w.due,
            due_source_name(w.due_source),
            w.figures.tasks,
            w.figures.planned,
            w.figures.added,
            w.figures.removed,
            w.figures.done,
            w.figures
                .done_on_time
                .map(|n| n.to_string())
                .unwrap_or_default(),
            w.figures.open,
            w.figures.cancelled,
            w.figures.forwarded,
            w.figures.carried_in,
            w.figures.carried_out,
            w.figures.dropped,
            round3(w.completion())
        ));
    }
    out
}

/// Text placed in a Markdown table cell: pipes escaped, no line breaks.
fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// `gitgoals history --format markdown`: a table to paste into a post.
pub fn history_markdown(ledger: &Ledger, weeks: &[&Week]) -> String {
    let mut out = String::from(
        "| Week | Post | Planned | Added | Done | On time | Cancelled | Forwarded | Carried in | Carried out | Dropped | Completion |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for w in weeks {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {}/{} | {} | {} | {} | {} | {} | {} | {} |\n",
            w.date,
            markdown_cell(&week_label(ledger, w)),
            w.figures.planned,
            w.figures.added,
            w.figures.done,
            w.figures.tasks,
            on_time_text(w),
            w.figures.cancelled,
            w.figures.forwarded,
            w.figures.carried_in,
            w.figures.carried_out,
            w.figures.dropped,
            percent(w.completion())
        ));
    }
    out
}

/// A commit and its author time, as the JSON documents give it.
#[derive(Debug, Serialize)]
pub struct StampDocument<'a> {
    pub commit: &'a str,
    pub time: String,
}

impl<'a> StampDocument<'a> {
    pub fn new(commit: &'a CommitInfo) -> Self {
        StampDocument {
            commit: &commit.id,
            time: commit.time.to_rfc3339(),
        }
    }
}

/// A link to another task in `carried_from` / `carried_to`.
#[derive(Debug, Serialize)]
pub struct TaskLinkDocument<'a> {
    pub id: &'a str,
    pub post: &'a str,
    pub text: &'a str,
}

/// One event in a task's life, or a line of `gitgoals log --format json`.
#[derive(Debug, Serialize)]
pub struct EventDocument<'a> {
    pub kind: &'static str,
    pub commit: &'a str,
    pub time: String,
    pub post: &'a str,
    pub task: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_section: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_section: Option<&'a str>,
    /// On a `checked` event, the done date written beside the task (`✅ YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_date: Option<chrono::NaiveDate>,
}

impl<'a> EventDocument<'a> {
    pub fn new(event: &'a TaskEvent, post: &'a str) -> Self {
        EventDocument {
            kind: event.kind.as_str(),
            commit: &event.commit.id,
            time: event.commit.time.to_rfc3339(),
            post,
            task: &event.title,
            previous_title: event.previous_title.as_deref(),
            from_section: event.from_section.as_deref(),
            to_section: event.to_section.as_deref(),
            done_date: None,
        }
    }

    /// The event with the done date the task carried when it was checked.
    pub fn with_done_date(mut self, done_date: Option<chrono::NaiveDate>) -> Self {
        if self.kind == EventKind::Checked.as_str() {
            self.done_date = done_date;
        }
        self
    }
}

/// One task of `gitgoals tasks --format json`.
#[derive(Debug, Serialize)]
pub struct TaskDocument<'a> {
    pub id: &'a str,
    pub post: &'a str,
    pub text: &'a str,
    pub section: String,
    pub confidence: Option<u8>,
    pub status: Status,
    pub planned: bool,
    pub added: StampDocument<'a>,
    pub checked: Option<StampDocument<'a>>,
    /// The done date the person wrote (Obsidian Tasks' `✅ YYYY-MM-DD`), beside the commit
    /// that checked it.
    pub done_date: Option<chrono::NaiveDate>,
    /// Whether a done task was done by its due date; none when not done, or when the week's
    /// post was committed after its due date (no one can tell).
    pub on_time: Option<bool>,
    /// What dated the task for `on_time`: `done_date` (the written date) or `commit` (the
    /// commit that checked it).
    pub on_time_by: Option<&'static str>,
    pub carried_from: Option<TaskLinkDocument<'a>>,
    pub carried_to: Option<TaskLinkDocument<'a>>,
    pub carry_streak: usize,
    pub events: Vec<EventDocument<'a>>,
}

#[derive(Debug, Serialize)]
pub struct TasksDocument<'a> {
    pub head: Option<&'a str>,
    pub tasks: Vec<TaskDocument<'a>>,
}

pub fn tasks_document<'a>(
    ledger: &'a Ledger,
    history: &'a History,
    records: &[&'a TaskRecord],
) -> TasksDocument<'a> {
    let link = |index: Option<usize>| {
        index
            .and_then(|i| ledger.tasks.get(i))
            .map(|r| TaskLinkDocument {
                id: &r.key,
                post: &ledger.weeks[r.week].path,
                text: &r.task.title,
            })
    };
    TasksDocument {
        head: ledger.head.as_deref(),
        tasks: records
            .iter()
            .map(|r| {
                let post = ledger.weeks[r.week].path.as_str();
                TaskDocument {
                    id: &r.key,
                    post,
                    text: &r.task.title,
                    section: r.task.section_path(),
                    confidence: r.task.confidence,
                    status: r.status,
                    planned: r.planned,
                    added: StampDocument::new(&r.added),
                    checked: r.checked.as_deref().map(StampDocument::new),
                    done_date: r.task.done_date,
                    on_time: on_time(ledger, r).map(|(on_time, _)| on_time),
                    on_time_by: on_time(ledger, r).map(|(_, by)| by),
                    carried_from: link(r.carried_from),
                    carried_to: link(r.carried_to),
                    carry_streak: r.carry_streak,
                    events: history
                        .tasks
                        .get(r.id.index())
                        .map(|life| {
                            life.events
                                .iter()
                                .map(|e| {
                                    EventDocument::new(e, post)
                                        .with_done_date(history.done_date_at(life.id, e.order))
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect(),
    }
}

/// Whether a done task was done by its due date (the task's own `📅`, else its week's), and
/// what dated it: the `✅` date written beside it, else the commit that checked it — the rule
/// the week's `done_on_time` counts by. None for a task not done, or in a week whose post was
/// committed after its due date.
pub fn on_time(ledger: &Ledger, record: &TaskRecord) -> Option<(bool, &'static str)> {
    if record.status != Status::Done {
        return None;
    }
    let week = ledger.weeks.get(record.week)?;
    week.figures.done_on_time?;
    let (day, by) = match (record.task.done_date, &record.checked) {
        (Some(date), _) => (date, "done_date"),
        (None, Some(checked)) => (checked.time.date_naive(), "commit"),
        (None, None) => return None,
    };
    Some((day <= record.task.due.unwrap_or(week.due), by))
}

/// What the marks of `gitgoals tasks` mean, printed under the list.
pub const TASKS_LEGEND: &str =
    "✓ done  · open  – cancelled  ✗ removed  → carried into the week of that date";

/// `gitgoals tasks` as text, grouped by week; ratings read N/`rating_scale`.
pub fn tasks_text(ledger: &Ledger, records: &[&TaskRecord], rating_scale: u8) -> String {
    let mut out = String::new();
    let mut last_week = None;
    for record in records {
        if last_week != Some(record.week) {
            let week = &ledger.weeks[record.week];
            if last_week.is_some() {
                out.push('\n');
            }
            out.push_str(&format!("{}  {}  ({})\n", week.date, week.title, week.path));
            last_week = Some(record.week);
        }
        let mark = match record.status {
            Status::Done => "✓",
            Status::Open => "·",
            Status::Cancelled => "–",
            Status::Removed => "✗",
        };
        let rating = record
            .task
            .confidence
            .map(|c| format!(" {c}/{rating_scale}"))
            .unwrap_or_default();
        let mut line = format!("  {mark} {}{rating}", display_title(&record.task.title));
        if !record.planned {
            line.push_str("  [added ");
            line.push_str(&record.added.time.format("%Y-%m-%d").to_string());
            line.push(']');
        }
        if let Some(checked) = &record.checked {
            line.push_str(&format!(
                "  done {} {}",
                checked.time.format("%Y-%m-%d"),
                checked.short_id()
            ));
            if let Some(date) = record.task.done_date {
                line.push_str(&format!(" (✅ {date})"));
            }
        }
        if record.carry_streak > 0 {
            line.push_str(&format!("  carried {}×", record.carry_streak));
        }
        if let Some(to) = record.carried_to.and_then(|i| ledger.tasks.get(i)) {
            line.push_str(&format!("  → {}", ledger.weeks[to.week].date));
        }
        out.push_str(&line);
        out.push('\n');
    }
    if records.is_empty() {
        out.push_str("no tasks match\n");
    } else {
        out.push('\n');
        out.push_str(TASKS_LEGEND);
        out.push('\n');
    }
    out
}

const TASKS_CSV_HEADER: &str = "id,post,text,section,confidence,status,planned,added_commit,added_time,checked_commit,checked_time,done_date,on_time,on_time_by,carried_from,carried_to,carry_streak";

/// `gitgoals tasks --format csv`: one row per task, the fields of the JSON document that fit
/// a cell (events left out), quoted and defused as `history --format csv` is. Columns keep
/// the JSON's names, so one vocabulary serves both: an object field becomes `NAME_commit` and
/// `NAME_time`, a carry link its task id.
pub fn tasks_csv(ledger: &Ledger, records: &[&TaskRecord]) -> String {
    let mut out = format!("{TASKS_CSV_HEADER}\n");
    let key = |index: Option<usize>| {
        index
            .and_then(|i| ledger.tasks.get(i))
            .map(|r| csv_field(&r.key))
            .unwrap_or_default()
    };
    for r in records {
        let on_time = on_time(ledger, r);
        let fields = [
            csv_field(&r.key),
            csv_field(&ledger.weeks[r.week].path),
            csv_field(&r.task.title),
            csv_field(&r.task.section_path()),
            r.task.confidence.map(|c| c.to_string()).unwrap_or_default(),
            status_name(r.status).to_string(),
            r.planned.to_string(),
            r.added.id.clone(),
            r.added.time.to_rfc3339(),
            r.checked.as_ref().map(|c| c.id.clone()).unwrap_or_default(),
            r.checked
                .as_ref()
                .map(|c| c.time.to_rfc3339())
                .unwrap_or_default(),
            r.task.done_date.map(|d| d.to_string()).unwrap_or_default(),
            on_time.map(|(t, _)| t.to_string()).unwrap_or_default(),
            on_time.map(|(_, by)| by.to_string()).unwrap_or_default(),
            key(r.carried_from),
            key(r.carried_to),
            r.carry_streak.to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// `gitgoals tasks --format markdown`: a table to paste into a post.
pub fn tasks_markdown(ledger: &Ledger, records: &[&TaskRecord]) -> String {
    let mut out =
        String::from("| Week | Task | Status | Done | Carried |\n|---|---|---|---|---|\n");
    for r in records {
        let done = match (&r.checked, r.task.done_date) {
            (_, Some(date)) => date.to_string(),
            (Some(checked), None) => checked.time.format("%Y-%m-%d").to_string(),
            (None, None) => String::new(),
        };
        let carried = r
            .carried_to
            .and_then(|i| ledger.tasks.get(i))
            .map(|to| format!("→ {}", ledger.weeks[to.week].date))
            .unwrap_or_default();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            ledger.weeks[r.week].date,
            markdown_cell(&display_title(&r.task.title)),
            status_name(r.status),
            done,
            carried
        ));
    }
    out
}

/// A status as the JSON documents name it.
fn status_name(status: Status) -> &'static str {
    match status {
        Status::Done => "done",
        Status::Open => "open",
        Status::Cancelled => "cancelled",
        Status::Removed => "removed",
    }
}

/// One event with the post it belongs to, for `gitgoals log`.
pub struct LogLine<'a> {
    pub event: &'a TaskEvent,
    pub post: &'a str,
    /// On a `checked` event, the done date written beside the task then (`✅ YYYY-MM-DD`).
    pub done_date: Option<chrono::NaiveDate>,
}

/// `gitgoals log` as text, newest first (the caller orders and limits the lines).
pub fn log_text(lines: &[LogLine]) -> String {
    let mut out = String::new();
    for line in lines {
        let e = line.event;
        let (title, previous) = match &e.previous_title {
            Some(previous) => {
                let (title, previous) = edited_titles(&e.title, previous);
                (title, Some(previous))
            }
            None => (quote(&e.title), None),
        };
        let mut text = format!(
            "{}  {}  {:<9} {}",
            e.commit.time.format("%Y-%m-%d %H:%M %:z"),
            short_id(&e.commit.id),
            e.kind.as_str(),
            title
        );
        if let Some(previous) = previous {
            text.push_str(&format!(" (was {previous})"));
        }
        if let (Some(from), Some(to)) = (&e.from_section, &e.to_section) {
            text.push_str(&format!(" ({from} → {to})"));
        }
        if let Some(date) = line.done_date.filter(|_| e.kind == EventKind::Checked) {
            text.push_str(&format!(" ✅ {date}"));
        }
        text.push_str(&format!("  · {}\n", line.post));
        out.push_str(&text);
    }
    if lines.is_empty() {
        out.push_str("no task events in this history\n");
    }
    out
}

/// An edit's new and old titles as the log quotes them. Where a long title was edited past
/// the point where both are cut short, the two would read the same: each is then shown from a
/// little before the first difference, so the line says what changed.
fn edited_titles(title: &str, previous: &str) -> (String, String) {
    const LEAD: usize = 20;
    if title == previous || display_title(title) != display_title(previous) {
        return (quote(title), quote(previous));
    }
    let common = title
        .chars()
        .zip(previous.chars())
        .take_while(|(a, b)| a == b)
        .count();
    let from = common.saturating_sub(LEAD);
    let tail = |t: &str| {
        let rest: String = t.chars().skip(from).collect();
        format!("\"…{}\"", display_title(&rest))
    };
    (tail(title), tail(previous))
}

fn quote(title: &str) -> String {
    format!("\"{}\"", display_title(title))
}
