//! `baove dashboard`: the leaders' dashboard, one offline HTML file.

use std::path::PathBuf;
use std::process::ExitCode;

use baove::publish::dashboard;
use baove::render::output;

use super::args::{generation_time, parse_as_of, Reading};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove dashboard --period 2025Q1 --input sample-data/ --out dashboard.html\n  baove dashboard --period 2025 --db baove.duckdb --lang en --audience internal --out d.html"
)]
pub struct Args {
    #[command(flatten)]
    reading: Reading,
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
    let generated_at = generation_time(args.timestamp)?;
    let store = args.reading.store_logged_at(generated_at)?;
    let (request, load) = args.reading.request(&store)?;
    let (period, as_of) = (request.period, request.as_of);
    let page = dashboard::artefact(&store, &request, args.reading.lang.lang(), generated_at)?;
    drop(store);
    output::write_atomic(&args.out, &page.bytes, args.force)?;
    args.reading
        .log_outputs("dashboard", &request, load, std::slice::from_ref(&args.out))?;
    super::print(&format!(
        "dashboard for {period}, as of {}, audience {}: {}\n",
        as_of.format("%Y-%m-%d %H:%M:%S"),
        args.reading.audience.name(),
        args.out.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
