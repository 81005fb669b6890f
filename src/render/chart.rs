//! Charts (a report stage): the history and calibration pictures as SVG strings, drawn with
//! plotters' SVG backend. Text stays `<text>` in the SVG, so no font file is needed, and the
//! backend escapes every string it writes; the charts carry only dates, numbers and our own
//! labels anyway.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::core::trends::{Calibration, ChartGrouping, WELL_CALIBRATED_WITHIN, WeekPoint};
use crate::error::Error;

/// Width of every chart: a blog's content column.
pub const WIDTH: u32 = 720;
const HISTORY_HEIGHT: u32 = 440;
const CALIBRATION_HEIGHT: u32 = 520;
/// Room under the plot for the legend, drawn by hand so it never covers the data.
const LEGEND_HEIGHT: u32 = 44;
const FONT: &str = "sans-serif";
// plotters writes a size of N as N / 1.24 px: these come out at about 18, 12 and 13 px.
const CAPTION_SIZE: u32 = 22;
const LABEL_SIZE: u32 = 15;
const DESC_SIZE: u32 = 16;
/// Past this many weeks, points would merge into a smear: lines only.
const MAX_MARKED_WEEKS: usize = 60;
/// The x axis spans at least this many weeks, the few there are in the middle: two posts
/// stretched over the whole width would make week-wide bars.
const MIN_SPAN_WEEKS: usize = 6;
/// At most this many date labels, about 90 px apart at this width.
const MAX_DATE_LABELS: usize = 7;
/// The widest a bar gets, in pixels.
const MAX_BAR_PX: f64 = 16.0;

/// Series colours, told apart by shape too (points, thickness, dashes) for colour-blind readers.
pub const COMPLETION: RGBColor = RGBColor(0x1F, 0x5F, 0xA8);
pub const ROLLING: RGBColor = RGBColor(0xE0, 0x7B, 0x10);
pub const DUE_HIT: RGBColor = RGBColor(0x2E, 0x8B, 0x57);
pub const CARRIED_IN: RGBColor = RGBColor(0xA8, 0x9C, 0xC8);
pub const ADDED: RGBColor = RGBColor(0xF2, 0xB7, 0xA6);
pub const DONE_SHARE: RGBColor = COMPLETION;
pub const ON_TIME_SHARE: RGBColor = DUE_HIT;
const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
const DIAGONAL: RGBColor = RGBColor(0x70, 0x70, 0x70);
const BAND: RGBColor = RGBColor(0xEE, 0xEE, 0xEE);

fn draw_error<E: std::fmt::Display>(chart: &'static str) -> impl Fn(E) -> Error {
    move |e| Error::Draw {
        chart,
        message: e.to_string(),
    }
}

/// Per week: completion % (points and line) with its rolling average, the due-date hit rate,
/// and bars of goals carried in and added mid-week on a second axis. `grouping` says what a
/// point is ([`crate::core::trends::chart_points`]), for the axis's caption.
pub fn history_svg(points: &[WeekPoint], grouping: ChartGrouping) -> Result<String, Error> {
    if points.is_empty() {
        return Err(Error::EmptyChart("history"));
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HISTORY_HEIGHT)).into_drawing_area();
        draw_history(&root, points, grouping).map_err(draw_error("history"))?;
        root.present().map_err(draw_error("history"))?;
    }
    Ok(svg)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult<'a> =
    Result<(), DrawingAreaErrorKind<<SVGBackend<'a> as DrawingBackend>::ErrorType>>;

/// The weeks whose date is written under the axis: every one up to [`MAX_DATE_LABELS`], else
/// every k-th from the first, so each label stands on its own point's tick.
fn labelled_weeks(n: usize) -> Vec<f64> {
    let step = n.div_ceil(MAX_DATE_LABELS).max(1);
    (0..n).step_by(step).map(|i| i as f64).collect()
}

fn draw_history<'a>(
    root: &Area<'a>,
    points: &[WeekPoint],
    grouping: ChartGrouping,
) -> DrawResult<'a> {
    root.fill(&WHITE)?;
    let (plot, legend) = root.split_vertically(HISTORY_HEIGHT - LEGEND_HEIGHT);
    let n = points.len();
    let pad = MIN_SPAN_WEEKS.saturating_sub(n) as f64 / 2.0;
    let x_range = (-0.5 - pad)..(n as f64 - 0.5 + pad);
    let max_count = points
        .iter()
        .map(|p| p.carried_in.max(p.added))
        .max()
        .unwrap_or(0)
        .max(1);
    // Head room above the tallest bar, rounded to a whole number so the ticks fall on goals.
    let count_top = (max_count as f64 * 1.25).ceil().max(4.0);

    let mut chart = ChartBuilder::on(&plot)
        .caption("Goals done per week", (FONT, CAPTION_SIZE))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(58)
        .right_y_label_area_size(58)
        .build_cartesian_2d(x_range.clone(), 0.0..100.0)?
        .set_secondary_coord(x_range.clone(), 0.0..count_top);

    let x_desc = match grouping {
        ChartGrouping::PerPost => "week (date of the goals post)".to_string(),
        ChartGrouping::PerWeek { series } => {
            format!("week (from Monday): the goals posts of {series} series added up")
        }
    };
    chart
        .configure_mesh()
        // The dates are drawn below, on the weeks' own ticks: plotters would pick its own.
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .x_desc(x_desc)
        .y_desc("goals done (%)")
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, DESC_SIZE))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_labels(5)
        .y_label_formatter(&|y| {
            if (y - y.round()).abs() < 1e-6 {
                format!("{y:.0}")
            } else {
                String::new()
            }
        })
        .y_desc("goals carried in, added mid-week (count)")
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, DESC_SIZE))
        .draw()?;

    let label_style = TextStyle::from((FONT, LABEL_SIZE).into_font())
        .color(&BLACK)
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Top,
        ));
    for x in labelled_weeks(n) {
        let Some(point) = points.get(x as usize) else {
            continue;
        };
        let (px, bottom) = chart.backend_coord(&(x, 0.0));
        let (_, top) = chart.backend_coord(&(x, 100.0));
        plot.draw(&PathElement::new(vec![(px, top), (px, bottom)], GRID))?;
        plot.draw(&PathElement::new(
            vec![(px, bottom), (px, bottom + 5)],
            BLACK,
        ))?;
        plot.draw(&Text::new(
            point.date.format("%Y-%m-%d").to_string(),
            (px, bottom + 8),
            &label_style,
        ))?;
    }

    // Bars first, so the lines stay on top. A week's two bars stand either side of its tick,
    // a lone one on it; none wider than MAX_BAR_PX, whatever the number of weeks.
    let px_per_week =
        f64::from(chart.plotting_area().dim_in_pixel().0) / (x_range.end - x_range.start);
    let bar = (MAX_BAR_PX / px_per_week).min(0.38);
    let gap = 0.02_f64.min(bar / 8.0);
    let bar_spans = |p: &WeekPoint| {
        let both = p.carried_in > 0 && p.added > 0;
        let carried = if both {
            (-bar - gap, -gap)
        } else {
            (-bar / 2.0, bar / 2.0)
        };
        let added = if both {
            (gap, bar + gap)
        } else {
            (-bar / 2.0, bar / 2.0)
        };
        (carried, added)
    };
    chart.draw_secondary_series(
        points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.carried_in > 0)
            .map(|(i, p)| {
                let x = i as f64;
                let ((left, right), _) = bar_spans(p);
                Rectangle::new(
                    [(x + left, 0.0), (x + right, p.carried_in as f64)],
                    CARRIED_IN.filled(),
                )
            }),
    )?;
    chart.draw_secondary_series(points.iter().enumerate().filter(|(_, p)| p.added > 0).map(
        |(i, p)| {
            let x = i as f64;
            let (_, (left, right)) = bar_spans(p);
            Rectangle::new(
                [(x + left, 0.0), (x + right, p.added as f64)],
                ADDED.filled(),
            )
        },
    ))?;

    let percent_at = |i: usize, ratio: f64| (i as f64, ratio * 100.0);
    // Weeks where git cannot tell the hit rate break its line instead of bridging the gap.
    for run in known_runs(points) {
        let coords: Vec<(f64, f64)> = run
            .iter()
            .map(|&i| percent_at(i, points[i].due_hit_rate.unwrap_or(0.0)))
            .collect();
        chart.draw_series(DashedLineSeries::new(coords, 6, 4, DUE_HIT.stroke_width(2)))?;
    }
    chart.draw_series(LineSeries::new(
        points
            .iter()
            .enumerate()
            .map(|(i, p)| percent_at(i, p.rolling_completion)),
        ROLLING.stroke_width(4),
    ))?;
    chart.draw_series(LineSeries::new(
        points
            .iter()
            .enumerate()
            .map(|(i, p)| percent_at(i, p.completion)),
        COMPLETION.stroke_width(2),
    ))?;
    if n <= MAX_MARKED_WEEKS {
        // Small marks on the hit rate too: a week known between two unknown ones has no line.
        chart.draw_series(points.iter().enumerate().filter_map(|(i, p)| {
            let hit = p.due_hit_rate?;
            Some(TriangleMarker::new(percent_at(i, hit), 4, DUE_HIT.filled()))
        }))?;
        chart.draw_series(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| Circle::new(percent_at(i, p.completion), 4, COMPLETION.filled())),
        )?;
    }

    // A series with nothing to draw says why, so a reader does not look for it in vain.
    let due_label = if points.iter().all(|p| p.due_hit_rate.is_none()) {
        "by the due date: unknown (history starts after the due dates)"
    } else {
        "by the due date"
    };
    let carried_label = if points.iter().all(|p| p.carried_in == 0) {
        "carried in: none"
    } else {
        "carried in"
    };
    let added_label = if points.iter().all(|p| p.added == 0) {
        "added mid-week: none"
    } else {
        "added mid-week"
    };
    draw_legend(
        &legend,
        &[
            (Swatch::Line(COMPLETION, 2, true), "done"),
            (Swatch::Line(ROLLING, 4, false), "4-week average"),
            (Swatch::Dashed(DUE_HIT), due_label),
            (Swatch::Bar(CARRIED_IN), carried_label),
            (Swatch::Bar(ADDED), added_label),
        ],
    )
}

/// Runs of consecutive weeks whose due-date hit rate is known.
fn known_runs(points: &[WeekPoint]) -> Vec<Vec<usize>> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut current = Vec::new();
    for (i, p) in points.iter().enumerate() {
        if p.due_hit_rate.is_some() {
            current.push(i);
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// How a legend entry shows its series.
enum Swatch {
    /// Colour, stroke width, and whether it has point markers.
    Line(RGBColor, u32, bool),
    Dashed(RGBColor),
    Bar(RGBColor),
    /// A filled area.
    Area(RGBColor),
}

const SWATCH: i32 = 26;
const LEGEND_GAP: i32 = 22;

/// The legend's width of a label: the SVG backend cannot measure text, and an average
/// sans-serif letter is about 0.56 em wide (DejaVu Sans, the widest common default; narrower
/// fonts leave a little more room).
fn legend_text_width(label: &str) -> i32 {
    let em = f64::from(DESC_SIZE) / 1.24;
    (label.chars().count() as f64 * em * 0.56).round() as i32
}

/// The legend's entries split into rows that fit `width`: one row when they all fit, else as
/// many as they need, each filled in order.
fn legend_rows(labels: &[&str], width: i32) -> Vec<std::ops::Range<usize>> {
    let mut rows = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (i, label) in labels.iter().enumerate() {
        let entry = SWATCH + 6 + legend_text_width(label);
        if i > start && used + LEGEND_GAP + entry > width {
            rows.push(start..i);
            start = i;
            used = 0;
        }
        used += if i > start { LEGEND_GAP } else { 0 } + entry;
    }
    if start < labels.len() {
        rows.push(start..labels.len());
    }
    rows
}

/// The legend entries in rows centred under the plot.
fn draw_legend<'a>(area: &Area<'a>, entries: &[(Swatch, &str)]) -> DrawResult<'a> {
    let (width, height) = area.dim_in_pixel();
    let labels: Vec<&str> = entries.iter().map(|(_, label)| *label).collect();
    let rows = legend_rows(&labels, width as i32 - 8);
    let row_height = height as i32 / rows.len().max(1) as i32;
    for (r, row) in rows.into_iter().enumerate() {
        let y = row_height * r as i32 + row_height / 2;
        draw_legend_row(area, &entries[row], y)?;
    }
    Ok(())
}

/// One row of legend entries, centred, at height `y`.
fn draw_legend_row<'a>(area: &Area<'a>, entries: &[(Swatch, &str)], y: i32) -> DrawResult<'a> {
    let style = TextStyle::from((FONT, DESC_SIZE).into_font()).color(&BLACK);
    let text_width = legend_text_width;
    let total: i32 = entries
        .iter()
        .map(|(_, label)| SWATCH + 6 + text_width(label))
        .sum::<i32>()
        + LEGEND_GAP * (entries.len() as i32 - 1);
    let width = area.dim_in_pixel().0;
    let mut x = ((width as i32 - total) / 2).max(4);
    for (swatch, label) in entries {
        match swatch {
            Swatch::Line(color, width, marked) => {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + SWATCH, y)],
                    color.stroke_width(*width),
                ))?;
                if *marked {
                    area.draw(&Circle::new((x + SWATCH / 2, y), 4, color.filled()))?;
                }
            }
            Swatch::Dashed(color) => {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + 8, y)],
                    color.stroke_width(2),
                ))?;
                area.draw(&PathElement::new(
                    vec![(x + 13, y), (x + SWATCH, y)],
                    color.stroke_width(2),
                ))?;
            }
            Swatch::Bar(color) => {
                area.draw(&Rectangle::new(
                    [(x + 6, y - 8), (x + SWATCH - 6, y + 8)],
                    color.filled(),
                ))?;
            }
            Swatch::Area(color) => {
                area.draw(&Rectangle::new(
                    [(x, y - 8), (x + SWATCH, y + 8)],
                    color.filled(),
                ))?;
            }
        }
        x += SWATCH + 6;
        area.draw(&Text::new(
            label.to_string(),
            (x, y),
            style.pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            )),
        ))?;
        x += text_width(label) + LEGEND_GAP;
    }
    Ok(())
}

/// The calibration curve: per rating, the share of its goals done (and done on time) against
/// what it claims, with the diagonal of perfect calibration and the band counted as well
/// calibrated around it.
pub fn calibration_svg(calibration: &Calibration) -> Result<String, Error> {
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (WIDTH, CALIBRATION_HEIGHT)).into_drawing_area();
        draw_calibration(&root, calibration).map_err(draw_error("calibration"))?;
        root.present().map_err(draw_error("calibration"))?;
    }
    Ok(svg)
}

fn draw_calibration<'a>(root: &Area<'a>, calibration: &Calibration) -> DrawResult<'a> {
    root.fill(&WHITE)?;
    let (plot, legend) = root.split_vertically(CALIBRATION_HEIGHT - LEGEND_HEIGHT);
    // Built by `trends::calibration` the scale is at least 1; a hand-built one may say 0.
    let scale_label = calibration.scale.max(1);
    let scale = f64::from(scale_label);
    // Past a scale of 5, "7/10 (n=12)" under each of eleven ratings would run into each
    // other at this width: the counts then get a row of their own under the ratings.
    let counts_apart = scale_label > 5;
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            "Do your confidence ratings come true?",
            (FONT, CAPTION_SIZE),
        )
        .margin(12)
        .margin_right(40)
        .x_label_area_size(if counts_apart { 66 } else { 48 })
        .y_label_area_size(62)
        .build_cartesian_2d(-0.35..scale + 0.35, 0.0..100.0)?;

    // The number of goals behind each point goes under its rating, where nothing can cover it.
    let rating_label = |x: &f64| {
        let r = x.round();
        if (x - r).abs() > 1e-6 || !(0.0..=scale).contains(&r) {
            return String::new();
        }
        match calibration
            .ratings
            .iter()
            .find(|row| f64::from(row.rating) == r)
        {
            Some(row) if !counts_apart => format!("{r:.0}/{scale_label} (n={})", row.tasks),
            _ => format!("{r:.0}/{scale_label}"),
        }
    };
    let x_desc =
        format!("your rating (what it claims: N/{scale_label}), n: goals with that rating");
    chart
        .configure_mesh()
        .x_labels(usize::from(scale_label) + 1)
        .x_label_formatter(&rating_label)
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .x_desc(x_desc)
        .y_desc("goals done (%)")
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, DESC_SIZE))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()?;
    if counts_apart {
        let style = TextStyle::from((FONT, LABEL_SIZE).into_font())
            .color(&BLACK)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Top,
            ));
        for row in &calibration.ratings {
            // Under the rating's own label on the axis, below the plot where nothing is drawn.
            let (x, y) = chart.backend_coord(&(f64::from(row.rating), 0.0));
            root.draw(&Text::new(format!("n={}", row.tasks), (x, y + 24), &style))?;
        }
    }

    // The well-calibrated band: within the tolerance of the diagonal, clipped to 0–100 %.
    let band = WELL_CALIBRATED_WITHIN * 100.0;
    let step = 100.0 / scale;
    let at = |claim_percent: f64| claim_percent / step;
    chart.draw_series(std::iter::once(Polygon::new(
        vec![
            (0.0, 0.0),
            (at(band), 0.0),
            (scale, 100.0 - band),
            (scale, 100.0),
            (at(100.0 - band), 100.0),
            (0.0, band),
        ],
        BAND.filled(),
    )))?;
    chart.draw_series(DashedLineSeries::new(
        vec![(0.0, 0.0), (scale, 100.0)],
        8,
        5,
        DIAGONAL.stroke_width(1),
    ))?;

    let done: Vec<(f64, f64)> = calibration
        .ratings
        .iter()
        .map(|r| (f64::from(r.rating), r.done_share * 100.0))
        .collect();
    let on_time: Vec<(f64, f64)> = calibration
        .ratings
        .iter()
        .filter_map(|r| Some((f64::from(r.rating), r.on_time_share? * 100.0)))
        .collect();
    chart.draw_series(DashedLineSeries::new(
        on_time.clone(),
        6,
        4,
        ON_TIME_SHARE.stroke_width(2),
    ))?;
    chart.draw_series(
        on_time
            .iter()
            .map(|&c| TriangleMarker::new(c, 6, ON_TIME_SHARE.filled())),
    )?;
    chart.draw_series(LineSeries::new(done.clone(), COMPLETION.stroke_width(3)))?;
    // Point size grows with the number of goals behind it: small samples look small.
    let most = calibration
        .ratings
        .iter()
        .map(|r| r.tasks)
        .max()
        .unwrap_or(1)
        .max(1);
    for (row, &(x, y)) in calibration.ratings.iter().zip(&done) {
        let radius = 4 + (8.0 * (row.tasks as f64 / most as f64).sqrt()).round() as i32;
        chart.draw_series(std::iter::once(Circle::new(
            (x, y),
            radius,
            DONE_SHARE.filled(),
        )))?;
    }

    draw_legend(
        &legend,
        &[
            (
                Swatch::Line(DONE_SHARE, 3, true),
                "done (size: number of goals)",
            ),
            (
                Swatch::Dashed(ON_TIME_SHARE),
                if on_time.is_empty() && !done.is_empty() {
                    "done by the due date: unknown (history starts after the due dates)"
                } else {
                    "done by the due date"
                },
            ),
            (Swatch::Dashed(DIAGONAL), "claim"),
            (Swatch::Area(BAND), "well calibrated"),
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// The HTML page

/// Text made safe for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

// Dates and headings never wrap (`2021-01-\n04` reads as two things); a table or chart wider
// than a phone scrolls sideways in its own box instead of widening the page, and a chart
// keeps a size at which its labels can be read.
const PAGE_STYLE: &str = "body{font-family:sans-serif;max-width:820px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}\
.wide{overflow-x:auto;margin:1em 0}\
table{border-collapse:collapse;font-size:14px}\
th,td{padding:3px 8px;text-align:right;border-bottom:1px solid #ddd;vertical-align:top}\
th{white-space:nowrap}\
th.text,td.text{text-align:left}\
td.title{min-width:9em}\
.date{white-space:nowrap}\
svg{display:block;max-width:100%;min-width:540px;height:auto}\
.note{color:#555;font-size:14px}\
@media (max-width:480px){body{margin:1em auto;padding:0 .6em}h1{font-size:1.6em}table{font-size:13px}th,td{padding:3px 5px}}";

/// `gitgoals report --html`: one self-contained page (inline SVG and style, nothing fetched)
/// with the history chart and table, the calibration chart and table, and the carry-overs.
/// Every piece of text from the repository is escaped.
pub fn report_html(
    ledger: &crate::core::ledger::Ledger,
    calibration: &Calibration,
    chains: &[crate::core::trends::CarryChain],
    oldest_open: Option<&crate::core::trends::CarryChain>,
) -> Result<String, Error> {
    use crate::core::tally::{percent, round3};
    use std::fmt::Write;

    let weeks: Vec<&crate::core::ledger::Week> = ledger.weeks.iter().collect();
    let mut page = String::new();
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>Weekly goals: gitgoals report</title>\n<style>{PAGE_STYLE}</style>\n</head>\n<body>\n<h1>Weekly goals</h1>\n"
    );
    let (Some(first), Some(last)) = (weeks.first(), weeks.last()) else {
        page.push_str("<p>No goals posts (Markdown posts with task lists) in this history.</p>\n</body>\n</html>\n");
        return Ok(page);
    };
    let head = ledger
        .head
        .as_deref()
        .map(|h| {
            format!(
                ", as of commit {}",
                escape_html(crate::core::model::short_id(h))
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        page,
        "<p>{} from {} to {}{head}.</p>",
        crate::render::count(weeks.len(), "goals post"),
        first.date,
        last.date
    );

    page.push_str("<h2>Week by week</h2>\n");
    let (points, grouping) = crate::core::trends::chart_points(&weeks);
    page.push_str("<div class=\"wide\">");
    page.push_str(&history_svg(&points, grouping)?);
    page.push_str("</div>\n<div class=\"wide\"><table>\n<tr><th class=\"text\">date</th><th class=\"text\">post</th><th>planned</th><th>added</th><th>done</th><th>on time</th><th>carried in</th><th>out</th><th>dropped</th><th>completion</th></tr>\n");
    for week in &weeks {
        let _ = writeln!(
            page,
            "<tr><td class=\"text date\">{}</td><td class=\"text title\">{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            week.date,
            escape_html(&week.title),
            week.figures.planned,
            week.figures.added,
            week.figures.done,
            week.figures.tasks,
            week.figures
                .done_on_time
                .map_or_else(|| "?".to_string(), |n| n.to_string()),
            week.figures.carried_in,
            week.figures.carried_out,
            week.figures.dropped,
            percent(round3(week.completion()))
        );
    }
    page.push_str("</table></div>\n");
    for line in crate::render::trends::summary_lines(ledger, &weeks).lines() {
        let _ = writeln!(page, "<p>{}</p>", escape_html(line));
    }
    if weeks.iter().any(|w| w.figures.done_on_time.is_none()) {
        page.push_str("<p class=\"note\">? — done on time is unknown where the post's history starts after its due date.</p>\n");
    }

    page.push_str("<h2>Confidence</h2>\n");
    let _ = writeln!(
        page,
        "<p><strong>{}</strong></p>",
        escape_html(&calibration.sentence)
    );
    if !calibration.ratings.is_empty() {
        page.push_str("<div class=\"wide\">");
        page.push_str(&calibration_svg(calibration)?);
        page.push_str("</div>\n<div class=\"wide\"><table>\n<tr><th>rating</th><th>goals</th><th>done</th><th>on time</th><th class=\"text\">verdict</th></tr>\n");
        for row in &calibration.ratings {
            let _ = writeln!(
                page,
                "<tr><td>{}/{}</td><td>{}</td><td>{} ({})</td><td>{}</td><td class=\"text\">{}</td></tr>",
                row.rating,
                calibration.scale,
                row.tasks,
                row.done,
                percent(row.done_share),
                row.on_time_share
                    .map_or_else(|| "unknown".to_string(), percent),
                escape_html(&row.sentence)
            );
        }
        page.push_str("</table></div>\n");
        if let (Some(brier), Some(reference)) = (calibration.brier, calibration.brier_reference) {
            let _ = writeln!(
                page,
                "<p>Brier score {brier:.3} over {} rated goals (0 is perfect; always forecasting your overall rate would score {reference:.3}).</p>",
                calibration.rated
            );
        }
    }

    page.push_str("<h2>Carried over</h2>\n");
    if chains.is_empty() {
        page.push_str("<p>No goal was carried into a later post.</p>\n");
    } else {
        page.push_str("<div class=\"wide\"><table>\n<tr><th>posts</th><th class=\"text\">goal</th><th class=\"text\">dates</th><th class=\"text\">fate</th></tr>\n");
        for chain in chains {
            let title = chain.last(ledger).map_or("", |r| &*r.task.title);
            let dates: Vec<String> = chain
                .tasks
                .iter()
                .filter_map(|&i| ledger.tasks.get(i))
                .filter_map(|r| ledger.weeks.get(r.week))
                .map(|w| format!("<span class=\"date\">{}</span>", w.date))
                .collect();
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td class=\"text title\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>",
                chain.weeks(),
                escape_html(title),
                dates.join(" → "),
                chain.fate.as_str()
            );
        }
        page.push_str("</table></div>\n");
    }
    if let Some(chain) = oldest_open {
        let since = chain
            .first(ledger)
            .and_then(|r| ledger.weeks.get(r.week))
            .map_or_else(String::new, |w| w.date.to_string());
        let title = chain.last(ledger).map_or("", |r| &*r.task.title);
        let _ = writeln!(
            page,
            "<p>Oldest open goal: “{}”, open since {since}.</p>",
            escape_html(title)
        );
    }
    page.push_str("</body>\n</html>\n");
    Ok(page)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::core::trends::{RatingRow, Verdict};

    fn hex(color: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
    }

    /// Elements named `tag` filled with `color`.
    fn filled<'a>(
        doc: &'a roxmltree::Document,
        tag: &str,
        color: RGBColor,
    ) -> Vec<roxmltree::Node<'a, 'a>> {
        let color = hex(color);
        doc.descendants()
            .filter(|n| n.has_tag_name(tag) && n.attribute("fill") == Some(color.as_str()))
            .collect()
    }

    fn number(node: &roxmltree::Node, attribute: &str) -> f64 {
        node.attribute(attribute)
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    }

    fn texts(doc: &roxmltree::Document) -> Vec<String> {
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect()
    }

    fn points() -> Vec<WeekPoint> {
        let week =
            |day: u32, completion: f64, carried_in: usize, added: usize, hit: Option<f64>| {
                WeekPoint {
                    date: NaiveDate::from_ymd_opt(2021, 3, day).expect("date"),
                    completion,
                    rolling_completion: completion,
                    carried_in,
                    added,
                    due_hit_rate: hit,
                }
            };
        vec![
            week(1, 0.5, 0, 2, None),
            week(8, 1.0, 4, 0, Some(0.75)),
            week(15, 0.25, 2, 1, Some(0.25)),
        ]
    }

    #[test]
    fn history_chart_parses_and_plots_every_week() {
        let svg = history_svg(&points(), ChartGrouping::PerPost).expect("drawn");
        let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.attribute("width"), Some("720"));

        // One completion point a week (plus the legend's), placed in proportion to completion.
        let mut dots = filled(&doc, "circle", COMPLETION);
        assert_eq!(dots.len(), 3 + 1);
        dots.truncate(3);
        let y: Vec<f64> = dots.iter().map(|n| number(n, "cy")).collect();
        let x: Vec<f64> = dots.iter().map(|n| number(n, "cx")).collect();
        assert!(x[0] < x[1] && x[1] < x[2], "weeks left to right: {x:?}");
        // 50% → 100% rises twice as far as 100% → 25% falls, scaled by 0.5 / 0.75.
        let rise = y[0] - y[1];
        let fall = y[2] - y[1];
        assert!((rise / fall - 0.5 / 0.75).abs() < 0.02, "{y:?}");

        // Bars only where there is something to show, heights in proportion.
        let carried = filled(&doc, "rect", CARRIED_IN);
        assert_eq!(carried.len(), 2 + 1);
        let heights: Vec<f64> = carried[..2].iter().map(|n| number(n, "height")).collect();
        assert!((heights[0] / heights[1] - 2.0).abs() < 0.05, "{heights:?}");
        assert_eq!(filled(&doc, "rect", ADDED).len(), 2 + 1);
        // A mark for each week whose due-date hit rate is known.
        assert_eq!(filled(&doc, "polygon", DUE_HIT).len(), 2);

        let texts = texts(&doc);
        for want in [
            "2021-03-01",
            "2021-03-08",
            "2021-03-15",
            "goals done (%)",
            "week (date of the goals post)",
            "goals carried in, added mid-week (count)",
            "4-week average",
            "100%",
        ] {
            assert!(texts.iter().any(|t| t == want), "{want} in {texts:?}");
        }
    }

    #[test]
    fn the_hit_rate_line_breaks_where_unknown() {
        let mut weeks = points();
        weeks.push(WeekPoint {
            due_hit_rate: None,
            ..weeks[1].clone()
        });
        weeks.push(weeks[1].clone());
        assert_eq!(known_runs(&weeks), vec![vec![1, 2], vec![4]]);
        assert!(known_runs(&weeks[..1]).is_empty());
    }

    #[test]
    fn many_weeks_draw_lines_without_points() {
        let many: Vec<WeekPoint> = (0..200).map(|i| points()[i % 3].clone()).collect();
        let svg = history_svg(&many, ChartGrouping::PerPost).expect("drawn");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        assert_eq!(filled(&doc, "circle", COMPLETION).len(), 1, "legend only");
        // At most seven date labels, so that they never overlap.
        let dates = texts(&doc)
            .into_iter()
            .filter(|t| t.len() == 10 && t.starts_with("2021-"))
            .count();
        assert!((2..=7).contains(&dates), "{dates} date labels");
    }

    /// The x position of the text element reading exactly `label`.
    fn text_x(doc: &roxmltree::Document, label: &str) -> Vec<f64> {
        doc.descendants()
            .filter(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some(label))
            .map(|n| number(&n, "x"))
            .collect()
    }

    #[test]
    fn two_weeks_get_narrow_bars_standing_on_their_own_ticks() {
        let mut two = points()[..2].to_vec();
        two[0].added = 8;
        two[1].carried_in = 0;
        let svg = history_svg(&two, ChartGrouping::PerPost).expect("drawn");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        let added = filled(&doc, "rect", ADDED);
        assert_eq!(added.len(), 1 + 1, "one bar and the legend's");
        let width = number(&added[0], "width");
        assert!(width <= MAX_BAR_PX + 1.0, "a bar {width} px wide");
        // A lone bar is centred on its week's tick, under the week's point and date.
        let centre = number(&added[0], "x") + width / 2.0;
        let dot = number(&filled(&doc, "circle", COMPLETION)[0], "cx");
        let label = text_x(&doc, "2021-03-01");
        assert_eq!(label.len(), 1);
        assert!(
            (centre - dot).abs() < 1.5,
            "bar at {centre}, point at {dot}"
        );
        assert!(
            (label[0] - dot).abs() < 1.5,
            "label at {label:?}, point at {dot}"
        );
        // The two weeks sit in the middle, not stretched over the whole width.
        let dots: Vec<f64> = filled(&doc, "circle", COMPLETION)[..2]
            .iter()
            .map(|n| number(n, "cx"))
            .collect();
        assert!(dots[1] - dots[0] < f64::from(WIDTH) / 4.0, "{dots:?}");
    }

    #[test]
    fn every_week_labelled_once_on_its_own_point() {
        let many: Vec<WeekPoint> = (0..30)
            .map(|i| WeekPoint {
                date: NaiveDate::from_ymd_opt(2021, 1, 4).expect("date") + chrono::Days::new(7 * i),
                ..points()[(i % 3) as usize].clone()
            })
            .collect();
        let svg = history_svg(&many, ChartGrouping::PerPost).expect("drawn");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        let dots: Vec<f64> = filled(&doc, "circle", COMPLETION)
            .iter()
            .map(|n| number(n, "cx"))
            .collect();
        let mut labelled = 0;
        for (i, point) in many.iter().enumerate() {
            let at = text_x(&doc, &point.date.to_string());
            assert!(at.len() <= 1, "{} labelled twice", point.date);
            if let Some(x) = at.first() {
                labelled += 1;
                assert!((x - dots[i]).abs() < 1.5, "{} off its point", point.date);
            }
        }
        assert!(
            (4..=MAX_DATE_LABELS).contains(&labelled),
            "{labelled} labels"
        );
    }

    #[test]
    fn a_legend_entry_without_data_says_why() {
        let mut weeks = points();
        for week in &mut weeks {
            week.due_hit_rate = None;
            week.carried_in = 0;
        }
        let svg = history_svg(&weeks, ChartGrouping::PerWeek { series: 3 }).expect("drawn");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        let texts = texts(&doc);
        for want in [
            "by the due date: unknown (history starts after the due dates)",
            "carried in: none",
            "added mid-week",
            "week (from Monday): the goals posts of 3 series added up",
        ] {
            assert!(texts.iter().any(|t| t == want), "{want} in {texts:?}");
        }
        // The longer legend wraps to a second row rather than running off the picture.
        let rows: std::collections::BTreeSet<i64> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter(|n| {
                n.text()
                    .is_some_and(|t| t.trim() == "done" || t.trim() == "carried in: none")
            })
            .map(|n| number(&n, "y") as i64)
            .collect();
        assert_eq!(rows.len(), 2, "two rows");
        // With data, the plain words.
        let svg = history_svg(&points(), ChartGrouping::PerPost).expect("drawn");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        let plain = super::tests::texts(&doc);
        assert!(plain.iter().any(|t| t == "carried in"), "{plain:?}");
        assert!(
            !plain
                .iter()
                .any(|t| t.contains("none") || t.contains("unknown"))
        );
    }

    #[test]
    fn legend_rows_fill_in_order_and_fit() {
        assert_eq!(legend_rows(&["a", "b"], 700), vec![0..2]);
        let long = "x".repeat(40);
        assert_eq!(
            legend_rows(&["a", &long, "b", &long], 400),
            vec![0..2, 2..4]
        );
        assert_eq!(legend_rows(&[], 400), Vec::<std::ops::Range<usize>>::new());
    }

    #[test]
    fn nothing_to_draw_is_an_error_not_an_empty_picture() {
        assert!(matches!(
            history_svg(&[], ChartGrouping::PerPost),
            Err(Error::EmptyChart("history"))
        ));
    }

    fn row(rating: u8, tasks: usize, done: usize, on_time: Option<usize>) -> RatingRow {
        RatingRow {
            rating,
            claim: f64::from(rating) / 5.0,
            tasks,
            done,
            done_share: done as f64 / tasks as f64,
            on_time_known: on_time.map_or(0, |_| tasks),
            done_on_time: on_time.unwrap_or(0),
            on_time_share: on_time.map(|n| n as f64 / tasks as f64),
            verdict: Verdict::TooFewToJudge,
            sentence: String::new(),
        }
    }

    fn calibration(ratings: Vec<RatingRow>) -> Calibration {
        Calibration {
            scale: 5,
            rated: ratings.iter().map(|r| r.tasks).sum(),
            unrated: 0,
            in_progress: 0,
            on_time_unknown: 0,
            ratings,
            brier: None,
            brier_reference: None,
            brier_on_time: None,
            sentence: String::new(),
        }
    }

    #[test]
    fn calibration_chart_has_a_point_per_rating_and_the_diagonal() {
        let c = calibration(vec![
            row(1, 4, 1, Some(1)),
            row(3, 16, 8, None),
            row(5, 9, 9, Some(6)),
        ]);
        let svg = calibration_svg(&c).expect("drawn");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");

        let dots = filled(&doc, "circle", DONE_SHARE);
        assert_eq!(dots.len(), 3 + 1);
        // Bigger samples, bigger points.
        let radius: Vec<f64> = dots[..3].iter().map(|n| number(n, "r")).collect();
        assert!(radius[0] < radius[2] && radius[2] < radius[1], "{radius:?}");
        // 25% at 1/5 and 100% at 5/5: the 5/5 point is higher (smaller y) and to the right.
        assert!(number(&dots[2], "cy") < number(&dots[0], "cy"));
        assert!(number(&dots[2], "cx") > number(&dots[1], "cx"));
        // On time: one triangle per rating whose posts can tell.
        assert_eq!(filled(&doc, "polygon", ON_TIME_SHARE).len(), 2);
        // The well-calibrated band, and the legend's swatch of it.
        assert_eq!(filled(&doc, "polygon", BAND).len(), 1);
        assert_eq!(filled(&doc, "rect", BAND).len(), 1);

        let texts = texts(&doc);
        for want in [
            "0/5",
            "1/5 (n=4)",
            "3/5 (n=16)",
            "5/5 (n=9)",
            "goals done (%)",
            "claim",
            "well calibrated",
        ] {
            assert!(texts.iter().any(|t| t == want), "{want} in {texts:?}");
        }
    }

    /// The page is written as well-formed XML (XHTML syntax) so that it can be checked so.
    fn parse_page(page: &str) -> roxmltree::Document<'_> {
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        roxmltree::Document::parse_with_options(page, options).expect("the page is well-formed")
    }

    fn hostile_ledger() -> crate::core::ledger::Ledger {
        use crate::core::ledger::{Ledger, Status, TaskRecord, Week};
        use crate::core::model::{CommitInfo, DueSource, Task};
        let date = NaiveDate::from_ymd_opt(2021, 3, 1).expect("date");
        let hostile = "<script>alert('x')</script> & \"more\"";
        let commit = std::sync::Arc::new(CommitInfo {
            id: "a".repeat(40),
            time: chrono::DateTime::parse_from_rfc3339("2021-03-02T10:00:00+00:00").expect("time"),
            summary: String::new(),
        });
        let task = |n: usize, week: usize, carried_from, carried_to| TaskRecord {
            id: crate::core::history::TaskId::at(n),
            key: format!("t#{n}"),
            week,
            task: Task {
                title: hostile.into(),
                note: Default::default(),
                checked: false,
                confidence: Some(3),
                section: Default::default(),
                parent: None,
                line: 1,
                marker: 0..3,
                ..Task::default()
            },
            status: Status::Open,
            planned: true,
            added: commit.clone(),
            checked: None,
            carried_from,
            carried_to,
            carry_streak: usize::from(carried_from.is_some()),
        };
        let week = |post: usize, date: NaiveDate, carried_in, carried_out| Week {
            post,
            path: format!("_posts/{post}.md"),
            title: hostile.to_string(),
            date,
            due: date + chrono::Days::new(7),
            due_source: DueSource::DatePlusWeek,
            first_commit_after_due: false,
            has_next: true,
            by_confidence: Default::default(),
            by_section: Default::default(),
            figures: crate::core::ledger::Figures {
                tasks: 1,
                planned: 1,
                added: 0,
                removed: 0,
                done: 0,
                done_on_time: Some(0),
                open: 1,
                cancelled: 0,
                forwarded: 0,
                carried_in,
                carried_out,
                dropped: 0,
            },
        };
        Ledger {
            head: Some("b".repeat(40)),
            weeks: vec![
                week(0, date, 0, 1),
                week(1, date + chrono::Days::new(7), 1, 0),
            ],
            tasks: vec![task(0, 0, None, Some(1)), task(1, 1, Some(0), None)],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn the_html_page_escapes_titles_and_fetches_nothing() {
        let ledger = hostile_ledger();
        let calibration = crate::core::trends::calibration(&ledger, None, 5);
        let chains = crate::core::trends::carry_chains(&ledger, 2);
        let oldest = crate::core::trends::oldest_open(&ledger);
        assert_eq!(chains.len(), 1);
        let page = report_html(&ledger, &calibration, &chains, oldest.as_ref()).expect("page");
        let doc = parse_page(&page);
        assert!(!doc.descendants().any(|n| n.has_tag_name("script")));
        for attribute in ["src", "href"] {
            assert!(
                !doc.descendants().any(|n| n.attribute(attribute).is_some()),
                "no external {attribute}"
            );
        }
        assert!(
            page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;")
        );
        // The title in the week table, in the carry table and as the oldest open goal.
        let titles = doc
            .descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .filter(|t| t.contains("<script>alert('x')</script>"))
            .count();
        assert_eq!(titles, 4, "two weeks, one chain, the oldest open goal");
        // Both charts are inline.
        let svgs = doc.descendants().filter(|n| n.has_tag_name("svg")).count();
        assert_eq!(svgs, 2);
        // Nothing that would be fetched: no style import, no url(), no link of any kind
        // (the SVG namespace names a standard, it is never loaded).
        for fetch in ["url(", "@import", "<link", "xlink:href", "@font-face"] {
            assert!(!page.contains(fetch), "{fetch} in the page");
        }
        assert_eq!(
            page.matches("http").count(),
            page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
        );
    }

    #[test]
    fn the_html_page_keeps_dates_whole_and_lets_wide_parts_scroll_on_a_phone() {
        let ledger = hostile_ledger();
        let calibration = crate::core::trends::calibration(&ledger, None, 5);
        let chains = crate::core::trends::carry_chains(&ledger, 2);
        let page = report_html(&ledger, &calibration, &chains, None).expect("page");
        let doc = parse_page(&page);
        let classes = |n: &roxmltree::Node| {
            n.attribute("class")
                .unwrap_or("")
                .split(' ')
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        // Every date the tables show sits in an element that may not wrap.
        for date in ["2021-03-01", "2021-03-08"] {
            let holders: Vec<_> = doc
                .descendants()
                .filter(|n| n.is_text() && n.text().is_some_and(|t| t.contains(date)))
                .filter_map(|n| n.parent())
                .filter(|n| n.has_tag_name("td") || n.has_tag_name("span"))
                .collect();
            assert!(
                holders.len() >= 2,
                "{date}: the week table and the carry table"
            );
            for holder in holders {
                assert!(classes(&holder).iter().any(|c| c == "date"), "{date}");
            }
        }
        assert!(PAGE_STYLE.contains(".date{white-space:nowrap}"));
        // Tables and charts live in boxes that scroll sideways, so a phone's page never
        // scrolls sideways as a whole; the page says it fits the device's width.
        for tag in ["table", "svg"] {
            for node in doc.descendants().filter(|n| n.has_tag_name(tag)) {
                let parent = node.parent().expect("inside the body");
                assert!(classes(&parent).iter().any(|c| c == "wide"), "{tag}");
            }
        }
        assert!(PAGE_STYLE.contains(".wide{overflow-x:auto"));
        assert!(PAGE_STYLE.contains("@media (max-width:480px)"));
        assert!(page.contains("content=\"width=device-width, initial-scale=1\""));
    }

    #[test]
    fn a_report_of_one_week_says_one_goals_post() {
        let ledger = crate::core::trends::fixture::one_done_goal();
        let calibration = crate::core::trends::calibration(&ledger, None, 5);
        let page = report_html(&ledger, &calibration, &[], None).expect("page");
        parse_page(&page);
        assert!(page.contains("<p>1 goals post from "), "{page}");
    }

    #[test]
    fn an_empty_history_makes_a_short_page() {
        let ledger = crate::core::ledger::Ledger {
            head: None,
            weeks: Vec::new(),
            tasks: Vec::new(),
            warnings: Vec::new(),
        };
        let calibration = crate::core::trends::calibration(&ledger, None, 5);
        let page = report_html(&ledger, &calibration, &[], None).expect("page");
        parse_page(&page);
        assert!(page.contains("No goals posts"));
    }

    #[test]
    fn calibration_chart_on_a_scale_of_ten_labels_tenths_with_counts_apart() {
        let mut c = calibration(vec![
            row(3, 4, 1, None),
            row(7, 12, 8, None),
            row(10, 2, 2, None),
        ]);
        c.scale = 10;
        let svg = calibration_svg(&c).expect("drawn");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        let texts = texts(&doc);
        for want in [
            "0/10",
            "3/10",
            "7/10",
            "10/10",
            "n=4",
            "n=12",
            "n=2",
            "your rating (what it claims: N/10), n: goals with that rating",
        ] {
            assert!(texts.iter().any(|t| t == want), "{want} in {texts:?}");
        }
        assert!(!texts.iter().any(|t| t.ends_with("/5")), "{texts:?}");
        // The 10/10 point stands over its label and its count, at the axis's right end.
        let x_of = |label: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some(label))
                .map_or(f64::NAN, |n| number(&n, "x"))
        };
        let top = number(&filled(&doc, "circle", DONE_SHARE)[2], "cx");
        assert!(
            (top - x_of("10/10")).abs() < 1.0,
            "{top} vs {}",
            x_of("10/10")
        );
        assert!((top - x_of("n=2")).abs() < 1.0, "{top} vs {}", x_of("n=2"));
    }

    #[test]
    fn calibration_chart_without_ratings_still_draws_the_frame() {
        let svg = calibration_svg(&calibration(Vec::new())).expect("drawn");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        assert_eq!(filled(&doc, "circle", DONE_SHARE).len(), 1, "legend only");
        assert!(texts(&doc).iter().any(|t| t == "5/5"));
    }
}
