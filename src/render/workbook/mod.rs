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

mod comparison;
mod front;
mod quality;
mod revisions;
mod tables;

use comparison::comparison_sheet;
use front::{contents, cover, notes, sheet_holds};
use quality::{parts_sheet, quality_sheet};
pub use revisions::build_revisions;
use revisions::revision_sheet;
use tables::{area_sheet, breakdown_sheet, charts_sheet, summary_sheet, year_sheet};

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
