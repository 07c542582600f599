//! `baove-generate`: a synthetic data set in the contract, for the sample data, the
//! tests and the benchmarks. A binary of its own, outside the statutory `baove`: the
//! office's tool has no command that writes made-up records beside real ones.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use baove::synth::{self, Settings};
use clap::Parser as _;

/// Write a synthetic data set in the contract (Quảng Bình and the former Quảng Trị,
/// several years; or a synthetic nation). Every record is made up.
#[derive(Debug, clap::Parser)]
#[command(
    name = "baove-generate",
    version,
    after_help = "Examples:\n  baove-generate --out /tmp/qb --seed 7 --cases 5000 --content 20000\n  baove-generate --out /tmp/qb --parts\n  baove-generate --out /tmp/nation --provinces 63 --cases 400 --content 20000"
)]
struct Args {
    /// Folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 830)]
    seed: u64,
    /// Number of cases (of each province).
    #[arg(long, default_value_t = 2000)]
    cases: usize,
    /// Number of content reports (of each province).
    #[arg(long, default_value_t = 3000)]
    content: usize,
    /// Write a synthetic nation of N provinces instead of the sample (Quảng Bình and the
    /// former Quảng Trị): reference files at the top, each province's exports in a folder
    /// named by its code, the first ones merged in pairs on 1 July 2025 (63 → 34).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(2..=100))]
    provinces: Option<u16>,
    /// Also write the cases as the agencies send them, in `parts/` (of the first province):
    /// the child-protection agency's parts, the police's (Vietnamese headers, with the
    /// profile that loads them), the other receiving agencies' receipts, a later police
    /// export, and the links between the ids the police give some cases and the others':
    /// all of them loaded give the figures of `cases.csv`.
    #[arg(long)]
    parts: bool,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(args: Args) -> baove::Result<ExitCode> {
    let settings = Settings {
        seed: args.seed,
        cases: args.cases,
        content: args.content,
        parts: args.parts,
    };
    let written = match args.provinces {
        Some(n) => synth::generate_nation(&args.out, &settings, usize::from(n))?,
        None => synth::generate(&args.out, &settings)?,
    };
    let mut text = String::new();
    for (path, rows) in written {
        text.push_str(&format!("{}  {rows} rows\n", path.display()));
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        // A closed pipe (`baove-generate ... | head`) is no failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(baove::Error::io("stdout", e)),
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}
