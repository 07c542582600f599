//! `baove compare`: areas compared on shares and rates, for evaluators: the comparison
//! table (tidy columns plus value against the province, funnel limits and flag, rank
//! with its interval, over-dispersion), the trend of the last 8 periods, and a funnel
//! plot per indicator.

use std::path::PathBuf;
use std::process::ExitCode;

use super::args::{Level, Reading};
use baove::catalog::{self, Indicator, Lang, Unit};
use baove::compare::{self, Settings};
use baove::disclosure::Audience;
use baove::funnel::{Adjustment, Model};
use baove::indicators::Request;
use baove::model;
use baove::period::Period;
use baove::render::chart::{self, Heatmap, SmallMultiples};
use baove::render::csv_out::Csv;
use baove::render::{labels, output, tidy};
use baove::store::Session;

/// Periods in the trend file, ending with the compared one.
const TREND_PERIODS: u16 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Overdispersion {
    /// Adjust when there are at least 10 areas and phi > 1.
    Auto,
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OverdispersionModel {
    Additive,
    Multiplicative,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove compare --period 2025Q1 --indicator support_coverage rate_received --input sample-data/ --out cmp/\n  baove compare --period 2025 --db baove.duckdb --audience internal --overdispersion on --overdispersion-model multiplicative --out cmp/"
)]
pub struct Args {
    #[command(flatten)]
    reading: Reading,
    /// Indicators to compare (shares and rates); default: every one of them.
    #[arg(long, num_args = 1..)]
    indicator: Vec<String>,
    /// Widen the funnel limits for over-dispersion (Spiegelhalter 2005).
    #[arg(long, value_enum, default_value_t = Overdispersion::Auto)]
    overdispersion: Overdispersion,
    /// How to widen them (Spiegelhalter 2005): additive, each area's variance plus the
    /// between-area tau²; multiplicative, each area's variance times phi.
    #[arg(long, value_enum, default_value_t = OverdispersionModel::Additive)]
    overdispersion_model: OverdispersionModel,
    /// Compare the areas of one level, attributing records coded by other areas through
    /// the crosswalk (district: communes' records split by the weights, so a district
    /// trend runs across the reform of 1 July 2025); default: areas as coded.
    #[arg(long, value_enum)]
    level: Option<Level>,
    /// Periods in trend.csv and the small multiples, ending with P (e.g. 10 for
    /// 2024Q1-2026Q2 with --period 2026Q2).
    #[arg(long, default_value_t = TREND_PERIODS, value_parser = clap::value_parser!(u16).range(2..=48))]
    trend_periods: u16,
    /// Seed of the rank-interval simulation.
    #[arg(long, default_value_t = 830)]
    seed: u64,
    /// Output folder (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Replace existing output files.
    #[arg(long)]
    force: bool,
}

fn chosen(all: &[Indicator], ids: &[String]) -> baove::Result<Vec<Indicator>> {
    if ids.is_empty() {
        return Ok(all.iter().filter(|i| compare::comparable(i)).cloned().collect());
    }
    ids.iter()
        .map(|id| {
            let indicator = all.iter().find(|i| i.id == *id).ok_or_else(|| {
                baove::Error::Usage(format!("unknown indicator {id:?} (see baove indicators --list)"))
            })?;
            if compare::comparable(indicator) {
                Ok(indicator.clone())
            } else {
                Err(baove::Error::Usage(format!(
                    "{id} is a {}: only shares and rates per 100 000 are compared on a funnel",
                    indicator.unit.name()
                )))
            }
        })
        .collect()
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let all = catalog::indicators().map_err(baove::Error::Catalog)?;
    let picked = chosen(&all, &args.indicator)?;
    let (period, as_of) = args.reading.moment()?;
    let lang = args.reading.lang.lang();
    let public = args.reading.public();
    let store = args.reading.store()?;
    let geography = Session::new(&store)?.whole(&period)?;
    geography.covers_its_parts(&period)?;
    let areas = compare::Areas::of(&store, &geography, args.level.map(Level::scheme))?;
    let settings = Settings {
        adjustment: match args.overdispersion {
            Overdispersion::Auto => Adjustment::Auto,
            Overdispersion::On => Adjustment::On,
            Overdispersion::Off => Adjustment::Off,
        },
        model: match args.overdispersion_model {
            OverdispersionModel::Additive => Model::Additive,
            OverdispersionModel::Multiplicative => Model::Multiplicative,
        },
        seed: args.seed,
        ..Settings::default()
    };
    let audience = args.reading.audience;
    let comparing = compare::Comparing {
        store: &store,
        all: &all,
        picked: &picked,
        areas: &areas,
        audience,
        settings: &settings,
    };
    let run = compare::run(
        &comparing,
        &Request { period, as_of },
        &geography,
        usize::from(args.trend_periods),
    )?;
    drop(store);
    output::output_dir(&args.out, "charts")?;
    let mut written = write_tables(&args, &run, audience)?;
    // Every chart names the whole its areas belong to and the provinces whose data it holds.
    let whole = format!(
        "{}: {} ({})",
        labels::text(lang, "whole_reported"),
        labels::whole_title(lang, &geography),
        labels::whole_coverage(lang, &geography)
    );
    written.extend(write_charts(&args, &run, &picked, &areas, lang, public, &whole)?);
    written.extend(write_heatmap(
        &args, &run, &areas, lang, public, &whole, audience,
    )?);
    let mut text = summary(&args, &run, areas.universe.len(), period, as_of);
    text.push_str(&format!("  {whole}\n"));
    if args.level.is_none() && areas.level == Some(compare::Level::District) {
        text.push_str(
            "  compared by former district through the crosswalk: the period's areas as coded are \
             former districts and the communes that replaced them\n",
        );
    }
    for path in &written {
        text.push_str(&format!("  {}\n", path.display()));
    }
    args.reading.log_outputs("compare", &period, as_of, &written)?;
    super::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// `comparison.csv`, `trend.csv` and, where a rate is compared, `smoothed.csv`.
fn write_tables(args: &Args, run: &compare::Run, audience: Audience) -> baove::Result<Vec<PathBuf>> {
    let current = &run.current.compared;
    let mut written = Vec::new();
    let mut csv = Csv::new(&tidy::comparison_header(true));
    for c in current {
        for line in tidy::comparison_lines(&c.context, &c.comparison, &c.hidden, true, audience) {
            csv.row(line);
        }
    }
    let comparison_path = args.out.join("comparison.csv");
    output::write_atomic(&comparison_path, &csv.into_bytes(), args.force)?;
    written.push(comparison_path);

    let mut csv = Csv::new(&tidy::trend_header());
    let tests = run.trend_tests();
    for compared in &run.trend {
        for c in compared {
            for line in tidy::trend_lines(c, &tests, audience) {
                csv.row(line);
            }
        }
    }
    let trend_path = args.out.join("trend.csv");
    output::write_atomic(&trend_path, &csv.into_bytes(), args.force)?;
    written.push(trend_path);

    // Rates only: written when one of them is compared.
    if current.iter().any(|c| !c.comparison.smoothing.is_empty()) {
        let mut csv = Csv::new(&tidy::smoothed_header());
        for c in current {
            for line in tidy::smoothed_lines(c, audience) {
                csv.row(line);
            }
        }
        let smoothed_path = args.out.join("smoothed.csv");
        output::write_atomic(&smoothed_path, &csv.into_bytes(), args.force)?;
        written.push(smoothed_path);
    }

    Ok(written)
}

/// A funnel plot per compared indicator, and its trend in small multiples by area.
fn write_charts(
    args: &Args,
    run: &compare::Run,
    picked: &[Indicator],
    areas: &compare::Areas,
    lang: Lang,
    public: bool,
    whole: &str,
) -> baove::Result<Vec<PathBuf>> {
    let current = &run.current.compared;
    let (universe, names) = (&areas.universe, &areas.names);
    let mut written = Vec::new();
    for c in current {
        let indicator = picked
            .iter()
            .find(|i| i.id == c.comparison.indicator_id)
            .expect("compared");
        let mut funnel = chart::funnel_of(&c.comparison, indicator, names, lang, public);
        funnel.note = format!("{whole}. {}", funnel.note);
        let stem = format!("funnel_{}", c.comparison.indicator_id);
        written.extend(output::write_chart(
            &args.out,
            &stem,
            chart::render_funnel(&funnel)?,
            args.force,
        )?);
    }

    let note = format!("{whole}. {}", labels::chart_note(lang, public));
    let area_label = |code: &str| format!("{code} {}", names.get(code).cloned().unwrap_or_default());
    // The whole the areas are compared with: a province, or the nation.
    let whole_code = current
        .first()
        .map(|c| c.comparison.province.area_code.clone())
        .unwrap_or_default();
    for indicator in picked {
        let value_in = |compared: &[compare::Compared], area: Option<&str>| -> Option<f64> {
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
        written.extend(output::write_chart(
            &args.out,
            &format!("trend_{}", indicator.id),
            chart::render_small_multiples(&chart)?,
            args.force,
        )?);
    }
    Ok(written)
}

/// `heatmap.csv` and its chart: cases received by area and form of abuse.
fn write_heatmap(
    args: &Args,
    run: &compare::Run,
    areas: &compare::Areas,
    lang: Lang,
    public: bool,
    whole: &str,
    audience: Audience,
) -> baove::Result<Vec<PathBuf>> {
    let universe = &areas.universe;
    let note = format!("{whole}. {}", labels::chart_note(lang, public));
    let mut written = Vec::new();
    let cells = &run.heatmap;
    let heatmap_path = args.out.join("heatmap.csv");
    let csv = tidy::heatmap_csv(
        &run.heatmap_context,
        "abuse_type",
        model::ABUSE_TYPES,
        universe,
        cells,
        audience,
    );
    output::write_atomic(&heatmap_path, &csv, args.force)?;
    written.push(heatmap_path);
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
    written.extend(output::write_chart(
        &args.out,
        "heatmap_abuse_type",
        heatmap,
        args.force,
    )?);

    Ok(written)
}

/// What was compared, and each indicator's over-dispersion and areas outside the limits.
fn summary(
    args: &Args,
    run: &compare::Run,
    areas: usize,
    period: Period,
    as_of: chrono::NaiveDateTime,
) -> String {
    let current = &run.current.compared;
    let mut text = format!(
        "compared {} indicators over {} areas ({}) for {} ({} to {}, {}), as of {}, audience {}:\n",
        current.len(),
        areas,
        args.level.map_or("as coded", |l| l.scheme().code()),
        period,
        period.start(),
        period.end(),
        period.calendar.name(),
        as_of.format("%Y-%m-%d %H:%M:%S"),
        args.reading.audience.name()
    );
    for c in current {
        let c = &c.comparison;
        let outside: Vec<String> = c
            .areas
            .iter()
            .filter(|a| a.flag.outside_95())
            .map(|a| format!("{} {}", a.area_code, a.flag.name()))
            .collect();
        text.push_str(&format!(
            "  {}: phi {:.2}, over-dispersion {}; outside the 95% limits: {}\n",
            c.indicator_id,
            c.dispersion.phi,
            if c.dispersion.applied {
                format!("applied ({})", c.dispersion.model.name())
            } else {
                "not applied".to_string()
            },
            if outside.is_empty() {
                "none".to_string()
            } else {
                outside.join(", ")
            }
        ));
    }
    text
}
