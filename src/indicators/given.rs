//! The catalog's own tests, run by `cargo test` and `baove check --tests`: each
//! indicator's given rows loaded through the one loading path into a store in memory and
//! its expected rows compared with what it computes, and the invariants of
//! `queries/tests/*.sql` (queries that must return no rows) over every result.

use crate::catalog::{self, Expectation, ExpectedRow, Indicator, IndicatorTest};
use crate::error::{Error, Result};
use crate::ingest::{self, profile::Profile, Destination, LoadOptions};
use crate::period::{Calendar, Period};
use crate::results::{Request, TidyRow};
use crate::store::Store;

/// What one indicator test found wrong (empty: it passed).
#[derive(Debug, Clone)]
pub struct TestOutcome {
    pub indicator: String,
    pub rows_compared: usize,
    pub failures: Vec<String>,
}

/// Runs the test of `test.indicator` (which must be in `catalog`), and the invariants
/// over its results.
pub fn run_test(test: &IndicatorTest, catalog: &[Indicator]) -> Result<TestOutcome> {
    let indicator = catalog.iter().find(|i| i.id == test.indicator).ok_or_else(|| {
        Error::Catalog(format!(
            "{}.test.toml: no indicator {}",
            test.indicator, test.indicator
        ))
    })?;
    let store = given_store(test)?;
    let mut outcome = TestOutcome {
        indicator: test.indicator.clone(),
        rows_compared: 0,
        failures: Vec::new(),
    };
    for expectation in &test.expectations {
        let request = request_of(expectation)
            .map_err(|e| Error::Catalog(format!("{}.test.toml: {e}", test.indicator)))?;
        let rows = super::compute(&store, std::slice::from_ref(indicator), &request)?;
        let province = rows.first().map(|r| r.area_code.clone()).unwrap_or_default();
        let at = format!("{} as of {}", expectation.period, request.as_of);
        for expected in &expectation.rows {
            outcome.rows_compared += 1;
            let area = expected.area.as_deref().unwrap_or(&province);
            let found = rows.iter().find(|r| {
                r.area_code == area
                    && r.breakdown == expected.breakdown
                    && r.breakdown_value == expected.breakdown_value
            });
            let place = format!(
                "{at}, area {area}{}",
                if expected.breakdown.is_empty() {
                    String::new()
                } else {
                    format!(", {} = {}", expected.breakdown, expected.breakdown_value)
                }
            );
            match found {
                Some(_) if expected.absent => outcome
                    .failures
                    .push(format!("{place}: a row that should be absent")),
                None if expected.absent => {}
                None => outcome.failures.push(format!("{place}: no such row")),
                Some(row) => outcome.failures.extend(
                    differences(expected, row)
                        .into_iter()
                        .map(|d| format!("{place}: {d}")),
                ),
            }
        }
        // What the expectation covers: each breakdown it names (the totals among them),
        // for the province, and for every area where it names an area. Every row the
        // indicator gives there must be listed, so an extra row fails as a missing one
        // does (an expectation naming the province's rows only is about the province).
        let covered: Vec<(bool, &str)> = expectation
            .rows
            .iter()
            .map(|e| {
                (
                    e.area.as_ref().is_some_and(|a| *a != province),
                    e.breakdown.as_str(),
                )
            })
            .collect();
        for row in &rows {
            let group = (row.area_code != province, row.breakdown.as_str());
            let listed = expectation.rows.iter().any(|e| {
                e.area.as_deref().unwrap_or(&province) == row.area_code
                    && e.breakdown == row.breakdown
                    && e.breakdown_value == row.breakdown_value
            });
            // A row that counts nothing (a count of 0, or no data: an empty
            // denominator) may be left out: a breakdown's code list gives one for each
            // value. Any other must be listed.
            let counts_nothing = row.numerator.unwrap_or(0) == 0
                && row.denominator.unwrap_or(0) == 0
                && row.value.unwrap_or(0.0) == 0.0;
            if covered.contains(&group) && !listed && !counts_nothing {
                outcome.failures.push(format!(
                    "{at}, area {}{}: a row not expected (numerator {:?}, denominator {:?}, value {:?}, status {:?})",
                    row.area_code,
                    if row.breakdown.is_empty() {
                        String::new()
                    } else {
                        format!(", {} = {}", row.breakdown, row.breakdown_value)
                    },
                    row.numerator,
                    row.denominator,
                    row.value,
                    row.status.name()
                ));
            }
        }
        for (name, count) in invariant_violations(&store, &rows, &province)? {
            outcome
                .failures
                .push(format!("{at}: invariant {name} returned {count} rows"));
        }
    }
    Ok(outcome)
}

/// The rows of the invariants that fail over a store and its computed tidy rows (all
/// values shown: the internal audience): (invariant, rows returned).
pub fn invariant_violations(store: &Store, rows: &[TidyRow], province: &str) -> Result<Vec<(String, u64)>> {
    let mut failed = Vec::new();
    for (name, sql) in catalog::invariants() {
        let count = store.rows_of_invariant(sql, rows, province)?;
        if count > 0 {
            failed.push((name.to_string(), count));
        }
    }
    Ok(failed)
}

/// The test's exports loaded, strictly, into a store in memory.
fn given_store(test: &IndicatorTest) -> Result<Store> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("a temporary folder", e))?;
    for (name, text) in test.given.files() {
        let path = dir.path().join(name);
        std::fs::write(&path, text).map_err(|e| Error::io(path.display().to_string(), e))?;
    }
    let profile = Profile::default();
    let (planned, _) = ingest::plan(&[dir.path().to_path_buf()], None, &profile)?;
    let options = LoadOptions {
        quarantine: false,
        now: crate::local_now()?,
        logged_at: None,
        profile_name: None,
        province: None,
    };
    let (store, _) = ingest::load_planned(Destination::Memory, &planned, &profile, &options, &|_| {})
        .map_err(|e| match e {
            Error::Refused(findings) => Error::Catalog(format!(
                "{}.test.toml: its given rows are refused: {findings}",
                test.indicator
            )),
            other => other,
        })?;
    Ok(store)
}

fn request_of(expectation: &Expectation) -> std::result::Result<Request, String> {
    let calendar: Calendar = expectation.calendar.as_deref().unwrap_or("statutory").parse()?;
    let period = Period::parse(&expectation.period, calendar)?;
    let as_of = match &expectation.as_of {
        Some(text) => crate::period::parse_as_of(text)?,
        None => period.end_moment(),
    };
    Ok(Request::new(period, as_of))
}

/// How a computed row differs from the expected one, field by field: the whole row, a
/// field the expectation leaves out expected empty (and the status shown).
fn differences(expected: &ExpectedRow, row: &TidyRow) -> Vec<String> {
    let mut out = Vec::new();
    let mut count = |field: &str, want: Option<u64>, got: Option<u64>| {
        if want != got {
            out.push(format!("{field} {got:?}, expected {want:?}"));
        }
    };
    // A count's numerator is the count (indicators.md, the tidy format): its value.
    let numerator = match (expected.numerator, row.unit, expected.value) {
        (None, crate::catalog::Unit::Count, Some(value)) if value.fract() == 0.0 => Some(value as u64),
        (numerator, _, _) => numerator,
    };
    count("numerator", numerator, row.numerator);
    count("denominator", expected.denominator, row.denominator);
    for (field, want, got) in [
        ("value", expected.value, row.value),
        ("ci_low", expected.ci_low, row.ci_low),
        ("ci_high", expected.ci_high, row.ci_high),
    ] {
        let equal = match (want, got) {
            (Some(want), Some(got)) => (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            (want, got) => want.is_none() && got.is_none(),
        };
        if !equal {
            out.push(format!("{field} {got:?}, expected {want:?}"));
        }
    }
    let status = expected.status.as_deref().unwrap_or("");
    if row.status.name() != status {
        out.push(format!("status {:?}, expected {status:?}", row.status.name()));
    }
    out
}
