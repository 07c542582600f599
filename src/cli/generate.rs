//! `baove generate`: a synthetic data set in the contract.

use std::path::PathBuf;
use std::process::ExitCode;

use baove::synth::{self, Settings};

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  baove generate --out /tmp/qb --seed 7 --cases 5000 --content 20000")]
pub struct Args {
    /// Folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 830)]
    seed: u64,
    /// Number of cases.
    #[arg(long, default_value_t = 2000)]
    cases: usize,
    /// Number of content reports.
    #[arg(long, default_value_t = 3000)]
    content: usize,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let written = synth::generate(
        &args.out,
        &Settings {
            seed: args.seed,
            cases: args.cases,
            content: args.content,
        },
    )?;
    let mut text = String::new();
    for (path, rows) in written {
        text.push_str(&format!("{}  {rows} rows\n", path.display()));
    }
    super::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
