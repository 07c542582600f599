//! The dashboard opened in headless Chromium as a user would: no request leaves the
//! file, no console message, the page fits 1366 and 390 px wide, it prints, and its key
//! numbers equal the tidy file's. Needs `chromium`, which .ci/run installs and then
//! requires (BAOVE_REQUIRE_CHROMIUM); elsewhere the test says it was skipped.
//! Screenshots are kept in the build's temporary folder, not committed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{baove, sample_data};

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(String::from)
}

/// Runs headless Chromium on `page` with `extra` arguments; returns (stdout, stderr).
fn open(browser: &str, page: &Path, width: u32, height: u32, extra: &[String]) -> (String, String) {
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            // Any name a request might try resolves to nothing.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=5000",
            &format!("--window-size={width},{height}"),
        ])
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Opens `page` in a frame `width` × `height` px and reads, from inside it, whether the
/// page fits the frame's width and the smallest scale a chart is drawn at (displayed
/// width over its viewBox width).
fn framed(browser: &str, page: &Path, width: u32, height: u32) -> (bool, f64) {
    let frame = page.with_file_name(format!("frame-{width}.html"));
    let name = page.file_name().unwrap().to_string_lossy();
    std::fs::write(
        &frame,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\">\
<iframe id=\"f\" src=\"{name}\" style=\"width:{width}px;height:{height}px;border:0\"></iframe>\
<script>document.getElementById('f').addEventListener('load', function () {{\
var d = this.contentDocument, w = d.defaultView;\
var scales = Array.from(d.querySelectorAll('figure svg')).map(function (s) {{\
return s.getBoundingClientRect().width / s.viewBox.baseVal.width; }});\
document.body.setAttribute('data-fits', d.documentElement.scrollWidth <= w.innerWidth ? 'yes' : 'no');\
document.body.setAttribute('data-scale', scales.length ? Math.min.apply(null, scales) : 0);\
}});</script></body></html>"
        ),
    )
    .unwrap();
    let (dom, _) = open(
        browser,
        &frame,
        width.max(1366),
        height,
        &[
            "--allow-file-access-from-files".to_string(),
            "--dump-dom".to_string(),
        ],
    );
    let attribute = |name: &str| -> String {
        let start = dom
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("the frame did not report {name}: {dom}"))
            + name.len()
            + 2;
        dom[start..].split('"').next().unwrap().to_string()
    };
    (
        attribute("data-fits") == "yes",
        attribute("data-scale").parse().unwrap(),
    )
}

#[test]
fn dashboard_opens_offline_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("BAOVE_REQUIRE_CHROMIUM").is_none(),
            "chromium is required (apt-get install -y chromium)"
        );
        eprintln!("skipped: chromium not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(baove(dir.path(), &["load", &sample_data()]).code, 0);
    let run = baove(
        dir.path(),
        &[
            "dashboard",
            "--period",
            "2025Q1",
            "--out",
            "d.html",
            "--timestamp",
            "2026-01-01 08:00:00",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let run = baove(
        dir.path(),
        &["indicators", "--period", "2025Q1", "--out", "t.csv"],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let page = dir.path().join("d.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(!regex_like_external(&html), "an external reference in the page");

    let artefacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&artefacts).unwrap();
    for (width, height) in [(1366u32, 768u32), (390, 844)] {
        let shot = artefacts.join(format!("dashboard-{width}.png"));
        let _ = std::fs::remove_file(&shot);
        let (_, stderr) = open(
            &browser,
            &page,
            width,
            height,
            &[format!("--screenshot={}", shot.display())],
        );
        assert!(
            !stderr.contains("CONSOLE"),
            "console message at {width}px:\n{stderr}"
        );
        assert!(
            std::fs::metadata(&shot)
                .map(|m| m.len() > 10_000)
                .unwrap_or(false),
            "no screenshot at {width}px"
        );
        let (dom, stderr) = open(&browser, &page, width, height, &["--dump-dom".to_string()]);
        assert!(
            !stderr.contains("CONSOLE"),
            "console message at {width}px:\n{stderr}"
        );
        // Headless Chromium's window is never narrower than 500 px: the page is measured
        // inside a frame of the exact width, as a phone's viewport.
        let (width_fits, least_chart_scale) = framed(&browser, &page, width, height);
        assert!(width_fits, "the page scrolls sideways at {width}px");
        if width == 1366 {
            // The smallest chart text (chart::SMALLEST_TEXT units) at least the body's 16 px.
            assert!(
                least_chart_scale * baove::render::chart::SMALLEST_TEXT >= 16.0 - 1e-9,
                "chart text drawn at {:.1} px",
                least_chart_scale * baove::render::chart::SMALLEST_TEXT
            );
        }
        if width == 1366 {
            check_numbers(&dom, &dir.path().join("t.csv"));
            // Vietnamese letters survive the browser's parsing.
            assert!(dom.contains("Số vụ việc tiếp nhận"), "Vietnamese text lost");
        }
    }
    check_against_workbook(dir.path());

    let pdf = artefacts.join("dashboard-print.pdf");
    let _ = std::fs::remove_file(&pdf);
    let (_, stderr) = open(
        &browser,
        &page,
        1366,
        768,
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".into(),
        ],
    );
    assert!(!stderr.contains("CONSOLE"), "{stderr}");
    assert!(
        std::fs::metadata(&pdf).map(|m| m.len() > 10_000).unwrap_or(false),
        "no print preview"
    );
}

/// Whether an attribute points outside the file (the SVG namespace is a name, not a
/// request, and is the one "http" allowed).
fn regex_like_external(html: &str) -> bool {
    [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "url(http",
        "@import",
    ]
    .iter()
    .any(|needle| html.contains(needle))
}

/// Every headline tile's data-value equals the tidy file's value of the province total
/// (or its symbol).
fn check_numbers(dom: &str, tidy: &Path) {
    let rows = crate::util::read_csv_rows(tidy);
    let mut checked = 0;
    for (id, shown) in tiles(dom) {
        let (id, shown) = (id.as_str(), shown.as_str());
        let row = rows
            .iter()
            .find(|r| r["indicator_id"] == id && r["area_code"] == "44" && r["breakdown"].is_empty())
            .unwrap_or_else(|| panic!("{id} not in the tidy file"));
        let expected = if row["status"] == "suppressed" {
            "[c]"
        } else if row["value"].is_empty() {
            "[x]"
        } else {
            row["value"].as_str()
        };
        assert_eq!(shown, expected, "{id}");
        checked += 1;
    }
    assert!(checked >= 8, "{checked} tiles checked");
}

/// The dashboard `baove report` writes beside its workbook shows, on every headline
/// tile, the number of the workbook's summary sheet for that indicator.
fn check_against_workbook(dir: &Path) {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let run = baove(
        dir,
        &[
            "report",
            "--template",
            "quarterly",
            "--period",
            "2025Q1",
            "--out",
            "rep",
            "--timestamp",
            "2026-01-01 08:00:00",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let list = baove(dir, &["indicators", "--list"]);
    let label_of: HashMap<String, String> = list
        .stdout
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[2].to_string())
        })
        .collect();
    let html = std::fs::read_to_string(dir.join("rep").join("dashboard_2025Q1.html")).unwrap();
    let mut workbook: Xlsx<_> = open_workbook(dir.join("rep").join("quarterly_2025Q1.xlsx")).unwrap();
    let summary = workbook.worksheet_range("Tổng hợp chỉ tiêu").unwrap();
    let mut checked = 0;
    for (id, shown) in tiles(&html) {
        let (id, shown) = (id.as_str(), shown.as_str());
        let Some(row) = summary
            .rows()
            .find(|r| matches!(r.first(), Some(Data::String(l)) if *l == label_of[id]))
        else {
            continue;
        };
        match &row[2] {
            Data::Float(v) => {
                let tile: f64 = shown.parse().unwrap_or_else(|_| panic!("{id}: {shown}"));
                assert!(
                    (v - tile).abs() <= 1e-12 * v.abs().max(1.0),
                    "{id}: workbook {v}, dashboard {tile}"
                );
            }
            Data::String(symbol) => assert!(
                symbol == shown || (shown == "[x]" && (symbol == "[x]" || symbol == "[z]")),
                "{id}: workbook {symbol}, dashboard {shown}"
            ),
            other => panic!("{id}: {other:?}"),
        }
        checked += 1;
    }
    assert!(checked >= 8, "{checked} tiles checked against the workbook");
}

/// The headline tiles of a page: (indicator id, the exact value or symbol shown).
fn tiles(html: &str) -> Vec<(String, String)> {
    html.split("data-indicator=\"")
        .skip(1)
        .map(|piece| {
            let id = &piece[..piece.find('"').unwrap()];
            let value_at = piece.find("data-value=\"").unwrap() + "data-value=\"".len();
            let shown = &piece[value_at..value_at + piece[value_at..].find('"').unwrap()];
            (id.to_string(), shown.to_string())
        })
        .collect()
}

/// The dashboard a report writes beside its workbook is the page `baove dashboard`
/// writes for the same data, period and moment: the same bytes, its comparison of areas
/// included (it once had only that section's heading).
#[test]
fn the_dashboard_beside_a_report_is_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample_data();
    let at = "2026-01-01 08:00:00";
    let report = crate::report::quarterly_of_sample(dir.path(), "rep", at, &[]);
    assert_eq!(report.code, 0, "{}", report.all_output());
    let alone = baove(
        dir.path(),
        &[
            "dashboard",
            "--period",
            "2025Q1",
            "--input",
            &data,
            "--out",
            "d.html",
            "--timestamp",
            at,
        ],
    );
    assert_eq!(alone.code, 0, "{}", alone.all_output());
    let beside = std::fs::read(dir.path().join("rep").join("dashboard_2025Q1.html")).unwrap();
    let standalone = std::fs::read(dir.path().join("d.html")).unwrap();
    assert!(beside == standalone, "the two dashboards differ");
    let html = String::from_utf8(standalone).unwrap();
    assert!(html.matches("<tr data-area=").count() >= 7, "no comparison table");
}
