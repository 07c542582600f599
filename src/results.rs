//! The results the engine hands to the statistics and render layers, as plain data with
//! no engine: the tidy table's rows, the geography and request of a period, and the
//! loads a store holds. Render builds and is tested on these without DuckDB.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};

use crate::catalog::Unit;
use crate::period::Period;

/// Status of a value in the tidy table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Shown,
    Suppressed,
    NoData,
    NotReached,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Shown => "",
            Status::Suppressed => "suppressed",
            Status::NoData => "no_data",
            Status::NotReached => "not_reached",
        }
    }
}

/// One row of the tidy output (indicators.md, "Tidy output").
#[derive(Debug, Clone, PartialEq)]
pub struct TidyRow {
    pub indicator_id: String,
    pub period: String,
    pub calendar: &'static str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub as_of: NaiveDateTime,
    pub area_code: String,
    pub breakdown: String,
    pub breakdown_value: String,
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    pub value: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub unit: Unit,
    pub status: Status,
}

impl TidyRow {
    /// The row of an indicator's total for the area, with no value yet.
    pub fn empty(
        indicator_id: &str,
        unit: Unit,
        period: &Period,
        as_of: NaiveDateTime,
        area_code: &str,
    ) -> TidyRow {
        TidyRow {
            indicator_id: indicator_id.to_string(),
            period: period.to_string(),
            calendar: period.calendar.name(),
            period_start: period.start(),
            period_end: period.end(),
            as_of,
            area_code: area_code.to_string(),
            breakdown: String::new(),
            breakdown_value: String::new(),
            numerator: None,
            denominator: None,
            value: None,
            ci_low: None,
            ci_high: None,
            unit,
            status: Status::Shown,
        }
    }
}

/// What to compute: a period as of a moment, for a whole, from the store as known after
/// a load. Passed by value to every use case: the store holds no state of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub period: Period,
    pub as_of: NaiveDateTime,
    /// The whole described (a province, the nation).
    pub whole: Top,
    /// The load the store is read as known after; None: as it stands.
    pub known: Option<i64>,
    /// Who the figures are for: the public sees them through disclosure control.
    pub audience: Audience,
}

impl Request {
    /// The later of its period's end and its as-of: no case received, received by the
    /// police or decided after it counts in its figures.
    pub fn latest_moment(&self) -> NaiveDateTime {
        self.period.end_moment().max(self.as_of)
    }

    /// The three moments a query binds (`$period_start`, `$period_end`, `$as_of`): what,
    /// beside the cases read, its member groups depend on.
    pub fn moments(&self) -> [NaiveDateTime; 3] {
        [self.period.start_moment(), self.period.end_moment(), self.as_of]
    }

    /// `period` as of `as_of`, for the store's one province, as the store stands, for
    /// the public.
    pub fn new(period: Period, as_of: NaiveDateTime) -> Request {
        Request {
            period,
            as_of,
            whole: Top::Only,
            known: None,
            audience: Audience::Public,
        }
    }

    /// The same whole and state of the store, another period as of another moment.
    pub fn at(&self, period: Period, as_of: NaiveDateTime) -> Request {
        Request {
            period,
            as_of,
            ..self.clone()
        }
    }

    /// The same period and state of the store, another whole.
    pub fn of(&self, whole: Top) -> Request {
        Request {
            whole,
            ..self.clone()
        }
    }

    /// The same period and whole, the store as known after `known` (None: as it stands).
    pub fn known_at(&self, known: Option<i64>) -> Request {
        Request {
            known,
            ..self.clone()
        }
    }
}

/// The whole a report describes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Top {
    /// The store's one current province (a choice between several is refused).
    #[default]
    Only,
    /// A province by its code; with `on`, the one of that code valid on that day (a code
    /// reused by a merger names two provinces; without `on`, the newer one).
    Province { code: String, on: Option<NaiveDate> },
    /// Every province in the store: the nation, whose areas are the provinces.
    Nation,
}

/// The tidy table's area code of the nation.
pub const NATION_CODE: &str = "VN";

/// The areas a period is reported for.
#[derive(Debug, Clone)]
pub struct Geography {
    pub province: String,
    /// Areas below the province valid at some time in the period, in code order.
    pub areas: Vec<String>,
    /// Those of them valid on the period's last day: the province's parts then.
    pub on_last_day: Vec<String>,
    pub names: HashMap<String, String>,
    /// The province codes whose areas these are: the province and the former provinces
    /// it was formed from (every province for the nation).
    pub roots: Vec<String>,
    /// What the whole is made of on the period's last day (itself, or before a merger the
    /// former provinces it was formed from; the provinces for the nation), each with
    /// whether the store holds its records for the period: every output names them.
    pub parts: Vec<WholePart>,
    /// Each area's first and last day of validity (None: open): an area that did not
    /// exist through both periods of a comparison has no change to show.
    pub validity: HashMap<String, (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)>,
}

/// A province a whole is made of in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct WholePart {
    pub code: String,
    pub name: String,
    /// Whether the part is the whole itself (not a former province summed into it).
    pub is_whole: bool,
    /// Whether the store holds a case received or content item detected by the period's
    /// end from this province's sources: whether its exports were loaded for the period.
    pub holds_records: bool,
}

impl Geography {
    /// The name of the whole as the store knows it for the period.
    pub fn whole_name(&self) -> &str {
        self.names
            .get(&self.province)
            .map(String::as_str)
            .unwrap_or(&self.province)
    }

    /// Refuses a whole summed from former provinces when the store holds records of some
    /// of some of them for the period and none of others: its counts would be one predecessor's
    /// under the merged province's name, its rates over both populations (issue 33).
    pub fn covers_its_parts(&self, period: &crate::period::Period) -> crate::error::Result<()> {
        let missing = self.parts_without_records();
        if self.province == NATION_CODE || missing.is_empty() {
            return Ok(());
        }
        let list = |parts: Vec<&WholePart>| {
            parts
                .iter()
                .map(|p| format!("{} {}", p.code, p.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let held: Vec<&WholePart> = self.parts.iter().filter(|p| p.holds_records).collect();
        let alone = held
            .first()
            .map(|p| {
                format!(
                    " (--province {}@{} reports {} alone)",
                    p.code,
                    period.end(),
                    p.name
                )
            })
            .unwrap_or_default();
        Err(crate::error::Error::Usage(format!(
            "in {period} province {} {} is the sum of {}, but the store holds no case or content \
             record of {} up to that period's end: load its exports, or report the former province \
             whose data it holds{alone}",
            self.province,
            self.whole_name(),
            list(self.parts.iter().collect()),
            list(missing),
        )))
    }

    /// The day the areas changed between `earlier` and `now` when `area` (below the whole)
    /// did not exist through both (the reform of 1 July 2025: a district's last quarter
    /// held half a quarter's cases, a commune's first its first days'): a change of
    /// geography, so its change is not shown.
    pub fn area_changed(
        &self,
        area: &str,
        earlier: &crate::period::Period,
        now: &crate::period::Period,
    ) -> Option<chrono::NaiveDate> {
        let &(from, to) = self.validity.get(area)?;
        let start = earlier.start().min(now.start());
        let end = earlier.end().max(now.end());
        match (from, to) {
            (Some(from), _) if from > start => Some(from),
            (_, Some(to)) if to < end => to.succ_opt(),
            _ => None,
        }
    }

    /// The parts of the whole without records for the period, when others have some.
    pub fn parts_without_records(&self) -> Vec<&WholePart> {
        if self.parts.iter().all(|p| !p.holds_records) {
            return Vec::new();
        }
        self.parts.iter().filter(|p| !p.holds_records).collect()
    }
}

/// One load recorded in the store's log.
#[derive(Debug, Clone)]
pub struct LoggedFile {
    pub load_id: i64,
    pub file_name: String,
    pub kind: String,
    pub sha256: String,
    pub rows_loaded: i64,
    pub rows_replaced: i64,
    pub rows_quarantined: i64,
    pub loaded_at: String,
    pub engine_version: String,
    pub profile: Option<String>,
}

/// How complete the store's optional case columns are, and what else a report's data
/// quality sheet counts.
#[derive(Debug, Clone)]
pub struct Completeness {
    pub kind: &'static str,
    pub column: &'static str,
    pub filled: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Quality {
    pub completeness: Vec<Completeness>,
    pub quarantined: u64,
    pub invalid_orders: u64,
    pub late_records: u64,
    /// Cases whose receiving agency was no longer in force on the day of receipt
    /// (queries/agencies.toml): accepted, counted under the successor, named here.
    pub superseded_agency_rows: u64,
    /// The parts and links behind the period's cases (data-contract.md v3): for the
    /// office, internal audience only.
    pub parts: PartsQuality,
    /// The counts above the period's pattern hides from the public beyond the threshold
    /// (indicators.md v3: every printed count is a quantity), by [`Quality::name`]: a
    /// count 5 or more hidden because the wholes' sums would give back a hidden one.
    pub hidden: std::collections::BTreeSet<String>,
}

impl Quality {
    /// The name of a count of completeness (`filled` or `rows`) of `column`.
    pub fn name(kind: &str, column: &str, count: &str) -> String {
        format!("{kind}.{column}.{count}")
    }
}

/// What the parts and links of the period's cases say about the agencies' data
/// (indicators.md v3, the data-quality report): counts by source agency, never a value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartsQuality {
    pub agencies: Vec<AgencyParts>,
    /// Cases whose parts give two different values of a column, by column and agency
    /// pair.
    pub disagreements: Vec<Disagreement>,
    /// Assembled cases breaking a row rule that each of their parts kept, by rule.
    pub rule_breaks: Vec<(String, u64)>,
    /// Links naming a case of the period, by basis.
    pub links: Vec<(String, u64)>,
    /// Links naming an id the store does not hold (yet).
    pub links_waiting: u64,
    pub possible_duplicates: u64,
    /// Cases of the whole whose parts hold no receipt yet (no part gives a required
    /// column): they wait for the receiving agency's part, outside every figure.
    pub incomplete_cases: u64,
    /// The office's listing: which case and column, never the values.
    pub disagreement_list: Vec<DisagreementAt>,
    pub duplicate_list: Vec<PossibleDuplicate>,
}

/// One agency's parts of the period's cases.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyParts {
    /// A source agency code, or OFFICE.
    pub agency: String,
    pub parts: u64,
    /// Parts of cases no other agency (nor the office) has sent.
    pub alone: u64,
    /// Median days from the agency's own receipt of a case to the office's first load
    /// of its part, over the parts whose own receipt lies in the period; and how many.
    pub days_to_load: Option<f64>,
    pub received_in_period: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    pub column: String,
    pub agency_a: String,
    pub agency_b: String,
    pub cases: u64,
}

/// A case whose parts disagree on a column (the office's listing).
#[derive(Debug, Clone, PartialEq)]
pub struct DisagreementAt {
    pub case_id: String,
    pub column: String,
    pub agency_a: String,
    pub agency_b: String,
}

/// Two unlinked cases that may be one (data-contract.md v3, "Possible duplicates"),
/// and how their attributes matched, never their values.
#[derive(Debug, Clone, PartialEq)]
pub struct PossibleDuplicate {
    pub case_id: String,
    pub other_case_id: String,
    /// `equal`, `one_apart` or `blank`.
    pub age: &'static str,
    /// `same_day` or `within_7_days`.
    pub received: &'static str,
}

/// What the record of processing (`baove privacy-record`) shows of a store: what it
/// holds, every load and refusal, every output written. Counts, names and checksums
/// only: never a value of a row.
#[derive(Debug, Clone, Default)]
pub struct ProcessingRecord {
    pub holdings: Vec<Holding>,
    /// Invalid rows kept aside by `--quarantine` (they hold the rows' cells).
    pub quarantined: u64,
    pub loads: Vec<LoggedFile>,
    pub refusals: Vec<LoggedRefusal>,
    pub outputs: Vec<LoggedOutput>,
}

/// One kind of data in the store: for a retention decision.
#[derive(Debug, Clone)]
pub struct Holding {
    pub kind: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: u64,
    /// The first and last date of the kind's own date column (receipt, detection, ...).
    pub first: Option<String>,
    pub last: Option<String>,
    /// When the oldest row still held was loaded.
    pub oldest_load: Option<String>,
}

/// One file of a refused load, and one rule that refused it (a file refused by several
/// rules has a line for each; a file of a refused batch that had no problem of its own
/// has one line with no rule). The findings are counted, never kept.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRefusal {
    pub refusal_id: i64,
    pub refused_at: String,
    pub file_name: String,
    pub kind: String,
    pub sha256: String,
    pub rows_read: i64,
    pub rule: Option<String>,
    pub findings: i64,
}

/// One output file a command wrote from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedOutput {
    pub written_at: String,
    /// The command and template, e.g. "report quarterly", "dashboard".
    pub command: String,
    pub file_name: String,
    pub audience: String,
    pub period: String,
    pub as_of: String,
    pub lang: String,
    pub sha256: String,
    pub bytes: i64,
}

/// One of the identity checks every load runs (for the record of processing).
#[derive(Debug, Clone)]
pub struct IdentityCheck {
    pub rule: &'static str,
    pub vi: String,
    pub en: String,
}

/// A load of the log: its id and when it was logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadMark {
    pub load_id: i64,
    pub loaded_at: String,
}

/// Why a record counts in a revision of its cell, between two loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// In the cell now, unknown to the store then: received in the period, loaded later.
    Late,
    /// In the cell then and now, with some column changed by a later export.
    Corrected,
    /// Known then but outside the cell (another area, another period), in it now.
    Entered,
    /// In the cell then, not now: a correction moved it out (the contract has no
    /// deletion: a record never leaves the store).
    Removed,
    /// Counted as a case of its own then, now part of another case: a link said the two
    /// ids are one case (data-contract.md v3).
    Linked,
}

impl Cause {
    pub const ALL: [Cause; 5] = [
        Cause::Late,
        Cause::Corrected,
        Cause::Entered,
        Cause::Removed,
        Cause::Linked,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Cause::Late => "late",
            Cause::Corrected => "corrected",
            Cause::Entered => "entered",
            Cause::Removed => "removed",
            Cause::Linked => "linked",
        }
    }

    pub fn of_name(name: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// How many records of a kind's cohort in a cell a cause moved, and, with `column`, how
/// many of those (corrected, entered or removed) a later export changed that column of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CauseCount {
    pub kind: crate::model::Kind,
    pub area_code: String,
    pub cause: Cause,
    pub column: Option<String>,
    pub records: u64,
}

/// One figure of a revision: an indicator's total in a cell (the whole or an area) as
/// known after an earlier load and as known now.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisedValue {
    pub indicator_id: String,
    pub area_code: String,
    pub unit: Unit,
    /// As known then (None: not shown, or no value).
    pub then: Option<f64>,
    pub then_status: Status,
    pub now: Option<f64>,
    pub now_status: Status,
    /// now − then, where both are shown and the revision of the cell may be.
    pub difference: Option<f64>,
    /// `Suppressed` where disclosure control hid the revision (the difference, and the
    /// value then), `NoData` where either value is missing.
    pub status: Status,
}

/// A cause count as the audience may see it (None: hidden).
#[derive(Debug, Clone, PartialEq)]
pub struct ShownCause {
    pub count: CauseCount,
    pub records: Option<u64>,
}

/// The whole's value of an indicator as known after one load (a cell of the revision
/// triangle).
#[derive(Debug, Clone, PartialEq)]
pub struct Vintage {
    pub load: LoadMark,
    pub indicator_id: String,
    pub value: Option<f64>,
    pub status: Status,
}

/// A period's revision between two states of the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Revisions {
    pub period: Period,
    pub as_of: NaiveDateTime,
    pub whole: String,
    pub since: LoadMark,
    pub now: LoadMark,
    pub public: bool,
    /// Indicator by indicator (in dictionary order), the whole first, then each area.
    pub values: Vec<RevisedValue>,
    pub causes: Vec<ShownCause>,
    /// Oldest load first; empty unless asked for.
    pub triangle: Vec<Vintage>,
}

/// The revision a periodic workbook shows: against the last report of the same period
/// from an earlier state of the store, or none (its first report).
#[derive(Debug, Clone, PartialEq)]
pub enum Revised {
    FirstReport,
    Since(Box<Revisions>),
}

/// Who an output is written for. Every output names it (the tidy `audience` column, the
/// workbook cover, the top of the dashboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Audience {
    /// Files that leave the office: disclosure control applied.
    #[default]
    Public,
    /// The office itself: every value shown.
    Internal,
}

impl Audience {
    pub fn name(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Internal => "internal",
        }
    }

    pub fn is_public(self) -> bool {
        self == Audience::Public
    }
}
