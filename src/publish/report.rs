//! A periodic report's artefacts: the workbook, the tidy table it was built from, a
//! chart file per template chart, the drafted report (DOCX) for templates that name one,
//! the leaders' dashboard of the same data, and a funnel plot per comparison sheet.

use chrono::NaiveDateTime;

use crate::catalog::{self, Lang};
use crate::error::{Error, Result};
use crate::render::output::Artefact;
use crate::render::{chart, document, drafting, labels, tidy, view, workbook};
use crate::report;
use crate::results::Request;
use crate::store::Store;
use crate::template::{SheetKind, Template};

/// What a report is asked for, beyond the store it reads.
pub struct Asked<'a> {
    /// The template's name (`report-templates/NAME.toml`): it names the files.
    pub template_name: &'a str,
    pub template: Template,
    pub request: Request,
    /// The revisions sheet compares with the store as known after this load (None: the
    /// last earlier report of the period in the log of outputs).
    pub since: Option<i64>,
    pub lang: Lang,
    pub generated_at: NaiveDateTime,
}

/// Sets every comparison sheet of `template` to compare the areas of `level`; refused
/// for a template without comparison sheets.
pub fn at_level(template: &mut Template, name: &str, level: &str) -> Result<()> {
    let mut sheets = template
        .sheets
        .iter_mut()
        .filter(|s| s.kind == SheetKind::Comparison)
        .peekable();
    if sheets.peek().is_none() {
        return Err(Error::Usage(format!(
            "--level sets the level of comparison sheets, and template {name} has none (try district-comparison, or baove compare)"
        )));
    }
    for sheet in sheets {
        sheet.level = Some(level.to_string());
    }
    Ok(())
}

/// The report's artefacts, in the order they are listed to the user.
pub fn artefacts(store: &Store, asked: &Asked) -> Result<Vec<Artefact>> {
    let period = asked.request.period;
    let (audience, public) = (asked.request.audience, asked.request.audience.is_public());
    let lang = asked.lang;
    let mut clock = crate::Stopwatch::start();
    let mut data = report::gather(
        store,
        asked.template_name,
        &asked.template,
        &asked.request,
        asked.since,
    )?;
    // The drafted report of templates that name one: its text template checked against
    // the report's indicators, and the funnels it names areas from.
    let drafting = match &asked.template.document {
        None => None,
        Some(name) => {
            let (file, text) = catalog::document_source(name).map_err(Error::Catalog)?;
            let checked = crate::draft::check(&file, &text, &data.indicators).map_err(Error::Catalog)?;
            let funnels = report::compare_areas(
                store,
                &mut data.geography,
                None,
                &checked.template.funnel.indicators,
                &asked.request,
            )?;
            Some((checked, funnels))
        }
    };
    clock.lap("report: figures gathered");
    let stem = format!("{}_{}", asked.template_name, period);
    let mut artefacts = vec![
        Artefact::new(
            format!("{stem}.xlsx"),
            workbook::build(&data, lang, asked.generated_at)?,
        ),
        Artefact::new("indicators.csv", tidy::to_csv(&data.all_rows(), audience)),
    ];
    clock.lap("report: workbook and tidy table");
    let note = labels::chart_note(lang, public).to_string();
    let mut pngs = Vec::new();
    for c in view::chart_data(&data, lang) {
        let drawn = chart::render(&c.chart(lang, &note))?;
        pngs.push((c.title.clone(), drawn.1.clone()));
        artefacts.extend(Artefact::chart(&c.file_stem, drawn));
    }
    clock.lap("report: charts");
    if let Some((checked, funnels)) = &drafting {
        let offices = crate::draft::parse_offices(&catalog::office_source().map_err(Error::Catalog)?)
            .map_err(Error::Catalog)?;
        let office = crate::draft::office_on(&offices, asked.generated_at.date(), &data.geography.province)
            .map_err(Error::Catalog)?;
        let input = drafting::DocumentInput {
            data: &data,
            document: checked,
            office,
            funnels,
            charts: pngs,
            lang,
            generated_at: asked.generated_at,
        };
        artefacts.push(Artefact::new(format!("{stem}.docx"), document::build(&input)?));
    }
    clock.lap("report: document");
    // The dashboard of the same data, for leaders who look rather than read: the page
    // `baove dashboard` writes (its comparisons too), not a view of this template.
    artefacts.push(if asked.template_name == "dashboard" {
        super::dashboard::page(&data, period, lang, asked.generated_at)?
    } else {
        super::dashboard::artefact(store, &asked.request, lang, asked.generated_at)?
    });
    clock.lap("report: dashboard");
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
        artefacts.extend(Artefact::chart(
            &format!("funnel_{id}"),
            chart::render_funnel(&funnel)?,
        ));
    }
    Ok(artefacts)
}
