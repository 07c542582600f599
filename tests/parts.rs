//! A case in parts (data-contract.md v3; issue 30): each agency's part loaded in any
//! order gives the whole record's figures; a blank never erases another agency's value;
//! an agency's later part corrects its own, and revisions name the column; links make two
//! ids one case, arriving before or after the parts; without them the pair is listed as
//! a possible duplicate, which loads back as a link once confirmed; disagreements are
//! counted, never refuse a load, and are listed by case and column, never by value.

use std::path::{Path, PathBuf};

use crate::util::{baove, query_i64, query_string, read_csv_rows};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let run = baove(dir, args);
    assert_eq!(run.code, 0, "baove {args:?}: {}", run.all_output());
    run.stdout
}

/// The pairs `baove links --suggest --period PERIOD` writes for review, as text.
fn suggested_links(dir: &Path, period: &str) -> String {
    let suggested = dir.join("review.csv");
    ok(
        dir,
        &[
            "links",
            "--suggest",
            "--period",
            period,
            "--out",
            &suggested.display().to_string(),
            "--force",
        ],
    );
    std::fs::read_to_string(&suggested).unwrap()
}

/// A generated province with its parts (`generate --parts`), small enough for many
/// stores.
fn generated(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    crate::util::generate_ok(
        dir,
        &[
            "--out",
            &data.display().to_string(),
            "--seed",
            "31",
            "--cases",
            "900",
            "--content",
            "300",
            "--parts",
        ],
    );
    data
}

fn reference_files(data: &Path) -> Vec<String> {
    ["areas", "crosswalk", "holidays", "population", "content_reports"]
        .iter()
        .map(|k| data.join(format!("{k}.csv")).display().to_string())
        .collect()
}

/// The tidy table of every indicator of `period`, all values shown.
fn indicators(dir: &Path, db: &str, period: &str) -> String {
    let out = dir.join(format!("{}-{period}.csv", db.replace(['/', '.'], "_")));
    ok(
        dir,
        &[
            "indicators",
            "--db",
            db,
            "--period",
            period,
            "--audience",
            "internal",
            "--out",
            &out.display().to_string(),
        ],
    );
    std::fs::read_to_string(out).unwrap()
}

/// A folder whose store holds the sample's areas alone.
fn store_with_areas() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["load", &crate::util::sample_areas()]);
    dir
}

/// The quarterly report of `period` from the store in `dir`, in English, for `audience`,
/// written to `dir/name`: that folder.
fn quarterly(dir: &Path, period: &str, audience: &str, name: &str) -> PathBuf {
    let out = dir.join(name);
    let out_text = out.display().to_string();
    ok(
        dir,
        &[
            "report",
            "--template",
            "quarterly",
            "--period",
            period,
            "--audience",
            audience,
            "--lang",
            "en",
            "--out",
            &out_text,
        ],
    );
    out
}

#[test]
fn the_agencies_parts_in_every_order_give_the_whole_records_figures() {
    let dir = tempfile::tempdir().unwrap();
    let data = generated(dir.path());
    let parts = data.join("parts");
    let profile = parts.join("police/profile.toml").display().to_string();
    let path = |p: &str| parts.join(p).display().to_string();

    let mut whole = vec!["load", "--db", "whole.duckdb"];
    let reference = reference_files(&data);
    whole.extend(reference.iter().map(String::as_str));
    let cases = data.join("cases.csv").display().to_string();
    whole.push(&cases);
    ok(dir.path(), &whole);

    // Three agencies' exports: the child-protection agency's, the police's (two exports,
    // Vietnamese, through their profile), the receipts of the other agencies with the
    // links (some of which arrive in a second file).
    let units: [Vec<String>; 3] = [
        vec![path("cases_child-protection.csv")],
        vec![
            "--profile".into(),
            profile.clone(),
            path("police/cases_police.csv"),
            path("police-late/cases_police_late.csv"),
        ],
        vec![
            path("cases_receipts.csv"),
            path("case_links.csv"),
            path("links-later/case_links_later.csv"),
        ],
    ];
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    let periods = ["2025", "2024Q3", "2026Q2"];
    let expected: Vec<String> = periods
        .iter()
        .map(|p| indicators(dir.path(), "whole.duckdb", p))
        .collect();
    for (i, order) in orders.iter().enumerate() {
        let db = format!("parts{i}.duckdb");
        let mut first = vec!["load".to_string(), "--db".into(), db.clone()];
        first.extend(reference.iter().cloned());
        ok(dir.path(), &first.iter().map(String::as_str).collect::<Vec<_>>());
        for unit in order {
            let mut args = vec!["load".to_string(), "--db".into(), db.clone()];
            args.extend(units[*unit].iter().cloned());
            ok(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>());
        }
        let store = dir.path().join(&db);
        assert_eq!(
            query_i64(&store, "SELECT count(*) FROM cases"),
            900,
            "order {order:?}: the cases counted once each"
        );
        for (period, want) in periods.iter().zip(&expected) {
            let got = indicators(dir.path(), &db, period);
            assert!(
                got == *want,
                "order {order:?}, {period}: the parts' indicators differ from the whole records'"
            );
        }
    }
}

const HEADER: &str = "case_id,area_code,received_at,receiving_agency,channel,abuse_type,victim_sex,victim_age,platform,emergency,assessed_at,assessment_result,social_received_at,emergency_action_at,police_received_at,support_plan_at,support_types,support_started_at,criminal_decision_at,criminal_decision,complex_case,outcome,closed_at";

/// Three cases as the office's consolidated records; A and B confirmed, supported,
/// closed; B with the police.
const WHOLE: &str = "A1,450,2025-01-10 09:00:00,CA,POLICE,SEXUAL_ABUSE,F,12,,true,2025-01-10 15:00:00,CONFIRMED,2025-01-10 11:00:00,2025-01-10 12:00:00,2025-01-10 09:30:00,2025-01-12 09:00:00,COUNSELLING,2025-01-13 09:00:00,2025-01-25 09:00:00,PROSECUTED,false,CRIMINAL,2025-02-20 09:00:00
B1,452,2025-01-11 09:00:00,LDTBXH,HOTLINE_111,GROOMING,M,14,ZALO,false,2025-01-11 12:00:00,CONFIRMED,,,,2025-01-13 09:00:00,PSYCHOLOGICAL,2025-01-14 09:00:00,,,false,SUPPORT_ONLY,2025-02-10 09:00:00
C1,450,2025-01-12 09:00:00,TTTT,ONLINE_MONITORING,CSAM,F,,,false,2025-01-13 09:00:00,UNFOUNDED,2025-01-12 10:00:00,,,,,,,,false,NO_VIOLATION,2025-01-20 09:00:00";

/// The child-protection agency's part of B1, then its correction: the second replaces
/// the first (the same agency), the office's record stays beside them.
fn an_agencys_later_part_replaces_its_own(dir: &std::path::Path, db: &std::path::Path, confirmed: &str) {
    let social = |result: &str, outcome: &str| {
        format!(
            "{HEADER}\nB1,452,2025-01-11 09:00:00,LDTBXH,HOTLINE_111,GROOMING,M,14,ZALO,false,2025-01-11 12:00:00,{result},,,,2025-01-13 09:00:00,PSYCHOLOGICAL,2025-01-14 09:00:00,,,,{outcome},2025-02-10 09:00:00\n"
        )
    };
    let first = write(dir, "cases_syt_1.csv", &social("CONFIRMED", "SUPPORT_ONLY"));
    ok(dir, &["load", "--agency", "SYT", &first]);
    let corrected = write(dir, "cases_syt_2.csv", &social("INSUFFICIENT", "NO_VIOLATION"));
    let run = ok(dir, &["load", "--agency", "SYT", &corrected]);
    assert!(run.contains("1 replaced"), "{run}");
    assert_eq!(
        query_string(
            db,
            "SELECT assessment_result || '|' || outcome FROM cases WHERE case_id = 'B1'"
        )
        .unwrap(),
        "INSUFFICIENT|NO_VIOLATION"
    );
    assert_eq!(query_i64(db, confirmed), 1);
    // The replaced part is kept, with the load that replaced it.
    assert_eq!(
        query_i64(
            db,
            "SELECT count(*) FROM cases_rows WHERE case_id = 'B1' AND source_agency = 'SYT' AND replaced_by IS NOT NULL"
        ),
        1
    );
}

/// Revisions since the first social part name the corrected columns, in counts.
fn revisions_name_the_corrected_columns(dir: &std::path::Path) {
    let out = dir.join("rev");
    ok(
        dir,
        &[
            "revisions",
            "--period",
            "2025Q1",
            "--since",
            "3",
            "--audience",
            "internal",
            "--out",
            &out.display().to_string(),
        ],
    );
    let causes = read_csv_rows(&out.join("revision_causes_2025Q1.csv"));
    let corrected_columns: Vec<&str> = causes
        .iter()
        .filter(|r| r["cause"] == "corrected" && r["area_code"] == "44")
        .filter_map(|r| r.get("column").map(String::as_str))
        .filter(|c| !c.is_empty())
        .collect();
    assert!(
        corrected_columns.contains(&"assessment_result") && corrected_columns.contains(&"outcome"),
        "{causes:?}"
    );
}

#[test]
fn a_blank_erases_nothing_and_an_agencys_later_part_corrects_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let areas = crate::util::sample_areas();
    let whole = write(dir.path(), "cases_office.csv", &format!("{HEADER}\n{WHOLE}\n"));
    ok(dir.path(), &["load", &areas, &whole]);
    let db = dir.path().join("baove.duckdb");
    let confirmed =
        "SELECT count(*) FROM cases WHERE assessment_result = 'CONFIRMED' AND closed_at IS NOT NULL";
    assert_eq!(query_i64(&db, confirmed), 2);

    // The police's part of A1, with the child-protection columns blank (the police do
    // not hold them) and its own decision: nothing of the office's record is erased.
    let police = write(
        dir.path(),
        "cases_police.csv",
        &format!(
            "{HEADER}\nA1,450,2025-01-10 09:00:00,CA,POLICE,SEXUAL_ABUSE,F,12,,true,,,,,2025-01-10 09:30:00,,,,2025-01-26 09:00:00,PROSECUTED,false,,\n"
        ),
    );
    let run = ok(dir.path(), &["load", "--agency", "CA", &police]);
    assert!(run.contains("0 replaced"), "{run}");
    assert_eq!(query_i64(&db, confirmed), 2, "a blank erased a value");
    assert_eq!(
        query_string(
            &db,
            "SELECT strftime(criminal_decision_at, '%Y-%m-%d %H:%M') || '|' || strftime(support_plan_at, '%Y-%m-%d') FROM cases WHERE case_id = 'A1'"
        )
        .unwrap(),
        // The police's own decision time wins over the office's copy; the plan is kept.
        "2025-01-26 09:00|2025-01-12"
    );
    assert_eq!(query_i64(&db, "SELECT count(*) FROM cases"), 3);

    an_agencys_later_part_replaces_its_own(dir.path(), &db, confirmed);

    revisions_name_the_corrected_columns(dir.path());

    // A part whose rows name another agency than the load does is refused.
    let mismatched = write(
        dir.path(),
        "cases_mismatch.csv",
        &format!(
            "{HEADER},source_agency\nC1,450,2025-01-12 09:00:00,TTTT,ONLINE_MONITORING,CSAM,F,,,false,,,,,,,,,,,,,,TTTT\n"
        ),
    );
    let run = baove(dir.path(), &["load", "--agency", "CA", &mismatched]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(run.all_output().contains("part-agency"), "{}", run.all_output());
}

/// The revision since the parts: the SYT-7 record then is part of CA-7 now.
fn a_linked_record_is_a_revision(dir: &std::path::Path) {
    let rev = dir.join("rev");
    ok(
        dir,
        &[
            "revisions",
            "--period",
            "2025Q2",
            "--since",
            "3",
            "--audience",
            "internal",
            "--out",
            &rev.display().to_string(),
        ],
    );
    let causes = read_csv_rows(&rev.join("revision_causes_2025Q2.csv"));
    let count = |cause: &str, column: &str| {
        causes
            .iter()
            .find(|r| {
                r["kind"] == "cases" && r["area_code"] == "44" && r["cause"] == cause && r["column"] == column
            })
            .map(|r| r["records"].clone())
    };
    assert_eq!(count("linked", ""), Some("1".to_string()), "{causes:?}");
    // CA-7 now holds SYT-7's assessment: corrected, the columns named.
    assert_eq!(
        count("corrected", "assessment_result"),
        Some("1".to_string()),
        "{causes:?}"
    );
    assert_eq!(count("late", ""), None, "{causes:?}");
}

/// A link may come before the parts it names: waiting, then applied.
fn a_link_waits_for_the_parts_it_names(dir: &std::path::Path, db: &std::path::Path) {
    let early = write(
        dir,
        "case_links_early.csv",
        "case_id,linked_case_id,linked_at,basis\nCA-8,SYT-8,2025-04-05,NOTIFICATION\n",
    );
    ok(dir, &["load", &early]);
    let later = write(
        dir,
        "cases_later.csv",
        &format!(
            "{HEADER},source_agency\nSYT-8,452,2025-04-05 08:00:00,OTHER,HOTLINE_111,GROOMING,M,,,,,,2025-04-05 09:00:00,,,,,,,,,,,SYT\nCA-8,452,2025-04-05 09:00:00,OTHER,HOTLINE_111,GROOMING,M,,,,,,,,2025-04-06 09:00:00,,,,,,,,,CA\n"
        ),
    );
    ok(dir, &["load", &later]);
    assert_eq!(query_i64(db, "SELECT count(*) FROM cases"), 2);
    assert_eq!(
        query_string(
            db,
            "SELECT case_id || '|' || strftime(received_at, '%H:%M') || '|' || strftime(police_received_at, '%d %H:%M') FROM cases WHERE area_code = '452'"
        )
        .unwrap(),
        // The first receipt (08:00, SYT-8's) gives the case its id.
        "SYT-8|08:00|06 09:00"
    );
}

#[test]
fn links_make_two_ids_one_case_and_without_them_the_pair_is_a_possible_duplicate() {
    let dir = store_with_areas();
    let db = dir.path().join("baove.duckdb");
    // The police know the case as CA-7, the child-protection agency as SYT-7.
    let police = write(
        dir.path(),
        "cases_ca.csv",
        &format!(
            "{HEADER}\nCA-7,450,2025-04-02 10:00:00,CA,POLICE,SEXTORTION,F,13,,,,,,,2025-04-02 10:00:00,,,,,,,,\n"
        ),
    );
    let social = write(
        dir.path(),
        "cases_syt.csv",
        &format!(
            "{HEADER}\nSYT-7,450,2025-04-02 10:00:00,CA,POLICE,SEXTORTION,F,14,,,2025-04-03 10:00:00,CONFIRMED,2025-04-02 18:00:00,,,,,,,,,,\n"
        ),
    );
    ok(dir.path(), &["load", "--agency", "CA", &police]);
    ok(dir.path(), &["load", "--agency", "SYT", &social]);
    assert_eq!(query_i64(&db, "SELECT count(*) FROM cases"), 2);

    // Unlinked, they are listed as a possible duplicate (ages one apart, same day).
    let suggested = dir.path().join("review").join("case_links_review.csv");
    std::fs::create_dir_all(suggested.parent().unwrap()).unwrap();
    let said = ok(
        dir.path(),
        &[
            "links",
            "--suggest",
            "--period",
            "2025Q2",
            "--out",
            &suggested.display().to_string(),
        ],
    );
    assert!(said.contains("1 possible duplicate"), "{said}");
    let text = std::fs::read_to_string(&suggested).unwrap();
    assert_eq!(
        text,
        "case_id,linked_case_id,linked_at,basis\nCA-7,SYT-7,,REVIEW\n"
    );
    // The internal report lists the pair by id only, never a value of either part.
    let out = quarterly(dir.path(), "2025Q2", "internal", "report");
    let reconcile = read_sheet(&out.join("quarterly_2025Q2.xlsx"), "Parts to reconcile").join("\n");
    assert!(reconcile.contains("CA-7\tSYT-7\t"), "{reconcile}");
    for value in ["\t13\t", "\t14\t", "SEXTORTION", "2025-04"] {
        assert!(
            !reconcile.contains(value),
            "a value {value:?} is printed:\n{reconcile}"
        );
    }

    // Confirmed, the file loads back as a link: one case, the earliest part's id (a tie:
    // the smallest id), its police receipt and its assessment together.
    ok(dir.path(), &["load", &suggested.display().to_string()]);
    assert_eq!(query_i64(&db, "SELECT count(*) FROM cases"), 1);
    assert_eq!(
        query_string(
            &db,
            "SELECT case_id || '|' || assessment_result || '|' || strftime(police_received_at, '%H:%M') || '|' || victim_age FROM cases"
        )
        .unwrap(),
        // The receiving agency's (CA's) part decides the receipt columns: age 13.
        "CA-7|CONFIRMED|10:00|13"
    );

    a_linked_record_is_a_revision(dir.path());
    a_link_waits_for_the_parts_it_names(dir.path(), &db);
}

#[test]
fn disagreements_are_counted_never_refused_and_listed_without_values() {
    let dir = store_with_areas();
    // Two agencies' parts of D1 give different platforms and ages, and the police's part
    // dates the decision before its own receipt of the case as the other part has it.
    let office = write(
        dir.path(),
        "cases_office.csv",
        &format!(
            "{HEADER}\nD1,450,2025-05-02 10:00:00,OTHER,HOTLINE_111,GROOMING,F,11,TIKTOK,,2025-05-02 14:00:00,CONFIRMED,2025-05-02 12:00:00,,,,,,,,,SUPPORT_ONLY,2025-05-05 10:00:00\n"
        ),
    );
    let police = write(
        dir.path(),
        "cases_police.csv",
        &format!(
            "{HEADER}\nD1,450,2025-05-02 10:00:00,OTHER,HOTLINE_111,GROOMING,F,15,ZALO,,,,,,2025-05-03 10:00:00,,,,2025-05-06 10:00:00,NOT_PROSECUTED,,,\n"
        ),
    );
    ok(dir.path(), &["load", &office]);
    let run = baove(dir.path(), &["load", "--agency", "CA", &police]);
    assert_eq!(run.code, 0, "a disagreement refused a load: {}", run.all_output());
    // Assembled, the case is closed before the police's decision: counted, not refused.
    let out = quarterly(dir.path(), "2025Q2", "internal", "report");
    let workbook = out.join("quarterly_2025Q2.xlsx");
    // The counts in the data-quality sheet, the listing in a sheet of its own.
    let text = [
        read_sheet(&workbook, "Data quality"),
        read_sheet(&workbook, "Parts to reconcile"),
    ]
    .concat()
    .join("\n");
    for listed in [
        "D1\tvictim_age\tProvincial police\tProgramme office (consolidated record)",
        "D1\tplatform\tProvincial police\tProgramme office (consolidated record)",
        "victim_age\tProvincial police\tProgramme office (consolidated record)\t1",
        "closed-before-stage\t1",
    ] {
        assert!(text.contains(listed), "{listed:?} not in:\n{text}");
    }
    for value in ["TIKTOK", "ZALO", "Tiktok", "Zalo", "\t11\t", "\t15\t", "2025-05"] {
        assert!(!text.contains(value), "a value {value:?} is printed:\n{text}");
    }
    // The public report has no such sheet.
    let public = quarterly(dir.path(), "2025Q2", "public", "public");
    assert!(sheet_names(&public.join("quarterly_2025Q2.xlsx"))
        .iter()
        .all(|s| s != "Parts to reconcile"));
    let public_quality = read_sheet(&public.join("quarterly_2025Q2.xlsx"), "Data quality").join("\n");
    assert!(
        !public_quality.contains("D1") && !public_quality.contains("Parts by sending agency"),
        "{public_quality}"
    );
}

fn sheet_names(path: &Path) -> Vec<String> {
    use calamine::Reader;
    let workbook: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    workbook.sheet_names().to_vec()
}

/// The cells of the row of `rows` (as [`read_sheet`] gives them) whose first cells are
/// `first` (cells joined by tabs).
fn sheet_row(rows: &[String], first: &str) -> Vec<String> {
    rows.iter()
        .find(|r| r.starts_with(&format!("{first}\t")))
        .unwrap_or_else(|| panic!("no row {first:?} in:\n{}", rows.join("\n")))
        .split('\t')
        .map(str::to_string)
        .collect()
}

/// A sheet's rows, cells joined by tabs (numbers as they read).
fn read_sheet(path: &Path, name: &str) -> Vec<String> {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = workbook.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("\t"))
        .collect()
}

#[test]
fn a_part_holding_only_its_own_columns_waits_for_the_receipt() {
    let dir = store_with_areas();
    let db = dir.path().join("baove.duckdb");
    // The police's part: the case's id and the police's own columns, nothing else.
    let police = write(
        dir.path(),
        "cases_ca.csv",
        "case_id,police_received_at,criminal_decision_at,criminal_decision\nE1,2025-06-02 10:00:00,2025-06-10 10:00:00,PROSECUTED\n",
    );
    ok(dir.path(), &["load", "--agency", "CA", &police]);
    // No receipt yet: the case waits outside every figure.
    assert_eq!(query_i64(&db, "SELECT count(*) FROM cases"), 0);
    let status = ok(dir.path(), &["status"]);
    assert!(status.contains("waiting for their receipt: 1"), "{status}");
    let receipt = write(
        dir.path(),
        "cases_receipt.csv",
        &format!("{HEADER}\nE1,452,2025-06-01 22:00:00,OTHER,HOTLINE_111,SEXUAL_ABUSE,F,9,,,,,,,,,,,,,,,\n"),
    );
    ok(dir.path(), &["load", "--agency", "OTHER", &receipt]);
    assert_eq!(
        query_string(
            &db,
            "SELECT case_id || '|' || area_code || '|' || criminal_decision FROM cases"
        )
        .unwrap(),
        "E1|452|PROSECUTED"
    );
    // The office's consolidated record must still be whole.
    let office = write(
        dir.path(),
        "cases_office.csv",
        "case_id,police_received_at\nE2,2025-06-02 10:00:00\n",
    );
    let run = baove(dir.path(), &["load", &office]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.all_output().contains("missing-column"),
        "{}",
        run.all_output()
    );
}

#[test]
fn without_the_links_the_cases_under_two_ids_are_suggested_as_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let data = generated(dir.path());
    let parts = data.join("parts");
    let mut load = vec!["load".to_string()];
    load.extend(reference_files(&data));
    load.push(parts.join("cases_child-protection.csv").display().to_string());
    load.push(parts.join("cases_receipts.csv").display().to_string());
    ok(dir.path(), &load.iter().map(String::as_str).collect::<Vec<_>>());
    let police = parts.join("police");
    ok(
        dir.path(),
        &[
            "load",
            "--profile",
            &police.join("profile.toml").display().to_string(),
            &police.display().to_string(),
            &parts.join("police-late").display().to_string(),
        ],
    );
    let db = dir.path().join("baove.duckdb");
    let links: Vec<(String, String)> = ["case_links.csv", "links-later/case_links_later.csv"]
        .iter()
        .flat_map(|f| read_csv_rows(&parts.join(f)))
        .map(|r| (r["case_id"].clone(), r["linked_case_id"].clone()))
        .collect();
    assert!(links.len() >= 3, "the generated parts have linked ids: {links:?}");
    // Unlinked, each case under two ids counts twice.
    assert_eq!(
        query_i64(&db, "SELECT count(*) FROM cases") as usize,
        900 + links.len()
    );
    let mut suggested = Vec::new();
    for year in ["2023", "2024", "2025", "2026"] {
        let out = dir.path().join(format!("suggested_{year}.csv"));
        ok(
            dir.path(),
            &[
                "links",
                "--suggest",
                "--period",
                year,
                "--out",
                &out.display().to_string(),
            ],
        );
        suggested.extend(
            read_csv_rows(&out)
                .into_iter()
                .map(|r| (r["case_id"].clone(), r["linked_case_id"].clone())),
        );
    }
    for (a, b) in &links {
        let pair = (a.clone().min(b.clone()), a.clone().max(b.clone()));
        assert!(suggested.contains(&pair), "{pair:?} not suggested");
    }
}

#[test]
fn a_cases_parts_and_near_duplicates_count_whatever_their_own_receipt() {
    let dir = store_with_areas();
    // The statutory 2025Q2 ends on 14 June. F1: received by the police on 14 June; the
    // health department's part of it, under its own id and dated 16 June (2025Q3), is
    // linked to it: one case of Q2 whose parts are the police's and the health
    // department's, disagreeing on the age. G1 (the police, 14 June) and G2 (the health
    // department, 18 June, not linked): a possible duplicate of Q2 though G2 is of Q3.
    // Synthetic rows.
    let police = write(
        dir.path(),
        "cases_ca.csv",
        &format!(
            "{HEADER}\nF1,450,2025-06-14 10:00:00,CA,POLICE,SEXTORTION,F,13,,,,,,,2025-06-14 10:00:00,,,,,,,,\n\
             G1,452,2025-06-14 11:00:00,CA,POLICE,GROOMING,M,9,,,,,,,2025-06-14 11:00:00,,,,,,,,\n"
        ),
    );
    let health = write(
        dir.path(),
        "cases_syt.csv",
        &format!(
            "{HEADER}\nSYT-F1,450,2025-06-16 10:00:00,SYT,HOTLINE_111,SEXTORTION,F,14,,,2025-06-17 10:00:00,CONFIRMED,2025-06-16 10:00:00,,,,,,,,,,\n\
             G2,452,2025-06-18 09:00:00,SYT,HOTLINE_111,GROOMING,M,9,,,,,2025-06-18 09:00:00,,,,,,,,,,\n"
        ),
    );
    let links = write(
        dir.path(),
        "case_links.csv",
        "case_id,linked_case_id,linked_at,basis\nF1,SYT-F1,2025-06-16,NOTIFICATION\n",
    );
    ok(dir.path(), &["load", "--agency", "CA", &police]);
    ok(dir.path(), &["load", "--agency", "SYT", &health]);
    ok(dir.path(), &["load", &links]);

    assert_eq!(
        suggested_links(dir.path(), "2025Q2"),
        "case_id,linked_case_id,linked_at,basis\nG1,G2,,REVIEW\n"
    );

    let out = quarterly(dir.path(), "2025Q2", "internal", "report");
    let quality = read_sheet(&out.join("quarterly_2025Q2.xlsx"), "Data quality");
    let row_of = |first: &str| {
        let mut cells = sheet_row(&quality, first);
        cells.retain(|cell| !cell.is_empty());
        cells
    };
    // Parts (F1, G1 by the police; SYT-F1 by health), those no other agency sent (G1).
    assert_eq!(row_of("Provincial police")[1..3], ["2", "1"]);
    assert_eq!(row_of("Department of Health")[1..3], ["1", "0"]);
    assert_eq!(
        row_of("victim_age"),
        ["victim_age", "Provincial police", "Department of Health", "1"]
    );
    assert_eq!(row_of("Notification carrying the id")[1], "1");
    let reconcile = read_sheet(&out.join("quarterly_2025Q2.xlsx"), "Parts to reconcile").join("\n");
    assert!(
        reconcile.contains("F1\tvictim_age\tProvincial police\tDepartment of Health"),
        "{reconcile}"
    );
    assert!(reconcile.contains("G1\tG2\t"), "{reconcile}");
}

/// A row naming LĐ-TB&XH or TT&TT after 28 February 2025 (queries/agencies.toml: their
/// work passed to Sở Y tế and Sở KH&CN) is counted once in the data-quality sheet; on the
/// last day itself, or naming a successor, it is not.
#[test]
fn rows_naming_an_agency_after_its_last_day_are_counted_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let areas = crate::util::sample_areas();
    // Ages only: the rest of each record blank (15 columns after victim_age).
    let blank = ",".repeat(15);
    let rows: String = [
        ("L1", "2025-02-28 16:00:00", "LDTBXH"),
        ("L2", "2025-03-01 08:00:00", "LDTBXH"),
        ("T1", "2025-03-05 10:00:00", "TTTT"),
        ("S1", "2025-03-05 10:00:00", "SYT"),
        ("K1", "2025-02-27 10:00:00", "TTTT"),
    ]
    .iter()
    .map(|(id, at, agency)| format!("{id},450,{at},{agency},HOTLINE_111,GROOMING,F,13{blank}\n"))
    .collect();
    let cases = write(dir.path(), "cases_office.csv", &format!("{HEADER}\n{rows}"));
    ok(dir.path(), &["load", &areas, &cases]);
    let out = quarterly(dir.path(), "2025Q1", "internal", "report");
    let quality = read_sheet(&out.join("quarterly_2025Q1.xlsx"), "Data quality");
    // L2 and T1.
    let row = sheet_row(
        &quality,
        "Cases naming an agency after its work passed to another (counted under the successor)",
    );
    assert_eq!(row[1], "2", "{row:?}");
}

#[test]
fn a_store_of_the_offices_records_alone_counts_them_as_the_offices_parts() {
    let dir = tempfile::tempdir().unwrap();
    let areas = crate::util::sample_areas();
    let whole = write(dir.path(), "cases_office.csv", &format!("{HEADER}\n{WHOLE}\n"));
    ok(dir.path(), &["load", &areas, &whole]);
    let out = quarterly(dir.path(), "2025Q1", "internal", "report");
    let quality = read_sheet(&out.join("quarterly_2025Q1.xlsx"), "Data quality");
    let office = sheet_row(&quality, "Programme office (consolidated record)");
    // A1, B1 and C1, each the only part of its case.
    assert_eq!(office[1..3], ["3", "3"], "{office:?}");
    // The columns filled, counted by hand from WHOLE (of its 3 cases), and the support
    // started before its plan (none).
    for (column, filled) in [
        ("victim_age", "2"),
        ("platform", "1"),
        ("assessed_at", "3"),
        ("police_received_at", "1"),
        ("support_plan_at", "2"),
        ("support_types", "2"),
        ("criminal_decision_at", "1"),
        ("closed_at", "3"),
    ] {
        let row = sheet_row(&quality, &format!("cases\t{column}"));
        assert_eq!(row[2..4], [filled, "3"], "{row:?}");
    }
    let invalid = sheet_row(&quality, "Cases with stages out of order");
    assert_eq!(invalid[1], "0", "{invalid:?}");
}

/// Possible duplicates are receipts at most seven days apart (data-contract.md v3); the
/// store compares them window by window (seven-day windows from the epoch, the 2025
/// ones starting on Thursdays at midnight), so pairs across a window's edge are
/// attacked: P1/H1 exactly seven days apart (Wednesday 23:00 to Wednesday 23:00, in
/// consecutive windows), P3/H3 two minutes apart across midnight into a Thursday, and
/// P2/H2 seven days and one second apart, not a pair. Each pair its own abuse type, so
/// that no two pairs' cases match. Synthetic rows.
#[test]
fn possible_duplicates_are_found_across_the_edges_of_the_seven_day_windows() {
    let dir = store_with_areas();
    let police_row =
        |id: &str, at: &str, kind: &str| format!("{id},452,{at},CA,POLICE,{kind},M,9,,,,,,,{at},,,,,,,,\n");
    let health_row = |id: &str, at: &str, kind: &str| {
        format!("{id},452,{at},SYT,HOTLINE_111,{kind},M,9,,,,,{at},,,,,,,,,,\n")
    };
    // (the police's case, its receipt, the health department's, its receipt, the type)
    let pairs = [
        (
            "P1",
            "2025-04-09 23:00:00",
            "H1",
            "2025-04-16 23:00:00",
            "GROOMING",
        ),
        (
            "P2",
            "2025-04-09 22:00:00",
            "H2",
            "2025-04-16 22:00:01",
            "SEXTORTION",
        ),
        (
            "P3",
            "2025-04-09 23:59:00",
            "H3",
            "2025-04-10 00:01:00",
            "LIVESTREAM",
        ),
    ];
    let police_rows: String = pairs
        .iter()
        .map(|(id, at, _, _, kind)| police_row(id, at, kind))
        .collect();
    let health_rows: String = pairs
        .iter()
        .map(|(_, _, id, at, kind)| health_row(id, at, kind))
        .collect();
    assert_eq!(
        suggested_from_police_and_health(&dir, &police_rows, &health_rows),
        "case_id,linked_case_id,linked_at,basis\nH1,P1,,REVIEW\nH3,P3,,REVIEW\n"
    );
}

/// The links suggested for review in 2025Q2 once the police's and the health
/// department's rows are loaded, each under its agency.
fn suggested_from_police_and_health(dir: &tempfile::TempDir, police_rows: &str, health_rows: &str) -> String {
    let police = write(dir.path(), "cases_ca.csv", &format!("{HEADER}\n{police_rows}"));
    let health = write(dir.path(), "cases_syt.csv", &format!("{HEADER}\n{health_rows}"));
    ok(dir.path(), &["load", "--agency", "CA", &police]);
    ok(dir.path(), &["load", "--agency", "SYT", &health]);
    suggested_links(dir.path(), "2025Q2")
}

/// Possible duplicates have ages at most one year apart, or one of them blank
/// (data-contract.md v3): the police's and the health department's cases of the same
/// day, area, sex and type, one pair per type, P1/H1 aged 9 and 10 (a pair), P2/H2 aged
/// 9 and 11 (not a pair), P3/H3 aged 9 and blank (a pair), P4/H4 aged 10 and 9 (a pair,
/// the other way round). Synthetic rows.
#[test]
fn possible_duplicates_are_at_most_one_year_apart_in_age_or_have_it_blank() {
    let dir = store_with_areas();
    let at = "2025-05-06 10:00:00";
    let row = |id: &str, agency: &str, channel: &str, kind: &str, age: &str| {
        if agency == "CA" {
            format!("{id},452,{at},CA,{channel},{kind},F,{age},,,,,,,{at},,,,,,,,\n")
        } else {
            format!("{id},452,{at},SYT,{channel},{kind},F,{age},,,,,{at},,,,,,,,,,\n")
        }
    };
    let pairs = [
        ("P1", "9", "H1", "10", "GROOMING"),
        ("P2", "9", "H2", "11", "SEXTORTION"),
        ("P3", "9", "H3", "", "LIVESTREAM"),
        ("P4", "10", "H4", "9", "CYBERBULLYING"),
    ];
    let police: String = pairs
        .iter()
        .map(|(id, age, _, _, kind)| row(id, "CA", "POLICE", kind, age))
        .collect();
    let health: String = pairs
        .iter()
        .map(|(_, _, id, age, kind)| row(id, "SYT", "HOTLINE_111", kind, age))
        .collect();
    assert_eq!(
        suggested_from_police_and_health(&dir, &police, &health),
        "case_id,linked_case_id,linked_at,basis\nH1,P1,,REVIEW\nH3,P3,,REVIEW\nH4,P4,,REVIEW\n"
    );
}
