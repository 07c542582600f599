//! Reading an export file (CSV, XLSX, Parquet) into a raw table: every column as text,
//! headers as the agency wrote them, and each row's place in the file so that any
//! problem can be pointed at as the user sees it (CSV `row 17`, XLSX `Sheet1!F17`).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, DataType as _, Reader};
use polars::prelude::*;

use crate::error::{Error, Result};
use crate::findings::{Finding, Findings};

/// Column holding each row's 0-based position among the file's data rows.
pub const ROW_COLUMN: &str = "__row";

/// Files larger than this are refused before they are read (hostile-input guard).
pub const MAX_FILE_BYTES: u64 = 4 << 30;
/// No contract file has more than a few dozen columns.
pub const MAX_COLUMNS: usize = 512;
/// No legitimate cell is longer than this.
pub const MAX_CELL_CHARS: usize = 4096;

/// The most bytes and cells a file read whole may hold (a part of a file read in parts
/// holds no more: see `parts.rs`). Validation holds a cell about three times as a
/// 16-byte view with its parsed value, some 50 bytes, so a table of so many short cells
/// costs about what one of so many bytes does; about 90,000 cases of the contract's 23
/// columns, where a province's year has a few thousand.
pub const MAX_BYTES_HELD: u64 = 128 << 20;
pub const MAX_CELLS_HELD: u64 = MAX_BYTES_HELD / 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Parquet,
}

impl Format {
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }
}

/// Where the data rows of a table sit in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Header is row 1, the first data row is row 2.
    Csv,
    /// `header_row` is the 1-based sheet row of the header; `first_col` 0-based.
    Xlsx {
        sheet: String,
        header_row: u32,
        first_col: u32,
    },
    /// Records counted from 1.
    Parquet,
}

/// An export as read: `df` has [`ROW_COLUMN`] then one String column per header, named
/// `c0`, `c1`, ... by position, since agency headers may repeat or be unusable as names.
#[derive(Debug, Clone)]
pub struct RawTable {
    pub path: PathBuf,
    /// The file name as shown in messages.
    pub file: String,
    pub format: Format,
    pub headers: Vec<String>,
    pub df: DataFrame,
    pub origin: Origin,
    /// SHA-256 of the file's bytes, taken from the same read as the rows.
    pub sha256: String,
}

impl RawTable {
    /// This table's description with no rows, to be given a slice of them.
    pub fn clone_without_rows(&self) -> RawTable {
        RawTable {
            path: self.path.clone(),
            file: self.file.clone(),
            format: self.format,
            headers: self.headers.clone(),
            df: DataFrame::empty(),
            origin: self.origin.clone(),
            sha256: self.sha256.clone(),
        }
    }

    pub fn column_key(position: usize) -> String {
        format!("c{position}")
    }

    /// The place of a data row (0-based) as the user sees it, optionally in a column.
    pub fn locate(&self, data_row: usize, column: Option<usize>) -> String {
        match &self.origin {
            Origin::Csv => format!("row {}", data_row + 2),
            Origin::Parquet => format!("record {}", data_row + 1),
            Origin::Xlsx {
                sheet,
                header_row,
                first_col,
            } => {
                let row = *header_row as usize + 1 + data_row;
                match column {
                    Some(c) => format!("{sheet}!{}{row}", column_letters(*first_col as usize + c)),
                    None => format!("{sheet}!row {row}"),
                }
            }
        }
    }

    /// The place of the header of a column.
    pub fn locate_header(&self, column: usize) -> String {
        match &self.origin {
            Origin::Csv => "row 1".into(),
            Origin::Parquet => "header".into(),
            Origin::Xlsx {
                sheet,
                header_row,
                first_col,
            } => format!(
                "{sheet}!{}{header_row}",
                column_letters(*first_col as usize + column)
            ),
        }
    }

    pub fn height(&self) -> usize {
        self.df.height()
    }
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
pub fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// A file as messages, logs and the store name it: its name when that is clean (no
/// control or invisible character, nothing that looks like identity), else a
/// description; never a name that could be a person's.
pub fn file_display(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if super::identity::is_clean(&name) {
        name
    } else {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric()) && e.len() <= 8)
            .unwrap_or_default();
        format!("(a {extension} file whose name is not shown)")
    }
}

fn refuse(file: &str, location: String, column: String, rule: &'static str, reason: String) -> Error {
    Error::Refused(Box::new(Findings {
        list: vec![Finding {
            file: file.to_string(),
            location,
            data_row: None,
            column,
            rule,
            reason,
        }],
        verdict: "the file is refused; nothing was loaded".into(),
        unlisted: Default::default(),
    }))
}

/// Reads one export. `sheet_hint` is the file stem, preferred as XLSX sheet name.
pub fn read_table(path: &Path) -> Result<RawTable> {
    let file = file_display(path);
    let format = Format::from_path(path).ok_or_else(|| {
        Error::Usage(format!(
            "{}: not a CSV, XLSX or Parquet file (by its extension)",
            file_display(path)
        ))
    })?;
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
    if !meta.is_file() {
        return Err(refuse(
            &file,
            String::new(),
            String::new(),
            "not-a-file",
            "not a regular file (a pipe, device or socket): nothing was read".into(),
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(refuse(
            &file,
            String::new(),
            String::new(),
            "file-size",
            format!(
                "the file is {}, over the limit of {}",
                megabytes(meta.len()),
                megabytes(MAX_FILE_BYTES)
            ),
        ));
    }
    if meta.len() == 0 {
        return Err(refuse(
            &file,
            String::new(),
            String::new(),
            "empty-file",
            "the file is empty".into(),
        ));
    }
    let table = match format {
        Format::Csv => read_csv(path, &file)?,
        // calamine and polars open the file themselves; the checksum is a second pass
        // beside theirs, on its own thread.
        Format::Xlsx | Format::Parquet => std::thread::scope(|scope| {
            let checksum = scope.spawn(|| sha256_of(path));
            let table = match format {
                Format::Xlsx => read_xlsx_guarded(path, &file),
                _ => read_parquet(path, &file),
            };
            let sha256 = checksum.join().unwrap_or_else(|_| {
                Err(Error::Usage(format!(
                    "{}: the checksum thread failed",
                    path.display()
                )))
            });
            table.and_then(|mut t| {
                t.sha256 = sha256?;
                Ok(t)
            })
        })?,
    };
    check_headers(&table)?;
    Ok(table)
}

/// A header as messages may show it: by position when the header itself looks like a
/// person's identity (a data row taken for the header, say), which no message may carry.
/// [`read_xlsx`], with a panic inside the XLSX reader turned into a refusal of the file:
/// the fuzzer found calamine 0.38 overflowing an integer on a cell reference of many
/// letters (a panic where overflow checks are on, as in debug builds).
fn read_xlsx_guarded(path: &Path, file: &str) -> Result<RawTable> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_xlsx(path, file))).unwrap_or_else(|_| {
        Err(refuse(
            file,
            String::new(),
            String::new(),
            "xlsx-unreadable",
            "the workbook is malformed; the XLSX reader stopped on it".into(),
        ))
    })
}

/// The data-row numbers ([`ROW_COLUMN`]) of a frame, as unsigned integers.
pub fn row_numbers(frame: &DataFrame) -> Result<UInt64Chunked> {
    frame
        .column(ROW_COLUMN)
        .and_then(|c| c.cast(&DataType::UInt64))
        .and_then(|c| c.u64().cloned())
        .map_err(Error::polars("numbering rows"))
}

/// A size as messages give it. Whole megabytes, not a count of bytes: a nine- or
/// twelve-digit number in a message is what the identity scan looks for (the fuzzer
/// flagged "989856256 bytes").
fn megabytes(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// A library's account of why a file cannot be read, cut before anything it quotes from
/// the file (an XML fragment, a cell, a line), which may be a person's identity: the
/// fuzzer found calamine quoting the XML of a broken sheet.
fn library_detail(error: impl std::fmt::Display) -> String {
    let text = error.to_string();
    let cut = text.find(['`', '"', '\'', '<', '[', '\n']).unwrap_or(text.len());
    let detail: String = text[..cut].chars().take(120).collect();
    let detail = detail.trim_end_matches([' ', ':', ',', '(']).to_string();
    if super::identity::classify(&detail).is_some() {
        "details not shown".into()
    } else {
        detail
    }
}

pub fn header_shown(headers: &[String], position: usize) -> String {
    match headers.get(position) {
        Some(h) if super::identity::is_clean(h) => h.trim().to_string(),
        _ => format!("#{}", position + 1),
    }
}

pub(crate) fn check_headers(table: &RawTable) -> Result<()> {
    if let Some(i) = table
        .headers
        .iter()
        .position(|h| super::identity::classify(h).is_some())
    {
        return Err(refuse(
            &table.file,
            table.locate_header(i),
            format!("#{}", i + 1),
            "identifying-value",
            "a header that looks like a phone number, identity number or e-mail address (value \
             not shown); the whole file is refused"
                .into(),
        ));
    }
    if table.headers.len() > MAX_COLUMNS {
        return Err(refuse(
            &table.file,
            table.locate_header(0),
            String::new(),
            "too-many-columns",
            format!(
                "{} columns, more than the {MAX_COLUMNS} any export may have",
                table.headers.len()
            ),
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    for (i, header) in table.headers.iter().enumerate() {
        let key = header.trim().to_lowercase();
        if key.is_empty() {
            return Err(refuse(
                &table.file,
                table.locate_header(i),
                format!("#{}", i + 1),
                "blank-header",
                "a column has no name in the header row".into(),
            ));
        }
        if seen.contains(&key) {
            return Err(refuse(
                &table.file,
                table.locate_header(i),
                header_shown(&table.headers, i),
                "duplicate-column",
                "this column name appears more than once in the header".into(),
            ));
        }
        seen.push(key);
    }
    Ok(())
}

// ---------------------------------------------------------------- CSV

/// What one pass over the raw bytes tells about a CSV file before polars parses it.
struct CsvShape {
    separator: u8,
    headers: Vec<String>,
    /// (0-based data row, number of fields) of the first row whose width differs.
    ragged: Option<(usize, usize)>,
    /// Byte offset where data starts (after a BOM).
    start: usize,
    /// Whether some data row has only separators and spaces (Excel leaves such rows).
    has_blank_rows: bool,
    longest_cell: Option<(usize, usize)>,
}

fn read_csv(path: &Path, file: &str) -> Result<RawTable> {
    let mut clock = crate::Stopwatch::start();
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_BYTES_HELD) {
        return Err(too_many_cells(file));
    }
    let mut bytes = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
    if csv_cells(&bytes) > MAX_CELLS_HELD {
        return Err(too_many_cells(file));
    }
    clock.lap("read: bytes");
    read_csv_bytes(path, file, &mut bytes, 0, Checksum::OfBytes).map(|(table, _)| table)
}

/// About how many cells a CSV file holds: its records times the fields of its header
/// (by the more frequent of the two separators the contract allows).
pub(crate) fn csv_cells(bytes: &[u8]) -> u64 {
    let records = record_ends(bytes).count() as u64 + 1;
    records.saturating_mul(header_fields(bytes))
}

/// The fields of the first record, by the more frequent of the two separators.
pub(crate) fn header_fields(bytes: &[u8]) -> u64 {
    let header = &bytes[..header_end(bytes).unwrap_or(bytes.len())];
    let count = |separator| header.iter().filter(|&&b| b == separator).count();
    count(b',').max(count(b';')) as u64 + 1
}

/// Line ends outside quotes. A doubled quote inside a quoted field toggles twice, so
/// counting quotes is enough.
pub(crate) fn record_ends(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut in_quotes = false;
    memchr::memchr2_iter(b'"', b'\n', bytes).filter(move |&i| {
        if bytes[i] == b'"' {
            in_quotes = !in_quotes;
            false
        } else {
            !in_quotes
        }
    })
}

/// The end (`\n`) of the first record.
pub(crate) fn header_end(bytes: &[u8]) -> Option<usize> {
    record_ends(bytes).next()
}

/// What [`read_csv_bytes`] adds to a checksum, on another core than its shape scan.
pub(crate) enum Checksum<'a> {
    /// The table carries the SHA-256 of the bytes.
    OfBytes,
    /// The bytes from this offset on (a part's, after the header it starts with) go
    /// on to the running checksum of a file read in parts.
    Feed(&'a mut sha2::Sha256, usize),
}

/// A CSV export (or a part of one, header first) already in memory. Data rows are
/// numbered from `first_row`; `checksum` says what becomes of the bytes' SHA-256.
/// Also returns how many records the CSV reader saw (blank ones included), where the
/// next part's numbering starts. `bytes` is left to the caller, who may reuse the room
/// (its content is changed: a BOM is dropped).
pub(crate) fn read_csv_bytes(
    path: &Path,
    file: &str,
    bytes: &mut Vec<u8>,
    first_row: usize,
    checksum: Checksum<'_>,
) -> Result<(RawTable, usize)> {
    let mut clock = crate::Stopwatch::start();
    let start = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    if bytes[start..].iter().all(|b| b.is_ascii_whitespace()) {
        return Err(refuse(
            file,
            String::new(),
            String::new(),
            "empty-file",
            "the file is empty".into(),
        ));
    }
    // The shape scan runs on one core; the checksum and the UTF-8 check of the same
    // bytes take the other.
    let (shape, (sha256, utf8)) = std::thread::scope(|scope| {
        let checks = scope.spawn(|| {
            (
                match checksum {
                    Checksum::OfBytes => sha256_hex(bytes),
                    Checksum::Feed(hasher, from) => {
                        sha2::Digest::update(hasher, &bytes[from..]);
                        String::new()
                    }
                },
                std::str::from_utf8(&bytes[start..]).map(|_| ()),
            )
        });
        let shape = scan_csv(bytes, start);
        (
            shape,
            checks
                .join()
                .expect("the checksum of bytes in memory cannot fail"),
        )
    });
    clock.lap("read: shape and checksum");
    if let Err(e) = utf8 {
        let (row, field) = locate_offset(bytes, start, shape.separator, start + e.valid_up_to());
        let column = header_shown(&shape.headers, field);
        return Err(refuse(
            file,
            format!("row {}", first_row + row + 1),
            column,
            "encoding",
            "the text is not UTF-8; save the file as CSV UTF-8".into(),
        ));
    }
    refuse_bad_shape(file, first_row, &shape)?;
    let n = shape.headers.len();
    let schema: Schema = (0..n)
        .map(|i| Field::new(RawTable::column_key(i).into(), DataType::String))
        .collect();
    // Drop the BOM in place: copying a large export would double its memory.
    bytes.drain(..shape.start);
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(Arc::new(schema)))
        .with_raise_if_empty(false)
        .map_parse_options(|o| {
            o.with_separator(shape.separator)
                .with_quote_char(Some(b'"'))
                .with_missing_is_null(true)
        })
        .into_reader_with_file_handle(Cursor::new(bytes.as_slice()))
        .finish()
        .map_err(|e| {
            refuse(
                file,
                String::new(),
                String::new(),
                "csv-syntax",
                format!("the file cannot be read as CSV ({})", library_detail(e)),
            )
        })?;
    clock.lap("read: polars");
    let records = df.height();
    let offset = Some(first_row as IdxSize);
    let df = if shape.has_blank_rows {
        with_row_index_dropping_blank(df, offset)?
    } else {
        df.with_row_index(ROW_COLUMN.into(), offset)
            .map_err(Error::polars("numbering rows"))?
    };
    let table = RawTable {
        path: path.to_path_buf(),
        file: file.to_string(),
        format: Format::Csv,
        headers: shape.headers,
        df,
        origin: Origin::Csv,
        sha256,
    };
    Ok((table, records))
}

/// A CSV file refused for its shape: a cell too long, too many columns, or a row whose
/// field count differs from the header's (rows numbered from `first_row`).
fn refuse_bad_shape(file: &str, first_row: usize, shape: &CsvShape) -> Result<()> {
    if let Some((row, c)) = shape.longest_cell {
        return Err(refuse(
            file,
            format!("row {}", first_row + row + 2),
            header_shown(&shape.headers, c),
            "cell-size",
            format!("a cell longer than {MAX_CELL_CHARS} characters"),
        ));
    }
    if shape.headers.len() > MAX_COLUMNS {
        return Err(refuse(
            file,
            "row 1".into(),
            String::new(),
            "too-many-columns",
            format!(
                "{} columns, more than the {MAX_COLUMNS} any export may have",
                shape.headers.len()
            ),
        ));
    }
    if let Some((row, fields)) = shape.ragged {
        return Err(refuse(
            file,
            format!("row {}", first_row + row + 2),
            String::new(),
            "ragged-row",
            format!(
                "this row has {fields} fields but the header has {}",
                shape.headers.len()
            ),
        ));
    }
    Ok(())
}

/// One pass over the bytes: separator (`,` or `;`, whichever the header uses more),
/// header names, the first row whose field count differs from the header's, and the
/// first cell over the size limit. Quotes follow RFC 4180; blank lines are skipped, as
/// the CSV reader does.
fn scan_csv(bytes: &[u8], start: usize) -> CsvShape {
    let separator = sniff_separator(bytes, start);
    let mut scan = CsvScan::at(start);
    let mut in_quotes = false;
    let mut i = start;
    // Jumps from one quote, separator or line end to the next (memchr), looking at the
    // bytes between only for what a row needs to know: most of a file is plain cells.
    while i < bytes.len() {
        if in_quotes {
            let Some(k) = memchr::memchr(b'"', &bytes[i..]) else {
                if scan.record == 0 {
                    scan.header_field.extend_from_slice(&bytes[i..]);
                }
                scan.cell_reaches(bytes.len() - 1);
                break;
            };
            if scan.record == 0 {
                scan.header_field.extend_from_slice(&bytes[i..i + k]);
            }
            i += k;
            scan.cell_reaches(i);
            if bytes.get(i + 1) == Some(&b'"') {
                if scan.record == 0 {
                    scan.header_field.push(b'"');
                }
                i += 2;
            } else {
                in_quotes = false;
                i += 1;
            }
            continue;
        }
        let k = memchr::memchr3(b'"', separator, b'\n', &bytes[i..]).unwrap_or(bytes.len() - i);
        if k > 0 {
            let span = &bytes[i..i + k];
            if !scan.row_has_content && span.iter().any(|&b| b != b'\r') {
                scan.row_has_content = true;
            }
            if !scan.row_has_text && span.iter().any(|b| !b.is_ascii_whitespace()) {
                scan.row_has_text = true;
            }
            if scan.record == 0 {
                scan.header_field.extend(span.iter().filter(|&&b| b != b'\r'));
            }
            i += k;
            scan.cell_reaches(i - 1);
            if i >= bytes.len() {
                break;
            }
        }
        let b = bytes[i];
        if b == b'"' {
            in_quotes = true;
            scan.row_has_content = true;
            // A quoted field may still be empty; counting it as text only skips the
            // blank-row filter's shortcut, never a row.
            scan.row_has_text = true;
        } else if b == separator {
            if scan.record == 0 {
                scan.headers
                    .push(String::from_utf8_lossy(&scan.header_field).trim().to_string());
                scan.header_field.clear();
            }
            scan.fields_in_row += 1;
            scan.row_has_content = true;
            scan.cell_start = i + 1;
        } else {
            if !scan.end_row() {
                // An empty line: the CSV reader gives it a row of nulls, which the
                // blank-row filter drops (the rows after it keep their line numbers).
                scan.has_blank_rows = true;
                scan.record += 1;
            }
            scan.row_has_text = false;
            scan.fields_in_row = 0;
            scan.row_has_content = false;
            scan.cell_start = i + 1;
        }
        i += 1;
    }
    scan.end_row();
    CsvShape {
        separator,
        headers: scan.headers,
        ragged: scan.ragged,
        start,
        longest_cell: scan.longest_cell,
        has_blank_rows: scan.has_blank_rows,
    }
}

/// The separator of a CSV file: `;` where the header has more of them than of `,`
/// outside quotes, else `,`.
fn sniff_separator(bytes: &[u8], start: usize) -> u8 {
    let header_line = bytes[start..].split(|&b| b == b'\n').next().unwrap_or(&[]);
    let count_outside = |sep: u8| {
        let mut in_quotes = false;
        header_line
            .iter()
            .filter(|&&b| {
                if b == b'"' {
                    in_quotes = !in_quotes;
                }
                b == sep && !in_quotes
            })
            .count()
    };
    if count_outside(b';') > count_outside(b',') {
        b';'
    } else {
        b','
    }
}

/// [`scan_csv`]'s state: what it has learnt, and where it is in the current row.
struct CsvScan {
    headers: Vec<String>,
    /// The header field being read.
    header_field: Vec<u8>,
    ragged: Option<(usize, usize)>,
    longest_cell: Option<(usize, usize)>,
    has_blank_rows: bool,
    row_has_text: bool,
    row_has_content: bool,
    /// The record being read: 0 is the header.
    record: usize,
    fields_in_row: usize,
    cell_start: usize,
}

impl CsvScan {
    /// Bytes, not characters: a generous bound that still stops a 100 MB cell early.
    const CELL_LIMIT: usize = MAX_CELL_CHARS * 4;

    /// Before the header, which starts at byte `start`.
    fn at(start: usize) -> CsvScan {
        CsvScan {
            headers: Vec::new(),
            header_field: Vec::new(),
            ragged: None,
            longest_cell: None,
            has_blank_rows: false,
            row_has_text: false,
            row_has_content: false,
            record: 0,
            fields_in_row: 0,
            cell_start: start,
        }
    }

    /// Notes a data cell that reaches byte `last` from its start, if it is the first
    /// longer than the limit.
    fn cell_reaches(&mut self, last: usize) {
        if self.record > 0
            && self.longest_cell.is_none()
            && last.saturating_sub(self.cell_start) > Self::CELL_LIMIT
        {
            self.longest_cell = Some((self.record - 1, self.fields_in_row));
        }
    }

    /// Ends the current row if it holds anything (or is the header): the header's last
    /// name kept, a data row's field count checked. Whether it did.
    fn end_row(&mut self) -> bool {
        if !(self.row_has_content || self.record == 0) {
            return false;
        }
        if self.record > 0 && !self.row_has_text {
            self.has_blank_rows = true;
        }
        let fields = self.fields_in_row + 1;
        if self.record == 0 {
            self.headers
                .push(String::from_utf8_lossy(&self.header_field).trim().to_string());
            self.header_field.clear();
        } else if fields != self.headers.len() && self.ragged.is_none() {
            self.ragged = Some((self.record - 1, fields));
        }
        self.record += 1;
        true
    }
}

/// The record (0 = header) and field (0-based) holding byte `offset`.
fn locate_offset(bytes: &[u8], start: usize, separator: u8, offset: usize) -> (usize, usize) {
    let mut in_quotes = false;
    let (mut record, mut field) = (0usize, 0usize);
    for &b in &bytes[start..offset.min(bytes.len())] {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                record += 1;
                field = 0;
            }
            b if b == separator && !in_quotes => field += 1,
            _ => {}
        }
    }
    (record, field)
}

/// Adds [`ROW_COLUMN`] and drops rows where every cell is blank (Excel leaves them at
/// the end of exports); the row numbers of the others are kept.
fn with_row_index_dropping_blank(df: DataFrame, offset: Option<IdxSize>) -> Result<DataFrame> {
    let names: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    if names.is_empty() {
        return df
            .with_row_index(ROW_COLUMN.into(), offset)
            .map_err(Error::polars("numbering rows"));
    }
    let any_content: Vec<Expr> = names
        .iter()
        .map(|n| {
            col(n.as_str())
                .str()
                .strip_chars(lit(NULL))
                .str()
                .len_chars()
                .gt(lit(0))
        })
        .collect();
    df.lazy()
        .with_row_index(ROW_COLUMN, offset)
        .filter(
            any_horizontal(any_content)
                .map_err(Error::polars("numbering rows"))?
                .fill_null(lit(false)),
        )
        .collect()
        .map_err(Error::polars("numbering rows"))
}

// ---------------------------------------------------------------- XLSX

/// What an XLSX may expand to: its parts together, and the ratio of a large part to
/// its compressed size. A genuine export of a million rows expands to a few hundred MB
/// at ratios under 50; a zip bomb or a padded shared-strings table goes far past both.
pub const MAX_XLSX_EXPANDED_BYTES: u64 = 2 << 30;
const MAX_XLSX_RATIO: u64 = 200;
const XLSX_RATIO_FLOOR_BYTES: u64 = 16 << 20;

/// Refuses an XLSX whose zip directory declares parts too large to inflate, before
/// calamine reads any of them (the sizes are the archive's own; the zip reader stops a
/// part at its declared size).
fn check_xlsx_expansion(path: &Path, file: &str) -> Result<()> {
    let Ok(handle) = std::fs::File::open(path) else {
        return Ok(());
    };
    // Not a zip at all: calamine names the problem.
    let Ok(mut archive) = ::zip::ZipArchive::new(handle) else {
        return Ok(());
    };
    let mut total = 0u64;
    for i in 0..archive.len() {
        let Ok(part) = archive.by_index_raw(i) else {
            continue;
        };
        let (expanded, packed) = (part.size(), part.compressed_size().max(1));
        total = total.saturating_add(expanded);
        if expanded > XLSX_RATIO_FLOOR_BYTES && expanded / packed > MAX_XLSX_RATIO {
            return Err(refuse(
                file,
                String::new(),
                String::new(),
                "xlsx-too-large",
                format!(
                    "part {} would expand to {}, more than {MAX_XLSX_RATIO} times its packed size: \
                     not an export (a zip bomb?)",
                    part.name()
                        .ok()
                        .map(|n| n.into_owned())
                        .filter(|n| super::identity::classify(n).is_none())
                        .unwrap_or_else(|| format!("#{}", i + 1)),
                    megabytes(expanded)
                ),
            ));
        }
    }
    if total > MAX_XLSX_EXPANDED_BYTES {
        return Err(refuse(
            file,
            String::new(),
            String::new(),
            "xlsx-too-large",
            format!(
                "the workbook would expand to {}, over the limit of {}",
                megabytes(total),
                megabytes(MAX_XLSX_EXPANDED_BYTES)
            ),
        ));
    }
    Ok(())
}

/// The most cells a sheet's span may cover (first to last row, first to last column):
/// the XLSX reader allocates the whole span (one cell at XFD1048576 beside one at A1
/// would ask for seventeen billion) and holds the sheet whole, so a sheet is bounded as
/// any table read whole is. Larger exports are sent as CSV or Parquet, read in parts.
pub const MAX_XLSX_SPAN_CELLS: u64 = MAX_CELLS_HELD;

/// Refuses, before the XLSX reader allocates anything, a workbook whose parts claim more
/// than they hold (issue 31): a shared-strings table announcing more strings than its
/// bytes can hold (the reader reserves room for them all), or a sheet whose cells span
/// more than [`MAX_XLSX_SPAN_CELLS`]. Reads each part as a stream, once.
///
/// The same reading scans the parts beside the cells for identity (see
/// [`part_described`]): a phone number in a comment, a `tel:` or `mailto:` link, an
/// author's e-mail in the document properties, a CCCD in a page header or a chart title.
/// Only the cells are read into the store, but a file carrying identity anywhere is not
/// taken in (issue 31: "XLSX whole"). What was found, if anything, is returned for the
/// caller to refuse with once the cells' own findings (sheet names first) are made.
fn check_xlsx_claims(path: &Path, file: &str) -> Result<Option<&'static str>> {
    use std::io::Read;
    let Ok(handle) = std::fs::File::open(path) else {
        return Ok(None);
    };
    let Ok(mut archive) = ::zip::ZipArchive::new(std::io::BufReader::new(handle)) else {
        return Ok(None);
    };
    let mut beside = None;
    let identifying = |texts: &[String]| {
        texts.iter().any(|t| {
            let t = t
                .strip_prefix("tel:")
                .or_else(|| t.strip_prefix("mailto:"))
                .unwrap_or(t);
            super::identity::classify(t).is_some()
        })
    };
    let refused =
        |rule: &'static str, reason: String| refuse(file, String::new(), String::new(), rule, reason);
    for i in 0..archive.len() {
        let Ok(mut part) = archive.by_index(i) else {
            continue;
        };
        let name = part.name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        if name == "xl/sharedstrings.xml" {
            let size = part.size();
            let mut head = vec![0u8; 8192];
            let n = read_up_to(&mut part, &mut head);
            let head = String::from_utf8_lossy(&head[..n]);
            for attribute in ["uniqueCount=\"", "count=\""] {
                let claimed: Option<u64> = head.find(attribute).and_then(|at| {
                    let digits: String = head[at + attribute.len()..]
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect();
                    digits.parse().ok()
                });
                // A string takes at least the 7 bytes of `<si></si>` in the part.
                if claimed.is_some_and(|c| c > size / 7 + 16) {
                    return Err(refused(
                        "xlsx-claims",
                        "the workbook's table of strings claims more strings than it holds: not an export"
                            .into(),
                    ));
                }
            }
        } else if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            let (span, header_footer) = stream_sheet(&mut part);
            if identifying(&header_footer) {
                beside = beside.or(Some("a page header or footer"));
            }
            if span > MAX_XLSX_SPAN_CELLS {
                return Err(refused(
                    "xlsx-too-large",
                    format!(
                        "a sheet's cells span more than {} cells (one far from the others?), more than a \
                         workbook is read with: send a larger export as CSV or Parquet",
                        MAX_XLSX_SPAN_CELLS
                    ),
                ));
            }
        } else if let Some(what) = part_described(&name) {
            // The claimed sizes were checked before (`check_xlsx_expansion`); a part is
            // read no further than that bound.
            let mut xml = String::new();
            if part
                .take(MAX_XLSX_EXPANDED_BYTES)
                .read_to_string(&mut xml)
                .is_err()
            {
                continue;
            }
            let texts = if name.starts_with("xl/drawings/") || name.starts_with("xl/charts/") {
                // Of a drawing or chart, its text runs only: sizes and cached series
                // values are numbers of every length.
                xml.split("<a:t>")
                    .skip(1)
                    .filter_map(|t| t.split("</a:t>").next())
                    .map(|t| xml_texts(t, false).concat())
                    .collect()
            } else {
                // Attribute values hold a link's target and a person's name or e-mail;
                // in properties and comments only the texts are data.
                xml_texts(&xml, name.contains("_rels/") || name.starts_with("xl/persons/"))
            };
            if identifying(&texts) {
                beside = beside.or(Some(what));
            }
        }
    }
    Ok(beside)
}

/// Reads into `buffer` as much as the reader gives, up to its length.
fn read_up_to(reader: &mut impl std::io::Read, buffer: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    filled
}

/// The page header and footer of a sheet come after its cells, within this many bytes
/// of its end (only small elements follow them).
const SHEET_TAIL_BYTES: usize = 256 << 10;

/// What one reading of a sheet's XML as a stream tells: how many cells the span of its
/// cell references covers (rows × columns from the first to the last, every `r="…"` of
/// a cell or a row), and the texts of its page header and footer (from its tail).
fn stream_sheet(reader: &mut impl std::io::Read) -> (u64, Vec<String>) {
    let (mut rows, mut cols) = ((u64::MAX, 0u64), (u64::MAX, 0u64));
    let mut buffer = vec![0u8; 1 << 16];
    let mut carry: Vec<u8> = Vec::new();
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = read_up_to(reader, &mut buffer);
        if n == 0 {
            break;
        }
        tail.extend_from_slice(&buffer[..n]);
        if tail.len() > 2 * SHEET_TAIL_BYTES {
            tail.drain(..tail.len() - SHEET_TAIL_BYTES);
        }
        carry.extend_from_slice(&buffer[..n]);
        let mut consumed = 0;
        let finder = memchr::memmem::Finder::new(b" r=\"");
        for at in finder.find_iter(&carry) {
            let value = &carry[at + 4..];
            let Some(end) = value.iter().position(|&b| b == b'"') else {
                break;
            };
            let reference = &value[..end.min(16)];
            let letters = reference.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            let row: u64 = std::str::from_utf8(&reference[letters..])
                .ok()
                .and_then(|d| d.parse().ok())
                .unwrap_or(0);
            if row > 0 {
                rows = (rows.0.min(row), rows.1.max(row));
            }
            if letters > 0 {
                let col = reference[..letters].iter().fold(0u64, |c, b| {
                    c.saturating_mul(26) + u64::from(b.to_ascii_uppercase() - b'A' + 1)
                });
                cols = (cols.0.min(col), cols.1.max(col));
            }
            consumed = at + 4 + end;
        }
        // Keep what could start a reference cut by the end of the chunk.
        let keep_from = consumed.max(carry.len().saturating_sub(32));
        carry.drain(..keep_from);
    }
    let span = |(low, high): (u64, u64)| if low == u64::MAX { 1 } else { high - low + 1 };
    let tail = String::from_utf8_lossy(&tail);
    let header_footer = [
        "oddHeader",
        "oddFooter",
        "evenHeader",
        "evenFooter",
        "firstHeader",
        "firstFooter",
    ]
    .iter()
    .flat_map(|tag| {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        tail.match_indices(&open)
            .filter_map(|(at, _)| {
                let start = at + open.len();
                let end = tail[start..].find(&close)? + start;
                Some(xml_texts(&tail[start..end], false).concat())
            })
            .collect::<Vec<_>>()
    })
    .collect();
    (span(rows).saturating_mul(span(cols)), header_footer)
}

/// What a workbook part beside the cells holds, named for a finding: comments, notes,
/// links, document properties, drawings and charts, the people of threaded comments.
fn part_described(name: &str) -> Option<&'static str> {
    let described = if name.starts_with("xl/comments") || name.starts_with("xl/threadedcomments/") {
        "a comment"
    } else if name.starts_with("xl/persons/") {
        "a comment's author"
    } else if name.starts_with("docprops/") {
        "a document property"
    } else if name.starts_with("xl/worksheets/_rels/") || name.starts_with("xl/_rels/") {
        "a link"
    } else if name.starts_with("xl/drawings/") || name.starts_with("xl/charts/") {
        "a drawing or chart text"
    } else {
        return None;
    };
    Some(described)
}

/// The texts of an XML part: its text nodes, and with `attributes` its attribute values
/// too, entities decoded.
fn xml_texts(xml: &str, attributes: bool) -> Vec<String> {
    let decode = |t: &str| {
        t.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    };
    let mut texts = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        if !text.trim().is_empty() {
            texts.push(decode(text));
        }
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open..open + close];
        for value in tag.split('"').skip(1).step_by(2).filter(|_| attributes) {
            if !value.is_empty() {
                texts.push(decode(value));
            }
        }
        rest = &rest[open + close + 1..];
    }
    // A fragment (an element's content) ends in text.
    if !rest.trim().is_empty() {
        texts.push(decode(rest));
    }
    texts
}

/// The workbook opened, and the sheet to read (its position and name): the one named as
/// the file, whatever the case, else the first.
fn open_sheet(
    path: &Path,
    file: &str,
) -> Result<(calamine::Sheets<std::io::BufReader<std::fs::File>>, usize, String)> {
    let workbook = calamine::open_workbook_auto(path).map_err(|e| {
        refuse(
            file,
            String::new(),
            String::new(),
            "xlsx-unreadable",
            format!(
                "the workbook cannot be opened; it may be truncated or not an XLSX file ({})",
                library_detail(e)
            ),
        )
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let names = workbook.sheet_names();
    let index = names
        .iter()
        .position(|n| n.to_lowercase() == stem)
        .or_else(|| (!names.is_empty()).then_some(0))
        .ok_or_else(|| {
            refuse(
                file,
                String::new(),
                String::new(),
                "xlsx-unreadable",
                "the workbook has no sheet".into(),
            )
        })?;
    let sheet = names[index].clone();
    Ok((workbook, index, sheet))
}

fn read_xlsx(path: &Path, file: &str) -> Result<RawTable> {
    check_xlsx_expansion(path, file)?;
    let identity_beside_cells = check_xlsx_claims(path, file)?;
    let (mut workbook, index, sheet) = open_sheet(path, file)?;
    // Messages name a sheet by its position, never by its name: a sheet may be named
    // after a person, which no check can tell.
    let shown_sheet = format!("sheet {}", index + 1);
    scan_workbook(&mut workbook, file, index)?;
    if let Some(what) = identity_beside_cells {
        return Err(refuse(
            file,
            String::new(),
            String::new(),
            "identifying-value",
            format!("{what} that looks like identifying data (not shown); the whole file is refused"),
        ));
    }
    let range = workbook.worksheet_range(&sheet).map_err(|e| {
        refuse(
            file,
            shown_sheet.clone(),
            String::new(),
            "xlsx-unreadable",
            format!(
                "the sheet cannot be read; the file may be truncated ({})",
                library_detail(e)
            ),
        )
    })?;
    let Some((start_row, start_col)) = range.start() else {
        return Err(refuse(
            file,
            shown_sheet,
            String::new(),
            "empty-file",
            "the sheet is empty".into(),
        ));
    };
    let mut rows = range.rows();
    let header_cells = rows.next().unwrap_or(&[]);
    // Trailing columns with no header and no content are Excel's formatting, not data.
    let mut width = header_cells.len();
    while width > 0 && header_cells[width - 1].is_empty() {
        width -= 1;
    }
    let headers: Vec<String> = header_cells[..width]
        .iter()
        .map(cell_text)
        .map(|t| t.unwrap_or_default())
        .collect();
    let header_row = start_row + 1;
    let origin = Origin::Xlsx {
        sheet: shown_sheet.clone(),
        header_row,
        first_col: start_col,
    };
    let table = SheetTable {
        file,
        shown_sheet: &shown_sheet,
        start: (start_row, start_col),
        headers: &headers,
        width,
    };
    let formulas = workbook.worksheet_formula(&sheet).ok();
    let (columns, identity) = table.cells(rows, range.height(), formulas.as_ref())?;
    if !identity.is_empty() {
        return Err(Error::Refused(Box::new(Findings {
            list: identity,
            verdict: "the file is refused; nothing was loaded".into(),
            unlisted: Default::default(),
        })));
    }
    let columns: Vec<Column> = columns
        .into_iter()
        .enumerate()
        .map(|(i, values)| Column::new(RawTable::column_key(i).into(), values))
        .collect();
    let df =
        DataFrame::new_infer_height(columns).map_err(Error::polars(format!("{file}: building the table")))?;
    let df = with_row_index_dropping_blank(df, None)?;
    Ok(RawTable {
        path: path.to_path_buf(),
        file: file.to_string(),
        format: Format::Xlsx,
        headers,
        df,
        origin,
        // Set by `read_table` from its own pass over the file.
        sha256: String::new(),
    })
}

/// A column of a sheet's cells as text (None: empty).
type TextColumn = Vec<Option<String>>;

/// Where a sheet's table lies: what its cells are checked against and named by.
struct SheetTable<'a> {
    file: &'a str,
    /// "sheet N": a sheet is named by its position, never by its name.
    shown_sheet: &'a str,
    /// The header row's first cell (row, column), from 0.
    start: (u32, u32),
    headers: &'a [String],
    width: usize,
}

impl SheetTable<'_> {
    /// The cell the reader's spreadsheet names, e.g. "sheet 1!C7", of data row r, column c.
    fn cell_at(&self, r: usize, c: usize) -> String {
        format!(
            "{}!{}{}",
            self.shown_sheet,
            column_letters(self.start.1 as usize + c),
            self.start.0 as usize + 2 + r
        )
    }

    /// Every data cell checked (a formula without its value, a value beyond the headers,
    /// an error cell, an oversized cell refuse the file) and read into its column; number
    /// cells that may be an identity with its leading zero dropped, listed.
    fn cells(
        &self,
        rows: calamine::Rows<'_, Data>,
        height: usize,
        formulas: Option<&calamine::Range<String>>,
    ) -> Result<(Vec<TextColumn>, Vec<Finding>)> {
        let mut columns: Vec<TextColumn> = vec![Vec::with_capacity(height); self.width];
        let mut identity = Vec::new();
        for (r, row) in rows.enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let at = (self.start.0 + 1 + r as u32, self.start.1 + c as u32);
                if cell.is_empty()
                    && formulas
                        .as_ref()
                        .and_then(|f| f.get_value(at))
                        .is_some_and(|f| !f.is_empty())
                {
                    return Err(refuse(
                        self.file,
                        self.cell_at(r, c),
                        header_shown(self.headers, c.min(self.width.saturating_sub(1))),
                        "formula-without-value",
                        "a formula whose value the file does not hold (saved without calculating): \
                         not data; open the file in a spreadsheet and save it again"
                            .into(),
                    ));
                }
                if numeric_cell(cell).is_some_and(super::identity::numeric_identity) {
                    identity.push(Finding {
                        file: self.file.to_string(),
                        location: self.cell_at(r, c),
                        data_row: Some(r),
                        column: header_shown(self.headers, c.min(self.width.saturating_sub(1))),
                        rule: "identifying-value",
                        reason: "a number cell that may hold an identity or phone number whose leading \
                                 zero the spreadsheet dropped (value not shown); the whole file is refused"
                            .into(),
                    });
                }
                if c >= self.width {
                    if !cell.is_empty() {
                        return Err(refuse(
                            self.file,
                            self.cell_at(r, c),
                            String::new(),
                            "ragged-row",
                            "a value in a column that has no header".into(),
                        ));
                    }
                    continue;
                }
                if let Data::Error(e) = cell {
                    return Err(refuse(
                        self.file,
                        self.cell_at(r, c),
                        header_shown(self.headers, c),
                        "xlsx-error-cell",
                        format!("the cell holds a spreadsheet error ({e})"),
                    ));
                }
                let text = cell_text(cell);
                if text.as_ref().is_some_and(|t| t.chars().count() > MAX_CELL_CHARS) {
                    return Err(refuse(
                        self.file,
                        self.cell_at(r, c),
                        header_shown(self.headers, c),
                        "cell-size",
                        format!("a cell longer than {MAX_CELL_CHARS} characters"),
                    ));
                }
                columns[c].push(text);
            }
        }
        Ok((columns, identity))
    }
}

/// The number a number cell holds.
fn numeric_cell(cell: &Data) -> Option<f64> {
    match cell {
        Data::Int(i) => Some(*i as f64),
        Data::Float(f) => Some(*f),
        _ => None,
    }
}

/// What a workbook holds besides the sheet read (issue 31): every sheet, whatever its
/// visibility, and the sheets' and defined names, read as the identity scan reads a file.
/// A value that looks like identity anywhere refuses the file, as in the sheet read.
fn scan_workbook<R: Reader<RS>, RS: std::io::Read + std::io::Seek>(
    workbook: &mut R,
    file: &str,
    read: usize,
) -> Result<()> {
    let identifying = |text: &str| {
        super::identity::classify(text).is_some()
            || super::identity::is_identifying_header(crate::model::Kind::Cases, text)
    };
    let found = |location: String, what: &str| {
        refuse(
            file,
            location,
            String::new(),
            "identifying-value",
            format!("{what} that looks like identifying data (not shown); the whole file is refused"),
        )
    };
    let names = workbook.sheet_names();
    for (i, name) in names.iter().enumerate() {
        if identifying(name) {
            return Err(found(format!("sheet {}", i + 1), "a sheet name"));
        }
    }
    for (i, (name, formula)) in workbook.defined_names().iter().enumerate() {
        if identifying(name) || super::identity::classify(formula).is_some() {
            return Err(found(format!("defined name {}", i + 1), "a defined name"));
        }
    }
    for (i, name) in names.iter().enumerate() {
        if i == read {
            continue;
        }
        // A chart sheet or a sheet the reader cannot read holds no cells to scan.
        let Ok(range) = workbook.worksheet_range(name) else {
            continue;
        };
        let (top, left) = range.start().unwrap_or((0, 0));
        for (r, row) in range.rows().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let text = cell_text(cell).unwrap_or_default();
                let header_words =
                    r == 0 && super::identity::is_identifying_header(crate::model::Kind::Cases, &text);
                let value = super::identity::classify(&text).is_some()
                    || numeric_cell(cell).is_some_and(super::identity::numeric_identity);
                if header_words || value {
                    let at = format!(
                        "sheet {}!{}{}",
                        i + 1,
                        column_letters(left as usize + c),
                        top as usize + r + 1
                    );
                    return Err(found(at, "a cell of another sheet"));
                }
            }
        }
        if let Ok(formulas) = workbook.worksheet_formula(name) {
            if formulas
                .used_cells()
                .any(|(_, _, f)| super::identity::classify(f).is_some())
            {
                return Err(found(format!("sheet {}", i + 1), "a formula"));
            }
        }
    }
    Ok(())
}

/// A cell as the text the contract expects: date cells in ISO form, whole numbers
/// without a decimal point.
fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) => Some(if f.fract() == 0.0 && f.abs() < 1e15 {
            format!("{}", *f as i64)
        } else {
            f.to_string()
        }),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => Some(t.format("%Y-%m-%d").to_string()),
            Some(t) => Some(t.format("%Y-%m-%d %H:%M:%S").to_string()),
            None => Some(dt.as_f64().to_string()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.replace('T', " ")),
        Data::Error(e) => Some(format!("#{e}")),
    }
}

// ---------------------------------------------------------------- Parquet

/// The most rows a Parquet export may declare (a nation's cases over many years are far
/// fewer), and the most bytes its columns may declare once decompressed: the reader
/// reads a Parquet file whole and allocates what the footer declares.
const MAX_PARQUET_ROWS: u64 = 200_000_000;
const MAX_PARQUET_EXPANDED_BYTES: u64 = 4 << 30;

/// The largest Parquet footer (the file's metadata) read: a flat export of the
/// contract's columns needs a few hundred kilobytes even in hundreds of row groups.
const MAX_PARQUET_FOOTER_BYTES: u64 = 4 << 20;

/// What a Parquet file's footer declares: its rows and (flat) columns.
#[derive(Debug, Clone, Copy)]
pub struct ParquetShape {
    pub rows: u64,
    pub columns: u64,
}

/// Reads the Parquet footer as its flat list of schema elements and refuses a file whose
/// columns are not flat (an export is a table: a nested column holds no contract column)
/// or whose footer claims more than it can hold, before the Parquet reader builds a tree
/// of the schema (recursively: a column nested a thousand deep in a few KB aborted the
/// program) or allocates for declared counts.
pub fn parquet_shape(path: &Path, file: &str) -> Result<ParquetShape> {
    use polars_parquet_format::thrift::protocol::TCompactInputProtocol;
    use std::io::{Read, Seek, SeekFrom};
    let unreadable = |why: String| {
        refuse(
            file,
            String::new(),
            String::new(),
            "parquet-unreadable",
            format!("the file cannot be read as Parquet ({why})"),
        )
    };
    let mut handle = std::fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
    let size = handle.metadata().map_err(|e| Error::io(path.display(), e))?.len();
    if size < 12 {
        return Err(unreadable("too short".into()));
    }
    let mut tail = [0u8; 8];
    handle
        .seek(SeekFrom::End(-8))
        .and_then(|_| handle.read_exact(&mut tail))
        .map_err(|e| Error::io(path.display(), e))?;
    if &tail[4..] != b"PAR1" {
        return Err(unreadable("no Parquet footer".into()));
    }
    let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer_len + 12 > size || footer_len > MAX_PARQUET_FOOTER_BYTES {
        return Err(unreadable(format!(
            "its metadata claims {footer_len} bytes, more than the file or {} MB",
            MAX_PARQUET_FOOTER_BYTES >> 20
        )));
    }
    let mut footer = vec![0u8; footer_len as usize];
    handle
        .seek(SeekFrom::End(-8 - footer_len as i64))
        .and_then(|_| handle.read_exact(&mut footer))
        .map_err(|e| Error::io(path.display(), e))?;
    // The reader charges each list's claimed length (8 bytes an element) and each text
    // against this budget before allocating: no list may claim more elements than the
    // footer has bytes.
    let mut protocol = TCompactInputProtocol::new(footer.as_slice(), footer.len() * 8);
    let metadata = polars_parquet_format::FileMetaData::read_from_in_protocol(&mut protocol)
        .map_err(|e| unreadable(format!("its metadata: {e}")))?;
    // What the footer declares is what the reader allocates for: rows and uncompressed
    // bytes beyond what any export holds refuse the file before they are asked for.
    let declared_rows = (metadata.num_rows.max(0) as u64).max(
        metadata
            .row_groups
            .iter()
            .map(|g| g.num_rows.max(0) as u64)
            .sum::<u64>(),
    );
    let declared_bytes: u64 = metadata
        .row_groups
        .iter()
        .flat_map(|g| &g.columns)
        .filter_map(|c| c.meta_data.as_ref())
        .map(|m| m.total_uncompressed_size.max(0) as u64)
        .sum();
    if declared_rows > MAX_PARQUET_ROWS || declared_bytes > MAX_PARQUET_EXPANDED_BYTES {
        return Err(refuse(
            file,
            String::new(),
            String::new(),
            "parquet-too-large",
            format!(
                "its metadata declares {declared_rows} rows or {} MB once decompressed, more than \
                 any export ({MAX_PARQUET_ROWS} rows, {} MB)",
                declared_bytes >> 20,
                MAX_PARQUET_EXPANDED_BYTES >> 20
            ),
        ));
    }
    let columns = metadata.schema.len().saturating_sub(1) as u64;
    if metadata
        .schema
        .iter()
        .skip(1)
        .any(|element| element.num_children.unwrap_or(0) > 0)
    {
        return Err(refuse(
            file,
            String::new(),
            String::new(),
            "parquet-nested",
            "a column holds nested columns (a struct, list or map); an export has flat columns only".into(),
        ));
    }
    Ok(ParquetShape {
        rows: declared_rows,
        columns,
    })
}

/// Reads a Parquet file whole, when it holds no more cells than a table read whole may
/// (larger exports of cases and content reports are read in parts, by
/// [`read_parquet_rows`]).
fn read_parquet(path: &Path, file: &str) -> Result<RawTable> {
    let shape = parquet_shape(path, file)?;
    if shape.rows.saturating_mul(shape.columns) > MAX_CELLS_HELD {
        return Err(too_many_cells(file));
    }
    read_parquet_rows(path, file, None)
}

/// A file too large to be read whole (one that is not read in parts: a reference file).
fn too_many_cells(file: &str) -> Error {
    refuse(
        file,
        String::new(),
        String::new(),
        "too-large",
        format!(
            "the file holds more than {MAX_CELLS_HELD} cells or {}, more than a reference file \
             is read with (only cases and content reports are read in parts)",
            megabytes(MAX_BYTES_HELD)
        ),
    )
}

/// Reads the rows of a Parquet file, or a slice of them (first row, rows), numbered as
/// in the whole file. Its footer was checked ([`parquet_shape`]).
pub(crate) fn read_parquet_rows(path: &Path, file: &str, slice: Option<(usize, usize)>) -> Result<RawTable> {
    let handle = std::fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
    let df = ParquetReader::new(handle)
        .with_slice(slice)
        .finish()
        .map_err(|e| {
            refuse(
                file,
                String::new(),
                String::new(),
                "parquet-unreadable",
                format!("the file cannot be read as Parquet ({})", library_detail(e)),
            )
        })?;
    let headers: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    let as_text: Vec<Expr> = df
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let e = col(c.name().as_str());
            let text = match c.dtype() {
                DataType::Datetime(_, _) => e.dt().strftime("%Y-%m-%d %H:%M:%S"),
                DataType::Date => e.dt().strftime("%Y-%m-%d"),
                _ => e.cast(DataType::String),
            };
            text.alias(RawTable::column_key(i))
        })
        .collect();
    let df = df
        .lazy()
        .select(as_text)
        .collect()
        .map_err(Error::polars(format!("{file}: reading columns as text")))?;
    let df = with_row_index_dropping_blank(df, slice.map(|(first, _)| first as IdxSize))?;
    Ok(RawTable {
        path: path.to_path_buf(),
        file: file.to_string(),
        format: Format::Parquet,
        headers,
        df,
        origin: Origin::Parquet,
        sha256: String::new(),
    })
}

/// The SHA-256 of a file, read in blocks (empty for what is not read: not a file, or
/// over the size limit).
pub fn sha256_of(path: &Path) -> Result<String> {
    use sha2::Digest as _;
    use std::io::Read as _;
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
    if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
        // Never read what has no end, or what is refused for its size.
        return Ok(String::new());
    }
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(|e| Error::io(path.display(), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(crate::hex(&hasher.finalize()))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    crate::hex(&sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_texts_are_the_texts_and_optionally_the_attributes_of_a_part_or_a_fragment() {
        let part = r#"<r Target="tel:0912" x="1"><t>a &amp; b</t> <u/>c</r>"#;
        assert_eq!(xml_texts(part, false), vec!["a & b", "c"]);
        assert_eq!(xml_texts(part, true), vec!["tel:0912", "1", "a & b", "c"]);
        assert_eq!(xml_texts("&amp;CCCCD 079", false), vec!["&CCCCD 079"]);
    }

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(5), "F");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn scan_finds_separator_headers_and_ragged_rows() {
        let bytes = b"\xEF\xBB\xBFa;b;\"c;d\"\n1;2;3\n\n4;5\n";
        let shape = scan_csv(bytes, 3);
        assert_eq!(shape.separator, b';');
        assert_eq!(shape.headers, vec!["a", "b", "c;d"]);
        // The empty line is a (blank) data row, so "4;5" is the third: line 4.
        assert_eq!(shape.ragged, Some((2, 2)));
    }

    #[test]
    fn rows_of_bare_separators_are_noticed() {
        assert!(scan_csv(b"a;b\n1;2\n ; \n", 0).has_blank_rows);
        // The CSV reader makes a row of an empty line too (in the middle or at the end).
        assert!(scan_csv(b"a;b\n1;2\n\n3;4\n", 0).has_blank_rows);
        assert!(scan_csv(b"a;b\n1;2\n3;4\n\n", 0).has_blank_rows);
        assert!(scan_csv(b"a;b\r\n1;2\r\n\r\n3;4\r\n", 0).has_blank_rows);
        assert!(!scan_csv(b"a;b\n1;2\n3;4\n", 0).has_blank_rows);
        assert!(!scan_csv(b"a;b\r\n1;2\r\n3;4", 0).has_blank_rows);
    }

    #[test]
    fn quoted_newlines_do_not_split_rows() {
        let bytes = b"a,b\n\"x\ny\",2\n3,4";
        let shape = scan_csv(bytes, 0);
        assert_eq!(shape.separator, b',');
        assert_eq!(shape.ragged, None);
        assert_eq!(locate_offset(bytes, 0, b',', bytes.len() - 1), (2, 1));
    }
}
