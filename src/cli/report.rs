//! `baove report`: a periodic report from a template: the workbook, chart files, the
//! tidy table it was built from and, for templates that name one, the drafted report
//! (DOCX).

use std::path::PathBuf;
use std::process::ExitCode;

use baove::catalog::Lang;
use baove::publish::report;
use baove::render::output;
use baove::template;

use super::args::{generation_time, parse_as_of, Level, Reading};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove report --template quarterly --period 2025Q1 --input sample-data/ --out out/\n  baove report --template annual --period 2025 --db baove.duckdb --lang en --audience internal --out out/"
)]
pub struct Args {
    /// Template name (report-templates/NAME.toml): quarterly, half-year, annual,
    /// programme-830, district-comparison, dashboard.
    #[arg(long)]
    template: String,
    #[command(flatten)]
    reading: Reading,
    /// Comparison sheets (district-comparison template): compare the areas of this level.
    #[arg(long, value_enum)]
    level: Option<Level>,
    /// Output folder (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Replace existing output files.
    #[arg(long)]
    force: bool,
    /// The revisions sheet compares with the store as known at this load (or the last
    /// load logged by "YYYY-MM-DD HH:MM:SS"), not with the last earlier report of the
    /// period that the log of outputs names.
    #[arg(long, value_name = "MOMENT|LOAD", value_parser = super::args::parse_known_at)]
    since: Option<baove::store::KnownAt>,
    /// Generation time written into the files, "YYYY-MM-DD HH:MM:SS" (default:
    /// SOURCE_DATE_EPOCH if set, else now): equal inputs and timestamp, equal bytes.
    #[arg(long, value_parser = parse_as_of)]
    timestamp: Option<chrono::NaiveDateTime>,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let mut template = template::find(&args.template).map_err(baove::Error::Usage)?;
    if let Some(level) = args.level {
        // The level asked for replaces the template's on every comparison sheet.
        report::at_level(&mut template, &args.template, level.name())?;
    }
    let generated_at = generation_time(args.timestamp)?;
    let lang = args.reading.lang.lang();
    let store = args.reading.store_logged_at(generated_at)?;
    let (request, load) = args.reading.request(&store)?;
    let (period, as_of) = (request.period, request.as_of);
    let since = match args.since {
        Some(at) => Some(store.resolve_known_at(at)?.load_id),
        None => None,
    };
    let asked = report::Asked {
        template_name: &args.template,
        template,
        request: request.clone(),
        since,
        lang,
        generated_at,
    };
    let artefacts = report::artefacts(&store, &asked)?;
    // Read: the store is opened for writing only to log the outputs below.
    drop(store);
    let written = output::write_folder(&args.out, &artefacts, args.force)?;
    let mut text = format!(
        "report {} for {} ({} to {}, {}), as of {}, audience {}, language {}:\n",
        args.template,
        period,
        period.start(),
        period.end(),
        period.calendar.name(),
        as_of.format("%Y-%m-%d %H:%M:%S"),
        args.reading.audience.name(),
        if lang == Lang::Vi { "vi" } else { "en" }
    );
    for path in &written {
        text.push_str(&format!("  {}\n", path.display()));
    }
    args.reading
        .log_outputs(&format!("report {}", args.template), &request, load, &written)?;
    super::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
