//! Several provinces in one store (tests/fixtures/provinces): two former provinces whose
//! exports use the same ids, their merger of 1 July 2025 under a reused code, each
//! province reported across its history and the nation over all of them. Expected values
//! are counted by hand from the fixture's rows; whole tidy tables are compared with those
//! of single-province stores holding the same rows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::{baove, read_csv_rows, repo, sample_data};

fn fixture(part: &str) -> String {
    repo()
        .join("tests/fixtures/provinces")
        .join(part)
        .display()
        .to_string()
}

fn load(cwd: &Path, db: &str, args: &[&str]) {
    let mut all = vec!["load", "--db", db];
    all.extend_from_slice(args);
    let run = baove(cwd, &all);
    assert_eq!(run.code, 0, "{:?}: {}", args, run.all_output());
}

/// The merged store: reference files, then each province's exports under its code.
fn merged_store(cwd: &Path) -> &'static str {
    let db = "merged.duckdb";
    for file in ["areas.csv", "crosswalk.csv", "population.csv"] {
        load(cwd, db, &[&fixture(file)]);
    }
    load(cwd, db, &["--province", "44", &fixture("former-44")]);
    load(cwd, db, &["--province", "45", &fixture("former-45")]);
    load(cwd, db, &["--province", "44", &fixture("merged-44")]);
    db
}

/// The tidy table (internal audience) of `period` for the whole chosen by `whole`.
fn tidy(cwd: &Path, db: &str, period: &str, whole: &[&str]) -> PathBuf {
    let out = format!(
        "{}-{period}-{}.csv",
        db.trim_end_matches(".duckdb"),
        whole.join("").replace(['@', '-'], "_")
    );
    let mut args = vec![
        "indicators",
        "--db",
        db,
        "--period",
        period,
        "--audience",
        "internal",
        "--force",
        "--out",
        &out,
    ];
    args.extend_from_slice(whole);
    let run = baove(cwd, &args);
    assert_eq!(run.code, 0, "{args:?}: {}", run.all_output());
    cwd.join(out)
}

type Row = BTreeMap<String, String>;

fn value<'a>(rows: &'a [Row], indicator: &str, area: &str, breakdown: &str, of: &str) -> &'a Row {
    rows.iter()
        .find(|r| {
            r["indicator_id"] == indicator
                && r["area_code"] == area
                && r["breakdown"] == breakdown
                && r["breakdown_value"] == of
        })
        .unwrap_or_else(|| panic!("no row {indicator} {area} {breakdown}={of}"))
}

/// The value of an indicator's total row for an area.
fn total(rows: &[Row], indicator: &str, area: &str) -> f64 {
    number(value(rows, indicator, area, "", ""), "value")
}

fn number(row: &Row, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} of {row:?}"))
}

#[test]
fn overlapping_ids_of_two_former_provinces_are_two_cases_and_the_merged_province_is_their_sum() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = merged_store(cwd);
    // Both former provinces have a case C1 and a content item R1: all four are kept.
    assert_eq!(
        crate::util::query_i64(&cwd.join(db), "SELECT count(*) FROM cases WHERE case_id = 'C1'"),
        2
    );
    assert_eq!(
        crate::util::query_i64(
            &cwd.join(db),
            "SELECT count(*) FROM content_reports WHERE report_id = 'R1'"
        ),
        2
    );

    let merged = read_csv_rows(&tidy(cwd, db, "2024Q1", &["--province", "44"]));
    let former_44 = read_csv_rows(&tidy(cwd, db, "2024Q1", &["--province", "44@2024-01-01"]));
    let former_45 = read_csv_rows(&tidy(cwd, db, "2024Q1", &["--province", "45"]));
    // Counted by hand: Quảng Bình received C1 and C2 in 2024Q1, the former Quảng Trị C1.
    for (rows, code, received, confirmed, content) in [
        (&merged, "44", 3, 2, 3),
        (&former_44, "44", 2, 1, 2),
        (&former_45, "45", 1, 1, 1),
    ] {
        assert_eq!(total(rows, "cases_received", code), received as f64);
        assert_eq!(total(rows, "cases_confirmed", code), confirmed as f64);
        assert_eq!(total(rows, "content_detected", code), content as f64);
    }
    // Rates over the summed children: 2 000 in Đồng Hới, 800 in Đông Hà.
    let rate = value(&merged, "rate_received", "44", "", "");
    assert_eq!(number(rate, "denominator"), 2800.0);
    assert!((number(rate, "value") - 3.0 / 2800.0 * 100_000.0).abs() < 1e-9);
    assert_eq!(total(&former_45, "rate_received", "45"), 125.0);
    // The merged province's areas in 2024 are both former provinces' districts.
    assert_eq!(total(&merged, "cases_received", "450"), 2.0);
    assert_eq!(total(&merged, "cases_received", "461"), 1.0);
    assert!(
        !former_45.iter().any(|r| r["area_code"] == "450"),
        "a province shows only its own areas"
    );

    // The store's one current province is the merged one.
    let default = tidy(cwd, db, "2024Q1", &[]);
    assert_eq!(
        std::fs::read(default).unwrap(),
        std::fs::read(tidy(cwd, db, "2024Q1", &["--province", "44"])).unwrap()
    );
    // A former province cannot be reported past its end.
    let run = baove(
        cwd,
        &[
            "indicators",
            "--db",
            db,
            "--period",
            "2025",
            "--province",
            "45",
            "--out",
            "x.csv",
        ],
    );
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("ended on 2025-06-30"), "{}", run.stderr);
}

/// Writes a copy of `from` (a fixture file) into `to` with `edit` applied to each line.
fn rewrite(from: &str, to: &Path, edit: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(fixture(from)).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 0 { l.to_string() } else { edit(l) })
        .collect();
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::write(to, lines.join("\n") + "\n").unwrap();
}

/// A store of the former Quảng Trị's own areas, population and rows only, as `odb`.
fn former_quang_tri_alone(cwd: &Path, odb: &str) {
    let own = cwd.join("own45");
    std::fs::write(
        own.with_extension("csv"),
        "area_code,name,level,parent_code,valid_from,valid_to\n45,Quảng Trị (cũ),PROVINCE,,,2025-06-30\n\
         461,Đông Hà,DISTRICT,45,,2025-06-30\n",
    )
    .unwrap();
    std::fs::create_dir_all(&own).unwrap();
    let population: String = std::fs::read_to_string(fixture("population.csv"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("area_code") || l.starts_with("461,"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(own.join("population.csv"), population).unwrap();
    load(
        cwd,
        odb,
        &[
            "--kind",
            "areas",
            &own.with_extension("csv").display().to_string(),
        ],
    );
    load(cwd, odb, &[&own.join("population.csv").display().to_string()]);
    rewrite("former-45/cases.csv", &own.join("b/cases.csv"), |l| l.to_string());
    std::fs::write(
        own.join("b/cases.csv"),
        std::fs::read_to_string(own.join("b/cases.csv"))
            .unwrap()
            .lines()
            .filter(|l| !l.contains("90002"))
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
    )
    .unwrap();
    std::fs::copy(
        fixture("former-45/content_reports.csv"),
        own.join("b/content_reports.csv"),
    )
    .unwrap();
    load(cwd, odb, &[&own.join("b").display().to_string()]);
}

#[test]
fn each_province_equals_a_store_of_its_own_rows() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = merged_store(cwd);

    // The union as one province: one PROVINCE row over both districts, the former Quảng
    // Trị's ids made distinct by hand, loaded in the same order.
    let union = cwd.join("union");
    std::fs::create_dir_all(&union).unwrap();
    std::fs::write(
        union.join("areas.csv"),
        "area_code,name,level,parent_code,valid_from,valid_to\n44,Hợp nhất,PROVINCE,,,\n\
         450,Đồng Hới,DISTRICT,44,,2025-06-30\n461,Đông Hà,DISTRICT,44,,2025-06-30\n\
         90001,Xã thử một (giả lập),COMMUNE,44,2025-07-01,\n90002,Xã thử hai (giả lập),COMMUNE,44,2025-07-01,\n",
    )
    .unwrap();
    std::fs::write(
        union.join("crosswalk.csv"),
        "from_code,to_code,weight\n90001,450,1\n90002,461,1\n",
    )
    .unwrap();
    std::fs::copy(fixture("population.csv"), union.join("population.csv")).unwrap();
    let distinct = |l: &str| {
        l.replace("C1", "QT-C1")
            .replace("C2", "QT-C2")
            .replace("C3", "QT-C3")
            .replace("R1", "QT-R1")
    };
    rewrite("former-45/cases.csv", &union.join("b/cases.csv"), distinct);
    rewrite(
        "former-45/content_reports.csv",
        &union.join("b/content_reports.csv"),
        distinct,
    );
    let udb = "union.duckdb";
    load(cwd, udb, &[&union.display().to_string()]);
    load(cwd, udb, &[&fixture("former-44")]);
    load(cwd, udb, &[&union.join("b").display().to_string()]);
    load(cwd, udb, &[&fixture("merged-44")]);
    // Before the merger, at its quarter and after it: the same tidy table, byte for byte.
    for period in ["2024Q1", "2025Q2", "2025Q3", "2026Q2", "2025"] {
        let whole = std::fs::read_to_string(tidy(cwd, db, period, &["--province", "44"])).unwrap();
        let alone = std::fs::read_to_string(tidy(cwd, udb, period, &[])).unwrap();
        assert!(
            whole == alone,
            "{period}: the merged province differs from the union's own store"
        );
    }

    // The former Quảng Trị alone: its areas, its rows.
    let odb = "own45.duckdb";
    former_quang_tri_alone(cwd, odb);
    for period in ["2024Q1", "2025H1"] {
        let whole = std::fs::read_to_string(tidy(cwd, db, period, &["--province", "45"])).unwrap();
        let alone = std::fs::read_to_string(tidy(cwd, odb, period, &[])).unwrap();
        assert!(
            whole == alone,
            "{period}: the former province differs from its own store"
        );
    }
}

#[test]
fn the_merged_provinces_trend_has_no_break_at_the_merger() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = merged_store(cwd);
    // By hand: cases received by either former province or the merged one, per
    // statutory quarter (15 December to 14 March, ...). 2025Q3 (15 June to 14 September)
    // straddles the merger: the former Quảng Trị's C2 of 20 June, its C3 and the merged
    // province's N1 and N2; its children are the communes' (on its last day).
    let expected = [
        ("2024Q1", 3.0, 2800.0),
        ("2024Q2", 0.0, 2800.0),
        ("2025Q1", 0.0, 2800.0),
        ("2025Q2", 1.0, 2800.0),
        ("2025Q3", 4.0, 3000.0),
        ("2025Q4", 0.0, 3000.0),
        ("2026Q2", 1.0, 3000.0),
    ];
    for (period, received, children) in expected {
        let rows = read_csv_rows(&tidy(cwd, db, period, &["--province", "44"]));
        assert_eq!(total(&rows, "cases_received", "44"), received, "{period}");
        assert_eq!(
            number(value(&rows, "rate_received", "44", "", ""), "denominator"),
            children,
            "{period}"
        );
    }
}

#[test]
fn the_nation_reports_every_province_under_its_province_of_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = merged_store(cwd);
    let early = read_csv_rows(&tidy(cwd, db, "2024Q1", &["--nation"]));
    assert_eq!(total(&early, "cases_received", "VN"), 3.0);
    assert_eq!(total(&early, "cases_received", "44"), 2.0);
    assert_eq!(total(&early, "cases_received", "45"), 1.0);
    assert_eq!(
        number(value(&early, "rate_received", "45", "", ""), "denominator"),
        800.0
    );
    let late = read_csv_rows(&tidy(cwd, db, "2025Q3", &["--nation"]));
    assert_eq!(total(&late, "cases_received", "44"), 4.0);
    assert!(
        !late.iter().any(|r| r["area_code"] == "45"),
        "the former province is gone after the merger"
    );
    let nation_2024q1 = [
        "--db",
        db,
        "--period",
        "2024Q1",
        "--nation",
        "--level",
        "province",
        "--audience",
        "internal",
    ];
    let run = baove(cwd, &[&["compare", "--out", "cmp"][..], &nation_2024q1].concat());
    assert_eq!(run.code, 0, "{}", run.all_output());
    let compared = read_csv_rows(&cwd.join("cmp/comparison.csv"));
    let areas: std::collections::BTreeSet<&str> = compared.iter().map(|r| r["area_code"].as_str()).collect();
    assert!(areas.contains("44") && areas.contains("45"), "{areas:?}");

    // The nation's comparison sheets compare provinces with the nation, and say so.
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let report = ["report", "--template", "district-comparison", "--out", "rep"];
    let run = baove(cwd, &[&report[..], &nation_2024q1].concat());
    assert_eq!(run.code, 0, "{}", run.all_output());
    let mut workbook: Xlsx<_> = open_workbook(cwd.join("rep/district-comparison_2024Q1.xlsx")).unwrap();
    let mut comparison_sheets = 0;
    let mut seen = Vec::new();
    for name in workbook.sheet_names() {
        let sheet = workbook.worksheet_range(&name).unwrap();
        let cells: Vec<String> = sheet
            .rows()
            .flatten()
            .filter_map(|c| match c {
                Data::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        assert!(
            !cells.iter().any(|c| c.to_lowercase().contains("toàn tỉnh")),
            "sheet {name} of the nation's report speaks of a province"
        );
        seen.push(format!("{name}: {:?}", cells.iter().take(12).collect::<Vec<_>>()));
        if cells.iter().any(|c| c == "Chênh lệch so với toàn quốc") {
            comparison_sheets += 1;
        }
    }
    assert!(
        comparison_sheets > 0,
        "no comparison sheet names the nation: {seen:#?}"
    );
}

#[test]
fn a_load_that_does_not_say_its_province_is_refused_when_the_areas_name_several() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = "store.duckdb";
    load(cwd, db, &[&fixture("areas.csv")]);
    let before = crate::util::checksum(cwd, db);
    let run = baove(cwd, &["load", "--db", db, &fixture("former-45")]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("--province") && run.stderr.contains("44, 45"),
        "{}",
        run.stderr
    );
    let run = baove(
        cwd,
        &["load", "--db", db, "--province", "46", &fixture("former-45")],
    );
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("\"46\" is not a PROVINCE"), "{}", run.stderr);
    assert_eq!(
        crate::util::checksum(cwd, db),
        before,
        "a refused load changes nothing"
    );
}

#[test]
fn the_parquet_export_gives_the_stores_tidy_tables() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = merged_store(cwd);
    let run = baove(cwd, &["export", "--db", db, "--out", "dataset"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    // Hive-partitioned by source province and year; the ids of both former provinces kept.
    for part in [
        "cases/province_code=44/year=2024",
        "cases/province_code=45/year=2025",
        "content_reports/province_code=45/year=2024",
    ] {
        assert!(cwd.join("dataset").join(part).is_dir(), "{part}");
    }
    assert!(cwd.join("dataset/load_log.parquet").is_file());
    for (period, whole) in [
        ("2024Q1", vec!["--province", "44"]),
        ("2025", vec!["--province", "44"]),
        ("2024Q1", vec!["--nation"]),
        ("2025H1", vec!["--province", "45"]),
    ] {
        let from_store = std::fs::read(tidy(cwd, db, period, &whole)).unwrap();
        let out = format!("parquet-{period}-{}.csv", whole.join(""));
        let mut args = vec![
            "indicators",
            "--parquet",
            "dataset",
            "--period",
            period,
            "--audience",
            "internal",
            "--out",
            &out,
        ];
        args.extend_from_slice(&whole);
        let run = baove(cwd, &args);
        assert_eq!(run.code, 0, "{}", run.all_output());
        assert!(
            std::fs::read(cwd.join(&out)).unwrap() == from_store,
            "{period} {whole:?}: the export's table differs"
        );
    }
    // Exporting again into the same folder is refused rather than mixed with old files.
    let run = baove(cwd, &["export", "--db", db, "--out", "dataset"]);
    assert_ne!(run.code, 0);
}

fn province_folders(nation: &Path) -> Vec<String> {
    let mut codes: Vec<String> = std::fs::read_dir(nation)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    codes.sort();
    codes
}

/// Province `code`'s rows of the national tidy table of `period` are its own store's.
fn a_province_is_its_own_stores(cwd: &Path, national: &[BTreeMap<String, String>], period: &str, code: &str) {
    let compared = ["numerator", "denominator", "value", "ci_low", "ci_high", "status"];
    let own_db = format!("own{code}.duckdb");
    // Before the merger, 01 is the former province of that code.
    let whole = if period < "2025" {
        format!("{code}@2024-03-31")
    } else {
        code.to_string()
    };
    let own = read_csv_rows(&tidy(cwd, &own_db, period, &["--province", &whole]));
    let mut checked = 0;
    for row in national
        .iter()
        .filter(|r| r["area_code"] == code && r["breakdown"].is_empty())
    {
        let mine = value(&own, &row["indicator_id"], code, "", "");
        for column in compared {
            assert_eq!(
                row[column], mine[column],
                "{period} {code} {} {column}",
                row["indicator_id"]
            );
        }
        checked += 1;
    }
    assert!(checked >= 5, "{period} {code}: {checked} indicators by province");
}

#[test]
fn a_national_store_gives_each_province_its_own_stores_values() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    // Three provinces: 01 and 02 merge on 1 July 2025 (as 63 became 34, 3 become 2).
    let nation = crate::util::generated_nation(cwd, "3");
    let codes = province_folders(&nation);
    assert_eq!(codes, ["01", "02", "03"]);
    let reference = nation.display().to_string();
    load(cwd, "nation.duckdb", &[&reference]);
    for code in &codes {
        let folder = nation.join(code).display().to_string();
        load(cwd, "nation.duckdb", &["--province", code, &folder]);
        // Each province's own store: the same reference files, its exports only (and
        // for the merged province 01, its predecessor 02's too).
        let own = format!("own{code}.duckdb");
        load(cwd, &own, &[&reference]);
        load(cwd, &own, &["--province", code, &folder]);
        if code == "01" {
            load(
                cwd,
                &own,
                &["--province", "02", &nation.join("02").display().to_string()],
            );
        }
    }
    for (period, provinces) in [("2024Q1", vec!["01", "02", "03"]), ("2026Q2", vec!["01", "03"])] {
        let national = read_csv_rows(&tidy(cwd, "nation.duckdb", period, &["--nation"]));
        let shown: Vec<&str> = {
            let mut v: Vec<&str> = national
                .iter()
                .filter(|r| {
                    r["indicator_id"] == "cases_received"
                        && r["breakdown"].is_empty()
                        && r["area_code"] != "VN"
                })
                .map(|r| r["area_code"].as_str())
                .collect();
            v.sort();
            v
        };
        assert_eq!(shown, provinces, "{period}: the provinces of the period");
        for code in provinces {
            a_province_is_its_own_stores(cwd, &national, period, code);
        }
    }
    // The provinces' own stores merged give the national store's tables.
    let run = baove(
        cwd,
        &["merge", "--db", "merged.duckdb", "own01.duckdb", "own03.duckdb"],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    for period in ["2024Q1", "2026Q2"] {
        let national = std::fs::read(tidy(cwd, "nation.duckdb", period, &["--nation"])).unwrap();
        let merged = std::fs::read(tidy(cwd, "merged.duckdb", period, &["--nation"])).unwrap();
        assert!(
            national == merged,
            "{period}: the merged stores differ from the national store"
        );
    }
    let run = baove(
        cwd,
        &[
            "compare",
            "--db",
            "nation.duckdb",
            "--period",
            "2026Q2",
            "--nation",
            "--level",
            "province",
            "--out",
            "cmp",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let rows = read_csv_rows(&cwd.join("cmp/comparison.csv"));
    let areas: std::collections::BTreeSet<&str> = rows.iter().map(|r| r["area_code"].as_str()).collect();
    assert_eq!(areas.into_iter().collect::<Vec<_>>(), ["01", "03", "VN"]);
    assert!(
        rows.iter()
            .any(|r| r["area_code"] == "03" && !r["limit_95_low"].is_empty()),
        "funnel limits of a province"
    );
}

/// The whole a dashboard names, from its header.
fn whole_named(cwd: &Path, db: &str, period: &str, whole: &[&str]) -> Result<String, String> {
    let out = format!(
        "dashboard-{period}-{}.html",
        whole.join("").replace(['@', '-'], "_")
    );
    let mut args = vec![
        "dashboard",
        "--db",
        db,
        "--period",
        period,
        "--force",
        "--out",
        &out,
    ];
    args.extend_from_slice(whole);
    let run = baove(cwd, &args);
    if run.code != 0 {
        return Err(run.all_output());
    }
    let html = std::fs::read_to_string(cwd.join(&out)).unwrap();
    let start = html
        .find("<p class=\"whole\">")
        .expect("the header names the whole");
    let end = start + html[start..].find("</p>").unwrap();
    Ok(html[start..end].to_string())
}

#[test]
fn a_whole_is_named_by_the_provinces_whose_data_the_store_holds() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    // Only the former Quảng Bình's exports, the areas knowing the merger: 2025Q1 of the
    // merged province would be Quảng Bình's counts over both populations: refused,
    // naming what is missing and the whole it can report.
    let db = "one.duckdb";
    for file in ["areas.csv", "crosswalk.csv", "population.csv"] {
        load(cwd, db, &[&fixture(file)]);
    }
    load(cwd, db, &["--province", "44", &fixture("former-44")]);
    let refused = whole_named(cwd, db, "2025Q1", &[]).unwrap_err();
    assert!(refused.contains("45 Quảng Trị (cũ)"), "{refused}");
    assert!(refused.contains("--province 44@2025-03-14"), "{refused}");
    for command in ["indicators", "compare"] {
        let run = baove(
            cwd,
            &[
                command, "--db", db, "--period", "2025Q1", "--force", "--out", "x.csv",
            ],
        );
        assert_ne!(run.code, 0, "{command} reports a whole it holds half of");
    }
    // The former province alone, as the error suggests, is named as itself.
    let alone = whole_named(cwd, db, "2025Q1", &["--province", "44@2025-03-14"]).unwrap();
    assert!(alone.contains("<strong>Quảng Bình</strong>"), "{alone}");
    assert!(alone.contains("số liệu của Quảng Bình"), "{alone}");
    // After the merger the whole is the merged province itself.
    let after = whole_named(cwd, db, "2025Q3", &[]).unwrap();
    assert!(after.contains("<strong>Quảng Trị</strong>"), "{after}");

    // Both former provinces' exports: the merged province before the merger, named with
    // the provinces it is summed from.
    load(cwd, db, &["--province", "45", &fixture("former-45")]);
    let both = whole_named(cwd, db, "2025Q1", &[]).unwrap();
    assert!(
        both.contains("<strong>Quảng Trị, gồm Quảng Bình và Quảng Trị (cũ) trước sáp nhập</strong>"),
        "{both}"
    );
    assert!(
        both.contains("số liệu của Quảng Bình và Quảng Trị (cũ)"),
        "{both}"
    );
    let compared = baove(
        cwd,
        &[
            "compare", "--db", db, "--period", "2025Q1", "--force", "--out", "cmp",
        ],
    );
    assert_eq!(compared.code, 0, "{}", compared.all_output());
    assert!(
        compared
            .stdout
            .contains("Quảng Trị, gồm Quảng Bình và Quảng Trị (cũ) trước sáp nhập"),
        "{}",
        compared.stdout
    );

    // A store that never heard of the other former province: its whole before the
    // merger is Quảng Bình, now part of Quảng Trị, never Quảng Trị's whole.
    let db = "unaware.duckdb";
    let areas = cwd.join("areas-44.csv");
    let text = std::fs::read_to_string(fixture("areas.csv")).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("45,") && !l.starts_with("461,"))
        .collect();
    std::fs::write(&areas, kept.join("\n") + "\n").unwrap();
    load(cwd, db, &[areas.to_str().unwrap()]);
    load(cwd, db, &["--province", "44", &fixture("former-44")]);
    let unaware = whole_named(cwd, db, "2024Q1", &[]).unwrap();
    assert!(
        unaware.contains("<strong>Quảng Bình, nay thuộc Quảng Trị</strong>"),
        "{unaware}"
    );
}

/// The merged store's test of one store answering many requests: the store (made in
/// `cwd`), the load before the former Quảng Trị's exports (the last load but one) and the
/// former Quảng Bình (code 44) as a whole of the period before the merger.
fn merged_requests_store(cwd: &Path) -> (PathBuf, i64, baove::results::Top) {
    let db = cwd.join(merged_store(cwd));
    let loads = baove::store::Store::open_read_only(&db).unwrap().loads().unwrap();
    let former = baove::results::Top::Province {
        code: "44".into(),
        on: chrono::NaiveDate::from_ymd_opt(2025, 3, 14),
    };
    (db, loads[loads.len() - 3].load_id, former)
}

/// Every request of `moments` (a period, and an as-of inside it or None for its end) ×
/// `wholes` × `knowns` (the states read), in that order.
fn requests_over(
    moments: &[(&str, Option<&str>)],
    wholes: &[baove::results::Top],
    knowns: &[Option<i64>],
) -> Vec<baove::results::Request> {
    let mut requests = Vec::new();
    for (period, as_of) in moments {
        let period = baove::period::Period::parse(period, baove::period::Calendar::Statutory).unwrap();
        let as_of = as_of.map_or(period.end_moment(), |at| {
            chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").unwrap()
        });
        for whole in wholes {
            for &known in knowns {
                requests.push(baove::results::Request {
                    whole: whole.clone(),
                    known,
                    ..baove::results::Request::new(period, as_of)
                });
            }
        }
    }
    requests
}

/// Requires `answer` on one store answering `requests` in order, and on another in the
/// reverse order (each store made by `open` and readied by `ready`), to equal `alone`,
/// each request's answer on a store opened for it alone. Two stores: answers a store
/// remembers (figures, patterns) would make a second pass over the same store prove
/// nothing.
fn answers_in_both_orders<A: PartialEq>(
    requests: &[baove::results::Request],
    alone: &[A],
    open: impl Fn() -> baove::store::Store,
    ready: impl Fn(&baove::store::Store),
    answer: impl Fn(&baove::store::Store, &baove::results::Request) -> A,
) {
    let forwards_store = open();
    ready(&forwards_store);
    for (k, request) in requests.iter().enumerate() {
        assert!(
            answer(&forwards_store, request) == alone[k],
            "{request:?} after the requests before it"
        );
    }
    let backwards_store = open();
    ready(&backwards_store);
    for (k, request) in requests.iter().enumerate().rev() {
        assert!(
            answer(&backwards_store, request) == alone[k],
            "{request:?} after the requests after it"
        );
    }
}

/// A request carries its whole and the state of the store it reads (issue 34): a store
/// answering requests of several wholes and states, in one order (and another in the
/// other), gives each the answer a store opened for that request alone gives, internal
/// and public. (The whole and the state read were set on the store, and every use case that
/// changed them had to put them back.)
#[test]
fn one_store_answers_interleaved_requests_as_fresh_stores_do() {
    use baove::results::{Request, Top};
    let dir = tempfile::tempdir().unwrap();
    let (db, earlier, former) = merged_requests_store(dir.path());
    let open = || baove::store::Store::open_read_only(&db).unwrap();
    let all = baove::catalog::indicators().unwrap();
    let requests = requests_over(
        &[("2025Q1", None)],
        &[Top::Nation, former, Top::Only],
        &[None, Some(earlier)],
    );
    let answer = |store: &baove::store::Store, request: &Request| {
        let internal = baove::indicators::compute(store, &all, request).unwrap();
        let public = baove::release::Pattern::decide_with(store, &all, request)
            .unwrap()
            .release(&request.whole, &all)
            .unwrap();
        (internal, public)
    };
    let alone: Vec<_> = requests.iter().map(|r| answer(&open(), r)).collect();
    // The requests differ: the nation is not the former province, the state then is not
    // the state now.
    assert_ne!(alone[0], alone[2], "the nation and the former province");
    assert_ne!(alone[0], alone[1], "the nation now and before the last loads");
    answers_in_both_orders(&requests, &alone, open, |_| {}, answer);
}

/// A store told that many periods are coming keeps the case facts of the state it reads
/// for every case and serves every period and whole from them (issue 34): answering
/// requests of several periods, wholes and states, in one order (and another store in
/// the other), it gives each the answer a store opened for that request alone gives. (Kept facts
/// that ignored the state read, or that held one province and served the nation, or one
/// period and served another, would answer differently.)
#[test]
fn facts_kept_for_many_periods_answer_as_fresh_stores_do() {
    use baove::results::{Request, Top};
    let dir = tempfile::tempdir().unwrap();
    let (db, earlier, former) = merged_requests_store(dir.path());
    let open = || baove::store::Store::open_read_only(&db).unwrap();
    let all = baove::catalog::indicators().unwrap();
    // The former province first: facts kept for it alone must not serve the nation.
    let requests = requests_over(
        &[("2024Q4", None), ("2025Q1", None)],
        &[former, Top::Nation, Top::Only],
        &[Some(earlier), None],
    );
    let answer = |store: &baove::store::Store, request: &Request| {
        let internal = baove::indicators::compute(store, &all, request).unwrap();
        // A public pattern computes every whole of its period.
        let public = (request.whole == Top::Nation).then(|| {
            baove::release::Pattern::decide_with(store, &all, request)
                .unwrap()
                .release(&request.whole, &all)
                .unwrap()
        });
        (internal, public)
    };
    let alone: Vec<_> = requests.iter().map(|r| answer(&open(), r)).collect();
    // The requests differ (the last loads are the other former province's exports).
    assert!(
        alone[2].0 != alone[3].0,
        "the nation before and after the last loads"
    );
    assert!(alone[1].0 != alone[3].0, "the former province and the nation");
    assert!(alone[1].0 != alone[7].0, "two periods");
    let until = requests.iter().map(Request::latest_moment).max().unwrap();
    for many_periods_of in [None, Some(earlier)] {
        let ready = |store: &baove::store::Store| store.expect_many_periods(many_periods_of, until);
        answers_in_both_orders(&requests, &alone, open, ready, answer);
    }
}

/// Figures computed ahead for many periods (issue 34: one query per indicator, the
/// periods a column of it) equal each computed alone on a fresh store: periods before and
/// after a merger (whose wholes reach different provinces), a year, an as-of inside a
/// period, every whole, internal figures and the public pattern, the state the store was
/// told to expect many periods of and another one.
#[test]
fn figures_computed_ahead_for_many_periods_equal_each_computed_alone() {
    use baove::results::{Request, Top};
    let dir = tempfile::tempdir().unwrap();
    let (db, earlier, former) = merged_requests_store(dir.path());
    let open = || baove::store::Store::open_read_only(&db).unwrap();
    let all = baove::catalog::indicators().unwrap();
    let requests = requests_over(
        &[
            ("2024Q4", None),
            ("2025Q1", None),
            ("2025Q1", Some("2025-02-15 08:30:00")),
            ("2024", None),
        ],
        &[former, Top::Nation, Top::Only],
        &[None, Some(earlier)],
    );
    let alone: Vec<Vec<baove::results::TidyRow>> = requests
        .iter()
        .map(|r| baove::indicators::compute(&open(), &all, r).unwrap())
        .collect();
    assert!(alone.iter().all(|rows| !rows.is_empty()));
    assert!(alone[0] != alone[2], "two wholes of a period");
    // The nation as of the end of 2025Q1 (request 8) and as of 15 February (14).
    assert!(alone[8] != alone[14], "two as-of of a period");
    // The facts kept for many periods hold the cases of the periods up to the latest
    // moment expected; a horizon before some requests leaves those to be computed alone
    // (2024Q4 ends on 15 December 2024, before 2025Q1 and the year 2024 end).
    let latest = requests.iter().map(Request::latest_moment).max().unwrap();
    let end_of_2024q4 = baove::period::Period::parse("2024Q4", baove::period::Calendar::Statutory)
        .unwrap()
        .end_moment();
    let half = requests.len() / 2 * all.len();
    for (many_periods_of, until, ahead) in [
        (None, latest, half),
        (Some(earlier), latest, half),
        (None, end_of_2024q4, 0),
    ] {
        let store = open();
        store.expect_many_periods(many_periods_of, until);
        let asks: Vec<(Request, Vec<baove::catalog::Indicator>)> =
            requests.iter().map(|r| (r.clone(), all.clone())).collect();
        let computed = baove::indicators::compute_ahead(&store, &asks).unwrap();
        // Only the state expected has facts for many periods (half the requests), and
        // only when they hold every period asked.
        assert_eq!(computed, ahead, "figures computed ahead until {until}");
        for (request, alone) in requests.iter().zip(&alone) {
            let rows = baove::indicators::compute(&store, &all, request).unwrap();
            assert!(rows == *alone, "{request:?} computed ahead");
        }
    }
    // The public: every whole of each period's pattern computed ahead, then each pattern
    // decided from them, as a fresh store decides it.
    let release = |store: &baove::store::Store, request: &Request| {
        baove::release::Pattern::decide_with(store, &all, request)
            .unwrap()
            .release(&request.whole, &all)
            .unwrap()
    };
    let public: Vec<&Request> = requests
        .iter()
        .filter(|r| r.known.is_none() && r.whole == Top::Nation)
        .collect();
    let alone: Vec<_> = public.iter().map(|r| release(&open(), r)).collect();
    let store = open();
    store.expect_many_periods(None, latest);
    let asks: Vec<_> = public.iter().map(|r| ((*r).clone(), all.clone())).collect();
    assert!(baove::release::compute_ahead(&store, &asks).unwrap() > 0);
    for (request, alone) in public.iter().zip(&alone) {
        assert!(
            release(&store, request) == *alone,
            "{request:?} released from figures computed ahead"
        );
    }
}

/// Facts kept for many periods hold the cases up to the latest moment expected (issue
/// 34): on the sample (cases from 2023 to late 2026, so many after the horizon), a
/// report's quarters computed ahead from them, and a request inside the horizon computed
/// from them alone, equal each computed on a fresh store; a request beyond the horizon
/// is computed from its own cases.
#[test]
fn facts_kept_until_a_horizon_answer_as_fresh_stores_do() {
    use baove::results::{Request, Top};
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(baove(dir.path(), &["load", &sample_data()]).code, 0);
    let db = dir.path().join("baove.duckdb");
    let open = || baove::store::Store::open_read_only(&db).unwrap();
    let all = baove::catalog::indicators().unwrap();
    let requests = requests_over(
        &[
            ("2024Q3", None),
            ("2024Q4", None),
            ("2025Q1", None),
            ("2025Q1", Some("2025-02-15 08:30:00")),
            ("2025Q2", None),
        ],
        &[Top::Only],
        &[None],
    );
    let alone: Vec<Vec<baove::results::TidyRow>> = requests
        .iter()
        .map(|r| baove::indicators::compute(&open(), &all, r).unwrap())
        .collect();
    // The horizon: the end of 2025Q1; 2025Q2 lies beyond it.
    let until = requests[2].latest_moment();
    let (within, beyond) = requests.split_at(4);
    let store = open();
    store.expect_many_periods(None, until);
    let asks: Vec<(Request, Vec<baove::catalog::Indicator>)> =
        within.iter().map(|r| (r.clone(), all.clone())).collect();
    let computed = baove::indicators::compute_ahead(&store, &asks).unwrap();
    assert_eq!(computed, within.len() * all.len(), "figures computed ahead");
    for (request, alone) in requests.iter().zip(&alone) {
        let rows = baove::indicators::compute(&store, &all, request).unwrap();
        assert!(rows == *alone, "{request:?} on the store expecting many periods");
    }
    // A request of the horizon asked first (its facts then kept for it), then the
    // others, on a store expecting them.
    let store = open();
    store.expect_many_periods(None, until);
    for (request, alone) in within
        .iter()
        .rev()
        .chain(beyond)
        .zip(alone[..4].iter().rev().chain(&alone[4..]))
    {
        let rows = baove::indicators::compute(&store, &all, request).unwrap();
        assert!(
            rows == *alone,
            "{request:?} asked alone on the store expecting many periods"
        );
    }
}

/// The wholes of one period's pattern are computed together, one query per indicator
/// (issue 34). The generated province is never merged: for 2025Q1 it is a whole under
/// the geography of the quarter's last day and under the latest (the same cases, the
/// same areas of the quarter), and the nation reads the same cases under another area
/// (the province). Computed together, each whole gets what a store opened for it alone
/// gives it; the nation's rows differ from the province's, so the province's groups
/// taken as the nation's (or the nation's as the province's) would be found.
#[test]
fn wholes_computed_together_get_what_each_gets_alone() {
    use baove::results::Top;
    let dir = tempfile::tempdir().unwrap();
    crate::util::generate_ok(
        dir.path(),
        &[
            "--out",
            "data",
            "--seed",
            "35",
            "--cases",
            "600",
            "--content",
            "100",
        ],
    );
    let run = baove(dir.path(), &["load", "data"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let db = dir.path().join("baove.duckdb");
    let open = || baove::store::Store::open_read_only(&db).unwrap();
    let all = baove::catalog::indicators().unwrap();
    let on = |y, m, d| Top::Province {
        code: "44".into(),
        on: chrono::NaiveDate::from_ymd_opt(y, m, d),
    };
    let requests = requests_over(
        &[("2025Q1", None)],
        &[on(2025, 3, 14), Top::Nation, on(2025, 7, 1)],
        &[None],
    );
    let alone: Vec<_> = requests
        .iter()
        .map(|request| baove::indicators::compute(&open(), &all, request).unwrap())
        .collect();
    assert_ne!(alone[0], alone[1], "the province's rows and the nation's");
    let together = baove::indicators::compute_each(&open(), &all, &requests).unwrap();
    for (k, request) in requests.iter().enumerate() {
        assert!(together[k] == alone[k], "{request:?} computed together");
    }
}

/// Every whole of a nation's period computed together (issue 34: one query per indicator
/// over the union of their provinces, each whole taking its provinces' groups): in
/// 2025Q1 the generated nation has three provinces, 01 and 02 merging on 1 July 2025.
/// The nation reports each case under its province, 01, 02 and 03 each their own cases
/// under their areas, and the merged 01 (under the latest geography) the cases of 01 and
/// 02. In 2025Q3, after the merger, the nation reports 02's cases under 01. Each gets
/// what a store opened for it alone gives it: a whole given a province's groups it does
/// not reach (03's in 01's), or its areas not put as it reports them (the nation's
/// communes, 02's cases under 02), would be found.
#[test]
fn wholes_of_a_nation_computed_together_get_what_each_gets_alone() {
    use baove::results::Top;
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let nation = crate::util::generated_nation(cwd, "3");
    load(cwd, "nation.duckdb", &[&nation.display().to_string()]);
    for code in ["01", "02", "03"] {
        let folder = nation.join(code).display().to_string();
        load(cwd, "nation.duckdb", &["--province", code, &folder]);
    }
    let db = cwd.join("nation.duckdb");
    let open = || baove::store::Store::open_read_only(&db).unwrap();
    let all = baove::catalog::indicators().unwrap();
    let province = |code: &str, on: Option<(i32, u32, u32)>| Top::Province {
        code: code.into(),
        on: on.and_then(|(y, m, d)| chrono::NaiveDate::from_ymd_opt(y, m, d)),
    };
    let wholes = [
        Top::Nation,
        province("01", Some((2025, 3, 14))),
        province("02", Some((2025, 3, 14))),
        province("03", None),
        province("01", None),
    ];
    let mut requests = requests_over(&[("2025Q1", None)], &wholes, &[None]);
    requests.extend(requests_over(
        &[("2025Q3", None)],
        &[Top::Nation, province("03", None), province("01", None)],
        &[None],
    ));
    let alone: Vec<_> = requests
        .iter()
        .map(|request| baove::indicators::compute(&open(), &all, request).unwrap())
        .collect();
    // Eight different sets of rows: each whole reads other cases, or reports them under
    // other areas, or another period.
    for (k, rows) in alone.iter().enumerate() {
        assert!(!rows.is_empty(), "{:?}", requests[k]);
        assert!(
            alone[..k].iter().all(|before| before != rows),
            "{:?}",
            requests[k]
        );
    }
    // The nation of 2025Q3 shows the merged 01, and no 02.
    let nation_q3_areas: std::collections::BTreeSet<&str> =
        alone[5].iter().map(|row| row.area_code.as_str()).collect();
    assert!(
        nation_q3_areas.contains("01") && !nation_q3_areas.contains("02"),
        "{nation_q3_areas:?}"
    );
    let together = baove::indicators::compute_each(&open(), &all, &requests).unwrap();
    for (k, request) in requests.iter().enumerate() {
        assert!(together[k] == alone[k], "{request:?} computed together");
    }
}
