//! The revisions sheet of a report, and the revisions workbook of `baove revisions`.

use super::*;

const REVISION_WIDTHS: [usize; 6] = [48, 28, 14, 14, 14, 40];

/// The revisions sheet ("Sửa đổi số liệu"): what changed since the earlier state the
/// report is compared with, each indicator's whole then its areas, and the causes.
pub(super) fn revision_sheet(
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
