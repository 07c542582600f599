//! `baove status`: what the store holds.

use std::path::PathBuf;
use std::process::ExitCode;

use baove::store::{Store, DEFAULT_PATH};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, default_value = DEFAULT_PATH)]
    db: PathBuf,
    /// Also print a checksum of the whole content (equal stores, equal checksums).
    #[arg(long)]
    checksum: bool,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    // Read only: status works on a store that cannot be written, and beside readers.
    let store = Store::open_read_only(&args.db)?;
    let status = store.status()?;
    let mut text = format!(
        "store {}\n\n{:<16} {:>10}  {:<20} {:<20}\n",
        args.db.display(),
        "kind",
        "rows",
        "from",
        "to"
    );
    for k in &status.kinds {
        text.push_str(&format!(
            "{:<16} {:>10}  {:<20} {:<20}\n",
            k.kind.name(),
            k.rows,
            k.first.as_deref().unwrap_or("-"),
            k.last.as_deref().unwrap_or("-")
        ));
    }
    if status
        .parts
        .iter()
        .any(|(part, _)| part != baove::model::OFFICE_PART)
        || status.waiting_cases > 0
    {
        // Cases sent in parts: whose, and those still waiting for their receipt.
        let parts: Vec<String> = status.parts.iter().map(|(p, n)| format!("{p} {n}")).collect();
        text.push_str(&format!(
            "\ncases assembled from parts: {}; waiting for their receipt: {}\n",
            parts.join(", "),
            status.waiting_cases
        ));
    }
    text.push_str(&format!(
        "\nloads: {} (first {}, last {})\nquarantined rows: {}\n",
        status.loads,
        status.first_load.as_deref().unwrap_or("-"),
        status.last_load.as_deref().unwrap_or("-"),
        status.quarantined
    ));
    if !status.log.is_empty() {
        text.push_str("\nload log:\n");
        for f in &status.log {
            text.push_str(&format!(
                "  #{:<3} {}  {:<15} {}  {} loaded, {} replaced, {} quarantined  sha256 {}  baove {}{}\n",
                f.load_id,
                f.loaded_at,
                f.kind,
                f.file_name,
                f.rows_loaded,
                f.rows_replaced,
                f.rows_quarantined,
                &f.sha256[..16.min(f.sha256.len())],
                f.engine_version,
                f.profile
                    .as_deref()
                    .map(|p| format!("  profile {p}"))
                    .unwrap_or_default()
            ));
        }
    }
    if args.checksum {
        text.push_str(&format!("\nchecksum: {}\n", store.checksum()?));
    }
    super::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
