//! Reading and judging one planned file (or an agency's parts): identity, the contract,
//! the store's areas; nothing is written.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::NaiveDateTime;

use super::plan::Planned;
use super::profile::Profile;
use super::read::sha256_of;
use super::read::{self, RawTable};
use super::validate::{self, Context, Validated};
use super::{parts, screen};
use crate::error::{Error, Result};
use crate::findings::{Finding, Findings};
use crate::model::Kind;

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
    pub(super) bad_rows: crate::findings::RowSet,
    /// The rows whose id another row of the file has, and what the load says of them.
    pub(super) repeated_rows: crate::findings::RowSet,
    pub(super) repeated_reason: String,
    pub ignored_columns: Vec<String>,
    /// False for a file whose judging was left to the load ([`examine_all`] with
    /// `defer_parts`): it is judged while it is loaded, in one reading.
    pub judged: bool,
    pub(super) profile: Profile,
    pub(super) ctx: Context,
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
pub(super) struct PartJudge<'a> {
    kind: Kind,
    file: String,
    profile: &'a Profile,
    keys: parts::KeysSeen,
    parted: Parted,
    /// Set when the file is refused whole before its end (identifying data, an
    /// unreadable part): nothing more of it is read.
    refusal: Vec<Finding>,
    pub(super) clock: crate::Stopwatch,
}

impl<'a> PartJudge<'a> {
    pub(super) fn new(kind: Kind, file: String, profile: &'a Profile, ctx: &'a Context) -> PartJudge<'a> {
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
    pub(super) fn next_part(&mut self, reader: &mut parts::Parts) -> Result<Option<RawTable>> {
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
    pub(super) fn judge(&mut self, raw: &RawTable) -> Result<Option<Validated>> {
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
    pub(super) fn done(&self) -> bool {
        !self.refusal.is_empty() || self.parted.findings.iter().any(|f| f.data_row.is_none())
    }

    /// Whether the file is acceptable so far.
    #[cfg(feature = "store")]
    pub(super) fn clean(&self) -> bool {
        self.refusal.is_empty() && self.parted.findings.is_empty() && self.parted.bad_rows.is_empty()
    }

    /// Adds the ids repeated in the file (inside a part or across parts) to the findings
    /// and records the verdict in `examined` (with the file's checksum).
    pub(super) fn finish(mut self, examined: &mut Examined, reader: parts::Parts) -> Result<()> {
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
pub(super) fn judge_deferred(e: &mut Examined) -> Result<()> {
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
