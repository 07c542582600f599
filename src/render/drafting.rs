//! The drafted report's words (Decree 30/2020/NĐ-CP, Appendix I): sentences drafted from
//! the report's values by the rules of `report-templates/document/`, the figures they
//! name, the conditions that choose between them, and the words for periods, dates,
//! values and changes. The DOCX layout is `document.rs`; this is what it says.
//!
//! Disclosure: every figure is read from the report's (already suppressed) tidy rows, and
//! a sentence naming a figure the audience may not see is left out whole, so no
//! suppressed value can reach the text.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::catalog::{DeadlineRule, Direction, Indicator, Lang, Unit};
use crate::compare::Compared;
use crate::draft::{Aspect, Checked, Condition, Figure, Office, Piece, QualityCount};
use crate::period::{Period, Span};
use crate::render::labels::{code_name, local_number, of_whole, text};
use crate::render::view::{shown, Shown};
use crate::report::{PeriodValues, ReportData};
use crate::results::{Status, TidyRow};

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
pub(super) fn target_text(lang: Lang, unit: Unit, value: f64) -> String {
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

    pub(super) fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.data.indicators.iter().find(|i| i.id == id)
    }

    pub(super) fn row<'v>(&self, values: &'v PeriodValues, id: &str) -> Option<&'v TidyRow> {
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

    pub(super) fn target(&self, id: &str) -> Option<f64> {
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
            Figure::Indicator { id, aspect } => self.indicator_figure(id, *aspect)?,
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

    /// An indicator's figure: its value, a change, its target, its deadline's words, ...
    fn indicator_figure(&self, id: &str, aspect: Aspect) -> Option<String> {
        let (lang, data) = (self.lang, self.data);
        let unit = self.indicator(id)?.unit;
        let now = || self.value_in(&data.current, id);
        Some(match aspect {
            Aspect::Value => value_text(lang, unit, now()?),
            Aspect::Previous => value_text(lang, unit, self.value_in(&data.previous, id)?),
            Aspect::YearBefore => value_text(lang, unit, self.value_in(&data.year_before, id)?),
            Aspect::VsPrevious | Aspect::VsYearBefore => {
                let other = if aspect == Aspect::VsPrevious {
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
                let count = if aspect == Aspect::Numerator {
                    row.numerator?
                } else {
                    row.denominator?
                };
                local_number(lang, count as f64, 0)
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
