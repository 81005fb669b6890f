//! Reports: what a person or a script sees — text tables and stable JSON documents.

use serde::Serialize;

use crate::model::{Due, Post, Warning};
use crate::tally::{self, Breakdown, Tally};

/// A bar of `width` cells, filled in proportion to `ratio`.
pub fn bar(ratio: f64, width: usize) -> String {
    let filled = (ratio.clamp(0.0, 1.0) * width as f64).round() as usize;
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

/// `52%`.
pub fn percent(ratio: f64) -> String {
    format!("{:.0}%", ratio * 100.0)
}

/// The `gitgoals show --format json` document: stable field names, dates as `YYYY-MM-DD`.
#[derive(Debug, Serialize)]
pub struct ShowDocument<'a> {
    pub path: &'a str,
    pub title: Option<&'a str>,
    pub date: Option<String>,
    pub date_source: Option<crate::model::DateSource>,
    pub due: Option<String>,
    pub due_source: Option<crate::model::DueSource>,
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
        let overall = tally::overall(&post.tasks);
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
            by_confidence: tally::by_confidence(&post.tasks),
            by_section: tally::by_section(&post.tasks),
            items: post
                .tasks
                .iter()
                .map(|t| ShowItem {
                    title: &t.title,
                    note: &t.note,
                    checked: t.checked,
                    confidence: t.confidence,
                    section: t.section_path(),
                    line: t.line,
                    parent: t.parent,
                })
                .collect(),
            warnings: post.warnings.iter().map(Warning::to_string).collect(),
        }
    }
}

/// Ratios in JSON carry three decimals: enough to compare, short enough to read.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn due_text(due: &Due) -> String {
    use crate::model::DueSource::*;
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

/// `gitgoals show` as text.
pub fn show_text(path: &str, post: &Post) -> String {
    let mut out = String::new();
    let overall = tally::overall(&post.tasks);
    out.push_str(post.title.as_deref().unwrap_or(path));
    out.push('\n');
    out.push_str(&format!("  {path}\n\n"));
    let date = match (post.date, post.date_source) {
        (Some(date), Some(crate::model::DateSource::Filename)) => {
            format!("{date} (from the file name)")
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
        let sections = tally::by_section(&post.tasks);
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
        for (key, tally) in &tally::by_confidence(&post.tasks).0 {
            let label = if key == "unrated" {
                key.clone()
            } else {
                format!("{key}/{}", crate::post::RATING_SCALE)
            };
            out.push_str(&tally_row(&label, *tally, width));
        }
        let open: Vec<_> = post.tasks.iter().filter(|t| !t.checked).collect();
        if !open.is_empty() {
            out.push_str(&format!("\nopen ({})\n", open.len()));
            for task in open {
                let rating = task
                    .confidence
                    .map(|c| format!("  {c}/{}", crate::post::RATING_SCALE))
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
    fn bars_and_percentages() {
        assert_eq!(bar(0.5, 4), "██░░");
        assert_eq!(bar(1.5, 2), "██");
        assert_eq!(bar(-1.0, 2), "░░");
        assert_eq!(percent(0.518), "52%");
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
        let post = crate::post::parse(
            "_posts/2021-03-01-w.md",
            b"Finish by 2021-03-06.\n\n## A\n- [x] done one, 3/5\n- [ ] open one (4/5)\n## B\n- [ ] other\n",
        );
        let text = show_text("_posts/2021-03-01-w.md", &post);
        assert!(text.contains("done  1/3  33%"), "{text}");
        assert!(
            text.contains("due   2021-03-06 (from the text: \"by 2021-03-06\")"),
            "{text}"
        );
        assert!(text.contains("[ ] open one  4/5  · line 5"), "{text}");
        assert!(!text.contains("done one  3/5  ·"), "{text}");
        assert!(text.contains("  A "), "{text}");
    }
}
