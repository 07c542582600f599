//! The query session of the indicator layers: the staging views and deadline rules
//! (temporary: the store is not changed), the case facts of a request, an indicator's
//! member groups, and the geography, population and crosswalk of a period. Every query
//! the indicators and reports run on the store is here or in `queries/`.

use std::collections::HashMap;

use arrow::record_batch::RecordBatch;
use duckdb::params;

use super::Store;
use crate::catalog::{self, Indicator, Statistic};
use crate::error::{Error, Result};
use crate::model;
use crate::period::Period;
use crate::results::{Geography, Request};

/// A query session on the store: the shared staging objects (temporary: the store is
/// not changed) are created once.
pub struct Session<'a> {
    store: &'a Store,
}

impl<'a> Session<'a> {
    pub fn new(store: &'a Store) -> Result<Session<'a>> {
        let conn = &store.conn;
        let rules = catalog::deadlines().map_err(Error::Catalog)?;
        let fail = |what: &str| {
            let what = what.to_string();
            move |e: duckdb::Error| Error::Store {
                path: store.path().display().to_string(),
                message: format!("{what}: {e}"),
            }
        };
        conn.execute_batch(
            "CREATE OR REPLACE TEMP TABLE deadline_rules (stage VARCHAR, unit VARCHAR, amount DOUBLE,
             condition VARCHAR, valid_from DATE, valid_to DATE, legal_basis VARCHAR)",
        )
        .map_err(fail("preparing deadline rules"))?;
        for rule in &rules {
            conn.execute(
                "INSERT INTO deadline_rules VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![
                    rule.stage,
                    rule.unit.name(),
                    rule.amount,
                    rule.when,
                    rule.valid_from.map(|d| d.to_string()),
                    rule.valid_to.map(|d| d.to_string()),
                    rule.legal_basis
                ],
            )
            .map_err(fail("preparing deadline rules"))?;
        }
        conn.execute_batch(
            "CREATE OR REPLACE TEMP TABLE agency_successors (predecessor VARCHAR, successor VARCHAR, last_day DATE)",
        )
        .map_err(fail("preparing the agency registry"))?;
        for agency in catalog::agencies().map_err(Error::Catalog)?.iter() {
            if let (Some(successor), Some(last_day)) = (&agency.successor, agency.valid_to) {
                conn.execute(
                    "INSERT INTO agency_successors VALUES (?, ?, ?)",
                    params![agency.code, successor, last_day.to_string()],
                )
                .map_err(fail("preparing the agency registry"))?;
            }
        }
        let session = Session { store };
        // A request on this connection may have left these as tables.
        session.drop_temporary("case_facts")?;
        session.drop_temporary("fact_cases")?;
        conn.execute_batch(catalog::STAGING_SQL)
            .map_err(fail("preparing the staging views"))?;
        Ok(session)
    }

    fn error(&self, what: impl std::fmt::Display) -> Error {
        Error::Store {
            path: self.store.path().display().to_string(),
            message: what.to_string(),
        }
    }

    /// Makes `case_facts` hold the cases `request` can need (see [`CaseScope`]), for
    /// `readers` queries. The facts are computed once into a table when several queries
    /// read them; for one or two, `case_facts` stays a view, so each query computes only
    /// the facts it uses (a case count needs no deadline).
    pub fn scope(&self, request: &Request, scope: CaseScope, readers: usize) -> Result<()> {
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("case facts: {e}"));
        self.drop_temporary("case_facts")?;
        self.drop_temporary("fact_cases")?;
        match scope {
            CaseScope::All => conn
                .execute_batch(
                    "CREATE TEMP VIEW fact_cases AS SELECT * FROM cases; \
                     CREATE TEMP VIEW case_facts AS SELECT * FROM facts_of_fact_cases",
                )
                .map_err(fail),
            CaseScope::Request | CaseScope::Cohort => {
                let sql = match scope {
                    CaseScope::Cohort => catalog::COHORT_SCOPE_SQL,
                    _ => catalog::CASE_SCOPE_SQL,
                };
                let mut stmt = conn.prepare(sql).map_err(fail)?;
                let values = bind_moments(&stmt, request)?;
                stmt.execute(duckdb::params_from_iter(values)).map_err(fail)?;
                let facts = if readers > 2 { "TABLE" } else { "VIEW" };
                conn.execute_batch(&format!(
                    "CREATE TEMP {facts} case_facts AS SELECT * FROM facts_of_fact_cases"
                ))
                .map_err(fail)
            }
        }
    }

    /// Drops a temporary view or table of that name, whichever it is (an earlier
    /// request on the same connection may have left either).
    fn drop_temporary(&self, name: &str) -> Result<()> {
        let conn = &self.store.conn;
        let kinds: Vec<String> = conn
            .prepare(
                "SELECT 'VIEW' FROM duckdb_views() WHERE temporary AND view_name = ?1
                 UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE temporary AND table_name = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![name], |r| r.get::<_, String>(0))?
                    .collect::<std::result::Result<Vec<_>, _>>()
            })
            .map_err(|e| self.error(format!("case facts: {e}")))?;
        for kind in kinds {
            conn.execute_batch(&format!("DROP {kind} temp.{name}"))
                .map_err(|e| self.error(format!("case facts: {e}")))?;
        }
        Ok(())
    }

    /// Every area of a level (DISTRICT, COMMUNE), whatever its validity: (code, name), in
    /// code order.
    pub fn areas_of_level(&self, level: &str) -> Result<Vec<(String, String)>> {
        let conn = &self.store.conn;
        let mut stmt = conn
            .prepare("SELECT DISTINCT area_code, name FROM areas WHERE level = ? ORDER BY area_code")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![level], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        Ok(rows)
    }

    /// Cases received in the request's period (the cohort) by area and abuse type:
    /// (area_code, abuse_type, count).
    pub fn received_by_area_and_type(&self, request: &Request) -> Result<Vec<(String, String, u64)>> {
        self.scope(request, CaseScope::Cohort, 1)?;
        let conn = &self.store.conn;
        let mut stmt = conn
            .prepare(
                "SELECT area_code, abuse_type, count(*) FROM case_cohort($period_start, $period_end, $as_of) \
                 GROUP BY ALL ORDER BY ALL",
            )
            .map_err(|e| self.error(e))?;
        let values = bind_moments(&stmt, request)?;
        let rows = stmt
            .query_map(duckdb::params_from_iter(values), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.max(0) as u64))
            })
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        Ok(rows)
    }

    /// The geography crosswalk: (from_code, to_code, weight); empty when the store has
    /// none.
    pub fn crosswalk(&self) -> Result<Vec<(String, String, f64)>> {
        if !self.store.has_table(model::Kind::Crosswalk)? {
            return Ok(Vec::new());
        }
        let conn = &self.store.conn;
        let mut stmt = conn
            .prepare("SELECT from_code, to_code, weight FROM crosswalk ORDER BY from_code, to_code")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        Ok(rows)
    }

    pub fn geography(&self, period: &Period) -> Result<Geography> {
        let conn = &self.store.conn;
        let mut stmt = conn
            .prepare(
                "SELECT area_code, level, name,
                        (valid_from IS NULL OR valid_from <= CAST($1 AS DATE))
                            AND (valid_to IS NULL OR valid_to >= CAST($1 AS DATE))
                 FROM areas
                 WHERE (valid_from IS NULL OR valid_from <= CAST($1 AS DATE))
                   AND (valid_to IS NULL OR valid_to >= CAST($2 AS DATE))
                 ORDER BY area_code",
            )
            .map_err(|e| self.error(e))?;
        let rows: Vec<(String, String, String, bool)> = stmt
            .query_map(
                params![period.end().to_string(), period.start().to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.error(e))?;
        let province = rows
            .iter()
            .find(|(_, level, _, _)| level == "PROVINCE")
            .map(|(code, _, _, _)| code.clone())
            .ok_or_else(|| {
                Error::Usage("the store has no PROVINCE area valid in the period; load the areas file".into())
            })?;
        let below: Vec<&(String, String, String, bool)> = rows
            .iter()
            .filter(|(_, level, _, _)| level != "PROVINCE")
            .collect();
        let mut areas: Vec<String> = below.iter().map(|(code, _, _, _)| code.clone()).collect();
        areas.dedup();
        let mut on_last_day: Vec<String> = below
            .iter()
            .filter(|(_, _, _, valid)| *valid)
            .map(|(code, _, _, _)| code.clone())
            .collect();
        on_last_day.dedup();
        let names = rows.into_iter().map(|(code, _, name, _)| (code, name)).collect();
        Ok(Geography {
            province,
            areas,
            on_last_day,
            names,
        })
    }

    /// Children under 16 per area in `year` (F + M), and the province's: its own rows if
    /// the population file has them, else the sum over its areas valid on the period's
    /// last day (indicators.md v2: a period across 1 July 2025 never adds the former
    /// districts to the communes that replaced them).
    pub fn population(&self, geography: &Geography, year: i32) -> Result<HashMap<String, u64>> {
        let conn = &self.store.conn;
        let mut stmt = conn
            .prepare("SELECT area_code, CAST(sum(children_under_16) AS BIGINT) FROM population WHERE year = ? GROUP BY area_code")
            .map_err(|e| self.error(e))?;
        let mut by_area: HashMap<String, u64> = stmt
            .query_map(params![year], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?
            .into_iter()
            .map(|(a, n)| (a, n.max(0) as u64))
            .collect();
        if !by_area.contains_key(&geography.province) {
            let sum: u64 = geography.on_last_day.iter().filter_map(|a| by_area.get(a)).sum();
            by_area.insert(geography.province.clone(), sum);
        }
        Ok(by_area)
    }

    /// Runs one indicator's SQL with the request's moments bound and returns its members
    /// grouped by area and every breakdown dimension of its subject: `n`, and by
    /// statistic `successes`, `durations`, `events`.
    pub fn member_groups(&self, indicator: &Indicator, request: &Request) -> Result<Vec<RecordBatch>> {
        let dims: Vec<&str> = std::iter::once("area_code")
            .chain(indicator.subject.dimensions().iter().map(|(_, column)| *column))
            .collect();
        let measures = match indicator.statistic {
            Statistic::Count | Statistic::Rate => "count(*) AS n",
            Statistic::Share => "count(*) AS n, count_if(success) AS successes",
            Statistic::Quantile(_) => "count(*) AS n, list(duration) AS durations",
            Statistic::KaplanMeier(_) => "count(*) AS n, list(duration) AS durations, list(event) AS events",
        };
        // A predecessor agency's rows count under its successor in every period whose last
        // day is after the predecessor's (queries/agencies.toml).
        let successor_join = if dims.contains(&"receiving_agency") {
            " LEFT JOIN agency_successors AS succession \
              ON succession.predecessor = members.receiving_agency \
             AND succession.last_day < CAST($period_end AS DATE) - INTERVAL 1 DAY"
        } else {
            ""
        };
        let dims_sql = dims
            .iter()
            .map(|d| match *d {
                "receiving_agency" => {
                    "coalesce(succession.successor, CAST(members.receiving_agency AS VARCHAR)) AS receiving_agency"
                        .to_string()
                }
                _ => format!("CAST(members.{d} AS VARCHAR) AS {d}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {dims_sql}, {measures} FROM (\n{}\n) AS members{successor_join} GROUP BY ALL",
            indicator.sql
        );
        let conn = &self.store.conn;
        let mut stmt = conn
            .prepare(&sql)
            .map_err(|e| self.error(format!("indicator {}: {e}", indicator.id)))?;
        let values = bind_moments(&stmt, request).map_err(|e| match e {
            Error::Usage(m) => Error::Usage(format!("indicator {}: {m}", indicator.id)),
            other => other,
        })?;
        let arrow = stmt
            .query_arrow(duckdb::params_from_iter(values))
            .map_err(|e| self.error(format!("indicator {}: {e}", indicator.id)))?;
        Ok(arrow.collect())
    }
}

/// The request's moments for the named parameters `stmt` uses, in order, as typed
/// TIMESTAMPs (the chrono binding would pass text, which arithmetic such as
/// `$as_of - INTERVAL 90 DAY` cannot use).
fn bind_moments(stmt: &duckdb::Statement<'_>, request: &Request) -> Result<Vec<duckdb::types::Value>> {
    let mut values = Vec::new();
    for i in 1..=stmt.parameter_count() {
        let name = stmt.parameter_name(i).map_err(|e| Error::Usage(e.to_string()))?;
        let moment = match name.as_str() {
            "period_start" => request.period.start_moment(),
            "period_end" => request.period.end_moment(),
            "as_of" => request.as_of,
            other => {
                return Err(Error::Usage(format!(
                    "unknown parameter ${other} (period_start, period_end, as_of)"
                )))
            }
        };
        values.push(duckdb::types::Value::Timestamp(
            duckdb::types::TimeUnit::Microsecond,
            moment.and_utc().timestamp_micros(),
        ));
    }
    Ok(values)
}

/// Which cases the indicators of a request see in `case_facts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseScope {
    /// Only those the request can need (queries/case_scope.sql), computed once: the
    /// normal way.
    Request,
    /// Only the cases received in the period (queries/cohort_scope.sql): enough when
    /// every indicator reads cohorts only, as a report's trend periods mostly do.
    Cohort,
    /// Every case, as a view: slower, for checking that the request scope loses nothing.
    All,
}

impl CaseScope {
    /// The narrowest scope that holds every case these indicators can see.
    pub fn needed_by(indicators: &[Indicator]) -> CaseScope {
        if indicators.iter().all(Indicator::reads_cohorts_only) {
            CaseScope::Cohort
        } else {
            CaseScope::Request
        }
    }
}
