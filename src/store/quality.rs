//! What a report's data-quality sheet counts (completeness, quarantine, stage order, late
//! arrivals, cases naming a superseded agency), and the first year of the programme's
//! cases.

use duckdb::params;

use super::Session;
use crate::error::Result;
use crate::period::Period;
use crate::results::{Completeness, Quality};

const CASE_COLUMNS_TO_MEASURE: &[&str] = &[
    "victim_age",
    "platform",
    "assessed_at",
    "assessment_result",
    "police_received_at",
    "support_plan_at",
    "support_types",
    "support_started_at",
    "criminal_decision_at",
    "outcome",
    "closed_at",
];

impl Session<'_> {
    /// The day of the earliest record of the reported whole (the province and its
    /// predecessors as reported in `period`): a case received or a content item detected.
    /// Trends and by-year sheets start at its period: before it the store holds no data,
    /// which is not zero.
    pub fn first_record_day(&self, period: &Period) -> Result<Option<chrono::NaiveDate>> {
        self.reach(period)?;
        let content = if self.store.has_table(crate::model::Kind::ContentReports)? {
            "(SELECT min(CAST(detected_at AS DATE)) FROM reported_content)"
        } else {
            "NULL"
        };
        self.store
            .conn
            .query_row(
                &format!(
                    "SELECT least((SELECT min(CAST(received_at AS DATE)) FROM reported_cases), {content})"
                ),
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// Completeness of the optional case columns over all cases of the reported whole
    /// (its province and predecessors, or the nation), quarantined rows, cases whose
    /// support started before its plan, and late arrivals: cases of the previous period
    /// loaded after that period's first report was made (issue 33: loaded later than
    /// the period's end is not late when no report had been made).
    pub fn quality(&self, previous: &Period) -> Result<Quality> {
        let previous_report = self.store.first_report_of(&previous.to_string())?;
        let key = format!(
            "{:?} {:?} {previous:?} {previous_report:?}",
            self.store.facts_state()?,
            self.whole
        );
        if let Some(quality) = self.store.quality.borrow().get(&key) {
            return Ok(quality.clone());
        }
        let quality = self.compute_quality(previous, previous_report)?;
        let mut kept = self.store.quality.borrow_mut();
        // A command asks for the wholes of a few periods; a long-lived process keeps no
        // more than a few hundred.
        if kept.len() >= 256 {
            kept.clear();
        }
        kept.insert(key, quality.clone());
        Ok(quality)
    }

    fn compute_quality(&self, previous: &Period, previous_report: Option<i64>) -> Result<Quality> {
        self.reach(previous)?;
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(e);
        let mut q = Quality::default();
        // One pass over the whole's cases for every count of its columns. Column names
        // come from the contract, never from input.
        let counted = CASE_COLUMNS_TO_MEASURE
            .iter()
            .map(|column| format!("count({column})"))
            .collect::<Vec<_>>()
            .join(", ");
        // Rows of an agency received after its last day (it was superseded), in the
        // same pass: an agency's code and last day come from the catalog, bound.
        let mut superseded = Vec::new();
        for agency in crate::catalog::agencies()
            .map_err(crate::error::Error::Catalog)?
            .iter()
        {
            if let (Some(_), Some(last_day)) = (&agency.successor, agency.valid_to) {
                superseded.push(agency.code.clone());
                superseded.push(last_day.to_string());
            }
        }
        let after_last_day = match superseded.len() / 2 {
            0 => "false".to_string(),
            n => {
                vec!["(receiving_agency = ? AND CAST(received_at AS DATE) > CAST(? AS DATE))"; n].join(" OR ")
            }
        };
        let (total, filled): (i64, Vec<i64>) = conn
            .query_row(
                &format!(
                    "SELECT count(*), count(*) FILTER (WHERE support_started_at < support_plan_at),
                            count(*) FILTER (WHERE {after_last_day}), {counted}
                     FROM reported_cases"
                ),
                duckdb::params_from_iter(&superseded),
                |r| {
                    q.invalid_orders = r.get::<_, i64>(1)?.max(0) as u64;
                    q.superseded_agency_rows = r.get::<_, i64>(2)?.max(0) as u64;
                    let filled = (0..CASE_COLUMNS_TO_MEASURE.len())
                        .map(|i| r.get::<_, i64>(i + 3))
                        .collect::<duckdb::Result<Vec<i64>>>()?;
                    Ok((r.get(0)?, filled))
                },
            )
            .map_err(fail)?;
        for (column, filled) in CASE_COLUMNS_TO_MEASURE.iter().zip(filled) {
            q.completeness.push(Completeness {
                kind: "cases",
                column,
                filled: filled as u64,
                total: total as u64,
            });
        }
        q.quarantined = conn
            .query_row("SELECT count(*) FROM quarantine", [], |r| r.get::<_, i64>(0))
            .map_err(fail)? as u64;
        // Late: loaded after the previous period's report was made (its first report
        // in the log of outputs, by the load it was computed from), so that report
        // lacked it. With no report of the previous period, nothing was late for one.
        // A case is late when no version of a part under its id was in the store by
        // that load (a part re-sent later keeps its first arrival in the rows' history).
        let rows = super::rows_table(crate::model::Kind::Cases);
        q.late_records = match previous_report {
            Some(report_load) if self.store.schema_has(&rows, None)? => {
                let database = self.store.database()?;
                let province = crate::model::PROVINCE_COLUMN;
                conn.query_row(
                    &format!(
                        "SELECT count(*) FROM reported_cases c
                         WHERE c.received_at >= CAST(? AS TIMESTAMP) AND c.received_at < CAST(? AS TIMESTAMP)
                           AND NOT EXISTS (SELECT 1 FROM {database}.main.{rows} r
                                           WHERE r.case_id = c.case_id
                                             AND coalesce(r.{province}, '') = coalesce(c.{province}, '')
                                             AND r.load_id <= ?)"
                    ),
                    params![
                        previous.start_moment().to_string(),
                        previous.end_moment().to_string(),
                        report_load
                    ],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(fail)? as u64
            }
            _ => 0,
        };
        Ok(q)
    }
}
