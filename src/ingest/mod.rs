//! Getting exports into the store: find the files, read them (polars, calamine), refuse
//! identifying data, validate against the contract, then hand the canonical frames to the
//! store through Arrow in one transaction. Strict by default: one problem and nothing
//! changes; `quarantine` loads the valid rows and keeps the others with their reasons.

pub mod arrow_bridge;
pub mod identity;
pub mod parts;
pub mod profile;
pub mod read;
pub mod screen;
pub mod validate;

use std::collections::BTreeSet;
#[cfg(feature = "store")]
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
#[cfg(feature = "store")]
use polars::prelude::*;
use sha2::Digest;

use crate::error::{Error, Result};
use crate::findings::{Finding, Findings};
use crate::hex;
use crate::model::Kind;
#[cfg(feature = "store")]
use crate::store::{LoadLogEntry, QuarantinedRow, Store};
use profile::Profile;
#[cfg(feature = "store")]
use read::ROW_COLUMN;
use read::{Format, RawTable};
use validate::{Context, Validated};

/// A file to read and the kind it holds.
#[derive(Debug, Clone)]
pub struct Planned {
    pub path: PathBuf,
    pub kind: Kind,
}

/// Expands folders (their files, not sub-folders) and decides each file's kind: `--kind`,
/// else the profile's kind, else the file stem. Files in a folder that are not exports
/// (README, profiles, unknown stems) are passed over and listed in the second value.
pub fn plan(
    paths: &[PathBuf],
    kind: Option<Kind>,
    profile: &Profile,
) -> Result<(Vec<Planned>, Vec<PathBuf>)> {
    let mut planned = Vec::new();
    let mut passed_over = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
        if !meta.is_dir() && !meta.is_file() {
            // A pipe, a device or a socket has no end to read to (a link to /dev/zero,
            // a FIFO nobody writes): refused before anything reads it.
            return Err(Error::Usage(format!(
                "{}: not a regular file (a pipe, device or socket); nothing was read",
                read::file_display(path)
            )));
        }
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| Error::io(path.display(), e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            entries.sort();
            for entry in entries {
                match (Format::from_path(&entry), decide_kind(&entry, kind, profile)) {
                    (Some(_), Some(k)) => planned.push(Planned { path: entry, kind: k }),
                    _ => passed_over.push(entry),
                }
            }
        } else {
            if Format::from_path(path).is_none() {
                return Err(Error::Usage(format!(
                    "{}: not a CSV, XLSX or Parquet file (by its extension)",
                    read::file_display(path)
                )));
            }
            let k = decide_kind(path, kind, profile).ok_or_else(|| {
                Error::Usage(format!(
                    "{}: cannot tell which kind of export this is from its name; name it like \
                     cases_2025Q1.csv or give --kind (cases, case_links, content_reports, population, areas, holidays, crosswalk)",
                    read::file_display(path)
                ))
            })?;
            planned.push(Planned {
                path: path.clone(),
                kind: k,
            });
        }
    }
    // Reference data first, so cases are checked against the areas of the same load.
    planned.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.path.cmp(&b.path)));
    Ok((planned, passed_over))
}

fn decide_kind(path: &Path, kind: Option<Kind>, profile: &Profile) -> Option<Kind> {
    kind.or_else(|| profile.kind()).or_else(|| {
        path.file_stem()
            .and_then(|s| s.to_str())
            .and_then(Kind::from_file_stem)
    })
}

/// A file read and judged, not yet loaded.
#[derive(Debug)]
pub struct Examined {
    pub path: PathBuf,
    pub file: String,
    pub kind: Kind,
    pub sha256: String,
    pub raw: Option<RawTable>,
    pub validated: Option<Validated>,
    /// Problems that refuse the file whole (unreadable, identifying data, missing columns).
    pub refusal: Vec<Finding>,
    /// The rows of a file refused for identifying data, which is dropped at once: what
    /// the refusal log counts.
    pub rows_dropped: usize,
    /// Set for a file read in parts ([`parts`]): what the parts showed; the rows are read
    /// again, a part at a time, when loaded.
    pub parted: Option<Parted>,
}

/// What reading a file part by part found; validation is repeated the same way when the
/// parts are loaded, so it keeps what that needs.
#[derive(Debug)]
// Only loading reads the profile and context again (not built without the store).
#[cfg_attr(not(feature = "store"), allow(dead_code))]
pub struct Parted {
    pub rows_read: usize,
    /// The findings kept whole (see [`crate::findings::KEPT_PER_RULE`]).
    pub findings: Vec<Finding>,
    keeper: crate::findings::Keeper,
    /// Every row a finding breaks, kept or counted: a bit a row of the file.
    bad_rows: crate::findings::RowSet,
    /// The rows whose id another row of the file has, and what the load says of them.
    repeated_rows: crate::findings::RowSet,
    repeated_reason: String,
    pub ignored_columns: Vec<String>,
    /// False for a file whose judging was left to the load ([`examine_all`] with
    /// `defer_parts`): it is judged while it is loaded, in one reading.
    pub judged: bool,
    profile: Profile,
    ctx: Context,
}

impl Parted {
    fn new(profile: &Profile, ctx: &Context, judged: bool) -> Parted {
        Parted {
            rows_read: 0,
            findings: Vec::new(),
            keeper: crate::findings::Keeper::default(),
            bad_rows: crate::findings::RowSet::default(),
            repeated_rows: crate::findings::RowSet::default(),
            repeated_reason: String::new(),
            ignored_columns: Vec::new(),
            judged,
            profile: profile.clone(),
            ctx: Context {
                ids_checked_across_parts: true,
                ..ctx.clone()
            },
        }
    }
}

impl Examined {
    /// A planned file known by its checksum (empty when not known yet), nothing read or
    /// judged yet.
    fn of(planned: &Planned, sha256: String) -> Examined {
        Examined {
            path: planned.path.clone(),
            file: read::file_display(&planned.path),
            kind: planned.kind,
            sha256,
            raw: None,
            validated: None,
            refusal: Vec::new(),
            rows_dropped: 0,
            parted: None,
        }
    }

    pub fn rows_read(&self) -> usize {
        match &self.parted {
            Some(p) => p.rows_read,
            None => self.raw.as_ref().map_or(0, RawTable::height),
        }
    }

    /// Every finding: whole-file ones and row ones.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.refusal
            .iter()
            .chain(self.validated.iter().flat_map(|v| v.findings.iter()))
            .chain(self.parted.iter().flat_map(|p| p.findings.iter()))
    }

    pub fn refused_whole(&self) -> bool {
        !self.refusal.is_empty()
            || self.validated.as_ref().is_some_and(Validated::has_file_findings)
            || self
                .parted
                .as_ref()
                .is_some_and(|p| p.findings.iter().any(|f| f.data_row.is_none()))
    }

    /// Whether judging this file was left to the load.
    pub fn deferred(&self) -> bool {
        self.parted.as_ref().is_some_and(|p| !p.judged)
    }

    pub fn invalid_rows(&self) -> usize {
        match &self.parted {
            Some(p) => p.bad_rows.len(),
            None => self.validated.as_ref().map_or(0, |v| v.invalid_row_set().len()),
        }
    }

    /// The findings counted beyond those kept.
    pub fn unlisted(&self) -> crate::findings::Unlisted {
        let mut keeper = crate::findings::Keeper::default();
        if let Some(v) = &self.validated {
            keeper.count(&v.unlisted);
        }
        if let Some(p) = &self.parted {
            keeper.count(&p.keeper.unlisted);
        }
        keeper.unlisted
    }
}

pub fn sha256_of(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
    if !meta.is_file() || meta.len() > read::MAX_FILE_BYTES {
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
    Ok(hex(&hasher.finalize()))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha2::Sha256::digest(bytes))
}

/// Reads, scans for identifying data and validates one file. Refusals of the data become
/// findings; only usage and I/O problems are errors.
pub fn examine(planned: &Planned, profile: &Profile, ctx: &Context) -> Result<Examined> {
    if parts::in_parts(planned) {
        return examine_in_parts(planned, profile, ctx);
    }
    let mut clock = crate::Stopwatch::start();
    let raw = read::read_table(&planned.path);
    let sha256 = match &raw {
        Ok(raw) => raw.sha256.clone(),
        // A file refused for its size is not read to its end for a checksum either.
        Err(Error::Refused(f)) if f.list.iter().any(|f| f.rule == "file-size") => String::new(),
        Err(_) => sha256_of(&planned.path)?,
    };
    let mut examined = Examined::of(planned, sha256);
    let raw = match raw {
        Ok(raw) => raw,
        Err(Error::Refused(findings)) => {
            examined.refusal = findings.list;
            return Ok(examined);
        }
        Err(e) => return Err(e),
    };
    clock.lap("read and checksum");
    let validated = validate::validate(planned.kind, &raw, profile, ctx)?;
    clock.lap("validate");
    let scope = validate::identity_scope(planned.kind, &raw, &validated);
    let identifying = screen::scan(
        planned.kind,
        &raw,
        &scope,
        validate::own_name_column(planned.kind, &validated),
    )?;
    clock.lap("identity scan");
    if !identifying.is_empty() {
        // Nothing of an identifying file goes further, not even its other findings
        // (which may quote values): the refusal names places and kinds only.
        examined.refusal = identifying;
        examined.rows_dropped = raw.height();
        return Ok(examined);
    }
    examined.validated = Some(validated);
    examined.raw = Some(raw);
    Ok(examined)
}

/// [`examine`] for a file read in parts: each part is read, validated and scanned, and
/// only its findings are kept. Identifying data in any part refuses the file at once.
fn examine_in_parts(planned: &Planned, profile: &Profile, ctx: &Context) -> Result<Examined> {
    let mut examined = Examined::of(planned, String::new());
    let mut reader = parts::Parts::open(&planned.path, &examined.file)?;
    let mut judge = PartJudge::new(planned.kind, examined.file.clone(), profile, ctx);
    while let Some(raw) = judge.next_part(&mut reader)? {
        judge.judge(&raw)?;
        if judge.done() {
            break;
        }
    }
    judge.finish(&mut examined, reader)?;
    Ok(examined)
}

/// Judges a file a part at a time, as [`examine`] judges a whole one: validation,
/// identity scan, and the ids of every part, so an id repeated anywhere in the file is
/// found at the end. Findings build up; the rows of each part go back to the caller,
/// which may load them.
struct PartJudge<'a> {
    kind: Kind,
    file: String,
    profile: &'a Profile,
    keys: parts::KeysSeen,
    parted: Parted,
    /// Set when the file is refused whole before its end (identifying data, an
    /// unreadable part): nothing more of it is read.
    refusal: Vec<Finding>,
    clock: crate::Stopwatch,
}

impl<'a> PartJudge<'a> {
    fn new(kind: Kind, file: String, profile: &'a Profile, ctx: &'a Context) -> PartJudge<'a> {
        PartJudge {
            kind,
            file,
            profile,
            keys: parts::KeysSeen::default(),
            parted: Parted::new(profile, ctx, true),
            refusal: Vec::new(),
            clock: crate::Stopwatch::start(),
        }
    }

    /// The next part, or None at the end or once the file is refused whole.
    fn next_part(&mut self, reader: &mut parts::Parts) -> Result<Option<RawTable>> {
        let part = match reader.next_part() {
            Ok(part) => part,
            Err(Error::Refused(findings)) => {
                self.refusal = findings.list;
                None
            }
            Err(e) => return Err(e),
        };
        self.clock.lap("part: read");
        if self.parted.rows_read == 0 {
            if let Some(rows) = reader.estimated_rows() {
                self.keys.expect(rows);
            }
        }
        Ok(part)
    }

    /// Judges one part; returns its rows as validated when the part may be loaded as far
    /// as its own rows go (no finding in it, no identifying data).
    fn judge(&mut self, raw: &RawTable) -> Result<Option<Validated>> {
        let mut validated = validate::validate(self.kind, raw, self.profile, &self.parted.ctx)?;
        let scope = validate::identity_scope(self.kind, raw, &validated);
        let identifying = screen::scan(
            self.kind,
            raw,
            &scope,
            validate::own_name_column(self.kind, &validated),
        )?;
        self.clock.lap("part: validate and identity scan");
        if !identifying.is_empty() {
            self.refusal = identifying;
            return Ok(None);
        }
        self.keys.add_part(self.kind, raw, &validated)?;
        self.clock.lap("part: ids");
        self.parted.rows_read += raw.height();
        self.parted.ignored_columns = validated.ignored_columns.clone();
        let clean = validated.findings.is_empty() && validated.unlisted.is_empty();
        for row in validated.invalid_row_set().iter() {
            self.parted.bad_rows.insert(row);
        }
        self.parted.keeper.count(&std::mem::take(&mut validated.unlisted));
        let findings = std::mem::take(&mut validated.findings);
        self.parted.keeper.keep_from(findings, &mut self.parted.findings);
        Ok(clean.then_some(validated))
    }

    /// Whether reading on can tell no more: the file is refused whole, or a column is
    /// missing (from every part alike: one report is enough).
    fn done(&self) -> bool {
        !self.refusal.is_empty() || self.parted.findings.iter().any(|f| f.data_row.is_none())
    }

    /// Whether the file is acceptable so far.
    #[cfg(feature = "store")]
    fn clean(&self) -> bool {
        self.refusal.is_empty() && self.parted.findings.is_empty() && self.parted.bad_rows.is_empty()
    }

    /// Adds the ids repeated in the file (inside a part or across parts) to the findings
    /// and records the verdict in `examined` (with the file's checksum).
    fn finish(mut self, examined: &mut Examined, reader: parts::Parts) -> Result<()> {
        if !self.refusal.is_empty() {
            examined.refusal = self.refusal;
            examined.sha256 = sha256_of(&examined.path)?;
            examined.parted = None;
            return Ok(());
        }
        let repeated = self.keys.repeated(&self.file);
        for f in &repeated.kept {
            self.parted.repeated_reason = format!("{}: {} [{}]", f.column, f.reason, f.rule);
        }
        for row in repeated.rows.iter() {
            self.parted.bad_rows.insert(row);
        }
        self.parted.repeated_rows = repeated.rows;
        self.parted
            .keeper
            .keep_from(repeated.kept, &mut self.parted.findings);
        self.parted.findings.sort_by_key(|f| f.data_row);
        self.clock.lap("ids across parts");
        examined.sha256 = reader.sha256()?;
        examined.parted = Some(self.parted);
        Ok(())
    }
}

/// Examines every planned file in order, each against the areas known so far.
///
/// With `defer_parts` (a strict load), a file to be read in parts is only named here:
/// the load judges it while it writes it, reading it once instead of twice, and rolls
/// back if it is refused. Should another file of the batch be refused, the deferred ones
/// are judged here after all, so the refusal lists every file's findings.
pub fn examine_all(
    planned: &[Planned],
    profile: &Profile,
    now: NaiveDateTime,
    store_areas: Option<Vec<String>>,
    defer_parts: bool,
    progress: &dyn Fn(&str),
) -> Result<Vec<Examined>> {
    let mut known_areas = store_areas;
    let mut examined = Vec::new();
    // Areas first, whatever order the files were named in: every other file is checked
    // against them.
    let mut planned: Vec<&Planned> = planned.iter().collect();
    planned.sort_by_key(|p| p.kind != Kind::Areas);
    for p in planned {
        let ctx = Context {
            now,
            known_areas: known_areas.clone(),
            ids_checked_across_parts: false,
        };
        if defer_parts && parts::in_parts(p) {
            progress(&format!(
                "{} is large: checking it while writing it",
                read::file_display(&p.path)
            ));
            let mut e = Examined::of(p, String::new());
            e.parted = Some(Parted::new(profile, &ctx, false));
            examined.push(e);
            continue;
        }
        progress(&format!("checking {}", read::file_display(&p.path)));
        let e = examine(p, profile, &ctx)?;
        if e.kind == Kind::Areas && !e.refused_whole() {
            if let Some(v) = &e.validated {
                let mut codes: BTreeSet<String> =
                    known_areas.take().unwrap_or_default().into_iter().collect();
                codes.extend(valid_area_codes(v)?);
                known_areas = Some(codes.into_iter().collect());
            }
        }
        examined.push(e);
    }
    if refusal(&examined, false).is_some() {
        for e in examined.iter_mut().filter(|e| e.deferred()) {
            progress(&format!("checking {}", e.file));
            judge_deferred(e)?;
        }
    }
    Ok(examined)
}

/// Judges a file whose judging was deferred, without loading it.
fn judge_deferred(e: &mut Examined) -> Result<()> {
    let parted = e.parted.take().expect("a deferred file is read in parts");
    let planned = Planned {
        path: e.path.clone(),
        kind: e.kind,
    };
    *e = examine_in_parts(&planned, &parted.profile, &parted.ctx)?;
    Ok(())
}

fn valid_area_codes(v: &Validated) -> Result<Vec<String>> {
    let invalid = v.invalid_row_set();
    let rows = read::row_numbers(&v.canonical)?;
    let codes = v
        .canonical
        .column("area_code")
        .map_err(Error::polars("area codes"))?;
    let codes = codes.str().map_err(Error::polars("area codes"))?;
    Ok(rows
        .iter()
        .zip(codes.iter())
        .filter(|(r, _)| r.is_some_and(|r| !invalid.contains(r as usize)))
        .filter_map(|(_, c)| c.map(str::to_string))
        .collect())
}

/// All findings of a batch, with the verdict for the user.
pub fn batch_findings(examined: &[Examined], verdict: &str) -> Findings {
    let mut keeper = crate::findings::Keeper::default();
    for e in examined {
        keeper.count(&e.unlisted());
    }
    Findings {
        list: examined.iter().flat_map(|e| e.findings().cloned()).collect(),
        verdict: verdict.to_string(),
        unlisted: keeper.unlisted,
    }
}

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

/// Why a batch cannot be loaded, if it cannot: a file refused whole (identifying data, an
/// unreadable file, a missing column: even with quarantine), or, without quarantine, any
/// invalid row.
pub fn refusal(examined: &[Examined], quarantine: bool) -> Option<Findings> {
    if examined.iter().any(Examined::refused_whole) {
        let mut keeper = crate::findings::Keeper::default();
        for e in examined.iter().filter(|e| e.refused_whole()) {
            keeper.count(&e.unlisted());
        }
        return Some(Findings {
            unlisted: keeper.unlisted,
            list: examined
                .iter()
                .filter(|e| e.refused_whole())
                .flat_map(|e| e.findings().cloned())
                .collect(),
            verdict: "refused; nothing was loaded (identifying data, an unreadable file or a missing \
                      column refuses the whole file, even with --quarantine)"
                .into(),
        });
    }
    if !quarantine && examined.iter().any(|e| e.invalid_rows() > 0) {
        return Some(batch_findings(
            examined,
            "refused; nothing was loaded (fix the rows, or load the valid rows with --quarantine)",
        ));
    }
    None
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
    let mut rows_loaded = 0u64;
    // The next part is read and judged on one thread while the store writes the last
    // one on this thread (DuckDB's connection stays here): at most two parts in memory.
    let (judged, reader) = std::thread::scope(|scope| -> Result<_> {
        let (sender, receiver) =
            std::sync::mpsc::sync_channel::<(u64, Vec<arrow::record_batch::RecordBatch>)>(0);
        let judging = scope.spawn(|| -> Result<_> {
            let sender = sender;
            let mut reader = parts::Parts::open(&path, &file)?;
            let mut judge = PartJudge::new(kind, file.clone(), &parted.profile, &parted.ctx);
            while let Some(raw) = judge.next_part(&mut reader)? {
                let validated = judge.judge(&raw)?;
                drop(raw);
                if judge.done() {
                    break;
                }
                let Some(validated) = validated.filter(|_| judge.clean()) else {
                    continue;
                };
                let mut valid = valid_rows(&validated.canonical, &HashSet::new(), load_id, province)?;
                drop(validated);
                let rows = valid.height() as u64;
                let batches = arrow_bridge::to_record_batches(&mut valid)?;
                drop(valid);
                judge.clock.lap("part: to arrow");
                if sender.send((rows, batches)).is_err() {
                    // The store failed; its error is what the load reports.
                    break;
                }
                judge.clock.lap("part: wait for the store");
            }
            Ok((judge, reader))
        });
        let mut clock = crate::Stopwatch::start();
        for (rows, batches) in receiver {
            clock.lap("store: wait for a part");
            tx.append(kind, batches)?;
            rows_loaded += rows;
            clock.lap("store: part written");
        }
        match judging.join() {
            Ok(judged) => judged,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })?;
    judged.finish(&mut e, reader)?;
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
