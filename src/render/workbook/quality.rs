//! The data-quality sheet, and the office's sheet of the agencies' parts and links.

use super::*;

/// The columns of the parts sheet's tables.
const PARTS_WIDTHS: [usize; 5] = [34, 26, 18, 18, 22];

/// A titled table of text and numbers at `row` and below (a cell that reads as a number,
/// past the first column, is written as one); `row` ends at its last line.
fn parts_table(
    ws: &mut Worksheet,
    row: &mut u32,
    title: &str,
    headers: &[&str],
    rows: Vec<Vec<String>>,
    lang: Lang,
    f: &Formats,
) -> Result<()> {
    *row += 2;
    ws.write_string_with_format(*row, 0, title, &f.title)
        .map_err(xlsx)?;
    *row += 1;
    write_headers(ws, *row, headers, f)?;
    if rows.is_empty() {
        *row += 1;
        ws.write_string(*row, 0, text(lang, "none")).map_err(xlsx)?;
    }
    for cells in rows {
        *row += 1;
        for (c, cell) in cells.iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(n) if c > 0 && !cell.is_empty() => ws.write_number(*row, c as u16, n),
                _ => ws.write_string(*row, c as u16, cell),
            }
            .map_err(xlsx)?;
        }
    }
    Ok(())
}

fn agency_name(lang: Lang, code: &str) -> String {
    crate::render::labels::code_name(lang, "source_agency", code)
}

/// The data-quality figures of the parts and links behind the period's cases
/// (indicators.md v3; internal audience), below `row` of the data-quality sheet: by
/// sending agency, the columns in disagreement by agency pair, the rules the assembled
/// cases break, the links.
pub(super) fn parts_figures(
    ws: &mut Worksheet,
    row: &mut u32,
    q: &crate::results::PartsQuality,
    lang: Lang,
    f: &Formats,
) -> Result<()> {
    *row += 1;
    ws.write_string_with_format(*row, 0, text(lang, "parts_note"), &f.subtitle)
        .map_err(xlsx)?;
    let days = |d: Option<f64>| d.map(|d| format!("{d:.1}")).unwrap_or_default();
    let by_agency = q
        .agencies
        .iter()
        .map(|a| {
            vec![
                agency_name(lang, &a.agency),
                a.parts.to_string(),
                a.alone.to_string(),
                days(a.days_to_load),
                a.received_in_period.to_string(),
            ]
        })
        .collect();
    let headers = [
        text(lang, "source_agency"),
        text(lang, "parts_loaded"),
        text(lang, "parts_alone"),
        text(lang, "days_to_load"),
        text(lang, "parts_received_in_period"),
    ];
    parts_table(
        ws,
        row,
        text(lang, "parts_by_agency"),
        &headers,
        by_agency,
        lang,
        f,
    )?;
    let disagreements = q
        .disagreements
        .iter()
        .map(|d| {
            vec![
                d.column.clone(),
                agency_name(lang, &d.agency_a),
                agency_name(lang, &d.agency_b),
                d.cases.to_string(),
            ]
        })
        .collect();
    let headers = [
        text(lang, "column"),
        text(lang, "agency_a"),
        text(lang, "agency_b"),
        text(lang, "cases_count"),
    ];
    parts_table(
        ws,
        row,
        text(lang, "disagreements"),
        &headers,
        disagreements,
        lang,
        f,
    )?;
    let breaks = q
        .rule_breaks
        .iter()
        .map(|(rule, n)| vec![rule.clone(), n.to_string()])
        .collect();
    let headers = [text(lang, "rule"), text(lang, "cases_count")];
    parts_table(ws, row, text(lang, "rule_breaks"), &headers, breaks, lang, f)?;
    let mut links: Vec<Vec<String>> = q
        .links
        .iter()
        .map(|(basis, n)| {
            vec![
                crate::render::labels::code_name(lang, "basis", basis),
                n.to_string(),
            ]
        })
        .collect();
    for (key, n) in [
        ("links_waiting", q.links_waiting),
        ("possible_duplicates", q.possible_duplicates),
        ("incomplete_cases", q.incomplete_cases),
    ] {
        links.push(vec![text(lang, key).to_string(), n.to_string()]);
    }
    let headers = [text(lang, "basis"), text(lang, "count_links")];
    parts_table(ws, row, text(lang, "links"), &headers, links, lang, f)
}

/// The office's listing of the parts behind the period's cases (internal audience): the
/// cases whose parts disagree, by case id, column and the two agencies, and the possible
/// duplicates, by the two ids and how they matched; never a value.
pub(super) fn parts_sheet(
    q: &crate::results::PartsQuality,
    lang: Lang,
    name: &str,
    f: &Formats,
) -> Result<Worksheet> {
    let mut ws = titled_sheet(name, text(lang, "parts"), f)?;
    let mut row = 1u32;
    ws.write_string_with_format(row, 0, text(lang, "parts_note"), &f.subtitle)
        .map_err(xlsx)?;
    let disagreements = q
        .disagreement_list
        .iter()
        .map(|d| {
            vec![
                d.case_id.clone(),
                d.column.clone(),
                agency_name(lang, &d.agency_a),
                agency_name(lang, &d.agency_b),
            ]
        })
        .collect();
    let headers = [
        text(lang, "case_id"),
        text(lang, "column"),
        text(lang, "agency_a"),
        text(lang, "agency_b"),
    ];
    parts_table(
        &mut ws,
        &mut row,
        text(lang, "disagreement_list"),
        &headers,
        disagreements,
        lang,
        f,
    )?;
    let duplicates = q
        .duplicate_list
        .iter()
        .map(|d| {
            vec![
                d.case_id.clone(),
                d.other_case_id.clone(),
                text(lang, "matched_attributes").to_string(),
                text(lang, &format!("age_{}", d.age)).to_string(),
                text(lang, &format!("received_{}", d.received)).to_string(),
            ]
        })
        .collect();
    let headers = [
        text(lang, "case_id"),
        text(lang, "other_case_id"),
        text(lang, "matched"),
        text(lang, "age_match"),
        text(lang, "received_match"),
    ];
    parts_table(
        &mut ws,
        &mut row,
        text(lang, "duplicate_list"),
        &headers,
        duplicates,
        lang,
        f,
    )?;
    fit(&mut ws, &PARTS_WIDTHS)?;
    Ok(ws)
}

/// The data-quality sheet's columns: kind, column, filled, rows, share.
const QUALITY_WIDTHS: [usize; 5] = [48, 24, 14, 12, 14];

pub(super) fn quality_sheet(data: &ReportData, lang: Lang, name: &str, f: &Formats) -> Result<Worksheet> {
    let mut ws = titled_sheet(name, text(lang, "quality"), f)?;
    let q = &data.quality;
    let facts = [
        ("quarantined", q.quarantined),
        ("invalid_orders", q.invalid_orders),
        ("late_records", q.late_records),
        ("superseded_agency_rows", q.superseded_agency_rows),
    ];
    for (i, (name, value)) in facts.iter().enumerate() {
        let key = text(lang, name);
        ws.write_string_with_format(2 + i as u32, 0, key, &f.header)
            .map_err(xlsx)?;
        fit_texts(&mut ws, 2 + i as u32, &[key], &QUALITY_WIDTHS)?;
        match crate::disclosure::quality_shown(q, name, *value, data.public) {
            Some(n) => ws.write_number(2 + i as u32, 1, n as f64).map_err(xlsx)?,
            None => ws.write_string(2 + i as u32, 1, "[c]").map_err(xlsx)?,
        };
    }
    let note_row = 2 + facts.len() as u32;
    ws.write_string_with_format(note_row, 0, text(lang, "late_records_note"), &f.subtitle)
        .map_err(xlsx)?;
    let header_row = note_row + 2;
    ws.write_string_with_format(header_row - 1, 0, text(lang, "completeness"), &f.title)
        .map_err(xlsx)?;
    let headers = [
        text(lang, "kind"),
        text(lang, "column"),
        text(lang, "filled"),
        text(lang, "rows"),
        text(lang, "share_filled"),
    ];
    write_headers(&mut ws, header_row, &headers, f)?;
    let percent = Format::new().set_num_format("0.0%");
    for (i, c) in q.completeness.iter().enumerate() {
        let r = header_row + 1 + i as u32;
        ws.write_string(r, 0, c.kind).map_err(xlsx)?;
        ws.write_string(r, 1, c.column).map_err(xlsx)?;
        let (filled, rows, share) = crate::disclosure::completeness_shown(q, c, data.public);
        for (column, count) in [(2, filled), (3, rows)] {
            match count {
                Some(n) => ws.write_number(r, column, n as f64).map_err(xlsx)?,
                None => ws
                    .write_string_with_format(r, column, "[c]", &f.symbol)
                    .map_err(xlsx)?,
            };
        }
        match (share, rows) {
            (Some(share), _) => ws.write_number_with_format(r, 4, share, &percent).map_err(xlsx)?,
            (None, Some(0)) => ws
                .write_string_with_format(r, 4, "[x]", &f.symbol)
                .map_err(xlsx)?,
            (None, _) => ws
                .write_string_with_format(r, 4, "[c]", &f.symbol)
                .map_err(xlsx)?,
        };
    }
    fit(&mut ws, &QUALITY_WIDTHS)?;
    fit_texts(&mut ws, header_row, &headers, &QUALITY_WIDTHS)?;
    if !data.public {
        let mut row = header_row + 1 + q.completeness.len() as u32;
        parts_figures(&mut ws, &mut row, &q.parts, lang, f)?;
    }
    Ok(ws)
}
