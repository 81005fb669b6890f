//! Stats block stage: renders a post's figures as a short Markdown block and rewrites that block
//! inside the post's bytes, touching nothing outside it.
//!
//! Pure: no clock, no file system, no git. The hook and `gitgoals stats` feed it bytes and write
//! what it returns.
//!
//! Decisions a caller can rely on:
//! - The block is the text between a line `<!-- gitgoals:stats -->` and a line
//!   `<!-- /gitgoals:stats -->`. A marker counts only when it is an HTML block of its own line
//!   (at most three spaces of indentation, nothing else on the line) as CommonMark reads the
//!   file: markers in fenced or indented code, in front matter, in a block quote or inline in
//!   a paragraph are text, not markers.
//! - Rewriting replaces only the bytes between the two marker lines; the marker lines stay
//!   byte for byte. Inside the block the file's line ending is used (the one ending the opening
//!   marker line).
//! - Without markers, the block is appended after one blank line, using the line ending most of
//!   the file uses. A file whose last line has no line break gets one (so the last line stays
//!   what it was) and the appended block then ends without a line break, as the file did. A
//!   UTF-8 byte order mark stays where it is.
//! - A body that gives the same bytes is reported as [`Rewrite::Unchanged`], so callers do not
//!   write the file again.

use std::fmt::Write as _;
use std::ops::Range;

use chrono::NaiveDate;
use pulldown_cmark::{Event, Options, Parser, Tag};
use serde::Serialize;

use crate::core::ledger::{Ledger, Status};

/// The line that opens the stats block.
pub const START_MARKER: &str = "<!-- gitgoals:stats -->";
/// The line that closes the stats block.
pub const END_MARKER: &str = "<!-- /gitgoals:stats -->";

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Titles longer than this are cut (with an ellipsis) so the block stays a summary.
const MAX_TITLE_CHARS: usize = 80;
/// A template that loops too long is stopped rather than stalling someone's commit.
const TEMPLATE_FUEL: u64 = 200_000;

/// Why a block could not be rendered or rewritten. Messages name the line when there is one;
/// the caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    #[error("line {line}: a second `{marker}` (the first is on line {first})")]
    DuplicateMarker {
        marker: &'static str,
        line: usize,
        first: usize,
    },
    #[error("line {line}: `{START_MARKER}` is never closed by a `{END_MARKER}` line")]
    Unclosed { line: usize },
    #[error("line {line}: `{END_MARKER}` comes before any `{START_MARKER}` line")]
    CloseBeforeOpen { line: usize },
    #[error("the file is UTF-16; gitgoals writes stats blocks only into UTF-8 files")]
    Utf16,
    #[error("line {line}: the file is not valid UTF-8 there")]
    NotUtf8 { line: usize },
    #[error("stats template: {0}")]
    Template(String),
    #[error("stats block would be unsafe: {0}")]
    UnsafeBody(String),
    #[error(
        "the post ends inside an open code fence or HTML block, which would swallow a stats block appended after it; put the two marker lines where the block should go"
    )]
    OpenAtEnd,
}

/// The outcome of [`rewrite`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewrite {
    /// The block already says this: leave the file alone.
    Unchanged,
    /// The whole new file.
    Changed(Vec<u8>),
}

/// Counts for one confidence rating (`N/scale`), or for tasks without a rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfidenceCount {
    /// `None` for unrated tasks.
    pub rating: Option<u8>,
    pub done: usize,
    pub total: usize,
}

/// The figures a stats block shows for one post, as computed by whoever calls the renderer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockStats {
    pub done: usize,
    pub total: usize,
    pub due: Option<NaiveDate>,
    /// The day the block is written for; days left are counted from it.
    pub today: NaiveDate,
    /// Titles of tasks carried in from the previous goals post.
    pub carried_in: Vec<String>,
    /// Titles of tasks added after the post's first committed version.
    pub added_mid_week: Vec<String>,
    /// Ordered as the caller wants them shown (rated first by rating, then unrated, say).
    pub by_confidence: Vec<ConfidenceCount>,
    /// Completion (0.0–1.0) of recent goals posts, oldest first; the last is usually this one.
    pub recent_completion: Vec<f64>,
    /// The same weeks as the history chart plots them, for the opt-in chart beside the post.
    pub recent_weeks: Vec<crate::core::trends::WeekPoint>,
    /// Where the block links its chart image, when the hook wrote one (`stats.chart`).
    pub chart: Option<String>,
    /// The scale the ratings in `by_confidence` are out of (`confidence.scale`). The ledger
    /// does not know it: [`BlockStats::from_ledger`] leaves the default, 5, and the hook sets
    /// the configured one, as it sets `chart`.
    pub rating_scale: u8,
}

impl Default for BlockStats {
    fn default() -> BlockStats {
        BlockStats {
            done: 0,
            total: 0,
            due: None,
            today: NaiveDate::default(),
            carried_in: Vec::new(),
            added_mid_week: Vec::new(),
            by_confidence: Vec::new(),
            recent_completion: Vec::new(),
            recent_weeks: Vec::new(),
            chart: None,
            rating_scale: crate::core::post::RATING_SCALE,
        }
    }
}

/// How many weeks of completion the sparkline shows.
pub const SPARKLINE_WEEKS: usize = 8;

impl BlockStats {
    /// The figures of week `week` of `ledger`, written on `today`.
    pub fn from_ledger(ledger: &Ledger, week: usize, today: NaiveDate) -> BlockStats {
        let this = &ledger.weeks[week];
        let tasks = ledger.tasks.iter().filter(|t| t.week == week);
        let carried_in = tasks
            .clone()
            .filter(|t| t.carried_from.is_some() && t.status != Status::Removed)
            .map(|t| t.task.title.to_string())
            .collect();
        let added_mid_week = tasks
            .filter(|t| !t.planned && t.status != Status::Removed)
            .map(|t| t.task.title.to_string())
            .collect();
        let by_confidence = this
            .by_confidence
            .0
            .iter()
            .map(|(key, tally)| ConfidenceCount {
                rating: key.parse().ok(),
                done: tally.done,
                total: tally.total,
            })
            .collect();
        let first = (week + 1).saturating_sub(SPARKLINE_WEEKS);
        BlockStats {
            done: this.done,
            total: this.tasks,
            due: Some(this.due),
            today,
            carried_in,
            added_mid_week,
            by_confidence,
            recent_completion: ledger.weeks[first..=week]
                .iter()
                .map(|w| w.completion())
                .collect(),
            recent_weeks: crate::core::trends::week_points(
                &ledger.weeks[first..=week].iter().collect::<Vec<_>>(),
            ),
            chart: None,
            rating_scale: crate::core::post::RATING_SCALE,
        }
    }
}

/// How to turn [`BlockStats`] into the block's Markdown.
#[derive(Debug, Clone, Copy)]
pub enum Renderer<'a> {
    /// gitgoals' own layout (see [`render_default`]).
    Default,
    /// A minijinja template's source text, with the names listed on [`TemplateContext`].
    Template(&'a str),
}

/// What a user template sees, by name. Task titles arrive already escaped for Markdown and
/// HTML, so a template can place them anywhere in the text safely.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateContext {
    pub done: usize,
    pub total: usize,
    pub open: usize,
    /// Completion as a whole percentage (rounded to nearest), 0 when the post has no tasks.
    pub percent: usize,
    /// Completion as a fraction 0.0–1.0.
    pub completion: f64,
    /// `YYYY-MM-DD`, or none.
    pub due: Option<String>,
    pub today: String,
    /// Days from today to the due date; negative once it has passed.
    pub days_left: Option<i64>,
    pub due_passed: bool,
    pub carried_in: Vec<String>,
    pub added_mid_week: Vec<String>,
    pub by_confidence: Vec<ConfidenceRow>,
    /// The highest rating, the `scale` of `N/scale` (`confidence.scale`).
    pub scale: u8,
    pub recent_completion: Vec<f64>,
    /// `recent_completion` drawn with ▁▂▃▄▅▆▇█.
    pub sparkline: String,
    /// Link to the chart image beside the post, when `stats.chart` is on.
    pub chart: Option<String>,
}

/// One row of "done by confidence" for templates.
#[derive(Debug, Clone, Serialize)]
pub struct ConfidenceRow {
    /// `3/5` (on the configured scale: `7/10`), or `unrated`.
    pub label: String,
    pub rating: Option<u8>,
    pub done: usize,
    pub total: usize,
}

impl TemplateContext {
    /// Derives every figure a block shows from the raw counts.
    pub fn new(stats: &BlockStats) -> Self {
        let completion = if stats.total == 0 {
            0.0
        } else {
            stats.done as f64 / stats.total as f64
        };
        let days_left = stats.due.map(|due| (due - stats.today).num_days());
        TemplateContext {
            done: stats.done,
            total: stats.total,
            open: stats.total.saturating_sub(stats.done),
            percent: (stats.done * 100 + stats.total / 2)
                .checked_div(stats.total)
                .unwrap_or(0),
            completion,
            due: stats.due.map(|d| d.format("%Y-%m-%d").to_string()),
            today: stats.today.format("%Y-%m-%d").to_string(),
            days_left,
            due_passed: days_left.is_some_and(|d| d < 0),
            carried_in: stats.carried_in.iter().map(|t| escape_title(t)).collect(),
            added_mid_week: stats
                .added_mid_week
                .iter()
                .map(|t| escape_title(t))
                .collect(),
            by_confidence: stats
                .by_confidence
                .iter()
                .map(|c| ConfidenceRow {
                    label: c.rating.map_or_else(
                        || "unrated".to_owned(),
                        |r| format!("{r}/{}", stats.rating_scale),
                    ),
                    rating: c.rating,
                    done: c.done,
                    total: c.total,
                })
                .collect(),
            scale: stats.rating_scale,
            recent_completion: stats.recent_completion.clone(),
            sparkline: sparkline(&stats.recent_completion),
            chart: stats.chart.clone(),
        }
    }
}

/// Renders the block body (without markers) with the chosen renderer and checks that it is
/// safe to place in a post: it holds no marker and no task-list item.
pub fn render(stats: &BlockStats, renderer: Renderer<'_>) -> Result<String, BlockError> {
    let context = TemplateContext::new(stats);
    let body = match renderer {
        Renderer::Default => render_default(&context),
        Renderer::Template(source) => render_template(source, &context)?,
    };
    check_body(&body)?;
    Ok(body)
}

/// gitgoals' own layout: one short paragraph a line, labels in bold, never starting a line with
/// task text (so no title can turn into a heading, a list or a task).
pub fn render_default(c: &TemplateContext) -> String {
    let mut out = String::new();
    if c.total == 0 {
        out.push_str("**Goals:** no tasks yet");
    } else {
        let _ = write!(
            out,
            "**Goals:** {} of {} done ({}%)",
            c.done, c.total, c.percent
        );
    }
    if let (Some(due), Some(days)) = (&c.due, c.days_left) {
        let when = match days {
            d if d < 0 => format!("due passed ({due})"),
            0 => format!("due today ({due})"),
            1 => format!("1 day left (due {due})"),
            d => format!("{d} days left (due {due})"),
        };
        let _ = write!(out, " · {when}");
    }
    out.push('\n');
    push_titles(&mut out, "Carried in from last week", &c.carried_in);
    push_titles(&mut out, "Added mid-week", &c.added_mid_week);
    if !c.by_confidence.is_empty() {
        let rows: Vec<String> = c
            .by_confidence
            .iter()
            .map(|r| format!("{} → {} of {}", r.label, r.done, r.total))
            .collect();
        let _ = write!(out, "\n**Done by confidence:** {}\n", rows.join(" · "));
    }
    if !c.sparkline.is_empty() {
        let weeks = c.recent_completion.len();
        let label = if weeks == 1 {
            "This week".to_owned()
        } else {
            format!("Last {weeks} weeks")
        };
        let _ = write!(out, "\n**{label}:** {} (oldest to newest)\n", c.sparkline);
    }
    if let Some(chart) = &c.chart {
        let _ = write!(out, "\n![Goals done per week]({chart})\n");
    }
    out
}

fn push_titles(out: &mut String, label: &str, titles: &[String]) {
    if !titles.is_empty() {
        let _ = write!(
            out,
            "\n**{label} ({}):** {}\n",
            titles.len(),
            titles.join(" · ")
        );
    }
}

fn render_template(source: &str, context: &TemplateContext) -> Result<String, BlockError> {
    let mut env = minijinja::Environment::new();
    // A misspelt name should be an error the user sees, not a silently empty figure.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_fuel(Some(TEMPLATE_FUEL));
    // Titles are escaped before they reach the template; HTML auto-escaping would escape twice.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let value = minijinja::Value::from(minijinja::value::Serde(context));
    env.render_str(source, value)
        .map_err(|e| BlockError::Template(describe_template_error(&e)))
}

fn describe_template_error(error: &minijinja::Error) -> String {
    let mut text = match error.line() {
        Some(line) => format!("line {line}: {}", error.kind()),
        None => error.kind().to_string(),
    };
    if let Some(detail) = error.detail() {
        let _ = write!(text, ": {detail}");
    }
    text
}

/// Refuses a body that would break the block or be read back as tasks.
fn check_body(body: &str) -> Result<(), BlockError> {
    if body.contains(START_MARKER) || body.contains(END_MARKER) {
        return Err(BlockError::UnsafeBody(
            "it contains a gitgoals:stats marker".into(),
        ));
    }
    let parser = Parser::new_ext(body, Options::ENABLE_TASKLISTS).into_offset_iter();
    for (event, range) in parser {
        if let Event::TaskListMarker(_) = event {
            return Err(BlockError::UnsafeBody(format!(
                "line {} of the rendered block is a task-list item",
                line_of(body.as_bytes(), range.start)
            )));
        }
    }
    // A code fence or an HTML block (`<pre>`, `<!--`, `<script>`) left open would run past the
    // closing marker to the end of the post: the blog would show the rest as code and the next
    // run could not find the block. Placed between markers, the end marker must still be one.
    let mut framed = String::with_capacity(body.len() + 64);
    framed.push_str(START_MARKER);
    framed.push('\n');
    framed.push_str(&frame_body(body, "\n"));
    framed.push_str(END_MARKER);
    framed.push('\n');
    if !matches!(find_block(framed.as_bytes()), Ok(Some(_))) {
        return Err(BlockError::UnsafeBody(
            "it leaves a code fence or HTML block open, which would swallow the end marker".into(),
        ));
    }
    Ok(())
}

/// Makes a task title safe to place in running Markdown text, in kramdown and on GitHub alike:
/// HTML specials become entities (so `-->` and `<script>` stay text), Markdown punctuation that
/// could form emphasis, links, code, tables, math or attribute lists is backslash-escaped, line
/// breaks and control characters become spaces, and long titles are cut.
pub fn escape_title(title: &str) -> String {
    let mut cut: String = title.chars().take(MAX_TITLE_CHARS).collect();
    if title.chars().nth(MAX_TITLE_CHARS).is_some() {
        cut.push('…');
    }
    let mut out = String::with_capacity(cut.len() + 8);
    for ch in cut.trim().chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // kramdown has no backslash escape for `~`; an entity reads the same everywhere.
            '~' => out.push_str("&#126;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '{' | '}' | '|' | '$' | '#' | '!' => {
                out.push('\\');
                out.push(ch);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Draws completion fractions as a sparkline, one bar a week; values outside 0–1 are clamped and
/// a value that is not a number is drawn as a space.
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    values
        .iter()
        .map(|v| {
            if v.is_nan() {
                ' '
            } else {
                BARS[(v.clamp(0.0, 1.0) * 7.0).round() as usize]
            }
        })
        .collect()
}

/// Where an existing block sits in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockSpan {
    /// From the start of the opening marker line to the end of the closing marker line
    /// (including its line break): what a reader of tasks should skip.
    pub whole: Range<usize>,
    /// The bytes between the two marker lines: what [`rewrite`] replaces.
    pub body: Range<usize>,
    /// The line ending used after the opening marker.
    pub crlf: bool,
}

/// Finds the stats block in a file. `Ok(None)` when there are no markers.
pub fn find_block(source: &[u8]) -> Result<Option<BlockSpan>, BlockError> {
    let text_start = check_encoding(source)?;
    // Checked before the markers are looked for: a block appended to a file that is not UTF-8
    // could never be found again, and every later run would fail on it.
    let text = std::str::from_utf8(&source[text_start..]).map_err(|e| BlockError::NotUtf8 {
        line: line_of(source, text_start + e.valid_up_to()),
    })?;
    // Most posts have no block yet: skip the Markdown parse entirely for them.
    if !text.contains(START_MARKER) && !text.contains(END_MARKER) {
        return Ok(None);
    }

    let mut start: Option<usize> = None;
    let mut end: Option<usize> = None;
    // Front matter only at the very top, as Jekyll and Hugo read it: pulldown-cmark's metadata
    // options take a `---` line anywhere for the start of one, which would hide a marker behind
    // a thematic break. The post parser reads the body the same way.
    let body_start = crate::core::frontmatter::split(text).0.body_start;
    for (event, range) in Parser::new_ext(&text[body_start..], Options::empty()).into_offset_iter()
    {
        if !matches!(event, Event::Start(Tag::HtmlBlock)) {
            continue;
        }
        let range = body_start + range.start..body_start + range.end;
        let Some(marker) = marker_at(text, range.start) else {
            continue;
        };
        let offset = text_start + line_start(text, range.start);
        let line = line_of(source, offset);
        if marker == START_MARKER {
            if let Some(first) = start {
                return Err(BlockError::DuplicateMarker {
                    marker: START_MARKER,
                    line,
                    first: line_of(source, first),
                });
            }
            start = Some(offset);
        } else {
            if let Some(first) = end {
                return Err(BlockError::DuplicateMarker {
                    marker: END_MARKER,
                    line,
                    first: line_of(source, first),
                });
            }
            if start.is_none() {
                return Err(BlockError::CloseBeforeOpen { line });
            }
            end = Some(offset);
        }
    }
    match (start, end) {
        (None, None) => Ok(None),
        (Some(open), None) => Err(BlockError::Unclosed {
            line: line_of(source, open),
        }),
        (None, Some(close)) => Err(BlockError::CloseBeforeOpen {
            line: line_of(source, close),
        }),
        (Some(open), Some(close)) => {
            let body_start = line_end(source, open);
            let crlf = source[..body_start].ends_with(b"\r\n");
            Ok(Some(BlockSpan {
                whole: open..line_end(source, close),
                body: body_start..close,
                crlf,
            }))
        }
    }
}

/// Puts `block_body` (Markdown with `\n` line breaks, as [`render`] gives it) into the file's
/// stats block: in place between the markers when they are there, else appended at the end.
pub fn rewrite(source: &[u8], block_body: &str) -> Result<Rewrite, BlockError> {
    match find_block(source)? {
        Some(span) => {
            let body = frame_body(block_body, eol(span.crlf));
            if source[span.body.clone()] == *body.as_bytes() {
                return Ok(Rewrite::Unchanged);
            }
            let mut out = Vec::with_capacity(source.len() + body.len());
            out.extend_from_slice(&source[..span.body.start]);
            out.extend_from_slice(body.as_bytes());
            out.extend_from_slice(&source[span.body.end..]);
            // The body is checked on its own when rendered; what follows the block in this post
            // could still combine with it so that the end marker is no longer one.
            match find_block(&out) {
                Ok(Some(again))
                    if again.body == (span.body.start..span.body.start + body.len()) =>
                {
                    Ok(Rewrite::Changed(out))
                }
                _ => Err(BlockError::UnsafeBody(
                    "with the rest of this post it would hide its own end marker".into(),
                )),
            }
        }
        None => {
            let out = append_block(source, block_body);
            // Appended after an unclosed fence or `<pre>`, the markers would be code: never
            // found again, so every later run would append one more block.
            match find_block(&out) {
                Ok(Some(_)) => Ok(Rewrite::Changed(out)),
                _ => Err(BlockError::OpenAtEnd),
            }
        }
    }
}

fn append_block(source: &[u8], block_body: &str) -> Vec<u8> {
    let newline = eol(mostly_crlf(source));
    let content = source.strip_prefix(UTF8_BOM).unwrap_or(source);
    let body = frame_body(block_body, newline);
    let mut out = Vec::with_capacity(source.len() + body.len() + 64);
    out.extend_from_slice(source);
    let ends_with_break = content.ends_with(b"\n");
    if !content.is_empty() {
        if !ends_with_break {
            out.extend_from_slice(newline.as_bytes());
        }
        // One blank line before the block, unless the file already ends with one.
        if !(content.ends_with(b"\n\n") || content.ends_with(b"\n\r\n")) {
            out.extend_from_slice(newline.as_bytes());
        }
    }
    out.extend_from_slice(START_MARKER.as_bytes());
    out.extend_from_slice(newline.as_bytes());
    out.extend_from_slice(body.as_bytes());
    out.extend_from_slice(END_MARKER.as_bytes());
    if content.is_empty() || ends_with_break {
        out.extend_from_slice(newline.as_bytes());
    }
    out
}

/// The bytes between the marker lines: a blank line, the body, a blank line. The blank lines
/// keep kramdown and GitHub from gluing the body to the HTML comments.
fn frame_body(block_body: &str, newline: &str) -> String {
    let mut out = String::with_capacity(block_body.len() + 16);
    out.push_str(newline);
    let mut any = false;
    for line in block_body.trim_matches(['\n', '\r']).lines() {
        out.push_str(line.trim_end());
        out.push_str(newline);
        any = true;
    }
    if any {
        out.push_str(newline);
    }
    out
}

fn eol(crlf: bool) -> &'static str {
    if crlf { "\r\n" } else { "\n" }
}

/// Returns where the text starts (after a UTF-8 byte order mark), refusing UTF-16.
fn check_encoding(source: &[u8]) -> Result<usize, BlockError> {
    if source.starts_with(b"\xFF\xFE") || source.starts_with(b"\xFE\xFF") {
        return Err(BlockError::Utf16);
    }
    Ok(if source.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    })
}

/// Which marker, if any, is the whole of the line holding an HTML block that starts at `at`.
fn marker_at(text: &str, at: usize) -> Option<&'static str> {
    let start = line_start(text, at);
    let indent = &text[start..at];
    if indent.len() > 3 || indent.bytes().any(|b| b != b' ') {
        return None;
    }
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    match text[at..end].trim_end() {
        START_MARKER => Some(START_MARKER),
        END_MARKER => Some(END_MARKER),
        _ => None,
    }
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset just past the line break ending the line that holds `at` (or the end of input).
fn line_end(source: &[u8], at: usize) -> usize {
    source[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(source.len(), |i| at + i + 1)
}

/// 1-based line number of a byte offset.
fn line_of(source: &[u8], offset: usize) -> usize {
    source[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn mostly_crlf(source: &[u8]) -> bool {
    let breaks = source.iter().filter(|&&b| b == b'\n').count();
    let crlf = source.windows(2).filter(|w| w == b"\r\n").count();
    crlf * 2 > breaks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn stats() -> BlockStats {
        BlockStats {
            done: 14,
            total: 27,
            due: Some(day(2020, 12, 12)),
            today: day(2020, 12, 9),
            carried_in: vec!["Finish studies on wavelets".into()],
            added_mid_week: vec!["Look up background for detection models".into()],
            by_confidence: vec![
                ConfidenceCount {
                    rating: Some(3),
                    done: 2,
                    total: 8,
                },
                ConfidenceCount {
                    rating: None,
                    done: 8,
                    total: 13,
                },
            ],
            recent_completion: vec![0.25, 0.5, 1.0],
            ..Default::default()
        }
    }

    fn changed(r: Rewrite) -> Vec<u8> {
        match r {
            Rewrite::Changed(bytes) => bytes,
            Rewrite::Unchanged => panic!("expected a change"),
        }
    }

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn appends_after_one_blank_line_when_no_markers() {
        let out = changed(rewrite(b"# Week\n\n- [ ] a\n", "body").unwrap());
        assert_eq!(
            text(&out),
            "# Week\n\n- [ ] a\n\n<!-- gitgoals:stats -->\n\nbody\n\n<!-- /gitgoals:stats -->\n"
        );
    }

    #[test]
    fn append_does_not_add_a_second_blank_line() {
        let out = changed(rewrite(b"- [ ] a\n\n", "body").unwrap());
        assert!(text(&out).starts_with("- [ ] a\n\n<!-- gitgoals:stats -->\n"));
    }

    #[test]
    fn replaces_in_place_between_markers_in_the_middle() {
        let src =
            "intro\n\n<!-- gitgoals:stats -->\nold\nstuff\n<!-- /gitgoals:stats -->\n\n- [ ] a\n";
        let out = changed(rewrite(src.as_bytes(), "new").unwrap());
        assert_eq!(
            text(&out),
            "intro\n\n<!-- gitgoals:stats -->\n\nnew\n\n<!-- /gitgoals:stats -->\n\n- [ ] a\n"
        );
    }

    #[test]
    fn rewriting_twice_equals_rewriting_once() {
        for src in [
            &b"- [ ] a\n"[..],
            b"- [ ] a",
            b"\xEF\xBB\xBF- [ ] a\r\n",
            b"x\n<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\ny\n",
            b"",
        ] {
            let once = changed(rewrite(src, "**a**\nb\n").unwrap());
            assert_eq!(rewrite(&once, "**a**\nb\n").unwrap(), Rewrite::Unchanged);
            let other = changed(rewrite(&once, "c").unwrap());
            assert_eq!(
                changed(rewrite(&other, "**a**\nb\n").unwrap()),
                once,
                "a new body then the old one gives back the same file"
            );
        }
    }

    #[test]
    fn crlf_file_gets_crlf_inside_the_block() {
        let src = b"- [ ] a\r\n- [x] b\r\n";
        let out = changed(rewrite(src, "one\ntwo").unwrap());
        assert!(out.starts_with(src));
        let added = &out[src.len()..];
        assert_eq!(
            text(added),
            "\r\n<!-- gitgoals:stats -->\r\n\r\none\r\ntwo\r\n\r\n<!-- /gitgoals:stats -->\r\n"
        );
        let in_place = changed(rewrite(&out, "three").unwrap());
        assert!(!text(&in_place).replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn bom_is_kept() {
        let out = changed(rewrite(b"\xEF\xBB\xBF- [ ] a\n", "b").unwrap());
        assert!(out.starts_with(b"\xEF\xBB\xBF- [ ] a\n\n<!-- gitgoals:stats -->"));
        let with_markers = b"\xEF\xBB\xBF<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\n";
        let out = changed(rewrite(with_markers, "b").unwrap());
        assert!(out.starts_with(b"\xEF\xBB\xBF<!-- gitgoals:stats -->\n\nb\n"));
    }

    #[test]
    fn file_without_trailing_newline_keeps_its_last_line_and_ends_without_one() {
        let out = changed(rewrite(b"- [ ] a", "b").unwrap());
        assert_eq!(
            text(&out),
            "- [ ] a\n\n<!-- gitgoals:stats -->\n\nb\n\n<!-- /gitgoals:stats -->"
        );
        let again = changed(rewrite(&out, "c").unwrap());
        assert!(again.ends_with(END_MARKER.as_bytes()));
    }

    #[test]
    fn markers_in_code_fences_or_inline_are_not_markers() {
        let src = "```\n<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\n```\n\nsay <!-- gitgoals:stats --> here\n\n    <!-- gitgoals:stats -->\n";
        let out = changed(rewrite(src.as_bytes(), "b").unwrap());
        assert!(
            out.starts_with(src.as_bytes()),
            "the fenced text is untouched"
        );
        assert!(text(&out[src.len()..]).starts_with("\n<!-- gitgoals:stats -->\n\nb\n"));
        // An unclosed fence swallows the rest of the file, markers included (CommonMark).
        let unclosed = "~~~\n<!-- gitgoals:stats -->\n";
        assert!(find_block(unclosed.as_bytes()).unwrap().is_none());
    }

    #[test]
    fn mismatched_markers_are_errors_naming_the_line() {
        assert_eq!(
            rewrite(b"a\n<!-- gitgoals:stats -->\nb\n", "x"),
            Err(BlockError::Unclosed { line: 2 })
        );
        assert_eq!(
            rewrite(b"<!-- /gitgoals:stats -->\n<!-- gitgoals:stats -->\n", "x"),
            Err(BlockError::CloseBeforeOpen { line: 1 })
        );
        let twice = b"<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\n\n<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\n";
        assert_eq!(
            rewrite(twice, "x"),
            Err(BlockError::DuplicateMarker {
                marker: START_MARKER,
                line: 4,
                first: 1
            })
        );
        assert_eq!(rewrite(b"\xFF\xFEa\0", "x"), Err(BlockError::Utf16));
    }

    #[test]
    fn titles_cannot_close_comments_inject_html_or_form_tasks() {
        let mut s = stats();
        s.carried_in = vec![
            "--> <script>alert(1)</script> & co".into(),
            "[ ] sneaky".into(),
            "x\n- [ ] injected".into(),
        ];
        s.added_mid_week = vec!["<!-- /gitgoals:stats -->".into()];
        let body = render(&s, Renderer::Default).unwrap();
        assert!(!body.contains("-->"));
        assert!(!body.contains("<script"));
        assert!(body.contains("--&gt; &lt;script&gt;"));
        assert!(body.contains("&amp; co"));
        assert!(!body.contains("[ ]"));
        let post = changed(rewrite(b"- [ ] real task\n", &body).unwrap());
        let markers = Parser::new_ext(text(&post), Options::ENABLE_TASKLISTS)
            .filter(|e| matches!(e, Event::TaskListMarker(_)))
            .count();
        assert_eq!(markers, 1, "only the post's own task is a task");
        let span = find_block(&post).unwrap().unwrap();
        assert_eq!(span.whole.end, post.len());
    }

    #[test]
    fn default_block_shows_the_figures() {
        let body = render(&stats(), Renderer::Default).unwrap();
        assert!(body.contains("14 of 27 done (52%)"), "{body}");
        assert!(body.contains("3 days left (due 2020-12-12)"), "{body}");
        assert!(body.contains("Carried in from last week (1):** Finish studies on wavelets"));
        assert!(body.contains("3/5 → 2 of 8 · unrated → 8 of 13"));
        assert!(body.contains("▃▅█"), "{body}");
        let mut late = stats();
        late.today = day(2020, 12, 13);
        assert!(
            render(&late, Renderer::Default)
                .unwrap()
                .contains("due passed")
        );
    }

    #[test]
    fn ratings_read_out_of_the_configured_scale() {
        let mut ten = stats();
        ten.rating_scale = 10;
        ten.by_confidence[0].rating = Some(7);
        let body = render(&ten, Renderer::Default).unwrap();
        assert!(
            body.contains("**Done by confidence:** 7/10 → 2 of 8 · unrated → 8 of 13"),
            "{body}"
        );
        let templated = render(
            &ten,
            Renderer::Template(
                "{% for r in by_confidence %}{{ r.label }}; {% endfor %}out of {{ scale }}",
            ),
        )
        .unwrap();
        assert_eq!(templated, "7/10; unrated; out of 10");
    }

    #[test]
    fn template_sees_figures_by_name() {
        let body = render(
            &stats(),
            Renderer::Template("{{ done }}/{{ total }} {{ percent }}% {{ days_left }} {{ carried_in | join(', ') }} {{ sparkline }}"),
        )
        .unwrap();
        assert_eq!(body, "14/27 52% 3 Finish studies on wavelets ▃▅█");
    }

    #[test]
    fn broken_templates_are_errors_not_panics() {
        for source in [
            "{{ done ",
            "{{ no_such_name }}",
            "{% for x in %}",
            "{{ 1 / 0 }}",
        ] {
            let err = render(&stats(), Renderer::Template(source)).unwrap_err();
            assert!(matches!(err, BlockError::Template(_)), "{source}: {err}");
        }
        let err = render(&stats(), Renderer::Template("- [ ] {{ done }}")).unwrap_err();
        assert!(matches!(err, BlockError::UnsafeBody(_)));
        let err = render(&stats(), Renderer::Template("<!-- /gitgoals:stats -->")).unwrap_err();
        assert!(matches!(err, BlockError::UnsafeBody(_)));
    }

    #[test]
    fn runaway_template_is_stopped() {
        let source =
            "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}";
        assert!(render(&stats(), Renderer::Template(source)).is_err());
    }
}
