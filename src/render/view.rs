//! What a report's figures show, whatever draws them: a cell's value or symbol, a change
//! against an earlier period (or `[z]` across a change of rule), each chart's series,
//! the words that name periods, wholes and units. The view layer between the report's
//! data and its renderers: the workbook, the chart files, the dashboard and the drafted
//! report all show the same things because they take them from here.

use crate::catalog::{Indicator, Lang, Subject, Unit};
use crate::period::Period;
use crate::render::labels::{breakdown_name, code_name, text, whole, whole_title};
use crate::report::{PeriodValues, ReportData};
use crate::results::{Status, TidyRow};
use crate::template::ChartKind;

/// What a cell shows: a number, or one of the symbols of the notes sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    Number(f64),
    Symbol(&'static str),
}

pub fn shown(row: Option<&TidyRow>) -> Shown {
    match row {
        None => Shown::Symbol("[x]"),
        Some(r) => match (r.status, r.value) {
            (Status::Suppressed, _) => Shown::Symbol("[c]"),
            (Status::NotReached, _) => Shown::Symbol("[z]"),
            (Status::NoData, _) | (_, None) => Shown::Symbol("[x]"),
            (Status::Shown, Some(v)) => Shown::Number(v),
        },
    }
}

/// A difference as the workbook writes it: of shares, in percentage points.
pub(super) fn in_change_units(unit: Unit, difference: f64) -> f64 {
    if unit == Unit::Share {
        difference * 100.0
    } else {
        difference
    }
}

fn percent_text(share: f64) -> String {
    format!("{}%", crate::render::tidy::number(share * 100.0))
}

/// The unit a reader sees: a count counts what the indicator's subject is (cases or
/// content items).
pub fn unit_label(lang: Lang, unit: Unit, subject: Subject) -> &'static str {
    match (unit, subject) {
        (Unit::Count, Subject::Content) => text(lang, "count_content"),
        _ => text(lang, unit.name()),
    }
}

/// "Toàn tỉnh (Quảng Bình, nay thuộc Quảng Trị)": the whole's word and its name for the
/// period.
pub(super) fn whole_named(lang: Lang, geography: &crate::results::Geography) -> String {
    format!(
        "{} ({})",
        whole(lang, &geography.province),
        whole_title(lang, geography)
    )
}

pub(super) fn period_text(lang: Lang, p: &Period) -> String {
    format!(
        "{p} ({} - {})",
        p.start().format("%d/%m/%Y"),
        p.end().format("%d/%m/%Y")
    )
    .replace(" - ", if lang == Lang::Vi { " đến " } else { " to " })
}

/// The programme whose targets the report shows (the set in force on the period's last
/// day, with its legal basis), or why it shows none.
pub fn target_set_text(data: &ReportData, lang: Lang) -> String {
    let day = data.current.period.end();
    match data.targets.in_force(day) {
        Some(set) => format!("{} ({})", set.name(lang), set.legal_basis_in(lang)),
        None => data.targets.gap_note(lang, day).unwrap_or_default(),
    }
}

pub(super) fn find<'a>(
    values: &'a PeriodValues,
    id: &str,
    area: &str,
    breakdown: &str,
    value: &str,
) -> Option<&'a TidyRow> {
    values.find(id, area, breakdown, value)
}

pub(super) fn indicator<'a>(data: &'a ReportData, id: &str) -> Option<&'a Indicator> {
    data.indicators.iter().find(|i| i.id == id)
}

fn change(a: &Shown, b: &Shown, unit: Unit) -> Shown {
    match (a, b) {
        (Shown::Number(a), Shown::Number(b)) => Shown::Number(in_change_units(unit, a - b)),
        _ => Shown::Symbol("[z]"),
    }
}

/// The change of a value against an earlier period's, or `[z]` where the indicator's
/// rule changed between them (a new legal limit measures something else).
pub(super) fn ruled_change(
    data: &ReportData,
    indicator: &Indicator,
    other: &crate::period::Period,
    now: &Shown,
    before: &Shown,
) -> Shown {
    if data.rule_change(&indicator.id, other).is_some() {
        return Shown::Symbol("[z]");
    }
    change(now, before, indicator.unit)
}

/// The categories and values of each chart of the template, as the chart files and the
/// workbook's native charts draw them.
#[derive(Clone)]
pub struct ChartData {
    pub title: String,
    pub unit: Unit,
    /// What the indicator counts: the dashboard puts content charts with takedown.
    pub subject: Subject,
    pub categories: Vec<String>,
    pub values: Vec<Shown>,
    pub target: Option<(f64, String)>,
    pub file_stem: String,
    pub line: bool,
}

impl ChartData {
    /// The chart to draw from these data, with `note` under it; a value shown as a
    /// symbol is a gap.
    pub fn chart(&self, lang: Lang, note: &str) -> crate::render::chart::Chart {
        use crate::render::chart::{Chart, Shape};
        Chart {
            title: self.title.clone(),
            y_label: unit_label(lang, self.unit, self.subject).to_string(),
            shape: if self.line { Shape::Line } else { Shape::Bars },
            categories: self.categories.clone(),
            values: self
                .values
                .iter()
                .map(|v| match v {
                    Shown::Number(n) => Some(*n),
                    Shown::Symbol(_) => None,
                })
                .collect(),
            reference: self.target.clone(),
            percent: self.unit == Unit::Share,
            note: note.to_string(),
        }
    }
}

pub fn chart_data(data: &ReportData, lang: Lang) -> Vec<ChartData> {
    let province = &data.geography.province;
    let mut out = Vec::new();
    for (i, spec) in data.template.charts.iter().enumerate() {
        let Some(ind) = indicator(data, &spec.indicator) else {
            continue;
        };
        let target = data.target(&ind.id, &data.current.period).map(|t| {
            (
                t.value,
                format!("{} {}", text(lang, "target"), percent_text(t.value)),
            )
        });
        let (title, categories, values, line) = match spec.kind {
            ChartKind::Trend => {
                let periods: Vec<&PeriodValues> = data.trend.iter().rev().take(spec.periods).rev().collect();
                // A significant test for trend is marked in the title, wherever the chart
                // is drawn (workbook, images, document, dashboard).
                let mark = data
                    .trend_test(&ind.id)
                    .and_then(|t| crate::render::labels::trend_mark(lang, &t))
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default();
                (
                    format!("{}: {}{mark}", text(lang, "chart_trend"), ind.label(lang)),
                    periods.iter().map(|p| p.period.to_string()).collect(),
                    periods
                        .iter()
                        .map(|p| shown(find(p, &ind.id, province, "", "")))
                        .collect(),
                    true,
                )
            }
            ChartKind::ByArea => (
                format!(
                    "{} {} ({})",
                    ind.label(lang),
                    text(lang, "chart_by_area"),
                    data.current.period
                ),
                data.geography
                    .areas
                    .iter()
                    .map(|a| data.geography.names.get(a).cloned().unwrap_or_else(|| a.clone()))
                    .collect(),
                data.geography
                    .areas
                    .iter()
                    .map(|a| shown(find(&data.current, &ind.id, a, "", "")))
                    .collect(),
                false,
            ),
            ChartKind::ByBreakdown => {
                let b = spec.breakdown.clone().unwrap_or_default();
                let rows: Vec<&TidyRow> = data
                    .current
                    .rows
                    .iter()
                    .filter(|r| r.indicator_id == ind.id && r.breakdown == b)
                    .collect();
                (
                    format!(
                        "{} {} {} ({})",
                        ind.label(lang),
                        text(lang, "chart_by"),
                        breakdown_name(lang, &b).to_lowercase(),
                        data.current.period
                    ),
                    rows.iter()
                        .map(|r| code_name(lang, &b, &r.breakdown_value))
                        .collect(),
                    rows.iter().map(|r| shown(Some(r))).collect(),
                    false,
                )
            }
        };
        let kind = match spec.kind {
            ChartKind::Trend => "trend",
            ChartKind::ByArea => "area",
            ChartKind::ByBreakdown => spec.breakdown.as_deref().unwrap_or("breakdown"),
        };
        out.push(ChartData {
            title,
            unit: ind.unit,
            subject: ind.subject,
            categories,
            values,
            target,
            file_stem: format!("{:02}_{}_{}", i + 1, ind.id, kind),
            line,
        });
    }
    out
}

/// A value of a revision as the workbook shows it.
pub(super) fn revised_shown(value: Option<f64>, status: Status) -> Shown {
    match (status, value) {
        (Status::Suppressed, _) => Shown::Symbol("[c]"),
        (Status::NotReached, _) => Shown::Symbol("[z]"),
        (_, Some(v)) => Shown::Number(v),
        (_, None) => Shown::Symbol("[x]"),
    }
}

pub(super) fn cause_label(lang: Lang, cause: crate::results::Cause) -> &'static str {
    text(lang, &format!("cause_{}", cause.name()))
}
