//! What the agencies' parts and links say about their data (indicators.md v3, the
//! data-quality report): by source agency, the parts of the period's cases, those no
//! other agency sent, the columns the parts disagree on, the assembled cases breaking a
//! row rule, the links and those waiting for an id, the possible duplicates, and how long
//! each agency's part took to reach the office. Counts, case ids and column names only:
//! no value of a record leaves these queries.

use duckdb::params;

use super::assembly::{self, PARTS_VIEW};
use super::Session;
use crate::error::{Error, Result};
use crate::model::{Kind, CASE_PAIRS, CASE_STAGES, PART_COLUMN, PROVINCE_COLUMN};
use crate::results::{AgencyParts, Disagreement, DisagreementAt, PartsQuality, PossibleDuplicate, Request};

/// How far apart two receipts of one case may lie for the pair to be a possible
/// duplicate (data-contract.md v3).
const DUPLICATE_DAYS: i64 = 7;
/// [`DUPLICATE_DAYS`] in microseconds: the greatest distance of a pair's receipts, and
/// the length of the windows receipts are compared in.
const WINDOW_US: i64 = DUPLICATE_DAYS * 86_400 * 1_000_000;

impl Session<'_> {
    /// The parts and links behind the cases of `request`'s period (received in it,
    /// before as-of) of the reported whole.
    pub fn parts_quality(&self, request: &Request) -> Result<PartsQuality> {
        let state = self.store.facts_state()?;
        let key = format!(
            "{state:?} {:?} {:?} {}",
            request.whole, request.period, request.as_of
        );
        if let Some((kept, quality)) = self.store.parts_quality.borrow().as_ref() {
            if *kept == key {
                return Ok(quality.clone());
            }
        }
        let quality = self.compute_parts_quality(request)?;
        *self.store.parts_quality.borrow_mut() = Some((key, quality.clone()));
        Ok(quality)
    }

    fn compute_parts_quality(&self, request: &Request) -> Result<PartsQuality> {
        self.reach(&request.period)?;
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("parts and links: {e}"));
        assembly::fill_link_groups(conn, "case_links", "quality_link_groups")?;
        // The link groups of the cases the figures read (`cases`: received in the period,
        // widened by the duplicates' window). A part's own receipt cannot select them (a
        // case's receipt is its first part's; another agency's part may be dated later,
        // or blank): the assembled cases' can, and a group taken whole here is assembled
        // as the store assembles it.
        let mut stmt = conn
            .prepare(&format!(
                "CREATE OR REPLACE TEMP TABLE quality_groups AS
                 SELECT DISTINCT a.{PROVINCE_COLUMN}, coalesce(g.group_key, a.case_id) AS grp
                 FROM cases AS a
                 LEFT JOIN quality_link_groups AS g
                   ON g.{PROVINCE_COLUMN} = a.{PROVINCE_COLUMN} AND g.case_id = a.case_id
                 WHERE a.received_at >= CAST($period_start AS TIMESTAMP) - INTERVAL {DUPLICATE_DAYS} DAY
                   AND a.received_at < CAST($period_end AS TIMESTAMP) + INTERVAL {DUPLICATE_DAYS} DAY
                   AND a.{PROVINCE_COLUMN} IN (SELECT province_code FROM reach_sources)"
            ))
            .map_err(fail)?;
        let values = super::session::bind_moments(&stmt, request)?;
        stmt.execute(duckdb::params_from_iter(values)).map_err(fail)?;
        // Every part of those groups with its assembled case, once: the cohort's parts
        // and the possible duplicates both read it.
        let with_case = assembly::parts_with_case_sql(
            &format!(
                "(SELECT p.* FROM {PARTS_VIEW} AS p
                  LEFT JOIN quality_link_groups AS g
                    ON g.{PROVINCE_COLUMN} = p.{PROVINCE_COLUMN} AND g.case_id = p.case_id
                  SEMI JOIN quality_groups AS q
                    ON q.{PROVINCE_COLUMN} = p.{PROVINCE_COLUMN} AND q.grp = coalesce(g.group_key, p.case_id))"
            ),
            "quality_link_groups",
        )?;
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE quality_parts_with_case AS {with_case}"
        ))
        .map_err(fail)?;
        let mut stmt = conn
            .prepare(&format!(
                "CREATE OR REPLACE TEMP TABLE quality_cohort AS
                 SELECT * FROM cases AS c
                 WHERE c.received_at >= $period_start AND c.received_at < $period_end AND c.received_at < $as_of
                   AND c.{PROVINCE_COLUMN} IN (SELECT province_code FROM reach_sources)"
            ))
            .map_err(fail)?;
        let values = super::session::bind_moments(&stmt, request)?;
        stmt.execute(duckdb::params_from_iter(values)).map_err(fail)?;
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE quality_parts AS
             SELECT q.* FROM quality_parts_with_case AS q
             JOIN quality_cohort AS c
               ON c.{PROVINCE_COLUMN} IS NOT DISTINCT FROM q.{PROVINCE_COLUMN} AND c.case_id = q.assembled_id;"
        ))
        .map_err(fail)?;
        let mut quality = PartsQuality {
            agencies: self.agency_parts(request)?,
            disagreements: Vec::new(),
            rule_breaks: self.rule_breaks()?,
            links: Vec::new(),
            links_waiting: 0,
            possible_duplicates: 0,
            incomplete_cases: self.incomplete_cases()?,
            disagreement_list: self.disagreement_list()?,
            duplicate_list: self.possible_duplicates(request)?,
        };
        quality.disagreements = summed_disagreements(&quality.disagreement_list);
        quality.possible_duplicates = quality.duplicate_list.len() as u64;
        let (links, waiting) = self.links_quality()?;
        quality.links = links;
        quality.links_waiting = waiting;
        conn.execute_batch(
            "DROP TABLE quality_parts; DROP TABLE quality_cohort; DROP TABLE quality_link_groups; \
             DROP TABLE quality_parts_with_case; DROP TABLE quality_groups;",
        )
        .map_err(fail)?;
        Ok(quality)
    }

    /// Parts, parts alone and the days to the office's first load, by source agency.
    fn agency_parts(&self, request: &Request) -> Result<Vec<AgencyParts>> {
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("parts by agency: {e}"));
        let registry = crate::catalog::parts().map_err(Error::Catalog)?;
        // An agency's own receipt of a case: its role's receipt column (the registry's),
        // else the first receipt.
        let mut own_receipt = Vec::new();
        for role in &registry.roles {
            let Some(column) = &role.receipt else {
                continue;
            };
            own_receipt.push(format!(
                "WHEN part_role = '{}' THEN coalesce({column}, received_at)",
                role.id.replace('\'', "''")
            ));
        }
        let own_receipt = format!("CASE {} ELSE received_at END", own_receipt.join(" "));
        let known = self.store.last_load_known(self.known)?;
        let time = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
        let sql = format!(
            "WITH senders AS (
                 SELECT {PROVINCE_COLUMN}, grp, count(DISTINCT {PART_COLUMN}) AS senders FROM quality_parts GROUP BY ALL),
             first_loads AS (
                 SELECT r.{PROVINCE_COLUMN}, r.case_id, r.{PART_COLUMN}, min(l.loaded_at) AS first_loaded
                 FROM cases_rows AS r JOIN (SELECT load_id, min(loaded_at) AS loaded_at FROM load_log GROUP BY load_id) AS l
                   ON l.load_id = r.load_id
                 SEMI JOIN quality_parts AS q
                   ON q.{PROVINCE_COLUMN} = r.{PROVINCE_COLUMN} AND q.case_id = r.case_id AND q.{PART_COLUMN} = r.{PART_COLUMN}
                 WHERE r.load_id <= ?1
                 GROUP BY ALL),
             timed AS (
                 SELECT p.{PART_COLUMN} AS agency, s.senders, {own_receipt} AS own_receipt, f.first_loaded
                 FROM quality_parts AS p
                 JOIN senders AS s ON s.{PROVINCE_COLUMN} IS NOT DISTINCT FROM p.{PROVINCE_COLUMN} AND s.grp = p.grp
                 LEFT JOIN first_loads AS f
                   ON f.{PROVINCE_COLUMN} IS NOT DISTINCT FROM p.{PROVINCE_COLUMN} AND f.case_id = p.case_id
                  AND f.{PART_COLUMN} = p.{PART_COLUMN})
             SELECT agency, count(*), count(*) FILTER (WHERE senders = 1),
                    quantile_cont((epoch_us(first_loaded) - epoch_us(own_receipt)) / 1000000.0 / 86400.0, 0.5)
                        FILTER (WHERE own_receipt >= CAST(?2 AS TIMESTAMP) AND own_receipt < CAST(?3 AS TIMESTAMP)
                                AND first_loaded IS NOT NULL),
                    count(*) FILTER (WHERE own_receipt >= CAST(?2 AS TIMESTAMP) AND own_receipt < CAST(?3 AS TIMESTAMP)
                                     AND first_loaded IS NOT NULL)
             FROM timed GROUP BY agency"
        );
        let mut stmt = conn.prepare(&sql).map_err(fail)?;
        let mut rows: Vec<AgencyParts> = stmt
            .query_map(
                params![
                    known,
                    time(request.period.start_moment()),
                    time(request.period.end_moment())
                ],
                |r| {
                    Ok(AgencyParts {
                        agency: r.get(0)?,
                        parts: r.get::<_, i64>(1)?.max(0) as u64,
                        alone: r.get::<_, i64>(2)?.max(0) as u64,
                        days_to_load: r.get(3)?,
                        received_in_period: r.get::<_, i64>(4)?.max(0) as u64,
                    })
                },
            )
            .map_err(fail)?
            .collect::<std::result::Result<_, _>>()
            .map_err(fail)?;
        rows.sort_by_key(|a| code_order(&a.agency));
        Ok(rows)
    }

    /// Every case of the period whose parts give two different values of a column: the
    /// case, the column and the two agencies, in order.
    fn disagreement_list(&self) -> Result<Vec<DisagreementAt>> {
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("disagreements between parts: {e}"));
        let compared = Kind::Cases
            .columns()
            .iter()
            .map(|c| c.name)
            .filter(|c| *c != "case_id" && *c != PART_COLUMN)
            .map(|c| {
                format!("CASE WHEN a.{c} IS NOT NULL AND b.{c} IS NOT NULL AND a.{c} <> b.{c} THEN '{c}' END")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT DISTINCT assembled_id, column_name, agency_a, agency_b FROM (
                 SELECT a.assembled_id,
                        least(a.{PART_COLUMN}, b.{PART_COLUMN}) AS agency_a,
                        greatest(a.{PART_COLUMN}, b.{PART_COLUMN}) AS agency_b,
                        unnest(list_filter([{compared}], lambda c: c IS NOT NULL)) AS column_name
                 FROM quality_parts AS a JOIN quality_parts AS b
                   ON a.{PROVINCE_COLUMN} IS NOT DISTINCT FROM b.{PROVINCE_COLUMN} AND a.grp = b.grp
                  AND a.{PART_COLUMN} || chr(31) || a.case_id < b.{PART_COLUMN} || chr(31) || b.case_id)
             ORDER BY ALL"
        );
        let mut stmt = conn.prepare(&sql).map_err(fail)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DisagreementAt {
                    case_id: r.get(0)?,
                    column: r.get(1)?,
                    agency_a: r.get(2)?,
                    agency_b: r.get(3)?,
                })
            })
            .map_err(fail)?
            .collect::<std::result::Result<_, _>>()
            .map_err(fail)?;
        Ok(rows)
    }

    /// The period's assembled cases breaking a row rule of the contract (each of their
    /// parts kept it), by rule, under the rule names validation uses.
    fn rule_breaks(&self) -> Result<Vec<(String, u64)>> {
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("rules of the assembled cases: {e}"));
        let any = |tests: Vec<String>| format!("({})", tests.join(" OR "));
        let before_receipt = any(CASE_STAGES.iter().map(|s| format!("{s} < received_at")).collect());
        let closed_early = any(CASE_STAGES
            .iter()
            .filter(|s| **s != "closed_at")
            .map(|s| format!("closed_at < {s}"))
            .collect());
        let unpaired = any(CASE_PAIRS
            .iter()
            .map(|(a, b)| format!("(({a} IS NULL) <> ({b} IS NULL))"))
            .collect());
        let sql = format!(
            "SELECT count(*) FILTER (WHERE {before_receipt}),
                    count(*) FILTER (WHERE criminal_decision_at < police_received_at),
                    count(*) FILTER (WHERE {closed_early}),
                    count(*) FILTER (WHERE {unpaired})
             FROM quality_cohort"
        );
        let counts: [i64; 4] = conn
            .query_row(&sql, [], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]))
            .map_err(fail)?;
        Ok([
            "stage-before-receipt",
            "decision-before-police",
            "closed-before-stage",
            "paired-columns",
        ]
        .iter()
        .zip(counts)
        .map(|(rule, n)| (rule.to_string(), n.max(0) as u64))
        .collect())
    }

    /// The whole's assembled cases lacking a column the contract requires.
    fn incomplete_cases(&self) -> Result<u64> {
        let required = Kind::Cases
            .columns()
            .iter()
            .filter(|c| c.required)
            .map(|c| format!("{} IS NULL", c.name))
            .collect::<Vec<_>>()
            .join(" OR ");
        let count: i64 = self
            .store
            .conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM {} WHERE {PROVINCE_COLUMN} IN (SELECT province_code FROM reach_sources) AND ({required})",
                    self.store.assembled_table()
                ),
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.error(format!("incomplete cases: {e}")))?;
        Ok(count.max(0) as u64)
    }

    /// Links naming a part of the period's cases, by basis; and the links of the whole
    /// naming an id no part in the store has (yet).
    fn links_quality(&self) -> Result<(Vec<(String, u64)>, u64)> {
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("links: {e}"));
        let mut stmt = conn
            .prepare(&format!(
                "SELECT basis, count(*) FROM case_links AS l
                 WHERE EXISTS (SELECT 1 FROM quality_parts AS p
                               WHERE p.{PROVINCE_COLUMN} IS NOT DISTINCT FROM l.{PROVINCE_COLUMN}
                                 AND p.case_id IN (l.case_id, l.linked_case_id))
                 GROUP BY basis"
            ))
            .map_err(fail)?;
        let mut by_basis: Vec<(String, u64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
            .map_err(fail)?
            .collect::<std::result::Result<_, _>>()
            .map_err(fail)?;
        by_basis.sort_by_key(|(basis, _)| {
            crate::model::LINK_BASES
                .iter()
                .position(|b| b == basis)
                .unwrap_or(usize::MAX)
        });
        let waiting: i64 = conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM case_links AS l
                     WHERE l.{PROVINCE_COLUMN} IN (SELECT province_code FROM reach_sources)
                       AND (NOT EXISTS (SELECT 1 FROM {PARTS_VIEW} AS p WHERE p.{PROVINCE_COLUMN} IS NOT DISTINCT FROM l.{PROVINCE_COLUMN} AND p.case_id = l.case_id)
                         OR NOT EXISTS (SELECT 1 FROM {PARTS_VIEW} AS p WHERE p.{PROVINCE_COLUMN} IS NOT DISTINCT FROM l.{PROVINCE_COLUMN} AND p.case_id = l.linked_case_id))"
                ),
                [],
                |r| r.get(0),
            )
            .map_err(fail)?;
        Ok((by_basis, waiting.max(0) as u64))
    }

    /// Pairs of unlinked cases, at least one of the period, that no agency sent both of,
    /// with the same area, sex and form of abuse, ages equal or one apart (or blank),
    /// received within 7 days of each other.
    fn possible_duplicates(&self, request: &Request) -> Result<Vec<PossibleDuplicate>> {
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("possible duplicates: {e}"));
        let time = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
        let sql = format!(
            "WITH senders AS (
                 SELECT p.{PROVINCE_COLUMN}, p.assembled_id AS case_id, list(DISTINCT p.{PART_COLUMN}) AS senders
                 FROM quality_parts_with_case AS p GROUP BY ALL),
             near AS MATERIALIZED (
                 SELECT c.{PROVINCE_COLUMN}, c.case_id, c.area_code, c.victim_sex, c.abuse_type,
                        CAST(c.victim_age AS INTEGER) AS victim_age, c.received_at, s.senders,
                        epoch_us(c.received_at) AS received_us,
                        CAST(fdiv(epoch_us(c.received_at), {WINDOW_US}) AS BIGINT) AS window_index
                 FROM cases AS c
                 JOIN senders AS s ON s.{PROVINCE_COLUMN} IS NOT DISTINCT FROM c.{PROVINCE_COLUMN} AND s.case_id = c.case_id
                 WHERE c.received_at >= CAST(?1 AS TIMESTAMP) - INTERVAL {DUPLICATE_DAYS} DAY
                   AND c.received_at < CAST(?2 AS TIMESTAMP) + INTERVAL {DUPLICATE_DAYS} DAY),
             -- Each cohort case beside the three windows (of the window's length) its pairs
             -- can lie in: receipts at most the window apart are in the same or the next
             -- window, so the join is by equal keys and compares only near receipts.
             cohort AS (SELECT n.*, n.window_index + shift.windows AS probe
                        FROM near AS n, (VALUES (-1), (0), (1)) AS shift(windows)
                        WHERE EXISTS (SELECT 1 FROM quality_cohort AS q
                                      WHERE q.{PROVINCE_COLUMN} IS NOT DISTINCT FROM n.{PROVINCE_COLUMN} AND q.case_id = n.case_id))
             SELECT DISTINCT least(a.case_id, b.case_id), greatest(a.case_id, b.case_id),
                    CASE WHEN a.victim_age IS NULL OR b.victim_age IS NULL THEN 'blank'
                         WHEN a.victim_age = b.victim_age THEN 'equal' ELSE 'one_apart' END,
                    CASE WHEN CAST(a.received_at AS DATE) = CAST(b.received_at AS DATE) THEN 'same_day'
                         ELSE 'within_7_days' END
             FROM cohort AS a JOIN near AS b
               ON a.{PROVINCE_COLUMN} IS NOT DISTINCT FROM b.{PROVINCE_COLUMN} AND a.area_code = b.area_code
              AND a.victim_sex = b.victim_sex AND a.abuse_type = b.abuse_type AND a.case_id <> b.case_id
              AND b.window_index = a.probe
             -- Plain comparisons first, which DuckDB then tests first: a pair of the
             -- windows is most often too far apart in time or age, and comparing the
             -- senders' lists costs the most.
             WHERE b.received_us BETWEEN a.received_us - {WINDOW_US} AND a.received_us + {WINDOW_US}
               AND (a.victim_age IS NULL OR b.victim_age IS NULL
                    OR b.victim_age BETWEEN a.victim_age - 1 AND a.victim_age + 1)
               AND NOT list_has_any(a.senders, b.senders)
             ORDER BY 1, 2"
        );
        let mut stmt = conn.prepare(&sql).map_err(fail)?;
        let rows = stmt
            .query_map(
                params![
                    time(request.period.start_moment()),
                    time(request.period.end_moment())
                ],
                |r| {
                    Ok(PossibleDuplicate {
                        case_id: r.get(0)?,
                        other_case_id: r.get(1)?,
                        age: match r.get::<_, String>(2)?.as_str() {
                            "blank" => "blank",
                            "equal" => "equal",
                            _ => "one_apart",
                        },
                        received: match r.get::<_, String>(3)?.as_str() {
                            "same_day" => "same_day",
                            _ => "within_7_days",
                        },
                    })
                },
            )
            .map_err(fail)?
            .collect::<std::result::Result<_, _>>()
            .map_err(fail)?;
        Ok(rows)
    }
}

/// The listing summed: cases by column and agency pair, in column (contract) order.
fn summed_disagreements(list: &[DisagreementAt]) -> Vec<Disagreement> {
    let mut summed: std::collections::BTreeMap<(usize, String, String, String), u64> =
        std::collections::BTreeMap::new();
    for d in list {
        let order = Kind::Cases
            .columns()
            .iter()
            .position(|c| c.name == d.column)
            .unwrap_or(usize::MAX);
        *summed
            .entry((order, d.column.clone(), d.agency_a.clone(), d.agency_b.clone()))
            .or_default() += 1;
    }
    summed
        .into_iter()
        .map(|((_, column, agency_a, agency_b), cases)| Disagreement {
            column,
            agency_a,
            agency_b,
            cases,
        })
        .collect()
}

/// A source agency's place in the contract's order (OFFICE last).
fn code_order(agency: &str) -> usize {
    crate::model::SOURCE_AGENCIES
        .iter()
        .position(|a| *a == agency)
        .unwrap_or(usize::MAX)
}
