//! The store as it stood after an earlier load (issue 21): every row keeps the load
//! that brought it and the load that replaced it, so the rows known after load K are
//! those brought by K or before and not replaced by then. A connection made to know
//! the store "as at" K gets temporary views under the names every query reads
//! (`cases`, `areas`, `load_log`, ...), which DuckDB finds before the store's own: the
//! staging views, the reach, the quality figures and the cover's load log all see the
//! past without knowing it. K itself is a bound value in a one-row temporary table.
//! The state read is the request's (`Request::known`): each session makes the
//! connection's views read it first, so no caller sets or restores it.
//!
//! Also here: what changed between two loads for a period's cohort, in counts (the
//! causes of a revision), never in values.

use duckdb::params;

use super::{rows_table, Store};
use crate::error::Result;
use crate::model::Kind;
pub use crate::results::{Cause, CauseCount, LoadMark};

/// Which state of the store a reporting command reads: after a given load, or after the
/// last load logged at or before a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownAt {
    Load(i64),
    Moment(chrono::NaiveDateTime),
}

impl KnownAt {
    /// `"YYYY-MM-DD HH:MM:SS"` (or a day) for a moment, a whole number for a load id.
    pub fn parse(text: &str) -> std::result::Result<KnownAt, String> {
        let text = text.trim();
        if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
            return text
                .parse::<i64>()
                .map(KnownAt::Load)
                .map_err(|_| format!("{text:?}: not a load id"));
        }
        crate::period::parse_as_of(text)
            .map(KnownAt::Moment)
            .map_err(|e| format!("{e} (or give a load id, as `baove status` lists them)"))
    }
}

impl std::fmt::Display for KnownAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KnownAt::Load(id) => write!(f, "load {id}"),
            KnownAt::Moment(at) => write!(f, "{}", at.format("%Y-%m-%d %H:%M:%S")),
        }
    }
}

/// The tables read through the known-at views besides the kinds' rows: the logs of the
/// loads, filtered to the loads known.
const LOGS_OF_LOADS: [&str; 2] = ["load_log", "quarantine"];

/// The cases as assembled from what the store knew after the load read as known.
const KNOWN_CASES: &str = "known_cases_assembled";

impl Store {
    /// Every load of the log, oldest first.
    pub fn loads(&self) -> Result<Vec<LoadMark>> {
        // The whole log, past the known-at view of it.
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT load_id, CAST(max(loaded_at) AS VARCHAR) FROM {}.main.load_log GROUP BY load_id ORDER BY load_id",
                self.database()?
            ))
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(LoadMark {
                    load_id: r.get(0)?,
                    loaded_at: r.get(1)?,
                })
            })
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        Ok(rows)
    }

    /// The load `at` names: that id, which must be in the log, or the last load logged
    /// at or before the moment.
    pub fn resolve_known_at(&self, at: KnownAt) -> Result<LoadMark> {
        let loads = self.loads()?;
        let found = match at {
            KnownAt::Load(id) => loads.iter().find(|l| l.load_id == id),
            KnownAt::Moment(moment) => {
                let moment = moment.format("%Y-%m-%d %H:%M:%S").to_string();
                // Both texts are "YYYY-MM-DD HH:MM:SS": they order as the moments do.
                loads
                    .iter()
                    .rev()
                    .find(|l| l.loaded_at.as_str() <= moment.as_str())
            }
        };
        found.cloned().ok_or_else(|| {
            let held = match (loads.first(), loads.last()) {
                (Some(first), Some(last)) => format!(
                    "its loads are {} ({}) to {} ({})",
                    first.load_id, first.loaded_at, last.load_id, last.loaded_at
                ),
                _ => "it has no load yet".to_string(),
            };
            self.error(format!("the store held nothing known at {at}: {held}"))
        })
    }

    /// The store's database, quoted: the name that reaches its own tables past the
    /// temporary views of the same names.
    pub(super) fn database(&self) -> Result<String> {
        let database: String = self
            .conn
            .query_row("SELECT current_database()", [], |r| r.get(0))
            .map_err(|e| self.error(e))?;
        Ok(format!("\"{}\"", database.replace('"', "\"\"")))
    }

    /// The last load a request's queries see: `known`, else the newest (0 for an empty
    /// store).
    pub fn last_load_known(&self, known: Option<i64>) -> Result<i64> {
        if let Some(known) = known {
            return Ok(known);
        }
        // The whole log's last load (as `loads` reads it), by one aggregate: every
        // figure a command computes asks.
        self.conn
            .query_row(
                &format!(
                    "SELECT coalesce(max(load_id), 0) FROM {}.main.load_log",
                    self.database()?
                ),
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// The table of the assembled cases the queries read (complete or not): the current
    /// assembly, or the one of the parts known after the load read as known.
    pub(super) fn assembled_table(&self) -> &'static str {
        if self.known.get().is_some() {
            KNOWN_CASES
        } else {
            super::assembly::ASSEMBLED_TABLE
        }
    }

    /// The last earlier report of `period` in the log of outputs: the load it was
    /// computed from, the newest report's whose load is before `before` (a report of the
    /// same load has nothing to revise).
    pub fn last_report_before(&self, period: &str, before: i64) -> Result<Option<i64>> {
        if !self.schema_has("output_log", Some("known_load"))? {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT arg_max(known_load, written_at) FROM output_log
                 WHERE command LIKE 'report %' AND period = ? AND known_load < ?",
                params![period, before],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// The load the first report of `period` was computed from, by the log of outputs:
    /// what that report lacked was late for it.
    pub fn first_report_of(&self, period: &str) -> Result<Option<i64>> {
        if !self.schema_has("output_log", Some("known_load"))? {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT arg_min(known_load, written_at) FROM output_log
                 WHERE command LIKE 'report %' AND period = ? AND known_load IS NOT NULL",
                params![period],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// Makes the connection's views read the store as it stood after `load` (None: as it
    /// stands), unless they already do: the first step of every session, from its
    /// request. A store made before it kept replaced rows, or a Parquet export (current
    /// rows only), has no history to read.
    pub(super) fn read_as_known(&self, load: Option<i64>) -> Result<()> {
        if self.known.get() == load {
            return Ok(());
        }
        self.know_as_at(load)
    }

    fn know_as_at(&self, load: Option<i64>) -> Result<()> {
        let views = Kind::ALL
            .iter()
            .map(|k| k.name())
            .chain([super::assembly::PARTS_VIEW]);
        for table in views.chain(LOGS_OF_LOADS) {
            self.conn
                .execute_batch(&format!("DROP VIEW IF EXISTS temp.main.{table}"))
                .map_err(|e| self.error(e))?;
        }
        self.conn
            .execute_batch(&format!(
                "DROP TABLE IF EXISTS temp.main.{KNOWN_CASES}; DROP TABLE IF EXISTS temp.main.{}",
                super::assembly::ASSEMBLED_TABLE
            ))
            .map_err(|e| self.error(e))?;
        self.known.set(None);
        self.reached.replace(None);
        // The connection's current cases went with the views: made again when read.
        self.prepared.set(None);
        let Some(load) = load else {
            return Ok(());
        };
        if self.is_parquet {
            return Err(crate::Error::Usage(
                "a Parquet export holds the current rows only: give --db to read the store as known at an earlier load".into(),
            ));
        }
        if !self.schema_has(&rows_table(Kind::Cases), None)? {
            return Err(self.error(
                "made before the store kept replaced rows: it knows no earlier state (the next `baove load` upgrades it, from then on)",
            ));
        }
        let database = self.database()?;
        self.conn
            .execute_batch("CREATE OR REPLACE TEMP TABLE known_load (load_id BIGINT NOT NULL)")
            .map_err(|e| self.error(e))?;
        self.conn
            .execute("INSERT INTO known_load VALUES (?)", params![load])
            .map_err(|e| self.error(e))?;
        for kind in Kind::ALL {
            let rows = rows_table(kind);
            if !self.schema_has(&rows, None)? {
                continue;
            }
            let known = format!(
                "SELECT * EXCLUDE (replaced_by) FROM {database}.main.{rows}
                 WHERE load_id <= (SELECT load_id FROM known_load)
                   AND (replaced_by IS NULL OR replaced_by > (SELECT load_id FROM known_load))"
            );
            if kind == Kind::Cases {
                // The cases as assembled from the parts and links known then (the links'
                // view comes first in Kind::ALL), once for every query of the request.
                super::assembly::fill_link_groups(&self.conn, "case_links", "known_link_groups")
                    .map_err(|e| self.error(e))?;
                let assembled = super::assembly::cases_sql(&format!("({known})"), "known_link_groups")?;
                self.conn
                    .execute_batch(&format!(
                        "CREATE TEMP TABLE {KNOWN_CASES} AS {assembled};
                         CREATE TEMP VIEW cases AS {complete};
                         CREATE TEMP VIEW {parts} AS {known};
                         DROP TABLE known_link_groups;",
                        parts = super::assembly::PARTS_VIEW,
                        complete = super::assembly::complete_cases(KNOWN_CASES)
                    ))
                    .map_err(|e| self.error(e))?;
                continue;
            }
            self.conn
                .execute_batch(&format!("CREATE TEMP VIEW {name} AS {known}", name = kind.name()))
                .map_err(|e| self.error(e))?;
        }
        for table in LOGS_OF_LOADS {
            self.conn
                .execute_batch(&format!(
                    "CREATE TEMP VIEW {table} AS SELECT * FROM {database}.main.{table}
                     WHERE load_id <= (SELECT load_id FROM known_load)"
                ))
                .map_err(|e| self.error(e))?;
        }
        self.known.set(Some(load));
        Ok(())
    }
}

impl super::Session<'_> {
    /// The causes of a period's revision between the store as known after load `then`
    /// and after load `now`: for each kind dated in the period (cases by receipt,
    /// content items by detection), each cell (the whole's code, or an area) and each
    /// cause, the records it moved; and the columns their corrections changed, by name.
    /// Counts only: no value of a record leaves this query.
    pub fn revision_causes(
        &self,
        request: &crate::results::Request,
        then: i64,
        now: i64,
    ) -> Result<Vec<CauseCount>> {
        let whole = self.reach(&request.period)?.code;
        let database = self.store.database()?;
        let mut counts = Vec::new();
        for kind in [Kind::Cases, Kind::ContentReports] {
            let Some(dated) = super::date_column(kind) else {
                continue;
            };
            let id = kind.key_columns()[0];
            let province = crate::model::PROVINCE_COLUMN;
            let known = |load: &str| {
                format!(
                    "(SELECT * EXCLUDE (replaced_by) FROM {database}.main.{rows} WHERE load_id <= {load} AND (replaced_by IS NULL OR replaced_by > {load}))",
                    rows = super::rows_table(kind)
                )
            };
            // The records then and now, and for each record then the record now it is
            // paired with: the same id, or for a case the case its id is part of now (a
            // link may have made two cases one: the second is `linked`).
            let (known_then, known_now, pairing) = if kind == Kind::Cases {
                self.assemble_for_revision(&database, then, now)?;
                (
                    "revision_cases_then".to_string(),
                    "revision_cases_now".to_string(),
                    format!(
                        "coalesce(m.case_id, t.case_id) AS pair_id,
                         row_number() OVER (PARTITION BY t.{province}, coalesce(m.case_id, t.case_id)
                                            ORDER BY t.case_id = coalesce(m.case_id, t.case_id) DESC, t.case_id) AS pair_rank
                         FROM known_then AS t
                         LEFT JOIN revision_members AS m ON m.{province} IS NOT DISTINCT FROM t.{province} AND m.member_id = t.case_id"
                    ),
                )
            } else {
                (
                    known(&then.to_string()),
                    known(&now.to_string()),
                    format!("t.{id} AS pair_id, 1 AS pair_rank FROM known_then AS t"),
                )
            };
            let sql = causes_sql(kind, dated, (&known_then, &known_now), &pairing);
            let fail = |e: duckdb::Error| self.error(format!("revision causes: {e}"));
            let mut stmt = self.store.conn.prepare(&sql).map_err(fail)?;
            let time = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
            let rows = stmt
                .query_map(
                    params![
                        time(request.period.start_moment()),
                        time(request.period.end_moment()),
                        time(request.as_of),
                        whole
                    ],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, Option<String>>(2)?,
                            r.get::<_, i64>(3)?,
                        ))
                    },
                )
                .map_err(fail)?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(fail)?;
            for (cell, cause, column, records) in rows {
                let Some(cause) = Cause::of_name(&cause) else {
                    continue;
                };
                counts.push(CauseCount {
                    kind,
                    area_code: cell,
                    cause,
                    column,
                    records: records.max(0) as u64,
                });
            }
        }
        Ok(counts)
    }

    /// Fills `revision_cases_then` and `revision_cases_now` with the cases as assembled
    /// from the parts and links known after loads `then` and `now`, and
    /// `revision_members` with each id's case now.
    fn assemble_for_revision(&self, database: &str, then: i64, now: i64) -> Result<()> {
        let conn = &self.store.conn;
        let known = |rows: &str, load: i64| {
            format!(
                "(SELECT * EXCLUDE (replaced_by) FROM {database}.main.{rows} WHERE load_id <= {load} AND (replaced_by IS NULL OR replaced_by > {load}))"
            )
        };
        let cases = rows_table(Kind::Cases);
        let links = rows_table(Kind::CaseLinks);
        for (name, load) in [("then", then), ("now", now)] {
            super::assembly::fill_link_groups(
                conn,
                &known(&links, load),
                &format!("revision_groups_{name}"),
            )?;
            let assembled =
                super::assembly::cases_sql(&known(&cases, load), &format!("revision_groups_{name}"))?;
            let complete = super::assembly::complete_cases(&format!("({assembled})"));
            conn.execute_batch(&format!(
                "CREATE OR REPLACE TEMP TABLE revision_cases_{name} AS {complete}"
            ))
            .map_err(|e| self.error(format!("revision causes: {e}")))?;
        }
        let members = super::assembly::membership_sql(&known(&cases, now), "revision_groups_now")?;
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE revision_members AS {members};
             DROP TABLE revision_groups_then; DROP TABLE revision_groups_now;"
        ))
        .map_err(|e| self.error(format!("revision causes: {e}")))
    }
}

/// The query of a revision's causes for `kind` (dated by `dated`): the records then and
/// now, paired by `pairing` (the columns and FROM of `paired_then`), placed in cells of the
/// whole and its areas and in or out of the period's cohort; each cell's records by cause,
/// and the columns a correction changed. Bound: ?1-?3 the period's start, end and as-of,
/// ?4 the whole's code.
fn causes_sql(kind: Kind, dated: &str, (known_then, known_now): (&str, &str), pairing: &str) -> String {
    let id = kind.key_columns()[0];
    let province = crate::model::PROVINCE_COLUMN;
    let compared: Vec<&str> = kind
        .columns()
        .iter()
        .map(|c| c.name)
        .filter(|c| *c != id && Some(*c) != kind.part_column())
        .collect();
    let changed = compared
        .iter()
        .map(|c| format!("CASE WHEN t.{c} IS DISTINCT FROM n.{c} THEN '{c}' END"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "WITH
         known_then AS (SELECT * FROM {known_then}),
         known_now AS (SELECT * FROM {known_now}),
         paired_then AS (SELECT t.*, {pairing}),
         placed_then AS (
             SELECT t.*, coalesce(r.reported_as, t.area_code) AS cell,
                    coalesce(t.{dated} >= CAST(?1 AS TIMESTAMP) AND t.{dated} < CAST(?2 AS TIMESTAMP)
                             AND t.{dated} < CAST(?3 AS TIMESTAMP), false) AS in_cohort
             FROM paired_then AS t JOIN reach_sources AS r ON r.province_code = t.province_code),
         placed_now AS (
             SELECT n.*, coalesce(r.reported_as, n.area_code) AS cell,
                    coalesce(n.{dated} >= CAST(?1 AS TIMESTAMP) AND n.{dated} < CAST(?2 AS TIMESTAMP)
                             AND n.{dated} < CAST(?3 AS TIMESTAMP), false) AS in_cohort
             FROM known_now AS n JOIN reach_sources AS r ON r.province_code = n.province_code),
         paired AS (
             SELECT t.load_id IS NOT NULL AS existed_then,
                    coalesce(t.in_cohort, false) AS then_in, coalesce(n.in_cohort, false) AS now_in,
                    t.cell AS then_cell, n.cell AS now_cell,
                    CASE WHEN t.load_id IS NOT NULL AND n.load_id IS NOT NULL
                         THEN list_filter([{changed}], lambda c: c IS NOT NULL) ELSE [] END AS changed
             FROM (SELECT * FROM placed_then WHERE pair_rank = 1) AS t
             FULL JOIN placed_now AS n ON t.{province} IS NOT DISTINCT FROM n.{province} AND t.pair_id = n.{id}
             WHERE coalesce(t.in_cohort, false) OR coalesce(n.in_cohort, false)),
         moved AS (
             SELECT true AS whole, ?4 AS cell, 'late' AS cause, changed FROM paired WHERE now_in AND NOT existed_then
             UNION ALL SELECT true, ?4, 'entered', changed FROM paired WHERE now_in AND existed_then AND NOT then_in
             UNION ALL SELECT true, ?4, 'removed', changed FROM paired WHERE then_in AND NOT now_in
             UNION ALL SELECT true, ?4, 'corrected', changed FROM paired WHERE then_in AND now_in AND len(changed) > 0
             UNION ALL SELECT true, ?4, 'linked', CAST([] AS VARCHAR[]) FROM placed_then WHERE pair_rank > 1 AND in_cohort
             UNION ALL SELECT false, now_cell, 'late', changed FROM paired WHERE now_in AND NOT existed_then
             UNION ALL SELECT false, now_cell, 'entered', changed FROM paired
                 WHERE now_in AND existed_then AND NOT (then_in AND then_cell IS NOT DISTINCT FROM now_cell)
             UNION ALL SELECT false, then_cell, 'removed', changed FROM paired
                 WHERE then_in AND NOT (now_in AND now_cell IS NOT DISTINCT FROM then_cell)
             UNION ALL SELECT false, now_cell, 'corrected', changed FROM paired
                 WHERE then_in AND now_in AND then_cell IS NOT DISTINCT FROM now_cell AND len(changed) > 0
             UNION ALL SELECT false, cell, 'linked', CAST([] AS VARCHAR[]) FROM placed_then WHERE pair_rank > 1 AND in_cohort),
         -- A record coded to the whole itself (no area known) counts in the whole's cell only.
         placed AS (SELECT cell, cause, changed FROM moved WHERE cell IS NOT NULL AND (whole OR cell <> ?4))
         SELECT cell, cause, CAST(NULL AS VARCHAR) AS column_name, count(*) FROM placed GROUP BY ALL
         UNION ALL
         SELECT cell, cause, column_name, count(*)
         FROM (SELECT cell, cause, unnest(changed) AS column_name FROM placed WHERE cause <> 'late')
         GROUP BY ALL
         ORDER BY 1, 2, 3 NULLS FIRST"
    )
}
