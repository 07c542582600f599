//! `baove audit`: the disclosure audit of a period's releases, for the office (internal:
//! it prints the counts it protects).

use std::path::PathBuf;
use std::process::ExitCode;

use super::args::{parse_as_of, parse_calendar};
use baove::period::{Calendar, Period};
use baove::release::Pattern;
use baove::results::Request;
use baove::store::{Store, DEFAULT_PATH};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Prints, for the office only (it shows the protected counts), what every public release of the period hides over every whole the store holds: each hidden count with the interval a reader can prove for it from everything shown, and the counts the audit hid beyond primary and secondary suppression.\n\nExamples:\n  baove audit --period 2025Q1\n  baove audit --period 2025 --calendar calendar"
)]
pub struct Args {
    #[arg(long, default_value = DEFAULT_PATH)]
    db: PathBuf,
    /// Period: 2025-03 (month), 2025Q1, 2025H1 or 2025.
    #[arg(long)]
    period: String,
    #[arg(long, default_value = "statutory", value_parser = parse_calendar)]
    calendar: Calendar,
    /// The moment described, "YYYY-MM-DD HH:MM:SS" (default: the end of the period).
    #[arg(long, value_parser = parse_as_of)]
    as_of: Option<chrono::NaiveDateTime>,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let period = Period::parse(&args.period, args.calendar).map_err(baove::Error::Usage)?;
    let request = Request::new(period, args.as_of.unwrap_or_else(|| period.end_moment()));
    let store = Store::open_read_only(&args.db)?;
    let pattern = Pattern::audited(&store, &request)?;
    let audit = pattern.audit();
    let mut text = format!(
        "audit of period {period} (as of {}), every whole of {} (internal: counts shown)\n\
         wholes: {}\n\
         hidden counts: {}; hidden by the audit beyond primary and secondary suppression: {}; rounds: {}\n",
        request.as_of.format("%Y-%m-%d %H:%M:%S"),
        args.db.display(),
        pattern.wholes().join(", "),
        audit.intervals.len(),
        audit.widened.len(),
        audit.rounds,
    );
    if audit.disclosed.is_empty() {
        text.push_str(&format!(
            "result: no hidden count can be proven to be from 1 to {}\n",
            baove::disclosure::THRESHOLD
        ));
    } else {
        text.push_str(&format!(
            "result: {} hidden counts can still be proven (nothing left to hide beside them)\n",
            audit.disclosed.len()
        ));
    }
    text.push_str(
        "\nquantity\twhole or area\tbreakdown\tvalue\tcount\tlowest\thighest\tinterval\thidden by\n",
    );
    for (quantity, cell, interval) in &audit.intervals {
        let count = pattern
            .count(quantity, cell)
            .map_or("-".to_string(), |n| format!("{n}"));
        let by = if audit.disclosed.iter().any(|(q, c)| q == quantity && c == cell) {
            "rule; STILL PROVEN"
        } else if audit.widened.iter().any(|(q, c)| q == quantity && c == cell) {
            "audit"
        } else {
            "rule"
        };
        text.push_str(&format!(
            "{quantity}\t{}\t{}\t{}\t{count}\t{}\t{}\t{}\t{by}\n",
            cell.area,
            cell.breakdown,
            cell.value,
            interval.low,
            interval.high.map_or("unbounded".to_string(), |h| format!("{h}")),
            if interval.exact {
                "exact"
            } else if interval.presumed {
                // Its linked set too large to solve count by count: hidden beside.
                "presumed narrow"
            } else if !pattern
                .count(quantity, cell)
                .is_some_and(baove::disclosure::is_protected)
            {
                // Not solved for: a count of 0, or of 5 or more, cannot be shown to be 1-4.
                "not at risk"
            } else {
                "at least"
            },
        ));
    }
    super::print(&text).map(|_| ExitCode::SUCCESS)
}
