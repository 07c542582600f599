//! `baove report` and `baove check`: files, provenance, numbers equal to the tidy table,
//! suppression in public workbooks, languages, byte-identical reruns.

use std::collections::HashMap;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::util::{baove, repo, report_of_sample, sample_data};

const STAMP: &str = "2026-01-01 08:00:00";

fn report(dir: &Path, out: &str, extra: &[&str]) -> crate::util::Run {
    quarterly_of_sample(dir, out, STAMP, extra)
}

/// `baove report --template quarterly --period 2025Q1 --input sample-data/` into `out`,
/// generated at `stamp`.
pub(crate) fn quarterly_of_sample(dir: &Path, out: &str, stamp: &str, extra: &[&str]) -> crate::util::Run {
    let data = sample_data();
    let mut args = vec![
        "report",
        "--template",
        "quarterly",
        "--period",
        "2025Q1",
        "--input",
        &data,
        "--out",
        out,
        "--timestamp",
        stamp,
    ];
    args.extend_from_slice(extra);
    baove(dir, &args)
}

fn labels(dir: &Path) -> HashMap<String, String> {
    let list = baove(dir, &["indicators", "--list"]);
    list.stdout
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[2].to_string(), f[0].to_string())
        })
        .collect()
}

fn tidy_value(dir: &Path, out: &str, id: &str, area: &str) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(out).join("indicators.csv")).unwrap();
    text.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split(',').collect();
        (f[0] == id && f[1] == "2025Q1" && f[6] == area && f[7].is_empty()).then(|| {
            if f[15] == "suppressed" {
                "[c]".to_string()
            } else {
                f[11].to_string()
            }
        })
    })
}

#[test]
fn quarterly_report_files_numbers_and_determinism() {
    let dir = tempfile::tempdir().unwrap();
    let run = report(dir.path(), "out", &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let out = dir.path().join("out");
    assert!(out.join("quarterly_2025Q1.xlsx").exists());
    assert!(out.join("indicators.csv").exists());
    let charts: Vec<String> = std::fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        charts.iter().any(|c| c.ends_with(".png")) && charts.iter().any(|c| c.ends_with(".svg")),
        "{charts:?}"
    );

    // Every number of the summary equals the tidy table's.
    let by_label = labels(dir.path());
    let mut workbook: Xlsx<_> = open_workbook(out.join("quarterly_2025Q1.xlsx")).unwrap();
    let names = workbook.sheet_names();
    assert_eq!(names[0], "Trang bìa");
    let summary = workbook.worksheet_range("Tổng hợp chỉ tiêu").unwrap();
    let mut checked = 0;
    // The table ends at its first blank row (notes follow it).
    for row in summary
        .rows()
        .skip(4)
        .take_while(|r| !r.iter().all(|c| matches!(c, Data::Empty)))
    {
        let Some(Data::String(label)) = row.first() else {
            continue;
        };
        let id = &by_label[label];
        let expected = tidy_value(dir.path(), "out", id, "44").unwrap();
        match &row[2] {
            Data::Float(v) => assert_eq!(
                v.to_string().parse::<f64>().unwrap(),
                expected.parse::<f64>().unwrap(),
                "{id}"
            ),
            Data::String(s) => assert!(
                s == &expected || (s == "[x]" && expected.is_empty()) || (s == "[z]" && expected.is_empty()),
                "{id}: {s} vs {expected}"
            ),
            other => panic!("{id}: {other:?}"),
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked} rows checked");

    // The cover names the period, audience and the loads with their SHA-256.
    let cover = workbook.worksheet_range("Trang bìa").unwrap();
    let cover_text: Vec<String> = cover
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(cover_text.iter().any(|c| c.contains("2025Q1")));
    assert!(cover_text.iter().any(|c| c.starts_with("Công khai")));
    assert!(cover_text.iter().any(|c| c == "cases.csv"));
    assert!(cover_text
        .iter()
        .any(|c| c.len() == 64 && c.chars().all(|x| x.is_ascii_hexdigit())));

    // Public: small area cells show [c]; no formula anywhere.
    let areas = workbook.worksheet_range("Theo địa bàn").unwrap();
    assert!(areas
        .rows()
        .any(|r| r.iter().any(|c| matches!(c, Data::String(s) if s == "[c]"))));

    // Same inputs, same timestamp: same bytes. An existing output is not overwritten.
    let again = report(dir.path(), "out2", &[]);
    assert_eq!(again.code, 0, "{}", again.all_output());
    let mut files = vec![
        "quarterly_2025Q1.xlsx".to_string(),
        "indicators.csv".to_string(),
        "dashboard_2025Q1.html".to_string(),
    ];
    for entry in std::fs::read_dir(out.join("charts")).unwrap() {
        files.push(format!("charts/{}", entry.unwrap().file_name().to_string_lossy()));
    }
    for file in &files {
        assert_eq!(
            std::fs::read(out.join(file)).unwrap(),
            std::fs::read(dir.path().join("out2").join(file)).unwrap(),
            "{file}"
        );
    }
    let refused = report(dir.path(), "out", &[]);
    assert_eq!(refused.code, 2, "{}", refused.all_output());
}

#[test]
fn english_internal_report_has_no_suppression() {
    let dir = tempfile::tempdir().unwrap();
    let run = report(dir.path(), "en", &["--lang", "en", "--audience", "internal"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let mut workbook: Xlsx<_> = open_workbook(dir.path().join("en/quarterly_2025Q1.xlsx")).unwrap();
    let names = workbook.sheet_names();
    assert_eq!(&names[..3], &["Cover", "Contents", "Notes"]);
    for name in names {
        let range = workbook.worksheet_range(&name).unwrap();
        assert!(
            !range
                .rows()
                .any(|r| r.iter().any(|c| matches!(c, Data::String(s) if s == "[c]"))),
            "{name}"
        );
    }
}

#[test]
fn check_validates_templates_and_headers() {
    let dir = tempfile::tempdir().unwrap();
    let run = baove(dir.path(), &["check"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stdout.contains("34 indicators"), "{}", run.stdout);
    assert!(
        run.stdout.contains("agency registry, parts registry, targets"),
        "{}",
        run.stdout
    );
    for t in ["quarterly", "half-year", "annual", "programme-830"] {
        assert!(run.stdout.contains(t), "{t}");
    }
}

/// The notes sheet gives each indicator's definition and legal basis in the reader's
/// language.
#[test]
fn notes_sheet_defines_indicators_in_each_language() {
    let dir = tempfile::tempdir().unwrap();
    for (out, lang, sheet, basis, cohort) in [
        (
            "vi",
            "vi",
            "Ghi chú",
            "Nghị định 56/2017/NĐ-CP, Điều 28 khoản 1",
            "các vụ việc tiếp nhận trong kỳ",
        ),
        (
            "en",
            "en",
            "Notes",
            "Decree 56/2017/NĐ-CP, Art. 28(1)",
            "cases received in the period",
        ),
    ] {
        let run = report(dir.path(), out, &["--lang", lang]);
        assert_eq!(run.code, 0, "{}", run.all_output());
        let mut workbook: Xlsx<_> =
            open_workbook(dir.path().join(out).join("quarterly_2025Q1.xlsx")).unwrap();
        let notes = workbook.worksheet_range(sheet).unwrap();
        let row = notes
            .rows()
            .find(|r| r.first().is_some_and(|c| *c == "support_plan_on_time"))
            .unwrap_or_else(|| panic!("{lang}: no support_plan_on_time row"));
        let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
        assert_eq!(cells[6], basis, "{lang}");
        assert!(
            notes
                .rows()
                .any(|r| r.get(5).is_some_and(|c| c.to_string().starts_with(cohort))),
            "{lang}"
        );
    }
}

/// Whether LibreOffice and pdftotext are here; .ci/run installs them and then requires
/// them (BAOVE_REQUIRE_LIBREOFFICE), elsewhere a test says it was skipped.
pub(crate) fn have_libreoffice() -> bool {
    let have = |tool: &str, version_flag: &str| {
        std::process::Command::new(tool)
            .arg(version_flag)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if have("soffice", "--version") && have("pdftotext", "-v") {
        return true;
    }
    assert!(
        std::env::var_os("BAOVE_REQUIRE_LIBREOFFICE").is_none(),
        "soffice and pdftotext are required (apt-get install libreoffice-calc libreoffice-writer-nogui fonts-liberation poppler-utils)"
    );
    eprintln!("skipped: soffice or pdftotext not installed");
    false
}

/// A workbook printed by LibreOffice to PDF, in `dir`.
pub(crate) fn print_to_pdf(dir: &Path, xlsx: &Path) -> std::path::PathBuf {
    let profile = dir.join("lo-profile");
    let converted = std::process::Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .arg(xlsx)
        .output()
        .unwrap();
    assert!(
        converted.status.success(),
        "{}",
        String::from_utf8_lossy(&converted.stderr)
    );
    dir.join(xlsx.file_stem().unwrap()).with_extension("pdf")
}

/// A line of printed text and its box (points, from the page's top left).
#[derive(Debug, Clone)]
struct PrintedLine {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    text: String,
}

/// The lines of each page of a PDF, and the page's height (`pdftotext -bbox-layout`).
fn printed_pages(pdf: &Path) -> Vec<(f64, Vec<PrintedLine>)> {
    let out = std::process::Command::new("pdftotext")
        .arg("-bbox-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    let attribute = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    html.split("<page ")
        .skip(1)
        .map(|page| {
            let height = attribute(page, "height");
            let lines = page
                .split("<line ")
                .skip(1)
                .map(|line| {
                    let words: Vec<&str> = line
                        .split("</word>")
                        .filter_map(|w| w.rsplit('>').next())
                        .filter(|w| !w.trim().is_empty())
                        .collect();
                    PrintedLine {
                        x0: attribute(line, "xMin"),
                        y0: attribute(line, "yMin"),
                        x1: attribute(line, "xMax"),
                        y1: attribute(line, "yMax"),
                        text: words.join(" "),
                    }
                })
                .collect();
            (height, lines)
        })
        .collect()
}

/// `baove report --template T --period P --out OUT` from the store in `here`, at the
/// pinned moment; it must succeed.
fn report_from_store(here: &Path, template: &str, period: &str, out: &str) {
    let run = baove(
        here,
        &[
            "report",
            "--template",
            template,
            "--period",
            period,
            "--out",
            out,
            "--timestamp",
            STAMP,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
}

/// Printed as a reader prints them (LibreOffice to PDF): the sample's quarterly, annual,
/// programme and district-comparison workbooks fit a bound of pages, number every page ("Trang k/N"), name
/// the sheet in the footer, repeat a sheet's header at the top of each of its further
/// pages, print no text under 7 pt, and no two lines of text overlap (wrapped text in
/// rows too short for it, a chart's title run into the table under it, a line running
/// over a page of columns beside the repeated row labels).
#[test]
fn workbooks_print_whole_and_legible() {
    if !have_libreoffice() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path();
    assert_eq!(baove(here, &["load", &sample_data()]).code, 0);
    for (template, period, most_pages) in [
        // Wide tables print in column groups at a legible size: 44, 43, 12 and 11 pages
        // on the sample when this was written (24, 24, 16, 16 when every sheet was
        // squeezed to one page width, in 4-point text).
        ("quarterly", "2025Q1", 48),
        ("annual", "2025", 48),
        ("programme-830", "2025", 16),
        ("district-comparison", "2025Q2", 16),
    ] {
        let out = format!("out-{template}");
        report_from_store(here, template, period, &out);
        let xlsx = here.join(&out).join(format!("{template}_{period}.xlsx"));
        let pages = printed_pages(&print_to_pdf(here, &xlsx));
        let count = pages.len();
        assert!(count <= most_pages, "{template}: {count} pages");
        let mut first_page_of: HashMap<String, usize> = HashMap::new();
        for (k, (height, lines)) in pages.iter().enumerate() {
            let (footer, body): (Vec<&PrintedLine>, Vec<&PrintedLine>) =
                lines.iter().partition(|l| l.y0 > height - 40.0);
            let number = format!("Trang {}/{count}", k + 1);
            assert!(
                footer.iter().any(|l| l.text == number),
                "{template} page {}: no {number:?} in {footer:?}",
                k + 1
            );
            assert!(footer.iter().any(|l| l.text.starts_with(&format!("{period} · "))));
            // Legible: no text under 7 pt (a line's box is about its type size: the 10-pt
            // footer's spans 10.2 pt), where fitting a 46-column sheet to one page width
            // printed 4-pt text.
            for line in lines.iter() {
                assert!(
                    line.y1 - line.y0 >= 7.0,
                    "{template} page {}: {:?} printed {:.1} pt high",
                    k + 1,
                    line.text,
                    line.y1 - line.y0
                );
            }
            for (i, a) in lines.iter().enumerate() {
                for b in &lines[i + 1..] {
                    let across = a.x1.min(b.x1) - a.x0.max(b.x0);
                    let down = a.y1.min(b.y1) - a.y0.max(b.y0);
                    let shorter = (a.y1 - a.y0).min(b.y1 - b.y0);
                    assert!(
                        !(across > 1.0 && down > 0.3 * shorter),
                        "{template} page {}: {:?} overlaps {:?}",
                        k + 1,
                        a.text,
                        b.text
                    );
                }
            }
            // The sheet, named in the middle of the footer; on its further pages, the
            // top line is one of its first page's (the repeated header).
            let sheet = footer
                .iter()
                .filter(|l| !l.text.starts_with("Trang ") && !l.text.starts_with(&format!("{period} · ")))
                .map(|l| l.text.clone())
                .next()
                .unwrap_or_default();
            match first_page_of.get(&sheet) {
                None => {
                    first_page_of.insert(sheet, k);
                }
                // The charts sheet has no table: each of its pages starts a chart.
                Some(_) if sheet == "Biểu đồ" => {}
                Some(&first) => {
                    let top = body
                        .iter()
                        .min_by(|a, b| a.y0.total_cmp(&b.y0))
                        .map(|l| l.text.clone())
                        .unwrap_or_default();
                    assert!(
                        pages[first].1.iter().any(|l| l.text == top),
                        "{template} page {} ({sheet}): starts with {top:?}, not its header",
                        k + 1
                    );
                }
            }
        }
    }
}

/// Opened as a user would: LibreOffice renders every sheet of the workbook (converted to
/// PDF, each sheet's title is in the text, Vietnamese letters intact). Needs `soffice`
/// and `pdftotext`, which .ci/run installs and then requires (BAOVE_REQUIRE_LIBREOFFICE);
/// elsewhere the test says it was skipped.
#[test]
fn libreoffice_renders_every_sheet() {
    if !have_libreoffice() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = report(dir.path(), "out", &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let xlsx = dir.path().join("out").join("quarterly_2025Q1.xlsx");
    let pdf = print_to_pdf(dir.path(), &xlsx);
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    let squeezed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut workbook: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let names = workbook.sheet_names();
    assert!(names.len() >= 6, "{names:?}");
    for name in names {
        let range = workbook.worksheet_range(&name).unwrap();
        let title = range.get_value((0, 0)).map(|c| c.to_string()).unwrap_or_default();
        assert!(!title.is_empty(), "{name}: no title in A1");
        // The title's first words: a long title may run on past the page's edge.
        let start: String = title.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
        assert!(squeezed.contains(&start), "{name}: {start:?} not rendered");
    }
    assert!(
        squeezed.contains("Số vụ việc tiếp nhận"),
        "Vietnamese text not rendered"
    );
}

/// Every number of the by-area sheet (this period, the previous one and the year
/// before, for the province and each area) equals the tidy file's, and each change is
/// the difference of the two shown values (of shares, in percentage points).
#[test]
fn area_sheet_numbers_equal_the_tidy_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = report(dir.path(), "out", &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let tidy = std::fs::read_to_string(dir.path().join("out").join("indicators.csv")).unwrap();
    let lookup = |id: &str, period: &str, area: &str| -> String {
        tidy.lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|f| f[0] == id && f[1] == period && f[6] == area && f[7].is_empty())
            .map(|f| {
                if f[15] == "suppressed" {
                    "[c]".to_string()
                } else {
                    f[11].to_string()
                }
            })
            .unwrap_or_default()
    };
    let by_label = labels(dir.path());
    let mut workbook: Xlsx<_> = open_workbook(dir.path().join("out").join("quarterly_2025Q1.xlsx")).unwrap();
    let sheet = workbook.worksheet_range("Theo địa bàn").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let (group_row, first_data_row) = (3, 5);
    let mut checked = 0;
    for k in 0.. {
        let column = 1 + 5 * k;
        let Some(Data::String(group)) = rows[group_row].get(column) else {
            break;
        };
        let (label, unit) = group.rsplit_once(" (").unwrap();
        let id = &by_label[label];
        // A change of a share is written in percentage points.
        let per_change = if unit == "tỷ lệ)" { 100.0 } else { 1.0 };
        for row in &rows[first_data_row..] {
            let area_label = row[0].to_string();
            let area = if area_label.starts_with("Tỉnh") || area_label.contains('(') {
                "44".to_string()
            } else {
                area_label.split_whitespace().next().unwrap().to_string()
            };
            let shown: Vec<String> = (0..5).map(|j| row[column + j].to_string()).collect();
            for (j, period) in [(0, "2025Q1"), (1, "2024Q4"), (3, "2024Q1")] {
                let expected = lookup(id, period, &area);
                let cell = &shown[j];
                if expected.is_empty() {
                    assert!(cell == "[x]" || cell == "[z]", "{id} {area} {period}: {cell}");
                } else if expected == "[c]" {
                    assert_eq!(cell, "[c]", "{id} {area} {period}");
                } else {
                    let (a, b): (f64, f64) = (cell.parse().unwrap(), expected.parse().unwrap());
                    assert!(
                        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                        "{id} {area} {period}: {a} vs {b}"
                    );
                }
                checked += 1;
            }
            for (change, base) in [(2, 1), (4, 3)] {
                if let (Ok(now), Ok(then), Ok(delta)) = (
                    shown[0].parse::<f64>(),
                    shown[base].parse::<f64>(),
                    shown[change].parse::<f64>(),
                ) {
                    assert!(
                        ((now - then) * per_change - delta).abs() < 1e-9 * per_change,
                        "{id} {area}: change"
                    );
                }
            }
        }
    }
    assert!(checked > 100, "{checked} cells checked");
}

/// Two `report --input` runs a second apart, with SOURCE_DATE_EPOCH and no pinned clock
/// (BAOVE_NOW unset, as a user runs it): every output file is equal byte for byte. The
/// cover's load times come from the pinned time, not the wall clock of the temporary
/// load.
#[test]
fn report_input_with_source_date_epoch_repeats_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &str| {
        report_of_sample(dir.path(), "quarterly", "2025Q1", out, |c| {
            c.env_remove("BAOVE_NOW").env("SOURCE_DATE_EPOCH", "1767225600");
        })
    };
    run("first");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    run("second");
    let files = files_under(&dir.path().join("first"));
    assert!(files.len() >= 5, "{files:?}");
    // The drafted report too (its zip entries carry no time, its properties the timestamp).
    assert!(
        files.iter().any(|f| f.extension().is_some_and(|e| e == "docx")),
        "{files:?}"
    );
    for file in &files {
        let first = std::fs::read(dir.path().join("first").join(file)).unwrap();
        let second = std::fs::read(dir.path().join("second").join(file)).unwrap();
        assert!(first == second, "{} differs between two runs", file.display());
    }
}

/// Every file under `root`, as paths relative to it.
fn files_under(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![std::path::PathBuf::new()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(root.join(&folder)).unwrap() {
            let entry = entry.unwrap();
            let relative = folder.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                folders.push(relative);
            } else {
                files.push(relative);
            }
        }
    }
    files.sort();
    files
}

/// Nothing depends on an indicator's id but its id: a catalog where `support_coverage`
/// is called `support_covered` (its file, its header, the templates naming it) writes
/// the same report, file for file and cell for cell, but for the id. (The new id keeps
/// its place in file-name order, the order of the tidy table.)
#[test]
fn renaming_an_indicator_changes_nothing_but_its_id() {
    let (old, new) = ("support_coverage", "support_covered");
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    for (sub, ext) in [
        ("queries/indicators", "sql"),
        ("report-templates", "toml"),
        ("report-templates/document", "toml"),
    ] {
        std::fs::create_dir_all(catalog.join(sub)).unwrap();
        for entry in std::fs::read_dir(repo().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some(ext) {
                continue;
            }
            let name = path.file_name().unwrap().to_str().unwrap().replace(old, new);
            let text = std::fs::read_to_string(&path).unwrap().replace(old, new);
            std::fs::write(catalog.join(sub).join(name), text).unwrap();
        }
    }
    // The dated targets name indicators too (read from the catalog folder when there).
    let targets = std::fs::read_to_string(repo().join("queries/targets.toml")).unwrap();
    std::fs::write(catalog.join("queries/targets.toml"), targets.replace(old, new)).unwrap();
    assert!(catalog.join(format!("queries/indicators/{new}.sql")).exists());
    let run = |out: &str, renamed: bool| {
        report_of_sample(dir.path(), "dashboard", "2025Q1", out, |c| {
            c.env("SOURCE_DATE_EPOCH", "1767225600");
            if renamed {
                c.env("BAOVE_CATALOG", &catalog);
            }
        })
    };
    run("as-is", false);
    run("renamed", true);
    let (as_is, renamed) = (dir.path().join("as-is"), dir.path().join("renamed"));
    let files = files_under(&as_is);
    let renamed_files: Vec<std::path::PathBuf> = files_under(&renamed);
    let expected: Vec<std::path::PathBuf> = files
        .iter()
        .map(|f| std::path::PathBuf::from(f.to_str().unwrap().replace(old, new)))
        .collect();
    assert!(
        files.iter().any(|f| f.to_str().unwrap().contains(old)),
        "{files:?}"
    );
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(renamed_files, expected_sorted);
    let mut compared = 0;
    for (file, twin) in files.iter().zip(&expected) {
        let (a, b) = (as_is.join(file), renamed.join(twin));
        match file.extension().and_then(|e| e.to_str()) {
            Some("xlsx") => {
                let mut first: Xlsx<_> = open_workbook(&a).unwrap();
                let mut second: Xlsx<_> = open_workbook(&b).unwrap();
                assert_eq!(first.sheet_names(), second.sheet_names());
                for sheet in first.sheet_names() {
                    let cells = |w: &mut Xlsx<_>| -> Vec<String> {
                        w.worksheet_range(&sheet)
                            .unwrap()
                            .rows()
                            .flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
                            .collect()
                    };
                    let expected: Vec<String> =
                        cells(&mut first).iter().map(|c| c.replace(old, new)).collect();
                    assert_eq!(cells(&mut second), expected, "{file:?} sheet {sheet}");
                }
            }
            Some("png") => assert!(
                std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
                "{file:?}"
            ),
            _ => {
                let text = std::fs::read_to_string(&a).unwrap().replace(old, new);
                assert!(text == std::fs::read_to_string(&b).unwrap(), "{file:?} differs");
            }
        }
        compared += 1;
    }
    assert!(compared >= 10, "{compared} files compared");
}

/// Every cell of a workbook's cover, and the target column of its summary sheet (the
/// fourth, after the cover, the contents and the notes; the values below its header row).
fn cover_and_targets(xlsx: &std::path::Path) -> (String, Vec<String>) {
    let mut workbook: Xlsx<_> = open_workbook(xlsx).unwrap();
    let names = workbook.sheet_names();
    let cover = workbook.worksheet_range(&names[0]).unwrap();
    let cover: Vec<String> = cover
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    let summary = workbook.worksheet_range(&names[3]).unwrap();
    let targets = summary
        .rows()
        .skip(4)
        .filter_map(|r| r.get(7).map(|c| c.to_string()))
        .filter(|c| !c.is_empty())
        .collect();
    (cover.join("\n"), targets)
}

/// Targets come from the set in force on the period's last day: Decision 830's for 2025,
/// none for 2026 (and the report says why), and a set an office adds to the registry
/// (BAOVE_CATALOG's queries/targets.toml) appears without a rebuild.
#[test]
fn targets_are_dated_and_an_added_set_appears_without_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let report = |period: &str, out: &str, catalog: Option<&std::path::Path>| {
        report_of_sample(dir.path(), "quarterly", period, out, |c| {
            if let Some(catalog) = catalog {
                c.env("BAOVE_CATALOG", catalog);
            }
        });
        cover_and_targets(&dir.path().join(out).join(format!("quarterly_{period}.xlsx")))
    };
    let (cover, targets) = report("2025Q4", "2025", None);
    assert!(cover.contains("Quyết định 830/QĐ-TTg"), "{cover}");
    assert_eq!(
        targets,
        ["1", "1"],
        "support coverage and violations handled: 100%"
    );
    let (cover, targets) = report("2026Q1", "2026", None);
    assert!(
        cover.contains("Chưa có mục tiêu được phê duyệt cho giai đoạn 2026-2030"),
        "{cover}"
    );
    assert!(targets.is_empty(), "{targets:?}");
    let catalog = dir.path().join("catalog");
    for sub in ["queries/indicators", "report-templates"] {
        std::fs::create_dir_all(catalog.join(sub)).unwrap();
        for entry in std::fs::read_dir(repo().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, catalog.join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    let registry = std::fs::read_to_string(repo().join("queries/targets.toml")).unwrap();
    let added = format!(
        "{registry}\n[[set]]\nid = \"next\"\nname_vi = \"Chương trình thử 2026-2030 (synthetic)\"\nname_en = \"Test programme 2026-2030 (synthetic)\"\nlegal_basis = \"Test decision (synthetic)\"\nlegal_basis_vi = \"Quyết định thử (synthetic)\"\nvalid_from = \"2026-01-01\"\nvalid_to = \"2030-12-31\"\n\n[[set.target]]\nindicator = \"support_coverage\"\nvalue = 0.9\nlegal_basis = \"synthetic\"\n"
    );
    std::fs::write(catalog.join("queries/targets.toml"), added).unwrap();
    let (cover, targets) = report("2026Q1", "added", Some(&catalog));
    assert!(
        cover.contains("Chương trình thử 2026-2030 (synthetic)"),
        "{cover}"
    );
    assert!(!cover.contains("Chưa có mục tiêu"), "{cover}");
    assert_eq!(targets, ["0.9"], "the added target is shown");
}

/// The takedown limit went from 3 to 24 hours on 25 December 2024 (queries/deadlines.toml),
/// so 2025Q1's on-time share of takedowns measures another thing than 2024Q4's and
/// 2024Q1's: no change is shown against either, in the workbook or on the dashboard, and
/// each says why. The fixed 24-hour measure kept its rule: its changes are numbers.
#[test]
fn no_change_is_shown_across_a_change_of_rule_and_each_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let run = report(dir.path(), "rep", &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let mut workbook: Xlsx<_> = open_workbook(dir.path().join("rep/quarterly_2025Q1.xlsx")).unwrap();
    let summary = workbook.worksheet_range("Tổng hợp chỉ tiêu").unwrap();
    let row_of = |label: &str| -> Vec<Data> {
        summary
            .rows()
            .find(|r| r.first().is_some_and(|c| *c == label))
            .unwrap_or_else(|| panic!("no row {label}"))
            .to_vec()
    };
    let ruled = row_of("Gỡ bỏ đúng hạn");
    // Columns: indicator, unit, this period, previous, change, year before, change.
    for column in [4, 6] {
        assert_eq!(ruled[column].to_string(), "[z]", "{ruled:?}");
    }
    let fixed = row_of("Gỡ bỏ trong 24 giờ");
    for column in [4, 6] {
        assert!(matches!(fixed[column], Data::Float(_)), "{fixed:?}");
    }
    let note = "thời hạn 3 giờ → 24 giờ từ 25/12/2024";
    let notes: Vec<String> = summary
        .rows()
        .filter_map(|r| r.first().map(|c| c.to_string()))
        .filter(|c| c.contains(note))
        .collect();
    assert_eq!(notes.len(), 1, "one note for the one indicator: {notes:?}");
    assert!(notes[0].contains("Gỡ bỏ đúng hạn"), "{notes:?}");
    let page = std::fs::read_to_string(dir.path().join("rep/dashboard_2025Q1.html")).unwrap();
    let tile = page
        .split("<article")
        .find(|t| t.contains("data-indicator=\"takedown_on_time\""))
        .expect("a takedown tile");
    let changes: Vec<&str> = tile.split("<span class=\"change").skip(1).collect();
    assert_eq!(changes.len(), 2, "{tile}");
    for change in changes {
        assert!(
            change.starts_with(" neutral\""),
            "no colour across a change of rule: {change}"
        );
        assert!(change.contains("[z]") && change.contains(note), "{change}");
        assert!(!change.contains('▲') && !change.contains('▼'), "{change}");
    }
}

/// Across the reform of 1 July 2025 a district existed for half of 2025Q3 and a commune
/// for the other half: a district's fall against 2025Q2 is a change of geography, not of
/// abuse. The by-area sheet shows their changes as `[z]` with a line saying why; the
/// whole's row, the same territory, keeps its changes.
#[test]
fn no_area_change_is_shown_across_the_reform_and_the_sheet_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample_data();
    let run = baove(
        dir.path(),
        &[
            "report",
            "--template",
            "quarterly",
            "--period",
            "2025Q3",
            "--input",
            &data,
            "--out",
            "rep",
            "--timestamp",
            STAMP,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let mut workbook: Xlsx<_> = open_workbook(dir.path().join("rep/quarterly_2025Q3.xlsx")).unwrap();
    let sheet = workbook.worksheet_range("Theo địa bàn").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let header = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| *c == "Địa bàn"))
        .expect("the header row");
    let width = rows[header].len();
    // Columns per indicator: this period, previous, change, year before, change.
    let change_columns: Vec<usize> = (1..width)
        .filter(|c| (c - 1) % 5 == 2 || (c - 1) % 5 == 4)
        .collect();
    assert!(!change_columns.is_empty());
    let (mut areas, mut whole) = (0, false);
    for row in &rows[header + 1..] {
        let label = row.first().map(|c| c.to_string()).unwrap_or_default();
        let code = label.split(' ').next().unwrap_or("");
        if label.starts_with("Toàn tỉnh") {
            whole = true;
            for c in change_columns.iter().filter(|c| (*c - 1) % 5 == 2) {
                assert_ne!(
                    row[*c].to_string(),
                    "[z]",
                    "the whole's change on the previous quarter, column {c}"
                );
            }
        } else if code.starts_with("45") || code.starts_with("900") {
            areas += 1;
            for c in &change_columns {
                assert_eq!(row[*c].to_string(), "[z]", "{label}, column {c}: {:?}", row[*c]);
            }
        }
    }
    assert!(
        whole && areas >= 18,
        "the whole and the 8 districts and 10 communes: {areas}"
    );
    let note = rows
        .iter()
        .filter_map(|r| r.first().map(|c| c.to_string()))
        .find(|c| c.contains("thay đổi địa giới hành chính từ ngày 01/07/2025"));
    assert!(note.is_some(), "no line says why");
}

/// A year's previous period is the year before: the annual workbook and the drafted
/// report compare with it once, where the quarterly report keeps both comparisons (the
/// year before's column groups once repeated the previous period's figures beside them).
#[test]
fn an_annual_report_compares_with_the_year_before_once() {
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path();
    assert_eq!(baove(here, &["load", &sample_data()]).code, 0);
    let year_before = "Cùng kỳ năm trước";
    for (template, period, compares_year_before) in [("quarterly", "2025Q2", true), ("annual", "2025", false)]
    {
        let out = format!("out-{template}");
        report_from_store(here, template, period, &out);
        let mut workbook: Xlsx<_> =
            open_workbook(here.join(&out).join(format!("{template}_{period}.xlsx"))).unwrap();
        let mut sheets_comparing = 0;
        for name in workbook.sheet_names() {
            let range = workbook.worksheet_range(&name).unwrap();
            let cells: Vec<String> = range.cells().map(|(_, _, c)| c.to_string()).collect();
            let previous = cells.iter().filter(|c| *c == "Kỳ trước").count();
            let year = cells.iter().filter(|c| *c == year_before).count();
            if previous > 0 {
                sheets_comparing += 1;
                let expected = if compares_year_before { previous } else { 0 };
                assert_eq!(
                    year, expected,
                    "{template}, sheet {name}: {previous} previous-period headers"
                );
            }
        }
        assert!(
            sheets_comparing >= 2,
            "{template}: {sheets_comparing} sheets compare"
        );
        let mut archive = zip::ZipArchive::new(
            std::fs::File::open(here.join(&out).join(format!("{template}_{period}.docx"))).unwrap(),
        )
        .unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
        assert_eq!(
            xml.contains(year_before),
            compares_year_before,
            "{template}: the DOCX"
        );
    }
}

/// A report computes the case facts of the state it reads once, for the period, its
/// trend periods, its years, its dashboard and every whole of its public pattern (issue
/// 34: it computed them once per period and whole, 24 times on the sample), each figure
/// (an indicator for a whole, period, as-of and state) once, and each indicator for all
/// its periods in one query; BAOVE_TIMINGS says so (one "case facts computed" line, one
/// line per indicator query naming the figures it computed).
#[test]
fn a_report_computes_its_case_facts_and_each_figure_once() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let loaded = baove(cwd, &["load", &sample_data()]);
    assert_eq!(loaded.code, 0, "{}", loaded.all_output());
    for audience in ["public", "internal"] {
        let output = crate::util::command(cwd)
            .env("BAOVE_TIMINGS", "1")
            .args([
                "report",
                "--template",
                "quarterly",
                "--period",
                "2025Q1",
                "--audience",
                audience,
                "--out",
                audience,
                "--force",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        // (The catalog's check runs each query once on an empty store in memory.)
        let computed = stderr
            .lines()
            .filter(|l| l.starts_with("timing: case facts computed") && l.contains("baove.duckdb"))
            .count();
        assert_eq!(computed, 1, "{audience}: {stderr}");
        // Each query's line: "timing: indicator ID as known after K for: F1 + F2 ... S s".
        let queries: Vec<(&str, Vec<&str>)> = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("timing: indicator "))
            .filter_map(|l| {
                l.strip_suffix(" s")?
                    .rsplit_once(' ')
                    .map(|(label, _seconds)| label)
            })
            .filter_map(|l| l.split_once(" for: "))
            .map(|(indicator, figures)| (indicator, figures.split(" + ").collect()))
            .collect();
        let mut figures: Vec<(&str, &str)> = queries
            .iter()
            .flat_map(|(indicator, figures)| figures.iter().map(move |f| (*indicator, *f)))
            .collect();
        // The period, the previous one, the year before, the trend's quarters and the
        // years (and, public, each whole of each period's pattern).
        let periods: std::collections::BTreeSet<&str> = figures
            .iter()
            .filter_map(|(_, figure)| figure.split_once(" as of ").map(|(period, _)| period))
            .collect();
        assert!(periods.len() >= 8, "{audience}: periods {periods:?}");
        assert!(figures.len() > 100, "{audience}: {} figures", figures.len());
        // Each figure once: the report's sheets, its dashboard, comparisons and funnels
        // share them, and the public release's come from each period's one pattern.
        let all = figures.len();
        figures.sort_unstable();
        figures.dedup();
        assert_eq!(figures.len(), all, "{audience}: a figure computed twice");
        // An indicator's periods in one query: a query computes more than three
        // figures on average (one per query before).
        assert!(
            queries.len() * 3 < all,
            "{audience}: {} queries for {all} figures",
            queries.len()
        );
    }
}
