//! Charts as files: plotters draws SVG; usvg lays its text out with the embedded DejaVu
//! Sans (full Vietnamese coverage, correct spacing), so the SVG written carries its text
//! as outlines and the PNG is rasterised by resvg. Neither needs a font on the reader's
//! machine.

use std::sync::{Arc, OnceLock};

use plotters::prelude::*;
use resvg::usvg;

use crate::error::{Error, Result};

/// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
pub const PALETTE: [(u8, u8, u8); 7] = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (240, 228, 66),
];

/// Wide enough for an A4 page at print resolution once scaled.
pub const WIDTH: u32 = 1200;
/// The smallest text of the report's charts, in units of the 1200-unit width (axis
/// labels 18, heat-map labels 16; the comparison's small multiples, drawn as one image
/// of many panels, are apart): the dashboard draws charts at least this size in px.
pub const SMALLEST_TEXT: f64 = 16.0;
pub const HEIGHT: u32 = 700;

const FONT_REGULAR: &[u8] = include_bytes!("../../report-templates/fonts/DejaVuSans.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../../report-templates/fonts/DejaVuSans-Bold.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Line,
    Bars,
}

/// What to draw: labelled categories (periods, areas, codes) and one value each; a value
/// that is suppressed or missing is a gap, never a zero.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub y_label: String,
    pub shape: Shape,
    pub categories: Vec<String>,
    pub values: Vec<Option<f64>>,
    /// A horizontal line (a target), with its label.
    pub reference: Option<(f64, String)>,
    /// Shares are drawn as percentages.
    pub percent: bool,
    /// A line under the chart: source, suppression note.
    pub note: String,
}

fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(FONT_REGULAR.to_vec());
        db.load_font_data(FONT_BOLD.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

fn draw_error(e: impl std::fmt::Display) -> Error {
    Error::Write {
        what: "a chart",
        message: e.to_string(),
    }
}

fn target_colour() -> RGBColor {
    RGBColor(PALETTE[5].0, PALETTE[5].1, PALETTE[5].2)
}

/// The legend sample of the target line.
fn target_mark((x, y): (i32, i32)) -> PathElement<(i32, i32)> {
    PathElement::new(vec![(x, y), (x + 20, y)], target_colour().stroke_width(3))
}

/// The legend naming the target line, alike in every chart.
fn draw_target_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    ctx: &mut ChartContext<'a, DB, CT>,
) -> Result<()> {
    ctx.configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 18))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(draw_error)
}

/// The chart as plotters' SVG (text as `<text>` elements).
fn plot(chart: &Chart) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let (body, footer) = root.split_vertically(HEIGHT - 40);
        footer_note(&footer, &chart.note)?;
        let scale = if chart.percent { 100.0 } else { 1.0 };
        let shown: Vec<f64> = chart.values.iter().flatten().map(|v| v * scale).collect();
        let mut top = shown.iter().copied().fold(0.0_f64, f64::max);
        if let Some((r, _)) = &chart.reference {
            top = top.max(r * scale);
        }
        let axes = Axes {
            scale,
            top: if top <= 0.0 { 1.0 } else { top * 1.12 },
            n: chart.categories.len().max(1),
        };
        match chart.shape {
            Shape::Bars => plot_bars(&body, chart, &axes)?,
            Shape::Line => plot_line(&body, chart, &axes)?,
        }
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// A chart's value axis: values times `scale` (100 for shares, drawn as percentages) from
/// 0 to `top`, over `n` categories.
struct Axes {
    scale: f64,
    top: f64,
    n: usize,
}

/// A value axis's label: whole numbers, with "%" for shares.
fn value_label(percent: bool) -> impl Fn(&f64) -> String {
    move |v: &f64| {
        if percent {
            format!("{v:.0}%")
        } else {
            format!("{v:.0}")
        }
    }
}

fn caption_font() -> plotters::style::FontDesc<'static> {
    ("sans-serif", 30).into_font().style(FontStyle::Bold)
}

/// Horizontal bars: category names (areas, forms of abuse) are long and stay readable on
/// the vertical axis; the first category is drawn at the top.
fn plot_bars(
    body: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    chart: &Chart,
    axes: &Axes,
) -> Result<()> {
    let Axes { scale, top, n } = *axes;
    let colour = RGBColor(PALETTE[0].0, PALETTE[0].1, PALETTE[0].2);
    let categories = chart.categories.clone();
    let value_label = value_label(chart.percent);
    let caption = caption_font();
    let mut ctx = ChartBuilder::on(body)
        .caption(&chart.title, caption)
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(330)
        .build_cartesian_2d(0.0..top, (0..n - 1).into_segmented())
        .map_err(draw_error)?;
    ctx.configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .x_desc(chart.y_label.clone())
        .axis_desc_style(("sans-serif", 20))
        .label_style(("sans-serif", 18))
        .y_labels(n)
        .y_label_formatter(&|y| match y {
            SegmentValue::CenterOf(i) => categories.get(n - 1 - *i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .x_label_formatter(&value_label)
        .draw()
        .map_err(draw_error)?;
    // One rectangle per category in category order (plotters' histogram
    // sums through a hash map, so its drawing order, and the SVG's bytes,
    // would change from run to run).
    ctx.draw_series(chart.values.iter().enumerate().filter_map(|(i, v)| {
        v.map(|v| {
            let row = n - 1 - i;
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row)),
                    (v * scale, SegmentValue::Exact(row + 1)),
                ],
                colour.filled(),
            );
            bar.set_margin(8, 8, 0, 0);
            bar
        })
    }))
    .map_err(draw_error)?;
    if let Some((r, label)) = &chart.reference {
        let orange = target_colour();
        ctx.draw_series(LineSeries::new(
            vec![
                (r * scale, SegmentValue::Exact(0)),
                (r * scale, SegmentValue::Exact(n)),
            ],
            orange.stroke_width(3),
        ))
        .map_err(draw_error)?
        .label(label.clone())
        .legend(target_mark);
        draw_target_legend(&mut ctx)?;
    }
    Ok(())
}

/// A line over the periods; a gap (suppressed or missing) breaks it.
fn plot_line(
    body: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    chart: &Chart,
    axes: &Axes,
) -> Result<()> {
    let Axes { scale, top, n } = *axes;
    let colour = RGBColor(PALETTE[0].0, PALETTE[0].1, PALETTE[0].2);
    let categories = chart.categories.clone();
    let value_label = value_label(chart.percent);
    let caption = caption_font();
    let mut ctx = ChartBuilder::on(body)
        .caption(&chart.title, caption)
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top)
        .map_err(draw_error)?;
    ctx.configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .y_desc(chart.y_label.clone())
        .axis_desc_style(("sans-serif", 20))
        .label_style(("sans-serif", 18))
        .x_labels(n)
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) => categories.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&value_label)
        .draw()
        .map_err(draw_error)?;
    // A gap (suppressed or missing) breaks the line rather than bridging it.
    let mut run: Vec<(SegmentValue<usize>, f64)> = Vec::new();
    let mut runs = Vec::new();
    for (i, v) in chart.values.iter().enumerate() {
        match v {
            Some(v) => run.push((SegmentValue::CenterOf(i), v * scale)),
            None => runs.push(std::mem::take(&mut run)),
        }
    }
    runs.push(run);
    for run in runs.into_iter().filter(|r| !r.is_empty()) {
        ctx.draw_series(LineSeries::new(run.clone(), colour.stroke_width(4)))
            .map_err(draw_error)?;
        ctx.draw_series(run.into_iter().map(|p| Circle::new(p, 6, colour.filled())))
            .map_err(draw_error)?;
    }
    if let Some((r, label)) = &chart.reference {
        let orange = target_colour();
        ctx.draw_series(LineSeries::new(
            vec![
                (SegmentValue::Exact(0), r * scale),
                (SegmentValue::Exact(n), r * scale),
            ],
            orange.stroke_width(3),
        ))
        .map_err(draw_error)?
        .label(label.clone())
        .legend(target_mark);
        draw_target_legend(&mut ctx)?;
    }
    Ok(())
}

/// The chart as (SVG with text in outlines, PNG).
pub fn render(chart: &Chart) -> Result<(Vec<u8>, Vec<u8>)> {
    finish(&plot(chart)?)
}

/// A funnel plot: each area's value against its size (members of a share, children of a
/// rate), the province's value and the 95% and 99.8% limits around it.
#[derive(Debug, Clone)]
pub struct Funnel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub percent: bool,
    pub centre: f64,
    pub centre_label: String,
    /// Along the x axis: (size, lower 99.8%, lower 95%, upper 95%, upper 99.8%).
    pub curve: Vec<[f64; 5]>,
    pub limit_labels: [String; 2],
    /// (size, value, label): the label names an area outside the 95% limits.
    pub points: Vec<(f64, f64, Option<String>)>,
    /// Under the chart: over-dispersion applied or not, source, suppression.
    pub note: String,
}

/// The funnel plot of a comparison: the limits drawn from a handful of members to past
/// the largest area (denser where they bend), the areas outside the 95% limits named,
/// and whether over-dispersion was adjusted for under the chart.
pub fn funnel_of(
    c: &crate::compare::Comparison,
    indicator: &crate::catalog::Indicator,
    names: &std::collections::HashMap<String, String>,
    lang: crate::catalog::Lang,
    public: bool,
) -> Funnel {
    use crate::catalog::Unit;
    use crate::render::labels;
    let rate = c.unit == Unit::Per100k;
    let curve = c.funnel_curve(120);
    let points = c
        .areas
        .iter()
        .map(|a| {
            let name = names.get(&a.area_code).cloned().unwrap_or_default();
            let label = a.flag.outside_95().then(|| format!("{} {name}", a.area_code));
            (a.size, a.value, label)
        })
        .collect();
    let adjusted = if c.dispersion.applied {
        format!(
            "{} ({})",
            labels::text(lang, "overdispersion_applied"),
            labels::text(lang, &format!("overdispersion_{}", c.dispersion.model.name()))
        )
    } else {
        labels::text(lang, "overdispersion_not_applied").to_string()
    };
    let note = format!("{adjusted}. {}", labels::chart_note(lang, public));
    Funnel {
        title: format!("{}: {}", labels::text(lang, "funnel"), indicator.label(lang)),
        x_label: labels::text(lang, if rate { "funnel_children" } else { "funnel_members" }).to_string(),
        y_label: labels::text(lang, indicator.unit.name()).to_string(),
        percent: !rate,
        centre: c.province_value,
        centre_label: labels::of_whole(lang, "funnel_centre", &c.province.area_code).to_string(),
        curve,
        limit_labels: [
            labels::text(lang, "funnel_95").to_string(),
            labels::text(lang, "funnel_998").to_string(),
        ],
        points,
        note,
    }
}

/// The funnel plot as (SVG with text in outlines, PNG).
pub fn render_funnel(funnel: &Funnel) -> Result<(Vec<u8>, Vec<u8>)> {
    finish(&plot_funnel(funnel)?)
}

fn plot_funnel(f: &Funnel) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let (body, footer) = root.split_vertically(HEIGHT - 40);
        footer_note(&footer, &f.note)?;
        let scale = if f.percent { 100.0 } else { 1.0 };
        let (x_max, y_max) = funnel_extent(f, scale);
        let caption = caption_font();
        let mut ctx = ChartBuilder::on(&body)
            .caption(&f.title, caption)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)
            .map_err(draw_error)?;
        let percent = f.percent;
        ctx.configure_mesh()
            .light_line_style(WHITE)
            .x_desc(f.x_label.clone())
            .y_desc(f.y_label.clone())
            .axis_desc_style(("sans-serif", 20))
            .label_style(("sans-serif", 18))
            .y_label_formatter(&|v| {
                if percent {
                    format!("{v:.0}%")
                } else {
                    format!("{v:.1}")
                }
            })
            .x_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(draw_error)?;
        let grey = RGBColor(90, 90, 90);
        let clip = |v: f64| (v * scale).clamp(0.0, y_max);
        for (low, high, style, label) in [
            (2usize, 3usize, grey.stroke_width(2), &f.limit_labels[0]),
            (1, 4, grey.mix(0.6).stroke_width(2), &f.limit_labels[1]),
        ] {
            for (side, index) in [low, high].into_iter().enumerate() {
                let series = ctx
                    .draw_series(LineSeries::new(
                        f.curve.iter().map(|c| (c[0], clip(c[index]))),
                        style,
                    ))
                    .map_err(draw_error)?;
                if side == 0 {
                    let legend_style = style;
                    series
                        .label(label.clone())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], legend_style));
                }
            }
        }
        let orange = target_colour();
        ctx.draw_series(LineSeries::new(
            vec![(0.0, f.centre * scale), (x_max, f.centre * scale)],
            orange.stroke_width(3),
        ))
        .map_err(draw_error)?
        .label(f.centre_label.clone())
        .legend(target_mark);
        let blue = RGBColor(PALETTE[0].0, PALETTE[0].1, PALETTE[0].2);
        // Not the vermillion of the province line: a flagged area must not read as the target.
        let flagged = RGBColor(PALETTE[3].0, PALETTE[3].1, PALETTE[3].2);
        ctx.draw_series(f.points.iter().map(|(x, y, label)| {
            let colour = if label.is_some() { flagged } else { blue };
            Circle::new((*x, clip(*y)), 7, colour.filled())
        }))
        .map_err(draw_error)?;
        ctx.draw_series(f.points.iter().filter_map(|(x, y, label)| {
            label.as_ref().map(|l| {
                Text::new(
                    l.clone(),
                    (*x, clip(*y)),
                    ("sans-serif", 18).into_font().color(&BLACK),
                )
            })
        }))
        .map_err(draw_error)?;
        draw_target_legend(&mut ctx)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// How far a funnel plot's axes reach: past the largest area and, upwards, past every
/// point and the limits (the upper limit capped at three times the centre, where small
/// areas' limits would squash the plot).
fn funnel_extent(f: &Funnel, scale: f64) -> (f64, f64) {
    let x_max = f
        .points
        .iter()
        .map(|p| p.0)
        .chain(f.curve.iter().map(|c| c[0]))
        .fold(1.0_f64, f64::max)
        * 1.05;
    let y_max = f
        .points
        .iter()
        .map(|p| p.1)
        .chain(f.curve.iter().map(|c| c[4].min(f.centre * 3.0 + 1e-9)))
        .chain(std::iter::once(f.centre))
        .fold(0.0_f64, f64::max)
        * 1.1
        * scale;
    (x_max, if y_max <= 0.0 { 1.0 } else { y_max })
}

/// One panel per area, all on the same scales: an area's value over the periods, with
/// the province's beside it for reference.
#[derive(Debug, Clone)]
pub struct SmallMultiples {
    pub title: String,
    pub y_label: String,
    pub percent: bool,
    pub periods: Vec<String>,
    /// (panel title, a value per period; a gap where suppressed or missing).
    pub panels: Vec<(String, Vec<Option<f64>>)>,
    pub reference: Vec<Option<f64>>,
    pub reference_label: String,
    pub note: String,
}

/// A grid of areas × categories coloured by value; a cell without a value (suppressed,
/// or no population) is grey and says why.
#[derive(Debug, Clone)]
pub struct Heatmap {
    pub title: String,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// Row by row: a value, or the text shown instead (`[c]`).
    pub cells: Vec<Vec<Result<f64, String>>>,
    pub note: String,
}

pub fn render_small_multiples(chart: &SmallMultiples) -> Result<(Vec<u8>, Vec<u8>)> {
    finish(&plot_small_multiples(chart)?)
}

pub fn render_heatmap(chart: &Heatmap) -> Result<(Vec<u8>, Vec<u8>)> {
    finish(&plot_heatmap(chart)?)
}

fn footer_note(area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>, note: &str) -> Result<()> {
    area.draw(&Text::new(
        note.to_string(),
        (20, 10),
        ("sans-serif", 18).into_font().color(&RGBColor(60, 60, 60)),
    ))
    .map_err(draw_error)
}

fn plot_small_multiples(c: &SmallMultiples) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let (body, footer) = root.split_vertically(HEIGHT - 40);
        footer_note(&footer, &c.note)?;
        let body = body
            .titled(&c.title, ("sans-serif", 30).into_font().style(FontStyle::Bold))
            .map_err(draw_error)?;
        let scale = if c.percent { 100.0 } else { 1.0 };
        let top = c
            .panels
            .iter()
            .flat_map(|(_, v)| v.iter().flatten())
            .chain(c.reference.iter().flatten())
            .fold(0.0_f64, |a, b| a.max(*b))
            * scale
            * 1.1;
        let top = if top <= 0.0 { 1.0 } else { top };
        let columns = 4usize.min(c.panels.len().max(1));
        let rows = c.panels.len().div_ceil(columns).max(1);
        let n = c.periods.len().max(1);
        let blue = RGBColor(PALETTE[0].0, PALETTE[0].1, PALETTE[0].2);
        let grey = RGBColor(150, 150, 150);
        let first = c.periods.first().cloned().unwrap_or_default();
        let last = c.periods.last().cloned().unwrap_or_default();
        for (panel, (title, values)) in body.split_evenly((rows, columns)).iter().zip(&c.panels) {
            let mut ctx = ChartBuilder::on(panel)
                .caption(title, ("sans-serif", 18).into_font().style(FontStyle::Bold))
                .margin(8)
                .x_label_area_size(22)
                .y_label_area_size(48)
                .build_cartesian_2d(0.0..(n - 1).max(1) as f64, 0.0..top)
                .map_err(draw_error)?;
            let percent = c.percent;
            ctx.configure_mesh()
                .disable_x_mesh()
                .light_line_style(WHITE)
                .label_style(("sans-serif", 13))
                // A key point at every period (steps of one over 0..n-1), named only at
                // the first and the last: a label stands where its period is drawn.
                .x_labels(n)
                .x_label_formatter(&|x| {
                    if x.abs() < 1e-9 {
                        first.clone()
                    } else if (x - (n - 1) as f64).abs() < 1e-9 {
                        last.clone()
                    } else {
                        String::new()
                    }
                })
                .y_labels(4)
                .y_label_formatter(&|v| {
                    if percent {
                        format!("{v:.0}%")
                    } else {
                        format!("{v:.0}")
                    }
                })
                .draw()
                .map_err(draw_error)?;
            let line = |vals: &[Option<f64>]| -> Vec<Vec<(f64, f64)>> {
                let mut runs = vec![Vec::new()];
                for (i, v) in vals.iter().enumerate() {
                    match v {
                        Some(v) => runs.last_mut().expect("a run").push((i as f64, v * scale)),
                        None => runs.push(Vec::new()),
                    }
                }
                runs.into_iter().filter(|r| !r.is_empty()).collect()
            };
            for run in line(&c.reference) {
                ctx.draw_series(LineSeries::new(run, grey.stroke_width(2)))
                    .map_err(draw_error)?;
            }
            for run in line(values) {
                ctx.draw_series(LineSeries::new(run.clone(), blue.stroke_width(3)))
                    .map_err(draw_error)?;
                ctx.draw_series(run.into_iter().map(|p| Circle::new(p, 3, blue.filled())))
                    .map_err(draw_error)?;
            }
        }
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// A sequential colour from light to dark blue (readable in grey print and with the
/// common colour-vision deficiencies).
fn sequential(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(mix(239, 8), mix(243, 48), mix(255, 107))
}

fn plot_heatmap(h: &Heatmap) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let (body, footer) = root.split_vertically(HEIGHT - 40);
        footer_note(&footer, &h.note)?;
        let body = body
            .titled(&h.title, ("sans-serif", 28).into_font().style(FontStyle::Bold))
            .map_err(draw_error)?;
        // Row names (long) on the left, column names (short) above the grid.
        let (left, top_band) = (320i32, 40i32);
        let (width, height) = body.dim_in_pixel();
        let (rows, columns) = (h.rows.len().max(1) as i32, h.columns.len().max(1) as i32);
        let cell_w = (width as i32 - left - 20) / columns;
        let cell_h = ((height as i32 - top_band - 10) / rows).min(60);
        let top = h
            .cells
            .iter()
            .flatten()
            .filter_map(|c| c.as_ref().ok())
            .fold(0.0_f64, |a, b| a.max(*b));
        let label = ("sans-serif", 16).into_font();
        let centred = |colour: &RGBColor| {
            ("sans-serif", 16)
                .into_font()
                .color(colour)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ))
        };
        for (c, name) in h.columns.iter().enumerate() {
            let x = left + c as i32 * cell_w + cell_w / 2;
            body.draw(&Text::new(name.clone(), (x, top_band / 2), centred(&BLACK)))
                .map_err(draw_error)?;
        }
        for (r, (name, row)) in h.rows.iter().zip(&h.cells).enumerate() {
            let y = top_band + r as i32 * cell_h;
            body.draw(&Text::new(name.clone(), (10, y + cell_h / 2 - 8), label.clone()))
                .map_err(draw_error)?;
            for (c, cell) in row.iter().enumerate() {
                let x = left + c as i32 * cell_w;
                let (fill, text, dark) = match cell {
                    Ok(v) => {
                        let t = if top > 0.0 { v / top } else { 0.0 };
                        (sequential(t), format!("{:.0}", v + 0.0), t > 0.55)
                    }
                    Err(symbol) => (RGBColor(215, 215, 215), symbol.clone(), false),
                };
                body.draw(&Rectangle::new(
                    [(x, y), (x + cell_w - 2, y + cell_h - 2)],
                    fill.filled(),
                ))
                .map_err(draw_error)?;
                let colour = if dark { WHITE } else { BLACK };
                body.draw(&Text::new(
                    text,
                    (x + cell_w / 2, y + cell_h / 2),
                    centred(&colour),
                ))
                .map_err(draw_error)?;
            }
        }
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// Lays plotters' SVG text out with the embedded font: (SVG in outlines, PNG).
fn finish(svg: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    let options = usvg::Options {
        fontdb: fonts(),
        font_family: "DejaVu Sans".into(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(draw_error)?;
    let outlined = tree.to_string(&usvg::WriteOptions::default());
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(WIDTH, HEIGHT).ok_or_else(|| draw_error("empty canvas"))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    let png = pixmap.encode_png().map_err(draw_error)?;
    Ok((outlined.into_bytes(), png))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_text_is_laid_out_from_the_embedded_font() {
        let chart = Chart {
            title: "Số vụ việc tiếp nhận: Đồng Hới, Bố Trạch, Lệ Thủy".into(),
            y_label: "vụ việc".into(),
            shape: Shape::Bars,
            categories: vec!["Đồng Hới".into(), "Minh Hóa".into(), "Quảng Trạch".into()],
            values: vec![Some(12.0), None, Some(7.0)],
            reference: Some((10.0, "Mục tiêu".into())),
            percent: false,
            note: "Nguồn: dữ liệu tổng hợp giả lập".into(),
        };
        let (svg, png) = render(&chart).unwrap();
        let svg = String::from_utf8(svg).unwrap();
        // Text became outlines: no <text> element, so no font is needed to read it.
        assert!(!svg.contains("<text"), "text left as text");
        assert!(svg.contains("<path"));
        assert!(png.starts_with(b"\x89PNG"));
        // The same chart, the same bytes.
        assert_eq!(render(&chart).unwrap().1, png);
    }

    /// The x of each `<text>` holding `label`, and of each circle (a drawn value).
    fn xs_of(svg: &str, open: &str, attribute: &str, holding: Option<&str>) -> Vec<f64> {
        svg.split(open)
            .skip(1)
            .filter(|element| {
                holding.is_none_or(|label| element.split('<').next().unwrap_or("").contains(label))
            })
            .filter_map(|element| {
                let start = element.find(&format!("{attribute}=\""))? + attribute.len() + 2;
                element[start..].split('"').next()?.parse().ok()
            })
            .collect()
    }

    #[test]
    fn small_multiples_name_their_periods_where_they_are_drawn() {
        for n in [2usize, 5, 8, 12] {
            let periods: Vec<String> = (0..n).map(|i| format!("P{i:02}")).collect();
            let chart = SmallMultiples {
                title: "t".into(),
                y_label: "y".into(),
                percent: false,
                periods: periods.clone(),
                panels: vec![("one".into(), (0..n).map(|i| Some(i as f64 + 1.0)).collect())],
                reference: vec![None; n],
                reference_label: "r".into(),
                note: String::new(),
            };
            let svg = plot_small_multiples(&chart).unwrap();
            let circles = xs_of(&svg, "<circle", "cx", None);
            let (left, right) = (
                circles.iter().copied().fold(f64::INFINITY, f64::min),
                circles.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            );
            let first = xs_of(&svg, "<text", "x", Some(&periods[0]));
            let last = xs_of(&svg, "<text", "x", Some(&periods[n - 1]));
            assert_eq!((first.len(), last.len()), (1, 1), "n = {n}: {svg}");
            // plotters anchors a tick label at its middle: within half a label of its point.
            assert!(
                (first[0] - left).abs() < 20.0,
                "n = {n}: first at {} , drawn at {left}",
                first[0]
            );
            assert!(
                (last[0] - right).abs() < 20.0,
                "n = {n}: last at {}, drawn at {right}",
                last[0]
            );
            for middle in &periods[1..n - 1] {
                assert!(
                    xs_of(&svg, "<text", "x", Some(middle)).is_empty(),
                    "n = {n}: {middle} named"
                );
            }
        }
    }
}
