//! `baove privacy-record`: the store's part of the record of processing that the Law on
//! Personal Data Protection 91/2025/QH15 asks a controller to keep, as a workbook.

use std::path::PathBuf;
use std::process::ExitCode;

use baove::catalog;
use baove::render::output;
use baove::render::privacy_record::{self, RecordContext};
use baove::results::Audience;
use baove::store::{Store, DEFAULT_PATH};

use super::args::{generation_time, parse_as_of, Language};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove privacy-record --out record.xlsx\n  baove privacy-record --db baove.duckdb --fields office-fields.toml --lang en --out record-en.xlsx"
)]
pub struct Args {
    #[arg(long, default_value = DEFAULT_PATH)]
    db: PathBuf,
    /// The workbook to write (.xlsx).
    #[arg(long)]
    out: PathBuf,
    /// The office's filled-in fields (controller, purpose, retention...): a copy of
    /// report-templates/record/privacy-record.toml. Without it, the built-in draft, with
    /// the fields to fill in marked.
    #[arg(long)]
    fields: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Language::Vi)]
    lang: Language,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
    /// Generation time written into the file (default: SOURCE_DATE_EPOCH, else now).
    #[arg(long, value_parser = parse_as_of)]
    timestamp: Option<chrono::NaiveDateTime>,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    if !args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
    {
        return Err(baove::Error::Usage(format!(
            "{}: the record of processing is a workbook; the output must end in .xlsx",
            args.out.display()
        )));
    }
    let fields = catalog::privacy_fields(args.fields.as_deref()).map_err(baove::Error::Catalog)?;
    let generated_at = generation_time(args.timestamp)?;
    let store = Store::open_read_only(&args.db)?;
    let record = store.processing_record()?;
    drop(store);
    let checks = baove::ingest::identity::checks_in_force();
    let store_name = args.db.display().to_string();
    let context = RecordContext {
        store: &store_name,
        fields: &fields,
        checks: &checks,
        generated_at,
    };
    let bytes = privacy_record::build(&record, &context, args.lang.lang())?;
    output::write_atomic(&args.out, &bytes, args.force)?;
    super::args::log_outputs(
        &args.db,
        "privacy-record",
        Audience::Internal,
        None,
        Some(args.lang.lang()),
        None,
        std::slice::from_ref(&args.out),
    )?;
    let refused: std::collections::BTreeSet<i64> = record.refusals.iter().map(|r| r.refusal_id).collect();
    super::print(&format!(
        "record of processing of {}: {} files loaded, {} loads refused, {} outputs: {}\n",
        args.db.display(),
        record.loads.len(),
        refused.len(),
        record.outputs.len(),
        args.out.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
