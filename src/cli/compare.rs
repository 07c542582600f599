//! `baove compare`: areas compared on shares and rates, for evaluators: the comparison
//! table (tidy columns plus value against the province, funnel limits and flag, rank
//! with its interval, over-dispersion), the trend of the last 8 periods, and a funnel
//! plot per indicator.

use std::path::PathBuf;
use std::process::ExitCode;

use super::args::{Level, Reading};
use baove::compare::Settings;
use baove::funnel::{Adjustment, Model};
use baove::period::Period;
use baove::publish::compare;
use baove::render::output;

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

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let store = args.reading.store()?;
    let (request, load) = args.reading.request(&store)?;
    let (period, as_of) = (request.period, request.as_of);
    let asked = compare::Asked {
        request: request.clone(),
        indicators: &args.indicator,
        level: args.level.map(Level::scheme),
        settings: Settings {
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
        },
        trend_periods: usize::from(args.trend_periods),
        lang: args.reading.lang.lang(),
    };
    let published = compare::publish(&store, &asked)?;
    drop(store);
    let written = output::write_folder(&args.out, &published.artefacts, args.force)?;
    let mut text = summary(
        &args,
        &published.run,
        published.areas.universe.len(),
        period,
        as_of,
    );
    text.push_str(&format!("  {}\n", published.whole));
    if args.level.is_none() && published.areas.level == Some(baove::compare::Level::District) {
        text.push_str(
            "  compared by former district through the crosswalk: the period's areas as coded are \
             former districts and the communes that replaced them\n",
        );
    }
    for path in &written {
        text.push_str(&format!("  {}\n", path.display()));
    }
    args.reading.log_outputs("compare", &request, load, &written)?;
    super::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// What was compared, and each indicator's over-dispersion and areas outside the limits.
fn summary(
    args: &Args,
    run: &baove::compare::Run,
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
