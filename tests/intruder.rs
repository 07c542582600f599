//! The intruder test of disclosure control (indicators.md v2, "Disclosure control").
//!
//! It reads every public file a user can take out of the office (the tidy table, the
//! comparison and trend files, the heatmap's data, the report's tidy file) as an intruder
//! would, knowing nothing but what the files show and the indicator dictionary:
//!
//! - each shown row gives the counts it carries: its numerator and denominator (or
//!   value × denominator when a number is blank), under the quantity the dictionary says
//!   they count (`QUANTITIES` below: written from the spec's text, not read from the
//!   engine's headers, so a wrong header is caught);
//! - every row of the same cell that carries the same quantity tells the same count;
//! - every breakdown is subtracted from its shown total (the areas as one breakdown, each
//!   breakdown of the province, the heatmap's rows and columns), and a total is added up
//!   from its shown cells, repeating with whatever was learnt until nothing new comes.
//!
//! It fails on any count from 1 to 4 (for counts weighted through the crosswalk: any
//! value above 0 and below 5) so learnt, and on any row whose `audience` is not `public`.
//! Out of scope, as the spec says: differences between periods and between overlapping
//! geography versions (the district level of `compare --level district` is read as a
//! release of its own).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::util::{baove, read_csv_rows, sample_data};

/// What each indicator's numerator and denominator count, per indicators.md
/// ("Quantities" and the indicator table). `None`: the row carries no count there (a
/// median's numerator, a count's denominator); a rate's denominator is the population.
const QUANTITIES: &[(&str, Option<&str>, Option<&str>)] = &[
    ("cases_received", Some("cases_received"), None),
    ("cases_confirmed", Some("cases_confirmed"), None),
    ("rate_received", Some("cases_received"), None),
    ("rate_confirmed", Some("cases_confirmed"), None),
    ("assessment_hours_median", None, Some("cases_assessed")),
    ("assessment_hours_p90", None, Some("cases_assessed")),
    ("assessment_hours_km_median", None, Some("cases_received")),
    (
        "emergency_action_on_time",
        Some("emergency_on_time"),
        Some("emergency_due"),
    ),
    (
        "support_plan_on_time",
        Some("support_plan_on_time"),
        Some("support_plan_due"),
    ),
    ("police_referral_hours_median", None, Some("police_referred")),
    (
        "criminal_decision_on_time",
        Some("criminal_decision_on_time"),
        Some("criminal_decision_due"),
    ),
    ("closure_days_median", None, Some("cases_closed")),
    ("closure_days_km_median", None, Some("cases_received")),
    ("closure_days_km_p90", None, Some("cases_received")),
    ("confirmed_share", Some("cases_confirmed"), Some("cases_assessed")),
    (
        "support_coverage",
        Some("cases_supported"),
        Some("cases_confirmed"),
    ),
    (
        "prosecution_share",
        Some("cases_prosecuted"),
        Some("criminal_decisions"),
    ),
    (
        "violations_handled_share",
        Some("violations_handled"),
        Some("confirmed_closed"),
    ),
    // v3's coordination indicators: the handovers between the agencies.
    ("social_referral_hours_median", None, Some("social_referred")),
    (
        "social_referral_on_time",
        Some("social_referral_on_time"),
        Some("social_referral_due"),
    ),
    (
        "police_coverage",
        Some("police_reached"),
        Some("cases_confirmed_criminal"),
    ),
    (
        "police_referral_on_time",
        Some("police_referral_on_time"),
        Some("police_referral_due"),
    ),
    ("open_cases_end", Some("open_cases_end"), None),
    ("open_cases_over_90d", Some("open_cases_over_90d"), None),
    ("content_detected", Some("content_detected"), None),
    ("takedown_requested", Some("takedown_requested"), None),
    (
        "takedown_removed_share",
        Some("takedown_removed"),
        Some("takedown_requested"),
    ),
    ("takedown_hours_median", None, Some("takedown_removed")),
    ("takedown_on_time", Some("takedown_on_time"), Some("takedown_due")),
    // v2's fixed-limit measures: on-time shares of their own due items (the due set
    // depends on the limit), and a share of takedown_requested.
    (
        "takedown_within_3h",
        Some("takedown_within_3h"),
        Some("takedown_due_3h"),
    ),
    (
        "takedown_within_6h",
        Some("takedown_within_6h"),
        Some("takedown_due_6h"),
    ),
    (
        "takedown_within_24h",
        Some("takedown_within_24h"),
        Some("takedown_due_24h"),
    ),
    (
        "takedown_within_72h",
        Some("takedown_within_72h"),
        Some("takedown_due_72h"),
    ),
    (
        "takedown_not_found_share",
        Some("takedown_not_found"),
        Some("takedown_requested"),
    ),
];

/// A cell: area × breakdown value (breakdown empty for totals).
type Cell = (String, String, String);

/// What an intruder holds of one release (the files about one period in one geography).
#[derive(Default)]
struct Release {
    name: String,
    province: Option<String>,
    /// Every (quantity, cell) some row refers to, shown or not.
    cells: BTreeMap<String, BTreeSet<Cell>>,
    known: BTreeMap<(String, Cell), f64>,
    findings: Vec<String>,
}

/// A count a public file must not let anyone learn.
fn protected(n: f64) -> bool {
    n > 1e-6 && n < 5.0 - 1e-6
}

fn number(text: &str) -> Option<f64> {
    (!text.is_empty()).then(|| text.parse::<f64>().ok()).flatten()
}

impl Release {
    fn new(name: String) -> Release {
        Release {
            name,
            ..Release::default()
        }
    }

    fn learn(&mut self, quantity: &str, cell: &Cell, n: f64, how: &str) {
        let key = (quantity.to_string(), cell.clone());
        if let Some(&before) = self.known.get(&key) {
            // Another row of the same cell and quantity: it must tell the same count.
            if (before - n).abs() > 1e-6 * before.abs().max(1.0) {
                self.findings.push(format!(
                    "{}: {quantity} {cell:?} read as {before} and as {n} ({how})",
                    self.name
                ));
            }
            return;
        }
        if protected(n) {
            self.findings.push(format!(
                "{}: {quantity} {cell:?} = {n} recovered ({how})",
                self.name
            ));
        }
        self.known.insert(key, n);
    }

    /// One row of a public file, in the tidy columns.
    fn read(&mut self, file: &str, row: &BTreeMap<String, String>) {
        let audience = row.get("audience").map(String::as_str).unwrap_or("(no column)");
        let finding = format!("{}: {file}: rows of audience {audience:?}", self.name);
        if audience != "public" && !self.findings.contains(&finding) {
            self.findings.push(finding);
        }
        let id = row["indicator_id"].as_str();
        let Some(&(_, numerator_q, denominator_q)) = QUANTITIES.iter().find(|(i, _, _)| *i == id) else {
            self.findings.push(format!(
                "{}: {file}: indicator {id} unknown to the intruder",
                self.name
            ));
            return;
        };
        let cell: Cell = (
            row["area_code"].clone(),
            row["breakdown"].clone(),
            row["breakdown_value"].clone(),
        );
        if !cell.1.is_empty() && self.province.is_none() && !file.starts_with("heatmap") {
            self.province = Some(cell.0.clone());
        }
        for q in [numerator_q, denominator_q].into_iter().flatten() {
            self.cells.entry(q.to_string()).or_default().insert(cell.clone());
        }
        let (numerator, denominator, value) = (
            number(&row["numerator"]),
            number(&row["denominator"]),
            number(&row["value"]),
        );
        let how = format!("{file} {id}");
        if let (Some(q), Some(n)) = (numerator_q, numerator) {
            self.learn(q, &cell, n, &how);
        }
        if let (Some(q), Some(d)) = (denominator_q, denominator) {
            self.learn(q, &cell, d, &how);
        }
        // A blank numerator read back as value × denominator.
        if let (Some(q), None, Some(d), Some(v)) = (numerator_q, numerator, denominator, value) {
            let n = match row["unit"].as_str() {
                "per_100k" => v * d / 100_000.0,
                "share" => v * d,
                _ => return,
            };
            self.learn(q, &cell, n, &format!("{how}: value × denominator"));
        }
    }

    /// The groups of cells that add up to a total: (total, members).
    fn groups(&self, quantity: &str) -> Vec<(Cell, Vec<Cell>)> {
        let Some(province) = &self.province else {
            return Vec::new();
        };
        let cells = &self.cells[quantity];
        let total: Cell = (province.clone(), String::new(), String::new());
        let mut groups: BTreeMap<(Cell, String), Vec<Cell>> = BTreeMap::new();
        for c in cells {
            let (area, breakdown, value) = c;
            if area == province && !breakdown.is_empty() {
                groups
                    .entry((total.clone(), breakdown.clone()))
                    .or_default()
                    .push(c.clone());
            } else if area != province && breakdown.is_empty() {
                groups
                    .entry((total.clone(), "area".into()))
                    .or_default()
                    .push(c.clone());
            } else if area != province {
                // A cross-tabulation: the area's row and the province's column.
                let row_total = (area.clone(), String::new(), String::new());
                groups
                    .entry((row_total, breakdown.clone()))
                    .or_default()
                    .push(c.clone());
                let column_total = (province.clone(), breakdown.clone(), value.clone());
                groups
                    .entry((column_total, "area".into()))
                    .or_default()
                    .push(c.clone());
            }
        }
        groups
            .into_iter()
            .filter(|((t, _), _)| cells.contains(t))
            .map(|((t, _), members)| (t, members))
            .collect()
    }

    /// Subtracts and adds until nothing new is learnt.
    fn attack(&mut self) {
        loop {
            let mut learnt = false;
            let quantities: Vec<String> = self.cells.keys().cloned().collect();
            for q in quantities {
                for (total, members) in self.groups(&q) {
                    let value = |c: &Cell| self.known.get(&(q.clone(), c.clone())).copied();
                    let unknown: Vec<&Cell> = members.iter().filter(|c| value(c).is_none()).collect();
                    let shown: f64 = members.iter().filter_map(value).sum();
                    let found = match (value(&total), unknown.as_slice()) {
                        (Some(t), [one]) => Some(((*one).clone(), t - shown, "total less its shown cells")),
                        (None, []) => Some((total.clone(), shown, "sum of its shown cells")),
                        _ => None,
                    };
                    if let Some((cell, n, how)) = found {
                        let n = if (n - n.round()).abs() < 1e-6 {
                            n.round()
                        } else {
                            n
                        };
                        self.learn(&q, &cell, n, how);
                        learnt = true;
                    }
                }
            }
            if !learnt {
                break;
            }
        }
    }
}

/// The rows of `path` by period (a trend file holds several).
fn by_period(path: &Path) -> BTreeMap<String, Vec<BTreeMap<String, String>>> {
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    if path.exists() {
        for row in read_csv_rows(path) {
            out.entry(row["period"].clone()).or_default().push(row);
        }
    }
    out
}

/// Attacks the files of one geography: each period's rows across `files` are one release.
fn intrude(label: &str, files: &[&Path]) -> Vec<String> {
    let mut releases: BTreeMap<String, Release> = BTreeMap::new();
    let mut rows_read = 0;
    let mut findings = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        if !path.exists() {
            // What is drawn but not written cannot be checked: a chart's data is public.
            findings.push(format!("{label}: {file} not written"));
        }
        for (period, rows) in by_period(path) {
            let release = releases
                .entry(period.clone())
                .or_insert_with(|| Release::new(format!("{label} {period}")));
            for row in &rows {
                release.read(&file, row);
                rows_read += 1;
            }
        }
    }
    assert!(rows_read > 0, "{label}: no rows read from {files:?}");
    for mut release in releases.into_values() {
        release.attack();
        findings.extend(release.findings);
    }
    findings
}

fn run_ok(dir: &Path, args: &[&str]) {
    let run = baove(dir, args);
    assert_eq!(run.code, 0, "baove {args:?}: {}", run.all_output());
}

/// The public comparison files of `period` (with a trend of two periods) into `out`, by
/// `level` or as coded; and whether they came out by former district (a period across the
/// reform of 1 July 2025 is compared as coded through the crosswalk, as its output says).
fn compare_into(dir: &Path, db: &str, period: &str, level: Option<&str>, out: &Path) -> (Vec<PathBuf>, bool) {
    let out_text = out.display().to_string();
    let mut args = vec![
        "compare",
        "--period",
        period,
        "--db",
        db,
        "--trend-periods",
        "2",
        "--out",
        &out_text,
    ];
    if let Some(level) = level {
        args.extend(["--level", level]);
    }
    let run = baove(dir, &args);
    assert_eq!(run.code, 0, "baove {args:?}: {}", run.all_output());
    let by_district =
        level == Some("district") || run.stdout.contains("by former district through the crosswalk");
    let files = ["comparison.csv", "trend.csv", "heatmap.csv", "smoothed.csv"]
        .iter()
        .map(|f| out.join(f))
        .collect();
    (files, by_district)
}

/// What to publish of one store: the tidy table of `periods`, and the comparison files
/// (with the trend's earlier period and the heatmap) as coded for `coded` and by former
/// district for `district`.
struct Published<'a> {
    periods: &'a [&'a str],
    coded: &'a str,
    district: &'a str,
}

/// Every public file of `release` over the store `db`, attacked.
fn attack_store(dir: &Path, db: &str, label: &str, release: &Published) -> Vec<String> {
    let folder: String = label.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut findings = Vec::new();
    let compared = |period: &str, level: Option<&str>| -> (Vec<PathBuf>, bool) {
        let out = dir.join(format!("{folder}_{period}_{}", level.unwrap_or("coded")));
        compare_into(dir, db, period, level, &out)
    };
    let mut coded_files = Vec::new();
    for period in release.periods {
        let tidy = dir.join(format!("{folder}_{period}.csv"));
        run_ok(
            dir,
            &[
                "indicators",
                "--period",
                period,
                "--db",
                db,
                "--out",
                &tidy.display().to_string(),
            ],
        );
        coded_files.push(tidy);
    }
    let (coded, coded_by_district) = compared(release.coded, None);
    let (mut district, _) = compared(release.district, Some("district"));
    if coded_by_district {
        // Compared through the crosswalk: read with the other comparisons by district.
        district.extend(coded);
    } else {
        if release.periods.contains(&release.coded) {
            let tidy = dir.join(format!("{folder}_{}.csv", release.coded));
            findings.extend(suppressed_alike(&tidy, &coded[0]));
        }
        coded_files.extend(coded);
    }
    let refs: Vec<&Path> = coded_files.iter().map(|p| p.as_path()).collect();
    findings.extend(intrude(&format!("{label} as coded"), &refs));
    let refs: Vec<&Path> = district.iter().map(|p| p.as_path()).collect();
    findings.extend(intrude(&format!("{label} by district"), &refs));
    findings
}

/// `compare` as coded shows `[c]` (status `suppressed`) exactly where the tidy table is
/// suppressed for the same indicator, period and area.
fn suppressed_alike(tidy: &Path, comparison: &Path) -> Vec<String> {
    let tidy = read_csv_rows(tidy);
    let mut findings = Vec::new();
    let mut compared = 0;
    for row in read_csv_rows(comparison) {
        let Some(twin) = tidy.iter().find(|r| {
            r["indicator_id"] == row["indicator_id"]
                && r["period"] == row["period"]
                && r["area_code"] == row["area_code"]
                && r["breakdown"].is_empty()
        }) else {
            findings.push(format!(
                "{}: {} {} not in the tidy table",
                row["period"], row["indicator_id"], row["area_code"]
            ));
            continue;
        };
        compared += 1;
        let hidden = |r: &std::collections::BTreeMap<String, String>| r["status"] == "suppressed";
        if hidden(&row) != hidden(twin) {
            findings.push(format!(
                "{} {} {}: comparison.csv {:?}, the tidy table {:?} (counts read two ways)",
                row["period"], row["indicator_id"], row["area_code"], row["status"], twin["status"]
            ));
        }
    }
    assert!(compared > 0, "no comparison row found in the tidy table");
    findings
}

/// Fails with a count of each kind of finding, recovered counts first.
fn report_findings(findings: &[String]) {
    let kinds = [
        ("recovered", "small counts recovered"),
        (" read as ", "counts read two ways"),
        ("rows of audience", "files not marked public"),
        ("not written", "files drawn but not written"),
        (
            "comparison.csv",
            "comparison rows suppressed otherwise than the tidy table",
        ),
        (
            "not in the tidy table",
            "comparison rows missing from the tidy table",
        ),
        ("unknown to the intruder", "indicators unknown to the intruder"),
    ];
    let mut ordered: Vec<&String> = Vec::new();
    let mut summary = Vec::new();
    for (needle, what) in kinds {
        let of_kind: Vec<&String> = findings.iter().filter(|f| f.contains(needle)).collect();
        summary.push(format!("{} {what}", of_kind.len()));
        ordered.extend(of_kind);
    }
    let others: Vec<&String> = findings
        .iter()
        .filter(|f| !kinds.iter().any(|(needle, _)| f.contains(needle)))
        .collect();
    summary.push(format!("{} other findings", others.len()));
    ordered.extend(others);
    assert!(
        findings.is_empty(),
        "{} findings ({}); the first ones:\n{}",
        findings.len(),
        summary.join(", "),
        ordered
            .iter()
            .take(40)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The sample data over a month, a quarter, a half across the reform of 1 July 2025 and a
/// year, and the quarterly report's own tidy file (every period its workbook and
/// dashboard show: the quarter, the one before, the year before and the trend).
#[test]
fn an_intruder_recovers_no_small_count_from_the_sample_data() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(dir.path(), &["load", &sample_data(), "--db", "s.duckdb"]);
    let release = Published {
        periods: &["2025-03", "2025Q1", "2025H2", "2024"],
        coded: "2025Q1",
        district: "2025H2",
    };
    let mut findings = attack_store(dir.path(), "s.duckdb", "sample", &release);
    run_ok(
        dir.path(),
        &[
            "report",
            "--template",
            "quarterly",
            "--period",
            "2025Q1",
            "--db",
            "s.duckdb",
            "--out",
            "rep",
        ],
    );
    findings.extend(intrude(
        "sample report",
        &[dir.path().join("rep").join("indicators.csv").as_path()],
    ));
    report_findings(&findings);
}

/// Generated data of three seeds and sizes, each over other periods (months, quarters,
/// halves and years between them).
#[test]
fn an_intruder_recovers_no_small_count_from_generated_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut findings = Vec::new();
    let sets = [
        (
            "11",
            "300",
            "400",
            Published {
                // A month of 300 cases over six years hides every province figure, so
                // its comparison is empty: compare the half-year it lies in.
                periods: &["2025-05", "2025H1"],
                coded: "2025H1",
                district: "2024",
            },
        ),
        (
            "12",
            "1500",
            "2000",
            Published {
                periods: &["2025Q3", "2026"],
                coded: "2025Q3",
                district: "2025Q3",
            },
        ),
        (
            "13",
            "6000",
            "3000",
            Published {
                periods: &["2024-11", "2025Q2"],
                coded: "2024H2",
                district: "2025Q2",
            },
        ),
    ];
    for (seed, cases, content, release) in &sets {
        let folder = format!("gen{seed}");
        let db = format!("g{seed}.duckdb");
        crate::util::generate_ok(
            dir.path(),
            &[
                "--out",
                &folder,
                "--seed",
                seed,
                "--cases",
                cases,
                "--content",
                content,
            ],
        );
        run_ok(dir.path(), &["load", &folder, "--db", &db]);
        findings.extend(attack_store(
            dir.path(),
            &db,
            &format!("seed {seed} ({cases} cases)"),
            release,
        ));
    }
    report_findings(&findings);
}

// ---------------------------------------------------------------- every whole at once

/// What each quantity is nested in, as the spec's "Audit" lists the relations a reader
/// knows (confirmed ≤ assessed ≤ received, supported ≤ confirmed, removed ≤ requested,
/// due ≤ cohort, on time ≤ due), written from the spec, not read from the registry.
const NESTED: &[(&str, &str)] = &[
    ("cases_confirmed", "cases_assessed"),
    ("cases_assessed", "cases_received"),
    ("cases_closed", "cases_received"),
    ("cases_supported", "cases_confirmed"),
    ("emergency_due", "cases_received"),
    ("emergency_on_time", "emergency_due"),
    ("support_plan_due", "cases_confirmed"),
    ("support_plan_on_time", "support_plan_due"),
    ("police_referred", "cases_received"),
    ("criminal_decision_on_time", "criminal_decision_due"),
    ("confirmed_closed", "cases_confirmed"),
    ("violations_handled", "confirmed_closed"),
    ("open_cases_over_90d", "open_cases_end"),
    ("takedown_removed", "takedown_requested"),
    ("takedown_on_time", "takedown_due"),
    ("takedown_not_found", "takedown_requested"),
];

/// One whole's release of a period: the label the intruder gives it, the arguments that
/// choose it, and how its area codes read in the family (the whole's own code is its
/// label; the nation's provinces are the labels of the wholes they are).
struct WholeRelease<'a> {
    label: &'a str,
    args: &'a [&'a str],
    areas: &'a [(&'a str, &'a str)],
    /// The wholes this one is the sum of, value by value.
    parts: &'a [&'a str],
}

/// A cell of the family: (quantity, whole or area, breakdown, value).
type FamilyCell = (String, String, String, String);

/// What the intruder reads of every whole's releases of one period: the true counts
/// (internal), the counts shown and hidden (public), the sums a reader knows, and what
/// is wrong on the way (an indicator unknown to the intruder, a count read twice as two
/// values).
#[derive(Default)]
struct FamilyRead {
    truth: BTreeMap<FamilyCell, f64>,
    shown: BTreeMap<FamilyCell, f64>,
    hidden: BTreeSet<FamilyCell>,
    sums: Vec<(FamilyCell, Vec<FamilyCell>)>,
    findings: Vec<String>,
}

/// The intruder reading every whole's public release of one period together, by
/// interval propagation over every relation (each whole the sum of its areas and of
/// each breakdown, a whole of wholes the sum of its parts value by value, the same
/// district the same count in every release, nested quantities), to a fixed point.
/// Relations are used where the internal releases obey them (a reader assumes them;
/// where they do not hold, what the reader concludes is not a count).
fn attack_family(dir: &Path, db: &str, period: &str, wholes: &[WholeRelease]) -> (Vec<String>, usize) {
    let mut family = FamilyRead::default();
    for whole in wholes {
        read_whole_release(dir, db, period, whole, &mut family);
    }
    let FamilyRead {
        truth,
        shown,
        mut hidden,
        sums,
        mut findings,
    } = family;
    // A shown count is known; a hidden one lies in [0, ∞) until the relations say more.
    hidden.retain(|c| !shown.contains_key(c));
    let mut bounds: BTreeMap<FamilyCell, (f64, f64)> = BTreeMap::new();
    for (cell, &n) in &shown {
        bounds.insert(cell.clone(), (n, n));
    }
    for cell in &hidden {
        bounds.insert(cell.clone(), (0.0, f64::INFINITY));
    }
    let holds_sum = |total: &FamilyCell, members: &[FamilyCell]| {
        let t = truth.get(total);
        let m: Option<f64> = members.iter().map(|c| truth.get(c)).sum();
        matches!((t, m), (Some(t), Some(m)) if (t - m).abs() < 1e-6)
    };
    let sums: Vec<_> = sums
        .into_iter()
        .filter(|(t, m)| !m.is_empty() && holds_sum(t, m))
        .collect();
    propagate_family(&mut bounds, &sums, &nests_of(&truth));
    for cell in &hidden {
        let (low, high) = bounds[cell];
        if let Some(&n) = truth.get(cell) {
            assert!(
                low <= n + 1e-6 && n <= high + 1e-6,
                "the intruder is wrong about {cell:?}: {n} not in [{low}, {high}]"
            );
        }
        if low >= 1.0 && high <= 4.0 {
            findings.push(format!("{period} {cell:?} recovered in [{low}, {high}]"));
        }
    }
    (findings, hidden.len())
}

/// Reads one whole's internal and public tidy tables into `family`: each count's truth
/// and whether it is shown or hidden, and the sums the whole's release obeys.
fn read_whole_release(dir: &Path, db: &str, period: &str, whole: &WholeRelease, family: &mut FamilyRead) {
    let read = |audience: &str| -> Vec<BTreeMap<String, String>> {
        let out = dir.join(format!("family-{period}-{}-{audience}.csv", whole.label));
        let mut args = vec![
            "indicators",
            "--db",
            db,
            "--period",
            period,
            "--audience",
            audience,
            "--force",
            "--out",
        ];
        let out_text = out.display().to_string();
        args.push(&out_text);
        args.extend_from_slice(whole.args);
        run_ok(dir, &args);
        read_csv_rows(&out)
    };
    let internal = read("internal");
    let public = read("public");
    assert_eq!(internal.len(), public.len(), "{}", whole.label);
    let whole_code = internal
        .iter()
        .find(|r| !r["breakdown"].is_empty())
        .map(|r| r["area_code"].clone())
        .expect("breakdown rows");
    let area_of = |code: &str| -> String {
        if code == whole_code {
            return whole.label.to_string();
        }
        whole
            .areas
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(code.to_string(), |(_, label)| label.to_string())
    };
    let mut areas: BTreeSet<String> = BTreeSet::new();
    let mut values: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (truth_row, public_row) in internal.iter().zip(&public) {
        let id = truth_row["indicator_id"].as_str();
        let Some(&(_, numerator_q, denominator_q)) = QUANTITIES.iter().find(|(i, _, _)| *i == id) else {
            family
                .findings
                .push(format!("{}: indicator {id} unknown to the intruder", whole.label));
            continue;
        };
        let area = area_of(&truth_row["area_code"]);
        let (breakdown, value) = (
            truth_row["breakdown"].clone(),
            truth_row["breakdown_value"].clone(),
        );
        if area != whole.label && breakdown.is_empty() {
            areas.insert(area.clone());
        }
        if area == whole.label && !breakdown.is_empty() {
            values.entry(breakdown.clone()).or_default().insert(value.clone());
        }
        for (q, column) in [(numerator_q, "numerator"), (denominator_q, "denominator")] {
            let Some(q) = q else { continue };
            let cell = (q.to_string(), area.clone(), breakdown.clone(), value.clone());
            if let Some(n) = number(&truth_row[column]) {
                family.truth.insert(cell.clone(), n);
            }
            match number(&public_row[column]) {
                Some(n) => {
                    if let Some(before) = family.shown.insert(cell.clone(), n) {
                        if (before - n).abs() > 1e-6 {
                            family
                                .findings
                                .push(format!("{cell:?} read as {before} and as {n}"));
                        }
                    }
                }
                None if public_row["status"] == "suppressed" => {
                    family.hidden.insert(cell);
                }
                None => {}
            }
        }
    }
    let quantities: BTreeSet<String> = family.truth.keys().map(|c| c.0.clone()).collect();
    for q in &quantities {
        family.sums.extend(sums_of_whole(q, whole, &areas, &values));
    }
}

/// The sums one whole's release of quantity `q` obeys: its total is the sum of its
/// areas and of each breakdown's values, and (a whole of wholes) of its parts, value by
/// value.
fn sums_of_whole(
    q: &str,
    whole: &WholeRelease,
    areas: &BTreeSet<String>,
    values: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<(FamilyCell, Vec<FamilyCell>)> {
    let cell = |area: &str, breakdown: &str, value: &str| -> FamilyCell {
        (
            q.to_string(),
            area.to_string(),
            breakdown.to_string(),
            value.to_string(),
        )
    };
    let total = cell(whole.label, "", "");
    let mut sums = vec![(total.clone(), areas.iter().map(|a| cell(a, "", "")).collect())];
    for (breakdown, of) in values {
        sums.push((
            total.clone(),
            of.iter().map(|v| cell(whole.label, breakdown, v)).collect(),
        ));
        for v in of.iter().filter(|_| !whole.parts.is_empty()) {
            sums.push((
                cell(whole.label, breakdown, v),
                whole.parts.iter().map(|p| cell(p, breakdown, v)).collect(),
            ));
        }
    }
    if !whole.parts.is_empty() {
        sums.push((total, whole.parts.iter().map(|p| cell(p, "", "")).collect()));
    }
    sums
}

/// The nestings the true counts obey, cell by cell: (inner, outer) with inner ≤ outer.
/// The nested route (confirmed ≤ assessed ≤ received pinning a hidden count) is
/// attacked too: the releases widen suppression wherever propagation along the sums and
/// nestings pins a count (the exact audit by linear programming is the office's, `baove
/// audit`).
fn nests_of(truth: &BTreeMap<FamilyCell, f64>) -> Vec<(FamilyCell, FamilyCell)> {
    let mut nests = Vec::new();
    for (cell, &n) in truth {
        for (inner, outer) in NESTED {
            if cell.0 == *inner {
                let other = (outer.to_string(), cell.1.clone(), cell.2.clone(), cell.3.clone());
                if truth.get(&other).is_some_and(|&m| n <= m) {
                    nests.push((cell.clone(), other));
                }
            }
        }
    }
    nests
}

/// Narrows every count's bounds along the sums and nestings, rounding to whole counts,
/// to a fixed point (or 200 passes).
fn propagate_family(
    bounds: &mut BTreeMap<FamilyCell, (f64, f64)>,
    sums: &[(FamilyCell, Vec<FamilyCell>)],
    nests: &[(FamilyCell, FamilyCell)],
) {
    let tighten =
        |bounds: &mut BTreeMap<FamilyCell, (f64, f64)>, cell: &FamilyCell, low: f64, high: f64| -> bool {
            let Some(b) = bounds.get_mut(cell) else {
                return false;
            };
            let (low, high) = ((low - 1e-6).ceil().max(b.0), (high + 1e-6).floor().min(b.1));
            let changed = low > b.0 + 1e-9 || high < b.1 - 1e-9;
            *b = (low, high);
            changed
        };
    let get = |b: &BTreeMap<FamilyCell, (f64, f64)>, c: &FamilyCell| {
        b.get(c).copied().unwrap_or((0.0, f64::INFINITY))
    };
    for _ in 0..200 {
        let mut changed = false;
        for (total, members) in sums {
            let low: f64 = members.iter().map(|m| get(bounds, m).0).sum();
            let high: f64 = members.iter().map(|m| get(bounds, m).1).sum();
            changed |= tighten(bounds, total, low, high);
            let t = get(bounds, total);
            for (i, m) in members.iter().enumerate() {
                let others = members.iter().enumerate().filter(|(j, _)| *j != i);
                let others_low: f64 = others.clone().map(|(_, o)| get(bounds, o).0).sum();
                let others_high: f64 = others.map(|(_, o)| get(bounds, o).1).sum();
                changed |= tighten(bounds, m, t.0 - others_high, t.1 - others_low);
            }
        }
        for (inner, outer) in nests {
            let (i, o) = (get(bounds, inner), get(bounds, outer));
            changed |= tighten(bounds, inner, 0.0, o.1);
            changed |= tighten(bounds, outer, i.0, f64::INFINITY);
        }
        if !changed {
            break;
        }
    }
}

/// The sample's merged province and its two predecessors, with the nation, read
/// together: before the merger (2025Q1) the nation is Quảng Bình and the former Quảng
/// Trị, and so is the merged province; after it (2025Q3) the nation is the merged
/// province. Before issue 32 each release was protected alone, and this intruder
/// recovered 227 small counts from them (226 without the nested relations); with the
/// pattern over every whole and only primary and secondary suppression, one (a
/// district's assessed cases, by the nested relations).
#[test]
fn an_intruder_reading_every_wholes_release_of_a_period_together_recovers_no_small_count() {
    let dir = tempfile::tempdir().unwrap();
    let qt = format!("{}/quang-tri-45", sample_data());
    run_ok(dir.path(), &["load", &sample_data(), "--db", "s.duckdb"]);
    run_ok(dir.path(), &["load", "--province", "45", &qt, "--db", "s.duckdb"]);
    let before_merger = [
        WholeRelease {
            label: "VN",
            args: &["--nation"],
            areas: &[("44", "QB"), ("45", "QT45")],
            parts: &["QB", "QT45"],
        },
        WholeRelease {
            label: "QT",
            args: &["--province", "44"],
            areas: &[],
            parts: &["QB", "QT45"],
        },
        WholeRelease {
            label: "QB",
            args: &["--province", "44@2024-01-01"],
            areas: &[],
            parts: &[],
        },
        WholeRelease {
            label: "QT45",
            args: &["--province", "45"],
            areas: &[],
            parts: &[],
        },
    ];
    let after_merger = [
        WholeRelease {
            label: "VN",
            args: &["--nation"],
            areas: &[("44", "QT")],
            parts: &["QT"],
        },
        WholeRelease {
            label: "QT",
            args: &["--province", "44"],
            areas: &[],
            parts: &[],
        },
    ];
    let mut findings = Vec::new();
    let mut hidden = 0;
    for (period, wholes) in [("2025Q1", &before_merger[..]), ("2025Q3", &after_merger[..])] {
        let (found, hidden_cells) = attack_family(dir.path(), "s.duckdb", period, wholes);
        findings.extend(found);
        hidden += hidden_cells;
    }
    assert!(
        hidden > 50,
        "{hidden} hidden counts: the attack has something to attack"
    );
    report_findings(&findings);
}

// ------------------------------------------------------------ data-quality counts

/// The data-quality counts of one whole's report: its workbook's quality sheet (each
/// count's label in English, then its value; each column's filled count and rows), and
/// the counts its drafted report's sentences print, by the same names.
struct QualityRelease {
    sheet: BTreeMap<String, Option<f64>>,
    drafted: BTreeMap<String, f64>,
}

/// The workbook's labels of the four counts, and the drafted report's words after each
/// count (report-templates/document/bao-cao.toml, English).
const QUALITY_COUNTS: &[(&str, &str, &str)] = &[
    (
        "quarantined",
        "Rows quarantined",
        "invalid records were set aside",
    ),
    (
        "invalid_orders",
        "Cases with stages out of order",
        "records have stage times out of order",
    ),
    (
        "late_records",
        "Late-arriving records since the previous report",
        "records of the previous period arrived late",
    ),
    (
        "superseded_agency_rows",
        "Cases naming an agency after its work passed to another (counted under the successor)",
        "cases name a receiving agency whose duties",
    ),
];

fn quality_release(
    dir: &Path,
    db: &str,
    period: &str,
    label: &str,
    audience: &str,
    whole: &[&str],
) -> QualityRelease {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    use std::io::Read;
    let out = dir.join(format!("quality-{period}-{label}-{audience}"));
    let out_text = out.display().to_string();
    let mut args = vec![
        "report",
        "--template",
        "quarterly",
        "--db",
        db,
        "--period",
        period,
        "--lang",
        "en",
        "--audience",
        audience,
        "--timestamp",
        "2025-04-15 08:00:00",
        "--out",
        &out_text,
    ];
    args.extend_from_slice(whole);
    run_ok(dir, &args);
    let mut workbook: Xlsx<_> = open_workbook(out.join(format!("quarterly_{period}.xlsx"))).unwrap();
    let cell = |c: &Data| -> Option<f64> {
        match c {
            Data::Float(n) => Some(*n),
            Data::Int(n) => Some(*n as f64),
            _ => None,
        }
    };
    let mut sheet = BTreeMap::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).unwrap();
        for row in range.rows() {
            let first = row.first().map(|c| c.to_string()).unwrap_or_default();
            if let Some((id, _, _)) = QUALITY_COUNTS.iter().find(|(_, l, _)| *l == first) {
                sheet.insert(id.to_string(), row.get(1).and_then(cell));
            }
            // Completeness: kind, column, filled, rows, share.
            if first == "cases" && row.len() >= 4 {
                let column = row[1].to_string();
                sheet.insert(format!("cases.{column}.filled"), cell(&row[2]));
                sheet.insert(format!("cases.{column}.rows"), cell(&row[3]));
            }
        }
    }
    assert!(
        sheet.len() > 4,
        "{label} {audience}: the quality sheet read: {sheet:?}"
    );
    let mut xml = String::new();
    zip::ZipArchive::new(std::fs::File::open(out.join(format!("quarterly_{period}.docx"))).unwrap())
        .unwrap()
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    // The text without its tags: runs of a sentence are adjacent.
    let mut text = String::new();
    let mut in_tag = false;
    for ch in xml.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let mut drafted = BTreeMap::new();
    for (id, _, words) in QUALITY_COUNTS {
        if let Some(at) = text.find(words) {
            let before: String = text[..at]
                .trim_end()
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == ',')
                .collect();
            let digits: String = before.chars().rev().filter(char::is_ascii_digit).collect();
            drafted.insert(id.to_string(), digits.parse().expect("a count before the words"));
        }
    }
    QualityRelease { sheet, drafted }
}

/// Issue 32's fourth route: the drafted report printed data-quality counts its workbook
/// hid ("4 records of the previous period arrived late" beside `[c]`), and the counts of
/// the wholes of a period, read together, gave back a hidden one (the nation's count
/// less the other provinces'). Every count of every whole's report of 2025Q1 of a
/// generated nation of three provinces (workbook and drafted text) is read; a count the
/// drafted text prints must be the workbook's, and propagation over the nation's sums
/// (its three provinces) must pin no count to 1-4. (The sample's counts of that period
/// are all 0 or 5 or more: nothing there to attack.)
#[test]
fn an_intruder_reading_every_wholes_data_quality_counts_recovers_no_small_count() {
    let dir = tempfile::tempdir().unwrap();
    crate::util::generated_nation(dir.path(), "3");
    run_ok(dir.path(), &["load", "nation", "--db", "n.duckdb"]);
    for code in ["01", "02", "03"] {
        let folder = format!("nation/{code}");
        run_ok(
            dir.path(),
            &["load", "--province", code, &folder, "--db", "n.duckdb"],
        );
    }
    let wholes: [(&str, &[&str]); 4] = [
        ("VN", &["--nation"]),
        ("01", &["--province", "01"]),
        ("02", &["--province", "02"]),
        ("03", &["--province", "03"]),
    ];
    let sums: [(&str, &[&str]); 1] = [("VN", &["01", "02", "03"])];
    let mut read = QualityRead::default();
    for (label, args) in wholes {
        read.add_whole(dir.path(), label, args);
    }
    let QualityRead {
        truth,
        mut bounds,
        mut findings,
    } = read;
    let small = truth.values().filter(|&&n| protected(n)).count();
    assert!(
        small > 0,
        "some count is 1 to 4: the attack has something to attack"
    );
    let labels: Vec<&str> = wholes.iter().map(|(label, _)| *label).collect();
    for _ in 0..50 {
        let mut changed = tighten_by_sums(&mut bounds, &truth, &sums);
        changed |= tighten_by_rows(&mut bounds, &labels, &mut findings);
        if !changed {
            break;
        }
    }
    for (key, &(low, high)) in &bounds {
        if low >= 1.0 && high <= 4.0 {
            findings.push(format!(
                "{key:?} recovered in [{low}, {high}] (truth {})",
                truth[key]
            ));
        }
    }
    report_findings(&findings);
}

/// A data-quality count of a whole: (whole's label, count's name).
type QualityKey = (String, String);

/// What the intruder reads of every whole's data-quality counts: the truth (internal),
/// each count's bounds from the public workbook, and what the drafted report prints
/// that the workbook does not.
#[derive(Default)]
struct QualityRead {
    truth: BTreeMap<QualityKey, f64>,
    bounds: BTreeMap<QualityKey, (f64, f64)>,
    findings: Vec<String>,
}

impl QualityRead {
    fn add_whole(&mut self, dir: &Path, label: &str, args: &[&str]) {
        let internal = quality_release(dir, "n.duckdb", "2025Q1", label, "internal", args);
        let public = quality_release(dir, "n.duckdb", "2025Q1", label, "public", args);
        for (name, n) in &internal.sheet {
            let n = n.unwrap_or_else(|| panic!("{label}: the office sees {name}"));
            self.truth.insert((label.to_string(), name.clone()), n);
            let shown = public.sheet.get(name).copied().flatten();
            self.bounds.insert(
                (label.to_string(), name.clone()),
                shown.map_or((0.0, f64::INFINITY), |s| (s, s)),
            );
        }
        for (name, n) in &public.drafted {
            match public.sheet.get(name).copied().flatten() {
                Some(shown) if (shown - n).abs() < 1e-9 => {}
                other => self.findings.push(format!(
                    "{label}: the drafted report prints {name} = {n}, the workbook {other:?}"
                )),
            }
        }
    }
}

/// Narrows `key`'s bounds to [low, high]; whether they changed.
fn tighten_quality(
    bounds: &mut BTreeMap<QualityKey, (f64, f64)>,
    key: &QualityKey,
    low: f64,
    high: f64,
) -> bool {
    let Some(b) = bounds.get_mut(key) else {
        return false;
    };
    let (low, high) = (low.max(b.0), high.min(b.1));
    let changed = low > b.0 + 1e-9 || high < b.1 - 1e-9;
    if changed {
        *b = (low, high);
    }
    changed
}

/// A whole of wholes' count is the sum of its parts' (where the truth says so).
fn tighten_by_sums(
    bounds: &mut BTreeMap<QualityKey, (f64, f64)>,
    truth: &BTreeMap<QualityKey, f64>,
    sums: &[(&str, &[&str])],
) -> bool {
    let names: BTreeSet<String> = truth.keys().map(|(_, n)| n.clone()).collect();
    let mut changed = false;
    // "quarantined" is the store's, the same in every whole.
    for name in names.iter().filter(|n| *n != "quarantined") {
        for (total, parts) in sums {
            let key = |w: &str| (w.to_string(), name.clone());
            let Some(t) = truth.get(&key(total)) else { continue };
            let Some(parts_truth) = parts.iter().map(|p| truth.get(&key(p))).sum::<Option<f64>>() else {
                continue;
            };
            if (t - parts_truth).abs() > 1e-9 {
                continue;
            }
            let whole = bounds[&key(total)];
            let of_parts: Vec<(f64, f64)> = parts.iter().map(|p| bounds[&key(p)]).collect();
            let (low, high) = of_parts.iter().fold((0.0, 0.0), |(l, h), b| (l + b.0, h + b.1));
            changed |= tighten_quality(bounds, &key(total), low, high);
            for (k, p) in parts.iter().enumerate() {
                let others = of_parts
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != k)
                    .map(|(_, b)| *b);
                let (others_low, others_high) = others.fold((0.0, 0.0), |(l, h), b| (l + b.0, h + b.1));
                changed |= tighten_quality(bounds, &key(p), whole.0 - others_high, whole.1 - others_low);
            }
        }
    }
    changed
}

/// Within a whole: filled + missing = rows, so a missing count shown by its filled
/// count and rows is a finding, and each bounds the other.
fn tighten_by_rows(
    bounds: &mut BTreeMap<QualityKey, (f64, f64)>,
    wholes: &[&str],
    findings: &mut Vec<String>,
) -> bool {
    let names: Vec<String> = bounds
        .keys()
        .map(|(_, n)| n.clone())
        .filter(|n| n.ends_with(".filled"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut changed = false;
    for whole in wholes {
        for name in &names {
            let rows_name = name.replace(".filled", ".rows");
            let (f, r) = ((whole.to_string(), name.clone()), (whole.to_string(), rows_name));
            let (Some(&bf), Some(&br)) = (bounds.get(&f), bounds.get(&r)) else {
                continue;
            };
            if bf.0 == bf.1 && br.0 == br.1 {
                let missing = br.0 - bf.0;
                if protected(missing) {
                    findings.push(format!(
                        "{whole} {name}: missing {missing} shown by its filled count and rows"
                    ));
                }
            }
            changed |= tighten_quality(bounds, &r, bf.0, f64::INFINITY);
            changed |= tighten_quality(bounds, &f, 0.0, br.1);
        }
    }
    changed
}

/// `baove audit`, read as the office reads it, on the sample (both provinces loaded,
/// 2025Q1): the audit ends with nothing provable; a count the table calls `not at risk`
/// is 0 or 5 or more (the spec's threshold: only 1-4 is protected); every hidden count
/// of 1-4 lies within its printed interval, and that interval is not within 1-4 (an
/// integer intruder rounds the ends inwards: lowest above 0 and highest below 5 would
/// pin it).
#[test]
fn the_office_audit_prints_every_small_hidden_count_within_an_interval_that_does_not_pin_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = "s.duckdb";
    let sample = sample_data();
    run_ok(dir.path(), &["load", "--db", db, &sample]);
    let quang_tri = format!("{sample}/quang-tri-45");
    run_ok(dir.path(), &["load", "--db", db, "--province", "45", &quang_tri]);
    let run = baove(dir.path(), &["audit", "--db", db, "--period", "2025Q1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("result: no hidden count can be proven to be from 1 to 4"),
        "{}",
        run.stdout
    );
    let mut small = 0;
    for line in run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("quantity\t"))
        .skip(1)
    {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 9, "{line}");
        let count: f64 = fields[4].parse().unwrap_or_else(|_| panic!("{line}"));
        let low: f64 = fields[5].parse().unwrap();
        let high: Option<f64> = fields[6].parse().ok();
        assert!(!fields[8].contains("STILL PROVEN"), "{line}");
        if fields[7] == "not at risk" {
            assert!(count == 0.0 || count >= 5.0, "{line}");
        }
        if count > 0.0 && count < 5.0 {
            small += 1;
            assert_ne!(fields[7], "not at risk", "{line}");
            assert!(
                low <= count + 1e-9 && high.is_none_or(|h| count <= h + 1e-9),
                "{line}"
            );
            assert!(low <= 1e-6 || high.is_none_or(|h| h >= 5.0 - 1e-6), "{line}");
        }
    }
    assert!(
        small > 0,
        "the sample hides counts of 1-4: the audit has something to print"
    );
}

/// The count an attributed row carries of `quantity`: its numerator, or value ×
/// denominator when the numerator is blank; None when suppressed or not carried.
fn attributed_count(row: &BTreeMap<String, String>, numerator: bool) -> Option<f64> {
    if numerator {
        number(&row["numerator"]).or_else(|| {
            let (v, d) = (number(&row["value"])?, number(&row["denominator"])?);
            match row["unit"].as_str() {
                "per_100k" => Some(v * d / 100_000.0),
                "share" => Some(v * d),
                _ => None,
            }
        })
    } else {
        number(&row["denominator"])
    }
}

/// The counts the release by another level shows (its comparison and heatmap):
/// (quantity, cell, count).
fn attributed_counts(level_out: &Path, period: &str) -> Vec<(String, Cell, f64)> {
    let mut attributed: Vec<(String, Cell, f64)> = Vec::new();
    for file in ["comparison.csv", "heatmap.csv"] {
        for row in by_period(&level_out.join(file))
            .remove(period)
            .unwrap_or_default()
        {
            let id = row["indicator_id"].as_str();
            let Some(&(_, numerator_q, denominator_q)) = QUANTITIES.iter().find(|(i, _, _)| *i == id) else {
                continue;
            };
            let cell: Cell = (
                row["area_code"].clone(),
                row["breakdown"].clone(),
                row["breakdown_value"].clone(),
            );
            for (q, is_numerator) in [(numerator_q, true), (denominator_q, false)] {
                if let (Some(q), Some(n)) = (q, attributed_count(&row, is_numerator)) {
                    attributed.push((q.to_string(), cell.clone(), n));
                }
            }
        }
    }
    attributed
}

/// One pass of the crosswalk attack: each attributed count with one coded contributor
/// unknown gives that one away. Whether anything was learnt, and how many attributed
/// counts with every contributor known agreed with them.
fn learn_through_crosswalk(
    release: &mut Release,
    attributed: &[(String, Cell, f64)],
    crosswalk: &[(String, String, f64)],
    period: &str,
    level: &str,
) -> (bool, usize) {
    let (mut learnt, mut agreeing) = (false, 0);
    for (q, (area, breakdown, value), n) in attributed {
        let contributors: Vec<(Cell, f64)> = std::iter::once((area.clone(), 1.0))
            .chain(
                crosswalk
                    .iter()
                    .filter(|(_, to, w)| to == area && *w > 0.0)
                    .map(|(from, _, w)| (from.clone(), *w)),
            )
            .map(|(code, w)| ((code, breakdown.clone(), value.clone()), w))
            // A code the coded release never names has no cases in the period.
            .filter(|(cell, _)| release.cells.get(q).is_some_and(|cells| cells.contains(cell)))
            .collect();
        let known = |cell: &Cell| release.known.get(&(q.clone(), cell.clone())).copied();
        let unknown: Vec<&(Cell, f64)> = contributors.iter().filter(|(c, _)| known(c).is_none()).collect();
        let rest: f64 = contributors
            .iter()
            .filter_map(|(c, w)| known(c).map(|k| k * w))
            .sum();
        match unknown.as_slice() {
            [(cell, weight)] => {
                let found = (n - rest) / weight;
                let found = if (found - found.round()).abs() < 1e-4 {
                    found.round()
                } else {
                    found
                };
                release.learn(q, cell, found, &format!("{level} {area} through the crosswalk"));
                learnt = true;
            }
            // Every part known: the intruder's reading of the crosswalk must give the
            // attributed count back, or the attack above reads it wrong.
            [] if !contributors.is_empty() => {
                assert!(
                    (rest - n).abs() < 1e-4 * n.max(1.0),
                    "{period}: {q} of {area} by {level} is {n}, its coded parts give {rest}"
                );
                agreeing += 1;
            }
            _ => {}
        }
    }
    (learnt, agreeing)
}

/// Attacks one period published as coded (the tidy table, `compare` and its heatmap) and
/// by another level (`compare --level`, its comparison and heatmap), read together with
/// the public crosswalk: an attributed count is the sum of its coded contributors'
/// counts times their weights, so with all but one contributor known the last is
/// `(attributed - known) / weight`. Repeats with the coded release's sums until nothing
/// new is learnt.
fn attack_by_level(
    dir: &Path,
    db: &str,
    period: &str,
    level: &str,
    crosswalk: &[(String, String, f64)],
) -> Vec<String> {
    let coded_out = dir.join(format!("coded_{period}"));
    let level_out = dir.join(format!("{level}_{period}"));
    let tidy = dir.join(format!("tidy_{period}.csv"));
    let tidy_text = tidy.display().to_string();
    run_ok(
        dir,
        &["indicators", "--period", period, "--db", db, "--out", &tidy_text],
    );
    let (_, coded_by_district) = compare_into(dir, db, period, None, &coded_out);
    compare_into(dir, db, period, Some(level), &level_out);
    // A period across the reform is compared as coded by former district already: its
    // coded release is then the tidy table alone.
    let coded_comparisons = if coded_by_district {
        Vec::new()
    } else {
        vec![coded_out.join("comparison.csv"), coded_out.join("heatmap.csv")]
    };
    let mut release = Release::new(format!("{period} as coded beside {level}"));
    for path in std::iter::once(&tidy).chain(&coded_comparisons) {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        for row in by_period(path).remove(period).unwrap_or_default() {
            release.read(&file, &row);
        }
    }
    let attributed = attributed_counts(&level_out, period);
    assert!(!attributed.is_empty(), "{period}: nothing shown by {level}");
    let mut checked = 0;
    loop {
        release.attack();
        let (learnt, agreeing) = learn_through_crosswalk(&mut release, &attributed, crosswalk, period, level);
        checked += agreeing;
        if !learnt {
            break;
        }
    }
    // The attack must have had something to read: attributed counts whose parts are
    // all shown (harmless) are the proof that the crosswalk is read right.
    assert!(
        checked > 0,
        "{period}: no attributed count was checked against its parts"
    );
    release.findings
}

/// A period published by another level beside its coded release: every attributed
/// count is a sum of coded counts with public weights, so one built from a hidden coded
/// count would give it back (issue 32: the same cells in two releases).
#[test]
fn an_intruder_reading_a_period_by_another_level_beside_its_coded_release_recovers_no_small_count() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(dir.path(), &["load", &sample_data(), "--db", "s.duckdb"]);
    let crosswalk: Vec<(String, String, f64)> =
        read_csv_rows(&Path::new(&sample_data()).join("crosswalk.csv"))
            .into_iter()
            .map(|r| {
                (
                    r["from_code"].clone(),
                    r["to_code"].clone(),
                    r["weight"].parse().unwrap(),
                )
            })
            .collect();
    let mut findings = Vec::new();
    // A half-year straddling the reform (districts and communes coded) and a quarter
    // after it (communes only), each read by former district.
    for period in ["2025H2", "2025Q3"] {
        findings.extend(attack_by_level(
            dir.path(),
            "s.duckdb",
            period,
            "district",
            &crosswalk,
        ));
    }
    report_findings(&findings);
}
