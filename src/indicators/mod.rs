//! Computing the indicator dictionary over the store. Each indicator's SQL (from the
//! catalog) returns its cohort's members; the query runs with the period and as-of bound
//! as parameters (or, for many periods at once, read from a table of them: [`ahead`]),
//! grouped in DuckDB (by every dimension at once, or, for many periods, by each
//! shown column alone), and the groups are reduced here with the statistics of
//! [`crate::stats`] into the tidy table.

use std::collections::HashMap;

use arrow::array::{Array, AsArray, BooleanArray, Float64Array, Int64Array, ListArray, StringArray};
use arrow::datatypes::DataType as ArrowType;
use arrow::record_batch::RecordBatch;

use crate::catalog::{Indicator, Statistic, Subject};
use crate::error::{Error, Result};
use crate::model;
use crate::stats::{self, Survival};
use crate::store::Store;

pub use crate::results::{Geography, Request, Status, TidyRow};
pub use crate::store::CaseScope;
use crate::store::Session;

pub mod ahead;
pub mod check;
pub mod given;
mod reached;

pub use ahead::compute_ahead;

/// The breakdown values of a dimension for a period ending on `last_day`, in code order,
/// all listed even when empty; of the agencies, those in force on that day (a
/// predecessor's rows count under its successor).
pub fn breakdown_values(subject: Subject, breakdown: &str, last_day: chrono::NaiveDate) -> Vec<&'static str> {
    use crate::catalog::Codes;
    let Some(dimension) = subject.dimensions().iter().find(|d| d.name == breakdown) else {
        return Vec::new();
    };
    match dimension.codes {
        Codes::List(codes) => codes.to_vec(),
        Codes::WithUnknown(codes) => codes.iter().copied().chain(["unknown"]).collect(),
        Codes::AgeBands => model::AGE_BANDS
            .iter()
            .map(|(band, _)| *band)
            .chain(["unknown"])
            .collect(),
        Codes::Agencies => {
            let registry = crate::catalog::agencies().unwrap_or_default();
            model::AGENCIES
                .iter()
                .copied()
                .filter(|code| {
                    registry
                        .iter()
                        .find(|a| a.code == *code)
                        .is_none_or(|a| a.in_force_on(last_day))
                })
                .collect()
        }
    }
}

/// Accumulated members of one output cell.
#[derive(Debug, Default, Clone)]
struct Cell {
    members: u64,
    successes: u64,
    durations: Vec<f64>,
    survival: Vec<Survival>,
}

impl Cell {
    fn add(&mut self, other: &GroupRow) {
        self.members += other.members;
        self.successes += other.successes;
        self.durations.extend_from_slice(&other.durations);
        self.survival.extend_from_slice(&other.survival);
    }
}

/// The measure columns of a batch of member groups.
struct Measures<'b> {
    n: Int64Array,
    successes: Option<Int64Array>,
    durations: Option<&'b ListArray>,
    events: Option<&'b ListArray>,
}

impl<'b> Measures<'b> {
    fn of(indicator: &Indicator, batch: &'b RecordBatch) -> Result<Measures<'b>> {
        Ok(Measures {
            n: int_column(batch, "n")?,
            successes: match indicator.statistic {
                Statistic::Share => Some(int_column(batch, "successes")?),
                _ => None,
            },
            durations: match indicator.statistic {
                Statistic::Quantile(_) | Statistic::KaplanMeier(_) => Some(list_column(batch, "durations")?),
                _ => None,
            },
            events: match indicator.statistic {
                Statistic::KaplanMeier(_) => Some(list_column(batch, "events")?),
                _ => None,
            },
        })
    }

    /// The members of group `r`.
    fn group(&self, indicator: &Indicator, r: usize) -> Result<GroupRow> {
        let mut group = GroupRow {
            members: self.n.value(r) as u64,
            successes: self.successes.as_ref().map_or(0, |s| s.value(r) as u64),
            durations: Vec::new(),
            survival: Vec::new(),
        };
        if let Some(list) = self.durations {
            let values = list.value(r);
            let values: &Float64Array = values.as_primitive_opt().ok_or_else(|| {
                Error::Internal(format!("indicator {}: duration is not DOUBLE", indicator.id))
            })?;
            match self.events {
                Some(events) => {
                    let flags = events.value(r);
                    let flags: &BooleanArray = flags.as_boolean();
                    group.survival = values
                        .iter()
                        .zip(flags.iter())
                        .map(|(t, e)| Survival {
                            time: t.unwrap_or(f64::NAN),
                            event: e.unwrap_or(false),
                        })
                        .collect();
                }
                None => group.durations = values.iter().flatten().collect(),
            }
        }
        Ok(group)
    }
}

/// The sums a group of members is part of.
enum PartOf {
    /// Grouped by every dimension: the total and each shown column's cell.
    Every,
    /// The total only (a grouping set by no column).
    Total,
    /// One column's cell only (a grouping set by that column).
    Column(&'static str),
}

impl PartOf {
    fn counts_in_total(&self) -> bool {
        !matches!(self, PartOf::Column(_))
    }

    fn counts_in(&self, column: &str) -> bool {
        match self {
            PartOf::Every => true,
            PartOf::Total => false,
            PartOf::Column(grouped) => *grouped == column,
        }
    }
}

/// Adds `group` to the cell of `key` (a key is made once, for its first group: a large
/// store's durations come in tens of thousands of groups).
fn add_to(cells: &mut HashMap<String, Cell>, key: &str, group: &GroupRow) {
    match cells.get_mut(key) {
        Some(cell) => cell.add(group),
        None => {
            let mut cell = Cell::default();
            cell.add(group);
            cells.insert(key.to_string(), cell);
        }
    }
}

struct GroupRow {
    members: u64,
    successes: u64,
    durations: Vec<f64>,
    survival: Vec<Survival>,
}

fn text_column(batch: &RecordBatch, name: &str) -> Result<StringArray> {
    let column = batch
        .column_by_name(name)
        .ok_or_else(|| Error::Internal(format!("indicator result lacks column {name}")))?;
    let as_text = arrow::compute::cast(column, &ArrowType::Utf8)
        .map_err(|e| Error::Internal(format!("indicator column {name}: {e}")))?;
    Ok(as_text.as_string::<i32>().clone())
}

fn int_column(batch: &RecordBatch, name: &str) -> Result<Int64Array> {
    let column = batch
        .column_by_name(name)
        .ok_or_else(|| Error::Internal(format!("indicator result lacks column {name}")))?;
    let cast = arrow::compute::cast(column, &ArrowType::Int64)
        .map_err(|e| Error::Internal(format!("indicator column {name}: {e}")))?;
    Ok(cast.as_primitive::<arrow::datatypes::Int64Type>().clone())
}

fn list_column<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b ListArray> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_list_opt::<i32>())
        .ok_or_else(|| Error::Internal(format!("indicator result lacks list column {name}")))
}

/// Each group's Kaplan-Meier members in the order the estimate reads them, sorted once
/// for every whole that reads the group: a report's wholes of a period (the nation, the
/// province, the merged province) read the same groups, and a cell of one whole is
/// mostly one group (by one column alone or in total, and by source province), which
/// [`stats::kaplan_meier_quantile`] then need not sort again. Groups by every dimension
/// at once (a single period's query, [`Session::member_groups`]) are merged into each
/// cell, which the estimate sorts; they and other statistics' groups are left as they
/// are.
fn groups_in_risk_order(indicator: &Indicator, batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>> {
    let one_group_a_cell = batches
        .iter()
        .all(|batch| batch.column_by_name("grouping_set").is_some());
    if !matches!(indicator.statistic, Statistic::KaplanMeier(_)) || !one_group_a_cell {
        return Ok(batches);
    }
    let internal = |what: &str| Error::Internal(format!("indicator {}: {what}", indicator.id));
    batches
        .into_iter()
        .map(|batch| {
            let durations = list_column(&batch, "durations")?;
            let events = list_column(&batch, "events")?;
            if durations.offsets() != events.offsets() {
                return Err(internal("durations and events of different lengths"));
            }
            let times = durations
                .values()
                .as_primitive_opt::<arrow::datatypes::Float64Type>()
                .ok_or_else(|| internal("duration is not DOUBLE"))?;
            let flags = events
                .values()
                .as_boolean_opt()
                .ok_or_else(|| internal("event is not BOOLEAN"))?;
            // Read as a group reads them: a blank time as NaN, a blank event as censored.
            let mut members: Vec<Survival> = (0..times.len())
                .map(|i| Survival {
                    time: if times.is_null(i) {
                        f64::NAN
                    } else {
                        times.value(i)
                    },
                    event: flags.is_valid(i) && flags.value(i),
                })
                .collect();
            for range in durations.offsets().windows(2) {
                stats::sort_in_risk_order(&mut members[range[0] as usize..range[1] as usize]);
            }
            let list = |values: arrow::array::ArrayRef, like: &ListArray| -> Result<arrow::array::ArrayRef> {
                let arrow::datatypes::DataType::List(field) = like.data_type() else {
                    return Err(internal("a member list is not a list"));
                };
                Ok(std::sync::Arc::new(ListArray::new(
                    field.clone(),
                    like.offsets().clone(),
                    values,
                    like.nulls().cloned(),
                )))
            };
            let sorted_durations = list(
                std::sync::Arc::new(Float64Array::from_iter_values(members.iter().map(|m| m.time))),
                durations,
            )?;
            let sorted_events = list(
                std::sync::Arc::new(BooleanArray::from_iter(members.iter().map(|m| Some(m.event)))),
                events,
            )?;
            let schema = batch.schema();
            let columns = schema
                .fields()
                .iter()
                .zip(batch.columns())
                .map(|(field, column)| match field.name().as_str() {
                    "durations" => sorted_durations.clone(),
                    "events" => sorted_events.clone(),
                    _ => column.clone(),
                })
                .collect();
            RecordBatch::try_new(schema, columns).map_err(|e| internal(&e.to_string()))
        })
        .collect()
}

/// Computes every indicator of `indicators` for the request: all rows, every value shown
/// (the internal audience); apply [`crate::disclosure::suppress`] for the public one.
/// Each indicator's rows are remembered for the store and the state read: a report's
/// sheets, its dashboard, its comparisons and funnels ask for the same figures, and each
/// is computed once.
pub fn compute(store: &Store, indicators: &[Indicator], request: &Request) -> Result<Vec<TidyRow>> {
    let state = store.last_load_known(request.known)?;
    let keys: Vec<FigureKey> = indicators
        .iter()
        .map(|indicator| FigureKey::of(store, state, request, indicator))
        .collect();
    // The figures remembered, taken now: remembering those computed below may forget
    // them (memory is cleared when full).
    let mut found: Vec<Option<Vec<TidyRow>>> = Vec::new();
    let mut missing: Vec<(Indicator, &FigureKey)> = Vec::new();
    {
        let remembered = REMEMBERED
            .lock()
            .map_err(|_| Error::Internal("remembered figures poisoned".into()))?;
        for (indicator, key) in indicators.iter().zip(&keys) {
            let rows = remembered.as_ref().and_then(|r| r.get(key)).cloned();
            if rows.is_none() && !missing.iter().any(|(m, _)| m.id == indicator.id) {
                missing.push((indicator.clone(), key));
            }
            found.push(rows);
        }
    }
    let computed = if missing.is_empty() {
        Vec::new()
    } else {
        let to_compute: Vec<Indicator> = missing.iter().map(|(i, _)| i.clone()).collect();
        compute_with_scope(store, &to_compute, request, CaseScope::needed_by(&to_compute))?
    };
    remember(
        missing
            .iter()
            .map(|(indicator, key)| ((*key).clone(), of_indicator(&computed, indicator)))
            .collect(),
    )?;
    let mut rows = Vec::new();
    for (indicator, found) in indicators.iter().zip(found) {
        rows.extend(found.unwrap_or_else(|| of_indicator(&computed, indicator)));
    }
    Ok(rows)
}

/// The rows of `indicator` among `rows`.
fn of_indicator(rows: &[TidyRow], indicator: &Indicator) -> Vec<TidyRow> {
    rows.iter()
        .filter(|r| r.indicator_id == indicator.id)
        .cloned()
        .collect()
}

/// Remembers `figures`, forgetting every figure before when memory would hold more than
/// it keeps.
fn remember(figures: Vec<(FigureKey, Vec<TidyRow>)>) -> Result<()> {
    let mut remembered = REMEMBERED
        .lock()
        .map_err(|_| Error::Internal("remembered figures poisoned".into()))?;
    let remembered = remembered.get_or_insert_with(HashMap::new);
    if remembered.len() + figures.len() > REMEMBERED_AT_MOST {
        remembered.clear();
    }
    remembered.extend(figures);
    Ok(())
}

/// How many figures (an indicator's rows for one request) are remembered at most: a
/// public report over a few provinces asks for a thousand or two.
const REMEMBERED_AT_MOST: usize = 16_384;

/// The figures [`compute`] remembers: an indicator's rows for a store, the state it read,
/// a whole, a period and an as-of.
static REMEMBERED: std::sync::Mutex<Option<HashMap<FigureKey, Vec<TidyRow>>>> = std::sync::Mutex::new(None);

/// What an indicator's rows depend on: the store and the state of it read (the last load
/// known), the whole, the period and as-of, and the indicator as defined (its query and
/// its dictionary entry).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FigureKey {
    store: u64,
    state: i64,
    whole: String,
    period: String,
    as_of: chrono::NaiveDateTime,
    indicator: u64,
}

impl FigureKey {
    fn of(store: &Store, state: i64, request: &Request, indicator: &Indicator) -> FigureKey {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        format!("{indicator:?}").hash(&mut hasher);
        FigureKey {
            store: store.instance(),
            state,
            whole: format!("{:?}", request.whole),
            period: format!("{:?}", request.period),
            as_of: request.as_of,
            indicator: hasher.finish(),
        }
    }
}

/// [`compute`] for the wholes of one period (a pattern's): requests at the same moments
/// and state of the store read the cases of their provinces, so each such group queries
/// each indicator once over the union of its provinces, grouped by source province too,
/// and each whole takes its provinces' groups under its own areas ([`reached`]), then its
/// areas and population ([`reduce`]). The nation, every province and the former
/// provinces of a merged one are one group. The rows of each request, in order; each
/// request's figures remembered.
pub fn compute_each(
    store: &Store,
    indicators: &[Indicator],
    requests: &[Request],
) -> Result<Vec<Vec<TidyRow>>> {
    // A report computed every figure ahead: answered from memory, no reach read.
    if all_remembered(store, indicators, requests.iter())? {
        return requests
            .iter()
            .map(|request| compute(store, indicators, request))
            .collect();
    }
    let reads: Vec<_> = requests.iter().map(|r| (r.known, r.moments())).collect();
    let mut rows: Vec<Option<Vec<TidyRow>>> = vec![None; requests.len()];
    for first in 0..requests.len() {
        if rows[first].is_some() {
            continue;
        }
        let group: Vec<usize> = (first..requests.len())
            .filter(|&j| rows[j].is_none() && reads[j] == reads[first])
            .collect();
        if group.len() == 1 || all_remembered(store, indicators, group.iter().map(|&j| &requests[j]))? {
            for &j in &group {
                rows[j] = Some(compute(store, indicators, &requests[j])?);
            }
            continue;
        }
        reads_only_the_store(indicators)?;
        let asked: Vec<&Request> = group.iter().map(|&j| &requests[j]).collect();
        let computed = compute_group_with_scope(store, indicators, &asked, CaseScope::needed_by(indicators))?;
        let mut figures = Vec::new();
        for (request, request_rows) in asked.iter().zip(&computed) {
            let state = store.last_load_known(request.known)?;
            for indicator in indicators {
                figures.push((
                    FigureKey::of(store, state, request, indicator),
                    of_indicator(request_rows, indicator),
                ));
            }
        }
        remember(figures)?;
        for (&j, request_rows) in group.iter().zip(computed) {
            rows[j] = Some(request_rows);
        }
    }
    Ok(rows.into_iter().map(Option::unwrap_or_default).collect())
}

/// Whether every figure of `indicators` for each of `requests` is remembered.
fn all_remembered<'r>(
    store: &Store,
    indicators: &[Indicator],
    requests: impl Iterator<Item = &'r Request>,
) -> Result<bool> {
    let mut keys = Vec::new();
    for request in requests {
        let state = store.last_load_known(request.known)?;
        keys.extend(indicators.iter().map(|i| FigureKey::of(store, state, request, i)));
    }
    let remembered = REMEMBERED
        .lock()
        .map_err(|_| Error::Internal("remembered figures poisoned".into()))?;
    Ok(keys
        .iter()
        .all(|key| remembered.as_ref().is_some_and(|r| r.contains_key(key))))
}

/// [`compute`] with the cases seen chosen by `scope`.
pub fn compute_with_scope(
    store: &Store,
    indicators: &[Indicator],
    request: &Request,
    scope: CaseScope,
) -> Result<Vec<TidyRow>> {
    reads_only_the_store(indicators)?;
    Ok(compute_group_with_scope(store, indicators, &[request], scope)?
        .pop()
        .unwrap_or_default())
}

/// The rows of each of `requests` (wholes at the same moments and state): one query per
/// indicator over the union of their provinces, each request's groups taken as its whole
/// reaches them and reduced with its own areas and population.
fn compute_group_with_scope(
    store: &Store,
    indicators: &[Indicator],
    requests: &[&Request],
    scope: CaseScope,
) -> Result<Vec<Vec<TidyRow>>> {
    let sessions: Vec<Session> = requests
        .iter()
        .map(|request| Session::new(store, request))
        .collect::<Result<_>>()?;
    let (each, provinces) = reached::read_each(&sessions, requests)?;
    let (first, session) = (requests[0], &sessions[0]);
    let mut clock = crate::Stopwatch::start();
    let readers = indicators.iter().filter(|i| i.subject == Subject::Cases).count();
    // One request reads its own whole's rows as it reports them (`reported_cases`);
    // several read every row of their provinces, each taking its own.
    let together = requests.len() > 1;
    match together {
        false => session.scope(first, scope, readers)?,
        true => session.scope_provinces(first, &provinces, scope, readers)?,
    }
    clock.lap("case facts of the request (computed or kept)");
    let labels: Vec<String> = requests.iter().map(|request| figure_label(request)).collect();
    let mut rows = vec![Vec::new(); requests.len()];
    for indicator in indicators {
        let batches = session.member_groups(indicator, first)?;
        for ((request, whole), rows) in requests.iter().zip(&each).zip(rows.iter_mut()) {
            let reached;
            let groups = match together {
                true => {
                    reached = reached::as_reached(&batches, &whole.sources)?;
                    &reached
                }
                false => &batches,
            };
            rows.extend(reduce(
                indicator,
                request,
                &whole.geography,
                &whole.population,
                groups,
            )?);
        }
        clock.lap(&format!(
            "indicator {} as known after {:?} for: {}",
            indicator.id,
            first.known,
            labels.join(" + ")
        ));
    }
    Ok(rows)
}

/// How BAOVE_TIMINGS names the request of a figure.
fn figure_label(request: &Request) -> String {
    format!(
        "{} as of {} of {:?}",
        request.period, request.as_of, request.whole
    )
}

/// Refuses a catalog whose queries reach outside the store (issue 31), before any of
/// them runs on data: [`tried_in_sandbox`] for every indicator but the embedded
/// catalog's own. Those are the binary's: they cannot change without a new build, and
/// `baove check` (which tries every indicator, and which the tests run) holds them to the
/// store; trying them again cost a sample report a tenth of its time. An indicator read
/// from `BAOVE_CATALOG`, or differing from the embedded one in any field, is tried.
pub fn reads_only_the_store(indicators: &[Indicator]) -> Result<()> {
    use std::hash::{Hash, Hasher};
    static EMBEDDED: std::sync::OnceLock<std::collections::BTreeSet<u64>> = std::sync::OnceLock::new();
    let whole_hash = |indicator: &Indicator| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        format!("{indicator:?}").hash(&mut hasher);
        hasher.finish()
    };
    let embedded = EMBEDDED.get_or_init(|| {
        if !crate::catalog::is_embedded() {
            return Default::default();
        }
        crate::catalog::indicators()
            .unwrap_or_default()
            .iter()
            .map(whole_hash)
            .collect()
    });
    let foreign: Vec<Indicator> = indicators
        .iter()
        .filter(|i| !embedded.contains(&whole_hash(i)))
        .cloned()
        .collect();
    tried_in_sandbox(&foreign)
}

/// Refuses indicators whose queries reach outside the store: each indicator's query
/// runs once, on an empty store in memory whose external access is off, so a
/// `read_csv`, a file named as a table, a `glob` or any file system operation fails
/// there before it could run on data. The catalog's own check keeps each file to one
/// read-only statement; this is the engine's word on what that statement touches. Each
/// query is tried once per process (a report computes many periods with the same
/// catalog): the ones tried are remembered by a hash of their text.
pub fn tried_in_sandbox(indicators: &[Indicator]) -> Result<()> {
    use std::hash::{Hash, Hasher};
    use std::sync::Mutex;
    static TRIED: Mutex<std::collections::BTreeSet<u64>> = Mutex::new(std::collections::BTreeSet::new());
    let hash_of = |indicator: &Indicator| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (&indicator.id, &indicator.sql).hash(&mut hasher);
        hasher.finish()
    };
    let untried: Vec<Indicator> = {
        let tried = TRIED
            .lock()
            .map_err(|_| Error::Internal("catalog check poisoned".into()))?;
        indicators
            .iter()
            .filter(|i| !tried.contains(&hash_of(i)))
            .cloned()
            .collect()
    };
    if untried.is_empty() {
        return Ok(());
    }
    let sandbox = Store::open_sandbox()?;
    let period = crate::period::Period::parse("2025Q1", crate::period::Calendar::Statutory)
        .map_err(Error::Internal)?;
    let request = Request::new(period, period.end_moment());
    let session = Session::new(&sandbox, &request)?;
    // Every reader: the facts made a table once, so that each query is planned against
    // a table (planning the facts' view in each query costs more than running it here).
    let readers = untried.iter().filter(|i| i.subject == Subject::Cases).count();
    session.scope(&request, CaseScope::needed_by(&untried), readers)?;
    for indicator in &untried {
        session.member_groups(indicator, &request).map_err(|e| {
            Error::Catalog(format!(
                "{}.sql: refused: an indicator reads the store only, and this query does not run \
                 without access to files or the outside ({e})",
                indicator.id
            ))
        })?;
    }
    if let Ok(mut tried) = TRIED.lock() {
        tried.extend(untried.iter().map(hash_of));
    }
    Ok(())
}

fn reduce(
    indicator: &Indicator,
    request: &Request,
    geography: &Geography,
    population: &HashMap<String, u64>,
    batches: &[RecordBatch],
) -> Result<Vec<TidyRow>> {
    let dims = indicator.subject.dimensions();
    let wanted: Vec<(usize, &str)> = dims
        .iter()
        .enumerate()
        .filter(|(_, d)| indicator.breakdowns.iter().any(|b| b == d.name))
        .map(|(i, d)| (i, d.name))
        .collect();
    let by_area = indicator.breakdowns.iter().any(|b| b == "area");
    let mut total = Cell::default();
    let mut areas: HashMap<String, Cell> = HashMap::new();
    let mut cells: Vec<HashMap<String, Cell>> = vec![HashMap::new(); dims.len()];
    let shown = indicator.shown_columns();
    for batch in batches {
        let sets = batch
            .column_by_name("grouping_set")
            .map(|_| int_column(batch, "grouping_set"))
            .transpose()?;
        // The columns read: every shown one for groups by one of them, the area and
        // every dimension for groups by all of them.
        let read = |name: &str| -> Result<Option<StringArray>> {
            match batch.column_by_name(name) {
                Some(_) => text_column(batch, name).map(Some),
                None if sets.is_some() => Ok(None),
                None => Err(Error::Internal(format!("indicator result lacks column {name}"))),
            }
        };
        let area = read("area_code")?;
        let dim_columns: Vec<Option<StringArray>> =
            dims.iter().map(|d| read(d.column)).collect::<Result<_>>()?;
        let measures = Measures::of(indicator, batch)?;
        for r in 0..batch.num_rows() {
            let group = measures.group(indicator, r)?;
            // Which sums the group is part of: grouped by every dimension, all of them;
            // with grouping sets, the total or the one column it was grouped by.
            let part_of = match &sets {
                None => PartOf::Every,
                Some(sets) => match sets.value(r) {
                    0 => PartOf::Total,
                    k => PartOf::Column(shown.get(k as usize - 1).copied().ok_or_else(|| {
                        Error::Internal(format!("indicator {}: grouping set {k}", indicator.id))
                    })?),
                },
            };
            if part_of.counts_in_total() {
                total.add(&group);
            }
            if let (true, Some(area)) = (by_area && part_of.counts_in("area_code"), &area) {
                if !area.is_null(r) {
                    let code = area.value(r);
                    if geography.areas.iter().any(|a| a == code) {
                        add_to(&mut areas, code, &group);
                    }
                }
            }
            for &(i, _) in &wanted {
                let (true, Some(column)) = (part_of.counts_in(dims[i].column), &dim_columns[i]) else {
                    continue;
                };
                let value = if column.is_null(r) {
                    "unknown"
                } else {
                    column.value(r)
                };
                add_to(&mut cells[i], value, &group);
            }
        }
    }

    Ok(tidy_rows(
        indicator,
        request,
        (geography, population),
        &wanted,
        by_area.then_some(areas),
        (total, cells),
    ))
}

/// The tidy rows of an indicator's summed member groups: the whole's, each area's (with
/// `areas`; an area without members gets an empty cell) and each breakdown value's (the
/// code list's values, then any other value found, in order).
fn tidy_rows(
    indicator: &Indicator,
    request: &Request,
    (geography, population): (&Geography, &HashMap<String, u64>),
    wanted: &[(usize, &str)],
    areas: Option<HashMap<String, Cell>>,
    (total, mut cells): (Cell, Vec<HashMap<String, Cell>>),
) -> Vec<TidyRow> {
    let template = TidyRow::empty(
        &indicator.id,
        indicator.unit,
        &request.period,
        request.as_of,
        &geography.province,
    );
    let mut out = Vec::new();
    out.push(finish(
        indicator,
        &template,
        total,
        population.get(&geography.province).copied(),
    ));
    if let Some(mut areas) = areas {
        for code in &geography.areas {
            let cell = areas.remove(code).unwrap_or_default();
            let row = TidyRow {
                area_code: code.clone(),
                ..template.clone()
            };
            out.push(finish(indicator, &row, cell, population.get(code).copied()));
        }
    }
    for &(i, name) in wanted {
        let mut values: Vec<String> = breakdown_values(indicator.subject, name, request.period.end())
            .iter()
            .map(|v| v.to_string())
            .collect();
        let mut extra: Vec<String> = cells[i].keys().filter(|k| !values.contains(k)).cloned().collect();
        extra.sort();
        values.extend(extra);
        for value in values {
            let cell = cells[i].remove(&value).unwrap_or_default();
            let row = TidyRow {
                breakdown: name.to_string(),
                breakdown_value: value,
                ..template.clone()
            };
            out.push(finish(indicator, &row, cell, None));
        }
    }
    out
}

/// Fills numerator, denominator, value, interval and status of a row from its cell.
fn finish(indicator: &Indicator, template: &TidyRow, mut cell: Cell, population: Option<u64>) -> TidyRow {
    let mut row = template.clone();
    match indicator.statistic {
        Statistic::Count => {
            row.numerator = Some(cell.members);
            row.value = Some(cell.members as f64);
        }
        Statistic::Share => {
            row.numerator = Some(cell.successes);
            row.denominator = Some(cell.members);
            match stats::wilson(cell.successes, cell.members) {
                Some((low, high)) => {
                    row.value = Some(cell.successes as f64 / cell.members as f64);
                    row.ci_low = Some(low);
                    row.ci_high = Some(high);
                }
                None => row.status = Status::NoData,
            }
        }
        Statistic::Rate => {
            let people = population.unwrap_or(0);
            row.numerator = Some(cell.members);
            row.denominator = Some(people);
            match stats::rate_per_100k(cell.members, people) {
                Some((rate, low, high)) => {
                    row.value = Some(rate);
                    row.ci_low = Some(low);
                    row.ci_high = Some(high);
                }
                None => row.status = Status::NoData,
            }
        }
        Statistic::Quantile(p) => {
            row.denominator = Some(cell.durations.len() as u64);
            row.value = stats::quantile_type7_unsorted(&mut cell.durations, p);
            if row.value.is_none() {
                row.status = Status::NoData;
            }
        }
        Statistic::KaplanMeier(p) => {
            row.denominator = Some(cell.survival.len() as u64);
            if cell.survival.is_empty() {
                row.status = Status::NoData;
            } else {
                row.value = stats::kaplan_meier_quantile(&cell.survival, p);
                if row.value.is_none() {
                    row.status = Status::NotReached;
                }
            }
        }
    }
    row
}
