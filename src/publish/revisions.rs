//! A period's revisions: the figures as known after an earlier load against as known
//! now, their causes in counts, and the revision triangle, as CSV files and a workbook.

use chrono::NaiveDateTime;

use crate::catalog::{self, Lang};
use crate::error::{Error, Result};
use crate::render::output::Artefact;
use crate::render::{tidy, workbook};
use crate::results::{Request, Revisions};
use crate::revisions;
use crate::store::{Session, Store};

/// The revisions of `request`'s period since load `since`, and their artefacts.
pub fn artefacts(
    store: &Store,
    request: &Request,
    since: i64,
    lang: Lang,
    generated_at: NaiveDateTime,
) -> Result<(Revisions, Vec<Artefact>)> {
    let period = request.period;
    let indicators = catalog::indicators().map_err(Error::Catalog)?;
    let audience = request.audience;
    let revisions = revisions::compute(store, &indicators, request, since, true)?;
    let names = Session::new(store, request)?.geography(&period)?.names;
    let artefacts = vec![
        Artefact::new(
            format!("revisions_{period}.csv"),
            tidy::revisions_csv(&revisions, audience),
        ),
        Artefact::new(
            format!("revision_causes_{period}.csv"),
            tidy::revision_causes_csv(&revisions, audience),
        ),
        Artefact::new(
            format!("revision_triangle_{period}.csv"),
            tidy::revision_triangle_csv(&revisions, &indicators, audience),
        ),
        Artefact::new(
            format!("revisions_{period}.xlsx"),
            workbook::build_revisions(&revisions, &indicators, &names, lang, generated_at)?,
        ),
    ];
    Ok((revisions, artefacts))
}
