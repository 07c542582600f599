//! Golden tests of what readers open: the workbook's XML parts and the dashboard's HTML
//! for a hand-built report (no store: these run with `--no-default-features`). A change
//! to any cell, style, chart or label shows as a diff of `src/render/golden/*`;
//! `BAOVE_BLESS=1 cargo test golden` writes the new files, to be read and committed.

use std::collections::HashMap;
use std::io::Read;

use chrono::{NaiveDate, NaiveDateTime};

use crate::catalog::{self, Lang, Unit};
use crate::period::{Calendar, Period};
use crate::report::{PeriodValues, Quality, ReportData};
use crate::results::{Geography, LoggedFile, Status, TidyRow};

const PROVINCE: &str = "44";
const AREAS: [&str; 2] = ["450", "452"];
/// The cell disclosure control hid: a district's cases received and its rate, shown in
/// the by-area sheet and the dashboard's chart table.
const HIDDEN: ([&str; 2], &str) = (["cases_received", "rate_received"], "452");

pub(crate) fn generated_at() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 3, 20)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap()
}

/// A row with values that follow from `seed` and the unit, as the engine would give them.
fn row(
    indicator: &catalog::Indicator,
    period: &Period,
    area: &str,
    breakdown: (&str, &str),
    seed: u64,
) -> TidyRow {
    let mut row = TidyRow::empty(&indicator.id, indicator.unit, period, period.end_moment(), area);
    row.breakdown = breakdown.0.to_string();
    row.breakdown_value = breakdown.1.to_string();
    let n = 5 + seed % 7;
    match indicator.unit {
        Unit::Count => {
            row.numerator = Some(n);
            row.value = Some(n as f64);
        }
        Unit::Share => {
            let d = n + 6;
            let v = n as f64 / d as f64;
            (row.numerator, row.denominator, row.value) = (Some(n), Some(d), Some(v));
            (row.ci_low, row.ci_high) = (Some(v * 0.5), Some((v * 1.5).min(1.0)));
        }
        Unit::Per100k => {
            let v = n as f64 / 20_000.0 * 100_000.0;
            (row.numerator, row.denominator, row.value) = (Some(n), Some(20_000), Some(v));
            (row.ci_low, row.ci_high) = (Some(v * 0.4), Some(v * 1.9));
        }
        Unit::Hours | Unit::Days => {
            row.denominator = Some(n);
            row.value = Some(n as f64 * 2.5);
        }
    }
    row
}

fn values(indicators: &[catalog::Indicator], period: Period) -> PeriodValues {
    let mut rows = Vec::new();
    let offset = period.start().to_string().bytes().map(u64::from).sum::<u64>();
    for indicator in indicators {
        // From the id, not the position: adding an indicator leaves the others' values.
        let seed = offset + indicator.id.bytes().map(u64::from).sum::<u64>();
        rows.push(row(indicator, &period, PROVINCE, ("", ""), seed + 20));
        for (a, area) in AREAS.iter().enumerate() {
            let mut r = row(indicator, &period, area, ("", ""), seed + a as u64);
            if HIDDEN.0.contains(&indicator.id.as_str()) && *area == HIDDEN.1 {
                // One hidden cell, as disclosure control leaves it (its count and the
                // rate of that count): the reader sees [c].
                (r.numerator, r.denominator, r.value) = (None, None, None);
                r.status = Status::Suppressed;
            }
            rows.push(r);
        }
        for (b, code) in ["GROOMING", "CSAM"].iter().enumerate() {
            rows.push(row(
                indicator,
                &period,
                PROVINCE,
                ("abuse_type", code),
                seed + 10 + b as u64,
            ));
        }
    }
    PeriodValues {
        as_of: period.end_moment(),
        period,
        rows,
    }
}

/// The quarterly report of 2025Q1, public, over two areas.
pub(crate) fn report() -> ReportData {
    let (name, template) = crate::template::templates()
        .unwrap()
        .into_iter()
        .find(|(name, _)| name == "quarterly")
        .unwrap();
    let ids = template.indicator_ids();
    let indicators: Vec<_> = catalog::indicators()
        .unwrap()
        .into_iter()
        .filter(|i| ids.contains(&i.id.as_str()))
        .collect();
    let current = Period::parse("2025Q1", Calendar::Statutory).unwrap();
    let mut trend = Vec::new();
    let mut p = current;
    for _ in 0..8 {
        trend.push(values(&indicators, p));
        p = p.previous();
    }
    trend.reverse();
    let years = ["2023", "2024", "2025"]
        .iter()
        .map(|y| values(&indicators, Period::parse(y, Calendar::Statutory).unwrap()))
        .collect();
    let names: HashMap<String, String> = [
        (PROVINCE, "Tỉnh thử (synthetic)"),
        ("450", "Huyện A (synthetic)"),
        ("452", "Huyện B (synthetic)"),
    ]
    .iter()
    .map(|(c, n)| (c.to_string(), n.to_string()))
    .collect();
    ReportData {
        template_name: name,
        comparisons: vec![None; template.sheets.len()],
        current: values(&indicators, current),
        previous: values(&indicators, current.previous()),
        year_before: values(&indicators, current.year_before()),
        trend,
        years,
        geography: Geography {
            province: PROVINCE.into(),
            areas: AREAS.iter().map(|a| a.to_string()).collect(),
            on_last_day: AREAS.iter().map(|a| a.to_string()).collect(),
            names,
            roots: vec![PROVINCE.into()],
            parts: vec![crate::results::WholePart {
                code: PROVINCE.into(),
                name: "Tỉnh thử (synthetic)".into(),
                is_whole: true,
                holds_records: true,
            }],
            validity: HashMap::new(),
        },
        sources: vec![LoggedFile {
            load_id: 1,
            file_name: "cases.csv".into(),
            kind: "cases".into(),
            sha256: "0".repeat(64),
            rows_loaded: 120,
            rows_replaced: 0,
            rows_quarantined: 0,
            loaded_at: "2025-03-16 09:00:00".into(),
            engine_version: "golden".into(),
            profile: None,
        }],
        quality: Quality::default(),
        indicators,
        public: true,
        targets: catalog::targets().unwrap(),
        deadlines: catalog::deadlines().unwrap(),
        revisions: template.revisions.then_some(crate::results::Revised::FirstReport),
        template,
    }
}

/// Compares with `src/render/golden/<name>`, or writes it with `BAOVE_BLESS=1`.
fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/render/golden")
        .join(name);
    if std::env::var_os("BAOVE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; BAOVE_BLESS=1 writes it", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from {} from line {} on:\n  expected: {:?}\n  actual:   {:?}\n(BAOVE_BLESS=1 rewrites it once the change is meant)",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

/// The workbook's parts a reader sees (sheets, shared strings, styles, charts), one
/// after another with their names, XML split at tags so that a diff points at a cell; the
/// document properties (the creation date) are left out.
fn workbook_text(bytes: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    names.sort();
    let mut out = String::new();
    for name in names {
        if !name.starts_with("xl/") || name.contains("/_rels/") || name.ends_with(".png") {
            continue;
        }
        let mut text = String::new();
        archive.by_name(&name).unwrap().read_to_string(&mut text).unwrap();
        out.push_str(&format!("=== {name}\n{}\n", text.replace("><", ">\n<")));
    }
    out
}

#[test]
fn golden_workbook_xml() {
    let data = report();
    for (lang, name) in [
        (Lang::Vi, "workbook.vi.xml.txt"),
        (Lang::En, "workbook.en.xml.txt"),
    ] {
        let bytes = crate::render::workbook::build(&data, lang, generated_at()).unwrap();
        golden(name, &workbook_text(&bytes));
    }
}

/// The dashboard's HTML with each inline chart's drawing replaced by its size and
/// checksum: the page's text and structure stay readable in a diff, and a changed chart
/// still changes the file.
fn dashboard_text(html: &str) -> String {
    use sha2::Digest;
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let open_end = start + rest[start..].find('>').unwrap() + 1;
        let close = open_end + rest[open_end..].find("</svg>").unwrap();
        let body = &rest[open_end..close];
        let digest = crate::hex(&sha2::Sha256::digest(body.as_bytes()));
        out.push_str(&rest[..open_end]);
        out.push_str(&format!(
            "[chart: {} bytes, sha256 {}]",
            body.len(),
            &digest[..16]
        ));
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

#[test]
fn golden_dashboard_html() {
    let data = report();
    for (lang, name) in [(Lang::Vi, "dashboard.vi.html"), (Lang::En, "dashboard.en.html")] {
        let bytes = crate::render::dashboard::build(&data, lang, generated_at()).unwrap();
        golden(name, &dashboard_text(&String::from_utf8(bytes).unwrap()));
    }
}

/// The hidden cell reads `[c]` where a reader looks for it: the by-area sheet's row of
/// the district, under its count and its rate this period, and the dashboard's table of
/// the rate by area; the other district's figures are shown beside it. (The legend of
/// `[c]` on the notes sheet does not count: an earlier version of this test passed on it
/// alone, its hidden cell on no sheet.)
#[test]
fn the_golden_report_shows_its_hidden_cell_as_c() {
    use calamine::{Data, Reader};
    let data = report();
    let html =
        String::from_utf8(crate::render::dashboard::build(&data, Lang::Vi, generated_at()).unwrap()).unwrap();
    let row_of = |name: &str| format!("<th scope=\"row\">{name}</th><td>");
    let hidden_row = row_of("Huyện B (synthetic)");
    let at = html
        .find(&hidden_row)
        .expect("the district's row in the rate's table");
    assert!(
        html[at + hidden_row.len()..].starts_with("[c]</td>"),
        "the rate by area shows the hidden district"
    );
    let shown_row = row_of("Huyện A (synthetic)");
    let at = html.find(&shown_row).expect("the other district's row");
    assert!(!html[at + shown_row.len()..].starts_with("[c]"));

    let bytes = crate::render::workbook::build(&data, Lang::Vi, generated_at()).unwrap();
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range("Theo địa bàn").unwrap();
    let cell = |row: &[Data], column: usize| row.get(column).map(|c| c.to_string()).unwrap_or_default();
    let headers = sheet
        .rows()
        .find(|r| r.iter().any(|c| *c == "Kỳ này"))
        .expect("the sheet's header row");
    let this_period: Vec<usize> = (0..headers.len())
        .filter(|&c| cell(headers, c) == "Kỳ này")
        .collect();
    // The sheet's first two indicators are the count and the rate (periodic.toml).
    let (count, rate) = (this_period[0], this_period[1]);
    let district = |name: &str| {
        sheet
            .rows()
            .find(|r| cell(r, 0).ends_with(name))
            .unwrap_or_else(|| panic!("no row of {name}"))
            .to_vec()
    };
    let hidden = district("Huyện B (synthetic)");
    assert_eq!(
        (cell(&hidden, count), cell(&hidden, rate)),
        ("[c]".to_string(), "[c]".to_string())
    );
    let shown = district("Huyện A (synthetic)");
    assert!(
        matches!(shown[count], Data::Float(_) | Data::Int(_)),
        "{:?}",
        shown[count]
    );
    assert!(
        matches!(shown[rate], Data::Float(_) | Data::Int(_)),
        "{:?}",
        shown[rate]
    );
}
