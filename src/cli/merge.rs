//! `baove merge`: provinces' stores into one (a nation's, or a merged province's), in
//! one transaction, each row keeping the province it came from.

use std::path::PathBuf;
use std::process::ExitCode;

use baove::store::{Store, DEFAULT_PATH};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  baove merge --db nation.duckdb provinces/44.duckdb provinces/46.duckdb\n  baove compare --db nation.duckdb --nation --level province --period 2026Q2 --out cmp/"
)]
pub struct Args {
    /// The store merged into; created when missing.
    #[arg(long, default_value = DEFAULT_PATH)]
    db: PathBuf,
    /// The provinces' stores (read only, not changed).
    #[arg(required = true)]
    stores: Vec<PathBuf>,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    for source in &args.stores {
        // Opening checks it is a store of this engine before anything is copied.
        drop(Store::open_read_only(source)?);
    }
    let created = !args.db.exists();
    let mut store = Store::open(&args.db, true)?;
    let merged = match store.merge_stores(&args.stores) {
        Ok(merged) => merged,
        Err(e) => {
            // Nothing was merged: a store this command created goes again.
            drop(store);
            if created {
                baove::store::remove_files(&args.db);
            }
            return Err(e);
        }
    };
    let mut text = format!("{}:\n", args.db.display());
    for m in &merged {
        let rows: Vec<String> = m
            .rows
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        text.push_str(&format!(
            "  {}  {} loads; {}\n",
            m.path.display(),
            m.loads,
            rows.join(", ")
        ));
    }
    super::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
