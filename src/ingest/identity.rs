//! The identifying-data scan (contract, last section). An export is supposed to be
//! anonymised: a column whose name says it holds identity, or any cell that looks like a
//! Vietnamese phone number, a 9- or 12-digit identity number or an e-mail address,
//! refuses the whole file. Findings name file, place, column and kind, never the value.

use unicode_normalization::UnicodeNormalization;

use crate::model::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    PhoneNumber,
    IdentityNumber,
    Email,
}

impl IdentityKind {
    pub fn describe(self) -> &'static str {
        match self {
            IdentityKind::PhoneNumber => "a value that looks like a phone number",
            IdentityKind::IdentityNumber => "a value that looks like a 9- or 12-digit identity number",
            IdentityKind::Email => "a value that looks like an e-mail address",
        }
    }
}

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
    "so dt",
    "dtdd",
    "dt lien he",
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
    "ma hoc sinh",
    "student id",
    "facebook url",
    "facebook link",
    "link facebook",
    "profile",
    "url",
    "link",
    "zalo",
    "contact",
    "lien he",
    "id number",
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
    "ten don vi",
    "ten co quan",
    "ten to chuc",
    "ten dia ban",
    "ten tinh",
    "ten huyen",
    "ten xa",
    "ten chi tieu",
    "url count",
    "so url",
    "so luong url",
    "link count",
    "so link",
    "so luong link",
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

/// Text as every identity check reads it (issue 31): Unicode NFKC (full-width letters and
/// digits, ligatures, compatibility forms), format characters removed (zero-width
/// spaces and joiners, soft hyphens, byte-order marks, direction marks), every Unicode
/// space or control a plain space and every dash a `-`. A cell already plain ASCII without
/// tabs or line breaks is returned as it is.
pub fn normalized(text: &str) -> std::borrow::Cow<'_, str> {
    let plain = text.bytes().all(|b| (0x20..0x7f).contains(&b));
    if plain {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.nfkc()
            .filter(|c| !is_format_character(*c))
            .map(|c| {
                if let Some(digit) = other_script_digit(c) {
                    digit
                } else if c.is_whitespace() || c.is_control() {
                    ' '
                } else if is_dash(c) {
                    '-'
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// The ASCII digit of a decimal digit of another script (Arabic-Indic, Devanagari, Thai,
/// Khmer ...), which NFKC leaves as it is: a phone number written in them is still one.
fn other_script_digit(c: char) -> Option<char> {
    const ZEROS: &[u32] = &[
        0x0660, 0x06f0, 0x07c0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6, 0x0c66, 0x0ce6, 0x0d66,
        0x0de6, 0x0e50, 0x0ed0, 0x0f20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
        0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0,
    ];
    let code = c as u32;
    ZEROS
        .iter()
        .find(|&&zero| (zero..zero + 10).contains(&code))
        .and_then(|zero| char::from_digit(code - zero, 10))
}

/// Unicode format characters (category Cf) and their like that draw nothing: a value
/// split by one is the same value.
fn is_format_character(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}'
        | '\u{fff0}'..='\u{fff8}' | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}')
}

/// Dashes and minus signs (category Pd, and the minus signs of other blocks).
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{2e3a}'
                | '\u{2e3b}'
                | '\u{fe58}'
                | '\u{fe63}'
                | '\u{ff0d}'
                | '\u{058a}'
                | '\u{05be}'
                | '\u{1400}'
                | '\u{1806}'
                | '\u{2e17}'
                | '\u{301c}'
                | '\u{3030}'
                | '\u{30a0}'
                | '\u{fe31}'
                | '\u{fe32}'
    )
}

/// The words of a header as the identity vocabulary is matched against them: normalized,
/// split where a word runs into the next without a space (`HoTen`, `phoneNumber`,
/// `so2`), lower case, Vietnamese diacritics removed (đ → d), each letter its UTS #39
/// skeleton (a Cyrillic `о` or Greek `Ρ` reads as the Latin letter it imitates), words
/// separated by single spaces.
pub fn fold_words(text: &str) -> String {
    let text = normalized(text);
    let mut split = String::with_capacity(text.len() + 8);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if let Some(p) = previous {
            let camel = p.is_lowercase() && c.is_uppercase();
            let digits = p.is_alphabetic() != c.is_alphabetic() && p.is_alphanumeric() && c.is_alphanumeric();
            if camel || digits {
                split.push(' ');
            }
        }
        split.push(c);
        previous = Some(c);
    }
    let folded: String = split
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded
        .split_whitespace()
        .map(|word| {
            unicode_security::skeleton(word)
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The vocabulary as header words are matched: each phrase folded like a header, and a
/// phrase of several words also glued into one (`hoten`, `sodienthoai`, `ngaysinh`),
/// as database exports write them.
struct Vocabulary {
    identifying: Vec<String>,
    harmless: Vec<String>,
    name: String,
}

static VOCABULARY: std::sync::LazyLock<Vocabulary> = std::sync::LazyLock::new(|| {
    let with_glued = |phrases: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for phrase in phrases {
            all.push(fold_words(phrase));
            if phrase.contains(' ') {
                all.push(fold_words(&phrase.replace(' ', "")));
            }
        }
        all.sort();
        all.dedup();
        all
    };
    Vocabulary {
        identifying: with_glued(IDENTIFYING_PHRASES),
        harmless: with_glued(HARMLESS_COMPOUNDS),
        name: fold_words("name"),
    }
});

/// Whether a header names identifying data: an identity word or phrase anywhere in it,
/// in any spelling (diacritics or not, glued or camelCase, look-alike letters,
/// invisible characters), once harmless compounds are set aside. `name` alone is the
/// areas' and holidays' own column.
pub fn is_identifying_header(kind: Kind, header: &str) -> bool {
    let words = fold_words(header);
    let vocabulary = &*VOCABULARY;
    if matches!(kind, Kind::Areas | Kind::Holidays) && words == vocabulary.name {
        return false;
    }
    let mut padded = format!(" {words} ");
    for compound in &vocabulary.harmless {
        padded = padded.replace(&format!(" {compound} "), " ");
    }
    vocabulary
        .identifying
        .iter()
        .any(|phrase| padded.contains(&format!(" {phrase} ")))
}

/// Whether a text read from a file (a header, a sheet's or a file's name) may be printed
/// in a message: short, with no control or invisible character, and neither an identity
/// value nor a header naming identity. Otherwise a message names it by its position.
pub fn is_clean(text: &str) -> bool {
    text.chars().count() <= 80
        && !text.chars().any(|c| c.is_control() || is_format_character(c))
        && classify(text).is_none()
        && !is_identifying_header(Kind::Cases, text)
}

/// Dates and times in the contract's and the common forms (`2025-03-15`, `15/03/2025`,
/// `08.01.2025 12:34`, `12:34:56`): set aside before digits are read as a phone or an
/// identity number, so that no timestamp reads as one.
static DATES_AND_TIMES: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    let day = r"(?:0?[1-9]|[12][0-9]|3[01])";
    let month = r"(?:0?[1-9]|1[0-2])";
    let time = r"(?:[ T]?[0-2]?[0-9]:[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?)";
    regex::Regex::new(&format!(
        r"(^|[^0-9])(?:[12][0-9]{{3}}[-/.]{month}[-/.]{day}{time}?|{day}[-/.]{month}[-/.](?:[12][0-9]{{3}}|[0-9]{{2}}){time}?|[0-2]?[0-9]:[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?)"
    ))
    .expect("a valid pattern")
});

/// An e-mail address, internationalised domains and local parts included
/// (`…@trường.edu.vn`).
static EMAIL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}")
        .expect("a valid pattern")
});

/// The kind of identity a cell looks like, if any: an e-mail address, a Vietnamese phone
/// number in any national or international form (libphonenumber's metadata), or a 9- or
/// 12-digit identity number in any grouping, read from the cell's normalized text.
pub fn classify(cell: &str) -> Option<IdentityKind> {
    if !may_hold_identity(cell) {
        return None;
    }
    classify_every_cell(cell)
}

/// [`classify`] without the shortcut that passes over most cells.
fn classify_every_cell(cell: &str) -> Option<IdentityKind> {
    let text = normalized(cell);
    if text.contains('@') && EMAIL.is_match(&text) {
        return Some(IdentityKind::Email);
    }
    let text = DATES_AND_TIMES.replace_all(&text, "$1 ");
    let chains = chains(&text);
    if chains.iter().any(|chain| chain.holds_phone(&text)) {
        return Some(IdentityKind::PhoneNumber);
    }
    chains
        .iter()
        .any(|chain| chain.is_identity_number(&text))
        .then_some(IdentityKind::IdentityNumber)
}

/// Whether a cell has an `@` or at least nine digits (ASCII or not): what any phone
/// number, identity number or e-mail address needs. Most cells (codes, ages, short
/// texts) have neither and skip the rest.
fn may_hold_identity(cell: &str) -> bool {
    let mut digits = 0;
    for c in cell.chars() {
        if c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric()) {
            digits += 1;
            if digits >= 9 {
                return true;
            }
        } else if c == '@' || c == '＠' || c == '﹫' {
            return true;
        }
    }
    false
}

/// The separators people write inside a number.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '(' | ')' | '/')
}

/// A run of digits and separators, with a `+` in front if it has one: where a phone or
/// identity number hides. `runs` are the digit runs (byte ranges in the text).
#[derive(Debug)]
struct Chain {
    start: usize,
    end: usize,
    runs: Vec<(usize, usize)>,
}

/// Every maximal chain of a (normalized) text: digits joined by separators, which end
/// it when no digit follows.
fn chains(text: &str) -> Vec<Chain> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            || (bytes[i] == b'+' && bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit() || *b == b'('))
            || (bytes[i] == b'(' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        if !starts {
            i += 1;
            continue;
        }
        let start = i;
        let mut runs = Vec::new();
        let mut end = i;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() {
                let run = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                runs.push((run, i));
                end = i;
                continue;
            }
            if i == start || is_separator(bytes[i] as char) {
                // A separator (or the leading `+`) joins only when a digit comes after
                // the separators that follow it.
                let mut j = i + 1;
                while j < bytes.len() && is_separator(bytes[j] as char) && j - i < 4 {
                    j += 1;
                }
                if j < bytes.len() && bytes[j].is_ascii_digit() {
                    i = j;
                    continue;
                }
            }
            break;
        }
        if !runs.is_empty() {
            found.push(Chain { start, end, runs });
        }
        i = end.max(start + 1);
    }
    found
}

impl Chain {
    fn digits(&self, text: &str, from: usize, to: usize) -> String {
        self.runs[from..to].iter().map(|&(a, b)| &text[a..b]).collect()
    }

    /// Whether the chain stands apart from an id or a word: not glued after a letter, a
    /// digit or `_`, nor after a `-` or `.` that is (`CA-123-456-789`, `v1.2.3`).
    fn free_start(&self, text: &str) -> bool {
        let before: Vec<char> = text[..self.start].chars().rev().take(2).collect();
        match before.as_slice() {
            [] => true,
            [c, ..] if c.is_alphanumeric() || *c == '_' => false,
            ['-' | '.', c, ..] if c.is_alphanumeric() || *c == '_' => false,
            _ => true,
        }
    }

    fn free_end(&self, text: &str) -> bool {
        text[self.end..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    }

    /// Whether consecutive runs of the chain are a Vietnamese mobile or fixed-line
    /// number: written from 0, 84, +84 or 0084 (a trunk 0 after the country code, or
    /// `(0)`, allowed), 9 to 13 digits, valid by libphonenumber's metadata for Vietnam.
    /// Toll-free and service numbers are not a person's.
    fn holds_phone(&self, text: &str) -> bool {
        let plus = text.as_bytes()[self.start] == b'+';
        for from in 0..self.runs.len() {
            for to in from + 1..=self.runs.len() {
                let digits = self.digits(text, from, to);
                if digits.len() > 15 {
                    break;
                }
                if digits.len() < 9 {
                    continue;
                }
                let international =
                    (from == 0 && plus) || digits.starts_with("84") || digits.starts_with("0084");
                let national = digits.starts_with('0');
                // A bare 84… glued to other characters is an id, not a number.
                if !(national || (from == 0 && plus) || (international && self.free_start(text))) {
                    continue;
                }
                let written = if from == 0 && plus {
                    format!("+{digits}")
                } else {
                    digits
                };
                if is_vietnamese_phone(&written) || is_former_mobile(&written) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether the whole chain is a 9- or 12-digit identity number (CMND, CCCD) in any
    /// grouping, standing apart: not an amount written in thousands (`150.000.000`).
    fn is_identity_number(&self, text: &str) -> bool {
        let digits: usize = self.runs.iter().map(|(a, b)| b - a).sum();
        if !(digits == 9 || digits == 12) || !self.free_start(text) || !self.free_end(text) {
            return false;
        }
        !self.is_amount(text)
    }

    /// Thousands grouped with one separator (`.` or space), the last group `000`, or one
    /// run of digits ending in `000`: how amounts of money are written (`150.000.000`,
    /// `100000000`), not identity numbers (one in a thousand ends so; an amount nearly
    /// always does). The same reading as for number cells ([`numeric_identity`]).
    fn is_amount(&self, text: &str) -> bool {
        if let [(a, b)] = self.runs.as_slice() {
            return text[*a..*b].ends_with("000");
        }
        let lengths: Vec<usize> = self.runs.iter().map(|(a, b)| b - a).collect();
        let grouped =
            lengths.len() > 2 && (1..=3).contains(&lengths[0]) && lengths[1..].iter().all(|&l| l == 3);
        let separators: std::collections::BTreeSet<&str> =
            self.runs.windows(2).map(|w| &text[w[0].1..w[1].0]).collect();
        let one_separator = separators.len() == 1 && separators.iter().all(|s| *s == "." || *s == " ");
        let last = self.runs.last().map(|&(a, b)| &text[a..b]);
        grouped && one_separator && last == Some("000")
    }
}

/// Whether `number` is a Vietnamese mobile number as written before the renumbering of
/// 2018 (`0168 345 6789`, eleven digits from 012, 016, 0186, 0188 or 0199; `+84 168…`),
/// which libphonenumber no longer knows but old records and contact lists still hold.
fn is_former_mobile(number: &str) -> bool {
    let national = if let Some(rest) = number.strip_prefix("+84").or_else(|| number.strip_prefix("0084")) {
        rest.strip_prefix('0').unwrap_or(rest)
    } else if let Some(rest) = number.strip_prefix("84").filter(|r| r.len() == 10) {
        rest
    } else if let Some(rest) = number.strip_prefix('0') {
        rest
    } else {
        return false;
    };
    national.len() == 10
        && national.bytes().all(|b| b.is_ascii_digit())
        && ["12", "16", "186", "188", "199"]
            .iter()
            .any(|p| national.starts_with(p))
}

/// Whether `number` (digits, `+` in front if international) is a Vietnamese mobile or
/// fixed-line number by libphonenumber's metadata.
fn is_vietnamese_phone(number: &str) -> bool {
    use phonenumber::Type;
    static VIETNAM: std::sync::LazyLock<Option<phonenumber::country::Id>> =
        std::sync::LazyLock::new(|| "VN".parse().ok());
    let Ok(parsed) = phonenumber::parse(*VIETNAM, number) else {
        return false;
    };
    if parsed.code().value() != 84 || !phonenumber::is_valid(&parsed) {
        return false;
    }
    matches!(
        parsed.number_type(&phonenumber::metadata::DATABASE),
        Type::Mobile | Type::FixedLine | Type::FixedLineOrMobile | Type::PersonalNumber | Type::Voip
    )
}

/// Whether a number stored as a number (an XLSX number cell, a Parquet integer) may be
/// an identity or phone number whose leading zero the spreadsheet dropped: a whole
/// number of 8 to 12 digits, unless it reads as a date (`20250315`) or an amount in
/// thousands (`15000000`).
pub fn numeric_identity(value: f64) -> bool {
    if value.fract() != 0.0 || !(1e7..1e12).contains(&value.abs()) {
        return false;
    }
    let whole = value.abs() as u64;
    if whole.is_multiple_of(1000) {
        return false;
    }
    let text = whole.to_string();
    let as_date = text.len() == 8
        && chrono::NaiveDate::parse_from_str(&text, "%Y%m%d")
            .is_ok_and(|d| (1900..=2100).contains(&chrono::Datelike::year(&d)));
    !as_date
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
        assert_eq!(safe_echo("0912-345-678"), None);
        assert_eq!(safe_echo("+84-912-345-678"), None);
        assert_eq!(safe_echo("0912345678"), None);
        assert_eq!(safe_echo("123456789"), None);
    }

    fn phone(text: &str) -> bool {
        classify(text) == Some(IdentityKind::PhoneNumber)
    }

    fn identity_number(text: &str) -> bool {
        classify(text) == Some(IdentityKind::IdentityNumber)
    }

    proptest::proptest! {
        /// The shortcut never hides a value the full reading would find.
        #[test]
        fn the_shortcut_loses_no_identity(
            text in r"[0-9 .()+\-@a-zđ０-９\u{a0}\u{200b}]{0,30}|[a-z+(]{0,2}(\+?84|0)[ .\-]?[0-9]{2,3}[ .\-()]?[0-9]{3}[ .\-]?[0-9]{3,4}[a-z ]{0,2}|[a-z -]{0,3}[0-9]{8,13}[a-z -]{0,3}|[a-zA-Z_(:. -]{0,3}[0-9]{2,5}([ .\-][0-9]{2,5}){1,4}[a-z .-]{0,3}[0-9]{0,2}"
        ) {
            proptest::prop_assert_eq!(classify(&text), classify_every_cell(&text));
        }
    }

    /// Every form issue 31 found getting through, and the usual ones.
    #[test]
    fn phone_numbers_in_every_national_and_international_form() {
        for p in [
            "0912345678",
            "0912 345 678",
            "091.234.5678",
            "+84 912 345 678",
            "84912345678",
            "(028) 3822 1234",
            "gọi 0987654321 ngay",
            "0912\u{a0}345\u{a0}678",
            "0912\u{202f}345\u{202f}678",
            "0912\t345\t678",
            "0912\n345 678",
            "0912–345–678",
            "+84 0912 345 678",
            "+84-(0)-912-345-678",
            "0084912345678",
            "0084 912 345 678",
            "０９１２３４５６７８",
            "0912\u{200b}345678",
            "SĐT:0912345678",
            "HS0912345678",
        ] {
            assert!(phone(p), "{p:?}");
        }
        for not in [
            "2025-03-15 08:30:00",
            "15/03/2025 09:12",
            "08.01.2025 12:34",
            "08/01/2025 12:34:56",
            "2025-03-15T08:30:00",
            "CA-2025-000123",
            "1234567",
            "0112345678",
            "1800 1567",
            "19001234",
            "20250315083000",
        ] {
            assert!(!phone(not), "{not:?}");
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

    /// Identity numbers in any grouping of any separators (issue 31: 6+6, 3-3-6, 3+6,
    /// mixed, Unicode spaces and dashes, full-width digits, invisible characters), and
    /// what must never look like one: ids, timestamps, amounts of money.
    #[test]
    fn identity_numbers_in_any_grouping() {
        for grouped in [
            "CCCD 079 203 001 234",
            "079.203.001.234",
            "so 079-203-001-234 cap nam",
            "0792 0300 1234",
            "cmnd 123.456.789",
            "(123 456 789)",
            "079203-001234",
            "079-203-001234",
            "079 203001234",
            "123 456789",
            "079 203-001 234",
            "079\u{a0}203\u{a0}001\u{a0}234",
            "079–203–001–234",
            "０７９２０３００１２３４",
            "0792030\u{200b}01234",
        ] {
            assert!(identity_number(grouped), "{grouped:?}");
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
            "v1.123.456.789",
            "150.000.000",
            "150.000.000 đồng",
            "1.500.000.000",
            "2.500.000đ",
            "ND-2026-0001234",
            "17.4833, 106.6000",
            "10:00-12:00 15/03/2025",
        ] {
            assert_eq!(classify(not), None, "{not:?}");
        }
    }

    #[test]
    fn emails_also_with_international_domains() {
        assert_eq!(classify("a.b@mail.gov.vn"), Some(IdentityKind::Email));
        assert_eq!(classify("hs.lan@trường.edu.vn"), Some(IdentityKind::Email));
        assert_eq!(classify("an＠mail.com"), Some(IdentityKind::Email));
        assert_eq!(classify("@ not one"), None);
    }

    #[test]
    fn numbers_stored_as_numbers() {
        // A CCCD typed as a number loses its leading zero: 11 digits.
        assert!(numeric_identity(79_203_001_234.0));
        assert!(numeric_identity(912_345_678.0));
        assert!(numeric_identity(23_456_789.0));
        assert!(!numeric_identity(20_250_315.0), "a date");
        assert!(!numeric_identity(15_000_000.0), "an amount");
        assert!(!numeric_identity(1_234_567.0));
        assert!(!numeric_identity(912_345.678));
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
            // Issue 31: as database exports and hostile files spell them.
            "HoTen",
            "SoDienThoai",
            "NgaySinh",
            "DiaChi",
            "TenTruong",
            "phoneNumber",
            "childName",
            "hoten",
            "sodienthoai",
            "Họ\u{200b}tên",
            "Số điện\u{ad} thoại",
            "Số điện thоại",
            "ｐｈｏｎｅ",
            "Ρhone",
            "Tên trẻ: Nguyễn Văn A",
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
            "TruongHop",
            "receivedAt",
            "caseId",
            "source_agency",
            "linked_case_id",
            "social_received_at",
        ] {
            assert!(!is_identifying_header(Kind::Cases, h), "{h}");
        }
        assert!(!is_identifying_header(Kind::Areas, "name"));
        assert!(!is_identifying_header(Kind::Holidays, "Name"));
        assert!(is_identifying_header(Kind::Cases, "name"));
        assert!(is_identifying_header(Kind::Areas, "Tên chủ tịch xã"));
    }
}
