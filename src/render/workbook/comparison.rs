//! A comparison sheet: each area against the whole on one indicator, its native funnel
//! chart and, for a rate, the smoothed estimates on a page of their own.

use super::*;

/// Each area against the province on one indicator: counts, value and interval,
/// difference, funnel limits, flag and rank, and a native scatter chart of the funnel
/// (its curve written beside the table, as a chart needs cells to draw from).
pub(super) fn comparison_sheet(
    data: &ReportData,
    lang: Lang,
    name: &str,
    spec: &crate::template::SheetSpec,
    compared: Option<&crate::compare::Compared>,
    f: &Formats,
) -> Result<Worksheet> {
    let mut ws = titled_sheet(name, spec.title(lang), f)?;
    let Some(compared) = compared else {
        ws.write_string(2, 0, text(lang, "symbol_x")).map_err(xlsx)?;
        return Ok(ws);
    };
    let c = &compared.comparison;
    let Some(indicator) = indicator(data, &c.indicator_id) else {
        return Ok(ws);
    };
    let d = &c.dispersion;
    // Narrow enough for one page width at a legible size (headers wrap): a comparison
    // split by columns would part the areas from their limits and cut the funnel chart.
    let widths = [8, 18, 8, 9, 8, 8, 8, 9, 8, 8, 8, 8, 8, 8, 12, 6, 6, 6];
    write_across(
        &mut ws,
        1,
        &format!(
            "{} · {}: {} · {} (phi {:.2}, tau² {:.4}; {}) · {}: {}",
            indicator.label(lang),
            text(lang, "period"),
            period_text(lang, &data.current.period),
            text(
                lang,
                if d.applied {
                    "overdispersion_applied"
                } else {
                    "overdispersion_not_applied"
                }
            ),
            d.phi,
            d.tau2,
            text(lang, &format!("overdispersion_{}", d.model.name())),
            of_whole(lang, "funnel_centre", &c.province.area_code),
            crate::render::tidy::number(c.province_value)
        ),
        &widths,
        &f.subtitle,
    )?;
    let headers = [
        text(lang, "area"),
        text(lang, "name"),
        text(lang, "numerator"),
        text(lang, "denominator"),
        text(lang, "value"),
        text(lang, "ci_low"),
        text(lang, "ci_high"),
        of_whole(lang, "difference", &c.province.area_code),
        text(lang, "difference_low"),
        text(lang, "difference_high"),
        text(lang, "limit_95_low"),
        text(lang, "limit_95_high"),
        text(lang, "limit_998_low"),
        text(lang, "limit_998_high"),
        text(lang, "funnel_flag"),
        text(lang, "rank"),
        text(lang, "rank_low"),
        text(lang, "rank_high"),
    ];
    let header_row = 3u32;
    write_headers(&mut ws, header_row, &headers, f)?;
    ws.set_freeze_panes(header_row + 1, 2).map_err(xlsx)?;
    let (first, last, row) = write_comparison_rows(&mut ws, data, lang, compared, header_row + 1, f)?;
    write_across(
        &mut ws,
        row + 1,
        of_whole(lang, "comparison_note", &c.province.area_code),
        &widths,
        &Format::new(),
    )?;

    let chart = native_funnel(&mut ws, c, indicator, lang, name, header_row, (first, last), f)?;
    ws.insert_chart(row + 3, 0, &chart).map_err(xlsx)?;
    fit(&mut ws, &widths)?;
    if first_page_columns(&widths).len() < widths.len() {
        // Each page of columns names its areas: code and name.
        ws.set_repeat_columns(0, 1).map_err(xlsx)?;
    }
    fit_texts(&mut ws, header_row, &headers, &widths)?;
    // Below the chart (21 rows of 20 px), a rate's smoothed estimates.
    let last_row = write_smoothed_table(&mut ws, data, lang, compared, row + 3 + 23, &widths, f)?
        .unwrap_or(row + 3 + 22);
    // Printed: the table, its chart and the smoothed rates; the funnel curve's points
    // beside them are the chart's data, not a table.
    ws.set_print_area(0, 0, last_row, headers.len() as u16 - 1)
        .map_err(xlsx)?;
    Ok(ws)
}

/// A rate's empirical Bayes estimates from row `start`: a title naming them estimates,
/// each compared area's raw rate beside its smoothed rates and shrinkage (Marshall;
/// Poisson-Gamma with its interval), the areas left out with their symbol (none was
/// smoothed: nothing of a hidden count enters an estimate), and a note with the priors.
/// Returns the last row written; None for a share (nothing smoothed).
#[allow(clippy::too_many_arguments)]
fn write_smoothed_table(
    ws: &mut Worksheet,
    data: &ReportData,
    lang: Lang,
    compared: &crate::compare::Compared,
    start: u32,
    widths: &[usize],
    f: &Formats,
) -> Result<Option<u32>> {
    use crate::smoothing::Method;
    let c = &compared.comparison;
    let method = |m: Method| c.smoothing.iter().find(|s| s.method == m);
    let (Some(marshall), Some(gamma)) = (method(Method::Marshall), method(Method::PoissonGamma)) else {
        return Ok(None);
    };
    // On a page of its own: the funnel's page keeps the size it had.
    ws.set_page_breaks(&[start]).map_err(xlsx)?;
    write_across(ws, start, text(lang, "smoothed_title"), widths, &f.subtitle)?;
    let headers = [
        text(lang, "area"),
        text(lang, "name"),
        text(lang, "numerator"),
        text(lang, "denominator"),
        text(lang, "raw_rate"),
        text(lang, "smoothed_marshall"),
        text(lang, "shrinkage_marshall"),
        text(lang, "smoothed_poisson_gamma"),
        text(lang, "smoothed_low"),
        text(lang, "smoothed_high"),
        text(lang, "shrinkage_poisson_gamma"),
    ];
    let header_row = start + 1;
    for (col, h) in headers.iter().enumerate() {
        ws.write_string_with_format(header_row, col as u16, *h, &f.header)
            .map_err(xlsx)?;
    }
    fit_texts(ws, header_row, &headers, widths)?;
    let per = crate::catalog::RATE_SCALE;
    let number = Format::new().set_num_format(number_format(c.unit));
    let counts = Format::new().set_num_format("#,##0.##");
    let share = Format::new().set_num_format("0.000");
    let mut row = header_row + 1;
    for (i, a) in c.areas.iter().enumerate() {
        write_area(ws, row, data, &a.area_code)?;
        let (m, g) = (marshall.estimates[i], gamma.estimates[i]);
        let mut cells = vec![
            (2u16, a.numerator, &counts),
            (3, a.size, &counts),
            (4, a.value, &number),
            (5, m.rate * per, &number),
            (6, m.shrinkage, &share),
            (7, g.rate * per, &number),
        ];
        if let Some((low, high)) = g.interval {
            cells.extend([(8, low * per, &number), (9, high * per, &number)]);
        }
        cells.push((10, g.shrinkage, &share));
        for (col, v, format) in cells {
            ws.write_number_with_format(row, col, v, format).map_err(xlsx)?;
        }
        row += 1;
    }
    let row = write_left_out(ws, data, compared, row, f)?;
    let prior = |s: &crate::smoothing::Smoothing| {
        format!(
            "{} {}, {} {}",
            text(lang, "prior_mean"),
            crate::render::labels::local_number(lang, s.prior.mean * per, 2),
            text(lang, "prior_sd"),
            crate::render::labels::local_number(lang, s.prior.variance.sqrt() * per, 2),
        )
    };
    write_across(
        ws,
        row + 1,
        &format!(
            "{} Marshall: {}. Poisson-Gamma: {}.",
            text(lang, "smoothed_note"),
            prior(marshall),
            prior(gamma)
        ),
        widths,
        &Format::new(),
    )?;
    Ok(Some(row + 1))
}

/// The compared areas from `start` on (each area's counts, value, interval, difference,
/// limits, flag and rank), then the areas left out with their symbol; returns the first
/// and last rows of compared areas and the row after the table.
fn write_comparison_rows(
    ws: &mut Worksheet,
    data: &ReportData,
    lang: Lang,
    compared: &crate::compare::Compared,
    start: u32,
    f: &Formats,
) -> Result<(u32, u32, u32)> {
    let c = &compared.comparison;
    let number = Format::new().set_num_format(number_format(c.unit));
    let counts = Format::new().set_num_format("#,##0.##");
    let delta = Format::new().set_num_format(change_format(lang, c.unit));
    let mut row = start;
    let first = row;
    for a in &c.areas {
        write_area(ws, row, data, &a.area_code)?;
        for (col, v, format) in [
            (2u16, a.numerator, &counts),
            (3, a.size, &counts),
            (4, a.value, &number),
            (5, a.ci_low, &number),
            (6, a.ci_high, &number),
            (7, in_change_units(c.unit, a.difference), &delta),
            (8, in_change_units(c.unit, a.difference_low), &delta),
            (9, in_change_units(c.unit, a.difference_high), &delta),
            (10, a.limits.low_95, &number),
            (11, a.limits.high_95, &number),
            (12, a.limits.low_998, &number),
            (13, a.limits.high_998, &number),
        ] {
            ws.write_number_with_format(row, col, v, format).map_err(xlsx)?;
        }
        let flag_text = text(lang, a.flag.name());
        if a.flag.outside_95() {
            ws.write_string_with_format(row, 14, flag_text, &f.bad)
                .map_err(xlsx)?;
        } else {
            ws.write_string(row, 14, flag_text).map_err(xlsx)?;
        }
        for (col, v) in [(15u16, a.rank), (16, a.rank_low), (17, a.rank_high)] {
            ws.write_number(row, col, v as f64).map_err(xlsx)?;
        }
        row += 1;
    }
    let last = row.saturating_sub(1).max(first);
    let row = write_left_out(ws, data, compared, row, f)?;
    Ok((first, last, row))
}

/// The areas a comparison left out, from `row`: code, name and their symbol (`[c]`
/// hidden, `[x]` no members) in the value's column; returns the row after them.
fn write_left_out(
    ws: &mut Worksheet,
    data: &ReportData,
    compared: &crate::compare::Compared,
    mut row: u32,
    f: &Formats,
) -> Result<u32> {
    for code in &compared.comparison.left_out {
        let area_name = data.geography.names.get(code).cloned().unwrap_or_default();
        ws.write_string(row, 0, code).map_err(xlsx)?;
        ws.write_string(row, 1, &area_name).map_err(xlsx)?;
        let symbol = if compared.hidden.contains(code) {
            "[c]"
        } else {
            "[x]"
        };
        ws.write_string_with_format(row, 4, symbol, &f.symbol)
            .map_err(xlsx)?;
        row += 1;
    }
    Ok(row)
}

/// The funnel's curve beside the table (columns U to Y, from `header_row`), as a native
/// chart needs cells to draw from, and the chart: the limits as lines, the areas of rows
/// `first..=last` as points.
#[allow(clippy::too_many_arguments)]
fn native_funnel(
    ws: &mut Worksheet,
    c: &crate::compare::Comparison,
    indicator: &Indicator,
    lang: Lang,
    name: &str,
    header_row: u32,
    (first, last): (u32, u32),
    f: &Formats,
) -> Result<XlsxChart> {
    let (curve_col, curve_row) = (20u16, header_row);
    let curve_headers = [
        text(lang, "denominator"),
        text(lang, "limit_998_low"),
        text(lang, "limit_95_low"),
        text(lang, "limit_95_high"),
        text(lang, "limit_998_high"),
        of_whole(lang, "funnel_centre", &c.province.area_code),
    ];
    for (i, h) in curve_headers.iter().enumerate() {
        ws.write_string_with_format(curve_row, curve_col + i as u16, *h, &f.header)
            .map_err(xlsx)?;
    }
    let points = 40u32;
    for (r, limits) in (curve_row + 1..).zip(c.funnel_curve(points)) {
        for (i, v) in limits.into_iter().chain([c.province_value]).enumerate() {
            ws.write_number(r, curve_col + i as u16, v).map_err(xlsx)?;
        }
    }
    let curve_last = curve_row + points;
    let mut chart = XlsxChart::new(ChartType::ScatterStraight);
    chart
        .title()
        .set_name(&format!("{}: {}", text(lang, "funnel"), indicator.label(lang)));
    for (i, label) in [
        (1u16, text(lang, "funnel_998")),
        (2, text(lang, "funnel_95")),
        (3, text(lang, "funnel_95")),
        (4, text(lang, "funnel_998")),
        (5, of_whole(lang, "funnel_centre", &c.province.area_code)),
    ] {
        chart
            .add_series()
            .set_name(label)
            .set_categories((name, curve_row + 1, curve_col, curve_last, curve_col))
            .set_values((name, curve_row + 1, curve_col + i, curve_last, curve_col + i))
            .set_marker(ChartMarker::new().set_none());
    }
    if !c.areas.is_empty() {
        chart
            .add_series()
            .set_name(text(lang, "area"))
            .set_categories((name, first, 3, last, 3))
            .set_values((name, first, 4, last, 4))
            .set_format(ChartFormat::new().set_no_line())
            .set_marker(ChartMarker::new().set_type(ChartMarkerType::Circle).set_size(7));
    }
    chart.x_axis().set_name(text(
        lang,
        if c.unit == Unit::Per100k {
            "funnel_children"
        } else {
            "funnel_members"
        },
    ));
    chart.y_axis().set_name(unit_label(lang, c.unit, Subject::Cases));
    let highest = c
        .areas
        .iter()
        .map(|a| {
            a.value
                .max(a.limits.high_998.min(a.value * 2.0 + c.province_value))
        })
        .fold(c.province_value, f64::max);
    let ceiling = if c.unit == Unit::Share {
        (highest * 1.15).min(1.0)
    } else {
        highest * 1.15
    };
    chart.y_axis().set_min(0.0).set_max(ceiling);
    chart.set_width(760).set_height(420);
    Ok(chart)
}

/// An area's code and name in the first two columns of `row`.
fn write_area(ws: &mut Worksheet, row: u32, data: &ReportData, code: &str) -> Result<()> {
    let name = data.geography.names.get(code).map_or("", String::as_str);
    ws.write_string(row, 0, code).map_err(xlsx)?;
    ws.write_string(row, 1, name).map_err(xlsx)?;
    Ok(())
}
