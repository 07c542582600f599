//! The report workbook, laid out like official statistics (UK gptables / a11ytables): a
//! cover with provenance, contents with links, notes with definitions, legal bases and
//! symbols, one table per sheet (title in A1, units, frozen header, numbers as numbers),
//! native charts, and a data-quality sheet. Pure: report data in, bytes out.

use chrono::NaiveDateTime;
use rust_xlsxwriter::{
    Chart as XlsxChart, ChartFont, ChartFormat, ChartLine, ChartMarker, ChartMarkerType, ChartSolidFill,
    ChartType, ConditionalFormatCell, ConditionalFormatCellRule, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Url, Workbook, Worksheet, XlsxError,
};

use crate::catalog::{Indicator, Lang, Subject, Unit};
use crate::error::{Error, Result};
use crate::model::ENGINE_VERSION;
use crate::period::Calendar;
use crate::render::labels::{
    breakdown_name, code_name, of_whole, text, whole, whole_coverage, whole_title, with_threshold,
};
use crate::render::view::{
    cause_label, chart_data, find, in_change_units, indicator, period_text, revised_shown, ruled_change,
    shown, target_set_text, unit_label, whole_named, Shown,
};
use crate::report::ReportData;
use crate::results::Status;
use crate::template::SheetKind;

/// A colour of the charts' palette ([`chart::PALETTE`]), as the workbook writes it.
fn palette(i: usize) -> u32 {
    let (r, g, b) = crate::render::chart::PALETTE[i];
    (u32::from(r) << 16) | (u32::from(g) << 8) | u32::from(b)
}

fn xlsx(e: XlsxError) -> Error {
    Error::Write {
        what: "the workbook",
        message: e.to_string(),
    }
}

fn number_format(unit: Unit) -> &'static str {
    match unit {
        Unit::Count => "#,##0",
        Unit::Share => "0.0%",
        Unit::Per100k => "#,##0.00",
        Unit::Hours | Unit::Days => "#,##0.0",
    }
}

/// A change of a share is a number of percentage points (written as points, see
/// [`change`]), never a percentage; a change of a count is a count.
fn change_format(lang: Lang, unit: Unit) -> String {
    match unit {
        Unit::Count => "+#,##0;-#,##0;0".into(),
        Unit::Share => {
            let points = text(lang, "points");
            format!("+0.0\" {points}\";-0.0\" {points}\";0.0\" {points}\"")
        }
        Unit::Per100k => "+#,##0.00;-#,##0.00;0.00".into(),
        Unit::Hours | Unit::Days => "+#,##0.0;-#,##0.0;0.0".into(),
    }
}

/// Excel's sheet-name rules: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str, used: &mut Vec<String>) -> String {
    let clean: String = title.chars().filter(|c| !"[]:*?/\\'".contains(*c)).collect();
    let mut name: String = clean.chars().take(31).collect();
    let mut n = 2;
    while used.iter().any(|u| u.to_lowercase() == name.to_lowercase()) {
        let suffix = format!(" {n}");
        name = clean.chars().take(31 - suffix.len()).collect::<String>() + &suffix;
        n += 1;
    }
    used.push(name.clone());
    name
}

struct Formats {
    /// The printed page's footer: period and audience, page n of N.
    footer: String,
    title: Format,
    subtitle: Format,
    header: Format,
    wrap: Format,
    symbol: Format,
    good: Format,
    bad: Format,
}

impl Formats {
    fn new(footer: String) -> Formats {
        Formats {
            footer,
            title: Format::new().set_bold().set_font_size(15),
            subtitle: Format::new().set_italic().set_font_color(0x404040),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_border_bottom(FormatBorder::Thin),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            symbol: Format::new().set_align(FormatAlign::Right),
            good: Format::new()
                .set_background_color(0xC6EFCE)
                .set_font_color(0x006100),
            bad: Format::new()
                .set_background_color(0xFFC7CE)
                .set_font_color(0x9C0006),
        }
    }
}

fn write_shown(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    value: &Shown,
    format: &Format,
    f: &Formats,
) -> Result<()> {
    match value {
        Shown::Number(v) => ws.write_number_with_format(row, col, *v, format).map_err(xlsx)?,
        Shown::Symbol(s) => ws
            .write_string_with_format(row, col, *s, &f.symbol)
            .map_err(xlsx)?,
    };
    Ok(())
}

/// The width a column of `chars` characters gets (within bounds).
fn column_width(chars: usize) -> f64 {
    (chars as f64 + 2.0).clamp(8.0, 60.0)
}

/// Column widths that fit the longest text (within bounds).
///
/// A sheet too wide for one page at a legible size is printed at that size in column
/// groups, over then down, each page repeating the row labels (column A) and the rows
/// above the table (see [`new_sheet`]): a strip of 4-point text helps no reader.
fn fit(ws: &mut Worksheet, widths: &[usize]) -> Result<()> {
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, column_width(*w)).map_err(xlsx)?;
    }
    if printed_points(widths) * LEAST_PRINT_SCALE > PRINTABLE_WIDTH_PT {
        ws.set_print_scale((LEAST_PRINT_SCALE * 100.0).round() as u16);
        ws.set_page_order(false);
        ws.set_repeat_columns(0, 0).map_err(xlsx)?;
    }
    Ok(())
}

/// Between the margins of an A4 landscape page (842 pt wide, 0.5 in margins).
const PRINTABLE_WIDTH_PT: f64 = 842.0 - 2.0 * 36.0;
/// The smallest scale a sheet prints at: the body's 11 pt text prints at 7.9 pt, a
/// native chart's 10 pt at 7.2 pt, above the 7 pt a printed page needs (issue 33).
const LEAST_PRINT_SCALE: f64 = 0.72;

/// [`fit_row`] for a row of texts in columns of these `widths` (characters, as `fit`).
fn fit_texts(ws: &mut Worksheet, row: u32, texts: &[&str], widths: &[usize]) -> Result<()> {
    let cells: Vec<(&str, f64)> = texts
        .iter()
        .zip(widths)
        .map(|(t, w)| (*t, column_width(*w)))
        .collect();
    fit_row(ws, row, &cells)
}

/// The moment written into the file's properties: pinned so equal inputs give equal bytes.
pub fn build(data: &ReportData, lang: Lang, generated_at: NaiveDateTime) -> Result<Vec<u8>> {
    let f = Formats::new(footer(data, lang));
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_timestamp(generated_at.and_utc().timestamp()).map_err(xlsx)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(data.template.title(lang))
            .set_author("baove")
            .set_creation_datetime(&created),
    );
    let mut used_names = Vec::new();
    let cover_name = sheet_name(text(lang, "cover"), &mut used_names);
    let contents_name = sheet_name(text(lang, "contents"), &mut used_names);
    let notes_name = sheet_name(text(lang, "notes"), &mut used_names);
    let table_names: Vec<String> = data
        .template
        .sheets
        .iter()
        .map(|s| sheet_name(s.title(lang), &mut used_names))
        .collect();
    let charts_name = sheet_name(
        if lang == Lang::Vi {
            "Biểu đồ"
        } else {
            "Charts"
        },
        &mut used_names,
    );
    let quality_name = sheet_name(text(lang, "quality"), &mut used_names);
    let revisions_name = data
        .revisions
        .as_ref()
        .map(|_| sheet_name(text(lang, "revisions"), &mut used_names));
    // Which agency sent what, and the cases' ids: the office's own sheet.
    let parts_name = (!data.public).then(|| sheet_name(text(lang, "parts"), &mut used_names));

    workbook.push_worksheet(cover(data, lang, generated_at, &cover_name, &f)?);
    let mut contents_rows: Vec<(String, String)> = vec![
        (cover_name.clone(), text(lang, "holds_cover").to_string()),
        (notes_name.clone(), text(lang, "holds_notes").to_string()),
    ];
    for (spec, name) in data.template.sheets.iter().zip(&table_names) {
        contents_rows.push((name.clone(), sheet_holds(lang, spec, &data.geography.province)));
    }
    contents_rows.push((charts_name.clone(), text(lang, "holds_charts").to_string()));
    contents_rows.push((quality_name.clone(), text(lang, "holds_quality").to_string()));
    if let Some(name) = &revisions_name {
        contents_rows.push((name.clone(), text(lang, "holds_revisions").to_string()));
    }
    if let Some(name) = &parts_name {
        contents_rows.push((name.clone(), text(lang, "holds_parts").to_string()));
    }
    workbook.push_worksheet(contents(lang, &contents_name, &contents_rows, &f)?);
    workbook.push_worksheet(notes(data, lang, &notes_name, &f)?);
    for (index, (spec, name)) in data.template.sheets.iter().zip(&table_names).enumerate() {
        workbook.push_worksheet(table_sheet(data, lang, name, (spec, index), &f)?);
    }
    workbook.push_worksheet(charts_sheet(data, lang, &charts_name, &f)?);
    workbook.push_worksheet(quality_sheet(data, lang, &quality_name, &f)?);
    if let (Some(revised), Some(name)) = (&data.revisions, &revisions_name) {
        workbook.push_worksheet(revision_sheet(
            revised,
            &data.indicators,
            &data.geography.names,
            lang,
            name,
            &f,
        )?);
    }
    if let Some(name) = &parts_name {
        workbook.push_worksheet(parts_sheet(&data.quality.parts, lang, name, &f)?);
    }
    workbook.save_to_buffer().map_err(xlsx)
}

/// The template's sheet `spec` (the `index`th), named `name`.
fn table_sheet(
    data: &ReportData,
    lang: Lang,
    name: &str,
    (spec, index): (&crate::template::SheetSpec, usize),
    f: &Formats,
) -> Result<Worksheet> {
    Ok(match spec.kind {
        SheetKind::Summary => summary_sheet(data, lang, name, spec.title(lang), &spec.indicators, f)?,
        SheetKind::ByArea => area_sheet(data, lang, name, spec.title(lang), &spec.indicators, f)?,
        SheetKind::ByBreakdown => breakdown_sheet(
            data,
            lang,
            name,
            spec.title(lang),
            &spec.indicators,
            spec.breakdown.as_deref().unwrap_or_default(),
            f,
        )?,
        SheetKind::ByYear => year_sheet(data, lang, name, spec.title(lang), &spec.indicators, f)?,
        SheetKind::Comparison => comparison_sheet(
            data,
            lang,
            name,
            spec,
            data.comparisons.get(index).and_then(Option::as_ref),
            f,
        )?,
    })
}

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
fn parts_figures(
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
fn parts_sheet(q: &crate::results::PartsQuality, lang: Lang, name: &str, f: &Formats) -> Result<Worksheet> {
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

/// The footer of every printed page: the period and audience on the left, the sheet in
/// the middle, the page number and count on the right (`&` doubled: the footer's own codes start with one).
fn footer(data: &ReportData, lang: Lang) -> String {
    let audience = text(lang, if data.public { "public" } else { "internal" });
    let left = format!("{} · {}", data.current.period, audience).replace('&', "&&");
    let page = if lang == Lang::Vi {
        "Trang &P/&N"
    } else {
        "Page &P of &N"
    };
    format!("&L{left}&C&A&R{page}")
}

/// A row of column headers, repeated at the top of every printed page, as tall as its
/// longest wrapped header needs (`widths`: the columns' widths in characters).
fn write_headers(ws: &mut Worksheet, row: u32, headers: &[&str], f: &Formats) -> Result<()> {
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &f.header)
            .map_err(xlsx)?;
    }
    ws.set_repeat_rows(row, row).map_err(xlsx)?;
    Ok(())
}

/// Lines a text takes wrapped in a column `width` characters wide (words are not split;
/// a little room is left for proportional glyphs).
fn wrapped_lines(text: &str, width: f64) -> usize {
    let room = (width * 0.95).max(4.0) as usize;
    text.split('\n')
        .map(|paragraph| {
            let mut lines = 1;
            let mut used = 0;
            for word in paragraph.split_whitespace() {
                let n = word.chars().count();
                if used > 0 && used + 1 + n > room {
                    lines += 1;
                    used = n;
                } else {
                    used += if used == 0 { n } else { n + 1 };
                }
            }
            lines + used.saturating_sub(1) / room
        })
        .sum()
}

/// Sets a row's height so its wrapped cells show whole (15 points a line): LibreOffice
/// and Excel keep the height a file gives and do not grow a row for wrapped text.
fn fit_row(ws: &mut Worksheet, row: u32, cells: &[(&str, f64)]) -> Result<()> {
    let lines = cells
        .iter()
        .map(|(text, width)| wrapped_lines(text, *width))
        .max()
        .unwrap_or(1);
    if lines > 1 {
        ws.set_row_height(row, 15.0 * lines as f64 + 2.0).map_err(xlsx)?;
    }
    Ok(())
}

/// A line of text over the columns of the sheet's first printed page (merged, wrapped, its
/// row as tall as it needs; `widths` those of the whole sheet): a line running past them
/// would widen the page and shrink its letters, or in a sheet printed in column groups
/// be drawn again, overlapping, beside the repeated row labels.
fn write_across(ws: &mut Worksheet, row: u32, line: &str, widths: &[usize], format: &Format) -> Result<()> {
    let page = first_page_columns(widths);
    let last = page.len().saturating_sub(1) as u16;
    if last == 0 {
        ws.write_string_with_format(row, 0, line, &format.clone().set_text_wrap())
            .map_err(xlsx)?;
    } else {
        ws.merge_range(
            row,
            0,
            row,
            last,
            line,
            &format.clone().set_text_wrap().set_align(FormatAlign::Top),
        )
        .map_err(xlsx)?;
    }
    // A tenth to spare: the office suite's letters run wider than the estimate, and a
    // line wrapped once more than its row holds would overprint the next one.
    let width: f64 = page.iter().map(|w| column_width(*w)).sum::<f64>() * 0.9;
    fit_row(ws, row, &[(line, width)])
}

/// The printed width of columns of these widths (characters), in points: Excel prints a
/// column 7 px per character plus 5 px of padding, at 0.75 pt per pixel.
fn printed_points(widths: &[usize]) -> f64 {
    widths.iter().map(|w| (column_width(*w) * 7.0 + 5.0) * 0.75).sum()
}

/// The columns on a sheet's first printed page: all of them when the sheet fits one page
/// width legibly, else those that fit at the least scale (with a tenth to spare: the
/// office suite's own rounding of widths).
fn first_page_columns(widths: &[usize]) -> &[usize] {
    if printed_points(widths) * LEAST_PRINT_SCALE <= PRINTABLE_WIDTH_PT {
        return widths;
    }
    let mut n = 1;
    while n < widths.len() && printed_points(&widths[..=n]) * LEAST_PRINT_SCALE <= 0.9 * PRINTABLE_WIDTH_PT {
        n += 1;
    }
    &widths[..n]
}

/// A sheet whose title stands in A1, as the layout of official statistics has it.
fn titled_sheet(name: &str, title: &str, f: &Formats) -> Result<Worksheet> {
    let mut ws = new_sheet(name, f)?;
    ws.write_string_with_format(0, 0, title, &f.title).map_err(xlsx)?;
    Ok(ws)
}

fn new_sheet(name: &str, f: &Formats) -> Result<Worksheet> {
    let mut ws = Worksheet::new();
    ws.set_name(name).map_err(xlsx)?;
    // Printed on A4 landscape, one page wide when that keeps the text legible (else in
    // column groups, see `fit`), as many pages down as it needs, with its header rows
    // and a footer on each.
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer(&f.footer);
    Ok(ws)
}

fn cover(
    data: &ReportData,
    lang: Lang,
    generated_at: NaiveDateTime,
    name: &str,
    f: &Formats,
) -> Result<Worksheet> {
    let mut ws = titled_sheet(name, data.template.title(lang), f)?;
    let p = &data.current.period;
    let calendar = match p.calendar {
        Calendar::Statutory => text(lang, "statutory"),
        Calendar::Calendar => text(lang, "calendar_kind"),
    };
    let audience = if data.public {
        text(lang, "public")
    } else {
        text(lang, "internal")
    };
    let facts = [
        (text(lang, "whole_reported"), whole_title(lang, &data.geography)),
        (text(lang, "whole_data"), whole_coverage(lang, &data.geography)),
        (text(lang, "period"), period_text(lang, p)),
        (text(lang, "calendar"), calendar.to_string()),
        (
            text(lang, "as_of"),
            data.current.as_of.format("%d/%m/%Y %H:%M:%S").to_string(),
        ),
        (text(lang, "audience"), audience.to_string()),
        (text(lang, "target_set"), target_set_text(data, lang)),
        (text(lang, "engine"), format!("baove {ENGINE_VERSION}")),
        (
            text(lang, "generated"),
            generated_at.format("%d/%m/%Y %H:%M:%S").to_string(),
        ),
    ];
    let mut row = 2;
    for (key, value) in &facts {
        ws.write_string_with_format(row, 0, *key, &f.header)
            .map_err(xlsx)?;
        ws.write_string(row, 1, value).map_err(xlsx)?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, text(lang, "sources"), &f.title)
        .map_err(xlsx)?;
    row += 1;
    let headers = [
        text(lang, "file"),
        text(lang, "kind"),
        text(lang, "rows"),
        "SHA-256",
        text(lang, "loaded_at"),
    ];
    write_headers(&mut ws, row, &headers, f)?;
    for source in &data.sources {
        row += 1;
        ws.write_string(row, 0, &source.file_name).map_err(xlsx)?;
        ws.write_string(row, 1, &source.kind).map_err(xlsx)?;
        // A file's rows are records (cases, content items) too.
        match crate::disclosure::shown_count(source.rows_loaded.max(0) as u64, data.public) {
            Some(n) => ws.write_number(row, 2, n as f64).map_err(xlsx)?,
            None => ws.write_string(row, 2, "[c]").map_err(xlsx)?,
        };
        ws.write_string(row, 3, &source.sha256).map_err(xlsx)?;
        ws.write_string(row, 4, &source.loaded_at).map_err(xlsx)?;
    }
    row += 2;
    ws.write_string_with_format(row, 0, text(lang, "synthetic_warning"), &f.subtitle)
        .map_err(xlsx)?;
    fit(&mut ws, &[28, 40, 10, 66, 20])?;
    Ok(ws)
}

/// What a table sheet holds, in one line (the contents sheet's description).
fn sheet_holds(lang: Lang, spec: &crate::template::SheetSpec, whole: &str) -> String {
    let n = spec.indicators.len();
    match spec.kind {
        SheetKind::Summary => of_whole(lang, "holds_summary", whole).replace("{n}", &n.to_string()),
        SheetKind::ByArea => text(lang, "holds_by_area").replace("{n}", &n.to_string()),
        SheetKind::ByBreakdown => text(lang, "holds_by_breakdown")
            .replace("{n}", &n.to_string())
            .replace(
                "{breakdown}",
                &breakdown_name(lang, spec.breakdown.as_deref().unwrap_or_default()).to_lowercase(),
            ),
        SheetKind::ByYear => text(lang, "holds_by_year").replace("{n}", &n.to_string()),
        SheetKind::Comparison => of_whole(lang, "holds_comparison", whole).to_string(),
    }
}

fn contents(lang: Lang, name: &str, rows: &[(String, String)], f: &Formats) -> Result<Worksheet> {
    let mut ws = titled_sheet(name, text(lang, "contents"), f)?;
    ws.write_string_with_format(2, 0, text(lang, "sheet"), &f.header)
        .map_err(xlsx)?;
    ws.write_string_with_format(2, 1, text(lang, "description"), &f.header)
        .map_err(xlsx)?;
    for (i, (sheet, description)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        let link = Url::new(format!("internal:'{sheet}'!A1"));
        ws.write_url_with_text(r, 0, link, sheet.as_str()).map_err(xlsx)?;
        ws.write_string_with_format(r, 1, description, &f.wrap)
            .map_err(xlsx)?;
        fit_texts(&mut ws, r, &[sheet, description], &[34, 60])?;
    }
    fit(&mut ws, &[34, 60])?;
    Ok(ws)
}

/// The notes sheet's columns: id, indicator, unit, numerator, denominator, cohort, basis.
/// Narrow enough to print on one page width at a legible size (its symbol lines run over
/// the columns beside them, which a page split by columns would cut).
const NOTES_WIDTHS: [usize; 7] = [24, 30, 14, 30, 30, 28, 28];

fn notes(data: &ReportData, lang: Lang, name: &str, f: &Formats) -> Result<Worksheet> {
    let mut ws = titled_sheet(name, text(lang, "notes"), f)?;
    let mut row = 2;
    // Each wrapped across the table's width: a line running past its last column would
    // widen the printed page and shrink every letter on it.
    for key in ["symbol_c", "symbol_x", "symbol_z", "suppression_rule"] {
        write_across(
            &mut ws,
            row,
            &with_threshold(lang, key),
            &NOTES_WIDTHS,
            &Format::new(),
        )?;
        row += 1;
    }
    // The funnel limits' model, where the report compares areas.
    if let Some(compared) = data.comparisons.iter().flatten().next() {
        let c = &compared.comparison;
        write_across(
            &mut ws,
            row,
            &format!(
                "{}: {}. {}: {} ({}).",
                text(lang, "overdispersion_model"),
                text(lang, &format!("overdispersion_{}", c.dispersion.model.name())),
                text(lang, "rank_simulation"),
                c.rank_draws,
                c.rank_seed
            ),
            &NOTES_WIDTHS,
            &Format::new(),
        )?;
        row += 1;
    }
    row += 1;
    let headers = [
        "id",
        text(lang, "indicator"),
        text(lang, "unit"),
        text(lang, "numerator"),
        text(lang, "denominator"),
        text(lang, "cohort"),
        text(lang, "legal_basis"),
    ];
    write_headers(&mut ws, row, &headers, f)?;
    let header_row = row;
    ws.set_freeze_panes(row + 1, 0).map_err(xlsx)?;
    for indicator in &data.indicators {
        row += 1;
        let [numerator, denominator, cohort, legal_basis] = indicator.definition(lang);
        // A limit the law gives in words is printed with the office's reading of it.
        let basis = match crate::catalog::deadline_reading(indicator, lang) {
            Some(reading) => format!("{legal_basis}; {reading}"),
            None => legal_basis.to_string(),
        };
        let cells = [
            indicator.id.as_str(),
            indicator.label(lang),
            unit_label(lang, indicator.unit, indicator.subject),
            numerator,
            denominator,
            cohort,
            basis.as_str(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *v, &f.wrap)
                .map_err(xlsx)?;
        }
        fit_texts(&mut ws, row, &cells, &NOTES_WIDTHS)?;
    }
    fit(&mut ws, &NOTES_WIDTHS)?;
    fit_texts(&mut ws, header_row, &headers, &NOTES_WIDTHS)?;
    Ok(ws)
}

/// Under a table of changes, one line per indicator whose rule changed between the
/// period and one it is compared with, saying why its change is `[z]`.
fn rule_change_notes(
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

fn summary_sheet(
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
    let mut headers = vec![
        text(lang, "indicator"),
        text(lang, "unit"),
        text(lang, "this_period"),
        text(lang, "previous_period"),
        text(lang, "change_previous"),
    ];
    if with_year {
        headers.extend([text(lang, "year_before"), text(lang, "change_year")]);
    }
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

fn area_sheet(
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

fn breakdown_sheet(
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
    let mut sub = vec![
        text(lang, "this_period"),
        text(lang, "previous_period"),
        text(lang, "change_previous"),
    ];
    if with_year {
        sub.extend([text(lang, "year_before"), text(lang, "change_year")]);
    }
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

fn year_sheet(
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

fn charts_sheet(data: &ReportData, lang: Lang, name: &str, f: &Formats) -> Result<Worksheet> {
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

/// Each area against the province on one indicator: counts, value and interval,
/// difference, funnel limits, flag and rank, and a native scatter chart of the funnel
/// (its curve written beside the table, as a chart needs cells to draw from).
fn comparison_sheet(
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
    let per = 100_000.0;
    let number = Format::new().set_num_format(number_format(c.unit));
    let counts = Format::new().set_num_format("#,##0.##");
    let share = Format::new().set_num_format("0.000");
    let mut row = header_row + 1;
    for (i, a) in c.areas.iter().enumerate() {
        let area_name = data
            .geography
            .names
            .get(&a.area_code)
            .cloned()
            .unwrap_or_default();
        ws.write_string(row, 0, &a.area_code).map_err(xlsx)?;
        ws.write_string(row, 1, &area_name).map_err(xlsx)?;
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
        let area_name = data
            .geography
            .names
            .get(&a.area_code)
            .cloned()
            .unwrap_or_default();
        ws.write_string(row, 0, &a.area_code).map_err(xlsx)?;
        ws.write_string(row, 1, &area_name).map_err(xlsx)?;
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

/// The data-quality sheet's columns: kind, column, filled, rows, share.
const QUALITY_WIDTHS: [usize; 5] = [48, 24, 14, 12, 14];

fn quality_sheet(data: &ReportData, lang: Lang, name: &str, f: &Formats) -> Result<Worksheet> {
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

const REVISION_WIDTHS: [usize; 6] = [48, 28, 14, 14, 14, 40];

/// The revisions sheet ("Sửa đổi số liệu"): what changed since the earlier state the
/// report is compared with, each indicator's whole then its areas, and the causes.
fn revision_sheet(
    revised: &crate::results::Revised,
    indicators: &[Indicator],
    names: &std::collections::HashMap<String, String>,
    lang: Lang,
    name: &str,
    f: &Formats,
) -> Result<Worksheet> {
    let mut ws = titled_sheet(name, text(lang, "revisions"), f)?;
    let revisions = match revised {
        crate::results::Revised::FirstReport => {
            ws.write_string_with_format(1, 0, text(lang, "first_report"), &f.subtitle)
                .map_err(xlsx)?;
            fit(&mut ws, &REVISION_WIDTHS)?;
            return Ok(ws);
        }
        crate::results::Revised::Since(revisions) => revisions,
    };
    write_revisions(&mut ws, revisions, indicators, names, lang, f)?;
    Ok(ws)
}

/// The values block and the causes block of a revision, from row 1 of `ws`.
fn write_revisions(
    ws: &mut Worksheet,
    revisions: &crate::results::Revisions,
    indicators: &[Indicator],
    names: &std::collections::HashMap<String, String>,
    lang: Lang,
    f: &Formats,
) -> Result<()> {
    let since = text(lang, "revised_since")
        .replace("{since}", &revisions.since.load_id.to_string())
        .replace("{since_at}", &revisions.since.loaded_at)
        .replace("{now}", &revisions.now.load_id.to_string())
        .replace("{now_at}", &revisions.now.loaded_at);
    ws.write_string_with_format(1, 0, &since, &f.subtitle)
        .map_err(xlsx)?;
    if revisions.public {
        ws.write_string_with_format(2, 0, with_threshold(lang, "revision_rule"), &f.subtitle)
            .map_err(xlsx)?;
    }
    let area_name = |code: &str| match names.get(code) {
        Some(n) => format!("{n} ({code})"),
        None => code.to_string(),
    };
    let header_row = 4;
    let headers = [
        text(lang, "indicator"),
        text(lang, "area"),
        text(lang, "value_then"),
        text(lang, "value_now"),
        text(lang, "revision_difference"),
        text(lang, "unit"),
    ];
    write_headers(ws, header_row, &headers, f)?;
    ws.set_freeze_panes(header_row + 1, 0).map_err(xlsx)?;
    let mut r = header_row + 1;
    for indicator in indicators {
        let rows: Vec<&crate::results::RevisedValue> = revisions
            .values
            .iter()
            .filter(|v| v.indicator_id == indicator.id)
            .collect();
        let format = Format::new().set_num_format(number_format(indicator.unit));
        let change = Format::new().set_num_format(change_format(lang, indicator.unit));
        for v in rows {
            ws.write_string(r, 0, indicator.label(lang)).map_err(xlsx)?;
            ws.write_string(r, 1, area_name(&v.area_code)).map_err(xlsx)?;
            write_shown(ws, r, 2, &revised_shown(v.then, v.then_status), &format, f)?;
            write_shown(ws, r, 3, &revised_shown(v.now, v.now_status), &format, f)?;
            let difference = match (v.status, v.difference) {
                (Status::Suppressed, _) => Shown::Symbol("[c]"),
                (_, Some(d)) => Shown::Number(in_change_units(indicator.unit, d)),
                (_, None) => Shown::Symbol("[x]"),
            };
            write_shown(ws, r, 4, &difference, &change, f)?;
            ws.write_string(r, 5, unit_label(lang, indicator.unit, indicator.subject))
                .map_err(xlsx)?;
            r += 1;
        }
    }
    fit(ws, &REVISION_WIDTHS)?;
    fit_texts(ws, header_row, &headers, &REVISION_WIDTHS)?;

    let causes_title = r + 1;
    ws.write_string_with_format(causes_title, 0, text(lang, "revision_causes"), &f.title)
        .map_err(xlsx)?;
    let header_row = causes_title + 1;
    let headers = [
        text(lang, "kind"),
        text(lang, "area"),
        text(lang, "cause"),
        text(lang, "column"),
        text(lang, "records"),
    ];
    write_headers(ws, header_row, &headers, f)?;
    for (r, c) in (header_row + 1..).zip(&revisions.causes) {
        ws.write_string(r, 0, text(lang, &format!("kind_{}", c.count.kind.name())))
            .map_err(xlsx)?;
        ws.write_string(r, 1, area_name(&c.count.area_code))
            .map_err(xlsx)?;
        ws.write_string(r, 2, cause_label(lang, c.count.cause))
            .map_err(xlsx)?;
        ws.write_string(r, 3, c.count.column.as_deref().unwrap_or(""))
            .map_err(xlsx)?;
        match c.records {
            Some(n) => ws.write_number(r, 4, n as f64).map_err(xlsx)?,
            None => ws
                .write_string_with_format(r, 4, "[c]", &f.symbol)
                .map_err(xlsx)?,
        };
    }
    Ok(())
}

/// The workbook of `baove revisions`: the revision (values and causes) and the
/// revision triangle, the whole's value of each indicator after each load.
pub fn build_revisions(
    revisions: &crate::results::Revisions,
    indicators: &[Indicator],
    names: &std::collections::HashMap<String, String>,
    lang: Lang,
    generated_at: NaiveDateTime,
) -> Result<Vec<u8>> {
    let audience = text(lang, if revisions.public { "public" } else { "internal" });
    let left = format!("{} · {}", revisions.period, audience).replace('&', "&&");
    let f = Formats::new(format!("&L{left}&C&A&R&P/&N"));
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_timestamp(generated_at.and_utc().timestamp()).map_err(xlsx)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(text(lang, "revisions"))
            .set_author("baove")
            .set_creation_datetime(&created),
    );
    let mut used = Vec::new();
    let mut ws = new_sheet(&sheet_name(text(lang, "revisions"), &mut used), &f)?;
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{} · {} · {}",
            text(lang, "revisions"),
            period_text(lang, &revisions.period),
            audience
        ),
        &f.title,
    )
    .map_err(xlsx)?;
    write_revisions(&mut ws, revisions, indicators, names, lang, &f)?;
    workbook.push_worksheet(ws);

    let mut ws = titled_sheet(
        &sheet_name(text(lang, "revision_triangle"), &mut used),
        text(lang, "revision_triangle"),
        &f,
    )?;
    let loads: Vec<&crate::results::LoadMark> = {
        let mut loads: Vec<&crate::results::LoadMark> = Vec::new();
        for v in &revisions.triangle {
            if !loads.contains(&&v.load) {
                loads.push(&v.load);
            }
        }
        loads
    };
    let header_row = 2;
    ws.write_string_with_format(header_row, 0, text(lang, "indicator"), &f.header)
        .map_err(xlsx)?;
    for (c, load) in loads.iter().enumerate() {
        ws.write_string_with_format(
            header_row,
            1 + c as u16,
            format!("{} {}\n{}", text(lang, "load"), load.load_id, load.loaded_at),
            &f.header,
        )
        .map_err(xlsx)?;
        ws.set_column_width(1 + c as u16, 20).map_err(xlsx)?;
    }
    ws.set_repeat_rows(header_row, header_row).map_err(xlsx)?;
    ws.set_freeze_panes(header_row + 1, 1).map_err(xlsx)?;
    ws.set_column_width(0, 48).map_err(xlsx)?;
    let mut r = header_row + 1;
    for indicator in indicators {
        let cells: Vec<&crate::results::Vintage> = revisions
            .triangle
            .iter()
            .filter(|v| v.indicator_id == indicator.id)
            .collect();
        if cells.is_empty() {
            continue;
        }
        let format = Format::new().set_num_format(number_format(indicator.unit));
        ws.write_string(r, 0, indicator.label(lang)).map_err(xlsx)?;
        for v in cells {
            let c = loads.iter().position(|l| **l == v.load).unwrap_or_default();
            write_shown(
                &mut ws,
                r,
                1 + c as u16,
                &revised_shown(v.value, v.status),
                &format,
                &f,
            )?;
        }
        r += 1;
    }
    workbook.push_worksheet(ws);
    workbook.save_to_buffer().map_err(xlsx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;

    #[test]
    fn sheet_names_follow_excel_rules() {
        let mut used = Vec::new();
        assert_eq!(
            sheet_name("Theo hình thức xâm hại", &mut used),
            "Theo hình thức xâm hại"
        );
        let long = sheet_name(
            "A very long sheet title that is over thirty-one characters",
            &mut used,
        );
        assert!(long.chars().count() <= 31);
        assert_eq!(sheet_name("a/b:c", &mut used), "abc");
        assert_eq!(sheet_name("ABC", &mut used), "ABC 2");
    }

    fn shared_strings(bytes: Vec<u8>) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        zip.by_name("xl/sharedStrings.xml")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    /// A hidden revision shows its value now and `[c]` for the value then, the
    /// difference and the causes; the number hidden is written nowhere.
    #[test]
    fn a_hidden_revision_shows_c_and_never_its_numbers() {
        use crate::results::{Cause, CauseCount, LoadMark, RevisedValue, Revisions, ShownCause, Vintage};
        let period = Period::parse("2025Q1", Calendar::Statutory).unwrap();
        let load = |id: i64| LoadMark {
            load_id: id,
            loaded_at: format!("2025-04-0{id} 08:00:00"),
        };
        let indicator = Indicator::example(
            "cases_received",
            Unit::Count,
            crate::catalog::Statistic::Count,
            &["area"],
        );
        let value = |area: &str, then: Option<f64>, now: f64, status: Status| RevisedValue {
            indicator_id: "cases_received".into(),
            area_code: area.into(),
            unit: Unit::Count,
            then,
            then_status: if then.is_some() {
                Status::Shown
            } else {
                Status::Suppressed
            },
            now: Some(now),
            now_status: Status::Shown,
            difference: then.map(|t| now - t),
            status,
        };
        let revisions = Revisions {
            period,
            as_of: period.end_moment(),
            whole: "44".into(),
            since: load(1),
            now: load(2),
            public: true,
            values: vec![
                value("44", Some(40.0), 52.0, Status::Shown),
                value("450", None, 29.0, Status::Suppressed),
            ],
            causes: vec![ShownCause {
                count: CauseCount {
                    kind: crate::model::Kind::Cases,
                    area_code: "450".into(),
                    cause: Cause::Late,
                    column: None,
                    records: 3,
                },
                records: None,
            }],
            triangle: vec![Vintage {
                load: load(2),
                indicator_id: "cases_received".into(),
                value: Some(52.0),
                status: Status::Shown,
            }],
        };
        let names = [("450".to_string(), "Huyện A (synthetic)".to_string())]
            .into_iter()
            .collect();
        let bytes = build_revisions(&revisions, &[indicator], &names, Lang::Vi, period.end_moment()).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let mut sheet = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut sheet)
            .unwrap();
        let strings = shared_strings(bytes);
        assert!(strings.contains("[c]"), "{strings}");
        assert!(strings.contains("Nhận trong kỳ, nạp sau"), "{strings}");
        assert!(strings.contains("Huyện A (synthetic) (450)"), "{strings}");
        assert!(
            strings.contains("So với số liệu đã biết sau lần nạp 1"),
            "{strings}"
        );
        // The numbers of the sheet (cells that are not shared strings): the whole's
        // revision is shown, 40, 52 and +12, the area's value now 29; its 3 late
        // records are not.
        let numbers: Vec<f64> = regex::Regex::new(r#"<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?><v>([^<]+)</v>"#)
            .unwrap()
            .captures_iter(&sheet)
            .map(|c| c[1].parse().unwrap())
            .collect();
        assert_eq!(numbers, vec![40.0, 52.0, 12.0, 29.0]);
    }
}
