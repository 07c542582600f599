//! The drafted report ("Báo cáo", Decree 30/2020/NĐ-CP, Appendix I) as a DOCX the planner
//! edits: the header block, title and summary line, the drafted sections
//! (`drafting.rs` words them), the recipients and signature placeholders, and annexes of
//! tables and charts. Pure: report data in, bytes out; the same data and timestamp give
//! the same bytes.

use chrono::Datelike;
use docx_rs::{
    AlignmentType, BorderType, Docx, FieldCharType, Header, InstrPAGE, InstrText, LineSpacing,
    LineSpacingType, PageMargin, Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Pic,
    Run, RunFonts, SpecialIndentType, Table, TableCell, TableLayoutType, TableRow, VAlignType, WidthType,
};

use crate::catalog::{Indicator, Lang, Unit};
use crate::draft::Figure;
use crate::error::{Error, Result};
use crate::render::drafting::{period_words, place_and_date, target_text, value_text, DocumentInput};
use crate::render::labels::{of_whole, text, whole_coverage, whole_title, with_threshold};
use crate::render::view::{shown, Shown};
use crate::results::TidyRow;

/// The page: A4 portrait in twentieths of a point.
const PAGE_WIDTH: u32 = 11_906;
const PAGE_HEIGHT: u32 = 16_838;
/// One millimetre in twentieths of a point.
const MM: f64 = 56.692_913;
/// The decree's margins (top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm), taken
/// inside the ranges so that rounding never leaves them.
const MARGIN_TOP_MM: f64 = 22.0;
const MARGIN_BOTTOM_MM: f64 = 22.0;
const MARGIN_LEFT_MM: f64 = 32.0;
const MARGIN_RIGHT_MM: f64 = 17.0;
const FONT: &str = "Times New Roman";
/// Sizes in half-points.
const BODY: usize = 28;
const SMALL: usize = 24;
const RECIPIENTS: usize = 22;
const TABLE: usize = 22;
/// First-line indent of body paragraphs (1 cm) and the spacing after them (6 pt).
const FIRST_LINE: i32 = 567;
const AFTER: u32 = 120;
/// Line spacing in 240ths of a line: 1.15 (the decree: single to 1.5 lines).
const LINE: i32 = 276;

fn twips(mm: f64) -> i32 {
    (mm * MM).round() as i32
}

/// The width of the text between the margins.
pub fn text_width() -> i32 {
    PAGE_WIDTH as i32 - twips(MARGIN_LEFT_MM) - twips(MARGIN_RIGHT_MM)
}

fn fonts() -> RunFonts {
    RunFonts::new().ascii(FONT).hi_ansi(FONT).east_asia(FONT).cs(FONT)
}

fn run(text: &str, size: usize) -> Run {
    Run::new()
        .add_text(text)
        .size(size)
        .fonts(fonts())
        .color("000000")
}

/// Space before and after, and lines 1.15 apart; the rule is said, as LibreOffice reads
/// a line height without one as exact (a chart in such a line is cut to a sliver).
fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new()
        .before(before)
        .after(after)
        .line(LINE)
        .line_rule(LineSpacingType::Auto)
}

fn centred(text: &str, size: usize) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(spacing(0, 0))
        .add_run(run(text, size))
}

fn bold_centred(text: &str, size: usize) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(spacing(0, 0))
        .add_run(run(text, size).bold())
}

/// A short rule under a line of the header block: a bottom border on an empty paragraph
/// narrowed by indents to `width` twips in a cell of `cell` twips.
fn rule(cell: i32, width: i32) -> Paragraph {
    let side = ((cell - width) / 2).max(0);
    let mut p = Paragraph::new()
        .indent(Some(side), None, Some(side), None)
        .line_spacing(
            LineSpacing::new()
                .before(0)
                .after(0)
                .line(120)
                .line_rule(LineSpacingType::Auto),
        )
        .add_run(run("", 4));
    // Only the bottom border: `set_border` would start from docx-rs's default of all four.
    p.property = p.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .val(BorderType::Single)
                .size(6)
                .color("000000"),
        ),
    );
    p
}

fn body(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(FIRST_LINE)), None, None)
        .line_spacing(spacing(0, AFTER))
        .add_run(run(text, BODY))
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(FIRST_LINE)), None, None)
        .line_spacing(spacing(AFTER, AFTER))
        .keep_next(true)
        .add_run(run(text, BODY).bold())
}

fn cell(width: i32, paragraphs: Vec<Paragraph>) -> TableCell {
    let mut c = TableCell::new().width(width as usize, WidthType::Dxa);
    for p in paragraphs {
        c = c.add_paragraph(p);
    }
    c
}

/// A table of fixed columns across the text width (LibreOffice needs the grid and every
/// cell's width).
fn grid_table(rows: Vec<TableRow>, widths: &[i32], borders: bool) -> Table {
    let table = if borders {
        Table::new(rows)
    } else {
        Table::without_borders(rows)
    };
    table
        .set_grid(widths.iter().map(|w| *w as usize).collect())
        .width(widths.iter().sum::<i32>() as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// The header block: the office at the top left, the national motto at the top right.
fn header_block(input: &DocumentInput<'_>) -> Table {
    let lang = input.lang;
    let office = input.office;
    let total = text_width();
    // The national name is the longest line: 12 pt bold in 63% of the width fits it.
    let left = total * 37 / 100;
    let right = total - left;
    let number = format!("{}      /BC-{}", text(lang, "doc_number"), office.symbol);
    let left_cell = cell(
        left,
        vec![
            centred(&office.parent(lang).to_uppercase(), SMALL),
            bold_centred(&office.name(lang).to_uppercase(), SMALL),
            rule(left, left / 3),
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(spacing(120, 0))
                .add_run(run(&number, BODY - 2)),
        ],
    );
    let right_cell = cell(
        right,
        vec![
            bold_centred(text(lang, "doc_national_name"), SMALL),
            bold_centred(text(lang, "doc_motto"), BODY),
            rule(right, right * 3 / 5),
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(spacing(120, 0))
                .add_run(
                    run(
                        &place_and_date(lang, office.place(lang), input.generated_at.date()),
                        BODY,
                    )
                    .italic(),
                ),
        ],
    );
    grid_table(
        vec![TableRow::new(vec![left_cell, right_cell])],
        &[left, right],
        false,
    )
}

/// "Nơi nhận:" at the left and the signature block at the right.
fn closing_block(input: &DocumentInput<'_>) -> Table {
    let lang = input.lang;
    let office = input.office;
    let total = text_width();
    let left = total / 2;
    let right = total - left;
    let mut recipients = vec![Paragraph::new()
        .line_spacing(spacing(0, 0))
        .add_run(run(text(lang, "doc_recipients"), SMALL).bold().italic())];
    for r in office.recipients(lang) {
        recipients.push(
            Paragraph::new()
                .line_spacing(spacing(0, 0))
                .add_run(run(&format!("- {r}"), RECIPIENTS)),
        );
    }
    let mut signature = Vec::new();
    if !office.signer_authority(lang).is_empty() {
        signature.push(bold_centred(office.signer_authority(lang), BODY));
    }
    signature.push(bold_centred(office.signer_title(lang), BODY));
    for _ in 0..4 {
        signature.push(centred("", BODY));
    }
    signature.push(bold_centred(office.signer_name(lang), BODY));
    // One row that never splits: the authority, the title, the space to sign and the
    // name, and the recipients beside them, on one page.
    grid_table(
        vec![TableRow::new(vec![cell(left, recipients), cell(right, signature)]).cant_split()],
        &[left, right],
        false,
    )
}

fn table_text(text: &str, align: AlignmentType, bold: bool) -> Paragraph {
    let r = run(text, TABLE);
    Paragraph::new()
        .align(align)
        .line_spacing(spacing(40, 40))
        .add_run(if bold { r.bold() } else { r })
}

fn shown_text(lang: Lang, unit: Unit, row: Option<&TidyRow>) -> String {
    match shown(row) {
        Shown::Number(v) => value_text(lang, unit, v),
        Shown::Symbol(s) => s.to_string(),
    }
}

fn data_table(header: &[String], rows: &[Vec<String>], widths: &[i32]) -> Table {
    let header_row = TableRow::new(
        header
            .iter()
            .zip(widths)
            .map(|(h, w)| {
                cell(*w, vec![table_text(h, AlignmentType::Center, true)]).vertical_align(VAlignType::Center)
            })
            .collect(),
    )
    .cant_split();
    let mut all = vec![header_row];
    for row in rows {
        all.push(
            TableRow::new(
                row.iter()
                    .zip(widths)
                    .enumerate()
                    .map(|(i, (t, w))| {
                        let align = if i == 0 {
                            AlignmentType::Left
                        } else {
                            AlignmentType::Right
                        };
                        cell(*w, vec![table_text(t, align, false)])
                    })
                    .collect(),
            )
            .cant_split(),
        );
    }
    grid_table(all, widths, true)
}

fn summary_annex(input: &DocumentInput<'_>, ids: &[String]) -> Table {
    let lang = input.lang;
    let data = input.data;
    let with_year = data.compares_year_before();
    let header: Vec<String> = [
        "doc_indicator",
        "unit",
        "doc_this_period",
        "doc_previous_period",
        "doc_year_before",
        "doc_target",
    ]
    .iter()
    .filter(|k| with_year || **k != "doc_year_before")
    .map(|k| text(lang, k).to_string())
    .collect();
    let mut rows = Vec::new();
    for id in ids {
        let Some(indicator) = input.indicator(id) else {
            continue;
        };
        let unit = indicator.unit;
        let mut row = vec![
            indicator.label(lang).to_string(),
            crate::render::view::unit_label(lang, unit, indicator.subject).to_string(),
            shown_text(lang, unit, input.row(&data.current, id)),
            shown_text(lang, unit, input.row(&data.previous, id)),
        ];
        if with_year {
            row.push(shown_text(lang, unit, input.row(&data.year_before, id)));
        }
        row.push(
            input
                .target(id)
                .map(|t| target_text(lang, unit, t))
                .unwrap_or_default(),
        );
        rows.push(row);
    }
    let total = text_width();
    let first = total * 36 / 100;
    let unit = total * 14 / 100;
    let figures = header.len() as i32 - 2;
    let rest = (total - first - unit) / figures;
    let last = total - first - unit - (figures - 1) * rest;
    let mut widths = vec![first, unit];
    widths.extend(std::iter::repeat_n(rest, figures as usize - 1));
    widths.push(last);
    data_table(&header, &rows, &widths)
}

fn by_area_annex(input: &DocumentInput<'_>, ids: &[String]) -> Table {
    let lang = input.lang;
    let data = input.data;
    let indicators: Vec<&Indicator> = ids.iter().filter_map(|id| input.indicator(id)).collect();
    let mut header = vec![text(lang, "doc_area").to_string()];
    header.extend(indicators.iter().map(|i| i.label(lang).to_string()));
    let mut codes: Vec<&String> = vec![&data.geography.province];
    codes.extend(data.geography.on_last_day.iter());
    let mut rows = Vec::new();
    for code in codes {
        let name = if *code == data.geography.province {
            of_whole(lang, "province", code).to_string()
        } else {
            data.geography
                .names
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.clone())
        };
        let mut row = vec![name];
        for indicator in &indicators {
            row.push(shown_text(
                lang,
                indicator.unit,
                data.current.find(&indicator.id, code, "", ""),
            ));
        }
        rows.push(row);
    }
    let total = text_width();
    let first = total * 28 / 100;
    let n = indicators.len().max(1) as i32;
    let each = (total - first) / n;
    let mut widths = vec![first];
    widths.extend((0..n).map(|i| {
        if i == n - 1 {
            total - first - each * (n - 1)
        } else {
            each
        }
    }));
    data_table(&header, &rows, &widths)
}

/// Builds the DOCX.
pub fn build(input: &DocumentInput<'_>) -> Result<Vec<u8>> {
    let docx = annexes(main_text(page(input), input), input);
    let mut bytes = std::io::Cursor::new(Vec::new());
    docx.build().pack(&mut bytes).map_err(|e| Error::Write {
        what: "the report document",
        message: e.to_string(),
    })?;
    Ok(bytes.into_inner())
}

/// The page (A4, the decree's margins, the body's font), the page number from page 2.
fn page(input: &DocumentInput<'_>) -> Docx {
    // The page number in the top margin, centred, from page 2 (the first page's header is
    // empty): the field run is built by hand so that it has the body's font and size.
    let page_number = Run::new()
        .size(BODY)
        .fonts(fonts())
        .color("000000")
        .add_field_char(FieldCharType::Begin, false)
        .add_instr_text(InstrText::PAGE(InstrPAGE {}))
        .add_field_char(FieldCharType::Separate, false)
        .add_text("2")
        .add_field_char(FieldCharType::End, false);
    let header =
        Header::new().add_paragraph(Paragraph::new().align(AlignmentType::Center).add_run(page_number));
    let stamp = input.generated_at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(PageMargin {
            top: twips(MARGIN_TOP_MM),
            left: twips(MARGIN_LEFT_MM),
            bottom: twips(MARGIN_BOTTOM_MM),
            right: twips(MARGIN_RIGHT_MM),
            header: twips(10.0),
            footer: twips(10.0),
            gutter: 0,
        })
        .default_fonts(fonts())
        .default_size(BODY)
        .header(header)
        .first_header(Header::new().add_paragraph(Paragraph::new()))
        .created_at(&stamp)
        .updated_at(&stamp)
}

/// The header block, title and summary, what the figures cover, the drafted sections and
/// the closing block (recipients, signature).
fn main_text(mut docx: Docx, input: &DocumentInput<'_>) -> Docx {
    let lang = input.lang;
    docx = docx.add_table(header_block(input));
    docx = docx.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(spacing(360, 0))
            .add_run(run(input.document.template.title(lang), BODY).bold()),
    );
    docx = docx.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(spacing(0, 0))
            .add_run(run(&input.summary(), BODY).bold()),
    );
    // What the figures cover: the whole as the store knows it for the period, and the
    // provinces whose data it holds (a former province is never the merged one's whole).
    docx = docx.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(spacing(0, 0))
            .add_run(
                run(
                    &format!(
                        "({}: {}; {})",
                        text(lang, "whole_reported"),
                        whole_title(lang, &input.data.geography),
                        whole_coverage(lang, &input.data.geography)
                    ),
                    BODY,
                )
                .italic(),
            ),
    );
    docx = docx.add_paragraph(rule(text_width(), text_width() / 5));
    docx = docx.add_paragraph(centred("", BODY));
    for section in input.draft() {
        if !section.heading.is_empty() {
            docx = docx.add_paragraph(heading(&section.heading));
        }
        for p in &section.paragraphs {
            docx = docx.add_paragraph(body(p));
        }
    }
    docx = docx.add_paragraph(centred("", BODY));
    docx = docx.add_table(closing_block(input));
    docx
}

/// The annexes, each on a new page: its number, title, the report it is attached to, the
/// period, then its table or charts and, under a table, the symbols.
fn annexes(mut docx: Docx, input: &DocumentInput<'_>) -> Docx {
    let lang = input.lang;
    let office = input.office;
    let attached = match lang {
        Lang::Vi => format!(
            "(Kèm theo Báo cáo số      /BC-{} ngày      tháng      năm {} của {})",
            office.symbol,
            input.generated_at.year(),
            office.name(lang)
        ),
        Lang::En => format!(
            "(Attached to Report No.      /BC-{} of the {}, {})",
            office.symbol,
            office.name(lang),
            input.generated_at.year()
        ),
    };
    let roman = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"];
    let mut chart_left = input.charts.iter();
    for (n, annex) in input.document.template.annexes.iter().enumerate() {
        let number = roman.get(n).copied().unwrap_or("X");
        docx = docx.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .page_break_before(true)
                .line_spacing(spacing(0, 0))
                .add_run(run(&format!("{} {number}", text(lang, "doc_annex")), BODY).bold()),
        );
        docx = docx.add_paragraph(bold_centred(annex.title(lang), BODY));
        docx = docx.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(spacing(0, AFTER))
                .add_run(run(&attached, SMALL).italic()),
        );
        docx = docx.add_paragraph(centred(
            &format!(
                "{} ({})",
                period_words(lang, &input.data.current.period),
                input.figure(&Figure::PeriodDates).unwrap_or_default()
            ),
            SMALL,
        ));
        match annex.kind {
            crate::draft::AnnexKind::Summary => {
                docx = docx.add_table(summary_annex(input, &annex.indicators));
            }
            crate::draft::AnnexKind::ByArea => {
                docx = docx.add_table(by_area_annex(input, &annex.indicators));
            }
            crate::draft::AnnexKind::Charts => {
                docx = chart_figures(docx, lang, chart_left.by_ref().take(annex.count));
            }
        }
        if annex.kind != crate::draft::AnnexKind::Charts {
            let note = with_threshold(
                lang,
                if input.data.public {
                    "doc_symbols_public"
                } else {
                    "doc_symbols_internal"
                },
            );
            docx = docx.add_paragraph(
                Paragraph::new()
                    .line_spacing(spacing(AFTER, 0))
                    .add_run(run(&note, RECIPIENTS).italic()),
            );
        }
    }
    docx
}

/// Charts of an annex, each sized to the text width and captioned.
fn chart_figures<'c>(
    mut docx: Docx,
    lang: Lang,
    charts: impl Iterator<Item = &'c (String, Vec<u8>)>,
) -> Docx {
    for (k, (title, png)) in charts.enumerate() {
        // Every chart is drawn at the renderer's one size.
        let (w, h) = (crate::render::chart::WIDTH, crate::render::chart::HEIGHT);
        // Sized to the text width, height in proportion (EMU: 635 a twip).
        let width_emu = text_width() as u32 * 635;
        let height_emu = (f64::from(width_emu) * f64::from(h) / f64::from(w)).round() as u32;
        let pic = Pic::new_with_dimensions(png.clone(), w, h).size(width_emu, height_emu);
        docx = docx.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .keep_next(true)
                .line_spacing(spacing(AFTER, 0))
                .add_run(Run::new().add_image(pic)),
        );
        docx = docx.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(spacing(0, AFTER))
                .add_run(run(&format!("{} {}. {title}", text(lang, "doc_chart"), k + 1), SMALL).italic()),
        );
    }
    docx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_fits_the_decrees_margins() {
        // 210 mm less 32 and 17 mm of margins.
        assert_eq!(text_width(), PAGE_WIDTH as i32 - 1814 - 964);
        for (mm, low, high) in [
            (MARGIN_TOP_MM, 20.0, 25.0),
            (MARGIN_BOTTOM_MM, 20.0, 25.0),
            (MARGIN_LEFT_MM, 30.0, 35.0),
            (MARGIN_RIGHT_MM, 15.0, 20.0),
        ] {
            let back = f64::from(twips(mm)) / MM;
            assert!(back > low && back < high, "{mm} mm");
        }
    }
}
