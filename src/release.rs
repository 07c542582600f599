//! One suppression pattern per period over every whole the store can report
//! (indicators.md v3, "Every release of a period at once"; issue 32).
//!
//! A period is published for several wholes: the nation, each province, a merged
//! province (before its merger, the sum of its predecessors) and each predecessor. Each
//! release alone hides its small counts, but read together they give them back: the
//! nation less the other provinces, the merged province less one predecessor, a
//! district hidden by one whole's secondary suppression and shown by another's. So the
//! pattern is decided once for the period over the whole hierarchy: every whole's counts
//! in one [`Table`], a district being the same cell in every release that shows it, with
//! the relations a reader knows (each whole is the sum of its areas and of each
//! breakdown's values; the nation the sum of its provinces, a merged province the sum of
//! its predecessors, value by value; nested quantities) and the audit over all of them.
//! Every public release of the period then hides what the pattern hides.
//!
//! A whole's total is keyed by the province's row (its code and the day it began), not
//! its code alone: Quảng Trị took Quảng Bình's code 44 on 1 July 2025, so "44" of 2025Q1
//! is Quảng Bình in the nation's release and the two former provinces summed in the
//! merged province's.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use crate::catalog::{self, Indicator};
use crate::disclosure::{Audit, CellKey, Hidden, Table};
use crate::error::{Error, Result};
use crate::indicators;
use crate::period::Period;
use crate::results::{Completeness, Quality, Request, TidyRow, Top, NATION_CODE};
use crate::store::reach::{Province, Provinces, Reach};
use crate::store::{Session, Store};

/// One whole of the store for a period, and its rows for every indicator (every value).
struct Whole {
    reach: Reach,
    rows: Vec<TidyRow>,
}

/// The period's pattern: what every public release of it hides.
pub struct Pattern {
    request: Request,
    provinces: Provinces,
    hidden: Hidden,
    audit: Audit,
    /// Each whole's rows (every value), by its key.
    rows: BTreeMap<String, Vec<TidyRow>>,
    /// The indicators the pattern was decided with.
    indicators: Vec<Indicator>,
    /// Every count recorded, for the office's audit.
    counts: HashMap<(String, CellKey), f64>,
}

/// The key of a province's whole: its code, and the day it began where it has one (a
/// code reused by a merger names two provinces).
fn province_key(p: &Province) -> String {
    match p.valid_from {
        Some(day) => format!("{}@{day}", p.code),
        None => p.code.clone(),
    }
}

/// A day on which `p` is valid, to name it with [`Top::Province`].
fn day_of(p: &Province, request: &Request) -> chrono::NaiveDate {
    p.valid_from.unwrap_or_else(|| {
        let end = request.period.end();
        p.valid_to.map_or(end, |to| to.min(end))
    })
}

/// The data-quality counts that add up over a whole's parts, by name (the quarantine is
/// the store's, the same in every release, and protected by the threshold alone).
fn quality_counts(q: &Quality) -> [(&'static str, u64); 3] {
    [
        ("invalid_orders", q.invalid_orders),
        ("late_records", q.late_records),
        ("superseded_agency_rows", q.superseded_agency_rows),
    ]
}

/// The quantity of a completeness count: its cells are the whole's cases, those with
/// the column filled and those without.
fn completeness_quantity(c: &Completeness) -> String {
    format!("quality.{}.{}", c.kind, c.column)
}

/// The wholes `reach` (keyed `key`) is the sum of, value by value: the nation's
/// provinces, a merged province's predecessors before its merger; none otherwise.
fn parts_of(reach: &Reach, key: &str) -> Vec<String> {
    reach
        .parts_on_last_day
        .iter()
        .map(|(p, _)| province_key(p))
        .filter(|k| reach.nation || k != key)
        .collect()
}

/// The wholes a period can be reported for: the nation, and every province not ended
/// before the period's last day (a merged province's earlier periods are its
/// predecessors' sum; a predecessor is reported within its lifetime).
fn wholes_of(provinces: &Provinces, request: &Request) -> Vec<Top> {
    let end = request.period.end();
    let mut tops = vec![Top::Nation];
    for p in &provinces.rows {
        if p.valid_to.is_none_or(|to| to >= end) {
            tops.push(Top::Province {
                code: p.code.clone(),
                on: Some(day_of(p, request)),
            });
        }
    }
    tops
}

/// Computes ahead the figures that the requests of `asks` (periods of one use case: a
/// report, a comparison's trend) will read, with one query per indicator and whole for
/// all the periods (`indicators::compute_ahead`): for the public, the figures of every
/// whole of each period's pattern (the catalog's indicators, as [`Pattern::decide`]
/// reads them), and each period's pattern ([`Pattern::decide_each`]); for the office,
/// the indicators asked. How many figures were computed.
pub fn compute_ahead(store: &Store, asks: &[indicators::ahead::Ask]) -> Result<usize> {
    if !asks
        .first()
        .is_some_and(|(request, _)| request.audience.is_public())
    {
        return indicators::compute_ahead(store, asks);
    }
    let catalog = catalog::indicators().map_err(Error::Catalog)?;
    let mut wholes = Vec::new();
    for (request, _) in asks {
        for (top, _) in reached_wholes(&Session::new(store, request)?.provinces()?, request) {
            wholes.push((request.of(top), catalog.clone()));
        }
    }
    let computed = indicators::compute_ahead(store, &wholes)?;
    // Each period's pattern too, the periods at once: every public figure asked reads
    // its period's pattern.
    let periods: Vec<Request> = asks.iter().map(|(request, _)| request.clone()).collect();
    Pattern::decide_each(store, &periods)?;
    Ok(computed)
}

/// The wholes of `request`'s period that the store's provinces reach, with their reach.
fn reached_wholes(provinces: &Provinces, request: &Request) -> Vec<(Top, Reach)> {
    wholes_of(provinces, request)
        .into_iter()
        .filter_map(|top| {
            let reach = provinces.reach(&top, &request.period).ok()?;
            Some((top, reach))
        })
        .collect()
}

/// One whole of a period's family of releases, as [`Pattern::family`] gives it.
pub struct FamilyWhole {
    /// How to ask the store for it.
    pub top: Top,
    /// Its code in its own release.
    pub code: String,
    /// Its key in the family's table.
    pub key: String,
    /// The wholes it is the sum of (a nation, a merged province before its merger).
    pub parts: Vec<String>,
    /// Province codes of its release to their keys (an area under its own code else).
    keyed: HashMap<String, String>,
}

impl FamilyWhole {
    /// The family's key of an area code of this whole's release.
    pub fn key_of_area(&self, code: &str) -> String {
        self.keyed.get(code).cloned().unwrap_or_else(|| code.to_string())
    }
}

/// What a decided pattern is kept under: the store, as read (its known-at load), the
/// period and moment, the indicators.
type DecidedKey = (u64, Option<i64>, String, Vec<String>);

/// The patterns decided in this process ([`Pattern::decide_with`]).
static DECIDED: Mutex<Option<HashMap<DecidedKey, Arc<Pattern>>>> = Mutex::new(None);

fn decided_key(store: &Store, indicators: &[Indicator], request: &Request) -> DecidedKey {
    (
        store.instance(),
        request.known,
        format!("{:?} {}", request.period, request.as_of),
        indicators.iter().map(|i| i.id.clone()).collect(),
    )
}

fn remembered(key: &DecidedKey) -> Option<Arc<Pattern>> {
    DECIDED.lock().ok().and_then(|d| d.as_ref()?.get(key).cloned())
}

fn remember(key: DecidedKey, pattern: Arc<Pattern>) {
    if let Ok(mut decided) = DECIDED.lock() {
        let decided = decided.get_or_insert_with(HashMap::new);
        // A few dozen periods at most in one command; a long-lived process keeps no
        // more than that.
        if decided.len() >= 64 {
            decided.clear();
        }
        decided.insert(key, pattern);
    }
}

/// A period's pattern read from the store and not yet solved ([`Pattern::undecided`]).
struct Undecided {
    pattern: Pattern,
    table: Table,
}

impl Undecided {
    /// Solves the table: every release is audited exactly (indicators.md v3, "Audit"):
    /// bounds propagated along every relation, then each hidden count's interval by
    /// linear programming, suppression widened until none is pinned to 1-4. The
    /// intervals are kept for the office's `baove audit` only.
    fn decide(self, audited: bool) -> Pattern {
        let mut pattern = self.pattern;
        let (hidden, audit) = self.table.solve_audited();
        pattern.hidden = hidden;
        pattern.audit = if audited { audit } else { Audit::default() };
        pattern
    }
}

impl Pattern {
    /// Decides the pattern of `request`'s period: every whole's counts of every
    /// indicator of the catalog, one table, one solution with its audit.
    pub fn decide(store: &Store, request: &Request) -> Result<Arc<Pattern>> {
        let indicators = catalog::indicators().map_err(Error::Catalog)?;
        Pattern::decide_with(store, &indicators, request)
    }

    /// [`Pattern::decide`] with the given indicators (tests and given catalogs). A
    /// pattern is kept for the store it was decided on, as the store was read (its
    /// known-at load): a report asks for the same period's pattern for its sheets, its
    /// dashboard, its comparison and its revisions, and gets the one pattern.
    pub fn decide_with(store: &Store, indicators: &[Indicator], request: &Request) -> Result<Arc<Pattern>> {
        let key = decided_key(store, indicators, request);
        if let Some(found) = remembered(&key) {
            return Ok(found);
        }
        let pattern = Arc::new(Pattern::decide_now(store, indicators, request, false)?);
        remember(key, pattern.clone());
        Ok(pattern)
    }

    /// The pattern with the audit's intervals, for the office (`baove audit`); not kept.
    pub fn audited(store: &Store, request: &Request) -> Result<Pattern> {
        let indicators = catalog::indicators().map_err(Error::Catalog)?;
        Pattern::decide_now(store, &indicators, request, true)
    }

    fn decide_now(
        store: &Store,
        indicators: &[Indicator],
        request: &Request,
        audited: bool,
    ) -> Result<Pattern> {
        Ok(Pattern::undecided(store, indicators, request)?.decide(audited))
    }

    /// Decides the patterns of every period of `requests` not decided yet (keeping
    /// them, as [`Pattern::decide`] does): the tables are solved on every core at once,
    /// each period's on its own (a report's trend and years are a dozen periods; solving
    /// them was a third of a sample report's time, on one core). The store is read for
    /// each period in turn (one connection), a core's worth of periods at a time: a
    /// nation's table takes hundreds of megabytes while it is solved, so no more tables
    /// are held than are being solved. Each pattern is the one its period decides alone.
    pub fn decide_each(store: &Store, requests: &[Request]) -> Result<()> {
        let indicators = catalog::indicators().map_err(Error::Catalog)?;
        let mut asked: Vec<(DecidedKey, &Request)> = Vec::new();
        for request in requests {
            let key = decided_key(store, &indicators, request);
            if remembered(&key).is_none() && asked.iter().all(|(k, _)| *k != key) {
                asked.push((key, request));
            }
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for some in asked.chunks(cores) {
            let undecided = some
                .iter()
                .map(|(_, request)| Pattern::undecided(store, &indicators, request))
                .collect::<Result<Vec<_>>>()?;
            let decided: Vec<Pattern> = std::thread::scope(|scope| {
                let solving: Vec<_> = undecided
                    .into_iter()
                    .map(|u| scope.spawn(move || u.decide(false)))
                    .collect();
                solving
                    .into_iter()
                    .map(|s| s.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                    .collect()
            });
            for ((key, _), pattern) in some.iter().zip(decided) {
                remember(key.clone(), Arc::new(pattern));
            }
        }
        Ok(())
    }

    /// What deciding `request`'s pattern reads from the store: every whole's figures,
    /// recorded in one table with its relations, not yet solved.
    fn undecided(store: &Store, indicators: &[Indicator], request: &Request) -> Result<Undecided> {
        let provinces = Session::new(store, request)?.provinces()?;
        let (tops, reaches): (Vec<Top>, Vec<Reach>) = reached_wholes(&provinces, request).into_iter().unzip();
        let requests: Vec<Request> = tops.into_iter().map(|top| request.of(top)).collect();
        // Remembered when a report computed its periods ahead (`compute_ahead`).
        let rows = indicators::compute_each(store, indicators, &requests)?;
        let wholes: Vec<Whole> = reaches
            .into_iter()
            .zip(rows)
            .map(|(reach, rows)| Whole { reach, rows })
            .collect();
        let mut pattern = Pattern {
            request: request.clone(),
            provinces,
            hidden: Hidden::default(),
            audit: Audit::default(),
            rows: BTreeMap::new(),
            indicators: indicators.to_vec(),
            counts: HashMap::new(),
        };
        let mut table = Table::new(NATION_CODE);
        let mut counts = HashMap::new();
        let by_id: HashMap<&str, &Indicator> = indicators.iter().map(|i| (i.id.as_str(), i)).collect();
        let computed: Vec<String> = wholes.iter().map(|w| pattern.whole_key(&w.reach)).collect();
        for whole in &wholes {
            let cell_of = pattern.cell_mapper(&whole.reach);
            // Cells in code order within each whole: the order ties are broken in.
            for row in &whole.rows {
                let Some(indicator) = by_id.get(row.indicator_id.as_str()) else {
                    continue;
                };
                let cell = cell_of(row);
                for (quantity, count) in [
                    (indicator.numerator_quantity.quantity(), row.numerator),
                    (indicator.denominator_quantity.quantity(), row.denominator),
                ] {
                    if let (Some(q), Some(n)) = (quantity, count) {
                        table.record(q, &cell, n as f64)?;
                        counts.insert((q.to_string(), cell.clone()), n as f64);
                    }
                }
            }
            pattern.relate_whole(&mut table, whole, &computed);
        }
        for quantity in catalog::quantities().map_err(Error::Catalog)? {
            if let Some(outer) = &quantity.within {
                table.nest(&quantity.id, outer);
            }
        }
        pattern.counts = counts;
        for whole in wholes {
            pattern.rows.insert(pattern.whole_key(&whole.reach), whole.rows);
        }
        Ok(Undecided { pattern, table })
    }

    /// The relations of one whole's release: the whole is the sum of its areas and of
    /// each breakdown's values; a whole of wholes (the nation; a merged province before
    /// its merger) the sum of its parts, value by value, where every part was computed.
    fn relate_whole(&self, table: &mut Table, whole: &Whole, computed: &[String]) {
        let key = self.whole_key(&whole.reach);
        let cell_of = self.cell_mapper(&whole.reach);
        // The whole is the sum of its areas, and of each breakdown's values.
        let total = CellKey::total(&key);
        let mut areas: Vec<CellKey> = Vec::new();
        let mut breakdowns: BTreeMap<&str, Vec<CellKey>> = BTreeMap::new();
        for row in &whole.rows {
            let cell = cell_of(row);
            if cell.area == key {
                if !row.breakdown.is_empty() {
                    breakdowns.entry(row.breakdown.as_str()).or_default().push(cell);
                }
            } else if row.breakdown.is_empty() {
                areas.push(cell);
            }
        }
        areas.sort();
        areas.dedup();
        table.relate(&total, &areas);
        for cells in breakdowns.values_mut() {
            cells.sort();
            cells.dedup();
            table.relate(&total, cells);
        }
        // A whole of wholes (the nation; a merged province before its merger) is the
        // sum of its parts, value by value.
        let parts = parts_of(&whole.reach, &key);
        if !parts.is_empty() && parts.iter().all(|p| computed.contains(p)) {
            let mut cells: Vec<(String, String)> = whole
                .rows
                .iter()
                .filter(|r| cell_of(r).area == key)
                .map(|r| (r.breakdown.clone(), r.breakdown_value.clone()))
                .collect();
            cells.sort();
            cells.dedup();
            for (breakdown, value) in cells {
                let members: Vec<CellKey> = parts
                    .iter()
                    .map(|p| CellKey::new(p, &breakdown, &value))
                    .collect();
                table.relate(&CellKey::new(&key, &breakdown, &value), &members);
            }
        }
    }

    /// The data-quality counts of `top`'s report of the period (its previous period's
    /// late arrivals as known at `previous_as_of`; completeness, stage order and
    /// superseded agencies over the whole's cases), with what the public may not see
    /// marked hidden. Every printed count is a quantity (indicators.md v3): the counts
    /// of every whole of the period are one table, a whole of wholes the sum of its
    /// parts, so that the nation's count less the other provinces' does not give back
    /// one a province's report hides.
    pub fn quality(&self, store: &Store, top: &Top, previous: &Period, public: bool) -> Result<Quality> {
        let of = |top: &Top| Session::new(store, &self.request.of(top.clone()))?.quality(previous);
        if !public {
            return of(top);
        }
        let mut wholes: Vec<(String, Reach, Quality)> = Vec::new();
        for whole in wholes_of(&self.provinces, &self.request) {
            let Ok(reach) = self.provinces.reach(&whole, &self.request.period) else {
                continue;
            };
            let quality = of(&whole)?;
            wholes.push((self.whole_key(&reach), reach, quality));
        }
        let asked_key = self.whole_key(&self.provinces.reach(top, &self.request.period)?);
        let mut asked = match wholes.iter().find(|(key, _, _)| *key == asked_key) {
            Some((_, _, quality)) => quality.clone(),
            None => of(top)?,
        };
        let computed: Vec<String> = wholes.iter().map(|(key, _, _)| key.clone()).collect();
        let mut table = Table::new(NATION_CODE);
        let cells = [("", ""), ("filled", "yes"), ("filled", "no")];
        for (key, reach, q) in &wholes {
            let total = CellKey::total(key);
            for (name, count) in quality_counts(q) {
                table.record(&format!("quality.{name}"), &total, count as f64)?;
            }
            for c in &q.completeness {
                let quantity = completeness_quantity(c);
                let [all, yes, no] = cells.map(|(b, v)| CellKey::new(key, b, v));
                table.record(&quantity, &all, c.total as f64)?;
                table.record(&quantity, &yes, c.filled as f64)?;
                table.record(&quantity, &no, c.total.saturating_sub(c.filled) as f64)?;
            }
            table.relate(
                &total,
                &[
                    CellKey::new(key, "filled", "yes"),
                    CellKey::new(key, "filled", "no"),
                ],
            );
            let parts = parts_of(reach, key);
            if !parts.is_empty() && parts.iter().all(|p| computed.contains(p)) {
                for (b, v) in cells {
                    let members: Vec<CellKey> = parts.iter().map(|p| CellKey::new(p, b, v)).collect();
                    table.relate(&CellKey::new(key, b, v), &members);
                }
            }
        }
        // A whole's number of cases is one count, printed beside every column: hidden
        // for one column, it is hidden for all, and the pattern decided again.
        let columns: Vec<String> = asked.completeness.iter().map(completeness_quantity).collect();
        let mut hidden = table.solve();
        for _ in 0..wholes.len() + 1 {
            let mut more = false;
            for key in &computed {
                let total = CellKey::total(key);
                if columns.iter().any(|q| hidden.contains(q, &total)) {
                    for q in columns.iter().filter(|q| !hidden.contains(q, &total)) {
                        table.force_hidden(q, &total);
                        more = true;
                    }
                }
            }
            if !more {
                break;
            }
            hidden = table.solve();
        }
        let total = CellKey::total(&asked_key);
        let mut names = std::collections::BTreeSet::new();
        for (name, _) in quality_counts(&asked) {
            if hidden.contains(&format!("quality.{name}"), &total) {
                names.insert(name.to_string());
            }
        }
        for c in &asked.completeness {
            let quantity = completeness_quantity(c);
            if hidden.contains(&quantity, &CellKey::new(&asked_key, "filled", "yes")) {
                names.insert(Quality::name(c.kind, c.column, "filled"));
            }
            if hidden.contains(&quantity, &total) {
                names.insert(Quality::name(c.kind, c.column, "rows"));
            }
        }
        asked.hidden = names;
        Ok(asked)
    }

    /// The key of a whole's total cell.
    fn whole_key(&self, reach: &Reach) -> String {
        if reach.nation {
            return NATION_CODE.to_string();
        }
        let end = self.request.period.end();
        // The province reported: the row of its code that the whole was asked for.
        self.provinces
            .rows
            .iter()
            .filter(|p| p.code == reach.code && p.name == reach.name)
            .max_by_key(|p| (p.valid_on(end), p.valid_from))
            .map(province_key)
            .unwrap_or_else(|| reach.code.clone())
    }

    /// The cell of a row of a whole's release, in the pattern's keys: the whole's total
    /// and breakdowns under the whole's key; the nation's areas (provinces) under their
    /// province's key; other areas under their own code.
    fn cell_mapper<'a>(&'a self, reach: &'a Reach) -> impl Fn(&TidyRow) -> CellKey + 'a {
        let area_of = self.area_mapper(reach);
        move |row: &TidyRow| CellKey::new(&area_of(&row.area_code), &row.breakdown, &row.breakdown_value)
    }

    /// The pattern's key of an area code of a whole's release (the whole's own code
    /// included): see [`Pattern::cell_mapper`].
    fn area_mapper<'a>(&'a self, reach: &'a Reach) -> impl Fn(&str) -> String + 'a {
        let key = self.whole_key(reach);
        let end = self.request.period.end();
        let provinces_now: HashMap<String, String> = if reach.nation {
            self.provinces
                .rows
                .iter()
                .filter(|p| p.valid_on(end))
                .map(|p| (p.code.clone(), province_key(p)))
                .collect()
        } else {
            HashMap::new()
        };
        move |code: &str| {
            if code == reach.code {
                key.clone()
            } else {
                provinces_now
                    .get(code)
                    .cloned()
                    .unwrap_or_else(|| code.to_string())
            }
        }
    }

    /// Every whole the period is published for, as the pattern keys them, with a
    /// function from each one's area codes to the pattern's keys: for another table
    /// of the same family (the revisions), decided over every whole at once.
    pub fn family(&self) -> Vec<FamilyWhole> {
        let mut wholes: Vec<(Top, Reach, String)> = Vec::new();
        for top in wholes_of(&self.provinces, &self.request) {
            if let Ok(reach) = self.provinces.reach(&top, &self.request.period) {
                let key = self.whole_key(&reach);
                wholes.push((top, reach, key));
            }
        }
        let keys: Vec<String> = wholes.iter().map(|(_, _, key)| key.clone()).collect();
        wholes
            .into_iter()
            .map(|(top, reach, key)| {
                let parts = parts_of(&reach, &key);
                let parts = if parts.iter().all(|p| keys.contains(p)) {
                    parts
                } else {
                    Vec::new()
                };
                let area_of = self.area_mapper(&reach);
                let mut keyed: HashMap<String, String> = HashMap::new();
                keyed.insert(reach.code.clone(), key.clone());
                for p in &self.provinces.rows {
                    keyed.insert(p.code.clone(), area_of(&p.code));
                }
                FamilyWhole {
                    top,
                    code: reach.code.clone(),
                    key,
                    parts,
                    keyed,
                }
            })
            .collect()
    }

    /// The pattern's key of `top`'s whole.
    pub fn key_of(&self, top: &Top) -> Result<String> {
        Ok(self.whole_key(&self.provinces.reach(top, &self.request.period)?))
    }

    /// What the audit found and did.
    pub fn audit(&self) -> &Audit {
        &self.audit
    }

    /// The keys of the wholes the pattern was decided over.
    pub fn wholes(&self) -> Vec<String> {
        self.rows.keys().cloned().collect()
    }

    /// The count of `quantity` in `cell` (in the pattern's keys), for the office.
    pub fn count(&self, quantity: &str, cell: &CellKey) -> Option<f64> {
        self.counts.get(&(quantity.to_string(), cell.clone())).copied()
    }

    /// The public release of `top` for the period: its rows of `indicators`, with what
    /// the pattern hides suppressed. The rows are those the pattern was decided on.
    pub fn release(&self, top: &Top, indicators: &[Indicator]) -> Result<Vec<TidyRow>> {
        let reach = self.provinces.reach(top, &self.request.period)?;
        let key = self.whole_key(&reach);
        let wanted: std::collections::HashSet<&str> = indicators.iter().map(|i| i.id.as_str()).collect();
        let mut rows: Vec<TidyRow> = self
            .rows
            .get(&key)
            .map(|rows| {
                rows.iter()
                    .filter(|r| wanted.contains(r.indicator_id.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        self.suppress(&mut rows, top)?;
        Ok(rows)
    }

    /// `top`'s rows for every indicator the pattern was decided with, every value shown
    /// (what the internal audience sees, and what a release is made from).
    pub fn internal(&self, top: &Top) -> Result<Vec<TidyRow>> {
        let reach = self.provinces.reach(top, &self.request.period)?;
        Ok(self
            .rows
            .get(&self.whole_key(&reach))
            .cloned()
            .unwrap_or_default())
    }

    /// What the pattern hides of `top`'s release, in that release's own cells (its
    /// whole under its own code): for outputs built from the same cells (comparisons).
    pub fn hidden_in(&self, top: &Top) -> Result<Hidden> {
        let reach = self.provinces.reach(top, &self.request.period)?;
        let cell_of = self.cell_mapper(&reach);
        let mut hidden = Hidden::default();
        for row in self.rows.get(&self.whole_key(&reach)).into_iter().flatten() {
            let Some(indicator) = self.indicators.iter().find(|i| i.id == row.indicator_id) else {
                continue;
            };
            let own = CellKey::new(&row.area_code, &row.breakdown, &row.breakdown_value);
            for quantity in [
                indicator.numerator_quantity.quantity(),
                indicator.denominator_quantity.quantity(),
            ]
            .into_iter()
            .flatten()
            {
                if self.hidden.contains(quantity, &cell_of(row)) {
                    hidden.insert(quantity, &own);
                }
            }
        }
        Ok(hidden)
    }

    /// Suppresses, in rows of `top`'s release of the period (computed elsewhere, with
    /// every value), what the pattern hides. An indicator the pattern was not decided
    /// with is hidden whole.
    pub fn suppress(&self, rows: &mut [TidyRow], top: &Top) -> Result<()> {
        let reach = self.provinces.reach(top, &self.request.period)?;
        let cell_of = self.cell_mapper(&reach);
        let by_id: HashMap<&str, &Indicator> = self.indicators.iter().map(|i| (i.id.as_str(), i)).collect();
        for row in rows.iter_mut() {
            let suppressed = match by_id.get(row.indicator_id.as_str()) {
                Some(indicator) => self.hidden.hides_any(
                    [
                        indicator.numerator_quantity.quantity(),
                        indicator.denominator_quantity.quantity(),
                    ],
                    &cell_of(row),
                ),
                None => true,
            };
            if suppressed {
                crate::disclosure::blank(row);
            }
        }
        Ok(())
    }
}
