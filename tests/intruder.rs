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
use std::path::Path;

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
    let compared = |period: &str, level: Option<&str>| -> Vec<std::path::PathBuf> {
        let out = dir.join(format!("{folder}_{period}_{}", level.unwrap_or("coded")));
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
        run_ok(dir, &args);
        ["comparison.csv", "trend.csv", "heatmap.csv"]
            .iter()
            .map(|f| out.join(f))
            .collect()
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
    let coded = compared(release.coded, None);
    if release.periods.contains(&release.coded) {
        let tidy = dir.join(format!("{folder}_{}.csv", release.coded));
        findings.extend(suppressed_alike(&tidy, &coded[0]));
    }
    coded_files.extend(coded);
    let refs: Vec<&Path> = coded_files.iter().map(|p| p.as_path()).collect();
    findings.extend(intrude(&format!("{label} as coded"), &refs));
    let district = compared(release.district, Some("district"));
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
        run_ok(
            dir.path(),
            &[
                "generate",
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
