//! The drafted report (`DIR/<template>_<period>.docx`) as its readers get it: its parts
//! as Word and LibreOffice read them (page, margins, fonts), LibreOffice Writer printing
//! it to PDF, and poppler reading the page size, the fonts and the text, whose figures
//! must be the tidy table's.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::report::{have_libreoffice, print_to_pdf, quarterly_of_sample};
use crate::util::{read_csv_rows, repo};

/// The day the report is drafted: a day and a month below 10 and 3, for the decree's
/// leading zeros.
const STAMP: &str = "2026-02-05 08:00:00";

/// Drafts the sample's quarterly report of 2025Q1 (public) into `out`.
fn drafted(here: &Path, out: &str, extra: &[&str]) -> PathBuf {
    let run = quarterly_of_sample(here, out, STAMP, extra);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stdout.contains("quarterly_2025Q1.docx"), "{}", run.stdout);
    here.join(out).join("quarterly_2025Q1.docx")
}

fn part(docx: &Path, name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(docx).unwrap()).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the DOCX"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The value of `attribute` in the first `<tag ...>` of an XML text.
fn attribute(xml: &str, tag: &str, attribute: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag} "))?;
    let element = &xml[start..start + xml[start..].find('>')?];
    let key = format!("{attribute}=\"");
    let at = element.find(&key)? + key.len();
    Some(element[at..at + element[at..].find('"')?].to_string())
}

/// Page, margins, fonts and colour as the parts declare them: A4 portrait; margins top
/// and bottom 20-25 mm, left 30-35 mm, right 15-20 mm; Times New Roman in the four font
/// slots of the defaults and of every run; black text; the page number only in the
/// header of the pages after the first.
#[test]
fn the_drafted_report_declares_the_decrees_page_and_fonts() {
    let dir = tempfile::tempdir().unwrap();
    let docx = drafted(dir.path(), "out", &[]);
    let document = part(&docx, "word/document.xml");
    let twips = |name: &str| -> f64 { attribute(&document, "w:pgMar", name).unwrap().parse().unwrap() };
    let mm = |name: &str| twips(name) / 1440.0 * 25.4;
    assert_eq!(attribute(&document, "w:pgSz", "w:w").as_deref(), Some("11906"));
    assert_eq!(attribute(&document, "w:pgSz", "w:h").as_deref(), Some("16838"));
    assert_ne!(
        attribute(&document, "w:pgSz", "w:orient").as_deref(),
        Some("landscape")
    );
    for (side, low, high) in [
        ("w:top", 20.0, 25.0),
        ("w:bottom", 20.0, 25.0),
        ("w:left", 30.0, 35.0),
        ("w:right", 15.0, 20.0),
    ] {
        let m = mm(side);
        assert!((low..=high).contains(&m), "{side}: {m:.1} mm");
    }
    let styles = part(&docx, "word/styles.xml");
    for slot in ["w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"] {
        assert_eq!(
            attribute(&styles, "w:rFonts", slot).as_deref(),
            Some("Times New Roman"),
            "default {slot}"
        );
    }
    let run_fonts: Vec<&str> = document
        .split("<w:rFonts ")
        .skip(1)
        .map(|s| &s[..s.find("/>").unwrap()])
        .collect();
    assert!(run_fonts.len() > 50, "{} runs name their fonts", run_fonts.len());
    for fonts in &run_fonts {
        for slot in ["w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"] {
            assert!(fonts.contains(&format!("{slot}=\"Times New Roman\"")), "{fonts}");
        }
    }
    let colours: Vec<&str> = document
        .split("<w:color w:val=\"")
        .skip(1)
        .map(|s| &s[..6])
        .collect();
    assert!(
        !colours.is_empty() && colours.iter().all(|c| *c == "000000"),
        "{colours:?}"
    );
    assert!(document.contains("<w:titlePg />"), "a first page of its own");
    let headers: Vec<String> = (1..=2)
        .map(|n| part(&docx, &format!("word/header{n}.xml")))
        .collect();
    assert_eq!(
        headers
            .iter()
            .filter(|h| h.contains("<w:instrText>PAGE</w:instrText>"))
            .count(),
        1,
        "the page number in one header, the other (the first page's) empty"
    );
    // Body paragraphs: justified, a first-line indent, at least 6 pt after.
    assert!(document.contains(r#"<w:jc w:val="both" />"#));
    assert!(document.contains(r#"w:firstLine="567""#));
    assert!(document.contains(r#"w:after="120""#));
}

/// The tidy rows of the province's totals (the shortest area code) in 2025Q1, by indicator.
fn province_values(tidy: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let rows = read_csv_rows(tidy);
    let shortest = rows.iter().map(|r| r["area_code"].len()).min().unwrap();
    rows.into_iter()
        .filter(|r| r["period"] == "2025Q1" && r["area_code"].len() == shortest && r["breakdown"].is_empty())
        .map(|r| (r["indicator_id"].clone(), r))
        .collect()
}

/// A number the Vietnamese way, as an independent reading of the tidy value: dots
/// between thousands, a decimal comma.
fn vietnamese(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    if fraction.is_empty() {
        grouped
    } else {
        format!("{grouped},{fraction}")
    }
}

fn pdf_text(pdf: &Path, page: Option<usize>) -> String {
    let mut command = std::process::Command::new("pdftotext");
    if let Some(p) = page {
        command.args(["-f", &p.to_string(), "-l", &p.to_string()]);
    }
    let out = command.arg(pdf).arg("-").output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn tool(program: &str, pdf: &Path) -> String {
    let out = std::process::Command::new(program).arg(pdf).output().unwrap();
    assert!(out.status.success(), "{program}");
    String::from_utf8(out.stdout).unwrap()
}

/// Printed by LibreOffice Writer: A4 portrait, only Times New Roman or its metric twin
/// Liberation Serif embedded, the header block, the title, the closing and the annex,
/// no page number on page 1 and "2" atop page 2; and every figure of the opening
/// paragraph is the public tidy table's value, in Vietnamese number forms.
#[test]
fn libreoffice_prints_the_drafted_report_with_the_tidy_tables_figures() {
    if !have_libreoffice() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path();
    let docx = drafted(here, "out", &[]);
    let pdf = print_to_pdf(here, &docx);

    a4_portrait_in_times_only(&pdf);

    let first = pdf_text(&pdf, Some(1));
    for expected in [
        "UBND TỈNH QUẢNG TRỊ",
        "SỞ Y TẾ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "/BC-SYT",
        "Quảng Trị, ngày 05 tháng 02 năm 2026",
        "BÁO CÁO",
        "quý I năm 2025",
    ] {
        assert!(first.contains(expected), "page 1 lacks {expected:?}:\n{first}");
    }
    let top_of = |text: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        !top_of(&first).chars().all(|c| c.is_ascii_digit()),
        "page 1 starts with a page number: {:?}",
        top_of(&first)
    );
    assert_eq!(
        top_of(&pdf_text(&pdf, Some(2))),
        "2",
        "page 2 is numbered at its top"
    );

    let whole = pdf_text(&pdf, None);
    let flat = whole.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Nơi nhận:",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Phụ lục I",
        "Phụ lục III",
        "I. TÌNH HÌNH CHUNG",
        "III. ĐÁNH GIÁ CHUNG",
    ] {
        assert!(flat.contains(expected), "no {expected:?}");
    }

    signature_block_is_whole_on_one_page(&pdf, &docx);

    opening_figures_are_the_tidy_tables(&flat, &here.join("out/indicators.csv"));
}

/// A4 portrait, only Times New Roman or its metric twin Liberation Serif embedded.
fn a4_portrait_in_times_only(pdf: &Path) {
    let info = tool("pdfinfo", pdf);
    let size = info.lines().find(|l| l.starts_with("Page size:")).unwrap();
    let numbers: Vec<f64> = size.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert!(
        (numbers[0] - 595.28).abs() < 1.0 && (numbers[1] - 841.89).abs() < 1.0,
        "{size}"
    );
    let fonts = tool("pdffonts", pdf);
    let names: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(!names.is_empty());
    for name in &names {
        let plain = name.split('+').next_back().unwrap().to_lowercase();
        assert!(
            plain.starts_with("timesnewroman") || plain.starts_with("liberationserif"),
            "font {name} in {fonts}"
        );
    }
}

/// The signature block is printed whole on one page, with the recipients; the docx
/// keeps it so.
fn signature_block_is_whole_on_one_page(pdf: &Path, docx: &Path) {
    let pages: usize = tool("pdfinfo", pdf)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    let signed: Vec<usize> = (1..=pages)
        .filter(|&p| pdf_text(pdf, Some(p)).contains("KT. GIÁM ĐỐC"))
        .collect();
    assert_eq!(signed.len(), 1, "{signed:?}");
    let page = pdf_text(pdf, Some(signed[0]));
    for part in ["Nơi nhận:", "PHÓ GIÁM ĐỐC", "[Họ và tên]"] {
        assert!(page.contains(part), "page {} lacks {part:?}:\n{page}", signed[0]);
    }
    // The sample's block never reaches a page's end, so the page alone cannot show the
    // promise kept: the block, recipients beside it, is one table row a reader may not
    // split across pages (LibreOffice and Word move such a row whole to the next page).
    let xml = part(docx, "word/document.xml");
    let block = xml.find("KT. GIÁM ĐỐC").expect("the signature block");
    let row = xml[..block]
        .rfind("<w:tr>")
        .or_else(|| xml[..block].rfind("<w:tr "))
        .unwrap();
    let row_properties = &xml[row..block];
    assert!(
        row_properties.contains("Nơi nhận:"),
        "the recipients share the block's row"
    );
    assert!(
        row_properties.contains("<w:cantSplit"),
        "the block's row may split across pages"
    );
}

/// Every figure of the opening paragraph is the public tidy table's value, in
/// Vietnamese number forms.
fn opening_figures_are_the_tidy_tables(flat: &str, tidy: &Path) {
    let values = province_values(tidy);
    let value = |id: &str| -> f64 {
        let row = &values[id];
        assert_eq!(row["status"], "", "{id} is shown in the sample");
        row["value"].parse().unwrap()
    };
    let count = |id: &str| vietnamese(value(id), 0);
    let share = |id: &str| format!("{}%", vietnamese(value(id) * 100.0, 2));
    for phrase in [
        format!(
            "tiếp nhận {} vụ việc xâm hại trẻ em trên môi trường mạng",
            count("cases_received")
        ),
        format!(
            "trong đó {} vụ việc được xác minh có xâm hại ({} số vụ việc đã xác minh)",
            count("cases_confirmed"),
            share("confirmed_share")
        ),
        format!(
            "tỷ lệ tiếp nhận là {} vụ việc trên 100.000 trẻ em",
            vietnamese(value("rate_received"), 2)
        ),
        format!(
            "{} nội dung xâm hại trẻ em được phát hiện",
            count("content_detected")
        ),
        format!("{} yêu cầu gỡ bỏ được gửi đi", count("takedown_requested")),
    ] {
        assert!(flat.contains(&phrase), "the opening lacks {phrase:?}:\n{flat}");
    }
}

/// `baove check` refuses a drafted report naming a figure no indicator gives, or a
/// condition it does not know, and names the sentence.
#[test]
fn check_refuses_a_sentence_naming_an_unknown_figure() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    for (sub, ext) in [
        ("queries/indicators", "sql"),
        ("queries/indicators", "toml"),
        ("report-templates", "toml"),
        ("report-templates/document", "toml"),
    ] {
        std::fs::create_dir_all(catalog.join(sub)).unwrap();
        for entry in std::fs::read_dir(repo().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) == Some(ext) {
                std::fs::copy(&path, catalog.join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    let document = catalog.join("report-templates/document/bao-cao.toml");
    let original = std::fs::read_to_string(&document).unwrap();
    let check = || {
        crate::util::command(dir.path())
            .arg("check")
            .env("BAOVE_CATALOG", &catalog)
            .output()
            .unwrap()
    };
    let fine = check();
    assert!(fine.status.success(), "{}", String::from_utf8_lossy(&fine.stderr));
    for (from, to, named) in [
        (
            "{cases_confirmed} vụ việc",
            "{cases_confirmd} vụ việc",
            "cases_confirmd",
        ),
        ("{support_coverage.target}", "{support_coverage.goal}", "goal"),
        (
            "target_met(support_coverage)",
            "target_reached(support_coverage)",
            "target_reached",
        ),
    ] {
        assert!(original.contains(from), "{from}");
        std::fs::write(&document, original.replacen(from, to, 1)).unwrap();
        let refused = check();
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{to} was accepted");
        assert!(stderr.contains(named) && stderr.contains("sentence"), "{stderr}");
        assert_eq!(stderr.matches("error:").count(), 1, "said once: {stderr}");
    }
}
