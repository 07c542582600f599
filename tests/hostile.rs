//! A hostile corpus (issue 31), generated here, synthetic: identity in the spellings real
//! exports use, look-alikes that must load, files built to exhaust or hang the reader,
//! outputs read back as a spreadsheet would, an interrupted report, a catalog that
//! writes. Each class failed before its fix (see the commits of issue 31).

use std::path::Path;

use crate::util::{baove, command, files_of, repo, sample_areas};

/// The header and first row of the sample cases: a valid row to put values into.
fn sample_row() -> (String, String) {
    let text = std::fs::read_to_string(repo().join("sample-data/cases.csv")).unwrap();
    let mut lines = text.lines();
    (
        lines.next().unwrap().to_string(),
        lines.next().unwrap().to_string(),
    )
}

/// A cases file of the sample row with `column` set to `value` (a second row keeps a
/// clean value), and `header` renamed if given.
fn cases_with(dir: &Path, name: &str, column: &str, value: &str, header: Option<&str>) -> String {
    let (head, row) = sample_row();
    let names: Vec<&str> = head.split(',').collect();
    let at = names.iter().position(|n| *n == column).unwrap();
    let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
    cells[at] = format!("\"{}\"", value.replace('"', "\"\""));
    let mut second: Vec<String> = row.split(',').map(str::to_string).collect();
    second[0] = "QB-2023-0000099".into();
    let mut head_cells: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    if let Some(h) = header {
        head_cells.push(format!("\"{h}\""));
        cells.push("x".into());
        second.push("y".into());
    }
    let text = format!(
        "{}\n{}\n{}\n",
        head_cells.join(","),
        cells.join(","),
        second.join(",")
    );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The digits of a value, for checking that no output holds them.
fn digits(value: &str) -> String {
    value
        .chars()
        .filter_map(|c| {
            c.to_digit(10)
                .or_else(|| ('０'..='９').contains(&c).then(|| c as u32 - '０' as u32))
        })
        .map(|d| char::from_digit(d, 10).unwrap())
        .collect()
}

#[test]
fn identity_in_every_spelling_is_refused_naming_row_and_column_and_echoing_nothing() {
    let values = [
        ("case_id", "079203-001234"),
        ("case_id", "0084912345678"),
        ("platform", "0912\u{a0}345\u{a0}678"),
        ("platform", "0912\u{202f}345\u{202f}678"),
        ("platform", "0912\t345\t678"),
        ("platform", "0912\u{2013}345\u{2013}678"),
        ("platform", "+84 0912 345 678"),
        ("platform", "+84-(0)-912-345-678"),
        ("platform", "０９１２３４５６７８"),
        ("platform", "0912\u{200b}345678"),
        ("platform", "079203 001234"),
        ("platform", "079 203 001234"),
        ("platform", "123 456789"),
        ("platform", "be.an@trường.edu.vn"),
        ("channel", "tel 0987.654.321"),
        ("platform", "01683 456 789"),
        ("platform", "+84 168 345 6789"),
        ("platform", "(024) 38261234"),
        ("platform", "0236.3822.123"),
        ("platform", "tel:+84912345678"),
        ("platform", "SĐT: 0912345678"),
        ("platform", "0 9 1 2 3 4 5 6 7 8"),
        (
            "platform",
            "\u{660}\u{669}\u{661}\u{662}\u{663}\u{664}\u{665}\u{666}\u{667}\u{668}",
        ),
        ("platform", "CCCD: 079203001234"),
        ("platform", "079.203.001.234"),
        ("platform", "a\u{ff20}gmail.com"),
        ("report_id_like", "ID 0912345678"),
        ("case_id", "+84-912-345-678"),
        ("platform", "84-912-345-678"),
        ("platform", "(+84)912.345.678"),
        ("platform", "00 84 912 345 678"),
        ("platform", "0356789012"),
        ("platform", "0789 012 345"),
        ("platform", "+84 28 3822 1234"),
        ("platform", "212 345 678"),
        ("platform", "CMND 212345678"),
        ("platform", "0912\u{2011}345\u{2011}678"),
        ("platform", "0912\u{2212}345\u{2212}678"),
        ("platform", "\u{200e}0912345678"),
        ("platform", "0912\u{ad}345678"),
        ("platform", "+８４９１２３４５６７８"),
        ("platform", "079\u{a0}203\u{a0}001\u{a0}234"),
        ("platform", "mailto:a@b.vn"),
        ("platform", "a@xn--trng-xwa.edu.vn"),
        ("platform", "SĐT/Zalo: 0912345678"),
        ("platform", "09 12 34 56 78"),
    ];
    for (i, (column, value)) in values.iter().enumerate() {
        let column = if *column == "report_id_like" {
            "case_id"
        } else {
            column
        };
        let dir = tempfile::tempdir().unwrap();
        let file = cases_with(dir.path(), &format!("cases_{i}.csv"), column, value, None);
        let run = baove(dir.path(), &["load", &sample_areas(), &file]);
        assert_eq!(run.code, 1, "{value:?} was not refused: {}", run.all_output());
        assert!(
            run.stderr.contains("row 2, column") && run.stderr.contains("[identifying-value]"),
            "{value:?}: {}",
            run.stderr
        );
        let number = digits(value);
        let output = run.all_output();
        assert!(!output.contains(value), "{value:?} echoed");
        assert!(
            number.len() < 6 || !output.contains(&number[3..]),
            "{value:?} echoed"
        );
        assert!(
            !dir.path().join("baove.duckdb").exists(),
            "{value:?}: a store was made"
        );
    }
}

#[test]
fn identity_headers_as_databases_write_them_are_refused_and_never_printed() {
    let headers = [
        "HoTen",
        "SoDienThoai",
        "NgaySinh",
        "DiaChi",
        "TenTruong",
        "phoneNumber",
        "childName",
        "Họ\u{200b}tên",
        "so\u{ad}dien\u{ad}thoai",
        "\u{41d}o ten",
        "ｐｈｏｎｅ",
        "Tên trẻ: Nguyễn Văn Bình",
        "ma_hoc_sinh",
        "link_facebook",
        "so_zalo",
        "so_dt",
        "contact",
        "id_number",
        "SĐT",
        "Sdt_me",
        "CMND/CCCD",
        "HoVaTen",
        "NgaySinhCuaTre",
    ];
    for (i, header) in headers.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let file = cases_with(
            dir.path(),
            &format!("cases_{i}.csv"),
            "platform",
            "ZALO",
            Some(header),
        );
        let run = baove(dir.path(), &["validate", &file]);
        assert_eq!(run.code, 1, "{header:?} passed: {}", run.all_output());
        assert!(
            run.stderr.contains("[identifying-column]"),
            "{header:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("column #24"), "{header:?}: {}", run.stderr);
        assert!(!run.all_output().contains("Bình"), "{header:?} echoed");
    }
}

#[test]
fn look_alikes_of_identity_are_not_taken_for_it() {
    // Dates, times, amounts and codes in a free column: none is a phone or identity
    // number (the platform column refuses them as unknown codes, by their own rule).
    for (column, value) in [
        ("platform", "08.01.2025 12:34"),
        ("platform", "2025-03-15 10:00:00"),
        ("platform", "2025-03-15T10:00:00"),
        ("platform", "15/03/2025"),
        ("platform", "20250315"),
        ("platform", "12:34:56"),
        ("platform", "1.000.000"),
        ("platform", "12000000"),
        ("platform", "100000000"),
        ("platform", "2.500.000.000"),
        ("platform", "1.234.567,89"),
        ("platform", "12.000.000 đ"),
        ("platform", "QB-2025-0001234"),
        ("platform", "2025Q1"),
        ("case_id", "LDTBXH-2025-0001234"),
        ("case_id", "CA-2025-000123456"),
        ("case_id", "HS-20250315-001"),
        ("case_id", "QT-45-2025-12345"),
        ("platform", "15/3/2025 9:05"),
        ("platform", "3/15/2025 10:00 AM"),
        ("platform", "2025-03-15 10:00:00+07:00"),
        ("platform", "15/03/2025 10:00:00 SA"),
        ("platform", "20250315100000"),
        ("platform", "1.000.000 VNĐ"),
        ("platform", "1900 1567"),
        ("platform", "111"),
        ("case_id", "QB/2025/001234"),
        ("case_id", "LDTBXH-2025-123456789"),
        ("case_id", "2025-0001234"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = cases_with(dir.path(), "cases_look_alike.csv", column, value, None);
        let run = baove(dir.path(), &["validate", &file]);
        assert!(
            !run.all_output().contains("[identifying-value]"),
            "{value:?} taken for identity: {}",
            run.all_output()
        );
    }
}

#[test]
fn headers_that_name_no_person_are_not_taken_for_identity() {
    for header in [
        "ten_don_vi",
        "ghi_chu",
        "truong_hop",
        "moi_truong_mang",
        "ten_nen_tang",
        "ma_vu_viec",
        "platform_url_count",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = cases_with(dir.path(), "cases_header.csv", "platform", "ZALO", Some(header));
        let run = baove(dir.path(), &["validate", &file]);
        assert!(
            !run.all_output().contains("[identifying-column]"),
            "{header:?}: {}",
            run.all_output()
        );
    }
}

#[test]
fn an_xlsx_holding_identity_anywhere_is_refused() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let (head, row) = sample_row();
    let write_cases = |sheet: &mut rust_xlsxwriter::Worksheet| {
        for (r, line) in [head.as_str(), row.as_str()].iter().enumerate() {
            for (c, cell) in line.split(',').enumerate() {
                sheet.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
    };
    // A CCCD typed as a number with a 12-digit format, on a very hidden second sheet.
    let hidden = dir.path().join("cases_hidden.xlsx");
    let mut workbook = Workbook::new();
    write_cases(workbook.add_worksheet());
    let other = workbook.add_worksheet();
    other
        .write_number_with_format(
            0,
            0,
            79_203_001_234.0,
            &Format::new().set_num_format("000000000000"),
        )
        .unwrap();
    other.set_very_hidden(true);
    workbook.save(&hidden).unwrap();
    // A formula the file gives no value for: not data.
    let formula = dir.path().join("cases_formula.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_cases(sheet);
    sheet.write_formula(1, 8, "=CONCATENATE(\"ZA\",\"LO\")").unwrap();
    workbook.save(&formula).unwrap();
    // Identity beside the cells: a note, a mailto link, the document's author.
    let noted = dir.path().join("cases_noted.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_cases(sheet);
    sheet
        .insert_note(1, 0, &rust_xlsxwriter::Note::new("SĐT mẹ 0912 345 678"))
        .unwrap();
    workbook.save(&noted).unwrap();
    let mailto = dir.path().join("cases_mailto.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_cases(sheet);
    sheet
        .write_url(
            5,
            0,
            rust_xlsxwriter::Url::new("mailto:be.an@example.vn").set_text("x"),
        )
        .unwrap();
    workbook.save(&mailto).unwrap();
    let authored = dir.path().join("cases_authored.xlsx");
    let mut workbook = Workbook::new();
    write_cases(workbook.add_worksheet());
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_author("be.an@example.vn"));
    workbook.save(&authored).unwrap();
    // A page header naming a CCCD, and a chart titled with a phone number.
    let headed = dir.path().join("cases_headed.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_cases(sheet);
    sheet.set_header("&CCCCD 079203001234");
    workbook.save(&headed).unwrap();
    let charted = dir.path().join("cases_charted.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_cases(sheet);
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
    chart.add_series().set_values(("Sheet1", 1, 7, 1, 7));
    chart.title().set_name("SĐT 0912 345 678");
    sheet.insert_chart(5, 5, &chart).unwrap();
    workbook.save(&charted).unwrap();
    for (path, rule) in [
        (
            &headed,
            "a page header or footer that looks like identifying data",
        ),
        (
            &charted,
            "a drawing or chart text that looks like identifying data",
        ),
        (&hidden, "[identifying-value]"),
        (&formula, "formula"),
        (&noted, "a comment that looks like identifying data"),
        (&mailto, "identifying"),
        (&authored, "a document property that looks like identifying data"),
    ] {
        let run = baove(dir.path(), &["validate", &path.display().to_string()]);
        assert_eq!(run.code, 1, "{}", run.all_output());
        assert!(run.stderr.contains(rule), "{}", run.stderr);
        assert!(!run.all_output().contains("79203001234"));
    }
}

/// A Parquet file of a flat column and one nested `depth` deep, written by hand (footer
/// only: no row group) as a file of a few KB.
fn nested_parquet(path: &Path, depth: usize) {
    footer_only_parquet(path, depth, 0);
}

/// A Parquet file of a footer only: a flat column, one nested `depth` deep, and
/// `declared_rows` claimed in the file's metadata and one row group's.
fn footer_only_parquet(path: &Path, depth: usize, declared_rows: i64) {
    use polars_parquet_format::thrift::protocol::TCompactOutputProtocol;
    use polars_parquet_format::{FieldRepetitionType, FileMetaData, SchemaElement, Type};
    let element = |name: &str, children: Option<i32>, ty: Option<Type>| SchemaElement {
        type_: ty,
        type_length: None,
        repetition_type: Some(FieldRepetitionType::OPTIONAL),
        name: name.into(),
        num_children: children,
        converted_type: None,
        scale: None,
        precision: None,
        field_id: None,
        logical_type: None,
    };
    let mut schema = vec![
        element("schema", Some(2), None),
        element("case_id", None, Some(Type::BYTE_ARRAY)),
    ];
    for _ in 0..depth {
        schema.push(element("f", Some(1), None));
    }
    schema.push(element("leaf", None, Some(Type::INT32)));
    let row_groups = if declared_rows > 0 {
        vec![polars_parquet_format::RowGroup {
            columns: Vec::new(),
            total_byte_size: 0,
            num_rows: declared_rows,
            sorting_columns: None,
            file_offset: None,
            total_compressed_size: None,
            ordinal: None,
        }]
    } else {
        Vec::new()
    };
    let metadata = FileMetaData {
        version: 1,
        schema,
        num_rows: declared_rows,
        row_groups,
        key_value_metadata: None,
        created_by: None,
        column_orders: None,
        encryption_algorithm: None,
        footer_signing_key_metadata: None,
    };
    let mut footer = Vec::new();
    let mut protocol = TCompactOutputProtocol::new(&mut footer);
    metadata.write_to_out_protocol(&mut protocol).unwrap();
    let mut bytes = b"PAR1".to_vec();
    bytes.extend_from_slice(&footer);
    bytes.extend_from_slice(&(footer.len() as u32).to_le_bytes());
    bytes.extend_from_slice(b"PAR1");
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_parquet_column_nested_a_thousand_deep_is_refused_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases_nested.parquet");
    nested_parquet(&path, 1_000);
    assert!(std::fs::metadata(&path).unwrap().len() < 20_000);
    let run = baove(dir.path(), &["validate", &path.display().to_string()]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(run.stderr.contains("[parquet-nested]"), "{}", run.stderr);
}

#[test]
fn a_parquet_footer_declaring_more_rows_than_any_export_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases_claims.parquet");
    footer_only_parquet(&path, 0, 1_000_000_000_000_000);
    let run = baove(dir.path(), &["validate", &path.display().to_string()]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(run.stderr.contains("[parquet-too-large]"), "{}", run.stderr);
}

#[test]
fn special_files_are_refused_before_any_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("cases_fifo.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let zero = dir.path().join("cases_zero.csv");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    for path in [&fifo, &zero] {
        let mut child = command(dir.path())
            .args(["load", &path.display().to_string()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // A hang is the failure: a refusal takes well under a second.
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > std::time::Duration::from_secs(60) {
                child.kill().unwrap();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let status = status.unwrap_or_else(|| panic!("{} hung the load", path.display()));
        // A usage error (2): the path names no file to read.
        assert_eq!(status.code(), Some(2), "{}", path.display());
        let mut said = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut said).unwrap();
        assert!(said.contains("not a regular file"), "{said}");
        assert!(!dir.path().join("baove.duckdb").exists());
    }
}

#[test]
fn an_unterminated_quote_does_not_defeat_the_bound_of_reading_in_parts() {
    let dir = tempfile::tempdir().unwrap();
    let (head, row) = sample_row();
    let mut text = format!("{head}\n");
    for i in 0..2_000 {
        text.push_str(&row.replacen("QB-2023-0000001", &format!("QB-2023-{i:07}"), 1));
        text.push('\n');
    }
    // A quote opened and never closed, then 17 MB: one record longer than any export's.
    text.push_str("\"QB-open,");
    text.push_str(&"a".repeat(17 << 20));
    let path = dir.path().join("cases_open_quote.csv");
    std::fs::write(&path, text).unwrap();
    let run = command(dir.path())
        .env("BAOVE_PART_BYTES", "100000")
        .args(["validate", &path.display().to_string()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cases_open_quote.csv"), "{stderr}");
}

#[test]
fn findings_beyond_the_cap_are_counted_and_memory_does_not_follow_them() {
    let dir = tempfile::tempdir().unwrap();
    let (head, _) = sample_row();
    let columns = head.split(',').count();
    let mut text = format!("{head}\n");
    let rows = 3_000;
    for i in 0..rows {
        let mut cells = vec!["x".to_string(); columns];
        cells[0] = format!("QB-{i:07}");
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    let path = dir.path().join("cases_all_bad.csv");
    std::fs::write(&path, text).unwrap();
    let findings = dir.path().join("findings.csv");
    let run = baove(
        dir.path(),
        &[
            "validate",
            &path.display().to_string(),
            "--findings",
            &findings.display().to_string(),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(
        run.stdout.contains(&format!("{rows} invalid rows")),
        "{}",
        run.stdout
    );
    // Every area code is wrong: 3,000 findings of that rule, 200 kept, the rest counted.
    let mut reader = csv::Reader::from_path(&findings).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let area_rows = records.iter().filter(|r| &r[2] == "area_code").count();
    assert_eq!(
        area_rows,
        baove::findings::KEPT_PER_RULE,
        "kept findings of area_code"
    );
    assert!(
        records
            .iter()
            .any(|r| r[2].is_empty() && r[4].contains("more findings of this rule")),
        "the counted findings are said"
    );
    let total: usize = run
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("error: ")?.split(' ').next()?.parse().ok())
        .unwrap();
    assert!(total >= rows * 10, "{total} problems counted");
    // With --quarantine, every row is kept out with its reasons, cap or not.
    let run = baove(
        dir.path(),
        &[
            "load",
            "--quarantine",
            &sample_areas(),
            &path.display().to_string(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let db = dir.path().join("baove.duckdb");
    assert_eq!(
        crate::util::query_i64(
            &db,
            "SELECT count(*) FROM quarantine WHERE problems LIKE '%area_code%'"
        ),
        rows as i64
    );
}

/// A file of short cells costs polars far more held than on disk, so a part is bounded
/// by its cells as well as its bytes: the 69,000 cells here in parts of 23,000 (the
/// default is about 2 million), the first a sixteenth of that (62 rows, then 1,000,
/// 1,000 and 938), are judged in four parts (and the read that finds the end), with the
/// findings of the whole read.
#[test]
fn a_file_of_short_cells_is_read_in_parts_bounded_by_cells_with_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let (head, _) = sample_row();
    let columns = head.split(',').count();
    let mut text = format!("{head}\n");
    for i in 0..3_000 {
        let mut cells = vec!["x".to_string(); columns];
        cells[0] = format!("QB-{i:07}");
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    let path = dir.path().join("cases_short_cells.csv");
    std::fs::write(&path, text).unwrap();
    let validate = |cells: &str| -> crate::util::Run {
        command(dir.path())
            .env("BAOVE_TIMINGS", "1")
            .env("BAOVE_PART_CELLS", cells)
            .args(["validate", &path.display().to_string()])
            .output()
            .unwrap()
            .into()
    };
    let whole = validate(&(columns * 4_000).to_string());
    let parted = validate(&(columns * 1_000).to_string());
    assert_eq!(whole.code, 1, "{}", whole.all_output());
    assert_eq!(parted.code, 1, "{}", parted.all_output());
    assert_eq!(
        whole.stderr.matches("timing: part: read").count(),
        0,
        "{}",
        whole.stderr
    );
    let parts = parted.stderr.matches("timing: part: read").count();
    assert!((4..=5).contains(&parts), "{parts} parts: {}", parted.stderr);
    assert_eq!(parted.stdout, whole.stdout);
    let errors = |run: &crate::util::Run| -> Vec<String> {
        run.stderr
            .lines()
            .filter(|l| !l.starts_with("timing"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(errors(&parted), errors(&whole));
}

/// A reference file is read whole, so one of more cells than a table read whole may
/// hold is refused before it is parsed (areas of one-letter cells, 2.4 million of them
/// in 5 MB, would take some 120 MB held).
#[test]
fn a_reference_file_of_more_cells_than_one_part_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("area_code,name,level,parent_code,valid_from,valid_to\n");
    while text.len() < 5_000_000 {
        text.push_str("a,b,c,d,e,f\n");
    }
    let path = dir.path().join("areas.csv");
    std::fs::write(&path, text).unwrap();
    let run = baove(dir.path(), &["load", &path.display().to_string()]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(run.stderr.contains("[too-large]"), "{}", run.stderr);
    assert!(!dir.path().join("baove.duckdb").exists());
}

#[test]
fn every_csv_written_reads_back_whole_and_no_cell_is_a_live_formula() {
    let dir = tempfile::tempdir().unwrap();
    // A district whose code is a formula holding a comma: the tidy table carries codes.
    let mut areas = std::fs::read_to_string(sample_areas()).unwrap();
    areas.push_str("\"=1+2,3\",Giả lập (synthetic),DISTRICT,44,,2025-06-30\n");
    std::fs::write(dir.path().join("areas.csv"), areas).unwrap();
    for file in [
        "cases.csv",
        "content_reports.csv",
        "population.csv",
        "holidays.csv",
        "crosswalk.csv",
    ] {
        std::fs::copy(repo().join("sample-data").join(file), dir.path().join(file)).unwrap();
    }
    let run = baove(
        dir.path(),
        &[
            "load",
            "areas.csv",
            "cases.csv",
            "content_reports.csv",
            "population.csv",
            "holidays.csv",
            "crosswalk.csv",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let run = baove(
        dir.path(),
        &["indicators", "--period", "2025Q1", "--out", "tidy.csv"],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let mut reader = csv::Reader::from_path(dir.path().join("tidy.csv")).unwrap();
    let width = reader.headers().unwrap().len();
    let mut cells = 0;
    for record in reader.records() {
        let record = record.unwrap();
        assert_eq!(record.len(), width, "a row split: {record:?}");
        for cell in record.iter() {
            cells += 1;
            let live = cell.starts_with(['=', '+', '@', '\t', '\r'])
                || (cell.starts_with('-') && cell.parse::<f64>().is_err());
            assert!(!live, "a live cell: {cell:?}");
        }
    }
    assert!(cells > 1_000);
    let tidy = std::fs::read_to_string(dir.path().join("tidy.csv")).unwrap();
    assert!(
        tidy.contains("\"'=1+2,3\""),
        "the code is kept whole, neutralised"
    );
    // The findings an agency opens: a file named like a formula, with a bad area code.
    let (head, row) = sample_row();
    std::fs::write(
        dir.path().join("=1+2.csv"),
        format!("{head}\n{}\n", row.replacen(",455,", ",999,", 1)),
    )
    .unwrap();
    let run = baove(
        dir.path(),
        &[
            "validate",
            "--kind",
            "cases",
            "=1+2.csv",
            "--findings",
            "findings.csv",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all_output());
    let findings = std::fs::read_to_string(dir.path().join("findings.csv")).unwrap();
    assert!(findings.contains("'=1+2.csv"), "{findings}");
    // As an analyst reads them: pandas finds every row at the file's width.
    for csv in ["tidy.csv", "findings.csv"] {
        let mut reader = csv::Reader::from_path(dir.path().join(csv)).unwrap();
        let width = reader.headers().unwrap().len();
        let rows = reader.records().count();
        if let Some(shape) = pandas_shape(&dir.path().join(csv)) {
            assert_eq!(shape, (rows, width), "{csv}");
        }
    }
    // As a reader opens them: LibreOffice, told to evaluate formulas, makes none.
    if crate::report::have_libreoffice() {
        for csv in ["tidy.csv", "findings.csv"] {
            assert_eq!(live_formulas_in_libreoffice(dir.path(), csv), 0, "{csv}");
        }
        // The attack it stands for: the same cell written raw is a formula there.
        std::fs::write(dir.path().join("raw.csv"), "a,b\n=1+2,x\n").unwrap();
        assert_eq!(live_formulas_in_libreoffice(dir.path(), "raw.csv"), 1);
    }
}

/// The (rows, columns) pandas reads from a CSV file, when Python and pandas are here.
fn pandas_shape(csv: &Path) -> Option<(usize, usize)> {
    let script = "import sys, pandas\n\
                  df = pandas.read_csv(sys.argv[1], dtype=str, keep_default_na=False)\n\
                  print(df.shape[0], df.shape[1])";
    let run = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(csv)
        .output()
        .ok()?;
    if !run.status.success() {
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains("No module named"), "pandas failed: {stderr}");
        eprintln!("skipped: pandas not installed");
        return None;
    }
    let text = String::from_utf8(run.stdout).unwrap();
    let mut numbers = text.split_whitespace().map(|n| n.parse().unwrap());
    Some((numbers.next().unwrap(), numbers.next().unwrap()))
}

/// The cells LibreOffice makes formulas of when it opens a CSV file with formula
/// evaluation on (its CSV filter's thirteenth option), counted in the workbook it saves.
fn live_formulas_in_libreoffice(dir: &Path, csv: &str) -> usize {
    let out = dir.join("lo-out");
    let run = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("lo-profile").display()
        ))
        .args([
            "--headless",
            "--infilter=CSV:44,34,76,1,,0,false,true,false,false,false,-1,true",
        ])
        .args(["--convert-to", "xlsx", "--outdir"])
        .arg(&out)
        .arg(dir.join(csv))
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let xlsx = out.join(Path::new(csv).with_extension("xlsx"));
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
    let mut formulas = 0;
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        if part.name().unwrap().starts_with("xl/worksheets/") {
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut part, &mut xml).unwrap();
            formulas += xml.matches("<f ").count() + xml.matches("<f>").count();
        }
    }
    formulas
}

#[test]
fn a_report_killed_at_any_moment_leaves_the_old_report_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = crate::util::sample_data();
    let report = |lang: &str| {
        let mut c = command(dir.path());
        c.env("SOURCE_DATE_EPOCH", "1767225600")
            .args([
                "report",
                "--template",
                "quarterly",
                "--period",
                "2025Q1",
                "--input",
                &data,
            ])
            .args(["--out", "out", "--force", "--lang", lang])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    assert!(report("en").status().unwrap().success());
    let new = files_of(&dir.path().join("out"));
    assert!(report("vi").status().unwrap().success());
    let old = files_of(&dir.path().join("out"));
    assert_ne!(old, new);
    let mut killed = 0;
    for delay_ms in [50, 200, 400, 700, 1_000, 1_500, 2_500, 4_000] {
        // Back to the old report, then the new one interrupted.
        assert!(report("vi").status().unwrap().success());
        let mut child = report("en").spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let now = files_of(&dir.path().join("out"));
        assert!(
            now == old || now == new,
            "after {delay_ms} ms: a mix of the two reports"
        );
        // Nothing of the interrupted run is left beside the target but its staging
        // folder, which the next run removes.
    }
    assert!(killed >= 3, "the runs ended before they could be interrupted");
}

/// A catalog folder: the repository's, with one indicator's query replaced.
fn catalog_with(dir: &Path, indicator: &str, query: &str) -> std::path::PathBuf {
    let catalog = dir.join("catalog");
    for sub in [
        "queries/indicators",
        "report-templates",
        "report-templates/document",
    ] {
        std::fs::create_dir_all(catalog.join(sub)).unwrap();
        for entry in std::fs::read_dir(repo().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, catalog.join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    let file = catalog.join(format!("queries/indicators/{indicator}.sql"));
    let text = std::fs::read_to_string(&file).unwrap();
    let header: String = text
        .lines()
        .filter(|l| l.starts_with("--"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&file, format!("{header}{query}\n")).unwrap();
    catalog
}

#[test]
fn a_catalog_query_that_writes_or_reads_files_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.csv");
    std::fs::write(&secret, "a\n1\n").unwrap();
    let copied = dir.path().join("copied.csv");
    let cohort = "SELECT * FROM case_cohort($period_start, $period_end, $as_of)";
    for query in [
        format!("{cohort}; COPY (SELECT * FROM cases) TO '{}'", copied.display()),
        format!(
            "{cohort} WHERE case_id NOT IN (SELECT a FROM '{}')",
            secret.display()
        ),
        format!(
            "{cohort} WHERE case_id NOT IN (SELECT a FROM read_csv('{}'))",
            secret.display()
        ),
        format!("ATTACH '{}' AS other", dir.path().join("other.duckdb").display()),
    ] {
        let catalog = catalog_with(dir.path(), "cases_received", &query);
        let run = command(dir.path())
            .env("BAOVE_CATALOG", &catalog)
            .arg("check")
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(1),
            "{query}: {}",
            String::from_utf8_lossy(&run.stdout)
        );
        let run = command(dir.path())
            .env("BAOVE_CATALOG", &catalog)
            .args(["report", "--template", "quarterly", "--period", "2025Q1"])
            .args(["--input", &crate::util::sample_data(), "--out", "r"])
            .output()
            .unwrap();
        assert_ne!(run.status.code(), Some(0), "{query}");
        assert!(
            !copied.exists() && !dir.path().join("other.duckdb").exists(),
            "{query} ran"
        );
        std::fs::remove_dir_all(&catalog).unwrap();
    }
}

#[test]
fn a_parquet_folder_is_read_literally_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let run = baove(dir.path(), &["load", &crate::util::sample_data()]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    // "exp*" has no cases; as a pattern it would also read "expZ"'s.
    for out in ["exp*", "expZ"] {
        let run = baove(dir.path(), &["export", "--out", out]);
        assert_eq!(run.code, 0, "{}", run.all_output());
    }
    std::fs::remove_dir_all(dir.path().join("exp*").join("cases")).unwrap();
    for (folder, out) in [("exp*", "star.csv"), ("expZ", "z.csv")] {
        let run = baove(
            dir.path(),
            &[
                "indicators",
                "--parquet",
                folder,
                "--period",
                "2025Q1",
                "--out",
                out,
            ],
        );
        assert_eq!(run.code, 0, "{folder}: {}", run.all_output());
    }
    let received = |file: &str| -> i64 {
        crate::util::read_csv_rows(&dir.path().join(file))
            .iter()
            .filter(|r| {
                r["indicator_id"] == "cases_received" && r["breakdown"].is_empty() && r["area_code"] == "44"
            })
            .map(|r| r["value"].parse::<f64>().unwrap_or(0.0) as i64)
            .sum()
    };
    assert!(received("z.csv") > 0);
    assert_eq!(received("star.csv"), 0, "the pattern read another folder");
}

#[test]
fn the_generators_csvs_read_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let run = crate::util::generate(
        dir.path(),
        &[
            "--out",
            "gen",
            "--seed",
            "31",
            "--cases",
            "300",
            "--content",
            "300",
            "--parts",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let mut files = 0;
    let mut stack = vec![dir.path().join("gen")];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("csv") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let separator = if bytes.split(|b| *b == b'\n').next().unwrap().contains(&b';') {
                b';'
            } else {
                b','
            };
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(separator)
                .from_reader(bytes.as_slice());
            let width = reader.headers().unwrap().len();
            assert!(width > 1, "{}", path.display());
            for record in reader.records() {
                assert_eq!(record.unwrap().len(), width, "{}", path.display());
            }
            files += 1;
        }
    }
    assert!(files >= 8, "{files} CSV files");
}

/// The embedded catalog's indicators are the binary's own and are not tried again before
/// each run (`baove check` tries them); an indicator that differs from its embedded
/// namesake in its query is tried, and refused when it reads a file.
#[test]
fn an_embedded_indicator_with_another_query_is_tried_before_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.csv");
    std::fs::write(&secret, "a\n1\n").unwrap();
    let embedded = baove::catalog::indicators().unwrap();
    baove::indicators::reads_only_the_store(&embedded).unwrap();
    let mut changed = embedded[0].clone();
    changed.sql = format!(
        "{} WHERE case_id NOT IN (SELECT a FROM read_csv('{}'))",
        "SELECT * FROM case_cohort($period_start, $period_end, $as_of)",
        secret.display()
    );
    let refused = baove::indicators::reads_only_the_store(&[changed]).unwrap_err();
    assert!(refused.to_string().contains("refused"), "{refused}");
}
