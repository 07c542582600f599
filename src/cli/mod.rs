//! Command-line definition and dispatch. Each subcommand owns its arguments and `run`;
//! what several take is in `args`.

mod args;
mod audit;
mod check;
mod compare;
mod dashboard;
mod export;
mod indicators;
mod links;
mod load;
mod merge;
mod privacy_record;
mod progress;
mod report;
mod revisions;
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
    /// Check every indicator header, deadline rule, report template and test file; with
    /// --tests, run each indicator's test and the invariants.
    Check(check::Args),
    /// Compute the indicator dictionary for a period as the tidy table.
    Indicators(indicators::Args),
    /// A period's figures as known after an earlier load against now: differences,
    /// their causes in counts (late, corrected, moved records) and the revision triangle.
    Revisions(revisions::Args),
    /// The disclosure audit of a period's public releases over every whole of the store:
    /// each hidden count and the interval a reader can prove for it (internal).
    Audit(audit::Args),
    /// Compare areas on shares and rates: funnel limits, ranks, differences, trend.
    Compare(compare::Args),
    /// Write the leaders' dashboard: one HTML file that needs no network.
    Dashboard(dashboard::Args),
    /// Write the store's record of processing (Law 91/2025 on personal data): what it
    /// holds, every load, refusal and output, the identity checks in force.
    PrivacyRecord(privacy_record::Args),
    /// Merge provinces' stores into one (a nation's): every row, load and quarantined row,
    /// each row keeping its province, all or nothing.
    Merge(merge::Args),
    /// Write the store as a Parquet dataset (cases and content by province and year) that
    /// other engines read, and `--parquet DIR` reads back.
    Export(export::Args),
    /// Suggest links between case ids: the possible duplicates of a period as a
    /// case_links file (basis REVIEW) for the office to review and load.
    Links(links::Args),
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Load(args) => load::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Status(args) => status::run(args),
        Command::Indicators(args) => indicators::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Report(args) => report::run(args),
        Command::Check(args) => check::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Revisions(args) => revisions::run(args),
        Command::Dashboard(args) => dashboard::run(args),
        Command::PrivacyRecord(args) => privacy_record::run(args),
        Command::Export(args) => export::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Links(args) => links::run(args),
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
