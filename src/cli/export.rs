//! `baove export`: the store as a Parquet dataset, the door to other engines (DuckDB,
//! Spark, Trino read it as it is; `--parquet DIR` reads it back).

use std::path::PathBuf;
use std::process::ExitCode;

use baove::store::{Store, DEFAULT_PATH};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove export --out dataset/\n  baove indicators --parquet dataset/ --period 2025Q1 --out indicators.csv"
)]
pub struct Args {
    #[arg(long, default_value = DEFAULT_PATH)]
    db: PathBuf,
    /// The folder to write (it must not exist, or be empty): cases/ and content_reports/
    /// partitioned by province_code and year, areas, crosswalk, holidays, population and
    /// the load log one Parquet file each.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let occupied = std::fs::read_dir(&args.out).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        return Err(baove::Error::Usage(format!(
            "{}: not empty; export into a new folder",
            args.out.display()
        )));
    }
    std::fs::create_dir_all(&args.out).map_err(|e| baove::Error::io(args.out.display(), e))?;
    let store = Store::open_read_only(&args.db)?;
    let written = store.export_parquet(&args.out)?;
    drop(store);
    // The dataset holds the cases themselves: the record of processing lists it as an
    // internal output.
    super::args::log_outputs(
        &args.db,
        "export",
        baove::results::Audience::Internal,
        None,
        None,
        None,
        &written,
    )?;
    super::print(&format!(
        "{}: {} Parquet files (cases and content_reports by province_code and year)\n",
        args.out.display(),
        written.len()
    ))?;
    Ok(ExitCode::SUCCESS)
}
