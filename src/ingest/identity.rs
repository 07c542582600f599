//! The identifying-data scan (contract, last section). An export is supposed to be
//! anonymised: a column whose name says it holds identity, or any cell that looks like a
//! Vietnamese phone number, a 9- or 12-digit identity number or an e-mail address,
//! refuses the whole file. Findings name file, place, column and kind, never the value.

use polars::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::ingest::findings::Finding;
use crate::ingest::read::{RawTable, ROW_COLUMN};
use crate::model::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    PhoneNumber,
    IdentityNumber,
    Email,
}

impl IdentityKind {
    fn describe(self) -> &'static str {
        match self {
            IdentityKind::PhoneNumber => "a value that looks like a phone number",
            IdentityKind::IdentityNumber => "a value that looks like a 9- or 12-digit identity number",
            IdentityKind::Email => "a value that looks like an e-mail address",
        }
    }

    fn code(self) -> u8 {
        match self {
            IdentityKind::PhoneNumber => 1,
            IdentityKind::IdentityNumber => 2,
            IdentityKind::Email => 3,
        }
    }

    fn from_code(code: u8) -> Option<IdentityKind> {
        match code {
            1 => Some(IdentityKind::PhoneNumber),
            2 => Some(IdentityKind::IdentityNumber),
            3 => Some(IdentityKind::Email),
            _ => None,
        }
    }
}

/// Separators people put inside phone numbers; removed before the phone pattern is tried.
const PHONE_SEPARATORS: &str = r"[ .\-()]";
/// Vietnamese mobile (0 + 3/5/7/8/9 + 8 digits) and landline (0 + 2 + 9 digits) numbers,
/// with 0 or +84/84 in front, standing alone in a run of digits.
const PHONE_PATTERN: &str = r"(?:^|[^0-9+])(?:\+?84|0)(?:[35789][0-9]{8}|2[0-9]{9})(?:[^0-9]|$)";
/// CMND (9 digits) and CCCD (12 digits), standing alone.
const IDENTITY_NUMBER_PATTERN: &str = r"(?:^|[^0-9])(?:[0-9]{9}|[0-9]{12})(?:[^0-9]|$)";
const EMAIL_PATTERN: &str = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}";

/// Header phrases (diacritics folded, lower case, words) that say a column holds
/// identity. A phrase matches when its words occur together in the header; the entries
/// marked whole match only a header that is exactly that phrase, since the word alone is
/// also part of harmless headers ("tên nền tảng", "trường hợp").
const IDENTIFYING_PHRASES: &[(&str, bool)] = &[
    ("name", false),
    ("ho ten", false),
    ("ho va ten", false),
    ("ten", true),
    ("ten tre", false),
    ("ten nan nhan", false),
    ("ten nguoi", false),
    ("phone", false),
    ("telephone", false),
    ("mobile", false),
    ("tel", true),
    ("so dien thoai", false),
    ("dien thoai", false),
    ("sdt", false),
    ("address", false),
    ("dia chi", false),
    ("noi o", false),
    ("cho o", false),
    ("thuong tru", false),
    ("tam tru", false),
    ("email", false),
    ("e mail", false),
    ("thu dien tu", false),
    ("cccd", false),
    ("cmnd", false),
    ("can cuoc", false),
    ("chung minh", false),
    ("dinh danh", false),
    ("id card", false),
    ("identity number", false),
    ("national id", false),
    ("passport", false),
    ("ho chieu", false),
    ("date of birth", false),
    ("birth date", false),
    ("birthday", false),
    ("dob", false),
    ("ngay sinh", false),
    ("nam sinh", false),
    ("school", false),
    ("truong hoc", false),
    ("ten truong", false),
    ("truong", true),
    ("lop", true),
];

/// Lower case, Vietnamese diacritics removed (đ → d), words separated by single spaces.
pub fn fold_words(text: &str) -> String {
    let folded: String = text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a header names identifying data. `name` is the areas file's own column.
pub fn is_identifying_header(kind: Kind, header: &str) -> bool {
    let words = fold_words(header);
    if kind == Kind::Areas && words == "name" {
        return false;
    }
    if kind == Kind::Holidays && words == "name" {
        return false;
    }
    let padded = format!(" {words} ");
    IDENTIFYING_PHRASES.iter().any(|(phrase, whole)| {
        if *whole {
            words == *phrase
        } else {
            padded.contains(&format!(" {phrase} "))
        }
    })
}

/// Which cells of a column to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Only these data rows (0-based); none when empty.
    Rows(Vec<u64>),
}

/// Scans headers and the cells in `scope` (one per column). Returns one finding per
/// identifying header and per identifying cell; the values are never copied anywhere.
pub fn scan(kind: Kind, table: &RawTable, scope: &[Scope]) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for (i, header) in table.headers.iter().enumerate() {
        if is_identifying_header(kind, header) {
            findings.push(Finding {
                file: table.file.clone(),
                location: table.locate_header(i),
                data_row: None,
                column: header.clone(),
                rule: "identifying-column",
                reason: "the column name says it holds identifying data (name, phone, address, \
                         identity number, date of birth, school ...); the whole file is refused"
                    .into(),
            });
        }
    }
    let whole: Vec<usize> = (0..table.headers.len())
        .filter(|&i| scope.get(i) == Some(&Scope::All))
        .collect();
    findings.extend(scan_cells(table, &whole, None)?);
    for (i, s) in scope.iter().enumerate() {
        if let Scope::Rows(rows) = s {
            if !rows.is_empty() {
                findings.extend(scan_cells(table, &[i], Some(rows))?);
            }
        }
    }
    findings.sort_by_key(|f| f.data_row);
    Ok(findings)
}

/// The identity patterns over `columns`, on every row or only on `rows`.
fn scan_cells(table: &RawTable, columns: &[usize], rows: Option<&[u64]>) -> Result<Vec<Finding>> {
    if columns.is_empty() {
        return Ok(Vec::new());
    }
    let kinds: Vec<Expr> = columns
        .iter()
        .map(|&i| {
            let cell = col(RawTable::column_key(i));
            let without_separators = cell
                .clone()
                .str()
                .replace_all(lit(PHONE_SEPARATORS), lit(""), false);
            when(cell.clone().str().contains(lit(EMAIL_PATTERN), true))
                .then(lit(IdentityKind::Email.code()))
                .when(without_separators.str().contains(lit(PHONE_PATTERN), true))
                .then(lit(IdentityKind::PhoneNumber.code()))
                .when(cell.str().contains(lit(IDENTITY_NUMBER_PATTERN), true))
                .then(lit(IdentityKind::IdentityNumber.code()))
                .otherwise(lit(0u8))
                .fill_null(lit(0u8))
                .cast(DataType::UInt8)
                .alias(format!("k{i}"))
        })
        .collect();
    let any_hit = any_horizontal(
        columns
            .iter()
            .map(|i| col(format!("k{i}")).gt(lit(0u8)))
            .collect::<Vec<_>>(),
    )
    .map_err(Error::polars("identity scan"))?;
    let mut select = vec![col(ROW_COLUMN)];
    select.extend(kinds);
    let mut frame = table.df.clone().lazy();
    if let Some(rows) = rows {
        let wanted = Series::new("rows".into(), rows.to_vec());
        frame = frame.filter(
            col(ROW_COLUMN)
                .cast(DataType::UInt64)
                .is_in(lit(wanted).implode(false), false),
        );
    }
    let hits = frame
        .select(select)
        .filter(any_hit)
        .collect()
        .map_err(Error::polars(format!("{}: identity scan", table.file)))?;
    let row_numbers = hits
        .column(ROW_COLUMN)
        .and_then(|c| c.cast(&DataType::UInt64))
        .map_err(Error::polars("identity scan"))?;
    let row_numbers = row_numbers.u64().map_err(Error::polars("identity scan"))?;
    let mut findings = Vec::new();
    for &i in columns {
        let column = hits
            .column(&format!("k{i}"))
            .map_err(Error::polars("identity scan"))?;
        let codes = column.u8().map_err(Error::polars("identity scan"))?;
        for (row, code) in row_numbers.iter().zip(codes.iter()) {
            let (Some(row), Some(kind)) = (row, code.and_then(IdentityKind::from_code)) else {
                continue;
            };
            findings.push(Finding {
                file: table.file.clone(),
                location: table.locate(row as usize, Some(i)),
                data_row: Some(row as usize),
                column: table.headers[i].clone(),
                rule: "identifying-value",
                reason: format!("{} (value not shown); the whole file is refused", kind.describe()),
            });
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn phone(text: &str) -> bool {
        let stripped = Regex::new(PHONE_SEPARATORS).unwrap().replace_all(text, "");
        Regex::new(PHONE_PATTERN).unwrap().is_match(&stripped)
    }

    fn identity_number(text: &str) -> bool {
        Regex::new(IDENTITY_NUMBER_PATTERN).unwrap().is_match(text)
    }

    #[test]
    fn phone_numbers_in_their_usual_forms() {
        for p in [
            "0912345678",
            "0912 345 678",
            "091.234.5678",
            "+84 912 345 678",
            "84912345678",
            "(028) 3822 1234",
            "gọi 0987654321 ngay",
        ] {
            assert!(phone(p), "{p}");
        }
        for not in [
            "2025-03-15 08:30:00",
            "15/03/2025 09:12",
            "CA-2025-000123",
            "1234567",
            "0112345678",
        ] {
            assert!(!phone(not), "{not}");
        }
    }

    #[test]
    fn identity_numbers_are_nine_or_twelve_digits_alone() {
        assert!(identity_number("123456789"));
        assert!(identity_number("CCCD 001234567890"));
        assert!(!identity_number("1234567890"));
        assert!(!identity_number("12345678901"));
        assert!(!identity_number("2025-03-15 08:30:00"));
    }

    #[test]
    fn emails() {
        let re = Regex::new(EMAIL_PATTERN).unwrap();
        assert!(re.is_match("a.b@mail.gov.vn"));
        assert!(!re.is_match("@ not one"));
    }

    #[test]
    fn identifying_headers_vietnamese_and_english() {
        for h in [
            "Họ và tên",
            "HỌ TÊN",
            "Số điện thoại",
            "Địa chỉ",
            "CCCD",
            "Ngày sinh",
            "email",
            "Date of birth",
            "Trường",
            "Tên trẻ",
            "victim_name",
            "phone_number",
        ] {
            assert!(is_identifying_header(Kind::Cases, h), "{h}");
        }
        for h in [
            "Trường hợp khẩn cấp",
            "Tên nền tảng",
            "case_id",
            "received_at",
            "Ngày tiếp nhận",
            "platform",
            "môi trường mạng",
        ] {
            assert!(!is_identifying_header(Kind::Cases, h), "{h}");
        }
        assert!(!is_identifying_header(Kind::Areas, "name"));
        assert!(is_identifying_header(Kind::Cases, "name"));
    }
}
