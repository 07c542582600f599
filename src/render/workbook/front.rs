//! The workbook's front matter: the cover with provenance, the contents with links,
//! and the notes with definitions, legal bases and symbols.

use super::*;

pub(super) fn cover(
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
pub(super) fn sheet_holds(lang: Lang, spec: &crate::template::SheetSpec, whole: &str) -> String {
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

pub(super) fn contents(lang: Lang, name: &str, rows: &[(String, String)], f: &Formats) -> Result<Worksheet> {
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

pub(super) fn notes(data: &ReportData, lang: Lang, name: &str, f: &Formats) -> Result<Worksheet> {
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
