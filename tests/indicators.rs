//! Indicators: every indicator's own given-rows test (queries/indicators/<id>.test.toml)
//! through the library, the fixtures a catalog test cannot hold (a geography change, the
//! public audience; tests/fixtures/indicators/*/EXPECTED.md), properties over generated
//! data, and the catalog meta-test.

use std::collections::BTreeMap;
use std::path::Path;

use baove::indicators::given;

use crate::util::{baove, repo};

type Row = BTreeMap<String, String>;

fn read_tidy(path: &Path) -> Vec<Row> {
    crate::util::read_csv_rows(path)
}

/// Loads a fixture into a fresh store and computes indicators with extra arguments.
fn run_fixture(fixture: &str, args: &[&str]) -> Vec<Row> {
    let dir = tempfile::tempdir().unwrap();
    let data = repo().join("tests/fixtures/indicators").join(fixture);
    let load = baove(dir.path(), &["load", &data.display().to_string()]);
    assert_eq!(load.code, 0, "{}", load.all_output());
    let mut all = vec!["indicators", "--out", "out.csv"];
    all.extend_from_slice(args);
    let run = baove(dir.path(), &all);
    assert_eq!(run.code, 0, "{}", run.all_output());
    read_tidy(&dir.path().join("out.csv"))
}

fn cell<'a>(rows: &'a [Row], id: &str, area: &str, breakdown: &str, value: &str) -> &'a Row {
    rows.iter()
        .find(|r| {
            r["indicator_id"] == id
                && r["area_code"] == area
                && r["breakdown"] == breakdown
                && r["breakdown_value"] == value
        })
        .unwrap_or_else(|| panic!("no row {id} {area} {breakdown}={value}"))
}

fn total<'a>(rows: &'a [Row], id: &str) -> &'a Row {
    cell(rows, id, "44", "", "")
}

fn num(row: &Row, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} in {row:?}", row[column]))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// Without the province's own population rows, a period across the merger of 1 July
/// 2025 sums the areas of its last day, never districts and communes together.
/// Every indicator's own test (`queries/indicators/<id>.test.toml`: given rows, expected
/// rows derived by hand from indicators.md) and the invariants of `queries/tests/` over
/// its results, through the library as `baove check --tests` runs them.
#[test]
fn every_indicator_passes_its_given_rows_test() {
    let catalog = baove::catalog::indicators().unwrap();
    let tests = baove::catalog::indicator_tests().unwrap();
    for indicator in &catalog {
        assert!(
            tests.iter().any(|t| t.indicator == indicator.id),
            "{} has no test",
            indicator.id
        );
    }
    let mut failures = Vec::new();
    for test in &tests {
        let outcome = given::run_test(test, &catalog).unwrap();
        assert!(outcome.rows_compared > 0, "{} compares nothing", test.indicator);
        failures.extend(
            outcome
                .failures
                .iter()
                .map(|f| format!("{}: {f}", test.indicator)),
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The runner is not a check that cannot fail: a wrong expected value, a wrong expected
/// count (the one v1's emergency limit from 2026-01-01 would give, derived in the test
/// file's comments; the engine's rule itself is not swapped here), a wrong expected
/// status, a wrong interval, a field left out (rows are compared whole) and a row that
/// counts something left out are each caught.
#[test]
fn an_indicator_test_fails_on_a_wrong_expectation_or_rule() {
    let catalog = baove::catalog::indicators().unwrap();
    let tests = baove::catalog::indicator_tests().unwrap();
    let test_of = |id: &str| tests.iter().find(|t| t.indicator == id).unwrap().clone();
    let fails_with = |test: &baove::catalog::IndicatorTest, message: &str| {
        let outcome = given::run_test(test, &catalog).unwrap();
        assert!(
            outcome.failures.iter().any(|f| f.contains(message)),
            "{message} not among {:?}",
            outcome.failures
        );
    };
    let mut wrong_value = test_of("takedown_on_time");
    wrong_value.expectations[1].rows[0].value = Some(0.4);
    fails_with(&wrong_value, "value Some(0.6), expected Some(0.4)");
    // What the v1 reading would expect: U1 (an emergency of 20 June 2026 removed after
    // 12 hours) late, 2 on time instead of 3.
    let mut v1 = test_of("takedown_on_time");
    v1.expectations[1].rows[0].numerator = Some(2);
    fails_with(&v1, "numerator Some(3), expected Some(2)");
    let mut wrong_status = test_of("assessment_hours_km_median");
    wrong_status.expectations[1].rows[0].status = Some(String::new());
    fails_with(&wrong_status, "status \"not_reached\", expected \"\"");
    // A Wald interval where the spec asks Wilson's: 3 / 5 = 0.6 ± 1.96 √(0.24 / 5).
    let mut wald = test_of("confirmed_share");
    let row = &mut wald.expectations[1].rows[0];
    assert_eq!((row.numerator, row.denominator), (Some(3), Some(5)));
    let half = 1.959963984540054 * (0.6_f64 * 0.4 / 5.0).sqrt();
    row.ci_low = Some(0.6 - half);
    fails_with(&wald, "ci_low Some(0.2307");
    let mut no_interval = test_of("confirmed_share");
    no_interval.expectations[1].rows[0].ci_high = None;
    fails_with(&no_interval, "ci_high Some(0.8");
    // confirmed_share's first expectation lists both districts; without 452's row, its
    // 1 / 1 is a row not expected (a row of 0 of 0 could be left out).
    let mut missing = test_of("confirmed_share");
    missing.expectations[0]
        .rows
        .retain(|r| r.area.as_deref() != Some("452"));
    fails_with(
        &missing,
        "area 452: a row not expected (numerator Some(1), denominator Some(1)",
    );
}

#[test]
fn the_province_population_is_that_of_its_areas_on_the_last_day() {
    let q3 = run_fixture(
        "merger_population",
        &["--period", "2025Q3", "--audience", "internal"],
    );
    let rate = total(&q3, "rate_received");
    assert_eq!(rate["denominator"], "28000", "{rate:?}");
    assert_eq!(rate["numerator"], "2");
    assert!(close(num(rate, "value"), 2.0 / 28000.0 * 100000.0), "{rate:?}");
    let q2 = run_fixture(
        "merger_population",
        &["--period", "2025Q2", "--audience", "internal"],
    );
    let rate = total(&q2, "rate_received");
    assert_eq!(rate["denominator"], "30000", "{rate:?}");
    assert!(close(num(rate, "value"), 1.0 / 30000.0 * 100000.0), "{rate:?}");
}

/// Totals equal the sum of their breakdowns, shares lie in [0, 1], every listed value is
/// present, and the invariants of queries/tests/ return nothing: over a generated data
/// set, for several periods.
#[test]
fn properties_over_generated_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert_eq!(
        crate::util::generate(
            dir.path(),
            &[
                "--out",
                &data.display().to_string(),
                "--cases",
                "3000",
                "--content",
                "2000",
                "--seed",
                "11"
            ]
        )
        .code,
        0
    );
    assert_eq!(baove(dir.path(), &["load", &data.display().to_string()]).code, 0);
    let catalog = baove::catalog::indicators().unwrap();
    for (period, calendar) in [
        ("2025Q1", "statutory"),
        ("2024", "calendar"),
        ("2025-07", "statutory"),
    ] {
        let run = baove(
            dir.path(),
            &[
                "indicators",
                "--period",
                period,
                "--calendar",
                calendar,
                "--audience",
                "internal",
                "--out",
                "p.csv",
                "--force",
            ],
        );
        assert_eq!(run.code, 0, "{}", run.all_output());
        let rows = read_tidy(&dir.path().join("p.csv"));
        let mut sums: BTreeMap<(String, String), i64> = BTreeMap::new();
        for r in &rows {
            if r["unit"] == "share" && !r["value"].is_empty() {
                let v = num(r, "value");
                assert!((0.0..=1.0).contains(&v), "{r:?}");
                assert!(num(r, "ci_low") <= v && v <= num(r, "ci_high"), "{r:?}");
            }
            if r["unit"] == "count" && !(r["area_code"] == "44" && r["breakdown"].is_empty()) {
                let group = if r["breakdown"].is_empty() {
                    "area".to_string()
                } else {
                    r["breakdown"].clone()
                };
                *sums.entry((r["indicator_id"].clone(), group)).or_default() +=
                    r["value"].parse::<i64>().unwrap();
            }
        }
        for ((id, group), sum) in &sums {
            let t: i64 = total(&rows, id)["value"].parse().unwrap();
            // Content items without an area are counted in the province only.
            if group == "area" && (id.starts_with("content") || id.starts_with("takedown")) {
                assert!(*sum <= t, "{id} {group}");
            } else {
                assert_eq!(*sum, t, "{period} {id} by {group}");
            }
        }
        assert!(
            rows.iter()
                .filter(|r| r["indicator_id"] == "cases_received" && r["breakdown"] == "age_band")
                .count()
                == 6
        );
        // The same properties as SQL (queries/tests/*.sql), with the store's own checks.
        let store = baove::store::Store::open_read_only(&dir.path().join("baove.duckdb")).unwrap();
        let period = baove::period::Period::parse(period, calendar.parse().unwrap()).unwrap();
        let request = baove::indicators::Request::new(period, period.end_moment());
        let computed = baove::indicators::compute(&store, &catalog, &request).unwrap();
        let failed = given::invariant_violations(&store, &computed, "44").unwrap();
        assert!(failed.is_empty(), "{period}: {failed:?}");
    }
}

/// queries/case_scope.sql computes facts only for the cases a request can need; every
/// indicator must give the same rows as over all cases, for periods of each length,
/// both calendars and a later as-of. Over the sample data, whose cases span 2023-2026
/// with open and closed cases, police and decision dates in and out of each period.
#[test]
fn request_scope_of_cases_loses_nothing() {
    use baove::indicators::{compute_with_scope, CaseScope, Request};
    use baove::period::{Calendar, Period};
    let dir = tempfile::tempdir().unwrap();
    let run = baove(dir.path(), &["load", &crate::util::sample_data()]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let store = baove::store::Store::open_read_only(&dir.path().join("baove.duckdb")).unwrap();
    let all = baove::catalog::indicators().unwrap();
    let later = chrono::NaiveDateTime::parse_from_str("2025-09-01 08:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    for (period, calendar, as_of) in [
        ("2025Q1", Calendar::Statutory, None),
        ("2024-07", Calendar::Calendar, None),
        ("2024", Calendar::Statutory, None),
        ("2025Q1", Calendar::Statutory, Some(later)),
    ] {
        let period = Period::parse(period, calendar).unwrap();
        let request = Request::new(period, as_of.unwrap_or_else(|| period.end_moment()));
        let scoped = compute_with_scope(&store, &all, &request, CaseScope::Request).unwrap();
        let whole = compute_with_scope(&store, &all, &request, CaseScope::All).unwrap();
        assert!(
            scoped.iter().any(|r| r.numerator.unwrap_or(0) > 0),
            "{period:?}: no data"
        );
        assert_eq!(scoped, whole, "{period:?} as of {:?}", request.as_of);
        if as_of.is_none() {
            continue;
        }
        // Each indicator alone, in the narrowest scope it allows (cohort indicators see
        // only the period's cohort), gives its rows of the whole computation (checked on
        // the request with the most censoring; the choice of scope does not depend on it).
        let mut cohort_only = 0;
        for indicator in &all {
            if CaseScope::needed_by(std::slice::from_ref(indicator)) == CaseScope::Cohort {
                cohort_only += 1;
            }
            let alone =
                baove::indicators::compute(&store, std::slice::from_ref(indicator), &request).unwrap();
            let of_whole: Vec<_> = whole
                .iter()
                .filter(|r| r.indicator_id == indicator.id)
                .cloned()
                .collect();
            assert_eq!(
                alone, of_whole,
                "{} {period:?} as of {:?}",
                indicator.id, request.as_of
            );
        }
        // Four case indicators read more than cohorts (open cases, police stages).
        assert_eq!(cohort_only, all.len() - 4);
    }
}

/// The ids of the dictionary (indicators.md), each with a complete header.
#[test]
fn list_matches_the_dictionary() {
    let spec_ids = [
        "cases_received",
        "cases_confirmed",
        "rate_received",
        "rate_confirmed",
        "assessment_hours_median",
        "assessment_hours_p90",
        "assessment_hours_km_median",
        "emergency_action_on_time",
        "support_plan_on_time",
        "police_referral_hours_median",
        "criminal_decision_on_time",
        "closure_days_median",
        "closure_days_km_median",
        "closure_days_km_p90",
        "confirmed_share",
        "support_coverage",
        "prosecution_share",
        "violations_handled_share",
        "open_cases_end",
        "open_cases_over_90d",
        "content_detected",
        "takedown_requested",
        "takedown_removed_share",
        "takedown_hours_median",
        "takedown_on_time",
        "takedown_within_3h",
        "takedown_within_6h",
        "takedown_within_24h",
        "takedown_within_72h",
        "takedown_not_found_share",
        // v3: the handovers between the agencies.
        "social_referral_hours_median",
        "social_referral_on_time",
        "police_coverage",
        "police_referral_on_time",
    ];
    let dir = tempfile::tempdir().unwrap();
    let run = baove(dir.path(), &["indicators", "--list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut listed: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    listed.sort();
    let mut expected = spec_ids.to_vec();
    expected.sort();
    assert_eq!(listed, expected);
    for line in run.stdout.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 5, "{line}");
        assert!(fields.iter().all(|f| !f.trim().is_empty()), "{line}");
    }
}

#[test]
fn public_output_suppresses_small_cells_and_their_complements() {
    let rows = run_fixture("period_boundaries", &["--period", "2025Q1"]);
    // Total 2 → [c]; every area with 1 → [c]; the empty area shows 0.
    let t = total(&rows, "cases_received");
    assert_eq!(
        (t["status"].as_str(), t["value"].as_str(), t["numerator"].as_str()),
        ("suppressed", "", "")
    );
    assert_eq!(cell(&rows, "cases_received", "459", "", "")["value"], "0");
    assert_eq!(
        cell(&rows, "rate_received", "450", "", "")["status"],
        "suppressed"
    );
}
