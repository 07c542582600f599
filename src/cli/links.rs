//! `baove links --suggest`: the possible duplicates of a period (unlinked cases of
//! different agencies that may be one) as a `case_links` file with basis REVIEW, for the
//! office to review; the rows it keeps load back as links.

use std::path::PathBuf;
use std::process::ExitCode;

use baove::render::output;
use baove::store::Session;

use super::args::Reading;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove links --suggest --period 2025Q1 --out review/case_links_2025Q1.csv\n  (review it, delete the pairs that are two cases, then)\n  baove load review/case_links_2025Q1.csv"
)]
pub struct Args {
    #[command(flatten)]
    reading: Reading,
    /// Write the possible duplicates of the period's cases as a case_links file (basis
    /// REVIEW): pairs of unlinked cases no agency sent both of, with the same area, sex
    /// and form of abuse, ages equal or one apart (or unknown), received within 7 days.
    #[arg(long, required = true)]
    suggest: bool,
    /// The file to write (CSV).
    #[arg(long)]
    out: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let store = args.reading.store()?;
    let (request, _) = args.reading.request(&store)?;
    let period = request.period;
    let quality = Session::new(&store, &request)?.parts_quality(&request)?;
    drop(store);
    let csv = baove::render::tidy::suggested_links_csv(&quality.duplicate_list);
    output::write_atomic(&args.out, &csv, args.force)?;
    super::print(&format!(
        "{}: {} possible duplicate pairs of {period} (basis REVIEW); keep the pairs that are one case and load the file\n",
        args.out.display(),
        quality.duplicate_list.len()
    ))?;
    Ok(ExitCode::SUCCESS)
}
