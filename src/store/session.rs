//! The query session of the indicator layers: the staging views and deadline rules
//! (temporary: the store is not changed), the case facts of a request, an indicator's
//! member groups, and the geography, population and crosswalk of a period. Every query
//! the indicators and reports run on the store is here or in `queries/`.

use std::collections::HashMap;

use arrow::record_batch::RecordBatch;
use duckdb::params;

use super::reach::{Province, Provinces, Reach};
use super::Store;
use crate::catalog::{self, Indicator, Statistic};
use crate::error::{Error, Result};
use crate::model;
use crate::period::Period;
use crate::results::{Geography, Request, WholePart};

/// A query session on the store for a request's whole and state of the store: the
/// shared staging objects (temporary: the store is not changed) are created once.
pub struct Session<'a> {
    pub(super) store: &'a Store,
    /// The whole the session's queries describe.
    pub(super) whole: crate::results::Top,
    /// The load the session reads the store as known after (None: as it stands).
    pub(super) known: Option<i64>,
}

impl<'a> Session<'a> {
    /// A session reading what `request` asks of: its whole, the store as known after its
    /// load (the connection's views are made to read that state first). The request's
    /// period is the methods' to name: one session serves several periods of a whole.
    pub fn new(store: &'a Store, request: &Request) -> Result<Session<'a>> {
        store.read_as_known(request.known)?;
        store.prepare_cases()?;
        let session = Session {
            store,
            whole: request.whole.clone(),
            known: request.known,
        };
        // The staging objects are the connection's, made once for each state of the store
        // read (the working-day calendar reads its holidays). What `case_facts` holds is
        // chosen by each query's `scope` (a request before may have pointed it elsewhere).
        let state = store.facts_state()?;
        if store.staged.get() != Some(state) {
            store.staged.set(None);
            session.stage()?;
            store.staged.set(Some(state));
        }
        Ok(session)
    }

    /// Makes the connection's staging objects: the registries the queries read (deadline
    /// rules, agency successors, the child-protection role's agencies), the provinces
    /// reported, and the views and calendar of `queries/staging.sql`.
    fn stage(&self) -> Result<()> {
        let store = self.store;
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
        conn.execute_batch(
            "CREATE OR REPLACE TEMP TABLE child_protection_agencies (code VARCHAR, valid_from DATE, valid_to DATE)",
        )
        .map_err(fail("preparing the parts registry"))?;
        let parts = catalog::parts().map_err(Error::Catalog)?;
        if let Some(role) = parts.role(catalog::CHILD_PROTECTION_ROLE) {
            for (code, from, to) in parts.spans_of(role) {
                conn.execute(
                    "INSERT INTO child_protection_agencies VALUES (?, ?, ?)",
                    params![code, from.map(|d| d.to_string()), to.map(|d| d.to_string())],
                )
                .map_err(fail("preparing the parts registry"))?;
            }
        }
        conn.execute_batch(
            "CREATE OR REPLACE TEMP TABLE reach_sources (province_code VARCHAR, reported_as VARCHAR)",
        )
        .map_err(fail("preparing the provinces reported"))?;
        store.reached.replace(None);
        // The staging views are bound as they are made: each after what it reads.
        let (facts, cohorts) = catalog::STAGING_SQL
            .split_once(STAGING_CASE_FACTS)
            .ok_or_else(|| Error::Internal(format!("staging.sql lacks {STAGING_CASE_FACTS}")))?;
        self.drop_temporary("case_facts")?;
        self.drop_temporary("fact_cases")?;
        self.select_every_case()?;
        conn.execute_batch(facts)
            .map_err(fail("preparing the staging views"))?;
        self.facts_computed_by_each_query()?;
        conn.execute_batch(cohorts)
            .map_err(fail("preparing the staging views"))
    }

    pub(super) fn error(&self, what: impl std::fmt::Display) -> Error {
        Error::Store {
            path: self.store.path().display().to_string(),
            message: what.to_string(),
        }
    }

    /// Drops a temporary view or table of that name, whichever it is (an earlier
    /// request on the same connection may have left either).
    pub(super) fn drop_temporary(&self, name: &str) -> Result<()> {
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

    /// Every area of a level (PROVINCE, DISTRICT, COMMUNE) below the province codes
    /// `roots` (or among them, for PROVINCE), whatever its validity: (code, name), in code
    /// order; a code a merger reused is named as its newest row.
    pub fn areas_of_level(&self, level: &str, roots: &[String]) -> Result<Vec<(String, String)>> {
        let conn = &self.store.conn;
        let mut stmt = conn
            .prepare(
                "WITH RECURSIVE below(area_code) AS (
                     SELECT unnest(CAST(?1 AS VARCHAR[]))
                     UNION
                     SELECT a.area_code FROM areas AS a JOIN below AS b ON a.parent_code = b.area_code
                     WHERE a.level <> 'PROVINCE'
                 )
                 SELECT area_code, arg_max(name, coalesce(valid_from, DATE '1900-01-01')) FROM areas
                 WHERE level = ?2 AND area_code IN (SELECT area_code FROM below)
                 GROUP BY area_code ORDER BY area_code",
            )
            .map_err(|e| self.error(e))?;
        let roots = duckdb::types::Value::List(
            roots
                .iter()
                .map(|c| duckdb::types::Value::Text(c.clone()))
                .collect(),
        );
        let rows = stmt
            .query_map(params![roots, level], |r| Ok((r.get(0)?, r.get(1)?)))
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

    /// The provinces of the store's areas, and the mergers the crosswalk records (a
    /// province formed from former ones).
    pub fn provinces(&self) -> Result<Provinces> {
        let state = self.store.facts_state()?;
        if let Some((kept, provinces)) = &self.store.reference.borrow().provinces {
            if *kept == state {
                return Ok(provinces.clone());
            }
        }
        let provinces = self.read_provinces()?;
        let mut reference = self.store.reference.borrow_mut();
        if reference
            .provinces
            .as_ref()
            .is_none_or(|(kept, _)| *kept != state)
        {
            *reference = ReferenceKept::default();
        }
        reference.provinces = Some((state, provinces.clone()));
        Ok(provinces)
    }

    fn read_provinces(&self) -> Result<Provinces> {
        let conn = &self.store.conn;
        let mut stmt = conn
            .prepare(
                "SELECT area_code, name, valid_from, valid_to FROM areas WHERE level = 'PROVINCE'
                 ORDER BY area_code, valid_from NULLS FIRST",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Province {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    valid_from: r.get(2)?,
                    valid_to: r.get(3)?,
                })
            })
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        let codes: Vec<&String> = rows.iter().map(|p| &p.code).collect();
        let formed_from = self
            .crosswalk()?
            .into_iter()
            .filter(|(from, to, _)| codes.contains(&from) && codes.contains(&to))
            .map(|(from, to, _)| (from, to))
            .collect();
        Ok(Provinces { rows, formed_from })
    }

    /// What the session's whole describes in `period`; the reporting views then hold its
    /// rows.
    pub fn reach(&self, period: &Period) -> Result<Reach> {
        if let Some((whole, reached_period, reach)) = self.store.reached.borrow().as_ref() {
            if *whole == self.whole && reached_period == period {
                return Ok(reach.clone());
            }
        }
        let reach = self.provinces()?.reach(&self.whole, period)?;
        self.write_reach_sources(&reach.sources)?;
        self.store
            .reached
            .replace(Some((self.whole.clone(), *period, reach.clone())));
        Ok(reach)
    }

    /// Writes `reach_sources`, which the views that report rows (`reported_cases`,
    /// `reported_content`, `case_facts`) read: the source provinces whose rows count,
    /// each with the area its rows are reported under (None: as coded). The whole whose
    /// reach was written before is forgotten: the next [`Session::reach`] writes its own.
    pub(super) fn write_reach_sources(&self, sources: &[(String, Option<String>)]) -> Result<()> {
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("the provinces reported: {e}"));
        self.store.reached.replace(None);
        conn.execute_batch("DELETE FROM reach_sources").map_err(fail)?;
        let mut insert = conn
            .prepare("INSERT INTO reach_sources VALUES (?, ?)")
            .map_err(fail)?;
        for (code, reported_as) in sources {
            insert.execute(params![code, reported_as]).map_err(fail)?;
        }
        Ok(())
    }

    /// The whole reported in `period` and its areas: a province's areas (those of the
    /// former provinces it was formed from, before its merger) valid at some time in the
    /// period, or the nation's provinces valid on its last day.
    pub fn geography(&self, period: &Period) -> Result<Geography> {
        let key = self.reference_key(period, "")?;
        if let Some(geography) = self.store.reference.borrow().geographies.get(&key) {
            return Ok(geography.clone());
        }
        let geography = self.read_geography(period)?;
        self.store
            .reference
            .borrow_mut()
            .geographies
            .insert(key, geography.clone());
        Ok(geography)
    }

    /// What names a period's areas or population in [`ReferenceKept`]: the state read
    /// (the provinces kept are its), the whole, the period, and `more`.
    fn reference_key(&self, period: &Period, more: &str) -> Result<String> {
        // Reading the provinces makes sure what is kept is of the state read now.
        self.provinces()?;
        Ok(format!("{:?} {period:?} {more}", self.whole))
    }

    fn read_geography(&self, period: &Period) -> Result<Geography> {
        let reach = self.reach(period)?;
        let conn = &self.store.conn;
        let mut stmt = conn
            .prepare(
                "SELECT area_code, level, name, parent_code,
                        (valid_from IS NULL OR valid_from <= CAST($1 AS DATE))
                            AND (valid_to IS NULL OR valid_to >= CAST($1 AS DATE)),
                        valid_from, valid_to
                 FROM areas
                 WHERE (valid_from IS NULL OR valid_from <= CAST($1 AS DATE))
                   AND (valid_to IS NULL OR valid_to >= CAST($2 AS DATE))
                 ORDER BY area_code",
            )
            .map_err(|e| self.error(e))?;
        let rows: Vec<AreaInPeriod> = stmt
            .query_map(
                params![period.end().to_string(), period.start().to_string()],
                |r| {
                    Ok(AreaInPeriod {
                        code: r.get(0)?,
                        level: r.get(1)?,
                        name: r.get(2)?,
                        parent: r.get(3)?,
                        on_last_day: r.get(4)?,
                        valid_from: r.get(5)?,
                        valid_to: r.get(6)?,
                    })
                },
            )
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.error(e))?;
        let below: Vec<&AreaInPeriod> = if reach.nation {
            rows.iter()
                .filter(|a| a.level == "PROVINCE" && a.on_last_day)
                .collect()
        } else {
            descendants(&rows, &reach.roots)
        };
        let mut areas: Vec<String> = below.iter().map(|a| a.code.clone()).collect();
        areas.dedup();
        let mut on_last_day: Vec<String> = below
            .iter()
            .filter(|a| a.on_last_day)
            .map(|a| a.code.clone())
            .collect();
        on_last_day.dedup();
        let mut names: HashMap<String, String> =
            rows.iter().map(|a| (a.code.clone(), a.name.clone())).collect();
        // A code a merger reused is named as the province of the period's last day.
        for a in rows.iter().filter(|a| a.on_last_day) {
            names.insert(a.code.clone(), a.name.clone());
        }
        names.insert(
            reach.code.clone(),
            if reach.nation {
                "Việt Nam".to_string()
            } else {
                reach.name.clone()
            },
        );
        let validity = below
            .iter()
            .map(|a| (a.code.clone(), (a.valid_from, a.valid_to)))
            .collect();
        Ok(Geography {
            province: reach.code,
            areas,
            on_last_day,
            names,
            roots: reach.roots,
            parts: Vec::new(),
            validity,
        })
    }

    /// [`Session::geography`] with the whole's parts and whether the store holds each
    /// one's data: what a report names. Apart because it reads every case and content
    /// row, which an indicator computed per period has no need of.
    pub fn whole(&self, period: &Period) -> Result<Geography> {
        let mut geography = self.geography(period)?;
        let reach = self.reach(period)?;
        let with_records = self.provinces_with_records(period)?;
        geography.parts = reach
            .parts_on_last_day
            .iter()
            .map(|(part, _)| {
                let is_whole = reach.province.as_ref() == Some(part);
                let counted: Vec<&str> = if reach.nation {
                    reach
                        .sources
                        .iter()
                        .filter(|(_, as_)| as_.as_deref() == Some(part.code.as_str()))
                        .map(|(code, _)| code.as_str())
                        .collect()
                } else if is_whole {
                    reach.sources.iter().map(|(code, _)| code.as_str()).collect()
                } else {
                    vec![part.code.as_str()]
                };
                WholePart {
                    code: part.code.clone(),
                    name: part.name.clone(),
                    is_whole,
                    holds_records: counted.iter().any(|c| with_records.iter().any(|w| w == c)),
                }
            })
            .collect();
        Ok(geography)
    }

    /// The source provinces with a case received or a content item detected by the end
    /// of `period`: those whose exports the store holds for it (a province with records
    /// before and none within the period has a true zero, not a gap).
    fn provinces_with_records(&self, period: &Period) -> Result<Vec<String>> {
        let mut selects = Vec::new();
        for (kind, moment) in [
            (model::Kind::Cases, "received_at"),
            (model::Kind::ContentReports, "detected_at"),
        ] {
            if self.store.has_table(kind)? {
                selects.push(format!(
                    "SELECT DISTINCT {province} FROM {table} WHERE CAST({moment} AS DATE) <= CAST(? AS DATE)",
                    province = model::PROVINCE_COLUMN,
                    table = kind.name(),
                ));
            }
        }
        if selects.is_empty() {
            return Ok(Vec::new());
        }
        let conn = &self.store.conn;
        let mut stmt = conn
            .prepare(&selects.join(" UNION "))
            .map_err(|e| self.error(e))?;
        let codes = stmt
            .query_map(
                duckdb::params_from_iter(std::iter::repeat_n(period.end().to_string(), selects.len())),
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<Vec<String>, _>>()
            .map_err(|e| self.error(e))?;
        Ok(codes)
    }

    /// Children under 16 per area in `year` (F + M), and the whole's: the sum over its
    /// parts valid on the period's last day (the province itself, or before a merger the
    /// former provinces; for the nation every province), each from its own rows when it
    /// was valid all year and has them, else the sum over its areas valid on the last day
    /// (indicators.md v2: a period across 1 July 2025 never adds the former districts to
    /// the communes that replaced them).
    pub fn population(&self, geography: &Geography, period: &Period) -> Result<HashMap<String, u64>> {
        let key = self.reference_key(period, &geography.province)?;
        if let Some(population) = self.store.reference.borrow().populations.get(&key) {
            return Ok(population.clone());
        }
        let population = self.read_population(geography, period)?;
        self.store
            .reference
            .borrow_mut()
            .populations
            .insert(key, population.clone());
        Ok(population)
    }

    fn read_population(&self, geography: &Geography, period: &Period) -> Result<HashMap<String, u64>> {
        let year = period.reference_year();
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
        let reach = self.reach(period)?;
        let parents = self.parents_on(period.end())?;
        let mut whole = 0u64;
        for (part, whole_year) in &reach.parts_on_last_day {
            let own = by_area.get(&part.code).copied().filter(|_| *whole_year);
            let people = own.unwrap_or_else(|| {
                parents
                    .keys()
                    .filter(|a| descends_from(a, &part.code, &parents))
                    .filter_map(|a| by_area.get(a))
                    .sum()
            });
            if reach.nation {
                by_area.insert(part.code.clone(), people);
            }
            whole += people;
        }
        by_area.insert(geography.province.clone(), whole);
        Ok(by_area)
    }

    /// Each area's parent on `day`.
    fn parents_on(&self, day: chrono::NaiveDate) -> Result<HashMap<String, String>> {
        let conn = &self.store.conn;
        let mut stmt = conn
            .prepare(
                "SELECT area_code, parent_code FROM areas WHERE parent_code IS NOT NULL AND level <> 'PROVINCE'
                   AND (valid_from IS NULL OR valid_from <= CAST(? AS DATE))
                   AND (valid_to IS NULL OR valid_to >= CAST(? AS DATE))",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![day.to_string(), day.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<HashMap<String, String>, _>>()
            .map_err(|e| self.error(e))?;
        Ok(rows)
    }

    /// Runs one indicator's SQL with the request's moments bound and returns its members
    /// grouped by area and every breakdown dimension of its subject: `n`, and by
    /// statistic `successes`, `durations`, `events`.
    pub fn member_groups(&self, indicator: &Indicator, request: &Request) -> Result<Vec<RecordBatch>> {
        let sql = member_groups_sql(indicator);
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

    /// Writes the moments (period and as-of) of `requests` (of one whole and state, whose
    /// `case_facts` this session holds for every case) for
    /// [`Session::member_groups_of_periods`], each under its index in `requests`.
    pub fn set_request_moments(&self, requests: &[&Request]) -> Result<()> {
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("the requests' moments: {e}"));
        conn.execute_batch(
            "CREATE OR REPLACE TEMP TABLE request_moments \
             (request_index INTEGER, period_start TIMESTAMP, period_end TIMESTAMP, as_of TIMESTAMP)",
        )
        .map_err(fail)?;
        let mut insert = conn
            .prepare("INSERT INTO request_moments VALUES (?, ?, ?, ?)")
            .map_err(fail)?;
        let moment = |at: chrono::NaiveDateTime| {
            duckdb::types::Value::Timestamp(
                duckdb::types::TimeUnit::Microsecond,
                at.and_utc().timestamp_micros(),
            )
        };
        for (index, request) in requests.iter().enumerate() {
            insert
                .execute(params![
                    index as i32,
                    moment(request.period.start_moment()),
                    moment(request.period.end_moment()),
                    moment(request.as_of)
                ])
                .map_err(fail)?;
        }
        Ok(())
    }

    /// [`Session::member_groups`] of one indicator for the requests of `asked` (indices
    /// of those [`Session::set_request_moments`] wrote), in one query: the periods are a
    /// column of it, so that a report's dozen periods are planned and scanned once. The
    /// groups of each, in the order of `asked`.
    pub fn member_groups_of_periods(
        &self,
        indicator: &Indicator,
        asked: &[usize],
    ) -> Result<Vec<Vec<RecordBatch>>> {
        let fail = |e: duckdb::Error| self.error(format!("indicator {}: {e}", indicator.id));
        let indices = asked.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
        let moments = format!("(SELECT * FROM request_moments WHERE request_index IN ({indices}))");
        let sql = member_groups_of_periods_sql(indicator, &moments);
        let batches: Vec<RecordBatch> = self
            .store
            .conn
            .prepare(&sql)
            .map_err(fail)?
            .query_arrow([])
            .map_err(fail)?
            .collect();
        let arrow_fail =
            |e: arrow::error::ArrowError| Error::Internal(format!("indicator {}: {e}", indicator.id));
        let mut by_request = vec![Vec::new(); asked.len()];
        for batch in &batches {
            let index = batch
                .column_by_name("request_index")
                .and_then(|c| c.as_any().downcast_ref::<arrow::array::Int32Array>())
                .ok_or_else(|| Error::Internal("request_index lost".into()))?;
            for (&i, groups) in asked.iter().zip(by_request.iter_mut()) {
                let mask =
                    arrow::compute::kernels::cmp::eq(index, &arrow::array::Int32Array::new_scalar(i as i32))
                        .map_err(arrow_fail)?;
                let rows = arrow::compute::filter_record_batch(batch, &mask).map_err(arrow_fail)?;
                if rows.num_rows() > 0 {
                    groups.push(rows);
                }
            }
        }
        Ok(by_request)
    }
}

/// The query grouping an indicator's members for one period (its moments bound as
/// parameters): by every dimension at once, each cell (the total, an area, a breakdown
/// value) summed from its groups by the caller. One period's query is mostly planning,
/// which this grouping does fastest.
fn member_groups_sql(indicator: &Indicator) -> String {
    let dims = member_dimensions(indicator);
    let columns = std::iter::once(SOURCE_PROVINCE)
        .chain(dims.iter().copied())
        .map(member_column)
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {columns}, {} FROM (\n{}\n) AS members{} GROUP BY ALL",
        member_measures(indicator),
        indicator.sql,
        successor_join(&dims, "$period_end")
    )
}

/// The query grouping an indicator's members for every request of `moments` (a table of
/// `request_moments`' columns; `request_index` leads each group): the query's three
/// moments read from the request's row (joined `LATERAL`) instead of bound parameters. The
/// members are grouped by each shown column alone and in total (grouping sets,
/// `grouping_set` naming the column: 0 the total, k the k-th of
/// [`Indicator::shown_columns`]): a dozen periods' members grouped by every dimension
/// at once make a group per combination, most of the query's time on a large store
/// (for durations, whose groups list every member's duration, two thirds of a 1M-case
/// report's queries). A cell sums the same members either way. Equal texts over the
/// same moments give equal groups.
pub fn member_groups_of_periods_sql(indicator: &Indicator, moments: &str) -> String {
    // The three moments an indicator's query may name (bind_moments refuses any other).
    let members = ["period_start", "period_end", "as_of"]
        .iter()
        .fold(indicator.sql.clone(), |sql, name| {
            sql.replace(&format!("${name}"), &format!("moments.{name}"))
        });
    let from = format!("{moments} AS moments, LATERAL (\n{members}\n) AS members");
    let measures = member_measures(indicator);
    let shown = indicator.shown_columns();
    let successor_join = successor_join(&shown, "moments.period_end");
    let mut inner: Vec<String> = [
        "moments.request_index".to_string(),
        member_column(SOURCE_PROVINCE),
    ]
    .into_iter()
    .chain(shown.iter().map(|d| member_column(d)))
    .collect();
    inner.extend(
        match indicator.statistic {
            Statistic::Count | Statistic::Rate => &[][..],
            Statistic::Share => &["members.success"][..],
            Statistic::Quantile(_) => &["members.duration"][..],
            Statistic::KaplanMeier(_) => &["members.duration", "members.event"][..],
        }
        .iter()
        .map(|c| c.to_string()),
    );
    let sets: Vec<String> = std::iter::once(format!("(request_index, {SOURCE_PROVINCE})"))
        .chain(
            shown
                .iter()
                .map(|d| format!("(request_index, {SOURCE_PROVINCE}, {d})")),
        )
        .collect();
    let arms: String = shown
        .iter()
        .enumerate()
        .map(|(k, d)| format!("WHEN grouping({d}) = 0 THEN {} ", k + 1))
        .collect();
    let outer: String = shown.iter().map(|d| format!("{d}, ")).collect();
    format!(
        "SELECT request_index, {SOURCE_PROVINCE}, {outer}CASE {arms}ELSE 0 END AS grouping_set, {measures} \
         FROM (SELECT {} FROM {from}{successor_join}) AS grouped_members \
         GROUP BY GROUPING SETS ({})",
        inner.join(", "),
        sets.join(", ")
    )
}

/// The column of a member's source province, by which every group is split too: a
/// group of the facts of several wholes' provinces then serves each whole
/// (`indicators::reached` keeps a whole's provinces and puts their areas as it reports
/// them).
pub const SOURCE_PROVINCE: &str = "province_code";

/// The member columns an indicator's groups can be by: the area, then every dimension
/// of its subject.
fn member_dimensions(indicator: &Indicator) -> Vec<&'static str> {
    std::iter::once("area_code")
        .chain(indicator.subject.dimensions().iter().map(|d| d.column))
        .collect()
}

/// What each group of an indicator's members measures, by statistic.
fn member_measures(indicator: &Indicator) -> &'static str {
    match indicator.statistic {
        Statistic::Count | Statistic::Rate => "count(*) AS n",
        Statistic::Share => "count(*) AS n, count_if(success) AS successes",
        Statistic::Quantile(_) => "count(*) AS n, list(duration) AS durations",
        Statistic::KaplanMeier(_) => "count(*) AS n, list(duration) AS durations, list(event) AS events",
    }
}

/// A member column as grouped: text, a predecessor agency under its successor.
fn member_column(column: &str) -> String {
    match column {
        "receiving_agency" => {
            "coalesce(succession.successor, CAST(members.receiving_agency AS VARCHAR)) AS receiving_agency"
                .to_string()
        }
        _ => format!("CAST(members.{column} AS VARCHAR) AS {column}"),
    }
}

/// The join that counts a predecessor agency's rows under its successor in every period
/// whose last day is after the predecessor's (queries/agencies.toml), when `columns`
/// group by the agency; `period_end` names the period's end.
fn successor_join(columns: &[&str], period_end: &str) -> String {
    if !columns.contains(&"receiving_agency") {
        return String::new();
    }
    format!(
        " LEFT JOIN agency_successors AS succession \
          ON succession.predecessor = members.receiving_agency \
         AND succession.last_day < CAST({period_end} AS DATE) - INTERVAL 1 DAY"
    )
}

/// The reference tables' answers kept for one state of the store (the state read with
/// the provinces): the provinces, and each whole's areas and population by period.
#[derive(Debug, Default)]
pub(super) struct ReferenceKept {
    provinces: Option<((Option<i64>, i64), Provinces)>,
    geographies: HashMap<String, Geography>,
    populations: HashMap<String, HashMap<String, u64>>,
}

/// The line of `queries/staging.sql` where the session makes `case_facts`.
const STAGING_CASE_FACTS: &str = "-- @case_facts";

/// An area valid at some time in a period.
struct AreaInPeriod {
    code: String,
    level: String,
    name: String,
    parent: Option<String>,
    on_last_day: bool,
    valid_from: Option<chrono::NaiveDate>,
    valid_to: Option<chrono::NaiveDate>,
}

/// The areas below the province codes `roots` (their children, the children's children),
/// in code order.
fn descendants<'a>(rows: &'a [AreaInPeriod], roots: &[String]) -> Vec<&'a AreaInPeriod> {
    let mut included: std::collections::HashSet<&str> = roots.iter().map(String::as_str).collect();
    let mut found: Vec<&AreaInPeriod> = Vec::new();
    loop {
        let before = found.len();
        for a in rows.iter().filter(|a| a.level != "PROVINCE") {
            let parent_in = a.parent.as_deref().is_some_and(|p| included.contains(p));
            if parent_in && !found.iter().any(|f| std::ptr::eq(*f, a)) {
                found.push(a);
                included.insert(a.code.as_str());
            }
        }
        if found.len() == before {
            break;
        }
    }
    found.sort_by(|a, b| a.code.cmp(&b.code));
    found
}

/// Whether `area` lies below `province` by the parents of a day.
fn descends_from(area: &str, province: &str, parents: &HashMap<String, String>) -> bool {
    let mut at = area;
    for _ in 0..8 {
        match parents.get(at) {
            Some(parent) if parent == province => return true,
            Some(parent) => at = parent,
            None => return false,
        }
    }
    false
}

/// The request's moments for the named parameters `stmt` uses, in order, as typed
/// TIMESTAMPs (the chrono binding would pass text, which arithmetic such as
/// `$as_of - INTERVAL 90 DAY` cannot use).
pub(super) fn bind_moments(
    stmt: &duckdb::Statement<'_>,
    request: &Request,
) -> Result<Vec<duckdb::types::Value>> {
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
