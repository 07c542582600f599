//! The findings file sent back to an agency: one row per problem, as CSV or XLSX.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};

use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::render::csv_out::Csv;

const HEADERS: [&str; 5] = ["file", "location", "column", "rule", "reason"];

fn fields(f: &Finding) -> [std::borrow::Cow<'_, str>; 5] {
    use crate::findings::escaped;
    [
        escaped(&f.file),
        escaped(&f.location),
        escaped(&f.column),
        f.rule.into(),
        escaped(&f.reason),
    ]
}

pub fn render(path: &Path, findings: &[Finding]) -> Result<Vec<u8>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => to_csv(findings),
        "xlsx" => to_xlsx(findings),
        _ => Err(Error::Usage(format!(
            "{}: the findings file must end in .csv or .xlsx",
            path.display()
        ))),
    }
}

fn to_csv(findings: &[Finding]) -> Result<Vec<u8>> {
    // With a byte-order mark: the agency opens it in a spreadsheet by double-clicking.
    let mut csv = Csv::with_prefix(&HEADERS, b"\xEF\xBB\xBF");
    for f in findings {
        csv.row(fields(f));
    }
    Ok(csv.into_bytes())
}

fn to_xlsx(findings: &[Finding]) -> Result<Vec<u8>> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| Error::Write {
        what: "findings",
        message: e.to_string(),
    };
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("findings").map_err(xlsx)?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xlsx)?;
    }
    for (r, f) in findings.iter().enumerate() {
        for (c, value) in fields(f).iter().enumerate() {
            // write_string: a value is never read as a formula.
            sheet
                .write_string(r as u32 + 1, c as u16, value.as_ref())
                .map_err(xlsx)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    sheet.autofit();
    workbook.save_to_buffer().map_err(xlsx)
}
