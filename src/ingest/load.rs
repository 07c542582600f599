//! Loading examined files into the store in one transaction: strict, or with the
//! invalid rows quarantined.

use std::collections::BTreeSet;
#[cfg(feature = "store")]
use std::collections::HashSet;
use std::path::Path;

use chrono::NaiveDateTime;
#[cfg(feature = "store")]
use polars::prelude::*;

use super::arrow_bridge;
use super::examine::{examine_all, judge_deferred, refusal, Examined, PartJudge, Parted};
use super::parts;
use super::plan::Planned;
use super::profile::Profile;
#[cfg(feature = "store")]
use super::read::ROW_COLUMN;
use super::read::{self, RawTable};
use super::validate;
use crate::error::{Error, Result};
use crate::findings::Findings;
use crate::model::Kind;
#[cfg(feature = "store")]
use crate::store::{LoadLogEntry, QuarantinedRow, Store};

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Load the valid rows and keep the invalid ones in the quarantine.
    pub quarantine: bool,
    /// The moment of loading: no time in the data may be later.
    pub now: NaiveDateTime,
    /// The time the load log records, when pinned (a reproducible report's own
    /// generation time); otherwise `now`.
    pub logged_at: Option<NaiveDateTime>,
    pub profile_name: Option<String>,
    /// The province the cases and content items come from (`--province`, else the
    /// profile's, else the one province the areas name); ids are unique per province.
    pub province: Option<String>,
}

/// Where a load writes.
#[cfg(feature = "store")]
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    /// A store file, created only once the data is accepted: a refused first load
    /// leaves nothing behind.
    File(&'a Path),
    /// A store in memory (`--input`, the catalog's indicator tests).
    Memory,
}

/// The one loading path of `baove load`, `--input` and the indicator tests: examines the
/// planned files (against the areas the store knows), refuses the batch or loads it in
/// one transaction, and returns the store with what happened to each file. A store file
/// this load created is removed again if the load fails after all (a large file judged
/// while it is written can still refuse the batch).
#[cfg(feature = "store")]
pub fn load_planned(
    destination: Destination<'_>,
    planned: &[Planned],
    profile: &Profile,
    options: &LoadOptions,
    progress: &dyn Fn(&str),
) -> Result<(Store, Vec<FileOutcome>)> {
    let existing = match destination {
        Destination::File(path) if path.exists() => Some(Store::open(path, false)?),
        _ => None,
    };
    let known_areas = match &existing {
        Some(store) => store.area_codes()?,
        None => None,
    };
    // A strict load judges large files while it writes them (one reading, rolled back if
    // refused); with quarantine they are judged first.
    let examined = examine_all(
        planned,
        profile,
        options.now,
        known_areas,
        !options.quarantine,
        progress,
    )?;
    if let Some(findings) = refusal(&examined, options.quarantine) {
        return Err(refused(
            existing.as_ref(),
            &refused_files(&examined),
            findings,
            options,
        ));
    }
    let options = &LoadOptions {
        province: source_province(&examined, existing.as_ref(), profile, options)?,
        ..options.clone()
    };
    let files = refused_files(&examined);
    let created = match (&existing, destination) {
        (None, Destination::File(path)) => Some(path),
        _ => None,
    };
    let mut store = match (existing, destination) {
        (Some(store), _) => store,
        (None, Destination::File(path)) => Store::open(path, true)?,
        (None, Destination::Memory) => Store::open_in_memory()?,
    };
    progress(if examined.iter().any(Examined::deferred) {
        "checking the large files while writing to the store"
    } else {
        "writing to the store"
    });
    match load(&mut store, examined, options) {
        Ok(outcomes) => Ok((store, outcomes)),
        Err(e) => {
            if let Some(path) = created {
                drop(store);
                crate::store::remove_files(path);
                return Err(e);
            }
            match (e, destination) {
                (Error::Refused(findings), Destination::File(_)) => {
                    Err(refused(Some(&store), &files, *findings, options))
                }
                (e, _) => Err(e),
            }
        }
    }
}

/// The province a batch's cases and content come from: `--province`, else the profile's,
/// else the one province the store's and the batch's areas name. A province the areas do
/// not name, or several to choose from, is a usage error (nothing is loaded).
#[cfg(feature = "store")]
fn source_province(
    examined: &[Examined],
    store: Option<&Store>,
    profile: &Profile,
    options: &LoadOptions,
) -> Result<Option<String>> {
    if !examined.iter().any(|e| e.kind.has_province()) {
        return Ok(options.province.clone());
    }
    let mut known: BTreeSet<String> = match store {
        Some(store) => store.province_codes()?.into_iter().collect(),
        None => BTreeSet::new(),
    };
    for e in examined.iter().filter(|e| e.kind == Kind::Areas) {
        if let Some(v) = &e.validated {
            known.extend(province_area_codes(&v.canonical)?);
        }
    }
    let listed = || known.iter().cloned().collect::<Vec<_>>().join(", ");
    match options.province.clone().or_else(|| profile.province.clone()) {
        Some(code) if known.contains(code.trim()) => Ok(Some(code.trim().to_string())),
        Some(code) => Err(Error::Usage(format!(
            "province {code:?} is not a PROVINCE of the areas (the store and this load name: {}); \
             load the areas file that has it first, or in the same command",
            if known.is_empty() {
                "none".to_string()
            } else {
                listed()
            }
        ))),
        None if known.len() == 1 => Ok(known.into_iter().next()),
        None if known.is_empty() => Ok(None),
        None => Err(Error::Usage(format!(
            "the areas name several provinces ({}): say which one these cases and content items \
             come from with --province CODE (ids are unique per province); nothing was loaded",
            listed()
        ))),
    }
}

#[cfg(feature = "store")]
fn province_area_codes(areas: &DataFrame) -> Result<Vec<String>> {
    let codes = areas
        .clone()
        .lazy()
        .filter(col("level").eq(lit("PROVINCE")))
        .select([col("area_code")])
        .collect()
        .map_err(Error::polars("province codes"))?;
    let codes = codes
        .column("area_code")
        .map_err(Error::polars("province codes"))?;
    let codes = codes.str().map_err(Error::polars("province codes"))?;
    Ok(codes.iter().flatten().map(str::to_string).collect())
}

/// The files of a batch, as a refusal of it is logged.
#[cfg(feature = "store")]
fn refused_files(examined: &[Examined]) -> Vec<crate::store::RefusedFile> {
    examined
        .iter()
        .map(|e| crate::store::RefusedFile {
            file: e.file.clone(),
            kind: e.kind,
            sha256: e.sha256.clone(),
            rows_read: e.rows_read().max(e.rows_dropped),
        })
        .collect()
}

/// The error of a refused load, logged first in the store it was refused by (if one
/// existed before: a refused first load creates none). A refusal that cannot be logged
/// is still a refusal; the verdict says the log failed.
#[cfg(feature = "store")]
fn refused(
    store: Option<&Store>,
    files: &[crate::store::RefusedFile],
    mut findings: Findings,
    options: &LoadOptions,
) -> Error {
    if let Some(store) = store {
        let at = options.logged_at.unwrap_or(options.now);
        if let Err(e) = store.log_refusal(files, &findings, at) {
            findings.verdict.push_str(&format!("; {e}"));
        }
    }
    Error::Refused(Box::new(findings))
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub file: String,
    pub kind: Kind,
    pub sha256: String,
    pub rows_read: usize,
    pub rows_loaded: u64,
    pub rows_replaced: u64,
    pub rows_quarantined: u64,
    /// Set when the same content was loaded before: the file named here.
    pub already_loaded_as: Option<String>,
    pub ignored_columns: Vec<String>,
}

#[cfg(feature = "store")]
impl FileOutcome {
    /// A file whose content was loaded before, as `earlier`: nothing of it is loaded.
    fn already_loaded(e: &Examined, earlier: String) -> FileOutcome {
        FileOutcome {
            file: e.file.clone(),
            kind: e.kind,
            sha256: e.sha256.clone(),
            rows_read: e.rows_read(),
            rows_loaded: 0,
            rows_replaced: 0,
            rows_quarantined: 0,
            already_loaded_as: Some(earlier),
            ignored_columns: Vec::new(),
        }
    }
}

/// Loads examined files in one transaction. Refuses (changing nothing) when any file is
/// refused whole, or, without `quarantine`, when any row is invalid.
#[cfg(feature = "store")]
pub fn load(store: &mut Store, examined: Vec<Examined>, options: &LoadOptions) -> Result<Vec<FileOutcome>> {
    if let Some(findings) = refusal(&examined, options.quarantine) {
        return Err(Error::Refused(Box::new(findings)));
    }
    let mut outcomes = Vec::new();
    let mut seen_in_batch: Vec<(Kind, String, String)> = Vec::new();
    let mut pending = Vec::new();
    for e in examined {
        if e.deferred() {
            // Its checksum is known only once it is read, in the load.
            pending.push(e);
            continue;
        }
        let earlier = store.already_loaded(e.kind, &e.sha256)?.or_else(|| {
            seen_in_batch
                .iter()
                .find(|(k, sha, _)| *k == e.kind && *sha == e.sha256)
                .map(|(_, _, f)| f.clone())
        });
        seen_in_batch.push((e.kind, e.sha256.clone(), e.file.clone()));
        if let Some(earlier) = earlier {
            outcomes.push(FileOutcome::already_loaded(&e, earlier));
            continue;
        }
        pending.push(e);
    }
    if pending.is_empty() {
        return Ok(outcomes);
    }
    let tx = store.begin_load()?;
    let mut pending = pending.into_iter();
    while let Some(e) = pending.next() {
        if e.deferred() {
            match load_judging_in_parts(&tx, e, options)? {
                Judging::Loaded(outcome) => outcomes.push(outcome),
                Judging::Refused(refused) => {
                    drop(tx);
                    let mut judged = vec![*refused];
                    for mut e in pending {
                        if e.deferred() {
                            judge_deferred(&mut e)?;
                        }
                        judged.push(e);
                    }
                    let findings = refusal(&judged, false).expect("a refused file refuses the batch");
                    return Err(Error::Refused(Box::new(findings)));
                }
            }
            continue;
        }
        if let Some(parted) = &e.parted {
            outcomes.push(load_in_parts(&tx, &e, parted, options)?);
            continue;
        }
        let validated = e
            .validated
            .as_ref()
            .expect("a file not refused whole was validated");
        let raw = e.raw.as_ref().expect("a validated file has its raw table");
        let invalid_set: HashSet<usize> = validated.invalid_row_set().iter().collect();
        let mut clock = crate::Stopwatch::start();
        let (rows_loaded, batches) =
            store_batches(tx.load_id(), e.kind, &validated.canonical, &invalid_set, options)?;
        clock.lap("to arrow");
        let rows_replaced = tx.upsert(e.kind, batches)?;
        clock.lap("store upsert");
        let rows_quarantined = if invalid_set.is_empty() {
            0
        } else {
            quarantine_in_slices(&tx, raw, &e, |first, last| {
                validated.invalid_rows_between(first, last)
            })?
        };
        let counts = (rows_loaded, rows_replaced, rows_quarantined);
        outcomes.push(logged(&tx, &e, options, counts, &validated.ignored_columns)?);
    }
    let mut clock = crate::Stopwatch::start();
    tx.commit()?;
    clock.lap("commit");
    Ok(outcomes)
}

/// What came of a file judged while it was loaded.
#[cfg(feature = "store")]
enum Judging {
    Loaded(FileOutcome),
    /// Refused, with its findings; what was written of it is undone by rolling back.
    Refused(Box<Examined>),
}

/// Loads a file read in parts whose judging was deferred, reading it once: each part is
/// judged and, while the file is clean so far, appended at once. The first finding ends
/// the appending (the rest of the file is still judged, so the refusal lists every
/// finding) and refuses the file; the caller then rolls the transaction back. Only a
/// strict load defers: with quarantine, an id repeated in a later part would make rows
/// already appended invalid, so that load judges first ([`load_in_parts`]).
#[cfg(feature = "store")]
fn load_judging_in_parts(
    tx: &crate::store::LoadTransaction<'_>,
    mut e: Examined,
    options: &LoadOptions,
) -> Result<Judging> {
    let parted = e.parted.take().expect("a deferred file is read in parts");
    let first_new = tx.first_new_row(e.kind)?;
    let load_id = tx.load_id();
    let province = province_of(e.kind, options);
    let (kind, path, file) = (e.kind, e.path.clone(), e.file.clone());
    // The file is read and judged part by part on one thread while the store writes
    // the parts on this one (DuckDB's connection stays here), in one statement: at most
    // two parts in memory.
    let rows_loaded = std::thread::scope(|scope| -> Result<_> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<arrow::record_batch::RecordBatch>>(0);
        let judging = scope.spawn(|| -> Result<_> {
            let mut to_store = Some(sender);
            let mut rows_sent = 0u64;
            let mut reader = parts::Parts::open(&path, &file)?;
            let mut judge = PartJudge::new(kind, file.clone(), &parted.profile, &parted.ctx);
            while let Some(raw) = judge.next_part(&mut reader)? {
                let validated = judge.judge(&raw)?;
                drop(raw);
                if judge.done() {
                    break;
                }
                if !judge.clean() {
                    // Nothing more is written: hanging up ends the store's statement.
                    to_store = None;
                }
                let (Some(validated), Some(sender)) = (validated, &to_store) else {
                    continue;
                };
                let mut valid = valid_rows(&validated.canonical, &HashSet::new(), load_id, province)?;
                drop(validated);
                let rows = valid.height() as u64;
                let batches = arrow_bridge::to_record_batches(&mut valid)?;
                drop(valid);
                judge.clock.lap("part: to arrow");
                if sender.send(batches).is_err() {
                    // The store failed; its error is what the load reports.
                    break;
                }
                rows_sent += rows;
                judge.clock.lap("part: handed to the store");
            }
            drop(to_store);
            // The ids repeated across parts are found while the store writes the last
            // part.
            judge.finish(&mut e, reader)?;
            Ok(rows_sent)
        });
        let stored = tx.append_stream(kind, receiver);
        let judged = match judging.join() {
            Ok(judged) => judged,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        stored?;
        judged
    })?;
    if e.refused_whole() || e.invalid_rows() > 0 {
        return Ok(Judging::Refused(Box::new(e)));
    }
    if let Some(earlier) = tx.already_loaded(e.kind, &e.sha256)? {
        // Loaded before (or earlier in this batch): what was appended goes again.
        tx.discard_from(e.kind, first_new)?;
        return Ok(Judging::Loaded(FileOutcome::already_loaded(&e, earlier)));
    }
    let rows_replaced = tx.replace_older(e.kind, first_new)?;
    let ignored_columns = e
        .parted
        .as_ref()
        .map(|p| p.ignored_columns.clone())
        .unwrap_or_default();
    logged(tx, &e, options, (rows_loaded, rows_replaced, 0), &ignored_columns).map(Judging::Loaded)
}

/// Loads a file read in parts: each part is read and typed again (by the same
/// validation), the rows the examination found invalid are kept out (quarantined), the
/// others appended; older rows with the same keys are replaced once, after the last part.
#[cfg(feature = "store")]
fn load_in_parts(
    tx: &crate::store::LoadTransaction<'_>,
    e: &Examined,
    parted: &Parted,
    options: &LoadOptions,
) -> Result<FileOutcome> {
    let mut reader = parts::Parts::open(&e.path, &e.file)?;
    let first_new = tx.first_new_row(e.kind)?;
    let (mut rows_loaded, mut rows_quarantined) = (0u64, 0u64);
    // The rows judged invalid when the file was examined (repeated ids included): each
    // part takes those among its own rows, and says why again from its own validation
    // (the examination kept the reasons of only a few: memory).
    let mut clock = crate::Stopwatch::start();
    while let Some(raw) = reader.next_part()? {
        clock.lap("part: read");
        let validated = validate::validate(e.kind, &raw, &parted.profile, &parted.ctx)?;
        clock.lap("part: validate");
        let rows = read::row_numbers(&raw.df)?;
        let invalid_set: HashSet<usize> = match (rows.min(), rows.max()) {
            (Some(first), Some(last)) => (first as usize..=last as usize)
                .filter(|row| parted.bad_rows.contains(*row))
                .collect(),
            _ => Default::default(),
        };
        let (rows, batches) =
            store_batches(tx.load_id(), e.kind, &validated.canonical, &invalid_set, options)?;
        rows_loaded += rows;
        clock.lap("part: to arrow");
        tx.append(e.kind, batches)?;
        if !invalid_set.is_empty() {
            rows_quarantined += quarantine_in_slices(tx, &raw, e, |first, last| {
                let mut reasons = validated.invalid_rows_between(first, last);
                (first..=last)
                    .filter(|row| parted.bad_rows.contains(*row))
                    .map(|row| {
                        let mut why = reasons.remove(&row).unwrap_or_default();
                        if parted.repeated_rows.contains(row) {
                            why.push(parted.repeated_reason.clone());
                        }
                        (row, why)
                    })
                    .collect()
            })?;
        }
        clock.lap("part: store");
    }
    if reader.sha256()? != e.sha256 {
        return Err(Error::Usage(format!(
            "{}: the file changed while it was being loaded; nothing was loaded",
            e.path.display()
        )));
    }
    let rows_replaced = tx.replace_older(e.kind, first_new)?;
    let counts = (rows_loaded, rows_replaced, rows_quarantined);
    logged(tx, e, options, counts, &parted.ignored_columns)
}

/// Writes a loaded file's entry in the load log and returns what happened to it.
/// `counts`: rows loaded, replaced and quarantined.
#[cfg(feature = "store")]
fn logged(
    tx: &crate::store::LoadTransaction<'_>,
    e: &Examined,
    options: &LoadOptions,
    (rows_loaded, rows_replaced, rows_quarantined): (u64, u64, u64),
    ignored_columns: &[String],
) -> Result<FileOutcome> {
    tx.log(&LoadLogEntry {
        file_name: e.file.clone(),
        kind: e.kind,
        sha256: e.sha256.clone(),
        rows_loaded,
        rows_replaced,
        rows_quarantined,
        loaded_at: options.logged_at.unwrap_or(options.now),
        profile: options.profile_name.clone(),
        province: province_of(e.kind, options).map(str::to_string),
    })?;
    Ok(FileOutcome {
        file: e.file.clone(),
        kind: e.kind,
        sha256: e.sha256.clone(),
        rows_read: e.rows_read(),
        rows_loaded,
        rows_replaced,
        rows_quarantined,
        already_loaded_as: None,
        ignored_columns: ignored_columns.to_vec(),
    })
}

/// The valid rows of a validated frame as the store's record batches, and how many.
#[cfg(feature = "store")]
fn store_batches(
    load_id: i64,
    kind: Kind,
    canonical: &DataFrame,
    invalid: &HashSet<usize>,
    options: &LoadOptions,
) -> Result<(u64, Vec<arrow::record_batch::RecordBatch>)> {
    let mut valid = valid_rows(canonical, invalid, load_id, province_of(kind, options))?;
    let rows = valid.height() as u64;
    Ok((rows, arrow_bridge::to_record_batches(&mut valid)?))
}

/// The source province of a kind's rows in this load, for kinds that keep one.
#[cfg(feature = "store")]
fn province_of(kind: Kind, options: &LoadOptions) -> Option<&str> {
    options.province.as_deref().filter(|_| kind.has_province())
}

/// The canonical rows without the invalid ones, with the source province (if given) and
/// the load id in place of the row number: the store's columns.
#[cfg(feature = "store")]
fn valid_rows(
    canonical: &DataFrame,
    invalid: &HashSet<usize>,
    load_id: i64,
    province: Option<&str>,
) -> Result<DataFrame> {
    let mut rows = valid_rows_with_load(canonical, invalid, load_id)?;
    if let Some(province) = province {
        let height = rows.height();
        rows.with_column(Column::new_scalar(
            crate::model::PROVINCE_COLUMN.into(),
            Scalar::from(PlSmallStr::from(province)),
            height,
        ))
        .map_err(Error::polars("the source province"))?;
    }
    Ok(rows)
}

#[cfg(feature = "store")]
fn valid_rows_with_load(canonical: &DataFrame, invalid: &HashSet<usize>, load_id: i64) -> Result<DataFrame> {
    if invalid.is_empty() {
        // The usual case: no filter, so no copy of the columns.
        let mut columns: Vec<Column> = canonical
            .columns()
            .iter()
            .filter(|c| c.name().as_str() != ROW_COLUMN)
            .cloned()
            .collect();
        columns.push(Column::new_scalar(
            "load_id".into(),
            Scalar::from(load_id),
            canonical.height(),
        ));
        return DataFrame::new_infer_height(columns).map_err(Error::polars("selecting valid rows"));
    }
    let rows: Vec<u64> = invalid.iter().map(|&r| r as u64).collect();
    let invalid_series = Series::new("invalid".into(), rows);
    canonical
        .clone()
        .lazy()
        .filter(
            col(ROW_COLUMN)
                .cast(DataType::UInt64)
                .is_in(lit(invalid_series).implode(false), false)
                .not(),
        )
        .drop(cols([ROW_COLUMN]))
        .with_column(lit(load_id).alias("load_id"))
        .collect()
        .map_err(Error::polars("selecting valid rows"))
}

/// How many rows of a file the quarantine takes at a time.
#[cfg(feature = "store")]
const QUARANTINE_SLICE_ROWS: usize = 5_000;

/// Quarantines the rows of `raw` that `reasons` (given the first and last data row of a
/// slice) names, a slice of [`QUARANTINE_SLICE_ROWS`] at a time: a row's values and
/// reasons take far more memory than the row did in the file. Returns how many.
#[cfg(feature = "store")]
fn quarantine_in_slices(
    tx: &crate::store::LoadTransaction<'_>,
    raw: &RawTable,
    e: &Examined,
    reasons: impl Fn(usize, usize) -> std::collections::BTreeMap<usize, Vec<String>>,
) -> Result<u64> {
    let mut quarantined_rows = 0u64;
    for start in (0..raw.height()).step_by(QUARANTINE_SLICE_ROWS) {
        let slice = RawTable {
            df: raw.df.slice(start as i64, QUARANTINE_SLICE_ROWS),
            ..raw.clone_without_rows()
        };
        let rows = read::row_numbers(&slice.df)?;
        let (Some(first), Some(last)) = (rows.min(), rows.max()) else {
            continue;
        };
        let quarantined = quarantine_rows(&slice, e, &reasons(first as usize, last as usize))?;
        quarantined_rows += quarantined.len() as u64;
        tx.quarantine(&quarantined)?;
    }
    Ok(quarantined_rows)
}

#[cfg(feature = "store")]
fn quarantine_rows(
    raw: &RawTable,
    e: &Examined,
    invalid: &std::collections::BTreeMap<usize, Vec<String>>,
) -> Result<Vec<QuarantinedRow>> {
    if invalid.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Option<u64>> = read::row_numbers(&raw.df)?.iter().collect();
    let mut values: std::collections::BTreeMap<usize, serde_json::Map<String, serde_json::Value>> =
        std::collections::BTreeMap::new();
    for (i, header) in raw.headers.iter().enumerate() {
        let column = raw
            .df
            .column(&RawTable::column_key(i))
            .map_err(Error::polars("quarantine"))?;
        let column = column.str().map_err(Error::polars("quarantine"))?;
        for (row, value) in rows.iter().zip(column.iter()) {
            let Some(row) = row.map(|r| r as usize) else {
                continue;
            };
            if invalid.contains_key(&row) {
                values.entry(row).or_default().insert(
                    header.clone(),
                    value.map_or(serde_json::Value::Null, |v| {
                        serde_json::Value::String(v.to_string())
                    }),
                );
            }
        }
    }
    Ok(invalid
        .iter()
        .map(|(row, findings)| QuarantinedRow {
            file_name: e.file.clone(),
            kind: e.kind,
            location: raw.locate(*row, None),
            problems: findings.iter().map(String::as_str).collect::<Vec<_>>().join("; "),
            row_values: serde_json::Value::Object(values.remove(row).unwrap_or_default()).to_string(),
        })
        .collect())
}
