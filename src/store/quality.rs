//! What a report's data-quality sheet counts (completeness, quarantine, stage order, late
//! arrivals, cases naming a superseded agency), and the first year of the programme's
//! cases.

use chrono::NaiveDateTime;
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
    /// The year of the earliest case received of the reported whole (the province and
    /// its predecessors as reported in `period`), when it has cases.
    pub fn first_case_year(&self, period: &Period) -> Result<Option<i32>> {
        self.reach(period)?;
        self.store
            .conn
            .query_row(
                "SELECT CAST(min(year(received_at)) AS INTEGER) FROM reported_cases",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// Completeness of the optional case columns over all cases of the reported whole
    /// (its province and predecessors, or the nation), quarantined rows, cases whose
    /// support started before its plan, and late arrivals: cases of the previous period
    /// loaded after that period's report moment.
    pub fn quality(&self, previous: &Period, previous_as_of: NaiveDateTime) -> Result<Quality> {
        self.reach(previous)?;
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(e);
        let mut q = Quality::default();
        let total: i64 = conn
            .query_row("SELECT count(*) FROM reported_cases", [], |r| r.get(0))
            .map_err(fail)?;
        for column in CASE_COLUMNS_TO_MEASURE {
            // Column names come from the contract, never from input.
            let filled: i64 = conn
                .query_row(&format!("SELECT count({column}) FROM reported_cases"), [], |r| {
                    r.get(0)
                })
                .map_err(fail)?;
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
        q.invalid_orders = conn
            .query_row(
                "SELECT count(*) FROM reported_cases WHERE support_started_at < support_plan_at",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(fail)? as u64;
        q.late_records = conn
            .query_row(
                "SELECT count(*) FROM reported_cases c
                 WHERE c.received_at >= CAST(? AS TIMESTAMP) AND c.received_at < CAST(? AS TIMESTAMP)
                   AND EXISTS (SELECT 1 FROM load_log l WHERE l.load_id = c.first_load_id AND l.loaded_at >= CAST(? AS TIMESTAMP))",
                params![
                    previous.start_moment().to_string(),
                    previous.end_moment().to_string(),
                    previous_as_of.to_string()
                ],
                |r| r.get::<_, i64>(0),
            )
            .map_err(fail)? as u64;
        for agency in crate::catalog::agencies()
            .map_err(crate::error::Error::Catalog)?
            .iter()
        {
            let (Some(_), Some(last_day)) = (&agency.successor, agency.valid_to) else {
                continue;
            };
            q.superseded_agency_rows += conn
                .query_row(
                    "SELECT count(*) FROM reported_cases WHERE receiving_agency = ? AND CAST(received_at AS DATE) > CAST(? AS DATE)",
                    params![agency.code, last_day.to_string()],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(fail)? as u64;
        }
        Ok(q)
    }
}
