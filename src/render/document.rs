//! The drafted report ("Báo cáo", Decree 30/2020/NĐ-CP, Appendix I) as a DOCX the planner
//! edits: the header block, title and summary line, sections of sentences drafted from
//! the report's values by the rules of `report-templates/document/`, the recipients and
//! signature placeholders, and annexes of tables and charts. Pure: report data in, bytes
//! out; the same data and timestamp give the same bytes.
//!
//! Disclosure: every figure is read from the report's (already suppressed) tidy rows, and
//! a sentence naming a figure the audience may not see is left out whole, so no
//! suppressed value can reach the text.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use docx_rs::{
    AlignmentType, BorderType, Docx, FieldCharType, Header, InstrPAGE, InstrText, LineSpacing,
    LineSpacingType, PageMargin, Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Pic,
    Run, RunFonts, SpecialIndentType, Table, TableCell, TableLayoutType, TableRow, VAlignType, WidthType,
};

use crate::catalog::{DeadlineRule, Direction, Indicator, Lang, Unit};
use crate::compare::Compared;
use crate::draft::{Aspect, Checked, Condition, Figure, Office, Piece, QualityCount};
use crate::error::{Error, Result};
use crate::period::{Period, Span};
use crate::render::labels::{
    code_name, local_number, of_whole, text, whole_coverage, whole_title, with_threshold,
};
use crate::render::workbook::{shown, Shown};
use crate::report::{PeriodValues, ReportData};
use crate::results::{Status, TidyRow};

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

/// What the document is drafted from, beside the report's values.
pub struct DocumentInput<'a> {
    pub data: &'a ReportData,
    pub document: &'a Checked,
    pub office: &'a Office,
    /// The funnel comparisons of the document's `[funnel]` indicators.
    pub funnels: &'a [Compared],
    /// Charts for the charts annex: (title, PNG drawn by `chart::render`).
    pub charts: Vec<(String, Vec<u8>)>,
    pub lang: Lang,
    pub generated_at: NaiveDateTime,
}

/// A drafted section: its heading, paragraphs, or the planner's placeholder.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftSection {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// The period in words: "quý I năm 2026", "the first quarter of 2026".
pub fn period_words(lang: Lang, p: &Period) -> String {
    const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];
    const ORDINAL: [&str; 4] = ["first", "second", "third", "fourth"];
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let year = p.reference_year();
    match (lang, p.span) {
        (Lang::Vi, Span::Quarter(q)) => format!("quý {} năm {year}", ROMAN[(q - 1) as usize]),
        (Lang::Vi, Span::Half(1)) => format!("6 tháng đầu năm {year}"),
        (Lang::Vi, Span::Half(_)) => format!("6 tháng cuối năm {year}"),
        (Lang::Vi, Span::Month(m)) => format!("tháng {m} năm {year}"),
        (Lang::Vi, Span::Year) => format!("năm {year}"),
        (Lang::En, Span::Quarter(q)) => format!("the {} quarter of {year}", ORDINAL[(q - 1) as usize]),
        (Lang::En, Span::Half(h)) => format!("the {} half of {year}", ORDINAL[(h - 1) as usize]),
        (Lang::En, Span::Month(m)) => format!("{} {year}", MONTHS[(m - 1) as usize]),
        (Lang::En, Span::Year) => format!("{year}"),
    }
}

/// The place-and-date line. Decree 30/2020, Appendix I: a day below 10 and the months
/// January and February take a leading zero ("ngày 05 tháng 02 năm 2026", "ngày 15 tháng
/// 3 năm 2026").
pub fn place_and_date(lang: Lang, place: &str, day: NaiveDate) -> String {
    match lang {
        Lang::Vi => {
            let month = if day.month() <= 2 {
                format!("{:02}", day.month())
            } else {
                day.month().to_string()
            };
            format!("{place}, ngày {:02} tháng {month} năm {}", day.day(), day.year())
        }
        Lang::En => format!("{place}, {}", day.format("%-d %B %Y")),
    }
}

/// A value in the reader's number forms: 1.075; 26,85%; 12,40; 3,5.
pub fn value_text(lang: Lang, unit: Unit, value: f64) -> String {
    match unit {
        Unit::Count => local_number(lang, value, 0),
        Unit::Share => format!("{}%", local_number(lang, value * 100.0, 2)),
        Unit::Per100k => local_number(lang, value, 2),
        Unit::Hours | Unit::Days => local_number(lang, value, 1),
    }
}

/// A target: a share without trailing zeros ("100%", "95,5%").
fn target_text(lang: Lang, unit: Unit, value: f64) -> String {
    let full = value_text(lang, unit, value);
    if unit != Unit::Share {
        return full;
    }
    let comma = if lang == Lang::Vi { ',' } else { '.' };
    let number = full.trim_end_matches('%');
    let number = if number.contains(comma) {
        number.trim_end_matches('0').trim_end_matches(comma)
    } else {
        number
    };
    format!("{number}%")
}

/// A change in words ("tăng 12, tương ứng 8,1%"; never nested brackets, as changes are
/// often written in brackets): counts with their percentage, shares in percentage points, the
/// rest in their unit; a change that rounds to nothing is "no change".
pub fn change_text(lang: Lang, unit: Unit, now: f64, before: f64) -> String {
    let difference = now - before;
    let (magnitude, decimals) = match unit {
        Unit::Count => (difference.abs(), 0),
        Unit::Share => (difference.abs() * 100.0, 1),
        Unit::Per100k => (difference.abs(), 2),
        Unit::Hours | Unit::Days => (difference.abs(), 1),
    };
    let shown = local_number(lang, magnitude, decimals);
    if shown.chars().all(|c| !c.is_ascii_digit() || c == '0') {
        return text(lang, "doc_unchanged").to_string();
    }
    let direction = text(lang, if difference > 0.0 { "doc_up" } else { "doc_down" });
    match unit {
        Unit::Count if before > 0.0 => format!(
            "{direction} {shown}, {} {}%",
            text(lang, "doc_that_is"),
            local_number(lang, magnitude / before * 100.0, 1)
        ),
        Unit::Share => format!("{direction} {shown} {}", text(lang, "doc_points")),
        _ => format!("{direction} {shown}"),
    }
}

impl DocumentInput<'_> {
    fn whole(&self) -> &str {
        &self.data.geography.province
    }

    fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.data.indicators.iter().find(|i| i.id == id)
    }

    fn row<'v>(&self, values: &'v PeriodValues, id: &str) -> Option<&'v TidyRow> {
        values.find(id, self.whole(), "", "")
    }

    /// The value of a row the audience may see.
    fn visible(row: Option<&TidyRow>) -> Option<f64> {
        match shown(row) {
            Shown::Number(v) => Some(v),
            Shown::Symbol(_) => None,
        }
    }

    fn value_in(&self, values: &PeriodValues, id: &str) -> Option<f64> {
        Self::visible(self.row(values, id))
    }

    fn target(&self, id: &str) -> Option<f64> {
        self.data.target(id, &self.data.current.period).map(|t| t.value)
    }

    fn deadline(&self, id: &str) -> Option<&DeadlineRule> {
        let stage = self.indicator(id)?.deadline.as_deref()?;
        let end = self.data.current.period.end();
        self.data.deadlines.iter().find(|r| {
            r.stage == stage && r.when.is_none() && crate::catalog::in_force(r.valid_from, r.valid_to, end)
        })
    }

    /// The category of a breakdown whose value changed most against the previous period
    /// in the asked direction, with (now, before); both values shown.
    fn most_changed(&self, id: &str, breakdown: &str, rising: bool) -> Option<(String, f64, f64)> {
        if self.data.rule_change(id, &self.data.previous.period).is_some() {
            return None;
        }
        let whole = self.whole();
        let mut best: Option<(String, f64, f64)> = None;
        for row in self
            .data
            .current
            .rows
            .iter()
            .filter(|r| r.indicator_id == id && r.area_code == whole && r.breakdown == breakdown)
        {
            let Some(now) = Self::visible(Some(row)) else {
                continue;
            };
            let before = self
                .data
                .previous
                .find(id, whole, breakdown, &row.breakdown_value);
            let Some(before) = Self::visible(before) else {
                continue;
            };
            let change = now - before;
            let better = (if rising { change > 0.0 } else { change < 0.0 })
                && best
                    .as_ref()
                    .is_none_or(|(_, n, b)| if rising { change > n - b } else { change < n - b });
            if better {
                best = Some((row.breakdown_value.clone(), now, before));
            }
        }
        best
    }

    /// The areas outside the 95% limits of the funnels, each once, in the order found,
    /// with what they stand out on.
    fn outside_funnel(&self) -> Vec<(String, Vec<String>)> {
        let mut areas: Vec<(String, Vec<String>)> = Vec::new();
        for compared in self.funnels {
            let comparison = &compared.comparison;
            let Some(indicator) = self.indicator(&comparison.indicator_id) else {
                continue;
            };
            for area in comparison.areas.iter().filter(|a| a.flag.outside_95()) {
                let side = text(
                    self.lang,
                    if area.value > comparison.province_value {
                        "doc_higher"
                    } else {
                        "doc_lower"
                    },
                );
                let what = format!(
                    "{side} {} {}",
                    text(self.lang, "doc_on"),
                    indicator.label(self.lang).to_lowercase()
                );
                match areas.iter_mut().find(|(code, _)| *code == area.area_code) {
                    Some((_, list)) => list.push(what),
                    None => areas.push((area.area_code.clone(), vec![what])),
                }
            }
        }
        areas
    }

    /// A data-quality count and its name among the report's quality counts.
    fn quality(&self, which: QualityCount) -> (&'static str, u64) {
        let q = &self.data.quality;
        match which {
            QualityCount::LateRecords => ("late_records", q.late_records),
            QualityCount::Quarantined => ("quarantined", q.quarantined),
            QualityCount::InvalidOrders => ("invalid_orders", q.invalid_orders),
            QualityCount::SupersededAgencyRows => ("superseded_agency_rows", q.superseded_agency_rows),
        }
    }

    /// A figure's number, for the conditions that compare it with zero.
    fn number(&self, figure: &Figure) -> Option<f64> {
        match figure {
            Figure::Indicator {
                id,
                aspect: Aspect::Value,
            } => self.value_in(&self.data.current, id),
            Figure::OutsideFunnelCount => Some(self.outside_funnel().len() as f64),
            Figure::Quality(which) => Some(self.quality(*which).1 as f64),
            _ => None,
        }
    }

    /// A figure as the text shows it, or None when the audience may not see it (or it
    /// has no value), which leaves its sentence out.
    pub fn figure(&self, figure: &Figure) -> Option<String> {
        let lang = self.lang;
        let data = self.data;
        Some(match figure {
            Figure::Period => period_words(lang, &data.current.period),
            Figure::PreviousPeriod => period_words(lang, &data.previous.period),
            Figure::YearBeforePeriod => period_words(lang, &data.year_before.period),
            Figure::PeriodDates => {
                let p = &data.current.period;
                let (from, to) = (p.start().format("%d/%m/%Y"), p.end().format("%d/%m/%Y"));
                match lang {
                    Lang::Vi => format!("từ ngày {from} đến ngày {to}"),
                    Lang::En => format!("{from} to {to}"),
                }
            }
            Figure::Area => of_whole(lang, "doc_whole", self.whole()).to_string(),
            Figure::AsOf => data
                .current
                .as_of
                .format(if lang == Lang::Vi {
                    "%H:%M ngày %d/%m/%Y"
                } else {
                    "%H:%M on %d/%m/%Y"
                })
                .to_string(),
            Figure::TargetSet => {
                let end = data.current.period.end();
                match data.targets.in_force(end) {
                    Some(set) => set.name(lang).to_string(),
                    None => data.targets.gap_note(lang, end)?,
                }
            }
            Figure::Indicator { id, aspect } => {
                let unit = self.indicator(id)?.unit;
                let now = || self.value_in(&data.current, id);
                match aspect {
                    Aspect::Value => value_text(lang, unit, now()?),
                    Aspect::Previous => value_text(lang, unit, self.value_in(&data.previous, id)?),
                    Aspect::YearBefore => value_text(lang, unit, self.value_in(&data.year_before, id)?),
                    Aspect::VsPrevious | Aspect::VsYearBefore => {
                        let other = if *aspect == Aspect::VsPrevious {
                            &data.previous
                        } else {
                            &data.year_before
                        };
                        // Across a change of rule, the reason instead of a change.
                        if let Some(change) = data.rule_change(id, &other.period) {
                            return Some(format!(
                                "{} ({})",
                                text(lang, "rule_not_comparable"),
                                crate::render::labels::rule_change_note(lang, &change)
                            ));
                        }
                        change_text(lang, unit, now()?, self.value_in(other, id)?)
                    }
                    Aspect::Target => target_text(lang, unit, self.target(id)?),
                    Aspect::TargetGap => {
                        let gap = self.target(id)? - now()?;
                        if gap <= 0.0 {
                            return None;
                        }
                        match unit {
                            Unit::Share => format!(
                                "{} {}",
                                local_number(lang, gap * 100.0, 1),
                                text(lang, "doc_points")
                            ),
                            _ => value_text(lang, unit, gap),
                        }
                    }
                    Aspect::Deadline => self.deadline(id)?.limit_words(lang),
                    Aspect::Trend => {
                        crate::render::labels::trend_words(lang, &data.trend_test(id)?, unit == Unit::Share)
                    }
                    Aspect::Reading => self.deadline(id)?.reading(lang)?.to_string(),
                    Aspect::LegalBasis => self.indicator(id)?.legal_basis_in(lang).to_string(),
                    Aspect::Numerator | Aspect::Denominator => {
                        let row = self.row(&data.current, id)?;
                        if row.status != Status::Shown {
                            return None;
                        }
                        let count = if *aspect == Aspect::Numerator {
                            row.numerator?
                        } else {
                            row.denominator?
                        };
                        local_number(lang, count as f64, 0)
                    }
                }
            }
            Figure::MostChanged {
                id,
                breakdown,
                rising,
                change,
            } => {
                let unit = self.indicator(id)?.unit;
                let (code, now, before) = self.most_changed(id, breakdown, *rising)?;
                if *change {
                    change_text(lang, unit, now, before)
                } else {
                    code_name(lang, breakdown, &code)
                }
            }
            Figure::OutsideFunnel => {
                let areas = self.outside_funnel();
                if areas.is_empty() {
                    return None;
                }
                areas
                    .iter()
                    .map(|(code, what)| {
                        let name = data
                            .geography
                            .names
                            .get(code)
                            .map_or(code.as_str(), String::as_str);
                        format!("{name} – {}", what.join(", "))
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            }
            Figure::OutsideFunnelCount => local_number(lang, self.outside_funnel().len() as f64, 0),
            // A count the workbook hides leaves its sentence out (issue 32: the drafted
            // text printed counts the workbook showed as [c]).
            Figure::Quality(which) => {
                let (name, count) = self.quality(*which);
                local_number(
                    lang,
                    crate::disclosure::quality_shown(&data.quality, name, count, data.public)? as f64,
                    0,
                )
            }
        })
    }

    /// The change against `other`: none across a change of the indicator's rule.
    fn versus(&self, id: &str, other: &PeriodValues) -> Option<f64> {
        if self.data.rule_change(id, &other.period).is_some() {
            return None;
        }
        Some(self.value_in(&self.data.current, id)? - self.value_in(other, id)?)
    }

    fn higher_is_better(&self, id: &str) -> bool {
        self.indicator(id)
            .is_none_or(|i| i.direction != Direction::RiseIsBad)
    }

    pub fn holds(&self, condition: &Condition) -> bool {
        let data = self.data;
        let now = |id: &str| self.value_in(&data.current, id);
        let met = |id: &str| -> Option<bool> {
            let (value, target) = (now(id)?, self.target(id)?);
            Some(if self.higher_is_better(id) {
                value >= target
            } else {
                value <= target
            })
        };
        let alert = data.targets.on_time_alert;
        match condition {
            Condition::Shown(f) => self.figure(f).is_some(),
            Condition::NotShown(f) => self.figure(f).is_none(),
            Condition::Suppressed(id) => self
                .row(&data.current, id)
                .is_some_and(|r| r.status == Status::Suppressed),
            Condition::TargetMet(id) => met(id) == Some(true),
            Condition::TargetMissed(id) => met(id) == Some(false),
            Condition::NoTarget(id) => now(id).is_some() && self.target(id).is_none(),
            Condition::Rose(id) => self.versus(id, &data.previous).is_some_and(|d| d > 0.0),
            Condition::Fell(id) => self.versus(id, &data.previous).is_some_and(|d| d < 0.0),
            Condition::Unchanged(id) => self.versus(id, &data.previous) == Some(0.0),
            Condition::RoseYear(id) => self.versus(id, &data.year_before).is_some_and(|d| d > 0.0),
            Condition::FellYear(id) => self.versus(id, &data.year_before).is_some_and(|d| d < 0.0),
            Condition::YearBeforeIsPrevious(is) => data.compares_year_before() != *is,
            Condition::BelowAlert(id) => now(id).is_some_and(|v| v < alert),
            Condition::NotBelowAlert(id) => now(id).is_some_and(|v| v >= alert),
            Condition::Positive(f) => self.number(f).is_some_and(|v| v > 0.0),
            Condition::Zero(f) => self.number(f) == Some(0.0),
        }
    }

    /// The text of pieces, or None when a figure may not be shown.
    fn fill(&self, pieces: &[Piece]) -> Option<String> {
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Figure(f) => out.push_str(&self.figure(f)?),
            }
        }
        Some(out)
    }

    pub fn summary(&self) -> String {
        self.fill(self.document.summary(self.lang)).unwrap_or_default()
    }

    /// The sections as drafted: each paragraph the sentences whose conditions hold and
    /// whose figures may be shown, in the template's order.
    pub fn draft(&self) -> Vec<DraftSection> {
        let mut sections = Vec::new();
        for spec in &self.document.template.sections {
            let mut paragraphs: Vec<(String, String)> = Vec::new();
            for sentence in self.document.sentences.iter().filter(|s| s.section == spec.id) {
                if !sentence.when.iter().all(|c| self.holds(c)) {
                    continue;
                }
                let Some(written) = self.fill(sentence.pieces(self.lang)) else {
                    continue;
                };
                match paragraphs.iter_mut().find(|(key, _)| *key == sentence.paragraph) {
                    Some((_, text)) => {
                        text.push(' ');
                        text.push_str(&written);
                    }
                    None => paragraphs.push((sentence.paragraph.clone(), written)),
                }
            }
            let mut paragraphs: Vec<String> = paragraphs.into_iter().map(|(_, t)| t).collect();
            let placeholder = spec.placeholder(self.lang);
            if !placeholder.is_empty() {
                paragraphs.push(placeholder.to_string());
            }
            sections.push(DraftSection {
                heading: spec.heading(self.lang).to_string(),
                paragraphs,
            });
        }
        sections
    }
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
            crate::render::workbook::unit_label(lang, unit, indicator.subject).to_string(),
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
    let lang = input.lang;
    let write_error = |message: String| Error::Write {
        what: "the report document",
        message,
    };
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
    let mut docx = Docx::new()
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
        .updated_at(&stamp);

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
                for (k, (title, png)) in chart_left.by_ref().take(annex.count).enumerate() {
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
                            .add_run(
                                run(&format!("{} {}. {title}", text(lang, "doc_chart"), k + 1), SMALL)
                                    .italic(),
                            ),
                    );
                }
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
    let mut bytes = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut bytes)
        .map_err(|e| write_error(e.to_string()))?;
    Ok(bytes.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_take_the_decrees_leading_zeros() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            place_and_date(Lang::Vi, "Quảng Trị", day("2026-02-05")),
            "Quảng Trị, ngày 05 tháng 02 năm 2026"
        );
        assert_eq!(
            place_and_date(Lang::Vi, "Quảng Trị", day("2026-03-15")),
            "Quảng Trị, ngày 15 tháng 3 năm 2026"
        );
        assert_eq!(
            place_and_date(Lang::Vi, "Huế", day("2026-12-01")),
            "Huế, ngày 01 tháng 12 năm 2026"
        );
        assert_eq!(
            place_and_date(Lang::En, "Quang Tri", day("2026-02-05")),
            "Quang Tri, 5 February 2026"
        );
    }

    #[test]
    fn numbers_and_changes_read_the_vietnamese_way() {
        assert_eq!(value_text(Lang::Vi, Unit::Count, 1075.0), "1.075");
        assert_eq!(value_text(Lang::Vi, Unit::Share, 0.2685), "26,85%");
        assert_eq!(value_text(Lang::En, Unit::Share, 0.2685), "26.85%");
        assert_eq!(
            change_text(Lang::Vi, Unit::Share, 0.30, 0.274),
            "tăng 2,6 điểm phần trăm"
        );
        assert_eq!(
            change_text(Lang::Vi, Unit::Count, 162.0, 150.0),
            "tăng 12, tương ứng 8,0%"
        );
        assert_eq!(
            change_text(Lang::Vi, Unit::Count, 147.0, 150.0),
            "giảm 3, tương ứng 2,0%"
        );
        assert_eq!(change_text(Lang::Vi, Unit::Count, 5.0, 0.0), "tăng 5");
        assert_eq!(change_text(Lang::Vi, Unit::Share, 0.5, 0.5004), "không thay đổi");
        assert_eq!(change_text(Lang::En, Unit::Hours, 10.0, 13.5), "down 3.5");
        assert_eq!(target_text(Lang::Vi, Unit::Share, 1.0), "100%");
        assert_eq!(target_text(Lang::Vi, Unit::Share, 0.955), "95,5%");
    }

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

    /// The golden report (2025Q1, targets of Decision 830 in force) drafted in `lang`.
    fn drafted(data: &ReportData, lang: Lang) -> String {
        let (file, text) = crate::catalog::document_source("bao-cao").unwrap();
        let checked = crate::draft::check(&file, &text, &data.indicators).unwrap();
        let offices = crate::draft::parse_offices(&crate::catalog::office_source().unwrap()).unwrap();
        let input = DocumentInput {
            data,
            document: &checked,
            office: crate::draft::office_on(&offices, data.current.period.end(), "44").unwrap(),
            funnels: &[],
            charts: Vec::new(),
            lang,
            generated_at: crate::render::golden::generated_at(),
        };
        input
            .draft()
            .iter()
            .flat_map(|s| std::iter::once(s.heading.clone()).chain(s.paragraphs.iter().cloned()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn set_total(data: &mut ReportData, id: &str, value: Option<f64>, status: Status) {
        let province = data.geography.province.clone();
        let row = data
            .current
            .rows
            .iter_mut()
            .find(|r| r.indicator_id == id && r.area_code == province && r.breakdown.is_empty())
            .unwrap();
        row.value = value;
        row.numerator = value.map(|v| v as u64);
        row.status = status;
    }

    #[test]
    fn a_target_met_and_a_target_missed_are_worded_differently() {
        let mut data = crate::render::golden::report();
        set_total(&mut data, "support_coverage", Some(1.0), Status::Shown);
        let met = drafted(&data, Lang::Vi);
        assert!(
            met.contains("Tỷ lệ trẻ em bị xâm hại được hỗ trợ đạt 100,00% số vụ việc được xác minh có xâm hại, đạt mục tiêu 100%"),
            "{met}"
        );
        assert!(!met.contains("được hỗ trợ là"), "{met}");
        eprintln!("{met}");
        set_total(&mut data, "support_coverage", Some(0.9), Status::Shown);
        let missed = drafted(&data, Lang::Vi);
        assert!(
            missed.contains("là 90,00% số vụ việc được xác minh có xâm hại, chưa đạt mục tiêu 100%")
                && missed.contains("còn thiếu 10,0 điểm phần trăm"),
            "{missed}"
        );
        assert!(!missed.contains("hỗ trợ đạt"), "{missed}");
        let english = drafted(&data, Lang::En);
        assert!(english.contains("short of the target of 100%"), "{english}");
    }

    #[test]
    fn a_suppressed_count_is_never_written_as_a_number() {
        let mut data = crate::render::golden::report();
        // As if disclosure control had left the value on the row: the status decides.
        set_total(&mut data, "cases_received", Some(3.0), Status::Suppressed);
        let text = drafted(&data, Lang::Vi);
        assert!(
            text.contains("Số vụ việc tiếp nhận trong kỳ là số nhỏ, không công bố"),
            "{text}"
        );
        assert!(!text.contains("tiếp nhận 3 "), "{text}");
        assert!(!text.contains("Số vụ việc tiếp nhận tăng") && !text.contains("Số vụ việc tiếp nhận giảm"));
        // Nor through a change: the sentences comparing it are left out whole.
        assert!(!text.contains("vụ việc trong quý IV năm 2024"), "{text}");
    }

    #[test]
    fn every_sentence_of_the_golden_report_is_filled() {
        let data = crate::render::golden::report();
        for lang in [Lang::Vi, Lang::En] {
            let text = drafted(&data, lang);
            assert!(!text.contains('{') && !text.contains('}'), "{text}");
            let cases = data
                .current
                .find("cases_received", "44", "", "")
                .unwrap()
                .value
                .unwrap();
            assert!(text.contains(&value_text(lang, Unit::Count, cases)), "{text}");
        }
    }
}
