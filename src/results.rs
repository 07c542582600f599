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

/// What to compute.
#[derive(Debug, Clone)]
pub struct Request {
    pub period: Period,
    pub as_of: NaiveDateTime,
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
