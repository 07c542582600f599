//! `baove load`: exports into the store, in one transaction (the loading itself is
//! [`baove::ingest::load_planned`], shared with `--input`); prints what each file gave.

use std::path::PathBuf;
use std::process::ExitCode;

use baove::ingest::{self, Destination, LoadOptions};
use baove::store::DEFAULT_PATH;

use super::args::Exports;
use super::progress::Progress;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove load sample-data/\n  baove load --profile sample-data/police-vn/profile.toml sample-data/police-vn/cases_2025Q1_police.csv\n  baove load --quarantine exports/2025Q2/\n  baove load --province 45 exports/quang-tri-2024/"
)]
pub struct Args {
    #[command(flatten)]
    exports: Exports,
    /// The store file; created when missing.
    #[arg(long, default_value = DEFAULT_PATH)]
    db: PathBuf,
    /// Load the valid rows and keep each invalid row, with its reasons, in the quarantine.
    #[arg(long)]
    quarantine: bool,
    /// The province (its area code) the cases and content items come from, when the
    /// areas name several: each province's ids are its own, so the store keys rows by
    /// province and id. Default: the profile's `province`, else the one province.
    #[arg(long, value_name = "CODE")]
    province: Option<String>,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let (profile, planned) = args.exports.plan()?;
    let options = LoadOptions {
        quarantine: args.quarantine,
        now: baove::local_now()?,
        logged_at: None,
        profile_name: args.exports.profile_name(),
        province: args.province.clone(),
    };
    let progress = Progress::new(planned.len() as u64 + 1);
    let loaded = ingest::load_planned(Destination::File(&args.db), &planned, &profile, &options, &|m| {
        progress.step(m)
    });
    progress.finish();
    let (_, outcomes) = loaded?;
    let mut text = format!("{}:\n", args.db.display());
    let width = outcomes.iter().map(|o| o.file.chars().count()).max().unwrap_or(0);
    for o in &outcomes {
        let pad = " ".repeat(width - o.file.chars().count());
        match &o.already_loaded_as {
            Some(earlier) => text.push_str(&format!(
                "  {}{pad}  {:<15} already loaded (same content as {earlier}); nothing changed\n",
                o.file, o.kind
            )),
            None => text.push_str(&format!(
                "  {}{pad}  {:<15} {} rows read, {} loaded ({} replaced), {} quarantined\n",
                o.file, o.kind, o.rows_read, o.rows_loaded, o.rows_replaced, o.rows_quarantined
            )),
        }
        if !o.ignored_columns.is_empty() {
            text.push_str(&format!(
                "  {}{pad}  note: columns not in the contract, not loaded: {}\n",
                o.file,
                o.ignored_columns.join(", ")
            ));
        }
    }
    if outcomes.iter().all(|o| o.already_loaded_as.is_some()) {
        text.push_str("nothing changed: every file was loaded before\n");
    }
    super::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
