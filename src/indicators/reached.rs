//! One whole's member groups taken from groups of the rows of several wholes' provinces.
//!
//! The wholes of a report or of a disclosure pattern (the nation, each province, the
//! former provinces of a merged one) read the same cases at the same moments, only
//! fewer of them, or under other areas: the nation reports each case under its province
//! of the period, a province under its area as coded. Grouped by source province too
//! ([`SOURCE_PROVINCE`]) over the union of their provinces, each indicator is queried once
//! for all of them, and each whole keeps the groups of its provinces with their areas put
//! as it reports them: what its own query would have grouped (`reported_cases` in
//! `queries/staging.sql` does the same in SQL).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;

use super::text_column;
use crate::error::{Error, Result};
use crate::results::{Geography, Request};
use crate::store::{Session, SOURCE_PROVINCE};

/// What a whole computed with others reads and reports: its source provinces (each with
/// the area its rows are reported under, None: as coded), its areas and population.
pub struct Reached {
    pub sources: Vec<(String, Option<String>)>,
    pub geography: Geography,
    pub population: HashMap<String, u64>,
}

/// Each request's [`Reached`], read through its own session, and the union of the
/// provinces they read (the rows a query for all of them groups).
pub fn read_each(sessions: &[Session], requests: &[&Request]) -> Result<(Vec<Reached>, BTreeSet<String>)> {
    let mut each = Vec::with_capacity(requests.len());
    let mut provinces = BTreeSet::new();
    for (session, request) in sessions.iter().zip(requests) {
        let sources = session.reach(&request.period)?.sources;
        provinces.extend(sources.iter().map(|(code, _)| code.clone()));
        let geography = session.geography(&request.period)?;
        let population = session.population(&geography, &request.period)?;
        each.push(Reached {
            sources,
            geography,
            population,
        });
    }
    Ok((each, provinces))
}

/// The groups of `batches` (of every row of their source provinces, under its area as
/// coded) that a whole reaching `sources` counts, under its areas.
pub fn as_reached(batches: &[RecordBatch], sources: &[(String, Option<String>)]) -> Result<Vec<RecordBatch>> {
    let reported: HashMap<&str, Option<&str>> = sources
        .iter()
        .map(|(code, reported_as)| (code.as_str(), reported_as.as_deref()))
        .collect();
    let fail = |e: arrow::error::ArrowError| Error::Internal(format!("groups of a whole: {e}"));
    let mut reached = Vec::with_capacity(batches.len());
    for batch in batches {
        let provinces = text_column(batch, SOURCE_PROVINCE)?;
        let kept: BooleanArray = provinces
            .iter()
            .map(|code| Some(code.is_some_and(|code| reported.contains_key(code))))
            .collect();
        let renamed = provinces
            .iter()
            .any(|code| code.is_some_and(|code| reported.get(code).is_some_and(Option::is_some)));
        let batch = match renamed {
            true => with_areas_reported(batch, &provinces, &reported)?,
            false => batch.clone(),
        };
        if kept.true_count() == batch.num_rows() {
            reached.push(batch);
        } else if kept.true_count() > 0 {
            reached.push(arrow::compute::filter_record_batch(&batch, &kept).map_err(fail)?);
        }
    }
    Ok(reached)
}

/// `batch` with the area of each group of a source reported under another area replaced
/// by that area (every group of it: those not grouped by area are not read by area).
fn with_areas_reported(
    batch: &RecordBatch,
    provinces: &StringArray,
    reported: &HashMap<&str, Option<&str>>,
) -> Result<RecordBatch> {
    let Some(at) = batch.schema().index_of("area_code").ok() else {
        return Ok(batch.clone());
    };
    let areas = text_column(batch, "area_code")?;
    let put: StringArray = (0..batch.num_rows())
        .map(|row| {
            let province = (!provinces.is_null(row)).then(|| provinces.value(row));
            match province.and_then(|code| reported.get(code).copied().flatten()) {
                Some(reported_as) => Some(reported_as),
                None => (!areas.is_null(row)).then(|| areas.value(row)),
            }
        })
        .collect();
    let mut fields: Vec<Arc<Field>> = batch.schema().fields().iter().cloned().collect();
    fields[at] = Arc::new(Field::new("area_code", DataType::Utf8, true));
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns[at] = Arc::new(put);
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| Error::Internal(format!("groups of a whole: {e}")))
}
