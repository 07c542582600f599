//! `baove validate`: the load's checks without a store, with findings for the agency.

use std::path::PathBuf;
use std::process::ExitCode;

use baove::ingest;
use baove::render::{findings as findings_file, output};
use baove::store::Store;

use super::args::Exports;
use super::progress::Progress;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove validate exports/cases_2025Q1_police.xlsx\n  baove validate exports/ --findings findings_police.xlsx"
)]
pub struct Args {
    #[command(flatten)]
    exports: Exports,
    /// Write every finding to this file (.xlsx or .csv) for the agency that sent the data.
    #[arg(long)]
    findings: Option<PathBuf>,
    /// A store whose areas the area codes are checked against (read only).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Overwrite the findings file if it exists.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let (profile, planned) = args.exports.plan()?;
    let now = baove::local_now()?;
    let progress = Progress::new(planned.len() as u64);
    let known_areas = match &args.db {
        Some(db) => Store::open_read_only(db)?.area_codes()?,
        None => None,
    };
    let examined = ingest::examine_all(&planned, &profile, now, known_areas, false, &|m| progress.step(m));
    progress.finish();
    let examined = examined?;
    let findings = ingest::batch_findings(&examined, "these files would be refused by `baove load`");
    if let Some(path) = &args.findings {
        // The findings counted beyond those kept are one row each rule and file.
        let mut rows = findings.list.clone();
        rows.extend(
            findings
                .unlisted
                .iter()
                .map(|((file, rule), n)| baove::findings::Finding {
                    file: file.clone(),
                    location: String::new(),
                    data_row: None,
                    column: String::new(),
                    rule,
                    reason: format!("{n} more findings of this rule, not listed"),
                }),
        );
        let bytes = findings_file::render(path, &rows)?;
        output::write_atomic(path, &bytes, args.force)?;
    }
    let mut text = String::new();
    for e in &examined {
        let verdict = if e.refused_whole() {
            "refused whole".to_string()
        } else if e.invalid_rows() > 0 {
            format!("{} invalid rows", e.invalid_rows())
        } else {
            "valid".to_string()
        };
        text.push_str(&format!(
            "{}  {}  {} rows: {verdict}\n",
            e.file,
            e.kind,
            e.rows_read()
        ));
    }
    super::print(&text)?;
    if findings.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(baove::Error::Refused(Box::new(findings)))
    }
}
