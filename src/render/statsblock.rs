//! The stats block's text: a post's figures as a short Markdown block, from the built-in layout
//! or the user's template. Where the block goes in a post is [`crate::core::block`]'s job.
//!
//! Pure: no clock, no file system, no git. The hook and `gitgoals stats` feed it figures and
//! write what it returns.

use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use crate::core::block::check_body;
use crate::core::ledger::{Ledger, Status};
use crate::error::Error;

/// Titles longer than this are cut (with an ellipsis) so the block stays a summary.
const MAX_TITLE_CHARS: usize = 80;
/// A template that loops too long is stopped rather than stalling someone's commit.
const TEMPLATE_FUEL: u64 = 200_000;

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
    /// The week's forecast as it stood at its start, from the weeks before it in the block's
    /// window: the glance sentence of `gitgoals plan`. None without enough history, and None
    /// when [`BlockStats::from_ledger`] was told the block does not show it.
    pub forecast: Option<String>,
    /// Whether the block shows `forecast` (`stats.forecast`, off unless set; the hook sets it
    /// as it sets `rating_scale`).
    pub show_forecast: bool,
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
            forecast: None,
            show_forecast: false,
        }
    }
}

/// How many weeks of completion the sparkline shows.
pub const SPARKLINE_WEEKS: usize = 8;

impl BlockStats {
    /// The figures of week `week` of `ledger`, written on `today`. The start-of-week forecast
    /// (thousands of simulated weeks) is only worked out when `forecast` says the block shows
    /// it: the hook runs on every commit, and the forecast is off unless set.
    pub fn from_ledger(
        ledger: &Ledger,
        week: usize,
        today: NaiveDate,
        forecast: bool,
    ) -> BlockStats {
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
            done: this.figures.done,
            total: this.figures.tasks,
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
            // Dated at the week's own start, so the sentence never changes with the clock.
            forecast: forecast
                .then(|| crate::core::forecast::start_of_week(ledger, week, this.date))
                .flatten()
                .map(|f| crate::render::plan::glance(&f)),
            show_forecast: false,
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
    /// The day the block is written. It, `days_left` and `due_passed` are the clock's, not
    /// the commit's: the default layout shows none of them, so its block never goes stale.
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
    /// The start-of-week forecast's sentence, when `stats.forecast` is on and the history
    /// before the week is long enough.
    pub forecast: Option<String>,
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
            forecast: stats
                .show_forecast
                .then(|| stats.forecast.clone())
                .flatten(),
        }
    }
}

/// Renders the block body (without markers) with the chosen renderer and checks that it is
/// safe to place in a post: it holds no marker and no task-list item.
pub fn render(stats: &BlockStats, renderer: Renderer<'_>) -> Result<String, Error> {
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
    // The due date, never a countdown: the block is a function of the commit, so
    // `stats --check` on a later day finds it as current as on the day it was written.
    if let Some(due) = &c.due {
        let _ = write!(out, " · due {due}");
    }
    out.push('\n');
    if let Some(forecast) = &c.forecast {
        let _ = write!(out, "\n**Forecast at the week's start:** {forecast}\n");
    }
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
    // One week's sparkline is one cell that says nothing the line above does not.
    let weeks = c.recent_completion.len();
    if !c.sparkline.is_empty() && weeks > 1 {
        let _ = write!(
            out,
            "\n**Last {weeks} weeks:** {} (oldest to newest)\n",
            c.sparkline
        );
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

fn render_template(source: &str, context: &TemplateContext) -> Result<String, Error> {
    let mut env = minijinja::Environment::new();
    // A misspelt name should be an error the user sees, not a silently empty figure.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_fuel(Some(TEMPLATE_FUEL));
    // Titles are escaped before they reach the template; HTML auto-escaping would escape twice.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let value = minijinja::Value::from(minijinja::value::Serde(context));
    env.render_str(source, value)
        .map_err(|e| Error::Template(describe_template_error(&e)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::block::tests::{changed, text};
    use crate::core::block::{find_block, rewrite};
    use pulldown_cmark::{Event, Options, Parser};

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
        assert!(body.contains("(52%) · due 2020-12-12\n"), "{body}");
        assert!(body.contains("Carried in from last week (1):** Finish studies on wavelets"));
        assert!(body.contains("3/5 → 2 of 8 · unrated → 8 of 13"));
        assert!(body.contains("▃▅█"), "{body}");
        // The day it is written on does not show: no countdown that goes stale.
        for today in [day(2020, 12, 12), day(2020, 12, 13), day(2021, 6, 1)] {
            let mut later = stats();
            later.today = today;
            assert_eq!(render(&later, Renderer::Default).unwrap(), body);
        }
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
            assert!(matches!(err, Error::Template(_)), "{source}: {err}");
        }
        let err = render(&stats(), Renderer::Template("- [ ] {{ done }}")).unwrap_err();
        assert!(matches!(err, Error::UnsafeBody(_)));
        let err = render(&stats(), Renderer::Template("<!-- /gitgoals:stats -->")).unwrap_err();
        assert!(matches!(err, Error::UnsafeBody(_)));
    }

    #[test]
    fn runaway_template_is_stopped() {
        let source =
            "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}";
        assert!(render(&stats(), Renderer::Template(source)).is_err());
    }
}
