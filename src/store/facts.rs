//! The case facts a request's indicators read (`case_facts`), and the facts the
//! connection keeps so that the requests of one command compute them once (issue 34).
//!
//! A case's facts (its deadlines under the rule of its day, its age band, whether the
//! child-protection agency received it) depend on the case and the state of the store
//! read, not on the whole that reports it nor on the period asked: the area a whole
//! reports a case under is applied on top (`case_facts` joins `reach_sources`), and
//! every indicator selects its own members by the period and as-of bound to it (a test
//! computes each both over the request's scope and over every case). So facts computed
//! for the provinces of a nation serve each province's request, and facts computed for
//! every case serve every period: a report (many periods, every whole of the public
//! pattern) computes them once per state of the store it reads, for the cases any of its
//! periods can need: those of its moments' horizon.

use std::collections::BTreeSet;

use super::session::{bind_moments, CaseScope, Session};
use crate::error::Result;
use crate::results::Request;

/// How many sets of facts a connection keeps: a report reads the store as it stands and,
/// for its revisions, as known at an earlier load, and goes back and forth.
const KEPT: usize = 2;

/// Which cases a kept set of facts holds.
#[derive(Debug, Clone, PartialEq)]
enum Window {
    /// The cases of its provinces any request whose moments are at most this one can
    /// need (`queries/case_scope.sql` selects by moments before its period's end and
    /// as-of): received, received by the police or decided by the police before it.
    Until(chrono::NaiveDateTime),
    /// The cases one request's scope selects (`queries/case_scope.sql` or
    /// `cohort_scope.sql`) with its moments bound.
    Request {
        cohort_only: bool,
        moments: [chrono::NaiveDateTime; 3],
    },
}

impl Window {
    fn of(scope: CaseScope, request: &Request, horizon: Option<chrono::NaiveDateTime>) -> Window {
        if let Some(until) = horizon.filter(|until| within(request, *until)) {
            return Window::Until(until);
        }
        Window::Request {
            cohort_only: scope == CaseScope::Cohort,
            moments: request.moments(),
        }
    }

    /// Whether the cases of `self` include those of `wanted` (a request's scope holds
    /// its cohort).
    fn holds(&self, wanted: &Window) -> bool {
        match (self, wanted) {
            (Window::Until(until), Window::Until(wanted)) => wanted <= until,
            (Window::Until(until), Window::Request { moments, .. }) => {
                moments[1] <= *until && moments[2] <= *until
            }
            (Window::Request { .. }, Window::Until(_)) => false,
            (
                Window::Request { cohort_only, moments },
                Window::Request {
                    cohort_only: wanted_cohort_only,
                    moments: wanted_moments,
                },
            ) => moments == wanted_moments && (!cohort_only || *wanted_cohort_only),
        }
    }
}

/// One set of facts the connection keeps: the temporary table that holds it and what it
/// holds.
#[derive(Debug, Clone)]
pub(super) struct KeptFacts {
    table: String,
    /// The state of the store read: the load it was read as known after (None: as it
    /// stands) and the last load it had.
    state: (Option<i64>, i64),
    window: Window,
    provinces: BTreeSet<String>,
}

/// Whether `request`'s moments are all at most `until`.
fn within(request: &Request, until: chrono::NaiveDateTime) -> bool {
    request.latest_moment() <= until
}

/// The facts a connection keeps, most recently used last, and the state of the store
/// whose requests to come ask for many periods (the load it is known after; None: as it
/// stands), with the latest of their moments.
#[derive(Debug, Default)]
pub(super) struct FactsKept {
    sets: Vec<KeptFacts>,
    many_periods_of: Option<(Option<i64>, chrono::NaiveDateTime)>,
}

impl super::Store {
    /// Tells the store that the requests to come ask for many periods of the state
    /// `known` reads (a report, its trends and years; a comparison and its trend), none
    /// with a moment (period end or as-of) after `until`: the case facts of that state
    /// are then computed once, for every case such a request can need, instead of once
    /// per period. Another state (a revision's earlier one), or a request beyond
    /// `until`, has one period's.
    pub fn expect_many_periods(&self, known: Option<i64>, until: chrono::NaiveDateTime) {
        self.facts.borrow_mut().many_periods_of = Some((known, until));
    }

    /// The state of the store the connection reads, as the kept facts and the staging
    /// objects name it.
    pub(super) fn facts_state(&self) -> Result<(Option<i64>, i64)> {
        let last_load = if self.is_parquet {
            0
        } else {
            self.conn
                .query_row("SELECT coalesce(max(load_id), 0) FROM load_log", [], |r| r.get(0))
                .map_err(|e| self.error(e))?
        };
        Ok((self.known.get(), last_load))
    }
}

impl Session<'_> {
    /// Whether the facts of the state this session reads are kept for many periods
    /// (the store was told to expect them) and hold the cases of every one of
    /// `requests`, so that one `case_facts` serves them all.
    pub fn reads_facts_for(&self, requests: &[&Request]) -> bool {
        self.horizon()
            .is_some_and(|until| requests.iter().all(|r| within(r, until)))
    }

    /// The latest moment of the many periods expected of the state this session reads.
    fn horizon(&self) -> Option<chrono::NaiveDateTime> {
        match self.store.facts.borrow().many_periods_of {
            Some((known, until)) if known == self.store.known.get() => Some(until),
            _ => None,
        }
    }

    /// Makes `case_facts` hold the cases `request` can need (see [`CaseScope`]), for
    /// `readers` queries, each under its area as the request's whole reports it. The
    /// facts are computed once into a kept table when several queries read them (or
    /// taken from one kept before that holds them); for one or two, `case_facts` stays a
    /// view, so each query computes only the facts it uses (a case count needs no
    /// deadline).
    pub fn scope(&self, request: &Request, scope: CaseScope, readers: usize) -> Result<()> {
        let sources = self.reach(&request.period)?.sources;
        self.scope_sources(request, &sources, scope, readers)
    }

    /// [`Session::scope`] for the requests of several wholes at once: `case_facts` (and the
    /// content rows) hold every row of `provinces` under its area as coded, for each
    /// whole's member groups to be taken from them (`indicators::reached`).
    pub fn scope_provinces(
        &self,
        request: &Request,
        provinces: &BTreeSet<String>,
        scope: CaseScope,
        readers: usize,
    ) -> Result<()> {
        let sources: Vec<(String, Option<String>)> =
            provinces.iter().map(|code| (code.clone(), None)).collect();
        self.write_reach_sources(&sources)?;
        self.scope_sources(request, &sources, scope, readers)
    }

    /// `case_facts` for the moments of `request` over the rows of `sources` (written in
    /// `reach_sources`), each under the area its source reports it as.
    fn scope_sources(
        &self,
        request: &Request,
        sources: &[(String, Option<String>)],
        scope: CaseScope,
        readers: usize,
    ) -> Result<()> {
        let provinces: BTreeSet<String> = sources.iter().map(|(code, _)| code.clone()).collect();
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("case facts: {e}"));
        self.drop_temporary("case_facts")?;
        self.drop_temporary("fact_cases")?;
        if scope == CaseScope::All {
            self.select_every_case()?;
            return self.facts_computed_by_each_query();
        }
        let state = self.store.facts_state()?;
        let window = Window::of(scope, request, self.horizon());
        let kept = self.kept_facts(state, &window, &provinces);
        if kept.is_none() && readers <= 2 {
            self.select_cases(request, &window)?;
            return conn
                .execute_batch(&facts_as_reached("facts_of_fact_cases", sources, &provinces))
                .map_err(fail);
        }
        let (table, of_provinces) = match kept {
            Some(kept) => kept,
            None => self
                .keep_facts(
                    request,
                    KeptFacts {
                        table: String::new(),
                        state,
                        window,
                        provinces: provinces.clone(),
                    },
                )
                .map(|table| (table, provinces))?,
        };
        conn.execute_batch(&facts_as_reached(&table, sources, &of_provinces))
            .map_err(fail)
    }

    /// Makes `fact_cases` every case of the provinces reached.
    pub(super) fn select_every_case(&self) -> Result<()> {
        self.store
            .conn
            .execute_batch(&format!("CREATE TEMP VIEW fact_cases AS {EVERY_CASE}"))
            .map_err(|e| self.error(format!("case facts: {e}")))
    }

    /// Makes `case_facts` the facts of `fact_cases`, each computed as a query reads it.
    pub(super) fn facts_computed_by_each_query(&self) -> Result<()> {
        self.store
            .conn
            .execute_batch(&reported_facts("facts_of_fact_cases"))
            .map_err(|e| self.error(format!("case facts: {e}")))
    }

    /// The table of kept facts that holds `window`'s cases of `provinces` in `state`, and
    /// the provinces it holds, marked as the most recently used.
    fn kept_facts(
        &self,
        state: (Option<i64>, i64),
        window: &Window,
        provinces: &BTreeSet<String>,
    ) -> Option<(String, BTreeSet<String>)> {
        let mut kept = self.store.facts.borrow_mut();
        let at = kept.sets.iter().position(|set| {
            set.state == state && set.window.holds(window) && provinces.is_subset(&set.provinces)
        })?;
        let set = kept.sets.remove(at);
        let found = (set.table.clone(), set.provinces.clone());
        kept.sets.push(set);
        Some(found)
    }

    /// Computes the facts `wanted` describes into a table kept in the place of the least
    /// recently used one; its name.
    fn keep_facts(&self, request: &Request, mut wanted: KeptFacts) -> Result<String> {
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("case facts: {e}"));
        let slot = {
            let mut kept = self.store.facts.borrow_mut();
            if kept.sets.len() >= KEPT {
                kept.sets.remove(0).table
            } else {
                (0..KEPT)
                    .map(|i| format!("kept_case_facts_{i}"))
                    .find(|name| kept.sets.iter().all(|set| set.table != *name))
                    .unwrap_or_else(|| "kept_case_facts_0".to_string())
            }
        };
        let mut clock = crate::Stopwatch::start();
        self.select_cases(request, &wanted.window)?;
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS temp.main.{slot}; \
             CREATE TEMP TABLE {slot} AS SELECT * FROM facts_of_fact_cases"
        ))
        .map_err(fail)?;
        // The selected cases are read: every case takes their place again.
        self.drop_temporary("fact_cases")?;
        self.select_every_case()?;
        clock.lap(&format!(
            "case facts computed in {} ({:?}, provinces {:?}, as known after load {:?})",
            self.store.path().display(),
            wanted.window,
            wanted.provinces,
            wanted.state.0
        ));
        wanted.table = slot.clone();
        self.store.facts.borrow_mut().sets.push(wanted);
        Ok(slot)
    }

    /// Makes `fact_cases` the cases of the reached provinces that `window` selects.
    fn select_cases(&self, request: &Request, window: &Window) -> Result<()> {
        let conn = &self.store.conn;
        let fail = |e: duckdb::Error| self.error(format!("case facts: {e}"));
        let sql = match window {
            Window::Until(until) => {
                return conn
                    .execute(&format!("CREATE TEMP TABLE fact_cases AS {CASES_UNTIL}"), [until])
                    .map(drop)
                    .map_err(fail)
            }
            Window::Request {
                cohort_only: true, ..
            } => crate::catalog::COHORT_SCOPE_SQL,
            Window::Request { .. } => crate::catalog::CASE_SCOPE_SQL,
        };
        let mut stmt = conn.prepare(sql).map_err(fail)?;
        let values = bind_moments(&stmt, request)?;
        stmt.execute(duckdb::params_from_iter(values)).map_err(fail)?;
        Ok(())
    }
}

/// Every case of the provinces reached, under its area as coded.
const EVERY_CASE: &str =
    "SELECT * FROM cases WHERE province_code IN (SELECT province_code FROM reach_sources)";

/// The cases of [`Window::Until`] the moment bound.
const CASES_UNTIL: &str = "SELECT * FROM cases \
     WHERE province_code IN (SELECT province_code FROM reach_sources) \
       AND (received_at < $1 OR police_received_at < $1 OR criminal_decision_at < $1)";

/// `case_facts` as the facts of `source` under the areas the whole reports them as.
fn reported_facts(source: &str) -> String {
    format!(
        "CREATE TEMP VIEW case_facts AS \
         SELECT f.* REPLACE (coalesce(r.reported_as, f.area_code) AS area_code) \
         FROM {source} AS f JOIN reach_sources AS r ON r.province_code = f.province_code"
    )
}

/// [`reported_facts`] for a request that reaches `sources` from facts of the cases of
/// `provinces`: as simple a view as the request allows, since every indicator query is
/// planned over it (a whole that reports its cases under their own areas needs no join,
/// and one that reaches every province of the facts no filter).
fn facts_as_reached(
    source: &str,
    sources: &[(String, Option<String>)],
    provinces: &BTreeSet<String>,
) -> String {
    if sources.iter().any(|(_, reported_as)| reported_as.is_some()) {
        return reported_facts(source);
    }
    let reached = sources.iter().map(|(code, _)| code);
    if provinces.iter().eq(reached.collect::<BTreeSet<_>>()) {
        format!("CREATE TEMP VIEW case_facts AS SELECT * FROM {source}")
    } else {
        format!(
            "CREATE TEMP VIEW case_facts AS SELECT * FROM {source} \
             WHERE province_code IN (SELECT province_code FROM reach_sources)"
        )
    }
}
