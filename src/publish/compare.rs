//! A comparison of areas for evaluators: `comparison.csv` (tidy columns plus value
//! against the whole, funnel limits and flag, rank with its interval, over-dispersion),
//! `trend.csv` over the trend's periods, `smoothed.csv` where a rate is compared, the
//! heat map of cases received by area and form of abuse, a funnel plot per indicator
//! and its trend in small multiples by area.

use crate::catalog::{self, Indicator, Lang, Unit};
use crate::compare::{self, Areas, Compared, Level, Run, Settings};
use crate::error::{Error, Result};
use crate::model;
use crate::render::chart::{self, Heatmap, SmallMultiples};
use crate::render::csv_out::Csv;
use crate::render::output::Artefact;
use crate::render::{labels, tidy};
use crate::results::{Audience, Request};
use crate::store::{Session, Store};

/// What a comparison is asked for, beyond the store it reads.
pub struct Asked<'a> {
    pub request: Request,
    /// Indicator ids to compare (shares and rates); empty: every comparable one.
    pub indicators: &'a [String],
    /// None: the areas as coded in the period.
    pub level: Option<Level>,
    pub settings: Settings,
    /// Periods of the trend, ending with the compared one.
    pub trend_periods: usize,
    pub lang: Lang,
}

/// A comparison done: its figures (for the command's summary) and its artefacts.
pub struct Published {
    pub run: Run,
    pub areas: Areas,
    /// The whole the areas belong to and the provinces whose data it holds, as every
    /// chart names it.
    pub whole: String,
    pub artefacts: Vec<Artefact>,
}

/// The indicators `ids` names (every comparable one when empty); refused when one is
/// unknown or neither a share nor a rate.
pub fn chosen(all: &[Indicator], ids: &[String]) -> Result<Vec<Indicator>> {
    if ids.is_empty() {
        return Ok(all.iter().filter(|i| compare::comparable(i)).cloned().collect());
    }
    ids.iter()
        .map(|id| {
            let indicator = all.iter().find(|i| i.id == *id).ok_or_else(|| {
                Error::Usage(format!("unknown indicator {id:?} (see baove indicators --list)"))
            })?;
            if compare::comparable(indicator) {
                Ok(indicator.clone())
            } else {
                Err(Error::Usage(format!(
                    "{id} is a {}: only shares and rates per 100 000 are compared on a funnel",
                    indicator.unit.name()
                )))
            }
        })
        .collect()
}

pub fn publish(store: &Store, asked: &Asked) -> Result<Published> {
    let all = catalog::indicators().map_err(Error::Catalog)?;
    let picked = chosen(&all, asked.indicators)?;
    let period = asked.request.period;
    let geography = Session::new(store, &asked.request)?.whole(&period)?;
    geography.covers_its_parts(&period)?;
    let areas = Areas::of(store, &asked.request, &geography, asked.level)?;
    let comparing = compare::Comparing {
        store,
        all: &all,
        picked: &picked,
        areas: &areas,
        settings: &asked.settings,
    };
    let run = compare::run(&comparing, &asked.request, &geography, asked.trend_periods)?;
    let lang = asked.lang;
    // Every chart names the whole its areas belong to and the provinces whose data it holds.
    let whole = format!(
        "{}: {} ({})",
        labels::text(lang, "whole_reported"),
        labels::whole_title(lang, &geography),
        labels::whole_coverage(lang, &geography)
    );
    let mut artefacts = tables(&run, asked.request.audience);
    let drawing = Drawing {
        run: &run,
        areas: &areas,
        lang,
        public: asked.request.audience.is_public(),
        whole: &whole,
    };
    artefacts.extend(drawing.charts(&picked)?);
    artefacts.extend(drawing.heatmap(asked.request.audience)?);
    Ok(Published {
        run,
        areas,
        whole,
        artefacts,
    })
}

/// `comparison.csv`, `trend.csv` and, where a rate is compared, `smoothed.csv`.
fn tables(run: &Run, audience: Audience) -> Vec<Artefact> {
    let current = &run.current.compared;
    let mut csv = Csv::new(&tidy::comparison_header(true));
    for c in current {
        for line in tidy::comparison_lines(&c.context, &c.comparison, &c.hidden, true, audience) {
            csv.row(line);
        }
    }
    let mut artefacts = vec![Artefact::new("comparison.csv", csv.into_bytes())];

    let mut csv = Csv::new(&tidy::trend_header());
    let tests = run.trend_tests();
    for compared in &run.trend {
        for c in compared {
            for line in tidy::trend_lines(c, &tests, audience) {
                csv.row(line);
            }
        }
    }
    artefacts.push(Artefact::new("trend.csv", csv.into_bytes()));

    // Rates only: written when one of them is compared.
    if current.iter().any(|c| !c.comparison.smoothing.is_empty()) {
        let mut csv = Csv::new(&tidy::smoothed_header());
        for c in current {
            for line in tidy::smoothed_lines(c, audience) {
                csv.row(line);
            }
        }
        artefacts.push(Artefact::new("smoothed.csv", csv.into_bytes()));
    }
    artefacts
}

/// What every chart of a comparison is drawn from.
struct Drawing<'a> {
    run: &'a Run,
    areas: &'a Areas,
    lang: Lang,
    public: bool,
    whole: &'a str,
}

impl Drawing<'_> {
    /// A funnel plot per compared indicator, and its trend in small multiples by area.
    fn charts(&self, picked: &[Indicator]) -> Result<Vec<Artefact>> {
        let (run, lang) = (self.run, self.lang);
        let current = &run.current.compared;
        let (universe, names) = (&self.areas.universe, &self.areas.names);
        let mut artefacts = Vec::new();
        for c in current {
            let indicator = picked
                .iter()
                .find(|i| i.id == c.comparison.indicator_id)
                .expect("compared");
            let mut funnel = chart::funnel_of(&c.comparison, indicator, names, lang, self.public);
            funnel.note = format!("{}. {}", self.whole, funnel.note);
            let stem = format!("funnel_{}", c.comparison.indicator_id);
            artefacts.extend(Artefact::chart(&stem, chart::render_funnel(&funnel)?));
        }

        let note = format!("{}. {}", self.whole, labels::chart_note(lang, self.public));
        let area_label = |code: &str| format!("{code} {}", names.get(code).cloned().unwrap_or_default());
        // The whole the areas are compared with: a province, or the nation.
        let whole_code = current
            .first()
            .map(|c| c.comparison.province.area_code.clone())
            .unwrap_or_default();
        for indicator in picked {
            let value_in = |compared: &[Compared], area: Option<&str>| -> Option<f64> {
                let c = compared
                    .iter()
                    .find(|c| c.comparison.indicator_id == indicator.id)?;
                match area {
                    None => Some(c.comparison.province_value),
                    Some(code) => c
                        .comparison
                        .areas
                        .iter()
                        .find(|a| a.area_code == code)
                        .map(|a| a.value),
                }
            };
            let chart = SmallMultiples {
                title: format!(
                    "{} · {}",
                    indicator.label(lang),
                    labels::text(lang, "trend_by_area")
                ),
                y_label: labels::text(lang, indicator.unit.name()).to_string(),
                percent: indicator.unit == Unit::Share,
                periods: run.trend_periods.iter().map(|p| p.to_string()).collect(),
                panels: universe
                    .iter()
                    .map(|code| {
                        (
                            area_label(code),
                            run.trend.iter().map(|t| value_in(t, Some(code))).collect(),
                        )
                    })
                    .collect(),
                reference: run.trend.iter().map(|t| value_in(t, None)).collect(),
                reference_label: labels::of_whole(lang, "funnel_centre", &whole_code).to_string(),
                note: format!(
                    "{}. {note}",
                    labels::of_whole(lang, "small_multiples_note", &whole_code)
                ),
            };
            artefacts.extend(Artefact::chart(
                &format!("trend_{}", indicator.id),
                chart::render_small_multiples(&chart)?,
            ));
        }
        Ok(artefacts)
    }

    /// `heatmap.csv` and its chart: cases received by area and form of abuse.
    fn heatmap(&self, audience: Audience) -> Result<Vec<Artefact>> {
        let (run, lang) = (self.run, self.lang);
        let universe = &self.areas.universe;
        let note = format!("{}. {}", self.whole, labels::chart_note(lang, self.public));
        let cells = &run.heatmap;
        let csv = tidy::heatmap_csv(
            &run.heatmap_context,
            "abuse_type",
            model::ABUSE_TYPES,
            universe,
            cells,
            audience,
        );
        let mut artefacts = vec![Artefact::new("heatmap.csv", csv)];
        let heatmap = chart::render_heatmap(&Heatmap {
            title: labels::text(lang, "heatmap_title").to_string(),
            rows: model::ABUSE_TYPES
                .iter()
                .map(|code| labels::code_name(lang, "abuse_type", code))
                .collect(),
            columns: universe.to_vec(),
            // Forms of abuse (long names) as rows, areas (codes) as columns.
            cells: (0..model::ABUSE_TYPES.len())
                .map(|t| cells.iter().map(|row| row[t].shown()).collect())
                .collect(),
            note: format!("{}. {note}", labels::text(lang, "heatmap_note")),
        })?;
        artefacts.extend(Artefact::chart("heatmap_abuse_type", heatmap));
        Ok(artefacts)
    }
}
