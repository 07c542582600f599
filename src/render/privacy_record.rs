//! The record of processing as a workbook (Law 91/2025/QH15 on personal data protection,
//! Decree 356/2025/NĐ-CP): the fields the office fills in, what the store holds (for a
//! retention decision), every load, every refusal (counted by rule, never shown), every
//! output written, and the identity checks in force. Pure: the record in, bytes out.

use chrono::NaiveDateTime;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::catalog::{Lang, PrivacyField};
use crate::error::{Error, Result};
use crate::model::ENGINE_VERSION;
use crate::results::{IdentityCheck, ProcessingRecord};

fn xlsx(e: XlsxError) -> Error {
    Error::Write {
        what: "the record of processing",
        message: e.to_string(),
    }
}

/// The words of this workbook, in the reader's language.
fn say(lang: Lang, vi: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

fn kind_name(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "cases" => say(lang, "Vụ việc", "Cases"),
        "content_reports" => say(lang, "Tin báo nội dung", "Content reports"),
        "population" => say(lang, "Dân số trẻ em", "Child population"),
        "areas" => say(lang, "Địa bàn", "Areas"),
        "holidays" => say(lang, "Ngày nghỉ", "Holidays"),
        "crosswalk" => say(lang, "Bảng chuyển đổi địa bàn", "Area crosswalk"),
        "case_links" => say(lang, "Liên kết mã vụ việc", "Links between case ids"),
        _ => say(lang, "Khác", "Other"),
    }
}

/// Everything a record shows, besides the store's own lines.
pub struct RecordContext<'a> {
    pub store: &'a str,
    pub fields: &'a [PrivacyField],
    pub checks: &'a [IdentityCheck],
    pub generated_at: NaiveDateTime,
}

struct Formats {
    title: Format,
    header: Format,
    wrap: Format,
    to_fill: Format,
}

pub fn build(record: &ProcessingRecord, context: &RecordContext<'_>, lang: Lang) -> Result<Vec<u8>> {
    let f = Formats {
        title: Format::new().set_bold().set_font_size(15),
        header: Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_border_bottom(FormatBorder::Thin),
        wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        to_fill: Format::new()
            .set_italic()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_background_color(0xFFF2CC),
    };
    let mut workbook = Workbook::new();
    let title = say(
        lang,
        "Hồ sơ hoạt động xử lý dữ liệu cá nhân",
        "Record of personal data processing",
    );
    let created = ExcelDateTime::from_timestamp(context.generated_at.and_utc().timestamp()).map_err(xlsx)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_author("baove")
            .set_creation_datetime(&created),
    );
    workbook.push_worksheet(cover(record, context, lang, title, &f)?);
    workbook.push_worksheet(holdings(record, lang, &f)?);
    workbook.push_worksheet(loads(record, lang, &f)?);
    workbook.push_worksheet(refusals(record, lang, &f)?);
    workbook.push_worksheet(outputs(record, lang, &f)?);
    workbook.push_worksheet(checks(context.checks, lang, &f)?);
    workbook.save_to_buffer().map_err(xlsx)
}

/// A sheet with its title in A1 and a header row at `header_row`, frozen below it.
fn table_sheet(
    name: &str,
    title: &str,
    headers: &[&str],
    widths: &[f64],
    f: &Formats,
) -> Result<(Worksheet, u32)> {
    let mut ws = Worksheet::new();
    ws.set_name(name).map_err(xlsx)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.write_string_with_format(0, 0, title, &f.title).map_err(xlsx)?;
    let header_row = 2;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(header_row, c as u16, *h, &f.header)
            .map_err(xlsx)?;
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(xlsx)?;
    }
    ws.set_freeze_panes(header_row + 1, 0).map_err(xlsx)?;
    ws.set_repeat_rows(header_row, header_row).map_err(xlsx)?;
    Ok((ws, header_row + 1))
}

/// A text cell (never read as a formula: file names come from outside).
fn put(ws: &mut Worksheet, row: u32, col: u16, text: &str, f: &Format) -> Result<()> {
    ws.write_string_with_format(row, col, text, f).map_err(xlsx)?;
    Ok(())
}

fn put_number(ws: &mut Worksheet, row: u32, col: u16, n: i64) -> Result<()> {
    ws.write_number(row, col, n as f64).map_err(xlsx)?;
    Ok(())
}

fn cover(
    record: &ProcessingRecord,
    context: &RecordContext<'_>,
    lang: Lang,
    title: &str,
    f: &Formats,
) -> Result<Worksheet> {
    let (mut ws, first) = table_sheet(
        say(lang, "Hồ sơ", "Record"),
        title,
        &[say(lang, "Mục", "Item"), say(lang, "Nội dung", "Content")],
        &[42.0, 100.0],
        f,
    )?;
    let to_fill = say(lang, "(Văn phòng điền)", "(to be filled in by the office)");
    let mut row = first;
    for field in context.fields {
        put(&mut ws, row, 0, field.label(lang), &f.wrap)?;
        match field.value(lang) {
            Some(text) => put(&mut ws, row, 1, text, &f.wrap)?,
            None => put(&mut ws, row, 1, to_fill, &f.to_fill)?,
        }
        row += 1;
    }
    let refused_loads = {
        let mut ids: Vec<i64> = record.refusals.iter().map(|r| r.refusal_id).collect();
        ids.dedup();
        ids.len()
    };
    let loads = {
        let mut ids: Vec<i64> = record.loads.iter().map(|l| l.load_id).collect();
        ids.dedup();
        ids.len()
    };
    let facts: Vec<(&str, String)> = vec![
        (say(lang, "Kho dữ liệu", "Store"), context.store.to_string()),
        (
            say(lang, "Lần nạp được chấp nhận", "Loads accepted"),
            loads.to_string(),
        ),
        (say(lang, "Lần nạp bị từ chối", "Loads refused"), refused_loads.to_string()),
        (
            say(lang, "Tệp đầu ra đã ghi", "Output files written"),
            record.outputs.len().to_string(),
        ),
        (
            say(lang, "Thời điểm lập", "Generated at"),
            context.generated_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
        (say(lang, "Phiên bản phần mềm", "Engine version"), ENGINE_VERSION.to_string()),
        (
            say(lang, "Ghi chú", "Note"),
            say(
                lang,
                "Hồ sơ chỉ ghi tên tệp, mã kiểm (SHA-256), số dòng và số lỗi theo quy tắc; không bao giờ ghi giá trị của một tệp bị từ chối hay của một vụ việc. Lần nạp bị từ chối vào một kho chưa tồn tại không được ghi (không tạo kho cho nó). Báo cáo lập bằng --input (kho tạm trong bộ nhớ) không được ghi.",
                "The record holds file names, checksums (SHA-256), row counts and counts of findings by rule; never a value of a refused file or of a case. A refused load into a store that did not exist yet is not recorded (no store is created for it). Reports made with --input (a store in memory) are not recorded.",
            )
            .to_string(),
        ),
    ];
    row += 1;
    for (label, value) in facts {
        put(&mut ws, row, 0, label, &f.wrap)?;
        put(&mut ws, row, 1, &value, &f.wrap)?;
        row += 1;
    }
    Ok(ws)
}

fn holdings(record: &ProcessingRecord, lang: Lang, f: &Formats) -> Result<Worksheet> {
    let (mut ws, first) = table_sheet(
        say(lang, "Dữ liệu lưu trữ", "Holdings"),
        say(
            lang,
            "Dữ liệu kho đang lưu (để quyết định thời hạn lưu trữ)",
            "What the store holds (for a retention decision)",
        ),
        &[
            say(lang, "Loại dữ liệu", "Kind of data"),
            say(lang, "Số dòng", "Rows"),
            say(lang, "Ngày sớm nhất", "First date"),
            say(lang, "Ngày muộn nhất", "Last date"),
            say(lang, "Nạp sớm nhất", "Oldest load"),
            say(lang, "Các cột", "Columns"),
        ],
        &[24.0, 10.0, 20.0, 20.0, 20.0, 80.0],
        f,
    )?;
    let mut row = first;
    for h in &record.holdings {
        put(&mut ws, row, 0, kind_name(lang, h.kind), &f.wrap)?;
        put_number(&mut ws, row, 1, h.rows as i64)?;
        put(&mut ws, row, 2, h.first.as_deref().unwrap_or(""), &f.wrap)?;
        put(&mut ws, row, 3, h.last.as_deref().unwrap_or(""), &f.wrap)?;
        put(&mut ws, row, 4, h.oldest_load.as_deref().unwrap_or(""), &f.wrap)?;
        put(&mut ws, row, 5, &h.columns.join(", "), &f.wrap)?;
        row += 1;
    }
    put(
        &mut ws,
        row,
        0,
        say(
            lang,
            "Dòng cách ly (--quarantine)",
            "Quarantined rows (--quarantine)",
        ),
        &f.wrap,
    )?;
    put_number(&mut ws, row, 1, record.quarantined as i64)?;
    put(
        &mut ws,
        row,
        5,
        say(
            lang,
            "Các dòng không hợp lệ được giữ riêng cùng giá trị các ô của chúng (không có dữ liệu định danh: tệp có dữ liệu định danh bị từ chối cả tệp).",
            "Invalid rows kept aside with their cells (no identifying data: a file holding any is refused whole).",
        ),
        &f.wrap,
    )?;
    Ok(ws)
}

fn loads(record: &ProcessingRecord, lang: Lang, f: &Formats) -> Result<Worksheet> {
    let (mut ws, first) = table_sheet(
        say(lang, "Lần nạp", "Loads"),
        say(lang, "Các lần nạp được chấp nhận", "Loads accepted"),
        &[
            say(lang, "Lần nạp", "Load"),
            say(lang, "Nạp lúc", "Loaded at"),
            say(lang, "Tệp", "File"),
            say(lang, "Loại dữ liệu", "Kind of data"),
            "SHA-256",
            say(lang, "Dòng nạp", "Rows loaded"),
            say(lang, "Dòng thay thế", "Rows replaced"),
            say(lang, "Dòng cách ly", "Rows quarantined"),
            say(lang, "Hồ sơ ánh xạ", "Mapping profile"),
            say(lang, "Phiên bản", "Engine"),
        ],
        &[8.0, 20.0, 30.0, 18.0, 66.0, 10.0, 10.0, 10.0, 18.0, 10.0],
        f,
    )?;
    for (i, l) in record.loads.iter().enumerate() {
        let row = first + i as u32;
        put_number(&mut ws, row, 0, l.load_id)?;
        put(&mut ws, row, 1, &l.loaded_at, &f.wrap)?;
        put(&mut ws, row, 2, &l.file_name, &f.wrap)?;
        put(&mut ws, row, 3, kind_name(lang, &l.kind), &f.wrap)?;
        put(&mut ws, row, 4, &l.sha256, &f.wrap)?;
        put_number(&mut ws, row, 5, l.rows_loaded)?;
        put_number(&mut ws, row, 6, l.rows_replaced)?;
        put_number(&mut ws, row, 7, l.rows_quarantined)?;
        put(&mut ws, row, 8, l.profile.as_deref().unwrap_or(""), &f.wrap)?;
        put(&mut ws, row, 9, &l.engine_version, &f.wrap)?;
    }
    Ok(ws)
}

fn refusals(record: &ProcessingRecord, lang: Lang, f: &Formats) -> Result<Worksheet> {
    let (mut ws, first) = table_sheet(
        say(lang, "Từ chối", "Refusals"),
        say(
            lang,
            "Các lần nạp bị từ chối: số lỗi theo quy tắc (không ghi giá trị)",
            "Loads refused: findings counted by rule (no value is kept)",
        ),
        &[
            say(lang, "Lần từ chối", "Refusal"),
            say(lang, "Thời điểm", "Refused at"),
            say(lang, "Tệp", "File"),
            say(lang, "Loại dữ liệu", "Kind of data"),
            "SHA-256",
            say(lang, "Dòng đọc", "Rows read"),
            say(lang, "Quy tắc", "Rule"),
            say(lang, "Số lỗi", "Findings"),
            say(lang, "Dữ liệu định danh", "Identifying data"),
        ],
        &[9.0, 20.0, 30.0, 18.0, 66.0, 10.0, 24.0, 9.0, 12.0],
        f,
    )?;
    for (i, r) in record.refusals.iter().enumerate() {
        let row = first + i as u32;
        put_number(&mut ws, row, 0, r.refusal_id)?;
        put(&mut ws, row, 1, &r.refused_at, &f.wrap)?;
        put(&mut ws, row, 2, &r.file_name, &f.wrap)?;
        put(&mut ws, row, 3, kind_name(lang, &r.kind), &f.wrap)?;
        put(&mut ws, row, 4, &r.sha256, &f.wrap)?;
        put_number(&mut ws, row, 5, r.rows_read)?;
        let rule = r.rule.as_deref().unwrap_or_else(|| {
            say(
                lang,
                "(cả lô bị từ chối do tệp khác)",
                "(batch refused for another file)",
            )
        });
        put(&mut ws, row, 6, rule, &f.wrap)?;
        put_number(&mut ws, row, 7, r.findings)?;
        let identifying = r
            .rule
            .as_deref()
            .is_some_and(|rule| rule.starts_with("identifying-"));
        put(
            &mut ws,
            row,
            8,
            if identifying { say(lang, "Có", "Yes") } else { "" },
            &f.wrap,
        )?;
    }
    Ok(ws)
}

fn outputs(record: &ProcessingRecord, lang: Lang, f: &Formats) -> Result<Worksheet> {
    let (mut ws, first) = table_sheet(
        say(lang, "Đầu ra", "Outputs"),
        say(
            lang,
            "Các tệp đầu ra đã ghi từ kho",
            "Output files written from the store",
        ),
        &[
            say(lang, "Ghi lúc", "Written at"),
            say(lang, "Lệnh", "Command"),
            say(lang, "Tệp", "File"),
            say(lang, "Đối tượng", "Audience"),
            say(lang, "Kỳ", "Period"),
            say(lang, "Số liệu tính đến", "As of"),
            say(lang, "Ngôn ngữ", "Language"),
            "SHA-256",
            say(lang, "Byte", "Bytes"),
        ],
        &[20.0, 24.0, 48.0, 12.0, 10.0, 20.0, 9.0, 66.0, 10.0],
        f,
    )?;
    for (i, o) in record.outputs.iter().enumerate() {
        let row = first + i as u32;
        put(&mut ws, row, 0, &o.written_at, &f.wrap)?;
        put(&mut ws, row, 1, &o.command, &f.wrap)?;
        put(&mut ws, row, 2, &o.file_name, &f.wrap)?;
        let audience = match o.audience.as_str() {
            "public" => say(lang, "Công khai", "Public"),
            "internal" => say(lang, "Nội bộ", "Internal"),
            _ => "",
        };
        put(&mut ws, row, 3, audience, &f.wrap)?;
        put(&mut ws, row, 4, &o.period, &f.wrap)?;
        put(&mut ws, row, 5, &o.as_of, &f.wrap)?;
        put(&mut ws, row, 6, &o.lang, &f.wrap)?;
        put(&mut ws, row, 7, &o.sha256, &f.wrap)?;
        put_number(&mut ws, row, 8, o.bytes)?;
    }
    Ok(ws)
}

fn checks(checks: &[IdentityCheck], lang: Lang, f: &Formats) -> Result<Worksheet> {
    let (mut ws, first) = table_sheet(
        say(lang, "Kiểm tra định danh", "Identity checks"),
        say(
            lang,
            "Các kiểm tra dữ liệu định danh áp dụng cho mọi lần nạp",
            "The identity checks every load runs",
        ),
        &[
            say(lang, "Quy tắc", "Rule"),
            say(lang, "Nội dung", "What it refuses"),
        ],
        &[22.0, 120.0],
        f,
    )?;
    for (i, c) in checks.iter().enumerate() {
        let row = first + i as u32;
        put(&mut ws, row, 0, c.rule, &f.wrap)?;
        let text = match lang {
            Lang::Vi => &c.vi,
            Lang::En => &c.en,
        };
        put(&mut ws, row, 1, text, &f.wrap)?;
    }
    Ok(ws)
}
