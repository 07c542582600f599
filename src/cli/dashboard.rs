//! `baove dashboard`: the leaders' dashboard, one offline HTML file.

use std::path::PathBuf;
use std::process::ExitCode;

use baove::period::{Calendar, Period};
use baove::render::{dashboard, output};
use baove::{report, template};

use super::indicators::{parse_as_of, parse_calendar, Audience};
use super::report::{generation_time, Language};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove dashboard --period 2025Q1 --input sample-data/ --out dashboard.html\n  baove dashboard --period 2025 --db baove.duckdb --lang en --audience internal --out d.html"
)]
pub struct Args {
    /// Period: 2025-03, 2025Q1, 2025H1 or 2025.
    #[arg(long)]
    period: String,
    /// The store to read.
    #[arg(long, conflicts_with = "input")]
    db: Option<PathBuf>,
    /// Export files or folders to load into a temporary store first.
    #[arg(long, num_args = 1..)]
    input: Vec<PathBuf>,
    /// Mapping profile for --input files.
    #[arg(long)]
    profile: Option<PathBuf>,
    #[arg(long, default_value = "statutory", value_parser = parse_calendar)]
    calendar: Calendar,
    #[arg(long, value_parser = parse_as_of)]
    as_of: Option<chrono::NaiveDateTime>,
    #[arg(long, value_enum, default_value_t = Audience::Public)]
    audience: Audience,
    #[arg(long, value_enum, default_value_t = Language::Vi)]
    lang: Language,
    /// Generation time written into the file (default: SOURCE_DATE_EPOCH, else now).
    #[arg(long, value_parser = parse_as_of)]
    timestamp: Option<chrono::NaiveDateTime>,
    /// The HTML file to write.
    #[arg(long)]
    out: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let template = template::find("dashboard").map_err(baove::Error::Usage)?;
    let period = Period::parse(&args.period, args.calendar).map_err(baove::Error::Usage)?;
    let as_of = args.as_of.unwrap_or_else(|| period.end_moment());
    let generated_at = generation_time(args.timestamp)?;
    let store = super::reporting_store(args.db.as_deref(), &args.input, &args.profile)?;
    let public = args.audience == Audience::Public;
    let data = report::gather(&store, "dashboard", &template, period, as_of, public)?;
    let bytes = dashboard::build(&data, args.lang.lang(), generated_at)?;
    output::write_atomic(&args.out, &bytes, args.force)?;
    super::print(&format!(
        "dashboard for {period}, as of {}, audience {}: {}\n",
        as_of.format("%Y-%m-%d %H:%M:%S"),
        args.audience.name(),
        args.out.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
