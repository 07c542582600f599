//! `baove report`: a periodic report from a template: the workbook, chart files, the
//! tidy table it was built from and, for templates that name one, the drafted report
//! (DOCX).

use std::path::PathBuf;
use std::process::ExitCode;

use baove::catalog::Lang;
use baove::render::chart;
use baove::render::workbook;
use baove::render::{document, labels, output, tidy};
use baove::report;
use baove::template;

use super::args::{generation_time, parse_as_of, Level, Reading};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baove report --template quarterly --period 2025Q1 --input sample-data/ --out out/\n  baove report --template annual --period 2025 --db baove.duckdb --lang en --audience internal --out out/"
)]
pub struct Args {
    /// Template name (report-templates/NAME.toml): quarterly, half-year, annual,
    /// programme-830, district-comparison, dashboard.
    #[arg(long)]
    template: String,
    #[command(flatten)]
    reading: Reading,
    /// Comparison sheets (district-comparison template): compare the areas of this level.
    #[arg(long, value_enum)]
    level: Option<Level>,
    /// Output folder (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Replace existing output files.
    #[arg(long)]
    force: bool,
    /// The revisions sheet compares with the store as known at this load (or the last
    /// load logged by "YYYY-MM-DD HH:MM:SS"), not with the last earlier report of the
    /// period that the log of outputs names.
    #[arg(long, value_name = "MOMENT|LOAD", value_parser = super::args::parse_known_at)]
    since: Option<baove::store::KnownAt>,
    /// Generation time written into the files, "YYYY-MM-DD HH:MM:SS" (default:
    /// SOURCE_DATE_EPOCH if set, else now): equal inputs and timestamp, equal bytes.
    #[arg(long, value_parser = parse_as_of)]
    timestamp: Option<chrono::NaiveDateTime>,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let template = template::find(&args.template).map_err(baove::Error::Usage)?;
    let (period, as_of) = args.reading.moment()?;
    let generated_at = generation_time(args.timestamp)?;
    let lang = args.reading.lang.lang();

    let store = args.reading.store_logged_at(generated_at)?;
    let public = args.reading.public();
    let mut template = template;
    if args.level.is_some()
        && !template
            .sheets
            .iter()
            .any(|s| s.kind == template::SheetKind::Comparison)
    {
        return Err(baove::Error::Usage(format!(
            "--level sets the level of comparison sheets, and template {} has none (try district-comparison, or baove compare)",
            args.template
        )));
    }
    if let Some(level) = args.level {
        // The level asked for replaces the template's on every comparison sheet.
        for sheet in template
            .sheets
            .iter_mut()
            .filter(|s| s.kind == template::SheetKind::Comparison)
        {
            sheet.level = Some(level.name().to_string());
        }
    }
    let since = match args.since {
        Some(at) => Some(store.resolve_known_at(at)?.load_id),
        None => None,
    };
    let mut data = report::gather(&store, &args.template, &template, period, as_of, public, since)?;
    // The drafted report of templates that name one: its text template checked against
    // the report's indicators, and the funnels it names areas from.
    let drafting = match &template.document {
        None => None,
        Some(name) => {
            let (file, text) = baove::catalog::document_source(name).map_err(baove::Error::Catalog)?;
            let checked =
                baove::draft::check(&file, &text, &data.indicators).map_err(baove::Error::Catalog)?;
            let funnels = report::compare_areas(
                &store,
                &mut data.geography,
                None,
                &checked.template.funnel.indicators,
                &baove::results::Request { period, as_of },
                public,
            )?;
            Some((checked, funnels))
        }
    };
    // The dashboard beside the workbook is the leaders' dashboard of the same data, the
    // page `baove dashboard` writes (its comparisons too), not a view of this template.
    let dashboard_data = if args.template == "dashboard" {
        None
    } else {
        let dashboard = template::find("dashboard").map_err(baove::Error::Catalog)?;
        Some(report::gather(
            &store,
            "dashboard",
            &dashboard,
            period,
            as_of,
            public,
            None,
        )?)
    };
    // Read: the store is opened for writing only to log the outputs below.
    drop(store);

    // Written into a new folder that takes --out's place as a whole at the end.
    let swap = output::FolderSwap::begin(&args.out, args.force)?;
    let out = swap.path().to_path_buf();
    output::output_dir(&out, "charts")?;
    let workbook_path = out.join(format!("{}_{}.xlsx", args.template, period));
    let bytes = workbook::build(&data, lang, generated_at)?;
    output::write_atomic(&workbook_path, &bytes, args.force)?;
    let tidy_path = out.join("indicators.csv");
    output::write_atomic(
        &tidy_path,
        &tidy::to_csv(&data.all_rows(), args.reading.audience),
        args.force,
    )?;

    let note = labels::chart_note(lang, public).to_string();
    let mut written = vec![workbook_path.clone(), tidy_path.clone()];
    let mut pngs = Vec::new();
    for c in workbook::chart_data(&data, lang) {
        let chart = c.chart(lang, &note);
        let drawn = chart::render(&chart)?;
        pngs.push((c.title.clone(), drawn.1.clone()));
        written.extend(output::write_chart(&out, &c.file_stem, drawn, args.force)?);
    }
    if let Some((checked, funnels)) = &drafting {
        let offices =
            baove::draft::parse_offices(&baove::catalog::office_source().map_err(baove::Error::Catalog)?)
                .map_err(baove::Error::Catalog)?;
        let office = baove::draft::office_on(&offices, generated_at.date(), &data.geography.province)
            .map_err(baove::Error::Catalog)?;
        let input = document::DocumentInput {
            data: &data,
            document: checked,
            office,
            funnels,
            charts: pngs,
            lang,
            generated_at,
        };
        let document_path = out.join(format!("{}_{}.docx", args.template, period));
        output::write_atomic(&document_path, &document::build(&input)?, args.force)?;
        written.push(document_path);
    }
    // The dashboard of the same data, for leaders who look rather than read.
    let dashboard_path = out.join(format!("dashboard_{period}.html"));
    output::write_atomic(
        &dashboard_path,
        &baove::render::dashboard::build(dashboard_data.as_ref().unwrap_or(&data), lang, generated_at)?,
        args.force,
    )?;
    written.push(dashboard_path);
    for compared in data.comparisons.iter().flatten() {
        let id = &compared.comparison.indicator_id;
        let Some(indicator) = data.indicators.iter().find(|i| i.id == *id) else {
            continue;
        };
        let funnel = chart::funnel_of(
            &compared.comparison,
            indicator,
            &data.geography.names,
            lang,
            public,
        );
        written.extend(output::write_chart(
            &out,
            &format!("funnel_{id}"),
            chart::render_funnel(&funnel)?,
            args.force,
        )?);
    }
    let written: Vec<PathBuf> = written.iter().map(|p| swap.final_path(p)).collect();
    swap.commit()?;
    let mut text = format!(
        "report {} for {} ({} to {}, {}), as of {}, audience {}, language {}:\n",
        args.template,
        period,
        period.start(),
        period.end(),
        period.calendar.name(),
        as_of.format("%Y-%m-%d %H:%M:%S"),
        args.reading.audience.name(),
        if lang == Lang::Vi { "vi" } else { "en" }
    );
    for path in &written {
        text.push_str(&format!("  {}\n", path.display()));
    }
    args.reading
        .log_outputs(&format!("report {}", args.template), &period, as_of, &written)?;
    super::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
