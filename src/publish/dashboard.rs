//! The leaders' dashboard: one offline HTML page.

use chrono::NaiveDateTime;

use crate::catalog::Lang;
use crate::error::{Error, Result};
use crate::render::dashboard;
use crate::render::output::Artefact;
use crate::report;
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
    Ok(Artefact::new(
        format!("dashboard_{}.html", request.period),
        dashboard::build(&data, lang, generated_at)?,
    ))
}
