//! Report templates (`report-templates/*.toml`): which sheets, tables and charts a report
//! has. A template names indicators by id and never holds SQL; [`check`] proves every
//! reference resolves.

use serde::Deserialize;

use crate::catalog::{self, Indicator, Lang, Subject};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub title_vi: String,
    pub title_en: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "sheet")]
    pub sheets: Vec<SheetSpec>,
    #[serde(default, rename = "chart")]
    pub charts: Vec<ChartSpec>,
    /// The tiles of the dashboard written with the report (`baove dashboard`, and beside
    /// every workbook); without them, those of `dashboard.toml`. A workbook ignores them.
    #[serde(default)]
    pub dashboard: Option<DashboardSpec>,
    /// One report of the same sheets for each span (quarterly, half-year, annual): each
    /// span is a template of its own name, its title and trend length its own.
    #[serde(default, rename = "span")]
    pub spans: Vec<Span>,
    /// The drafted report written beside the workbook
    /// (`report-templates/document/NAME.toml`), if any.
    #[serde(default)]
    pub document: Option<String>,
    /// Whether the workbook has a revisions sheet ("Sửa đổi số liệu"): the period's
    /// figures against the last earlier report of the same period.
    #[serde(default)]
    pub revisions: bool,
}

/// A report of a template's sheets over one kind of period.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// The template name it is run by (`--template NAME`).
    pub name: String,
    pub title_vi: String,
    pub title_en: String,
    pub description: String,
    /// How many periods every trend chart covers.
    pub trend_periods: usize,
}

/// The leaders' dashboard: its headline tiles and its takedown tiles, in order. A tile
/// shows an indicator the report computes (one of its sheets or charts); the
/// others are left out, so a report's dashboard computes nothing its workbook does not.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardSpec {
    pub headlines: Vec<String>,
    #[serde(default)]
    pub takedown: Vec<String>,
    /// The shares removed within fixed limits, drawn side by side in the takedown
    /// section (Law 116/2025's 6 h and 24 h, the 3 h of Decree 72/2013, INHOPE's 3 days).
    #[serde(default)]
    pub takedown_limits: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetKind {
    /// One row per indicator: this period, the previous one, the same period a year
    /// before, and the changes.
    Summary,
    /// One row per area, one column per indicator.
    ByArea,
    /// One row per value of `breakdown`, one column per indicator.
    ByBreakdown,
    /// One row per year of the programme, one column per indicator (province).
    ByYear,
    /// One sheet per indicator: each area against the province with funnel limits,
    /// flag and rank, and a native funnel chart (`level`: district or commune).
    Comparison,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetSpec {
    pub title_vi: String,
    pub title_en: String,
    pub kind: SheetKind,
    pub indicators: Vec<String>,
    #[serde(default)]
    pub breakdown: Option<String>,
    /// Comparison sheets: compare the areas of this level (district, commune) through
    /// the crosswalk; default: as coded.
    #[serde(default)]
    pub level: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// The province value over the last `periods` periods.
    Trend,
    /// One bar per area.
    ByArea,
    /// One bar per value of `breakdown`.
    ByBreakdown,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub indicator: String,
    #[serde(default)]
    pub breakdown: Option<String>,
    #[serde(default = "default_periods")]
    pub periods: usize,
}

fn default_periods() -> usize {
    8
}

impl Template {
    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.title_vi,
            Lang::En => &self.title_en,
        }
    }

    /// The template `span` makes of this one.
    fn of_span(&self, span: &Span) -> Template {
        let mut one = self.clone();
        one.spans.clear();
        one.title_vi = span.title_vi.clone();
        one.title_en = span.title_en.clone();
        one.description = Some(span.description.clone());
        for chart in one.charts.iter_mut().filter(|c| c.kind == ChartKind::Trend) {
            chart.periods = span.trend_periods;
        }
        one
    }

    /// Every indicator the template uses, in first-use order.
    pub fn indicator_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        let all = self
            .sheets
            .iter()
            .flat_map(|s| s.indicators.iter().map(String::as_str))
            .chain(self.charts.iter().map(|c| c.indicator.as_str()));
        for id in all {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }
}

impl SheetSpec {
    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.title_vi,
            Lang::En => &self.title_en,
        }
    }
}

pub fn parse(name: &str, text: &str) -> Result<Template, String> {
    toml::from_str(text).map_err(|e| format!("report-templates/{name}.toml: {e}"))
}

/// Checks that every indicator, breakdown and chart of a template resolves.
pub fn check(name: &str, template: &Template, indicators: &[Indicator]) -> Result<(), String> {
    let find = |id: &str| indicator_named(name, indicators, id);
    let breakdown_ok = |indicator: &Indicator, breakdown: &str| has_breakdown(name, indicator, breakdown);
    if template.sheets.is_empty() {
        return Err(format!("report-templates/{name}.toml: no sheet"));
    }
    if let Some(dashboard) = &template.dashboard {
        for id in dashboard
            .headlines
            .iter()
            .chain(&dashboard.takedown)
            .chain(&dashboard.takedown_limits)
        {
            find(id)?;
        }
    }
    for sheet in &template.sheets {
        check_sheet(name, sheet, indicators)?;
    }
    if let Some(document) = &template.document {
        let used: Vec<Indicator> = template
            .indicator_ids()
            .iter()
            .filter_map(|id| indicators.iter().find(|i| i.id == *id).cloned())
            .collect();
        let (file, text) = catalog::document_source(document)?;
        crate::draft::check(&file, &text, &used)?;
        crate::draft::parse_offices(&catalog::office_source()?)?;
    }
    for chart in &template.charts {
        let indicator = find(&chart.indicator)?;
        match (chart.kind, &chart.breakdown) {
            (ChartKind::ByBreakdown, Some(b)) => breakdown_ok(indicator, b)?,
            (ChartKind::ByBreakdown, None) => {
                return Err(format!(
                    "report-templates/{name}.toml: a by_breakdown chart needs `breakdown`"
                ))
            }
            (ChartKind::ByArea, _) => breakdown_ok(indicator, "area")?,
            _ => {}
        }
        if chart.kind == ChartKind::Trend && !(2..=24).contains(&chart.periods) {
            return Err(format!(
                "report-templates/{name}.toml: a trend covers 2 to 24 periods"
            ));
        }
    }
    Ok(())
}

/// One sheet of template `name` checked against the indicators.
fn check_sheet(name: &str, sheet: &SheetSpec, indicators: &[Indicator]) -> Result<(), String> {
    let find = |id: &str| indicator_named(name, indicators, id);
    let breakdown_ok = |indicator: &Indicator, breakdown: &str| has_breakdown(name, indicator, breakdown);
    if sheet.indicators.is_empty() {
        return Err(format!(
            "report-templates/{name}.toml: sheet {:?} lists no indicator",
            sheet.title_en
        ));
    }
    for id in &sheet.indicators {
        let indicator = find(id)?;
        match (sheet.kind, &sheet.breakdown) {
            (SheetKind::ByBreakdown, Some(b)) => breakdown_ok(indicator, b)?,
            (SheetKind::ByBreakdown, None) => {
                return Err(format!(
                    "report-templates/{name}.toml: a by_breakdown sheet needs `breakdown`"
                ))
            }
            (SheetKind::ByArea, _) => breakdown_ok(indicator, "area")?,
            (SheetKind::Comparison, _)
                if !matches!(indicator.unit, catalog::Unit::Share | catalog::Unit::Per100k) =>
            {
                return Err(format!(
                    "report-templates/{name}.toml: {id} is not a share or a rate; a comparison sheet compares only those"
                ))
            }
            _ => {}
        }
    }
    if sheet.kind == SheetKind::Comparison && sheet.indicators.len() != 1 {
        return Err(format!(
            "report-templates/{name}.toml: a comparison sheet compares one indicator (sheet {:?})",
            sheet.title_en
        ));
    }
    if let Some(level) = &sheet.level {
        if sheet.kind != SheetKind::Comparison || !matches!(level.as_str(), "district" | "commune") {
            return Err(format!(
                "report-templates/{name}.toml: `level = {level:?}`: only a comparison sheet has a level, district or commune"
            ));
        }
    }
    if let (SheetKind::ByBreakdown, Some(_)) = (sheet.kind, &sheet.breakdown) {
        let subjects: Vec<Subject> = sheet
            .indicators
            .iter()
            .filter_map(|id| find(id).ok())
            .map(|i| i.subject)
            .collect();
        if subjects.windows(2).any(|w| w[0] != w[1]) {
            return Err(format!(
                "report-templates/{name}.toml: sheet {:?} mixes case and content indicators in one breakdown",
                sheet.title_en
            ));
        }
    }
    Ok(())
}

/// The indicator `id` of the catalog, or template `name`'s error naming it.
fn indicator_named<'i>(name: &str, indicators: &'i [Indicator], id: &str) -> Result<&'i Indicator, String> {
    indicators
        .iter()
        .find(|i| i.id == id)
        .ok_or_else(|| format!("report-templates/{name}.toml: unknown indicator {id:?}"))
}

/// Whether `indicator` has `breakdown`, or template `name`'s error saying it has not.
fn has_breakdown(name: &str, indicator: &Indicator, breakdown: &str) -> Result<(), String> {
    if indicator.breakdowns.iter().any(|b| b == breakdown) {
        Ok(())
    } else {
        Err(format!(
            "report-templates/{name}.toml: {} has no breakdown {breakdown:?}",
            indicator.id
        ))
    }
}

/// The embedded templates by name: a file with spans gives one template per span (and is
/// not one itself), a file without gives itself.
pub fn templates() -> Result<Vec<(String, Template)>, String> {
    let mut all = Vec::new();
    for (file, text) in catalog::template_sources()? {
        let template = parse(&file, &text)?;
        if template.spans.is_empty() {
            all.push((file, template));
            continue;
        }
        for span in &template.spans {
            all.push((span.name.clone(), template.of_span(span)));
        }
    }
    // The dashboard a report writes beside its workbook has the leaders' dashboard's
    // tiles, unless its own template names others.
    let tiles = all
        .iter()
        .find(|(n, _)| n == "dashboard")
        .and_then(|(_, t)| t.dashboard.clone());
    for (_, template) in &mut all {
        if template.dashboard.is_none() {
            template.dashboard = tiles.clone();
        }
    }
    let mut names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    if let Some(twice) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!(
            "report-templates: two templates are named {:?}",
            twice[0]
        ));
    }
    Ok(all)
}

pub fn find(name: &str) -> Result<Template, String> {
    let all = templates()?;
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    all.iter()
        .find(|(n, _)| n == name)
        .map(|(_, t)| t.clone())
        .ok_or_else(|| {
            format!(
                "no report template {name:?}; the templates are {}",
                names.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_template_resolves() {
        let indicators = catalog::indicators().unwrap();
        let all = templates().unwrap();
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        for expected in ["quarterly", "half-year", "annual", "programme-830"] {
            assert!(names.contains(&expected), "{expected}");
        }
        for (name, t) in &all {
            check(name, t, &indicators).unwrap();
        }
    }

    #[test]
    fn broken_references_are_named() {
        let indicators = catalog::indicators().unwrap();
        let t = parse("x", "title_vi = \"a\"\ntitle_en = \"b\"\n[[sheet]]\ntitle_vi = \"s\"\ntitle_en = \"s\"\nkind = \"summary\"\nindicators = [\"nope\"]\n").unwrap();
        assert!(check("x", &t, &indicators).unwrap_err().contains("nope"));
        let t = parse("x", "title_vi = \"a\"\ntitle_en = \"b\"\n[[sheet]]\ntitle_vi = \"s\"\ntitle_en = \"s\"\nkind = \"by_breakdown\"\nbreakdown = \"colour\"\nindicators = [\"cases_received\"]\n").unwrap();
        assert!(check("x", &t, &indicators).unwrap_err().contains("colour"));
        assert!(parse("x", "title_vi = \"a\"\ntitle_en = \"b\"\nsql = \"SELECT 1\"\n").is_err());
    }
}
