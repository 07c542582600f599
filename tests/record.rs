//! The record of processing (`baove privacy-record`): every load, refusal and output of
//! a session, the refusals counted by rule, and never a value of a refused file.

use std::collections::BTreeSet;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::util::{baove, checksum, query_i64, sample_data};

/// Every cell of every sheet, as text.
fn cells(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
    let names = workbook.sheet_names().to_vec();
    names
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Empty => String::new(),
                            Data::Float(f) => format!("{f}"),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

fn sheet<'a>(all: &'a [(String, Vec<Vec<String>>)], name: &str) -> &'a [Vec<String>] {
    &all.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
        .1
}

/// The files a command that writes several says it wrote: its indented lines that name
/// a file.
fn written(here: &Path, stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .map(|l| l.trim().to_string())
        .filter(|l| here.join(l).is_file())
        .collect()
}

#[test]
fn the_record_lists_every_load_refusal_and_output_and_no_refused_value() {
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path();
    let run = baove(here, &["load", &sample_data()]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let data_before = checksum(here, "baove.duckdb");

    // A refused export: a phone number and a grouped identity number in its cells.
    let planted = ["0912345678", "079 203 001 234"];
    load_refused_export(here, &planted);
    // The refusal is logged beside the data, which stays as it was.
    assert_eq!(checksum(here, "baove.duckdb"), data_before);

    let outputs = write_every_output(here);
    assert!(outputs.len() > 10, "{outputs:?}");
    assert_eq!(checksum(here, "baove.duckdb"), data_before);

    let run = baove(here, &["privacy-record", "--out", "record.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let run = baove(
        here,
        &["privacy-record", "--lang", "en", "--out", "record-en.xlsx"],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());

    let vi = cells(&here.join("record.xlsx"));
    let en = cells(&here.join("record-en.xlsx"));

    // Every load: one line per file of the load log.
    let db = here.join("baove.duckdb");
    let loaded = query_i64(&db, "SELECT count(*) FROM load_log");
    assert!(loaded >= 5);
    for (all, name, file_column) in [(&vi, "Lần nạp", 2), (&en, "Loads", 2)] {
        let rows = &sheet(all, name)[3..];
        assert_eq!(rows.len() as i64, loaded, "{name}");
        for file in ["cases.csv", "content_reports.csv", "areas.csv"] {
            assert!(
                rows.iter().any(|r| r[file_column].ends_with(file)),
                "{name} lacks {file}"
            );
        }
    }

    // The refusal: its file, counted by rule, flagged as identifying.
    let refusals = &sheet(&en, "Refusals")[3..];
    let identity = refusals
        .iter()
        .find(|r| r[6] == "identifying-value")
        .unwrap_or_else(|| panic!("{refusals:?}"));
    assert!(identity[2].ends_with("cases_refused.csv"));
    assert_eq!(identity[7], "2");
    assert_eq!(identity[8], "Yes");
    assert_eq!(identity[5], "2", "rows read");

    every_output_is_logged_once(&en, &outputs);
    no_planted_value_in_any_spelling(vi.iter().chain(en.iter()), &planted);
}

/// Loads an export of two sample rows with `planted` in a cell each: refused.
fn load_refused_export(here: &Path, planted: &[&str]) {
    let sample = std::fs::read_to_string(Path::new(&sample_data()).join("cases.csv")).unwrap();
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let mut refused_csv = format!("{header}\n");
    for (line, value) in lines.take(2).zip(planted) {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        cells[0] = format!("{}-X", cells[0]);
        cells[8] = value.to_string();
        refused_csv.push_str(&cells.join(","));
        refused_csv.push('\n');
    }
    std::fs::write(here.join("cases_refused.csv"), refused_csv).unwrap();
    let refused = baove(here, &["load", "cases_refused.csv"]);
    assert_ne!(refused.code, 0, "{}", refused.all_output());
    assert!(refused.stderr.contains("identifying-value"), "{}", refused.stderr);
}

/// A report, a dashboard, an indicator table and a comparison: the files written.
fn write_every_output(here: &Path) -> Vec<String> {
    let mut outputs: Vec<String> = Vec::new();
    for args in [
        &[
            "report",
            "--template",
            "quarterly",
            "--period",
            "2025Q3",
            "--out",
            "rep",
        ][..],
        &[
            "dashboard",
            "--period",
            "2025Q3",
            "--lang",
            "en",
            "--out",
            "dash.html",
        ],
        &[
            "indicators",
            "--period",
            "2025",
            "--audience",
            "internal",
            "--out",
            "ind.parquet",
        ],
        &["compare", "--period", "2025Q3", "--out", "cmp"],
    ] {
        let run = baove(here, args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.all_output());
        match args[0] {
            "report" | "compare" => outputs.extend(written(here, &run.stdout)),
            _ => outputs.push(args[args.len() - 1].to_string()),
        }
    }
    outputs
}

/// Every output of `outputs` in the English record's outputs sheet, each once, with its
/// audience and period.
fn every_output_is_logged_once(en: &[(String, Vec<Vec<String>>)], outputs: &[String]) {
    let logged: Vec<&Vec<String>> = sheet(en, "Outputs")[3..].iter().collect();
    let logged_files: BTreeSet<&str> = logged.iter().map(|r| r[2].as_str()).collect();
    for file in outputs {
        assert!(
            logged_files.contains(file.as_str()),
            "{file} not logged: {logged_files:?}"
        );
    }
    // The English record was written after the Vietnamese one, which it lists.
    assert_eq!(logged.len(), outputs.len() + 1, "{logged:?}");
    assert!(logged_files.contains("record.xlsx"));
    let parquet = logged.iter().find(|r| r[2] == "ind.parquet").unwrap();
    assert_eq!((parquet[3].as_str(), parquet[4].as_str()), ("Internal", "2025"));
    assert!(logged
        .iter()
        .filter(|r| r[1] == "report quarterly")
        .all(|r| r[3] == "Public"));
}

/// No planted value in any cell of `sheets`, in any spelling.
fn no_planted_value_in_any_spelling<'a>(
    sheets: impl Iterator<Item = &'a (String, Vec<Vec<String>>)>,
    planted: &[&str],
) {
    for (name, rows) in sheets {
        for row in rows {
            for cell in row {
                let digits: String = cell.chars().filter(char::is_ascii_digit).collect();
                for value in planted.iter().copied() {
                    let value_digits: String = value.chars().filter(char::is_ascii_digit).collect();
                    // A short cell holding the digits is the value in another
                    // spelling; a checksum (64 characters) may hold any digits.
                    let leaks = cell.contains(value) || (cell.len() < 40 && digits.contains(&value_digits));
                    assert!(!leaks, "{name}: {cell}");
                }
            }
        }
    }
}

#[test]
fn a_record_before_any_refusal_or_output_has_empty_logs_and_marks_the_fields_to_fill() {
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path();
    assert_eq!(baove(here, &["load", &sample_data()]).code, 0);
    let run = baove(here, &["privacy-record", "--lang", "en", "--out", "r.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let en = cells(&here.join("r.xlsx"));
    assert_eq!(sheet(&en, "Refusals").len(), 3, "title, blank, header only");
    assert_eq!(sheet(&en, "Outputs").len(), 3);
    let record = sheet(&en, "Record");
    let controller = record.iter().find(|r| r[0] == "Controller").unwrap();
    assert_eq!(controller[1], "(to be filled in by the office)");
    // The office's own fields replace the draft.
    std::fs::write(
        here.join("fields.toml"),
        "[[field]]\nkey = \"controller\"\nlabel_vi = \"Bên kiểm soát\"\nlabel_en = \"Controller\"\nvi = \"Văn phòng\"\nen = \"The programme office\"\n",
    )
    .unwrap();
    let run = baove(
        here,
        &[
            "privacy-record",
            "--lang",
            "en",
            "--fields",
            "fields.toml",
            "--out",
            "r2.xlsx",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let en = cells(&here.join("r2.xlsx"));
    let controller = sheet(&en, "Record")
        .iter()
        .find(|r| r[0] == "Controller")
        .unwrap()
        .clone();
    assert_eq!(controller[1], "The programme office");
    // Holdings: the sample's cases with their date range, for a retention decision.
    let cases = sheet(&en, "Holdings")
        .iter()
        .find(|r| r[0] == "Cases")
        .unwrap()
        .clone();
    assert_eq!(
        cases[1],
        query_i64(&here.join("baove.duckdb"), "SELECT count(*) FROM cases").to_string()
    );
    assert!(cases[2].starts_with("2023-") && !cases[4].is_empty(), "{cases:?}");
}
