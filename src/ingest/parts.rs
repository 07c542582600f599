//! Exports too large to hold in memory at once are read, checked and loaded a part at a
//! time. A ten-million-case export is a 2 GB CSV; held whole, with its columns parsed,
//! it would take several times that. Each part is a run of whole records (a quoted
//! field may hold line breaks, so parts end only at a line end outside quotes) read
//! with the header in front, and its rows keep their numbers in the whole file.
//!
//! Only CSV exports of cases and content reports are read in parts: the reference files
//! are small, and an XLSX or Parquet file is read whole by its library anyway.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use sha2::Digest;

use super::findings::Finding;
use super::read::{self, Format, RawTable, ROW_COLUMN};
use super::validate::Validated;
use super::Planned;
use crate::error::{Error, Result};
use crate::hex;
use crate::model::Kind;

/// The size of a part. A file is read in parts when it is larger than four parts
/// (512 MB, some 2.5 million cases): a file read in parts is read and validated twice
/// (once to judge it, once to load it), which costs more than holding a smaller file.
pub const DEFAULT_PART_BYTES: u64 = 128 << 20;
const PARTS_BEFORE_SPLITTING: u64 = 4;

/// [`DEFAULT_PART_BYTES`], or `BAOVE_PART_BYTES` (tests use small parts on small files).
pub fn part_bytes() -> u64 {
    std::env::var("BAOVE_PART_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_PART_BYTES)
}

/// Whether a planned file is read in parts.
pub fn in_parts(planned: &Planned) -> bool {
    matches!(planned.kind, Kind::Cases | Kind::ContentReports)
        && Format::from_path(&planned.path) == Some(Format::Csv)
        && std::fs::metadata(&planned.path).is_ok_and(|m| m.len() > PARTS_BEFORE_SPLITTING * part_bytes())
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
    at_end: bool,
    next_row: usize,
}

impl CsvParts {
    pub fn open(path: &Path, file_name: &str) -> Result<CsvParts> {
        Ok(CsvParts {
            path: path.to_path_buf(),
            file_name: file_name.to_string(),
            reader: std::fs::File::open(path).map_err(|e| Error::io(path.display(), e))?,
            hasher: sha2::Sha256::new(),
            header: Vec::new(),
            carry: Vec::new(),
            at_end: false,
            next_row: 0,
        })
    }

    /// The next part as a table whose rows are numbered as in the whole file; None after
    /// the last.
    pub fn next_part(&mut self) -> Result<Option<RawTable>> {
        let first = self.header.is_empty();
        let mut wanted = part_bytes() as usize;
        let cut = loop {
            self.fill(wanted)?;
            if self.at_end {
                break self.carry.len();
            }
            match last_record_end(&self.carry) {
                // A part of the first records must hold more than the header.
                Some(end) if !first || header_end(&self.carry) < Some(end) => break end + 1,
                // No whole record yet (a very long record): read further.
                _ => wanted = self.carry.len() * 2,
            }
        };
        let rest = self.carry.split_off(cut);
        let part = std::mem::replace(&mut self.carry, rest);
        let bytes = if first {
            let body = part.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&part);
            let end = header_end(body).map_or(body.len(), |e| e + 1);
            self.header = body[..end].to_vec();
            part
        } else {
            if part.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            let mut bytes = Vec::with_capacity(self.header.len() + part.len());
            bytes.extend_from_slice(&self.header);
            bytes.extend_from_slice(&part);
            bytes
        };
        let (table, records) =
            read::read_csv_bytes(&self.path, &self.file_name, bytes, self.next_row, false)?;
        if first {
            read::check_headers(&table)?;
        }
        self.next_row += records;
        Ok(Some(table))
    }

    /// Reads until `carry` holds `wanted` bytes or the file ends.
    fn fill(&mut self, wanted: usize) -> Result<()> {
        if self.at_end || self.carry.len() >= wanted {
            return Ok(());
        }
        let before = self.carry.len();
        let want = (wanted - before) as u64;
        let read = (&mut self.reader)
            .take(want)
            .read_to_end(&mut self.carry)
            .map_err(|e| Error::io(self.path.display(), e))?;
        self.hasher.update(&self.carry[before..]);
        if (read as u64) < want {
            self.at_end = true;
        }
        Ok(())
    }

    /// The SHA-256 of the whole file; reads what no part has read yet.
    pub fn sha256(mut self) -> Result<String> {
        while !self.at_end {
            self.carry.clear();
            self.fill(8 << 20)?;
        }
        Ok(hex(&self.hasher.finalize()))
    }
}

/// The end (`\n`) of the first record.
fn header_end(bytes: &[u8]) -> Option<usize> {
    record_ends(bytes).next()
}

/// The last line end outside quotes: where a part can end.
fn last_record_end(bytes: &[u8]) -> Option<usize> {
    record_ends(bytes).last()
}

/// Line ends outside quotes. A doubled quote inside a quoted field toggles twice, so
/// counting quotes is enough.
fn record_ends(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
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

/// Ids seen in earlier parts: a duplicate id in two parts is found like one inside a
/// part. Keys are kept as 128-bit hashes (two SipHash keys), not as text, so ten million
/// of them take some hundred megabytes; a false match would need a collision of both.
#[derive(Default)]
pub struct KeysSeen {
    /// Hash of the key → (first data row, whether that row has been reported yet).
    first_row: HashMap<u128, (usize, bool)>,
}

impl KeysSeen {
    /// Duplicate-id findings for rows of this part whose key occurred in an earlier part
    /// (and for the earlier row, once); then remembers this part's keys.
    pub fn across_parts(
        &mut self,
        kind: Kind,
        raw: &RawTable,
        validated: &Validated,
    ) -> Result<Vec<Finding>> {
        let keys = kind.key_columns();
        let frame = &validated.canonical;
        if frame.height() == 0 || keys.iter().any(|k| frame.column(k).is_err()) {
            return Ok(Vec::new());
        }
        let flagged_in_part: std::collections::HashSet<usize> = validated
            .findings
            .iter()
            .filter(|f| f.rule == "duplicate-id")
            .filter_map(|f| f.data_row)
            .collect();
        let text_columns: Vec<StringChunked> = keys
            .iter()
            .map(|k| {
                let column = frame.column(k)?;
                Ok(column.cast(&DataType::String)?.str()?.clone())
            })
            .collect::<PolarsResult<_>>()
            .map_err(Error::polars("duplicate ids across parts"))?;
        let rows = frame
            .column(ROW_COLUMN)
            .and_then(|c| c.cast(&DataType::UInt64))
            .map_err(Error::polars("duplicate ids across parts"))?;
        let rows = rows.u64().map_err(Error::polars("duplicate ids across parts"))?;
        let position = validated.mapped.get(keys[0]).copied();
        let column = position
            .and_then(|p| raw.headers.get(p))
            .cloned()
            .unwrap_or_else(|| keys[0].to_string());
        let finding = |row: usize| Finding {
            file: raw.file.clone(),
            location: raw.locate(row, position),
            data_row: Some(row),
            column: column.clone(),
            rule: "duplicate-id",
            reason: format!("{} occurs more than once in this file", keys.join(" + ")),
        };
        let mut findings = Vec::new();
        let mut this_part: HashMap<u128, usize> = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            let Some(row) = row.map(|r| r as usize) else {
                continue;
            };
            let values: Option<Vec<&str>> = text_columns.iter().map(|c| c.get(i)).collect();
            let Some(values) = values else { continue };
            let hash = key_hash(&values);
            if let Some((first, reported)) = self.first_row.get_mut(&hash) {
                if !*reported {
                    findings.push(finding(*first));
                    *reported = true;
                }
                if !flagged_in_part.contains(&row) {
                    findings.push(finding(row));
                }
            } else {
                this_part.entry(hash).or_insert(row);
            }
        }
        // Rows duplicated inside this part are reported by the part's own check; only
        // their first row is remembered, as not yet reported by this check.
        for (hash, row) in this_part {
            self.first_row.insert(hash, (row, false));
        }
        Ok(findings)
    }
}

fn key_hash(values: &[&str]) -> u128 {
    let half = |seed: u8| {
        let mut hasher = std::hash::DefaultHasher::new();
        seed.hash(&mut hasher);
        values.hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

#[cfg(test)]
mod tests {
    use super::*;

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
