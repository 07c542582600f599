//! `baove revisions`: a period's figures as known after an earlier load against as
//! known now (or at `--as-known-at`), the differences, their causes in counts, and the
//! revision triangle.

use std::path::PathBuf;
use std::process::ExitCode;

use baove::publish::revisions;
use baove::render::output;

use super::args::{generation_time, parse_as_of, parse_known_at, Reading};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove revisions --period 2025Q1 --since 1 --out revisions/\n  baove revisions --period 2025Q1 --since \"2025-04-20 08:00:00\" --audience internal --lang en --out revisions/"
)]
pub struct Args {
    #[command(flatten)]
    reading: Reading,
    /// The earlier state compared with: a load id (`baove status` lists them), or
    /// "YYYY-MM-DD HH:MM:SS" for the last load logged by then.
    #[arg(long, value_name = "MOMENT|LOAD", value_parser = parse_known_at)]
    since: baove::store::KnownAt,
    /// Output folder (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Replace existing output files.
    #[arg(long)]
    force: bool,
    /// Generation time written into the workbook (default: SOURCE_DATE_EPOCH, else now).
    #[arg(long, value_parser = parse_as_of)]
    timestamp: Option<chrono::NaiveDateTime>,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let generated_at = generation_time(args.timestamp)?;
    let store = args.reading.store()?;
    let (request, load) = args.reading.request(&store)?;
    let (period, as_of) = (request.period, request.as_of);
    let since = store.resolve_known_at(args.since)?;
    let audience = args.reading.audience;
    let (revisions, artefacts) = revisions::artefacts(
        &store,
        &request,
        since.load_id,
        args.reading.lang.lang(),
        generated_at,
    )?;
    drop(store);
    let written = output::write_folder(&args.out, &artefacts, args.force)?;
    let changed = revisions
        .values
        .iter()
        .filter(|v| v.area_code == revisions.whole && v.difference.is_some_and(|d| d != 0.0))
        .count();
    let mut text = format!(
        "revisions of {period} from load {} ({}) to load {} ({}), as of {}, audience {}: {changed} of the whole's figures changed\n",
        revisions.since.load_id,
        revisions.since.loaded_at,
        revisions.now.load_id,
        revisions.now.loaded_at,
        as_of.format("%Y-%m-%d %H:%M:%S"),
        audience.name()
    );
    for path in &written {
        text.push_str(&format!("  {}\n", path.display()));
    }
    args.reading.log_outputs("revisions", &request, load, &written)?;
    super::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
