//! `baove indicators`: the dictionary over the store, as the tidy table.

use std::path::PathBuf;
use std::process::ExitCode;

use super::args::{parse_as_of, parse_calendar};
use baove::catalog;
use baove::indicators::{self, Request};
use baove::period::{Calendar, Period};
use baove::release::Pattern;
use baove::render::{output, tidy};
use baove::results::Audience;
use baove::store::{Store, DEFAULT_PATH};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove indicators --period 2025Q1 --out indicators.csv\n  baove indicators --period 2025-03 --calendar calendar --as-of \"2025-06-30 00:00:00\" --audience internal --out m.parquet\n  baove indicators --list"
)]
pub struct Args {
    #[arg(long, default_value = DEFAULT_PATH)]
    db: PathBuf,
    /// A Parquet dataset written by `baove export` to read instead of the store.
    #[arg(long)]
    parquet: Option<PathBuf>,
    /// Period: 2025-03 (month), 2025Q1, 2025H1 or 2025.
    #[arg(long, required_unless_present = "list")]
    period: Option<String>,
    #[arg(long, default_value = "statutory", value_parser = parse_calendar)]
    calendar: Calendar,
    /// The moment described, "YYYY-MM-DD HH:MM:SS" (default: the end of the period).
    #[arg(long, value_parser = parse_as_of)]
    as_of: Option<chrono::NaiveDateTime>,
    #[arg(long, value_enum, default_value_t = Audience::Public)]
    audience: Audience,
    /// Output file: .csv or .parquet.
    #[arg(long, required_unless_present = "list")]
    out: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
    /// List every indicator with its labels, unit and legal basis.
    #[arg(long)]
    list: bool,
    /// Read the store as it stood after a load: its id, or "YYYY-MM-DD HH:MM:SS" for
    /// the last load logged by then (default: as it stands).
    #[arg(long, value_name = "MOMENT|LOAD", value_parser = super::args::parse_known_at)]
    as_known_at: Option<baove::store::KnownAt>,
    #[command(flatten)]
    whole: super::args::Whole,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let all = catalog::indicators().map_err(baove::Error::Catalog)?;
    if args.list {
        let mut text = String::new();
        for i in &all {
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                i.id,
                i.unit.name(),
                i.label_vi,
                i.label_en,
                i.legal_basis
            ));
        }
        return super::print(&text).map(|_| ExitCode::SUCCESS);
    }
    let period_text = args.period.as_deref().expect("clap requires --period");
    let period = Period::parse(period_text, args.calendar).map_err(baove::Error::Usage)?;
    let out = args.out.as_ref().expect("clap requires --out");
    let store = match &args.parquet {
        Some(dir) => Store::open_parquet(dir)?,
        None => Store::open_read_only(&args.db)?,
    };
    let known = super::args::known_at(&store, args.as_known_at)?;
    let request = Request {
        whole: args.whole.top(),
        known,
        audience: args.audience,
        ..Request::new(period, args.as_of.unwrap_or_else(|| period.end_moment()))
    };
    let known_load = store.last_load_known(known)?;
    baove::store::Session::new(&store, &request)?
        .whole(&request.period)?
        .covers_its_parts(&request.period)?;
    // The public release hides what the period's one pattern over every whole hides.
    let rows = if args.audience.is_public() {
        Pattern::decide_with(&store, &all, &request)?.release(&request.whole, &all)?
    } else {
        indicators::compute(&store, &all, &request)?
    };
    drop(store);
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = match ext.as_str() {
        "csv" => tidy::to_csv(&rows, args.audience),
        "parquet" => tidy::to_parquet(&rows, args.audience)?,
        _ => {
            return Err(baove::Error::Usage(format!(
                "{}: the output must end in .csv or .parquet",
                out.display()
            )))
        }
    };
    output::write_atomic(out, &bytes, args.force)?;
    if args.parquet.is_none() {
        super::args::log_outputs(
            &args.db,
            "indicators",
            args.audience,
            Some((&period, request.as_of)),
            None,
            Some(known_load),
            std::slice::from_ref(out),
        )?;
    }
    super::print(&format!(
        "{}: {} rows, {} indicators, period {} ({} to {}, {}), as of {}, audience {}\n",
        out.display(),
        rows.len(),
        all.len(),
        period,
        period.start(),
        period.end(),
        period.calendar.name(),
        request.as_of.format("%Y-%m-%d %H:%M:%S"),
        args.audience.name()
    ))?;
    Ok(ExitCode::SUCCESS)
}
