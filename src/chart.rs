//! Charts (a report stage): the history and calibration pictures as SVG strings, drawn with
//! plotters' SVG backend. Text stays `<text>` in the SVG, so no font file is needed, and the
//! backend escapes every string it writes; the charts carry only dates, numbers and our own
//! labels anyway.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::post::RATING_SCALE;
use crate::trends::{Calibration, WELL_CALIBRATED_WITHIN, WeekPoint};

/// Width of every chart: a blog's content column.
pub const WIDTH: u32 = 720;
const HISTORY_HEIGHT: u32 = 440;
const CALIBRATION_HEIGHT: u32 = 520;
/// Room under the plot for the legend, drawn by hand so it never covers the data.
const LEGEND_HEIGHT: u32 = 44;
const FONT: &str = "sans-serif";
/// Past this many weeks, points would merge into a smear: lines only.
const MAX_MARKED_WEEKS: usize = 60;

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

/// A chart that could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("nothing to draw in the {0} chart: no goals posts")]
    Empty(&'static str),
    #[error("cannot draw the {chart} chart: {message}")]
    Draw {
        chart: &'static str,
        message: String,
    },
}

fn draw_error<E: std::fmt::Display>(chart: &'static str) -> impl Fn(E) -> ChartError {
    move |e| ChartError::Draw {
        chart,
        message: e.to_string(),
    }
}

/// Per week: completion % (points and line) with its rolling average, the due-date hit rate,
/// and bars of goals carried in and added mid-week on a second axis.
pub fn history_svg(points: &[WeekPoint]) -> Result<String, ChartError> {
    if points.is_empty() {
        return Err(ChartError::Empty("history"));
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HISTORY_HEIGHT)).into_drawing_area();
        draw_history(&root, points).map_err(draw_error("history"))?;
        root.present().map_err(draw_error("history"))?;
    }
    Ok(svg)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult<'a> =
    Result<(), DrawingAreaErrorKind<<SVGBackend<'a> as DrawingBackend>::ErrorType>>;

fn draw_history<'a>(root: &Area<'a>, points: &[WeekPoint]) -> DrawResult<'a> {
    root.fill(&WHITE)?;
    let (plot, legend) = root.split_vertically(HISTORY_HEIGHT - LEGEND_HEIGHT);
    let n = points.len();
    let x_range = -0.5..(n as f64 - 0.5);
    let max_count = points
        .iter()
        .map(|p| p.carried_in.max(p.added))
        .max()
        .unwrap_or(0)
        .max(1);
    // Head room above the tallest bar, rounded to a whole number so the ticks fall on goals.
    let count_top = (max_count as f64 * 1.25).ceil().max(4.0);

    let mut chart = ChartBuilder::on(&plot)
        .caption("Goals done per week", (FONT, 20))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(58)
        .right_y_label_area_size(58)
        .build_cartesian_2d(x_range.clone(), 0.0..100.0)?
        .set_secondary_coord(x_range, 0.0..count_top);

    let date_of = |x: &f64| -> String {
        let index = x.round();
        if (x - index).abs() > 1e-6 || index < 0.0 {
            return String::new();
        }
        points
            .get(index as usize)
            .map_or_else(String::new, |p| p.date.format("%Y-%m-%d").to_string())
    };
    // About 90 px per date label keeps them apart at this width.
    let x_labels = n.clamp(1, 7);
    chart
        .configure_mesh()
        .x_labels(x_labels)
        .x_label_formatter(&date_of)
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .x_desc("week (date of the goals post)")
        .y_desc("done, done by the due date (% of goals)")
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
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
        .y_desc("goals carried in, added mid-week")
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()?;

    // Bars first, so the lines stay on top.
    chart.draw_secondary_series(
        points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.carried_in > 0)
            .map(|(i, p)| {
                let x = i as f64;
                Rectangle::new(
                    [(x - 0.4, 0.0), (x - 0.02, p.carried_in as f64)],
                    CARRIED_IN.filled(),
                )
            }),
    )?;
    chart.draw_secondary_series(points.iter().enumerate().filter(|(_, p)| p.added > 0).map(
        |(i, p)| {
            let x = i as f64;
            Rectangle::new([(x + 0.02, 0.0), (x + 0.4, p.added as f64)], ADDED.filled())
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
        chart.draw_series(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| Circle::new(percent_at(i, p.completion), 4, COMPLETION.filled())),
        )?;
    }

    draw_legend(
        &legend,
        &[
            (Swatch::Line(COMPLETION, 2, true), "done"),
            (Swatch::Line(ROLLING, 4, false), "4-week average"),
            (Swatch::Dashed(DUE_HIT), "by the due date"),
            (Swatch::Bar(CARRIED_IN), "carried in"),
            (Swatch::Bar(ADDED), "added mid-week"),
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

/// One row of legend entries, centred under the plot.
fn draw_legend<'a>(area: &Area<'a>, entries: &[(Swatch, &str)]) -> DrawResult<'a> {
    const SWATCH: i32 = 26;
    const GAP: i32 = 22;
    let style = TextStyle::from((FONT, 14).into_font()).color(&BLACK);
    // The SVG backend cannot measure text; this estimate matches a sans-serif at 14 px.
    let text_width = |label: &str| (label.chars().count() as f64 * 6.8).round() as i32;
    let total: i32 = entries
        .iter()
        .map(|(_, label)| SWATCH + 6 + text_width(label))
        .sum::<i32>()
        + GAP * (entries.len() as i32 - 1);
    let (width, height) = area.dim_in_pixel();
    let mut x = ((width as i32 - total) / 2).max(4);
    let y = (height / 2) as i32;
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
        x += text_width(label) + GAP;
    }
    Ok(())
}

/// The calibration curve: per rating, the share of its goals done (and done on time) against
/// what it claims, with the diagonal of perfect calibration and the band counted as well
/// calibrated around it.
pub fn calibration_svg(calibration: &Calibration) -> Result<String, ChartError> {
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
    let scale = f64::from(RATING_SCALE);
    let mut chart = ChartBuilder::on(&plot)
        .caption("Do your confidence ratings come true?", (FONT, 20))
        .margin(12)
        .margin_right(28)
        .x_label_area_size(48)
        .y_label_area_size(62)
        .build_cartesian_2d(-0.25..scale + 0.25, 0.0..100.0)?;

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
            Some(row) => format!("{r:.0}/{RATING_SCALE} (n={})", row.tasks),
            None => format!("{r:.0}/{RATING_SCALE}"),
        }
    };
    chart
        .configure_mesh()
        .x_labels(usize::from(RATING_SCALE) + 1)
        .x_label_formatter(&rating_label)
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .x_desc("your rating (what it claims: N/5), n: goals with that rating")
        .y_desc("goals done (%)")
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()?;

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
            (Swatch::Dashed(ON_TIME_SHARE), "done by the due date"),
            (Swatch::Dashed(DIAGONAL), "claim"),
            (Swatch::Area(BAND), "well calibrated"),
        ],
    )
}
