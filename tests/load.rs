//! `baove load`, `validate`, `status`: the accepted forms, replacement (the replaced
//! rows kept), idempotence, quarantine and interruption.

use std::path::Path;

use crate::util::{
    baove, checksum, command, csv_rows, query_i64, query_string, repo, sample_areas, sample_data,
};

const CASES_HEADER: &str = "case_id,area_code,received_at,receiving_agency,channel,abuse_type,victim_sex,victim_age,platform,emergency,assessed_at,assessment_result,emergency_action_at,police_received_at,support_plan_at,support_types,support_started_at,criminal_decision_at,criminal_decision,complex_case,outcome,closed_at";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn sample_data_loads_with_the_files_row_counts() {
    let dir = tempfile::tempdir().unwrap();
    let run = baove(dir.path(), &["load", &sample_data()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = dir.path().join("baove.duckdb");
    for kind in ["areas", "holidays", "population", "cases", "content_reports"] {
        let file = repo().join("sample-data").join(format!("{kind}.csv"));
        assert_eq!(
            query_i64(&db, &format!("SELECT count(*) FROM {kind}")),
            csv_rows(&file),
            "{kind}"
        );
    }
    // The folder's README is not an export: passed over, and said so.
    assert!(
        run.stderr.contains("README.md is not an export"),
        "{}",
        run.stderr
    );
    let status = baove(dir.path(), &["status"]);
    assert_eq!(status.code, 0);
    assert!(status.stdout.contains("cases.csv"), "{}", status.stdout);
}

#[test]
fn vietnamese_headers_semicolons_bom_and_day_first_dates_load_through_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    // Areas come before anything that refers to them.
    assert_eq!(baove(dir.path(), &["load", &sample_areas()]).code, 0);
    let police = repo().join("sample-data/police-vn");
    let profile = police.join("profile.toml").display().to_string();
    let run = baove(
        dir.path(),
        &["load", "--profile", &profile, &police.display().to_string()],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let db = dir.path().join("baove.duckdb");
    assert_eq!(query_i64(&db, "SELECT count(*) FROM cases"), 10);
    // "16/12/2024 08:15", "Công an tỉnh", "Nữ", "Có", "Khởi tố" recoded to the contract.
    assert_eq!(
        query_string(
            &db,
            "SELECT strftime(received_at, '%Y-%m-%d %H:%M:%S') || '|' || receiving_agency || '|' || victim_sex || '|' || emergency || '|' || criminal_decision || '|' || support_types FROM cases WHERE case_id = 'CA-2025-0001'"
        )
        .unwrap(),
        "2024-12-16 08:15:00|CA|F|true|PROSECUTED|PSYCHOLOGICAL;MEDICAL"
    );
    assert_eq!(
        query_i64(&db, "SELECT count(*) FROM cases WHERE victim_age IS NULL"),
        1
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM cases WHERE emergency IS NULL OR complex_case IS NULL"
        ),
        0
    );
}

#[test]
fn every_accepted_datetime_form_and_quoted_newlines_load() {
    let dir = tempfile::tempdir().unwrap();
    // Areas come before anything that refers to them.
    assert_eq!(baove(dir.path(), &["load", &sample_areas()]).code, 0);
    let rows = [
        ("F-1", "2025-01-10"),
        ("F-2", "2025-01-10 09:05"),
        ("F-3", "2025-01-10 09:05:07"),
        ("F-4", "2025-01-10T09:05"),
        ("F-5", "2025-01-10T09:05:07"),
        ("F-6", "10/01/2025"),
        ("F-7", "10/01/2025 09:05"),
        ("F-8", "10/01/2025 09:05:07"),
    ];
    let mut text = format!("{CASES_HEADER}\n");
    for (id, t) in rows {
        text.push_str(&format!(
            "{id},450,{t},LDTBXH,HOTLINE_111,GROOMING,f,,,có,,,,,,,,,,KHÔNG,,\n"
        ));
    }
    let file = write(dir.path(), "cases_forms.csv", &text);
    let run = baove(dir.path(), &["load", &file]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let db = dir.path().join("baove.duckdb");
    let got = |id: &str| {
        query_string(
            &db,
            &format!("SELECT strftime(received_at, '%Y-%m-%d %H:%M:%S') FROM cases WHERE case_id = '{id}'"),
        )
        .unwrap()
    };
    assert_eq!(got("F-1"), "2025-01-10 00:00:00");
    assert_eq!(got("F-2"), "2025-01-10 09:05:00");
    assert_eq!(got("F-5"), "2025-01-10 09:05:07");
    assert_eq!(got("F-6"), "2025-01-10 00:00:00");
    assert_eq!(got("F-8"), "2025-01-10 09:05:07");
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM cases WHERE emergency AND NOT complex_case AND victim_sex = 'F'"
        ),
        8
    );

    let holidays = write(
        dir.path(),
        "holidays.csv",
        "date,kind,name\n2025-01-29,HOLIDAY,\"Tết\nNguyên đán\"\n26/04/2025,WORKDAY,Làm bù\n",
    );
    let run = baove(dir.path(), &["load", &holidays]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(
        query_string(&db, "SELECT name FROM holidays WHERE kind = 'HOLIDAY'").unwrap(),
        "Tết\nNguyên đán"
    );
}

#[test]
fn empty_lines_are_passed_over_and_rows_keep_their_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    // Areas come before anything that refers to them.
    assert_eq!(baove(dir.path(), &["load", &sample_areas()]).code, 0);
    let row = |id: &str, received: &str| {
        format!("{id},450,{received},LDTBXH,HOTLINE_111,GROOMING,F,14,,,,,,,,,,,,,,")
    };
    // Empty lines in the middle (one of them a bare CR LF) and two at the end, as
    // spreadsheet programs and hand edits leave them.
    let text = format!(
        "{CASES_HEADER}\n{}\n\n{}\r\n\r\n{}\n\n\n",
        row("E-1", "2025-01-10 09:00"),
        row("E-2", "2025-01-11 09:00"),
        row("E-3", "2025-01-12 09:00"),
    );
    let file = write(dir.path(), "cases_empty_lines.csv", &text);
    let run = baove(dir.path(), &["load", &file]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stdout.contains("3 rows read, 3 loaded"), "{}", run.stdout);

    // A problem after the empty lines is named by its line in the file: line 6.
    let text = text.replace("2025-01-12 09:00", "2025-01-32 09:00");
    let file = write(dir.path(), "cases_empty_lines_bad.csv", &text);
    let run = baove(dir.path(), &["validate", &file]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(run.stderr.contains("row 6, column received_at"), "{}", run.stderr);
    assert_eq!(run.stderr.matches("[required]").count(), 0, "{}", run.stderr);
}

fn xlsx_cases(path: &Path, phone_in_platform: bool) {
    xlsx_cases_in_sheet(path, phone_in_platform, "Sheet1");
}

fn xlsx_cases_in_sheet(path: &Path, phone_in_platform: bool, sheet_name: &str) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name).unwrap();
    let date_format = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    for (c, h) in CASES_HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for r in 1..=3u32 {
        sheet.write_string(r, 0, format!("X-{r}")).unwrap();
        sheet.write_number(r, 1, 450).unwrap();
        let t = ExcelDateTime::from_ymd(2025, 2, r as u8 + 1)
            .unwrap()
            .and_hms(8, 30, 0)
            .unwrap();
        sheet.write_datetime_with_format(r, 2, &t, &date_format).unwrap();
        sheet.write_string(r, 3, "CA").unwrap();
        sheet.write_string(r, 4, "POLICE").unwrap();
        sheet.write_string(r, 5, "CSAM").unwrap();
        sheet.write_string(r, 6, "M").unwrap();
        sheet.write_number(r, 7, 13).unwrap();
        let platform = if phone_in_platform && r == 3 {
            "0912345678"
        } else {
            "ZALO"
        };
        sheet.write_string(r, 8, platform).unwrap();
        sheet.write_boolean(r, 9, r == 1).unwrap();
    }
    workbook.save(path).unwrap();
}

#[test]
fn xlsx_with_date_cells_loads() {
    let dir = tempfile::tempdir().unwrap();
    // Areas come before anything that refers to them.
    assert_eq!(baove(dir.path(), &["load", &sample_areas()]).code, 0);
    let path = dir.path().join("cases_2025Q1_ldtbxh.xlsx");
    xlsx_cases(&path, false);
    let run = baove(dir.path(), &["load", &path.display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let db = dir.path().join("baove.duckdb");
    assert_eq!(query_i64(&db, "SELECT count(*) FROM cases"), 3);
    assert_eq!(
        query_string(&db, "SELECT strftime(received_at, '%Y-%m-%d %H:%M') || '|' || victim_age || '|' || emergency FROM cases WHERE case_id = 'X-1'").unwrap(),
        "2025-02-02 08:30|13|true"
    );
}

#[test]
fn xlsx_problems_are_named_by_sheet_and_cell_and_truncated_workbooks_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Not "cases_phone": a file name that names an identity field is not printed either.
    let path = dir.path().join("cases_bad_platform.xlsx");
    xlsx_cases(&path, true);
    let run = baove(dir.path(), &["load", &path.display().to_string()]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stderr
            .contains("cases_bad_platform.xlsx sheet 1!I4, column platform"),
        "{}",
        run.stderr
    );
    assert!(!run.all_output().contains("0912345678"));

    // Every sheet is named by its position, and a sheet name that looks like a phone
    // number refuses the file by itself, never printed.
    let named = dir.path().join("cases_named.xlsx");
    xlsx_cases_in_sheet(&named, true, "0987654321");
    let run = baove(dir.path(), &["load", &named.display().to_string()]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stderr
            .contains("cases_named.xlsx sheet 1: a sheet name that looks like identifying data"),
        "{}",
        run.stderr
    );
    assert!(!run.all_output().contains("0987654321") && !run.all_output().contains("0912345678"));

    let whole = dir.path().join("cases_whole.xlsx");
    xlsx_cases(&whole, false);
    let bytes = std::fs::read(&whole).unwrap();
    let truncated = dir.path().join("cases_truncated.xlsx");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let run = baove(dir.path(), &["load", &truncated.display().to_string()]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stderr.contains("cases_truncated.xlsx") && run.stderr.contains("[xlsx-unreadable]"),
        "{}",
        run.stderr
    );
    assert!(
        !dir.path().join("baove.duckdb").exists(),
        "a refused first load creates no store"
    );
}

#[test]
fn parquet_with_typed_columns_loads() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    // Areas come before anything that refers to them.
    assert_eq!(baove(dir.path(), &["load", &sample_areas()]).code, 0);
    let path = dir.path().join("content_reports_tttt.parquet");
    let detected = chrono::NaiveDateTime::parse_from_str("2025-03-01 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    let mut df = df!(
        "report_id" => ["P-1", "P-2"],
        "detected_at" => [detected, detected],
        "source" => ["PLATFORM", "HOTLINE"],
        "platform" => ["TIKTOK", "ZALO"],
        "content_type" => ["VIDEO", "URL"],
        "category" => ["CSAM", "HARMFUL"],
        "emergency" => [true, false],
        "area_code" => [Some("450"), None],
        "takedown_requested_at" => [Some(detected), None],
        "removed_at" => [Some(detected + chrono::Duration::hours(2)), None],
        "status" => ["REMOVED", "NOT_REQUESTED"],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    let run = baove(dir.path(), &["load", &path.display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let db = dir.path().join("baove.duckdb");
    assert_eq!(query_i64(&db, "SELECT count(*) FROM content_reports"), 2);
    assert_eq!(
        query_string(
            &db,
            "SELECT strftime(removed_at, '%Y-%m-%d %H:%M:%S') FROM content_reports WHERE report_id = 'P-1'"
        )
        .unwrap(),
        "2025-03-01 12:00:00"
    );
}

#[test]
fn a_second_load_of_the_same_file_changes_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(baove(dir.path(), &["load", &sample_data()]).code, 0);
    let before = checksum(dir.path(), "baove.duckdb");
    let again = baove(dir.path(), &["load", &sample_data()]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("already loaded"), "{}", again.stdout);
    assert!(again.stdout.contains("nothing changed"), "{}", again.stdout);
    assert_eq!(checksum(dir.path(), "baove.duckdb"), before);
}

#[test]
fn a_corrected_export_replaces_rows_and_the_log_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    // Areas come before anything that refers to them.
    assert_eq!(baove(dir.path(), &["load", &sample_areas()]).code, 0);
    let first = write(
        dir.path(),
        "cases_v1.csv",
        &format!("{CASES_HEADER}\nV-1,450,2025-01-10 09:00,LDTBXH,HOTLINE_111,GROOMING,F,14,,,,,,,,,,,,,,\nV-2,450,2025-01-11 09:00,LDTBXH,HOTLINE_111,GROOMING,F,14,,,,,,,,,,,,,,\nV-3,450,2025-01-12 09:00,LDTBXH,HOTLINE_111,GROOMING,F,14,,,,,,,,,,,,,,\n"),
    );
    let second = write(
        dir.path(),
        "cases_v2.csv",
        &format!("{CASES_HEADER}\nV-2,450,2025-01-11 09:00,LDTBXH,HOTLINE_111,GROOMING,F,14,,,2025-01-12 09:00,UNFOUNDED,,,,,,,,,NO_VIOLATION,2025-01-13 09:00\nV-3,452,2025-01-12 09:00,LDTBXH,HOTLINE_111,GROOMING,F,15,,,,,,,,,,,,,,\nV-4,450,2025-01-13 09:00,CA,POLICE,CSAM,M,,,,,,,,,,,,,,,\n"),
    );
    assert_eq!(baove(dir.path(), &["load", &first]).code, 0);
    let run = baove(dir.path(), &["load", &second]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("3 loaded (2 replaced)"), "{}", run.stdout);
    let db = dir.path().join("baove.duckdb");
    assert_eq!(query_i64(&db, "SELECT count(*) FROM cases"), 4);
    assert_eq!(
        query_string(&db, "SELECT area_code FROM cases WHERE case_id = 'V-3'").unwrap(),
        "452"
    );
    assert_eq!(
        query_string(&db, "SELECT outcome FROM cases WHERE case_id = 'V-2'").unwrap(),
        "NO_VIOLATION"
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT rows_replaced FROM load_log WHERE file_name = 'cases_v2.csv'"
        ),
        2
    );
    // Nothing is forgotten: each replaced row is kept, with the load that brought it and
    // the load that replaced it, and only the current rows are the kind's rows.
    let second_load = query_i64(
        &db,
        "SELECT load_id FROM load_log WHERE file_name = 'cases_v2.csv'",
    );
    let first_load = query_i64(
        &db,
        "SELECT load_id FROM load_log WHERE file_name = 'cases_v1.csv'",
    );
    assert_eq!(query_i64(&db, "SELECT count(*) FROM cases_rows"), 6);
    assert_eq!(
        query_i64(
            &db,
            &format!(
                "SELECT count(*) FROM cases_rows WHERE load_id = {first_load} AND replaced_by = {second_load} \
                 AND case_id IN ('V-2', 'V-3')"
            )
        ),
        2
    );
    assert_eq!(
        query_string(
            &db,
            &format!(
                "SELECT area_code FROM cases_rows WHERE case_id = 'V-3' AND replaced_by = {second_load}"
            )
        )
        .unwrap(),
        "450",
        "the row as it was before the correction"
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM cases_rows WHERE case_id = 'V-1' AND replaced_by IS NULL"
        ),
        1
    );
    // Loading the corrected file again changes nothing, the history included.
    let before = checksum(dir.path(), "baove.duckdb");
    assert_eq!(baove(dir.path(), &["load", &second]).code, 0);
    assert_eq!(checksum(dir.path(), "baove.duckdb"), before);
}

/// A store made before the store kept replaced rows (each kind one table of its current
/// rows) is upgraded by the next load: its rows become the current rows, the load's
/// replacements are kept, and reading it needs no load.
#[test]
fn a_store_made_before_it_kept_replaced_rows_is_upgraded_by_the_next_load() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(baove(dir.path(), &["load", &sample_areas()]).code, 0);
    let rows = |n: usize| -> String {
        (1..=n)
            .map(|i| format!("U-{i},450,2025-01-1{i}09:00,LDTBXH,HOTLINE_111,GROOMING,F,14,,,,,,,,,,,,,,\n"))
            .collect()
    };
    let first = write(
        dir.path(),
        "cases_u1.csv",
        &format!("{CASES_HEADER}\n{}", rows(3)),
    );
    assert_eq!(baove(dir.path(), &["load", &first]).code, 0);
    let db = dir.path().join("baove.duckdb");
    {
        let conn = duckdb::Connection::open(&db).unwrap();
        for kind in [
            "areas",
            "crosswalk",
            "holidays",
            "population",
            "cases",
            "content_reports",
        ] {
            conn.execute_batch(&format!(
                "DROP VIEW {kind}; ALTER TABLE {kind}_rows RENAME TO {kind}; ALTER TABLE {kind} DROP COLUMN replaced_by;"
            ))
            .unwrap();
        }
    }
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'cases_rows'"
        ),
        0
    );
    let read = baove(
        dir.path(),
        &["indicators", "--period", "2025Q1", "--out", "t.csv"],
    );
    assert_eq!(read.code, 0, "{}", read.all_output());
    let second = write(
        dir.path(),
        "cases_u2.csv",
        &format!("{CASES_HEADER}\n{}", rows(4).replace(",F,14,", ",M,14,")),
    );
    let run = baove(dir.path(), &["load", &second]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stdout.contains("4 loaded (3 replaced)"), "{}", run.stdout);
    assert_eq!(query_i64(&db, "SELECT count(*) FROM cases"), 4);
    assert_eq!(query_i64(&db, "SELECT count(*) FROM cases_rows"), 7);
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM cases_rows WHERE replaced_by IS NOT NULL AND victim_sex = 'F'"
        ),
        3
    );
}

#[test]
fn quarantine_loads_valid_rows_and_keeps_invalid_ones_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    // Areas come before anything that refers to them.
    assert_eq!(baove(dir.path(), &["load", &sample_areas()]).code, 0);
    let broken = repo()
        .join("tests/corpus/broken/cases_bad_date.csv")
        .display()
        .to_string();
    let strict = baove(dir.path(), &["load", &broken]);
    assert_eq!(strict.code, 1);
    assert!(strict.stderr.contains("--quarantine"), "{}", strict.stderr);
    let run = baove(dir.path(), &["load", "--quarantine", &broken]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(
        run.stdout
            .contains("3 rows read, 2 loaded (0 replaced), 1 quarantined"),
        "{}",
        run.stdout
    );
    let db = dir.path().join("baove.duckdb");
    assert_eq!(query_i64(&db, "SELECT count(*) FROM cases"), 2);
    let problems = query_string(
        &db,
        "SELECT location || ' ' || problems || ' ' || row_values FROM quarantine",
    )
    .unwrap();
    assert!(problems.starts_with("row 4 received_at"), "{problems}");
    assert!(
        problems.contains("[datetime]") && problems.contains("2025-13-01"),
        "{problems}"
    );
    let status = baove(dir.path(), &["status"]);
    assert!(status.stdout.contains("quarantined rows: 1"), "{}", status.stdout);
}

#[test]
fn validate_writes_findings_for_the_agency_without_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let broken = repo()
        .join("tests/corpus/broken/cases_unknown_channel.csv")
        .display()
        .to_string();
    let run = baove(dir.path(), &["validate", &broken, "--findings", "findings.csv"]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    let findings = std::fs::read_to_string(dir.path().join("findings.csv")).unwrap();
    assert!(
        findings.contains("cases_unknown_channel.csv,row 4,channel,code,"),
        "{findings}"
    );
    assert!(!dir.path().join("baove.duckdb").exists());
    let again = baove(dir.path(), &["validate", &broken, "--findings", "findings.csv"]);
    assert_eq!(
        again.code, 2,
        "an existing findings file is not overwritten without --force"
    );
    let xlsx = baove(dir.path(), &["validate", &broken, "--findings", "findings.xlsx"]);
    assert_eq!(xlsx.code, 1);
    assert!(dir.path().join("findings.xlsx").exists());
    let clean = baove(dir.path(), &["validate", &sample_data()]);
    assert_eq!(clean.code, 0, "{}", clean.all_output());
}

#[test]
fn usage_and_store_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = baove(dir.path(), &["status", "--db", "nowhere.duckdb"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nowhere.duckdb"), "{}", missing.stderr);
    std::fs::write(
        dir.path().join("corrupt.duckdb"),
        b"this is not a database file at all",
    )
    .unwrap();
    let corrupt = baove(dir.path(), &["status", "--db", "corrupt.duckdb"]);
    assert_eq!(corrupt.code, 2, "{}", corrupt.stderr);
    assert!(corrupt.stderr.contains("corrupt.duckdb"), "{}", corrupt.stderr);
    let no_file = baove(dir.path(), &["load", "does-not-exist.csv"]);
    assert_eq!(no_file.code, 2);
    let bad_flag = baove(dir.path(), &["load", "--kind", "people", "x.csv"]);
    assert_eq!(bad_flag.code, 2);
}

#[test]
fn kill_during_a_large_load_leaves_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    let generated = crate::util::generate(
        dir.path(),
        &[
            "--out",
            &big.display().to_string(),
            "--cases",
            "150000",
            "--content",
            "10",
            "--seed",
            "5",
        ],
    );
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    assert_eq!(baove(dir.path(), &["load", &sample_data()]).code, 0);
    let before = checksum(dir.path(), "baove.duckdb");
    let cases = big.join("cases.csv").display().to_string();
    for delay_ms in [150u64, 600, 1500] {
        let mut child = command(dir.path()).args(["load", &cases]).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        if !finished {
            // SIGKILL: no cleanup of any kind runs in the child.
            child.kill().unwrap();
        }
        child.wait().unwrap();
        if !finished {
            assert_eq!(
                checksum(dir.path(), "baove.duckdb"),
                before,
                "killed after {delay_ms} ms"
            );
        }
    }
    let rerun = baove(dir.path(), &["load", &cases]);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    let db = dir.path().join("baove.duckdb");
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM load_log WHERE file_name = 'cases.csv' AND rows_loaded = 150000"
        ),
        1,
        "{}",
        rerun.stdout
    );
}

/// `baove` reading every cases or content file over `part_bytes` in parts of
/// `part_bytes`, as it reads exports over 128 MB in parts of 128 MB, so that small files
/// exercise the parts.
fn baove_in_parts(cwd: &Path, part_bytes: usize, args: &[&str]) -> crate::util::Run {
    command(cwd)
        .env("BAOVE_PART_BYTES", part_bytes.to_string())
        // Step timings say which parts were read.
        .env("BAOVE_TIMINGS", "1")
        .args(args)
        .output()
        .expect("baove runs")
        .into()
}

/// The same cases as Parquet, read whole and in slices of 400 rows (parts of cells: 400
/// rows of the file's columns), load the same store.
fn parquet_in_slices_loads_as_read_whole(dir: &std::path::Path, data: &str) {
    let parquet = dir.join("parquet");
    std::fs::create_dir(&parquet).unwrap();
    for entry in std::fs::read_dir(data).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() && entry.file_name() != "cases.csv" {
            std::fs::copy(entry.path(), parquet.join(entry.file_name())).unwrap();
        }
    }
    let cases_csv = format!("{data}/cases.csv");
    let columns = std::fs::read_to_string(&cases_csv)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .split(',')
        .count();
    duckdb::Connection::open_in_memory()
        .unwrap()
        .execute_batch(&format!(
            "COPY (SELECT * FROM read_csv('{cases_csv}', all_varchar = true, header = true)) \
             TO '{}' (FORMAT parquet, ROW_GROUP_SIZE 1000)",
            parquet.join("cases.parquet").display()
        ))
        .unwrap();
    let parquet = parquet.display().to_string();
    let whole = baove(dir, &["load", "--db", "pq-whole.duckdb", &parquet]);
    assert_eq!(whole.code, 0, "{}", whole.all_output());
    let sliced = command(dir)
        .env("BAOVE_TIMINGS", "1")
        .env("BAOVE_PART_CELLS", (columns * 400).to_string())
        .args(["load", "--db", "pq-parts.duckdb", &parquet])
        .output()
        .unwrap();
    let sliced: crate::util::Run = sliced.into();
    assert_eq!(sliced.code, 0, "{}", sliced.all_output());
    let slices = sliced.stderr.matches("timing: part: read").count();
    assert!((8..=9).contains(&slices), "{slices} slices: {}", sliced.stderr);
    assert_eq!(checksum(dir, "pq-parts.duckdb"), checksum(dir, "pq-whole.duckdb"));
    assert_eq!(
        query_i64(
            &dir.join("pq-parts.duckdb"),
            "SELECT count(*) FROM load_log WHERE file_name = 'cases.parquet' AND rows_loaded = 3000"
        ),
        1
    );
}

#[test]
fn an_export_read_in_parts_loads_exactly_as_one_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let generated = crate::util::generate(
        dir.path(),
        &[
            "--out",
            &data,
            "--seed",
            "7",
            "--cases",
            "3000",
            "--content",
            "600",
        ],
    );
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let whole = baove(dir.path(), &["load", "--db", "whole.duckdb", &data]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    // About 670 KB of cases in parts of 80 KB: nine parts, each a run of whole records.
    // (The 75 KB of content reports fit in one part and are read whole.)
    let parted = baove_in_parts(dir.path(), 80_000, &["load", "--db", "parts.duckdb", &data]);
    assert_eq!(parted.code, 0, "{}", parted.stderr);
    // A strict load judges each part as it writes it: about ten parts, each read once.
    let parts_read = parted.stderr.matches("timing: part: read").count();
    assert!(
        (8..=13).contains(&parts_read),
        "{parts_read} parts read: {}",
        parted.stderr
    );
    assert_eq!(
        parted.stdout.replace("parts.duckdb", "whole.duckdb"),
        whole.stdout
    );
    let whole_checksum = checksum(dir.path(), "whole.duckdb");
    assert_eq!(checksum(dir.path(), "parts.duckdb"), whole_checksum);
    // With quarantine the parts are judged first, then read again to be written.
    let quarantined = baove_in_parts(
        dir.path(),
        80_000,
        &["load", "--quarantine", "--db", "quarantine.duckdb", &data],
    );
    assert_eq!(quarantined.code, 0, "{}", quarantined.stderr);
    let parts_read = quarantined.stderr.matches("timing: part: read").count();
    assert!(
        parts_read >= 16,
        "{parts_read} parts read: {}",
        quarantined.stderr
    );
    assert_eq!(checksum(dir.path(), "quarantine.duckdb"), whole_checksum);
    // Loaded again: its checksum is known only once it is read (and written), so what
    // was written of it is taken out again; nothing changes.
    let again = baove_in_parts(dir.path(), 80_000, &["load", "--db", "parts.duckdb", &data]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("nothing changed"), "{}", again.stdout);
    assert_eq!(checksum(dir.path(), "parts.duckdb"), whole_checksum);

    parquet_in_slices_loads_as_read_whole(dir.path(), &data);
}

#[test]
fn a_file_judged_while_written_and_then_refused_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // 400 rows of about 60 bytes in parts of 4 KB; the bad row is in a late part, so
    // several clean parts were already written when it is found.
    let mut text = format!("{CASES_HEADER}\n");
    for k in 0..400 {
        let received = if k == 350 {
            "2025-13-10 09:00"
        } else {
            "2025-01-10 09:00"
        };
        text.push_str(&format!(
            "W-{k},450,{received},LDTBXH,HOTLINE_111,GROOMING,F,14,,,,,,,,,,,,,,\n"
        ));
    }
    let late_bad = write(dir.path(), "cases_late_bad.csv", &text);

    // Into an existing store: refused, the store as it was.
    assert_eq!(baove(dir.path(), &["load", &sample_data()]).code, 0);
    let before = checksum(dir.path(), "baove.duckdb");
    let run = baove_in_parts(dir.path(), 4_000, &["load", &late_bad]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stderr.contains("row 352, column received_at"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("part: handed to the store"),
        "clean parts were written first: {}",
        run.stderr
    );
    assert_eq!(checksum(dir.path(), "baove.duckdb"), before);

    // As the first load of a new store: refused, and no store is left behind.
    let run = baove_in_parts(dir.path(), 4_000, &["load", "--db", "new.duckdb", &late_bad]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(!dir.path().join("new.duckdb").exists());
    assert!(!dir.path().join("new.duckdb.wal").exists());

    // Beside another refused file: the refusal lists the findings of both, the large
    // file judged although the other one already refused the batch.
    let other = write(
        dir.path(),
        "content_reports_bad.csv",
        "report_id,detected_at,source,platform,content_type,category,emergency,area_code,case_id,takedown_requested_at,removed_at,status\n\
         X-1,2025-01-10 09:00,NOT_A_SOURCE,FACEBOOK,URL,GROOMING,false,,,,,PENDING\n",
    );
    let run = baove_in_parts(dir.path(), 4_000, &["load", &other, &late_bad]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(run.stderr.contains("content_reports_bad.csv"), "{}", run.stderr);
    assert!(
        run.stderr.contains("row 352, column received_at"),
        "{}",
        run.stderr
    );
    assert_eq!(checksum(dir.path(), "baove.duckdb"), before);
}

/// 400 rows of about 60 bytes (in parts of 4 KB: data row k is on line k + 2), each
/// as `change` makes it.
fn four_hundred_rows(change: &dyn Fn(usize, String) -> String) -> String {
    let mut text = format!("{CASES_HEADER}\n");
    for k in 0..400 {
        let line = format!("P-{k},450,2025-01-10 09:00,LDTBXH,HOTLINE_111,GROOMING,F,14,,,,,,,,,,,,,,");
        text.push_str(&change(k, line));
        text.push('\n');
    }
    text
}

/// An id repeated in the same part or in a later one refuses the file (naming every
/// row), or is quarantined, each row once.
fn ids_repeated_in_any_part_are_found(dir: &std::path::Path, before: &str) {
    let rows = four_hundred_rows;
    let duplicate = write(
        dir,
        "cases_duplicate.csv",
        &rows(&|k, line| match k {
            // In a late part, the id of a row of the first part.
            300 => line.replacen("P-300", "P-5", 1),
            // In the same part as the row whose id it repeats.
            11 => line.replacen("P-11", "P-10", 1),
            _ => line,
        }),
    );
    let run = baove_in_parts(dir, 4_000, &["load", &duplicate]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    for said in [
        "cases_duplicate.csv row 7, column case_id",
        "cases_duplicate.csv row 302, column case_id",
        "cases_duplicate.csv row 12, column case_id",
        "cases_duplicate.csv row 13, column case_id",
        "[duplicate-id]",
    ] {
        assert!(run.stderr.contains(said), "{said}: {}", run.stderr);
    }
    assert_eq!(run.stderr.matches("[duplicate-id]").count(), 4, "{}", run.stderr);
    assert_eq!(checksum(dir, "baove.duckdb"), before);
    // Quarantined: the four rows whose ids repeat stay out, each once.
    assert_eq!(
        baove(dir, &["load", "--db", "dup.duckdb", &sample_areas()]).code,
        0
    );
    let run = baove_in_parts(
        dir,
        4_000,
        &["load", "--quarantine", "--db", "dup.duckdb", &duplicate],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(
        run.stdout
            .contains("400 rows read, 396 loaded (0 replaced), 4 quarantined"),
        "{}",
        run.stdout
    );
}

#[test]
fn parts_find_duplicates_identity_and_bad_rows_anywhere_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let rows = four_hundred_rows;
    assert_eq!(baove(dir.path(), &["load", &sample_data()]).code, 0);
    let before = checksum(dir.path(), "baove.duckdb");

    ids_repeated_in_any_part_are_found(dir.path(), &before);

    let phone = write(
        dir.path(),
        "cases_phone.csv",
        &rows(&|k, line| {
            if k == 380 {
                line.replace("HOTLINE_111", "0912345678")
            } else {
                line
            }
        }),
    );
    let run = baove_in_parts(dir.path(), 4_000, &["load", "--quarantine", &phone]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(run.stderr.contains("row 382, column channel"), "{}", run.stderr);
    assert!(run.stderr.contains("phone number"), "{}", run.stderr);
    assert!(!run.all_output().contains("0912345678"));
    assert_eq!(checksum(dir.path(), "baove.duckdb"), before);

    let bad_date = write(
        dir.path(),
        "cases_bad_date_late.csv",
        &rows(&|k, line| {
            if k == 250 {
                line.replace("2025-01-10", "2025-13-10")
            } else {
                line
            }
        }),
    );
    let run = baove_in_parts(dir.path(), 4_000, &["load", "--quarantine", &bad_date]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(
        run.stdout
            .contains("400 rows read, 399 loaded (0 replaced), 1 quarantined"),
        "{}",
        run.stdout
    );
    let db = dir.path().join("baove.duckdb");
    assert_eq!(
        query_string(
            &db,
            "SELECT location FROM quarantine WHERE file_name = 'cases_bad_date_late.csv'"
        )
        .unwrap(),
        "row 252"
    );
    assert_eq!(
        query_i64(&db, "SELECT count(*) FROM cases WHERE case_id LIKE 'P-%'"),
        399
    );
}
