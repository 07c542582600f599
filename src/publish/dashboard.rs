//! The leaders' dashboard: one offline HTML page.

use chrono::NaiveDateTime;

use crate::catalog::Lang;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::render::dashboard;
use crate::render::output::Artefact;
use crate::report::{self, ReportData};
use crate::results::Request;
use crate::store::Store;
use crate::template;

/// The dashboard's page, named `dashboard_PERIOD.html` (the name a report gives the
/// dashboard beside it; `baove dashboard` writes it where `--out` says).
pub fn artefact(
    store: &Store,
    request: &Request,
    lang: Lang,
    generated_at: NaiveDateTime,
) -> Result<Artefact> {
    let template = template::find("dashboard").map_err(Error::Catalog)?;
    let data = report::gather(store, "dashboard", &template, request, None)?;
    page(&data, request.period, lang, generated_at)
}

/// The dashboard's page of `data` (the dashboard template's).
pub(super) fn page(
    data: &ReportData,
    period: Period,
    lang: Lang,
    generated_at: NaiveDateTime,
) -> Result<Artefact> {
    Ok(Artefact::new(
        format!("dashboard_{period}.html"),
        dashboard::build(data, lang, generated_at)?,
    ))
}
