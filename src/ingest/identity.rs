//! The identifying-data scan (contract, last section). An export is supposed to be
//! anonymised: a column whose name says it holds identity, or any cell that looks like a
//! Vietnamese phone number, a 9- or 12-digit identity number or an e-mail address,
//! refuses the whole file. Findings name file, place, column and kind, never the value.

use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::ingest::read::RawTable;
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
}

/// Separators people put inside phone numbers; removed before the phone pattern is tried.
const PHONE_SEPARATORS: &str = r"[ .\-()]";
/// Vietnamese mobile (0 + 3/5/7/8/9 + 8 digits) and landline (0 + 2 + 9 digits) numbers,
/// with 0 or +84/84 in front, standing alone in a run of digits.
const PHONE_PATTERN: &str = r"(?:^|[^0-9+])(?:\+?84|0)(?:[35789][0-9]{8}|2[0-9]{9})(?:[^0-9]|$)";
/// CMND (9 digits) and CCCD (12 digits), standing alone.
const IDENTITY_NUMBER_PATTERN: &str = r"(?:^|[^0-9])(?:[0-9]{9}|[0-9]{12})(?:[^0-9]|$)";
const EMAIL_PATTERN: &str = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}";

/// Header words and phrases (diacritics folded, lower case, words) that say a column
/// holds identity. Each counts anywhere in a header, as a whole word or run of words
/// ("Tên của trẻ", "Trường THCS", "Địa chỉ thường trú", "Số CCCD", "victim_name"): the
/// contract v2 rule.
const IDENTIFYING_PHRASES: &[&str] = &[
    "name",
    "names",
    "fullname",
    "firstname",
    "lastname",
    "surname",
    "username",
    "ho ten",
    "ho va ten",
    "ten",
    "phone",
    "telephone",
    "mobile",
    "tel",
    "so dien thoai",
    "dien thoai",
    "sdt",
    "address",
    "dia chi",
    "noi o",
    "cho o",
    "thuong tru",
    "tam tru",
    "que quan",
    "email",
    "e mail",
    "thu dien tu",
    "cccd",
    "cmnd",
    "can cuoc",
    "chung minh",
    "dinh danh",
    "id card",
    "identity number",
    "national id",
    "passport",
    "ho chieu",
    "date of birth",
    "birth date",
    "birthday",
    "dob",
    "ngay sinh",
    "nam sinh",
    "sinh ngay",
    "school",
    "truong",
    "lop",
];

/// Compounds that hold an identity word but say nothing of a person: removed before the
/// words are looked for. Without them "Trường hợp khẩn cấp" (emergency case), "môi
/// trường mạng" (the online environment) or "Tên nền tảng" (the platform's name) would
/// refuse a file. A compound about a person ("tên tài khoản", an account name) is not
/// here.
const HARMLESS_COMPOUNDS: &[&str] = &[
    "truong hop",
    "moi truong",
    "thi truong",
    "hien truong",
    "ten nen tang",
    "ten mien",
    "platform name",
    "file name",
];

/// The checks every load runs, described for the record of processing: the header
/// words (all of them: a rule, not data) and the value shapes.
pub fn checks_in_force() -> Vec<crate::results::IdentityCheck> {
    let words = IDENTIFYING_PHRASES.join(", ");
    let harmless = HARMLESS_COMPOUNDS.join(", ");
    vec![
        crate::results::IdentityCheck {
            rule: "identifying-column",
            vi: format!(
                "Tiêu đề cột chứa một từ hoặc cụm từ định danh (bỏ dấu, không phân biệt hoa thường): {words}; trừ các cụm vô hại: {harmless}. Cả tệp bị từ chối."
            ),
            en: format!(
                "A column header holding an identity word or phrase (diacritics folded, any case): {words}; harmless compounds aside: {harmless}. The whole file is refused."
            ),
        },
        crate::results::IdentityCheck {
            rule: "identifying-value",
            vi: "Ô có giá trị giống số điện thoại Việt Nam (di động, cố định, +84), số CMND (9 chữ số) hoặc CCCD (12 chữ số, kể cả khi viết theo nhóm), hoặc địa chỉ thư điện tử, ở mọi ô (cột ngày, mã, có/không: những ô không đọc được theo kiểu của cột). Cả tệp bị từ chối; giá trị không bao giờ được in hay lưu.".into(),
            en: "A cell that looks like a Vietnamese phone number (mobile, landline, +84), a 9-digit (CMND) or 12-digit (CCCD) identity number, also written in groups, or an e-mail address, in any cell (in date, code and yes/no columns: the cells that do not parse as the column's type). The whole file is refused; the value is never printed or stored.".into(),
        },
    ]
}

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

/// Whether a header names identifying data: an identity word or phrase anywhere in it,
/// with or without diacritics, once harmless compounds are set aside. `name` alone is
/// the areas' and holidays' own column.
pub fn is_identifying_header(kind: Kind, header: &str) -> bool {
    let words = fold_words(header);
    if matches!(kind, Kind::Areas | Kind::Holidays) && words == "name" {
        return false;
    }
    let mut padded = format!(" {words} ");
    for compound in HARMLESS_COMPOUNDS {
        padded = padded.replace(&format!(" {compound} "), " ");
    }
    IDENTIFYING_PHRASES
        .iter()
        .any(|phrase| padded.contains(&format!(" {phrase} ")))
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
/// `own_name` is the position of the column a profile maps to the areas' or holidays'
/// `name`, whose header is the contract's and not identity (its cells are scanned).
pub fn scan(kind: Kind, table: &RawTable, scope: &[Scope], own_name: Option<usize>) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for (i, header) in table.headers.iter().enumerate() {
        if own_name != Some(i) && is_identifying_header(kind, header) {
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

struct Patterns {
    separators: regex::Regex,
    phone: regex::Regex,
    identity_number: regex::Regex,
    email: regex::Regex,
}

static PATTERNS: std::sync::LazyLock<Patterns> = std::sync::LazyLock::new(|| Patterns {
    separators: regex::Regex::new(PHONE_SEPARATORS).expect("a valid pattern"),
    phone: regex::Regex::new(PHONE_PATTERN).expect("a valid pattern"),
    identity_number: regex::Regex::new(IDENTITY_NUMBER_PATTERN).expect("a valid pattern"),
    email: regex::Regex::new(EMAIL_PATTERN).expect("a valid pattern"),
});

/// The kind of identity a cell looks like, if any (e-mail first, then phone, then
/// identity number).
pub fn classify(cell: &str) -> Option<IdentityKind> {
    let has_at = memchr::memchr(b'@', cell.as_bytes()).is_some();
    if !has_at && !has_identity_shaped_digits(cell.as_bytes()) {
        return None;
    }
    let p = &*PATTERNS;
    if has_at && p.email.is_match(cell) {
        return Some(IdentityKind::Email);
    }
    if p.phone.is_match(&p.separators.replace_all(cell, "")) {
        return Some(IdentityKind::PhoneNumber);
    }
    (p.identity_number.is_match(cell) || grouped_identity_number(cell.as_bytes()))
        .then_some(IdentityKind::IdentityNumber)
}

/// A chain of digit runs joined each by one separator (space, dot or dash): where an
/// identity number written in groups hides ("079 203 001 234", "123.456.789").
#[derive(Debug, Clone, Copy)]
struct Chain {
    digits: usize,
    /// Lengths of the first four runs, and how many runs there are.
    runs: [usize; 4],
    count: usize,
    one_separator: bool,
    /// Whether the chain starts at the cell's start or after a character that cannot be
    /// part of an id or a number (not a letter, digit, `_`, `.` or `-`).
    free_start: bool,
}

/// Every maximal chain of a cell. A chain ends at any character other than a digit, or
/// at a separator not followed by a digit.
fn chains(cell: &[u8]) -> impl Iterator<Item = Chain> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < cell.len() && !cell[i].is_ascii_digit() {
            i += 1;
        }
        if i >= cell.len() {
            return None;
        }
        let before = i.checked_sub(1).map(|j| cell[j]);
        let free_start =
            before.is_none_or(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')));
        let mut chain = Chain {
            digits: 0,
            runs: [0; 4],
            count: 0,
            one_separator: true,
            free_start,
        };
        let mut separator = None;
        loop {
            let start = i;
            while i < cell.len() && cell[i].is_ascii_digit() {
                i += 1;
            }
            let run = i - start;
            if chain.count < 4 {
                chain.runs[chain.count] = run;
            }
            chain.count += 1;
            chain.digits += run;
            let joined =
                i + 1 < cell.len() && matches!(cell[i], b' ' | b'.' | b'-') && cell[i + 1].is_ascii_digit();
            if !joined {
                return Some(chain);
            }
            if separator.is_some_and(|s| s != cell[i]) {
                chain.one_separator = false;
            }
            separator = Some(cell[i]);
            i += 1;
        }
    })
}

/// A 9- or 12-digit identity number written in groups of three (or four for 12 digits)
/// with one kind of separator, standing apart from letters and other digits.
fn grouped_identity_number(cell: &[u8]) -> bool {
    chains(cell).any(|c| {
        let groups = &c.runs[..c.count.min(4)];
        c.free_start
            && c.one_separator
            && c.count > 1
            && matches!(groups, [3, 3, 3] | [3, 3, 3, 3] | [4, 4, 4])
    })
}

/// Whether the digits of a cell could hold a phone or identity number: a run of exactly
/// 9 or 12 digits (an identity number), or, once phone separators are removed, a run of
/// 10 to 12 digits starting with 0 or 84 (a phone number). Most cells (case ids, ages)
/// have neither and skip the patterns, which are the slow part of the scan; the patterns
/// still decide every cell that passes.
fn has_identity_shaped_digits(cell: &[u8]) -> bool {
    let phone_shaped =
        |len: usize, start: [u8; 2]| (10..=12).contains(&len) && (start[0] == b'0' || start == *b"84");
    let mut run = 0;
    let mut joined = 0;
    let mut joined_start = [0u8; 2];
    for &b in cell {
        if b.is_ascii_digit() {
            run += 1;
            if joined < 2 {
                joined_start[joined] = b;
            }
            joined += 1;
            continue;
        }
        if run == 9 || run == 12 {
            return true;
        }
        run = 0;
        if !matches!(b, b' ' | b'.' | b'-' | b'(' | b')') {
            if phone_shaped(joined, joined_start) {
                return true;
            }
            joined = 0;
        }
    }
    run == 9
        || run == 12
        || phone_shaped(joined, joined_start)
        || chains(cell).any(|c| matches!(c.digits, 9 | 12) && c.count > 1)
}

/// The identity patterns over `columns`, on every row or only on `rows`.
fn scan_cells(table: &RawTable, columns: &[usize], rows: Option<&[u64]>) -> Result<Vec<Finding>> {
    if columns.is_empty() {
        return Ok(Vec::new());
    }
    let row_numbers = crate::ingest::read::row_numbers(&table.df)?;
    let wanted: Option<std::collections::HashSet<u64>> = rows.map(|r| r.iter().copied().collect());
    let mut findings = Vec::new();
    for &i in columns {
        let column = table
            .df
            .column(&RawTable::column_key(i))
            .map_err(Error::polars("identity scan"))?;
        let cells = column.str().map_err(Error::polars("identity scan"))?;
        for (row, cell) in row_numbers.iter().zip(cells.iter()) {
            let (Some(row), Some(cell)) = (row, cell) else {
                continue;
            };
            if wanted.as_ref().is_some_and(|w| !w.contains(&row)) {
                continue;
            }
            let Some(kind) = classify(cell) else {
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

/// A value may be quoted back to the user only when it cannot be a person's name or
/// identity: short, made of code-like characters, and holding a digit or an underscore
/// (dates, numbers, misspelt codes). Anything else is described, never shown.
pub fn safe_echo(value: &str) -> Option<&str> {
    let shaped = value.len() <= 32
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:+- ".contains(c))
        && value.chars().any(|c| c.is_ascii_digit() || c == '_');
    // A date such as 0848-01-15 10:00 reads as a phone number once its separators go
    // (the fuzzer found one): what the identity scan would flag is never echoed.
    (shaped && classify(value).is_none()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_never_echoed() {
        assert_eq!(safe_echo("32/13/2025"), Some("32/13/2025"));
        assert_eq!(safe_echo("SEXUAL-ABUSE_X"), Some("SEXUAL-ABUSE_X"));
        assert_eq!(safe_echo("Nguyen Van A"), None);
        assert_eq!(safe_echo("NGUYEN"), None);
        assert_eq!(safe_echo("Nguyễn 12"), None);
    }

    #[test]
    fn identity_shaped_values_are_never_echoed() {
        assert_eq!(safe_echo("2025-01-15 10:00:00"), Some("2025-01-15 10:00:00"));
        assert_eq!(safe_echo("0848-01-15 10:00:00"), None);
        assert_eq!(safe_echo("0912345678"), None);
        assert_eq!(safe_echo("123456789"), None);
    }

    fn phone(text: &str) -> bool {
        classify(text) == Some(IdentityKind::PhoneNumber)
    }

    fn identity_number(text: &str) -> bool {
        classify(text) == Some(IdentityKind::IdentityNumber)
    }

    /// The patterns alone, without the shortcut that skips most cells.
    fn by_patterns_alone(text: &str) -> Option<IdentityKind> {
        let p = &*PATTERNS;
        if p.email.is_match(text) {
            Some(IdentityKind::Email)
        } else if p.phone.is_match(&p.separators.replace_all(text, "")) {
            Some(IdentityKind::PhoneNumber)
        } else if p.identity_number.is_match(text) || grouped_identity_number(text.as_bytes()) {
            Some(IdentityKind::IdentityNumber)
        } else {
            None
        }
    }

    proptest::proptest! {
        /// The shortcut never hides a value the patterns would find.
        #[test]
        fn the_shortcut_loses_no_identity(
            text in r"[0-9 .()+\-@a-zđ]{0,30}|[a-z+(]{0,2}(\+?84|0)[ .\-]?[0-9]{2,3}[ .\-()]?[0-9]{3}[ .\-]?[0-9]{3,4}[a-z ]{0,2}|[a-z -]{0,3}[0-9]{8,13}[a-z -]{0,3}|[a-zA-Z_(:. -]{0,3}[0-9]{2,5}([ .\-][0-9]{2,5}){1,4}[a-z .-]{0,3}[0-9]{0,2}"
        ) {
            proptest::prop_assert_eq!(classify(&text), by_patterns_alone(&text));
        }
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

    /// Identity numbers written in groups (contract v2), and what must never look like
    /// one: ids, timestamps, counts with thousands separators.
    #[test]
    fn identity_numbers_in_groups() {
        for grouped in [
            "CCCD 079 203 001 234",
            "079.203.001.234",
            "so 079-203-001-234 cap nam",
            "0792 0300 1234",
            "cmnd 123.456.789",
            "(123 456 789)",
        ] {
            assert!(identity_number(grouped), "{grouped}");
        }
        for not in [
            "QB-2023-0000001",
            "CA-123-456-789",
            "X_123 456 789",
            "2025-03-15 08:30:00",
            "15.03.2025",
            "123 456 7890",
            "1.234.567",
            "12 079 203 001",
            "079 203-001 234",
            "v1.123.456.789",
        ] {
            assert_eq!(classify(not), None, "{not}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(classify("a.b@mail.gov.vn"), Some(IdentityKind::Email));
        assert_eq!(classify("@ not one"), None);
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
            // Contract v2: an identity word anywhere in a header, diacritics or not.
            "Tên của trẻ",
            "Trường THCS",
            "Địa chỉ thường trú",
            "Số CCCD",
            "ho ten tre",
            "ten nguoi bao tin",
            "Tên tài khoản",
            "Lớp 7A",
            "nơi ở hiện nay",
        ] {
            assert!(is_identifying_header(Kind::Cases, h), "{h}");
        }
        for h in [
            "Trường hợp khẩn cấp",
            "Tên nền tảng",
            "ghi_chu",
            "Hình thức xâm hại",
            "Đơn vị tiếp nhận",
            "case_id",
            "received_at",
            "Ngày tiếp nhận",
            "platform",
            "môi trường mạng",
        ] {
            assert!(!is_identifying_header(Kind::Cases, h), "{h}");
        }
        assert!(!is_identifying_header(Kind::Areas, "name"));
        assert!(!is_identifying_header(Kind::Holidays, "Name"));
        assert!(is_identifying_header(Kind::Cases, "name"));
        assert!(is_identifying_header(Kind::Areas, "Tên chủ tịch xã"));
    }
}
