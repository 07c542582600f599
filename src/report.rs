//! Gathering everything a periodic report shows, from the store: the indicators of the
//! period, the previous period, the same period a year before and the trend periods;
//! the loads the data came from; and data quality. The result is plain data that the
//! renderers turn into bytes without touching the store.

use chrono::NaiveDateTime;

use crate::catalog::Indicator;
use crate::period::Period;
use crate::results::{Geography, LoggedFile, TidyRow};

pub use crate::results::{Completeness, Quality};
use crate::template::Template;

/// The values of one period.
#[derive(Debug, Clone)]
pub struct PeriodValues {
    pub period: Period,
    pub as_of: NaiveDateTime,
    pub rows: Vec<TidyRow>,
}

impl PeriodValues {
    /// The row of an indicator for the province or an area, optionally in a breakdown.
    pub fn find(&self, indicator: &str, area: &str, breakdown: &str, value: &str) -> Option<&TidyRow> {
        self.rows.iter().find(|r| {
            r.indicator_id == indicator
                && r.area_code == area
                && r.breakdown == breakdown
                && r.breakdown_value == value
        })
    }
}

#[derive(Debug, Clone)]
pub struct ReportData {
    pub template_name: String,
    pub template: Template,
    pub indicators: Vec<Indicator>,
    pub public: bool,
    pub current: PeriodValues,
    pub previous: PeriodValues,
    pub year_before: PeriodValues,
    /// Oldest first, ending with the current period.
    pub trend: Vec<PeriodValues>,
    /// Whole years of the programme (for by-year sheets), oldest first.
    pub years: Vec<PeriodValues>,
    pub geography: Geography,
    pub sources: Vec<LoggedFile>,
    pub quality: Quality,
    /// For each sheet of the template, in order: its comparison, for comparison sheets.
    pub comparisons: Vec<Option<crate::compare::Compared>>,
    /// The dated programme targets (queries/targets.toml).
    pub targets: crate::catalog::Targets,
    /// The dated legal deadlines (queries/deadlines.toml): a change across one is not shown.
    pub deadlines: Vec<crate::catalog::DeadlineRule>,
    /// The revisions sheet, for templates that have one.
    pub revisions: Option<crate::results::Revised>,
}

impl ReportData {
    /// The target of an indicator for a period: that of the set in force on the period's
    /// last day.
    pub fn target(&self, indicator: &str, period: &Period) -> Option<&crate::catalog::Target> {
        self.targets.target(indicator, period.end())
    }

    /// The change of rule of an indicator between `other` (an earlier period the report
    /// compares with) and the current period: a change across it is not shown.
    pub fn rule_change(&self, indicator: &str, other: &Period) -> Option<crate::catalog::RuleChange> {
        let indicator = self.indicators.iter().find(|i| i.id == indicator)?;
        let now = &self.current.period;
        crate::catalog::rule_change(
            &self.deadlines,
            indicator,
            (other.start(), other.end()),
            (now.start(), now.end()),
        )
    }

    /// The test for trend of an indicator for the whole over the report's trend periods
    /// (issue 35; the indicators of the template's trend charts, the ones computed there): log-linear Poisson for counts (constant exposure) and rates (the
    /// children as offset), logistic for shares; none for durations. Fitted on the
    /// periods whose counts the audience sees, and only those under the rule in force in
    /// the current period (a change of legal rule is not a trend).
    pub fn trend_test(&self, indicator: &str) -> Option<crate::trend::Trend> {
        use crate::catalog::Unit;
        let unit = self.indicators.iter().find(|i| i.id == indicator)?.unit;
        let province = &self.geography.province;
        let points: Vec<(f64, f64)> = self
            .trend
            .iter()
            .map(|values| {
                let comparable = values.period == self.current.period
                    || self.rule_change(indicator, &values.period).is_none();
                let row = values
                    .find(indicator, province, "", "")
                    .filter(|r| comparable && r.status == crate::results::Status::Shown);
                let counts = row.and_then(|r| match unit {
                    Unit::Count => Some((r.value?, 1.0)),
                    _ => Some((r.numerator? as f64, r.denominator? as f64)),
                });
                counts.unwrap_or((0.0, 0.0))
            })
            .collect();
        crate::trend::for_unit(unit, &points)
    }

    /// Whether the report compares with the same period a year before apart from the
    /// previous period: a year's previous period is the year before, shown once.
    pub fn compares_year_before(&self) -> bool {
        self.year_before.period != self.previous.period
    }

    /// Every tidy row the report shows, for the tidy file beside the workbook.
    pub fn all_rows(&self) -> Vec<TidyRow> {
        let mut rows = self.current.rows.clone();
        let mut seen = vec![self.current.period];
        for set in [&self.previous, &self.year_before]
            .into_iter()
            .chain(self.trend.iter())
            .chain(self.years.iter())
        {
            if !seen.contains(&set.period) {
                seen.push(set.period);
                rows.extend(set.rows.iter().cloned());
            }
        }
        rows
    }
}

#[cfg(feature = "store")]
pub use gathering::{compare_areas, gather};

/// Gathering from the store (the engine's part of this module).
#[cfg(feature = "store")]
mod gathering {
    use super::*;

    use crate::catalog;
    use crate::error::{Error, Result};
    use crate::indicators;
    use crate::period::Span;
    use crate::results::Request;
    use crate::store::Session;
    use crate::store::Store;
    use crate::template::{ChartKind, SheetKind};

    /// Computes the indicators of one period for the report's audience.
    fn values(store: &Store, indicators: &[Indicator], request: &Request) -> Result<PeriodValues> {
        // The public release hides what the period's one pattern over every whole of
        // the store hides (issue 32), whatever whole this report is about.
        let rows = if request.audience.is_public() {
            crate::release::Pattern::decide(store, request)?.release(&request.whole, indicators)?
        } else {
            indicators::compute(store, indicators, request)?
        };
        Ok(PeriodValues {
            period: request.period,
            as_of: request.as_of,
            rows,
        })
    }

    /// Compares the areas of `level` (default: those of the period) on `indicator_ids`,
    /// for a comparison sheet or the drafted report's funnels; the compared areas' names
    /// join the geography's.
    pub fn compare_areas(
        store: &Store,
        geography: &mut Geography,
        level: Option<crate::compare::Level>,
        indicator_ids: &[String],
        request: &Request,
    ) -> Result<Vec<crate::compare::Compared>> {
        let all = catalog::indicators().map_err(Error::Catalog)?;
        let areas = crate::compare::Areas::of(store, request, geography, level)?;
        let picked: Vec<Indicator> = all
            .iter()
            .filter(|i| indicator_ids.contains(&i.id))
            .cloned()
            .collect();
        let comparing = crate::compare::Comparing {
            store,
            all: &all,
            picked: &picked,
            areas: &areas,
            settings: &crate::compare::Settings::default(),
        };
        let compared = crate::compare::compare_request(&comparing, request)?.compared;
        for (code, name) in areas.names {
            geography.names.entry(code).or_insert(name);
        }
        Ok(compared)
    }

    pub fn gather(
        store: &Store,
        template_name: &str,
        template: &Template,
        request: &Request,
        revised_since: Option<i64>,
    ) -> Result<ReportData> {
        let (period, public) = (request.period, request.audience.is_public());
        let mut clock = crate::Stopwatch::start();
        let mut geography = Session::new(store, request)?.whole(&period)?;
        geography.covers_its_parts(&period)?;
        let all = catalog::indicators().map_err(Error::Catalog)?;
        let used: Vec<Indicator> = template
            .indicator_ids()
            .iter()
            .filter_map(|id| all.iter().find(|i| i.id == *id).cloned())
            .collect();
        let PeriodsShown {
            current,
            previous,
            year_before,
            trend,
            years,
        } = period_values(store, template, &used, request)?;
        clock.lap("report: the values of every period");

        // One session for the report's own queries; each period's indicators open theirs
        // (the staging objects are the connection's, so this one stays valid).
        let session = Session::new(store, request)?;
        let mut comparisons = Vec::new();
        for sheet in &template.sheets {
            if sheet.kind != SheetKind::Comparison {
                comparisons.push(None);
                continue;
            }
            let level = sheet.level.as_deref().and_then(crate::compare::Level::parse);
            let compared = compare_areas(store, &mut geography, level, &sheet.indicators, request)?;
            comparisons.push(compared.into_iter().next());
        }
        clock.lap("report: comparison sheets");
        let sources = store.status()?.log;
        let mut quality = if public {
            // Its counts are quantities of the period's one pattern (issue 32).
            crate::release::Pattern::decide(store, request)?.quality(
                store,
                &request.whole,
                &previous.period,
                public,
            )?
        } else {
            session.quality(&previous.period)?
        };
        if !public {
            // Parts, links and possible duplicates name cases and agencies: the office's.
            clock.lap("report: data quality of the store");
            quality.parts = session.parts_quality(request)?;
        }
        clock.lap("report: data quality");
        let revisions = template
            .revisions
            .then(|| revisions_of(store, &used, request, revised_since))
            .transpose()?;
        clock.lap("report: revisions");
        Ok(ReportData {
            template_name: template_name.to_string(),
            template: template.clone(),
            indicators: used,
            public,
            current,
            previous,
            year_before,
            trend,
            years,
            geography,
            sources,
            quality,
            comparisons,
            targets: catalog::targets().map_err(Error::Catalog)?,
            deadlines: catalog::deadlines().map_err(Error::Catalog)?,
            revisions,
        })
    }

    /// The values of every period the report shows: the period, the previous one and
    /// the year before (one each), the trend's periods (oldest first, ending with the
    /// period) and the years. Their figures are computed ahead, together.
    fn period_values(
        store: &Store,
        template: &Template,
        used: &[Indicator],
        request: &Request,
    ) -> Result<PeriodsShown> {
        let period = request.period;
        // A trend starts at the first period with data: earlier periods hold no data,
        // which a chart would draw as zero.
        let first_day = Session::new(store, request)?.first_record_day(&period)?;
        let trend_asked = trend_requests(template, used, request, first_day);
        let years_asked = year_requests(template, used, request, first_day);
        let at_end = |p: Period| request.at(p, p.end_moment());
        let mut asks = vec![
            (request.clone(), used.to_vec()),
            (at_end(period.previous()), used.to_vec()),
            (at_end(period.year_before()), used.to_vec()),
        ];
        asks.extend(trend_asked.iter().skip(1).cloned());
        asks.extend(years_asked.iter().cloned());
        // The trends and years ask for many periods of the state read.
        let until = asks.iter().map(|(asked, _)| asked.latest_moment()).max();
        store.expect_many_periods(request.known, until.unwrap_or(request.latest_moment()));
        crate::release::compute_ahead(store, &asks)?;
        let current = values(store, used, &asks[0].0)?;
        let previous = values(store, used, &asks[1].0)?;
        let year_before = values(store, used, &asks[2].0)?;
        let mut trend = Vec::new();
        for (step, (asked, indicators)) in trend_asked.iter().enumerate() {
            trend.push(if step == 0 {
                current.clone()
            } else {
                values(store, indicators, asked)?
            });
        }
        trend.reverse();
        let years = years_asked
            .iter()
            .map(|(asked, indicators)| values(store, indicators, asked))
            .collect::<Result<Vec<_>>>()?;
        Ok(PeriodsShown {
            current,
            previous,
            year_before,
            trend,
            years,
        })
    }

    /// The periods a report shows, with their values.
    struct PeriodsShown {
        current: PeriodValues,
        previous: PeriodValues,
        year_before: PeriodValues,
        /// Oldest first, ending with the current period.
        trend: Vec<PeriodValues>,
        years: Vec<PeriodValues>,
    }

    /// The requests of the template's trend charts' indicators over the longest trend's
    /// periods, newest first, starting with `request` itself; none before the first day
    /// with data. Each earlier period is described at its own end.
    fn trend_requests(
        template: &Template,
        used: &[Indicator],
        request: &Request,
        first_day: Option<chrono::NaiveDate>,
    ) -> Vec<indicators::ahead::Ask> {
        let trend_length = template
            .charts
            .iter()
            .filter(|c| c.kind == ChartKind::Trend)
            .map(|c| c.periods)
            .max()
            .unwrap_or(0);
        let trend_indicators: Vec<Indicator> = used
            .iter()
            .filter(|i| {
                template
                    .charts
                    .iter()
                    .any(|c| c.kind == ChartKind::Trend && c.indicator == i.id)
            })
            .cloned()
            .collect();
        let mut asks = Vec::new();
        let mut p = request.period;
        for step in 0..trend_length {
            if step > 0 {
                p = p.previous();
                if first_day.is_some_and(|day| p.end() < day) {
                    break;
                }
            }
            let asked = if step == 0 {
                request.clone()
            } else {
                request.at(p, p.end_moment())
            };
            asks.push((asked, trend_indicators.clone()));
        }
        asks
    }

    /// The requests of the whole years of the programme up to the period's, for the
    /// by-year sheets: each as of its end, the current one as of the report's moment.
    fn year_requests(
        template: &Template,
        used: &[Indicator],
        request: &Request,
        first_day: Option<chrono::NaiveDate>,
    ) -> Vec<indicators::ahead::Ask> {
        let (period, as_of) = (request.period, request.as_of);
        let mut asks = Vec::new();
        if !template.sheets.iter().any(|s| s.kind == SheetKind::ByYear) {
            return asks;
        }
        let by_year: Vec<Indicator> = used
            .iter()
            .filter(|i| {
                template
                    .sheets
                    .iter()
                    .any(|s| s.kind == SheetKind::ByYear && s.indicators.contains(&i.id))
            })
            .cloned()
            .collect();
        let first_year = first_day.map_or(period.reference_year(), |day| chrono::Datelike::year(&day));
        for year in first_year..=period.reference_year() {
            let y = Period {
                year,
                span: Span::Year,
                calendar: period.calendar,
            };
            if first_day.is_some_and(|day| y.end() < day) {
                continue;
            }
            let as_of_year = if year == period.reference_year() {
                as_of.min(y.end_moment())
            } else {
                y.end_moment()
            };
            asks.push((request.at(y, as_of_year), by_year.clone()));
        }
        asks
    }

    /// The revisions sheet: against the load asked for, else the last earlier report of the
    /// period. The first report of a period has nothing to revise, and a re-run as known at
    /// its load finds no report before that load either.
    fn revisions_of(
        store: &Store,
        used: &[Indicator],
        request: &Request,
        revised_since: Option<i64>,
    ) -> Result<crate::results::Revised> {
        let now = store.last_load_known(request.known)?;
        let since = match revised_since {
            Some(load) => Some(load),
            None => store.last_report_before(&request.period.to_string(), now)?,
        };
        Ok(match since {
            None => crate::results::Revised::FirstReport,
            Some(since) => crate::results::Revised::Since(Box::new(crate::revisions::compute(
                store, used, request, since, false,
            )?)),
        })
    }
}
