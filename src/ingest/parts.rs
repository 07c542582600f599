//! Exports too large to hold in memory at once are read, checked and loaded a part at a
//! time. A ten-million-case export is a 2 GB CSV; held whole, with its columns parsed,
//! it would take several times that. Each part is a run of whole records (a quoted
//! field may hold line breaks, so parts end only at a line end outside quotes) read
//! with the header in front, and its rows keep their numbers in the whole file.
//!
//! A part is bounded twice: by its bytes and by its cells (rows × columns), since a
//! narrow cell costs polars far more held than on disk (a one-letter cell is a 16-byte
//! view in each of the frames validation makes), so a file of short cells would
//! otherwise take twenty times its size. A file is read whole only when it fits in one
//! part by both measures; otherwise CSV and Parquet exports of cases and content reports
//! are read in parts (a Parquet file a slice of rows at a time), and any other file is
//! refused by its reader (the reference files are small; an XLSX sheet is held whole by
//! its library, so its span is bounded instead).

use std::io::Read;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use sha2::Digest;

use super::plan::Planned;
use super::read::{self, header_end, header_fields, record_ends, Format, RawTable};
use super::validate::{self, Validated};
use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::hex;
use crate::model::Kind;

/// The size of a part in bytes read. A file larger than one part is read in parts
/// (a load with quarantine then reads and validates it twice, once to judge it and once
/// to write it).
pub const DEFAULT_PART_BYTES: u64 = 128 << 20;

/// The most cells a part holds: about 2 million, some 90,000 cases of the contract's 23
/// columns. Validation holds a cell about three times as a 16-byte view with its parsed
/// value, some 50 bytes, so a part of cells costs about what a part of bytes does
/// (measured in RELIABILITY.md); the cases of a province's year are a few thousand.
pub const DEFAULT_PART_CELLS: u64 = DEFAULT_PART_BYTES / 64;

/// The rows of a file whose id another row has.
#[derive(Debug, Default)]
pub struct Repeated {
    pub rows: crate::findings::RowSet,
    /// The findings of the first of them.
    pub kept: Vec<Finding>,
}

/// The longest record any export can hold: every column of the contract's widest
/// kind at the longest cell, in UTF-8, with room to spare.
const MAX_RECORD_BYTES: usize = 16 << 20;

/// [`DEFAULT_PART_BYTES`], or `BAOVE_PART_BYTES` (tests use small parts on small files).
pub fn part_bytes() -> u64 {
    positive_from_env("BAOVE_PART_BYTES", DEFAULT_PART_BYTES)
}

/// [`DEFAULT_PART_CELLS`], or `BAOVE_PART_CELLS`.
pub fn part_cells() -> u64 {
    positive_from_env("BAOVE_PART_CELLS", DEFAULT_PART_CELLS)
}

fn positive_from_env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// Whether a planned file is read in parts: a CSV or Parquet export of cases or content
/// reports larger than one part, in bytes or in cells.
pub fn in_parts(planned: &Planned) -> bool {
    if !matches!(planned.kind, Kind::Cases | Kind::ContentReports) {
        return false;
    }
    let Ok(meta) = std::fs::metadata(&planned.path) else {
        return false;
    };
    // Anything but a regular file, or a file over the limit, is refused by the reader.
    if !meta.is_file() || meta.len() > read::MAX_FILE_BYTES {
        return false;
    }
    match Format::from_path(&planned.path) {
        Some(Format::Csv) => {
            meta.len() > part_bytes().min(read::MAX_BYTES_HELD)
                || std::fs::read(&planned.path)
                    .is_ok_and(|bytes| read::csv_cells(&bytes) > part_cells().min(read::MAX_CELLS_HELD))
        }
        // A footer that cannot be read is refused by the reader, whole.
        Some(Format::Parquet) => read::parquet_shape(&planned.path, "").is_ok_and(|shape| {
            shape.rows.saturating_mul(shape.columns) > part_cells().min(read::MAX_CELLS_HELD)
        }),
        _ => false,
    }
}

/// The parts of an export, CSV or Parquet.
pub enum Parts {
    Csv(Box<CsvParts>),
    Parquet(ParquetParts),
}

impl Parts {
    pub fn open(path: &Path, file_name: &str) -> Result<Parts> {
        match Format::from_path(path) {
            Some(Format::Parquet) => ParquetParts::open(path, file_name).map(Parts::Parquet),
            _ => CsvParts::open(path, file_name).map(|parts| Parts::Csv(Box::new(parts))),
        }
    }

    /// The next part as a table whose rows are numbered as in the whole file; None after
    /// the last.
    pub fn next_part(&mut self) -> Result<Option<RawTable>> {
        match self {
            Parts::Csv(parts) => parts.next_part(),
            Parts::Parquet(parts) => parts.next_part(),
        }
    }

    /// How many rows the whole file holds (judged from the parts read so far for a CSV
    /// file, None before the first; declared by a Parquet file).
    pub fn estimated_rows(&self) -> Option<usize> {
        match self {
            Parts::Csv(parts) => parts.estimated_rows(),
            Parts::Parquet(parts) => Some(parts.rows),
        }
    }

    /// The SHA-256 of the whole file.
    pub fn sha256(self) -> Result<String> {
        match self {
            Parts::Csv(parts) => parts.sha256(),
            Parts::Parquet(parts) => read::sha256_of(&parts.path),
        }
    }
}

/// A Parquet export read a slice of rows at a time (the reader decodes only the pages
/// of a slice's row groups that hold its rows).
pub struct ParquetParts {
    path: PathBuf,
    file_name: String,
    rows: usize,
    next_row: usize,
    rows_per_part: usize,
}

impl ParquetParts {
    fn open(path: &Path, file_name: &str) -> Result<ParquetParts> {
        let shape = read::parquet_shape(path, file_name)?;
        Ok(ParquetParts {
            path: path.to_path_buf(),
            file_name: file_name.to_string(),
            rows: shape.rows as usize,
            next_row: 0,
            rows_per_part: (part_cells() / shape.columns.max(1)).max(1) as usize,
        })
    }

    fn next_part(&mut self) -> Result<Option<RawTable>> {
        if self.next_row >= self.rows && self.next_row > 0 {
            return Ok(None);
        }
        let take = self.rows_per_part.min(self.rows - self.next_row);
        let table = read::read_parquet_rows(&self.path, &self.file_name, Some((self.next_row, take)))?;
        self.next_row += take.max(1);
        if self.next_row == 1 {
            read::check_headers(&table)?;
        }
        Ok(Some(table))
    }
}

/// The parts of one CSV file, in order; the checksum of the whole file builds up as the
/// parts are read.
pub struct CsvParts {
    path: PathBuf,
    file_name: String,
    reader: std::fs::File,
    hasher: sha2::Sha256,
    /// The header record as written (after any BOM), put in front of every later part.
    header: Vec<u8>,
    /// Bytes read but not yet handed out (the start of the next part).
    carry: Vec<u8>,
    /// The room of the part handed out last, once the CSV reader is done with it: the
    /// part after next is read into it. A new buffer per part cost a page fault every
    /// 4 KB (a third of reading a part, most of it the kernel clearing pages).
    spare: Vec<u8>,
    at_end: bool,
    next_row: usize,
    part_bytes: usize,
    part_cells: usize,
    /// How many bytes the next part is expected to take (what the last one took).
    wanted: usize,
    /// The file's length, and how much of it the parts handed out so far hold.
    file_bytes: u64,
    bytes_handed_out: u64,
}

impl CsvParts {
    pub fn open(path: &Path, file_name: &str) -> Result<CsvParts> {
        let reader = std::fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
        let file_bytes = reader.metadata().map_err(|e| Error::io(path.display(), e))?.len();
        Ok(CsvParts {
            path: path.to_path_buf(),
            file_name: file_name.to_string(),
            reader,
            file_bytes,
            bytes_handed_out: 0,
            hasher: sha2::Sha256::new(),
            header: Vec::new(),
            carry: Vec::new(),
            spare: Vec::new(),
            at_end: false,
            next_row: 0,
            part_bytes: part_bytes() as usize,
            part_cells: part_cells() as usize,
            wanted: 1 << 20,
        })
    }

    /// The next part as a table whose rows are numbered as in the whole file; None after
    /// the last.
    pub fn next_part(&mut self) -> Result<Option<RawTable>> {
        let first = self.header.is_empty();
        let mut clock = crate::Stopwatch::start();
        // Read what the part is expected to hold (a megabyte at first), then more while
        // neither of its bounds is reached.
        let mut wanted = self.wanted.min(self.part_bytes);
        // The first part is small: the store waits for it with nothing else to do, and
        // writes it while the next, full-sized part is read.
        let cells_allowed = if first {
            (self.part_cells / 16).max(1)
        } else {
            self.part_cells
        };
        let cut = loop {
            self.fill(wanted)?;
            // At most so many records (the header's the first): a part of short cells is
            // bounded by its cells before its bytes.
            let allowed = (cells_allowed / header_fields(&self.carry).max(1) as usize).max(1) + 1;
            let (records, last) = record_ends(&self.carry)
                .take(allowed)
                .fold((0, None), |(n, _), end| (n + 1, Some(end)));
            match last {
                Some(end) if records == allowed && end + 1 < self.carry.len() => break end + 1,
                _ if self.at_end => break self.carry.len(),
                _ if self.carry.len() < self.part_bytes => {
                    let per_record = self.carry.len() / records.max(1);
                    wanted = (per_record.saturating_mul(allowed) / 8 * 9)
                        .max(self.carry.len() + (64 << 10))
                        .min(self.part_bytes);
                    continue;
                }
                _ => {}
            }
            match last_record_end(&self.carry) {
                // A part must hold more than the header (which later parts start with).
                Some(end) if end >= self.header.len() && (!first || header_end(&self.carry) < Some(end)) => {
                    break end + 1
                }
                // No whole record yet: a very long record, read further, up to what any
                // record can hold (an unterminated quote would take the rest of the
                // file into one record, past every bound on memory).
                _ if self.carry.len() > self.part_bytes + MAX_RECORD_BYTES => {
                    return Err(self.unterminated_record());
                }
                _ => wanted = self.carry.len() + (self.carry.len() / 2).min(MAX_RECORD_BYTES),
            }
        };
        self.wanted = wanted;
        // The next part starts as the header followed by what is left after this one,
        // with room for a whole part: the file is read straight into it, and the part
        // handed out needs no copy.
        let header = if first {
            let body = self
                .carry
                .strip_prefix(b"\xEF\xBB\xBF".as_slice())
                .unwrap_or(&self.carry);
            let end = header_end(body).map_or(body.len(), |e| e + 1);
            body[..end].to_vec()
        } else {
            std::mem::take(&mut self.header)
        };
        let mut next = std::mem::take(&mut self.spare);
        next.clear();
        next.reserve(header.len() + (self.carry.len() - cut) + wanted + (64 << 10));
        next.extend_from_slice(&header);
        next.extend_from_slice(&self.carry[cut..]);
        let mut bytes = std::mem::replace(&mut self.carry, next);
        bytes.truncate(cut);
        let body_start = if first { 0 } else { header.len() };
        self.bytes_handed_out += (bytes.len() - body_start) as u64;
        self.header = header;
        if !first && bytes[body_start..].iter().all(u8::is_ascii_whitespace) {
            self.hasher.update(&bytes[body_start..]);
            return Ok(None);
        }
        clock.lap("part: bytes");
        // The file's checksum takes each part's bytes as they are read, beside the
        // part's shape scan (on this thread, a fifth of the time a part takes).
        let checksum = read::Checksum::Feed(&mut self.hasher, body_start);
        let (table, records) =
            read::read_csv_bytes(&self.path, &self.file_name, &mut bytes, self.next_row, checksum)?;
        self.spare = bytes;
        if first {
            read::check_headers(&table)?;
        }
        self.next_row += records;
        Ok(Some(table))
    }

    /// The refusal of a file whose record does not end within what any record can hold.
    fn unterminated_record(&self) -> Error {
        Error::Refused(Box::new(crate::findings::Findings {
            list: vec![Finding {
                file: self.file_name.clone(),
                location: format!("after row {}", self.next_row + 1),
                data_row: None,
                column: String::new(),
                rule: "unterminated-quote",
                reason: format!(
                    "no record ends within {} MB: a quote that is never closed?",
                    MAX_RECORD_BYTES >> 20
                ),
            }],
            verdict: "the file is refused; nothing was loaded".into(),
            unlisted: Default::default(),
        }))
    }

    /// How many rows the whole file holds, judged from the parts read so far (None
    /// before the first).
    pub fn estimated_rows(&self) -> Option<usize> {
        if self.bytes_handed_out == 0 {
            return None;
        }
        let rows_per_byte = self.next_row as f64 / self.bytes_handed_out as f64;
        Some((self.file_bytes as f64 * rows_per_byte * 1.02) as usize + 1024)
    }

    /// Reads until `carry` holds `wanted` bytes or the file ends.
    fn fill(&mut self, wanted: usize) -> Result<()> {
        if self.at_end || self.carry.len() >= wanted {
            return Ok(());
        }
        let before = self.carry.len();
        let want = (wanted - before) as u64;
        // Room for all of it at once (read_to_end would otherwise grow the buffer by
        // doubling, copying it each time).
        self.carry.reserve(want as usize + 1);
        let read = (&mut self.reader)
            .take(want)
            .read_to_end(&mut self.carry)
            .map_err(|e| Error::io(self.path.display(), e))?;
        if (read as u64) < want {
            self.at_end = true;
        }
        Ok(())
    }

    /// The SHA-256 of the whole file; reads what no part has read yet.
    pub fn sha256(mut self) -> Result<String> {
        // What was read and not handed out in a part (after the header that the next
        // part would have started with), then the rest of the file.
        self.hasher.update(&self.carry[self.header.len()..]);
        while !self.at_end {
            self.carry.clear();
            self.fill(8 << 20)?;
            self.hasher.update(&self.carry);
        }
        Ok(hex(&self.hasher.finalize()))
    }
}

/// The last line end outside quotes: where a part can end.
fn last_record_end(bytes: &[u8]) -> Option<usize> {
    record_ends(bytes).last()
}

/// The ids of every part, to find the ids that occur more than once in the file once all
/// parts are read (the parts' own validation leaves that check to this). Ids are kept as
/// 96-bit hashes (of XXH3-128) with their rows, 16 bytes an id, and sorted at the end: a
/// hundred million take 1.6 GB, and sorting them is cheaper than probing a hash table of
/// that size at random. A false match among a hundred million ids has a chance of about
/// 1 in 10^13. Room for all of them is taken once, from the size of the file, so the list
/// does not grow by doubling (which would briefly hold it twice).
#[derive(Default)]
pub struct KeysSeen {
    ids: Vec<IdAt>,
    /// The id's header and the reason given, for the findings.
    column: Option<(String, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct IdAt {
    hash: [u32; 3],
    row: u32,
}

impl KeysSeen {
    /// Takes room for `rows` ids at once (an estimate; more still fit).
    pub fn expect(&mut self, rows: usize) {
        self.ids.reserve_exact(rows.saturating_sub(self.ids.len()));
    }

    /// Remembers the ids of one part (its rows as validated).
    pub fn add_part(&mut self, kind: Kind, raw: &RawTable, validated: &Validated) -> Result<()> {
        let keys = kind.key_columns();
        let frame = &validated.canonical;
        if frame.height() == 0 || keys.iter().any(|k| frame.column(k).is_err()) {
            return Ok(());
        }
        let text_columns: Vec<StringChunked> = keys
            .iter()
            .map(|k| {
                let column = frame.column(k)?;
                Ok(column.cast(&DataType::String)?.str()?.clone())
            })
            .collect::<PolarsResult<_>>()
            .map_err(Error::polars("duplicate ids"))?;
        let rows = read::row_numbers(frame)?;
        if self.column.is_none() {
            let position = validated.mapped.get(keys[0]).copied();
            let header = position
                .and_then(|p| raw.headers.get(p))
                .cloned()
                .unwrap_or_else(|| keys[0].to_string());
            self.column = Some((header, validate::repeated_id_reason(keys)));
        }
        self.ids.reserve(rows.len());
        let mut values: Vec<_> = text_columns.iter().map(|c| c.iter()).collect();
        let mut key = Vec::new();
        for row in rows.iter() {
            // The key's values joined by a separator no id holds; a row missing any
            // value has no key to repeat.
            key.clear();
            let mut complete = true;
            for column in values.iter_mut() {
                match column.next().flatten() {
                    Some(value) => {
                        key.extend_from_slice(value.as_bytes());
                        key.push(0x1f);
                    }
                    None => complete = false,
                }
            }
            let (Some(row), true) = (row, complete) else {
                continue;
            };
            let hash = xxhash_rust::xxh3::xxh3_128(&key);
            let row = u32::try_from(row).map_err(|_| {
                Error::Usage(format!(
                    "{}: more than {} rows; split the export",
                    raw.file,
                    u32::MAX
                ))
            })?;
            self.ids.push(IdAt {
                hash: [(hash >> 96) as u32, (hash >> 64) as u32, (hash >> 32) as u32],
                row,
            });
        }
        Ok(())
    }

    /// The rows whose id occurs more than once in the file, with the findings of the
    /// first [`crate::findings::KEPT_PER_RULE`] of them, in row order (a file of one id
    /// repeated millions of times costs a bit a row, not a finding).
    pub fn repeated(mut self, file: &str) -> Repeated {
        use rayon::prelude::*;
        let mut repeated = Repeated::default();
        let Some((column, reason)) = self.column.take() else {
            return repeated;
        };
        self.ids.par_sort_unstable();
        for id in self
            .ids
            .chunk_by(|a, b| a.hash == b.hash)
            .filter(|group| group.len() > 1)
            .flatten()
        {
            repeated.rows.insert(id.row as usize);
        }
        drop(self.ids);
        repeated.kept = repeated
            .rows
            .iter()
            .take(crate::findings::KEPT_PER_RULE)
            .map(|row| Finding {
                file: file.to_string(),
                location: format!("row {}", row + 2),
                data_row: Some(row),
                column: column.clone(),
                rule: "duplicate-id",
                reason: reason.clone(),
            })
            .collect();
        repeated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_hold_every_record_once_whatever_their_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.csv");
        // A BOM, a quoted line break, a record far longer than a part, a blank last line.
        let mut text = String::from("\u{feff}id,note\n");
        for k in 0..300 {
            let note = match k {
                17 => "\"two\nlines\"".to_string(),
                150 => "x".repeat(3_000),
                _ => format!("n{k}"),
            };
            text.push_str(&format!("R{k},{note}\n"));
        }
        text.push('\n');
        std::fs::write(&path, &text).unwrap();
        let mut parts = CsvParts::open(&path, "cases.csv").unwrap();
        parts.part_bytes = 512;
        let (mut ids, mut rows, mut count) = (Vec::new(), Vec::new(), 0);
        while let Some(part) = parts.next_part().unwrap() {
            count += 1;
            assert_eq!(part.headers, ["id", "note"]);
            let id = part
                .df
                .column(&RawTable::column_key(0))
                .unwrap()
                .str()
                .unwrap()
                .clone();
            ids.extend(id.iter().map(|v| v.unwrap().to_string()));
            rows.extend(read::row_numbers(&part.df).unwrap().iter().map(Option::unwrap));
        }
        // About 1.5 KB before the long record in parts of 512 bytes, the long one, the rest.
        assert!(count >= 4, "{count} parts");
        let expected: Vec<String> = (0..300).map(|k| format!("R{k}")).collect();
        assert_eq!(ids, expected);
        assert_eq!(rows, (0..300).collect::<Vec<u64>>());
        assert_eq!(
            parts.sha256().unwrap(),
            crate::ingest::read::sha256_hex(text.as_bytes())
        );
    }

    #[test]
    fn a_part_of_short_cells_is_bounded_by_its_cells_before_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.csv");
        let mut text = String::from("id,note\n");
        for k in 0..95 {
            let note = if k == 40 {
                "\"a\nb\"".to_string()
            } else {
                "x".into()
            };
            text.push_str(&format!("R{k},{note}\n"));
        }
        std::fs::write(&path, &text).unwrap();
        let mut parts = CsvParts::open(&path, "cases.csv").unwrap();
        // 20 cells of 2 columns: 10 rows a part, though a part of bytes would hold all;
        // the first part a sixteenth of that, at least a row.
        parts.part_cells = 20;
        let (mut sizes, mut rows) = (Vec::new(), Vec::new());
        while let Some(part) = parts.next_part().unwrap() {
            sizes.push(part.height());
            rows.extend(read::row_numbers(&part.df).unwrap().iter().map(Option::unwrap));
        }
        assert_eq!(sizes, [1, 10, 10, 10, 10, 10, 10, 10, 10, 10, 4]);
        assert_eq!(rows, (0..95).collect::<Vec<u64>>());
    }

    #[test]
    fn parts_end_only_at_line_ends_outside_quotes() {
        let text = b"a,b\n1,\"x\ny\"\n2,\"\"\"q\"\"\"\n3,z";
        let ends: Vec<usize> = record_ends(text).collect();
        // After the header, after the record with a line break inside quotes, after
        // the record with doubled quotes; the break inside quotes is not an end.
        assert_eq!(ends, vec![3, 11, 21]);
        assert_eq!(last_record_end(text), Some(21));
        assert_eq!(header_end(text), Some(3));
    }
}
