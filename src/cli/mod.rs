//! Command-line definition and dispatch. Each subcommand owns its arguments and `run`.

mod check;
mod compare;
mod dashboard;
mod generate;
mod indicators;
mod load;
mod progress;
mod report;
mod status;
mod validate;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// baove: anonymised case exports in, statutory indicators and reports out.
#[derive(Debug, Parser)]
#[command(name = "baove", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load export files (CSV, XLSX, Parquet) into the store, all or nothing.
    Load(load::Args),
    /// Check export files against the contract without a store.
    Validate(validate::Args),
    /// Show what the store holds: rows per kind, date ranges, loads, quarantined rows.
    Status(status::Args),
    /// Write a periodic report (workbook, charts, tidy table) from a template.
    Report(report::Args),
    /// Check every indicator header, deadline rule and report template, without data.
    Check(check::Args),
    /// Compute the indicator dictionary for a period as the tidy table.
    Indicators(indicators::Args),
    /// Compare areas on shares and rates: funnel limits, ranks, differences, trend.
    Compare(compare::Args),
    /// Write the leaders' dashboard: one HTML file that needs no network.
    Dashboard(dashboard::Args),
    /// Write a synthetic data set in the contract (Quảng Bình, several years).
    Generate(generate::Args),
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Load(args) => load::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Status(args) => status::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Indicators(args) => indicators::run(args),
        Command::Report(args) => report::run(args),
        Command::Check(args) => check::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Dashboard(args) => dashboard::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = match &e {
                baove::Error::Refused(findings) => write!(stderr, "error: {findings}"),
                other => writeln!(stderr, "error: {other}"),
            };
            ExitCode::from(e.exit_code())
        }
    }
}

/// Writes to stdout, treating a closed pipe (`baove status | head`) as success.
pub fn print(text: &str) -> baove::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(baove::Error::io("stdout", e)),
        _ => Ok(()),
    }
}

/// What a reporting command (report, compare, dashboard) reads and describes.
#[derive(Debug, clap::Args)]
pub struct Reading {
    /// Period: 2025-03, 2025Q1, 2025H1 or 2025.
    #[arg(long)]
    pub period: String,
    /// The store to read (default ./baove.duckdb).
    #[arg(long, conflicts_with = "input")]
    pub db: Option<std::path::PathBuf>,
    /// Export files or folders to load into a temporary store first.
    #[arg(long, num_args = 1..)]
    pub input: Vec<std::path::PathBuf>,
    /// Mapping profile for --input files.
    #[arg(long)]
    pub profile: Option<std::path::PathBuf>,
    #[arg(long, default_value = "statutory", value_parser = indicators::parse_calendar)]
    pub calendar: baove::period::Calendar,
    /// The moment described, "YYYY-MM-DD HH:MM:SS" (default: the end of the period).
    #[arg(long, value_parser = indicators::parse_as_of)]
    pub as_of: Option<chrono::NaiveDateTime>,
    #[arg(long, value_enum, default_value_t = baove::disclosure::Audience::Public)]
    pub audience: baove::disclosure::Audience,
    #[arg(long, value_enum, default_value_t = report::Language::Vi)]
    pub lang: report::Language,
}

impl Reading {
    /// The period and the as-of moment (default: the end of the period).
    pub fn moment(&self) -> baove::Result<(baove::period::Period, chrono::NaiveDateTime)> {
        let period =
            baove::period::Period::parse(&self.period, self.calendar).map_err(baove::Error::Usage)?;
        Ok((period, self.as_of.unwrap_or_else(|| period.end_moment())))
    }

    pub fn public(&self) -> bool {
        self.audience.is_public()
    }

    pub fn store(&self) -> baove::Result<baove::store::Store> {
        reporting_store(self.db.as_deref(), &self.input, &self.profile, None)
    }

    /// The store, with an `--input` load logged at `generated_at` (the output's pinned
    /// generation time): the cover's load times then repeat from run to run.
    pub fn store_logged_at(&self, generated_at: chrono::NaiveDateTime) -> baove::Result<baove::store::Store> {
        reporting_store(self.db.as_deref(), &self.input, &self.profile, Some(generated_at))
    }
}

/// The store a reporting command reads: `--db` (or ./baove.duckdb), or, with
/// `--input`, the exports loaded into a store in memory first (strictly: a refused file
/// stops the command), logged at `logged_at` when given (the data is still checked
/// against the real moment of loading).
pub fn reporting_store(
    db: Option<&std::path::Path>,
    input: &[std::path::PathBuf],
    profile: &Option<std::path::PathBuf>,
    logged_at: Option<chrono::NaiveDateTime>,
) -> baove::Result<baove::store::Store> {
    use baove::ingest::{self, LoadOptions};
    use baove::store::{Store, DEFAULT_PATH};
    if input.is_empty() {
        return Store::open_read_only(db.unwrap_or(std::path::Path::new(DEFAULT_PATH)));
    }
    let profile = load::load_profile(profile)?;
    let (planned, _) = ingest::plan(input, None, &profile)?;
    let now = baove::local_now()?;
    let mut store = Store::open_in_memory()?;
    let examined = ingest::examine_all(&planned, &profile, now, None, true, &|_| {})?;
    let options = LoadOptions {
        quarantine: false,
        now: logged_at.unwrap_or(now),
        profile_name: None,
    };
    ingest::load(&mut store, examined, &options)?;
    Ok(store)
}
