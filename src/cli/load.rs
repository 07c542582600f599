//! `baove load`: exports into the store, in one transaction (the loading itself is
//! [`baove::ingest::load_planned`], shared with `--input`); prints what each file gave.

use std::path::PathBuf;
use std::process::ExitCode;

use baove::ingest::{self, Destination, LoadOptions};
use baove::model::Kind;
use baove::store::DEFAULT_PATH;

use super::args::{load_profile, parse_kind};
use super::progress::Progress;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove load sample-data/\n  baove load --profile sample-data/police-vn/profile.toml sample-data/police-vn/cases_2025Q1_police.csv\n  baove load --quarantine exports/2025Q2/"
)]
pub struct Args {
    /// Export files, or folders holding them (files named cases*, content_reports*,
    /// population*, areas*, holidays*).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The store file; created when missing.
    #[arg(long, default_value = DEFAULT_PATH)]
    db: PathBuf,
    /// The kind of every file given, when their names do not say it.
    #[arg(long, value_parser = parse_kind)]
    kind: Option<Kind>,
    /// A mapping profile (TOML) renaming an agency's headers and values to the contract.
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Load the valid rows and keep each invalid row, with its reasons, in the quarantine.
    #[arg(long)]
    quarantine: bool,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let profile = load_profile(&args.profile)?;
    let (planned, passed_over) = ingest::plan(&args.paths, args.kind, &profile)?;
    for p in &passed_over {
        eprintln!(
            "note: {} is not an export of a known kind; passed over",
            p.display()
        );
    }
    if planned.is_empty() {
        return Err(baove::Error::Usage(
            "no export files found in the paths given".into(),
        ));
    }
    let options = LoadOptions {
        quarantine: args.quarantine,
        now: baove::local_now()?,
        logged_at: None,
        profile_name: args
            .profile
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned()),
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
