//! The drafted report's text templates (`report-templates/document/*.toml`) and the
//! office that issues it (`office.toml`): sentences with conditions, naming figures in a
//! small closed grammar that `baove check` verifies against the indicators a report
//! computes. Plain data: the render layer evaluates them against a report's values.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::catalog::{Indicator, Lang};

/// A drafted document: its title, summary line, sections and sentences.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentTemplate {
    pub title_vi: String,
    pub title_en: String,
    pub summary_vi: String,
    pub summary_en: String,
    #[serde(default)]
    pub funnel: FunnelSpec,
    #[serde(rename = "section")]
    pub sections: Vec<SectionSpec>,
    #[serde(default, rename = "sentence")]
    pub sentences: Vec<SentenceSpec>,
    #[serde(default, rename = "annex")]
    pub annexes: Vec<AnnexSpec>,
}

impl DocumentTemplate {
    pub fn title(&self, lang: Lang) -> &str {
        pick(lang, &self.title_vi, &self.title_en)
    }
}

fn pick<'a>(lang: Lang, vi: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// The indicators whose funnels name the areas outside their limits (section III).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunnelSpec {
    #[serde(default)]
    pub indicators: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    pub id: String,
    #[serde(default)]
    pub heading_vi: String,
    #[serde(default)]
    pub heading_en: String,
    /// A section the planner writes: its heading and this text in brackets.
    #[serde(default)]
    pub placeholder_vi: String,
    #[serde(default)]
    pub placeholder_en: String,
}

impl SectionSpec {
    pub fn heading(&self, lang: Lang) -> &str {
        pick(lang, &self.heading_vi, &self.heading_en)
    }

    pub fn placeholder(&self, lang: Lang) -> &str {
        pick(lang, &self.placeholder_vi, &self.placeholder_en)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentenceSpec {
    pub section: String,
    pub paragraph: String,
    #[serde(default)]
    pub when: Vec<String>,
    pub vi: String,
    pub en: String,
}

/// An annex: a table of the summary or by area, or the charts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnexSpec {
    pub kind: AnnexKind,
    pub title_vi: String,
    pub title_en: String,
    #[serde(default)]
    pub indicators: Vec<String>,
    /// Charts: how many of the report template's charts, in its order.
    #[serde(default)]
    pub count: usize,
}

impl AnnexSpec {
    pub fn title(&self, lang: Lang) -> &str {
        pick(lang, &self.title_vi, &self.title_en)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnexKind {
    Summary,
    ByArea,
    Charts,
}

/// What a figure of an indicator says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    Value,
    Previous,
    YearBefore,
    VsPrevious,
    VsYearBefore,
    Target,
    TargetGap,
    Deadline,
    /// How the office reads a limit the law gives in words ("ngay": 24 hours).
    Reading,
    LegalBasis,
    Numerator,
    Denominator,
    /// The test for trend over the report's trend periods, in words.
    Trend,
}

const ASPECTS: [(&str, Aspect); 12] = [
    ("previous", Aspect::Previous),
    ("year_before", Aspect::YearBefore),
    ("vs_previous", Aspect::VsPrevious),
    ("vs_year_before", Aspect::VsYearBefore),
    ("target", Aspect::Target),
    ("target_gap", Aspect::TargetGap),
    ("deadline", Aspect::Deadline),
    ("reading", Aspect::Reading),
    ("legal_basis", Aspect::LegalBasis),
    ("numerator", Aspect::Numerator),
    ("denominator", Aspect::Denominator),
    ("trend", Aspect::Trend),
];

/// The data-quality counts a sentence may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QualityCount {
    LateRecords,
    Quarantined,
    InvalidOrders,
    SupersededAgencyRows,
}

/// A figure a sentence names, `{...}` in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Figure {
    Period,
    PreviousPeriod,
    YearBeforePeriod,
    PeriodDates,
    Area,
    AsOf,
    TargetSet,
    Indicator {
        id: String,
        aspect: Aspect,
    },
    /// The category of a breakdown whose value rose (or fell) most against the previous
    /// period; `change` for the change instead of the name.
    MostChanged {
        id: String,
        breakdown: String,
        rising: bool,
        change: bool,
    },
    OutsideFunnel,
    OutsideFunnelCount,
    Quality(QualityCount),
}

impl Figure {
    /// Parses a figure's name against the indicators a report computes.
    pub fn parse(name: &str, indicators: &[Indicator]) -> Result<Figure, String> {
        let simple = match name {
            "period" => Some(Figure::Period),
            "previous_period" => Some(Figure::PreviousPeriod),
            "year_before_period" => Some(Figure::YearBeforePeriod),
            "period_dates" => Some(Figure::PeriodDates),
            "area" => Some(Figure::Area),
            "as_of" => Some(Figure::AsOf),
            "target_set" => Some(Figure::TargetSet),
            "outside_funnel" => Some(Figure::OutsideFunnel),
            "outside_funnel.count" => Some(Figure::OutsideFunnelCount),
            "quality.late_records" => Some(Figure::Quality(QualityCount::LateRecords)),
            "quality.quarantined" => Some(Figure::Quality(QualityCount::Quarantined)),
            "quality.invalid_orders" => Some(Figure::Quality(QualityCount::InvalidOrders)),
            "quality.superseded_agency_rows" => Some(Figure::Quality(QualityCount::SupersededAgencyRows)),
            _ => None,
        };
        if let Some(figure) = simple {
            return Ok(figure);
        }
        let parts: Vec<&str> = name.split('.').collect();
        let indicator = indicators.iter().find(|i| i.id == parts[0]).ok_or_else(|| {
            format!(
                "unknown figure {{{name}}}: {:?} is not an indicator of the report",
                parts[0]
            )
        })?;
        let id = indicator.id.clone();
        match parts[1..] {
            [] => Ok(Figure::Indicator {
                id,
                aspect: Aspect::Value,
            }),
            [aspect] => ASPECTS
                .iter()
                .find(|(n, _)| *n == aspect)
                .map(|(_, a)| Figure::Indicator { id, aspect: *a })
                .ok_or_else(|| {
                    format!(
                        "unknown figure {{{name}}}: {aspect:?} is not one of {}",
                        ASPECTS.map(|(n, _)| n).join(", ")
                    )
                }),
            [breakdown, which] | [breakdown, which, "vs_previous"] => {
                let rising = match which {
                    "most_risen" => true,
                    "most_fallen" => false,
                    _ => {
                        return Err(format!(
                            "unknown figure {{{name}}}: {which:?} is not most_risen or most_fallen"
                        ))
                    }
                };
                if breakdown == "area" || !indicator.breakdowns.iter().any(|b| b == breakdown) {
                    return Err(format!(
                        "unknown figure {{{name}}}: {id} has no breakdown {breakdown:?}"
                    ));
                }
                Ok(Figure::MostChanged {
                    id,
                    breakdown: breakdown.to_string(),
                    rising,
                    change: parts.len() == 4,
                })
            }
            _ => Err(format!("unknown figure {{{name}}}")),
        }
    }
}

/// A condition of a sentence, in its `when`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Shown(Figure),
    NotShown(Figure),
    Suppressed(String),
    TargetMet(String),
    TargetMissed(String),
    NoTarget(String),
    Rose(String),
    Fell(String),
    Unchanged(String),
    RoseYear(String),
    FellYear(String),
    /// The same period a year before is (true) or is not the previous period: a year's
    /// report compares with one period, not the same twice.
    YearBeforeIsPrevious(bool),
    BelowAlert(String),
    NotBelowAlert(String),
    Positive(Figure),
    Zero(Figure),
}

impl Condition {
    pub fn parse(text: &str, indicators: &[Indicator]) -> Result<Condition, String> {
        let (name, argument) = text
            .trim()
            .strip_suffix(')')
            .and_then(|t| t.split_once('('))
            .ok_or_else(|| format!("condition {text:?} is not NAME(ARGUMENT)"))?;
        let argument = argument.trim();
        let figure = || Figure::parse(argument, indicators);
        let indicator = || -> Result<String, String> {
            indicators
                .iter()
                .find(|i| i.id == argument)
                .map(|i| i.id.clone())
                .ok_or_else(|| format!("condition {text:?}: {argument:?} is not an indicator of the report"))
        };
        Ok(match name.trim() {
            "shown" => Condition::Shown(figure()?),
            "not_shown" => Condition::NotShown(figure()?),
            "positive" => Condition::Positive(figure()?),
            "zero" => Condition::Zero(figure()?),
            "suppressed" => Condition::Suppressed(indicator()?),
            "target_met" => Condition::TargetMet(indicator()?),
            "target_missed" => Condition::TargetMissed(indicator()?),
            "no_target" => Condition::NoTarget(indicator()?),
            "rose" => Condition::Rose(indicator()?),
            "fell" => Condition::Fell(indicator()?),
            "unchanged" => Condition::Unchanged(indicator()?),
            "rose_year" => Condition::RoseYear(indicator()?),
            "year_before_is" | "year_before_is_not" if argument == "previous_period" => {
                Condition::YearBeforeIsPrevious(name.trim() == "year_before_is")
            }
            "fell_year" => Condition::FellYear(indicator()?),
            "below_alert" => Condition::BelowAlert(indicator()?),
            "not_below_alert" => Condition::NotBelowAlert(indicator()?),
            other => return Err(format!("condition {text:?}: unknown condition {other:?}")),
        })
    }
}

/// A piece of a sentence: text as written, or a figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Figure(Figure),
}

/// Splits a sentence into text and figures; `{{` and `}}` are literal braces.
pub fn pieces(text: &str, indicators: &[Indicator]) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                if !literal.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut literal)));
                }
                out.push(Piece::Figure(Figure::parse(name.trim(), indicators)?));
            }
            '}' => return Err(format!("a lone }} in {text:?}")),
            _ => literal.push(c),
        }
    }
    if !literal.is_empty() {
        out.push(Piece::Text(literal));
    }
    Ok(out)
}

/// A sentence with its text in both languages and its conditions, parsed.
#[derive(Debug, Clone)]
pub struct Sentence {
    pub section: String,
    pub paragraph: String,
    pub when: Vec<Condition>,
    pub vi: Vec<Piece>,
    pub en: Vec<Piece>,
}

impl Sentence {
    pub fn pieces(&self, lang: Lang) -> &[Piece] {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// A document template whose every figure and condition resolved against the
/// indicators of the report it drafts.
#[derive(Debug, Clone)]
pub struct Checked {
    pub template: DocumentTemplate,
    pub summary_vi: Vec<Piece>,
    pub summary_en: Vec<Piece>,
    pub sentences: Vec<Sentence>,
}

impl Checked {
    pub fn summary(&self, lang: Lang) -> &[Piece] {
        match lang {
            Lang::Vi => &self.summary_vi,
            Lang::En => &self.summary_en,
        }
    }
}

/// Parses a document template and resolves it against `indicators` (those the report
/// template naming it computes): an unknown figure, condition, section or indicator is
/// an error naming the sentence.
pub fn check(name: &str, text: &str, indicators: &[Indicator]) -> Result<Checked, String> {
    let file = format!("report-templates/document/{name}.toml");
    let template: DocumentTemplate = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    let in_report = |id: &str| {
        indicators
            .iter()
            .any(|i| i.id == id)
            .then_some(())
            .ok_or_else(|| format!("{file}: [funnel] names {id:?}, not an indicator of the report"))
    };
    for id in &template.funnel.indicators {
        in_report(id)?;
        let indicator = indicators.iter().find(|i| i.id == *id).expect("checked above");
        if !matches!(
            indicator.unit,
            crate::catalog::Unit::Share | crate::catalog::Unit::Per100k
        ) {
            return Err(format!(
                "{file}: [funnel] names {id}, which is not a share or a rate of cases"
            ));
        }
    }
    for annex in &template.annexes {
        for id in &annex.indicators {
            in_report(id)?;
        }
        if annex.kind == AnnexKind::Charts && annex.count == 0 {
            return Err(format!("{file}: a charts annex needs `count`"));
        }
    }
    let mut ids: Vec<&str> = template.sections.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    if let Some(twice) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("{file}: two sections are named {:?}", twice[0]));
    }
    let summary_vi =
        pieces(&template.summary_vi, indicators).map_err(|e| format!("{file}: summary_vi: {e}"))?;
    let summary_en =
        pieces(&template.summary_en, indicators).map_err(|e| format!("{file}: summary_en: {e}"))?;
    let mut sentences = Vec::new();
    for (n, s) in template.sentences.iter().enumerate() {
        let at = format!("{file}: sentence {} ({}/{})", n + 1, s.section, s.paragraph);
        if !template.sections.iter().any(|sec| sec.id == s.section) {
            return Err(format!("{at}: no section {:?}", s.section));
        }
        let when = s
            .when
            .iter()
            .map(|c| Condition::parse(c, indicators))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{at}: {e}"))?;
        let vi = pieces(&s.vi, indicators).map_err(|e| format!("{at}: vi: {e}"))?;
        let en = pieces(&s.en, indicators).map_err(|e| format!("{at}: en: {e}"))?;
        sentences.push(Sentence {
            section: s.section.clone(),
            paragraph: s.paragraph.clone(),
            when,
            vi,
            en,
        });
    }
    Ok(Checked {
        template,
        summary_vi,
        summary_en,
        sentences,
    })
}

/// The office that issues the report, for the days it is in force.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// The whole the office reports on (`VN`: the nation); none: a province's office.
    #[serde(default)]
    pub area: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub parent_vi: String,
    pub parent_en: String,
    pub name_vi: String,
    pub name_en: String,
    pub symbol: String,
    pub place_vi: String,
    pub place_en: String,
    pub signer_authority_vi: String,
    pub signer_authority_en: String,
    pub signer_title_vi: String,
    pub signer_title_en: String,
    pub signer_name_vi: String,
    pub signer_name_en: String,
    pub recipients_vi: Vec<String>,
    pub recipients_en: Vec<String>,
}

macro_rules! in_lang {
    ($($field:ident: $vi:ident, $en:ident;)*) => {
        impl Office {
            $(pub fn $field(&self, lang: Lang) -> &str {
                pick(lang, &self.$vi, &self.$en)
            })*
        }
    };
}

in_lang! {
    parent: parent_vi, parent_en;
    name: name_vi, name_en;
    place: place_vi, place_en;
    signer_authority: signer_authority_vi, signer_authority_en;
    signer_title: signer_title_vi, signer_title_en;
    signer_name: signer_name_vi, signer_name_en;
}

impl Office {
    pub fn recipients(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::Vi => &self.recipients_vi,
            Lang::En => &self.recipients_en,
        }
    }

    fn in_force_on(&self, day: NaiveDate) -> bool {
        crate::catalog::in_force(self.valid_from, self.valid_to, day)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeFile {
    office: Vec<Office>,
}

/// Parses the office registry: every day is covered by at most one office.
pub fn parse_offices(text: &str) -> Result<Vec<Office>, String> {
    let file: OfficeFile =
        toml::from_str(text).map_err(|e| format!("report-templates/document/office.toml: {e}"))?;
    let mut offices = file.office;
    offices.sort_by(|a, b| (&a.area, a.valid_from).cmp(&(&b.area, b.valid_from)));
    for pair in offices.windows(2).filter(|p| p[0].area == p[1].area) {
        let overlaps = match (pair[0].valid_to, pair[1].valid_from) {
            (Some(to), Some(from)) => to >= from,
            _ => true,
        };
        if overlaps {
            return Err(format!(
                "report-templates/document/office.toml: the offices {} and {} are both in force on some day",
                pair[0].name_en, pair[1].name_en
            ));
        }
    }
    if offices.is_empty() {
        return Err("report-templates/document/office.toml: no office".into());
    }
    Ok(offices)
}

/// The office in force on `day` that reports on `whole` (an area code): the one named
/// for it, else a province's office; or an error saying none covers the day.
pub fn office_on<'a>(offices: &'a [Office], day: NaiveDate, whole: &str) -> Result<&'a Office, String> {
    let in_force = |area: Option<&str>| {
        offices
            .iter()
            .find(|o| o.area.as_deref() == area && o.in_force_on(day))
    };
    in_force(Some(whole)).or_else(|| in_force(None)).ok_or_else(|| {
        format!("report-templates/document/office.toml: no office is in force on {day}; add one")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicators() -> Vec<Indicator> {
        crate::catalog::indicators().unwrap()
    }

    #[test]
    fn figures_resolve_or_are_refused_by_name() {
        let all = indicators();
        assert_eq!(
            Figure::parse("support_coverage.target", &all).unwrap(),
            Figure::Indicator {
                id: "support_coverage".into(),
                aspect: Aspect::Target
            }
        );
        assert_eq!(
            Figure::parse("cases_received.abuse_type.most_risen.vs_previous", &all).unwrap(),
            Figure::MostChanged {
                id: "cases_received".into(),
                breakdown: "abuse_type".into(),
                rising: true,
                change: true
            }
        );
        for unknown in [
            "cases_recieved",
            "cases_received.next_year",
            "rate_received.abuse_type.most_risen",
            "cases_received.area.most_risen",
            "cases_received.abuse_type.largest",
        ] {
            let e = Figure::parse(unknown, &all).unwrap_err();
            assert!(e.contains(unknown.split('.').next().unwrap()), "{e}");
        }
    }

    #[test]
    fn sentences_split_into_text_and_figures() {
        let all = indicators();
        let p = pieces("{cases_received} vụ {{x}}", &all).unwrap();
        assert_eq!(
            p,
            vec![
                Piece::Figure(Figure::Indicator {
                    id: "cases_received".into(),
                    aspect: Aspect::Value
                }),
                Piece::Text(" vụ {x}".into())
            ]
        );
        assert!(pieces("a } b", &all).is_err());
    }

    #[test]
    fn the_embedded_document_checks_against_the_periodic_indicators() {
        let template = crate::template::find("quarterly").unwrap();
        let all = indicators();
        let used: Vec<Indicator> = template
            .indicator_ids()
            .iter()
            .filter_map(|id| all.iter().find(|i| i.id == *id).cloned())
            .collect();
        let (name, text) = crate::catalog::document_source("bao-cao").unwrap();
        let checked = check(&name, &text, &used).unwrap();
        assert!(checked.sentences.len() > 20);
        let wrong = text.replace("{cases_received}", "{cases_recieved}");
        let e = check(&name, &wrong, &used).unwrap_err();
        assert!(e.contains("sentence") && e.contains("cases_recieved"), "{e}");
        let wrong = text.replace("target_met(support_coverage)", "target_reached(support_coverage)");
        assert!(check(&name, &wrong, &used)
            .unwrap_err()
            .contains("target_reached"));
    }

    #[test]
    fn one_office_per_day() {
        let offices = parse_offices(&crate::catalog::office_source().unwrap()).unwrap();
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            office_on(&offices, day("2025-02-28"), "44").unwrap().symbol,
            "SLĐTBXH"
        );
        assert_eq!(
            office_on(&offices, day("2026-02-05"), "44").unwrap().symbol,
            "SYT"
        );
        // The nation's report is issued by a national office, not a province's.
        assert_eq!(
            office_on(&offices, day("2026-02-05"), "VN").unwrap().symbol,
            "BMTE"
        );
        let overlapping = r#"
[[office]]
parent_vi = "A"
parent_en = "A"
name_vi = "B"
name_en = "B"
symbol = "B"
place_vi = "C"
place_en = "C"
signer_authority_vi = ""
signer_authority_en = ""
signer_title_vi = ""
signer_title_en = ""
signer_name_vi = ""
signer_name_en = ""
recipients_vi = []
recipients_en = []
"#;
        assert!(parse_offices(&overlapping.repeat(2)).is_err());
        assert!(parse_offices(overlapping).is_ok());
    }
}
