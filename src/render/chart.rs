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
    Error::Usage(format!("drawing a chart: {e}"))
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
        footer
            .draw(&Text::new(
                chart.note.clone(),
                (20, 10),
                ("sans-serif", 18).into_font().color(&RGBColor(60, 60, 60)),
            ))
            .map_err(draw_error)?;
        let scale = if chart.percent { 100.0 } else { 1.0 };
        let shown: Vec<f64> = chart.values.iter().flatten().map(|v| v * scale).collect();
        let mut top = shown.iter().copied().fold(0.0_f64, f64::max);
        if let Some((r, _)) = &chart.reference {
            top = top.max(r * scale);
        }
        let top = if top <= 0.0 { 1.0 } else { top * 1.12 };
        let n = chart.categories.len().max(1);
        let colour = RGBColor(PALETTE[0].0, PALETTE[0].1, PALETTE[0].2);
        let caption = ("sans-serif", 30).into_font().style(FontStyle::Bold);
        let categories = chart.categories.clone();
        let value_label = |v: &f64| {
            if chart.percent {
                format!("{v:.0}%")
            } else {
                format!("{v:.0}")
            }
        };
        match chart.shape {
            Shape::Bars => {
                // Horizontal bars: category names (areas, forms of abuse) are long and stay
                // readable on the vertical axis; the first category is drawn at the top.
                let mut ctx = ChartBuilder::on(&body)
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
                ctx.draw_series(
                    Histogram::horizontal(&ctx).style(colour.filled()).margin(8).data(
                        chart
                            .values
                            .iter()
                            .enumerate()
                            .filter_map(|(i, v)| v.map(|v| (n - 1 - i, v * scale))),
                    ),
                )
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
            }
            Shape::Line => {
                let mut ctx = ChartBuilder::on(&body)
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
            }
        }
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
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
        footer
            .draw(&Text::new(
                f.note.clone(),
                (20, 10),
                ("sans-serif", 18).into_font().color(&RGBColor(60, 60, 60)),
            ))
            .map_err(draw_error)?;
        let scale = if f.percent { 100.0 } else { 1.0 };
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
        let y_max = if y_max <= 0.0 { 1.0 } else { y_max };
        let caption = ("sans-serif", 30).into_font().style(FontStyle::Bold);
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
}
