//! The tables of a report's values: the summary, by area, by breakdown, by year, and
//! the charts sheet; the notes under a table of changes.

use super::*;

/// Under a table of changes, one line per indicator whose rule changed between the
/// period and one it is compared with, saying why its change is `[z]`.
pub(super) fn rule_change_notes(
    ws: &mut Worksheet,
    data: &ReportData,
    lang: Lang,
    ids: &[String],
    first_row: u32,
    widths: &[usize],
    f: &Formats,
) -> Result<()> {
    let mut row = first_row;
    for id in ids {
        let Some(ind) = indicator(data, id) else { continue };
        let mut notes: Vec<String> = Vec::new();
        let compared = [
            Some(&data.previous.period),
            data.compares_year_before().then_some(&data.year_before.period),
        ];
        for other in compared.into_iter().flatten() {
            if let Some(change) = data.rule_change(id, other) {
                let note = crate::render::labels::rule_change_note(lang, &change);
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
        }
        if notes.is_empty() {
            continue;
        }
        let line = format!(
            "{}: {} ({})",
            text(lang, "rule_changed_note"),
            ind.label(lang),
            notes.join("; ")
        );
        write_across(ws, row, &line, widths, &f.subtitle)?;
        row += 1;
    }
    Ok(())
}

/// The summary's legal-basis column (characters), wrapped.
const SUMMARY_BASIS_WIDTH: usize = 30;

pub(super) fn summary_sheet(
    data: &ReportData,
    lang: Lang,
    name: &str,
    title: &str,
    ids: &[String],
    f: &Formats,
) -> Result<Worksheet> {
    let mut ws = new_sheet(name, f)?;
    let province = &data.geography.province;
    ws.write_string_with_format(0, 0, title, &f.title).map_err(xlsx)?;
    let subtitle = format!(
        "{}: {} · {}: {} · {} · {}: {}",
        text(lang, "period"),
        period_text(lang, &data.current.period),
        text(lang, "previous_period"),
        data.previous.period,
        whole_named(lang, &data.geography),
        text(lang, "target_set"),
        target_set_text(data, lang)
    );
    let with_year = data.compares_year_before();
    let mut headers = vec![text(lang, "indicator"), text(lang, "unit")];
    headers.extend(change_headers(lang, with_year));
    let target_column = headers.len() as u16;
    let basis_column = target_column + 1;
    headers.extend([text(lang, "target"), text(lang, "legal_basis")]);
    let header_row = 3;
    write_headers(&mut ws, header_row, &headers, f)?;
    ws.set_freeze_panes(header_row + 1, 1).map_err(xlsx)?;
    let mut widths = headers
        .iter()
        .map(|h| h.chars().count().min(18))
        .collect::<Vec<_>>();
    for (i, id) in ids.iter().enumerate() {
        let Some(ind) = indicator(data, id) else { continue };
        let r = header_row + 1 + i as u32;
        let number = Format::new().set_num_format(number_format(ind.unit));
        let delta = Format::new().set_num_format(change_format(lang, ind.unit));
        ws.write_string(r, 0, ind.label(lang)).map_err(xlsx)?;
        let unit = unit_label(lang, ind.unit, ind.subject);
        ws.write_string(r, 1, unit).map_err(xlsx)?;
        widths[1] = widths[1].max(unit.chars().count());
        let now = shown(find(&data.current, id, province, "", ""));
        let before = shown(find(&data.previous, id, province, "", ""));
        let year = shown(find(&data.year_before, id, province, "", ""));
        write_shown(&mut ws, r, 2, &now, &number, f)?;
        write_shown(&mut ws, r, 3, &before, &number, f)?;
        let vs_previous = ruled_change(data, ind, &data.previous.period, &now, &before);
        write_shown(&mut ws, r, 4, &vs_previous, &delta, f)?;
        if with_year {
            let vs_year = ruled_change(data, ind, &data.year_before.period, &now, &year);
            write_shown(&mut ws, r, 5, &year, &number, f)?;
            write_shown(&mut ws, r, 6, &vs_year, &delta, f)?;
        }
        mark_against_target(&mut ws, data, ind, (r, target_column), (&number, f))?;
        // Wrapped in its column (the last: a line running on would be cut at the
        // printed page's edge), the row as tall as it needs.
        ws.write_string_with_format(r, basis_column, ind.legal_basis_in(lang), &f.wrap)
            .map_err(xlsx)?;
        fit_row(
            &mut ws,
            r,
            &[(ind.legal_basis_in(lang), column_width(SUMMARY_BASIS_WIDTH))],
        )?;
        widths[0] = widths[0].max(ind.label(lang).chars().count());
    }
    // One page width at a legible size: the labels and the legal basis wrap.
    widths[0] = widths[0].min(42);
    let basis = basis_column as usize;
    for w in &mut widths[1..basis] {
        *w = (*w).min(15);
    }
    widths[basis] = SUMMARY_BASIS_WIDTH;
    rule_change_notes(
        &mut ws,
        data,
        lang,
        ids,
        header_row + 2 + ids.len() as u32,
        &widths,
        f,
    )?;
    write_across(&mut ws, 1, &subtitle, &widths, &f.subtitle)?;
    fit(&mut ws, &widths)?;
    fit_texts(&mut ws, header_row, &headers, &widths)?;
    Ok(ws)
}

/// A value against its programme target (written in `target_column`): below in red,
/// reached in green; a legal deadline's on-time share under the alert level in red.
fn mark_against_target(
    ws: &mut Worksheet,
    data: &ReportData,
    ind: &Indicator,
    (r, target_column): (u32, u16),
    (number, f): (&Format, &Formats),
) -> Result<()> {
    let id = &ind.id;
    if let Some(target) = data.target(id, &data.current.period) {
        ws.write_number_with_format(r, target_column, target.value, number)
            .map_err(xlsx)?;
        // Against the programme's target: below in red, reached in green.
        let below = ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::LessThan(target.value))
            .set_format(&f.bad);
        let reached = ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::GreaterThanOrEqualTo(target.value))
            .set_format(&f.good);
        ws.add_conditional_format(r, 2, r, 2, &below).map_err(xlsx)?;
        ws.add_conditional_format(r, 2, r, 2, &reached).map_err(xlsx)?;
    } else if ind.deadline.is_some() {
        // Legal deadlines: an on-time share under the registry's alert level is flagged.
        let late = ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::LessThan(data.targets.on_time_alert))
            .set_format(&f.bad);
        ws.add_conditional_format(r, 2, r, 2, &late).map_err(xlsx)?;
    }
    Ok(())
}

pub(super) fn area_sheet(
    data: &ReportData,
    lang: Lang,
    name: &str,
    title: &str,
    ids: &[String],
    f: &Formats,
) -> Result<Worksheet> {
    let g = &data.geography;
    let mut rows = vec![(whole_named(lang, g), g.province.clone(), String::new())];
    for code in &g.areas {
        let name = g.names.get(code).cloned().unwrap_or_default();
        rows.push((format!("{code} {name}"), code.clone(), String::new()));
    }
    grid(
        data,
        lang,
        new_sheet(name, f)?,
        title,
        text(lang, "area"),
        "",
        &rows,
        ids,
        f,
    )
}

pub(super) fn breakdown_sheet(
    data: &ReportData,
    lang: Lang,
    name: &str,
    title: &str,
    ids: &[String],
    breakdown: &str,
    f: &Formats,
) -> Result<Worksheet> {
    let province = &data.geography.province;
    let mut values: Vec<String> = Vec::new();
    if let Some(first) = ids.first() {
        for r in &data.current.rows {
            if r.indicator_id == *first && r.breakdown == breakdown && !values.contains(&r.breakdown_value) {
                values.push(r.breakdown_value.clone());
            }
        }
    }
    let mut rows = vec![(whole(lang, province).to_string(), province.clone(), String::new())];
    rows.extend(
        values
            .iter()
            .map(|v| (code_name(lang, breakdown, v), province.clone(), v.clone())),
    );
    let header = breakdown_name(lang, breakdown);
    grid(
        data,
        lang,
        new_sheet(name, f)?,
        title,
        &header,
        breakdown,
        &rows,
        ids,
        f,
    )
}

/// A table of rows × indicators: for each indicator this period, the previous period,
/// the change, the same period a year before and the change. Each row is (label, area
/// code, breakdown value); an empty value means the area's total.
#[allow(clippy::too_many_arguments)]
fn grid(
    data: &ReportData,
    lang: Lang,
    mut ws: Worksheet,
    title: &str,
    header: &str,
    breakdown: &str,
    rows: &[(String, String, String)],
    ids: &[String],
    f: &Formats,
) -> Result<Worksheet> {
    ws.write_string_with_format(0, 0, title, &f.title).map_err(xlsx)?;
    let with_year = data.compares_year_before();
    let mut subtitle = format!(
        "{}: {} · {}: {}",
        text(lang, "period"),
        period_text(lang, &data.current.period),
        text(lang, "previous_period"),
        data.previous.period,
    );
    if with_year {
        subtitle.push_str(&format!(
            " · {}: {}",
            text(lang, "year_before"),
            data.year_before.period
        ));
    }
    let header_row = 4;
    let present: Vec<&Indicator> = ids.iter().filter_map(|id| indicator(data, id)).collect();
    let (span, mut widths) = grid_headers(&mut ws, lang, (header, &present), with_year, f)?;
    let mut geography_changed: Option<chrono::NaiveDate> = None;
    for (i, (label, area, value)) in rows.iter().enumerate() {
        let r = header_row + 1 + i as u32;
        ws.write_string(r, 0, label).map_err(xlsx)?;
        widths[0] = widths[0].max(label.chars().count()).min(45);
        let (b, v) = if value.is_empty() {
            ("", "")
        } else {
            (breakdown, value.as_str())
        };
        for (k, ind) in present.iter().enumerate() {
            let first = 1 + span * k as u16;
            let number = Format::new().set_num_format(number_format(ind.unit));
            let delta = Format::new().set_num_format(change_format(lang, ind.unit));
            let now = shown(find(&data.current, &ind.id, area, b, v));
            let before = shown(find(&data.previous, &ind.id, area, b, v));
            let year = shown(find(&data.year_before, &ind.id, area, b, v));
            write_shown(&mut ws, r, first, &now, &number, f)?;
            write_shown(&mut ws, r, first + 1, &before, &number, f)?;
            // An area that did not exist through both periods has no change to show.
            let mut across_areas = |other: &crate::period::Period, change: Shown| -> Shown {
                let is_area = value.is_empty() && *area != data.geography.province;
                match is_area.then(|| data.geography.area_changed(area, other, &data.current.period)) {
                    Some(Some(day)) => {
                        geography_changed.get_or_insert(day);
                        Shown::Symbol("[z]")
                    }
                    _ => change,
                }
            };
            let vs_previous = across_areas(
                &data.previous.period,
                ruled_change(data, ind, &data.previous.period, &now, &before),
            );
            write_shown(&mut ws, r, first + 2, &vs_previous, &delta, f)?;
            if with_year {
                let vs_year = across_areas(
                    &data.year_before.period,
                    ruled_change(data, ind, &data.year_before.period, &now, &year),
                );
                write_shown(&mut ws, r, first + 3, &year, &number, f)?;
                write_shown(&mut ws, r, first + 4, &vs_year, &delta, f)?;
            }
        }
    }
    let ids: Vec<String> = present.iter().map(|i| i.id.clone()).collect();
    let mut notes_row = header_row + 2 + rows.len() as u32;
    if let Some(day) = geography_changed {
        let line = text(lang, "geography_changed_note").replace("{day}", &day.format("%d/%m/%Y").to_string());
        write_across(&mut ws, notes_row, &line, &widths, &f.subtitle)?;
        notes_row += 1;
    }
    rule_change_notes(&mut ws, data, lang, &ids, notes_row, &widths, f)?;
    write_across(&mut ws, 1, &subtitle, &widths, &f.subtitle)?;
    fit(&mut ws, &widths)?;
    Ok(ws)
}

/// A grid's two header rows: each indicator's group over its columns (this period, the
/// previous one and the change, and the year before where compared), frozen and repeated
/// on every printed page. The columns' span per indicator, and their widths.
fn grid_headers(
    ws: &mut Worksheet,
    lang: Lang,
    (header, present): (&str, &[&Indicator]),
    with_year: bool,
    f: &Formats,
) -> Result<(u16, Vec<usize>)> {
    let (group_row, header_row) = (3, 4);
    ws.write_string_with_format(header_row, 0, header, &f.header)
        .map_err(xlsx)?;
    let sub = change_headers(lang, with_year);
    let span = sub.len() as u16;
    let mut widths = vec![header.chars().count()];
    for (k, ind) in present.iter().enumerate() {
        let first = 1 + span * k as u16;
        let group = format!(
            "{} ({})",
            ind.label(lang),
            unit_label(lang, ind.unit, ind.subject)
        );
        ws.merge_range(group_row, first, group_row, first + span - 1, &group, &f.header)
            .map_err(xlsx)?;
        for (j, h) in sub.iter().enumerate() {
            ws.write_string_with_format(header_row, first + j as u16, *h, &f.header)
                .map_err(xlsx)?;
            widths.push(13);
        }
    }
    ws.set_row_height(group_row, 45).map_err(xlsx)?;
    ws.set_row_height(header_row, 45).map_err(xlsx)?;
    ws.set_repeat_rows(group_row, header_row).map_err(xlsx)?;
    ws.set_freeze_panes(header_row + 1, 1).map_err(xlsx)?;
    Ok((span, widths))
}

pub(super) fn year_sheet(
    data: &ReportData,
    lang: Lang,
    name: &str,
    title: &str,
    ids: &[String],
    f: &Formats,
) -> Result<Worksheet> {
    let mut ws = titled_sheet(name, title, f)?;
    ws.write_string_with_format(1, 0, whole_named(lang, &data.geography), &f.subtitle)
        .map_err(xlsx)?;
    let header_row = 3;
    ws.write_string_with_format(header_row, 0, text(lang, "year"), &f.header)
        .map_err(xlsx)?;
    let present: Vec<&Indicator> = ids.iter().filter_map(|id| indicator(data, id)).collect();
    let mut widths = vec![10];
    for (c, ind) in present.iter().enumerate() {
        let h = format!(
            "{} ({})",
            ind.label(lang),
            unit_label(lang, ind.unit, ind.subject)
        );
        ws.write_string_with_format(header_row, c as u16 + 1, &h, &f.header)
            .map_err(xlsx)?;
        widths.push(18);
    }
    ws.set_row_height(header_row, 60).map_err(xlsx)?;
    ws.set_repeat_rows(header_row, header_row).map_err(xlsx)?;
    ws.set_freeze_panes(header_row + 1, 1).map_err(xlsx)?;
    for (i, year) in data.years.iter().enumerate() {
        let r = header_row + 1 + i as u32;
        ws.write_string(r, 0, year.period.to_string()).map_err(xlsx)?;
        for (c, ind) in present.iter().enumerate() {
            let number = Format::new().set_num_format(number_format(ind.unit));
            let value = shown(find(year, &ind.id, &data.geography.province, "", ""));
            write_shown(&mut ws, r, c as u16 + 1, &value, &number, f)?;
            if let Some(target) = data.target(&ind.id, &year.period) {
                let below = ConditionalFormatCell::new()
                    .set_rule(ConditionalFormatCellRule::LessThan(target.value))
                    .set_format(&f.bad);
                ws.add_conditional_format(r, c as u16 + 1, r, c as u16 + 1, &below)
                    .map_err(xlsx)?;
            }
        }
    }
    fit(&mut ws, &widths)?;
    Ok(ws)
}

pub(super) fn charts_sheet(data: &ReportData, lang: Lang, name: &str, f: &Formats) -> Result<Worksheet> {
    let mut ws = titled_sheet(name, name, f)?;
    ws.write_string_with_format(1, 0, with_threshold(lang, "symbol_c"), &f.subtitle)
        .map_err(xlsx)?;
    let mut row = 3u32;
    // A chart's title on one line, over the empty cells beside it: wrapped in the
    // categories' column it would run into the rows below.
    let title = Format::new().set_bold().set_border_bottom(FormatBorder::Thin);
    let mut breaks = Vec::new();
    for chart in chart_data(data, lang) {
        ws.write_string_with_format(row, 0, &chart.title, &title)
            .map_err(xlsx)?;
        let number = Format::new().set_num_format(number_format(chart.unit));
        let first = row + 1;
        for (i, (category, value)) in chart.categories.iter().zip(&chart.values).enumerate() {
            ws.write_string(first + i as u32, 0, category).map_err(xlsx)?;
            write_shown(&mut ws, first + i as u32, 1, value, &number, f)?;
        }
        let categories = chart.categories.len().max(1) as u32;
        let last = first + categories - 1;
        // Many categories (areas) as horizontal bars, a line each, so their names are
        // read level instead of rotated over each other.
        let many = !chart.line && categories > 8;
        let mut native = XlsxChart::new(match (chart.line, many) {
            (true, _) => ChartType::Line,
            (false, true) => ChartType::Bar,
            (false, false) => ChartType::Column,
        });
        // The look of the chart files and the dashboard: their colour, one series
        // without a legend, a title of one size.
        let colour = palette(0);
        native
            .title()
            .set_name(&chart.title)
            .set_font(ChartFont::new().set_size(12).set_bold());
        native.legend().set_hidden();
        let series = native
            .add_series()
            .set_name(unit_label(lang, chart.unit, chart.subject))
            .set_categories((name, first, 0, last, 0))
            .set_values((name, first, 1, last, 1));
        if chart.line {
            series.set_format(ChartLine::new().set_color(colour).set_width(2.25));
        } else {
            series.set_format(ChartSolidFill::new().set_color(colour));
        }
        let height = if many { 380.max(20 * categories + 90) } else { 380 };
        native.set_width(720).set_height(height);
        if many {
            // The first category at the top, as in the table beside it.
            native.y_axis().set_reverse();
        }
        ws.insert_chart(row, 3, &native).map_err(xlsx)?;
        // Rows are 20 px high: the block ends below both the table and the chart.
        row = (last + 2).max(row + height / 20 + 2);
        // Each chart starts a printed page: none is cut in two.
        breaks.push(row);
    }
    breaks.pop();
    ws.set_page_breaks(&breaks).map_err(xlsx)?;
    fit(&mut ws, &[34, 14])?;
    Ok(ws)
}

/// The columns of a value against earlier periods: this period, the previous one and the
/// change, then the year before and its change where the report compares with it.
fn change_headers(lang: Lang, with_year: bool) -> Vec<&'static str> {
    let mut headers = vec![
        text(lang, "this_period"),
        text(lang, "previous_period"),
        text(lang, "change_previous"),
    ];
    if with_year {
        headers.extend([text(lang, "year_before"), text(lang, "change_year")]);
    }
    headers
}
