//! Revisions (issue 21): a period's figures as known after an earlier load against the
//! same figures as known now, the difference, and its causes in counts (records loaded
//! late, corrected, moved into or out of a cell); and the revision triangle, the whole's
//! value as known after each load.
//!
//! Disclosure control (public audience) treats a cell's revision as one more release of
//! the cell. The values then and now are shown as the public releases of those states
//! showed them: hidden where that state's one pattern of the period hides them
//! ([`crate::release`]). A difference of 1 to 4 between two shown values is a count of 1
//! to 4 children, and so is a cause count; and a difference can be rebuilt from its
//! causes (late + entered − removed), or a cause from the difference and the other
//! causes. So each cell's revision is shown or hidden whole: its count is the smallest
//! non-zero of its differences of counted quantities and its cause counts, each cause
//! is a quantity of its own (the whole's late records are its areas' summed), and the
//! same engine as every table ([`crate::disclosure::Table`]) hides a cell where one of
//! them is 1 to 4, then hides other cells where one hidden cell could be rebuilt from
//! the whole, until a cell hidden for one quantity is hidden for all; over the
//! revisions of every whole of the period at once, as the period's pattern is (a
//! province is a whole in its own revision and an area of the nation's). A hidden revision
//! shows the value now (where published anyway) and hides the value then, the
//! difference and the causes: a row for every cause, moved records or not, so which
//! causes moved it is not told either. In the triangle, a load's value is shown only
//! where it differs from every other shown value by 0 or by 5 or more in each counted
//! quantity.
//!
//! Out of scope, as in the spec: the earlier report itself, which still carries the
//! value then; a reader holding both reports can subtract them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::catalog::Indicator;
use crate::disclosure::{self, CellKey, Table};
use crate::error::{Error, Result};
use crate::indicators;
use crate::model::Kind;
use crate::results::{
    Cause, CauseCount, LoadMark, Request, RevisedValue, Revisions, ShownCause, Status, TidyRow, Top, Vintage,
};
use crate::store::{Session, Store};

/// The quantity under which a cell's revision is protected.
const REVISION: &str = "revision";

/// Computes the revision of `request`'s period from the store as known after `since` to
/// the store as the request reads it (as it stands, or as known at its load). With
/// `with_triangle`, the whole's value after every load up to now as well (one
/// computation per load).
pub fn compute(
    store: &Store,
    indicators: &[Indicator],
    request: &Request,
    since: i64,
    with_triangle: bool,
) -> Result<Revisions> {
    let public = request.audience.is_public();
    let as_read = request.known;
    let now_load = store.last_load_known(as_read)?;
    let loads = store.loads()?;
    let mark = |id: i64| -> Result<LoadMark> {
        loads
            .iter()
            .find(|l| l.load_id == id)
            .cloned()
            .ok_or_else(|| Error::Usage(format!("no load {id} in the store's log")))
    };
    let since_mark = mark(since)?;
    let now_mark = mark(now_load)?;
    if since > now_load {
        return Err(Error::Usage(format!(
            "--since load {since} is after the state read (load {now_load}): a revision runs from an earlier load to a later one"
        )));
    }
    // The totals known after `load`, every value and as that state's public release
    // showed them: hidden where that state's pattern of the period hides them (issue
    // 32), as the report of that state hid them.
    let totals_at = |load: i64| -> Result<(Vec<TidyRow>, Vec<TidyRow>)> {
        // The state now is the one the caller reads: its pattern is the report's.
        let state = request.known_at(if load == now_load { as_read } else { Some(load) });
        let rows = totals_after(store, indicators, &state)?;
        let mut shown = rows.clone();
        if public {
            crate::release::Pattern::decide(store, &state)?.suppress(&mut shown, &request.whole)?;
        }
        Ok((rows, shown))
    };
    let (then_rows, then_shown) = totals_at(since)?;
    let (now_rows, now_shown) = totals_at(now_load)?;
    // One session for the whole's code and the causes (its staging is built once).
    let session = Session::new(store, request)?;
    let whole = session.reach(&request.period)?.code;
    let causes = session.revision_causes(request, since, now_load)?;

    let (hidden, a_whole_hidden): (BTreeSet<String>, bool) = if public {
        let smallest = smallest_moves(indicators, &then_rows, &now_rows, &causes);
        hidden_over_family(
            store,
            &Moved {
                indicators,
                request,
                since,
                now_load,
            },
            &smallest,
            &causes,
        )?
    } else {
        (BTreeSet::new(), false)
    };

    let values = revised_values(&then_shown, &now_shown, &hidden);
    let causes = shown_causes(causes, &hidden, &whole);

    let triangle = if with_triangle {
        let states = family_states(store, indicators, request, &loads, now_load)?;
        triangle_of(&states, indicators, now_load, since, public, a_whole_hidden)?
    } else {
        Vec::new()
    };
    Ok(Revisions {
        period: request.period,
        as_of: request.as_of,
        whole,
        since: since_mark,
        now: now_mark,
        public,
        values,
        causes,
        triangle,
    })
}

/// Each row now against the same row then, as published: hidden where either state hid
/// it or where the revision of its cell is hidden (`hidden`: area codes).
fn revised_values(
    then_shown: &[TidyRow],
    now_shown: &[TidyRow],
    hidden: &BTreeSet<String>,
) -> Vec<RevisedValue> {
    let key = |r: &TidyRow| (r.indicator_id.clone(), r.area_code.clone());
    let then_pub: HashMap<_, &TidyRow> = then_shown.iter().map(|r| (key(r), r)).collect();
    let is_hidden = |area: &str| hidden.contains(area);
    let mut values = Vec::new();
    for now in now_shown {
        let then = then_pub.get(&key(now)).copied();
        let then_value = then.and_then(|t| t.value);
        let then_status = then.map(|t| t.status).unwrap_or(Status::NoData);
        let (then_value, difference, status) =
            if then_status == Status::Suppressed || now.status == Status::Suppressed {
                (then_value, None, Status::Suppressed)
            } else if is_hidden(&now.area_code) {
                (None, None, Status::Suppressed)
            } else {
                match (then_value, now.value) {
                    (Some(t), Some(n)) => (Some(t), Some(n - t), Status::Shown),
                    _ => (then_value, None, Status::NoData),
                }
            };
        values.push(RevisedValue {
            indicator_id: now.indicator_id.clone(),
            area_code: now.area_code.clone(),
            unit: now.unit,
            then: then_value,
            then_status: if status == Status::Suppressed && then_value.is_none() {
                Status::Suppressed
            } else {
                then_status
            },
            now: now.value,
            now_status: now.status,
            difference,
            status,
        });
    }
    values
}

/// The causes as published: a hidden cell's causes are hidden whole (see below), the
/// whole's first, then by area, kind, cause and column.
fn shown_causes(causes: Vec<CauseCount>, hidden: &BTreeSet<String>, whole: &str) -> Vec<ShownCause> {
    let is_hidden = |area: &str| hidden.contains(area);
    // A hidden cell's causes are hidden whole: a row for every cause, moved records or
    // not, and no column counts, so the rows present do not say which causes moved it
    // (issue 32: "4 late, and no other cause" gave its value then back).
    let mut causes: Vec<ShownCause> = causes
        .into_iter()
        .filter(|count| !is_hidden(&count.area_code))
        .map(|count| ShownCause {
            records: Some(count.records),
            count,
        })
        .collect();
    for area in hidden {
        for (kind, cause) in cause_kinds() {
            causes.push(ShownCause {
                count: CauseCount {
                    kind,
                    area_code: area.clone(),
                    cause,
                    column: None,
                    records: 0,
                },
                records: None,
            });
        }
    }
    causes.sort_by(|a, b| {
        let key = |c: &ShownCause| {
            (
                c.count.area_code != whole,
                c.count.area_code.clone(),
                c.count.kind.name(),
                Cause::ALL.iter().position(|k| *k == c.count.cause),
                c.count.column.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    causes
}

/// The causes a record of each kind can have (a link joins cases only).
fn cause_kinds() -> Vec<(Kind, Cause)> {
    [Kind::Cases, Kind::ContentReports]
        .into_iter()
        .flat_map(|kind| {
            Cause::ALL
                .into_iter()
                .filter(move |c| kind == Kind::Cases || *c != Cause::Linked)
                .map(move |c| (kind, c))
        })
        .collect()
}

/// Each cell's revision count: the smallest non-zero difference of a counted quantity
/// between the two states, or cause count (0 when nothing changed).
fn smallest_moves(
    indicators: &[Indicator],
    then_rows: &[TidyRow],
    now_rows: &[TidyRow],
    causes: &[CauseCount],
) -> BTreeMap<String, u64> {
    let by_id: HashMap<&str, &Indicator> = indicators.iter().map(|i| (i.id.as_str(), i)).collect();
    let key = |r: &TidyRow| (r.indicator_id.clone(), r.area_code.clone());
    let then_raw: HashMap<_, &TidyRow> = then_rows.iter().map(|r| (key(r), r)).collect();
    let mut smallest: BTreeMap<String, u64> = BTreeMap::new();
    let mut note = |area: &str, n: u64| {
        let entry = smallest.entry(area.to_string()).or_insert(0);
        if n > 0 && (*entry == 0 || n < *entry) {
            *entry = n;
        }
    };
    for now in now_rows {
        let Some(indicator) = by_id.get(now.indicator_id.as_str()) else {
            continue;
        };
        let then = then_raw.get(&key(now)).copied();
        for (quantity, then_n, now_n) in counted(indicator, then, now) {
            if quantity.is_some() {
                note(&now.area_code, then_n.abs_diff(now_n));
            }
        }
    }
    for c in causes {
        note(&c.area_code, c.records);
    }
    smallest
}

/// What a revision compares: the indicators of one period, from the store as known
/// after load `since` to the store as known after `now_load` (read as the request reads it).
struct Moved<'a> {
    indicators: &'a [Indicator],
    request: &'a Request,
    since: i64,
    now_load: i64,
}

impl Moved<'_> {
    /// The revision counts of `whole`: each cell's smallest move, and the causes.
    fn counts(&self, store: &Store, whole: &Top) -> Result<(BTreeMap<String, u64>, Vec<CauseCount>)> {
        let now = self.request.of(whole.clone());
        let then_rows = totals_after(store, self.indicators, &now.known_at(Some(self.since)))?;
        let now_rows = totals_after(store, self.indicators, &now)?;
        let causes = Session::new(store, &now)?.revision_causes(&now, self.since, self.now_load)?;
        Ok((
            smallest_moves(self.indicators, &then_rows, &now_rows, &causes),
            causes,
        ))
    }
}

/// The cells (the whole asked, its areas) whose revision the public may not see,
/// decided over the revisions of every whole of the period at once (issue 32): the
/// same province is a whole in its own revision and an area of the nation's, and a
/// merged province's early periods are its predecessors' sum, so a cell hidden in one
/// whole's revision and shown in another's, or rebuilt from the others, would give a
/// hidden cause back. A cell's revision is one count, the smallest it moved, and each
/// cause is a quantity of its own, a whole's the sum of its areas' and of its parts'
/// (late records add up): a cause of 1 to 4 hides its cell, a cell hidden for one
/// quantity is hidden for all, and the table is solved and audited as the period's
/// pattern is, until nothing changes.
///
/// Also whether the revision of any whole's total is hidden: the triangles of every
/// whole then hide the value then.
fn hidden_over_family(
    store: &Store,
    moved: &Moved<'_>,
    smallest: &BTreeMap<String, u64>,
    causes: &[CauseCount],
) -> Result<(BTreeSet<String>, bool)> {
    let pattern = crate::release::Pattern::decide(store, moved.request)?;
    let asked_key = pattern.key_of(&moved.request.whole)?;
    let quantity = |kind: Kind, cause: Cause| format!("cause.{}.{}", kind.name(), cause.name());
    let mut quantities = vec![REVISION.to_string()];
    quantities.extend(cause_kinds().into_iter().map(|(k, c)| quantity(k, c)));
    let mut table = Table::new(crate::results::NATION_CODE);
    let mut keys: Vec<String> = Vec::new();
    let mut asked_cells: Vec<(String, String)> = Vec::new();
    for whole in pattern.family() {
        let own;
        let (smallest, causes) = if whole.key == asked_key {
            (smallest, causes)
        } else {
            own = moved.counts(store, &whole.top)?;
            (&own.0, own.1.as_slice())
        };
        // Cells in code order, the whole first: the order ties are broken in.
        let mut codes: Vec<&str> = vec![whole.code.as_str()];
        codes.extend(smallest.keys().map(String::as_str).filter(|a| *a != whole.code));
        let mut areas = Vec::new();
        for code in &codes {
            let key = whole.key_of_area(code);
            let cell = CellKey::total(&key);
            if whole.key == asked_key {
                asked_cells.push((code.to_string(), key.clone()));
            }
            if *code != whole.code {
                areas.push(cell.clone());
            }
            table.record(REVISION, &cell, *smallest.get(*code).unwrap_or(&0) as f64)?;
            for (kind, cause) in cause_kinds() {
                let moved: u64 = causes
                    .iter()
                    .filter(|c| {
                        c.area_code == *code && c.kind == kind && c.cause == cause && c.column.is_none()
                    })
                    .map(|c| c.records)
                    .sum();
                table.record(&quantity(kind, cause), &cell, moved as f64)?;
            }
            keys.push(key);
        }
        table.relate(&CellKey::total(&whole.key), &areas);
        if !whole.parts.is_empty() {
            let parts: Vec<CellKey> = whole.parts.iter().map(|p| CellKey::total(p)).collect();
            table.relate(&CellKey::total(&whole.key), &parts);
        }
    }
    keys.sort();
    keys.dedup();
    let mut solved = table.solve_audited().0;
    // Each round hides at least one more cell, or ends.
    for _ in 0..=keys.len() {
        let mut more = false;
        for key in &keys {
            let cell = CellKey::total(key);
            if quantities.iter().any(|q| solved.contains(q, &cell)) {
                for q in quantities.iter().filter(|q| !solved.contains(q, &cell)) {
                    table.force_hidden(q, &cell);
                    more = true;
                }
            }
        }
        if !more {
            break;
        }
        solved = table.solve_audited().0;
    }
    let hidden_cell = |key: &str| {
        quantities
            .iter()
            .any(|q| solved.contains(q, &CellKey::total(key)))
    };
    let a_whole_hidden = pattern.family().iter().any(|whole| hidden_cell(&whole.key));
    Ok((
        asked_cells
            .into_iter()
            .filter(|(_, key)| hidden_cell(key))
            .map(|(code, _)| code)
            .collect(),
        a_whole_hidden,
    ))
}

/// The rows of every indicator's totals (no breakdown) of the request's whole, its own
/// and its areas', as the request reads the store.
fn totals_after(store: &Store, indicators: &[Indicator], request: &Request) -> Result<Vec<TidyRow>> {
    Ok(indicators::compute(store, indicators, request)?
        .into_iter()
        .filter(|r| r.breakdown.is_empty())
        .collect())
}

/// The counted quantities of a row pair: (quantity, count then, count now), 0 where a
/// state has no count.
fn counted<'i>(
    indicator: &'i Indicator,
    then: Option<&TidyRow>,
    now: &TidyRow,
) -> [(Option<&'i str>, u64, u64); 2] {
    [
        (
            indicator.numerator_quantity.quantity(),
            then.and_then(|t| t.numerator).unwrap_or(0),
            now.numerator.unwrap_or(0),
        ),
        (
            indicator.denominator_quantity.quantity(),
            then.and_then(|t| t.denominator).unwrap_or(0),
            now.denominator.unwrap_or(0),
        ),
    ]
}

/// An indicator's total row of one whole in one state: every value, and as published.
type RowPair = (Option<TidyRow>, Option<TidyRow>);

/// One store state of a triangle: the load, and each whole's total rows then (every
/// value, and as that state's public release showed them), the asked whole first.
struct TriangleState {
    load: LoadMark,
    wholes: Vec<(Vec<TidyRow>, Vec<TidyRow>)>,
}

/// Every whole's totals after each load up to `now_load` (the state now read as the
/// request reads it), the asked whole first: the public triangles of a period are decided over
/// every whole of it at once, as its pattern is (the nation's value after a load less
/// one province's gave the other's, which its own triangle hid). Internal: the asked
/// whole alone.
fn family_states(
    store: &Store,
    indicators: &[Indicator],
    request: &Request,
    loads: &[LoadMark],
    now_load: i64,
) -> Result<Vec<TriangleState>> {
    let public = request.audience.is_public();
    let mut states = Vec::new();
    for load in loads.iter().filter(|l| l.load_id <= now_load) {
        let state = request.known_at(if load.load_id == now_load {
            request.known
        } else {
            Some(load.load_id)
        });
        let totals = |whole: &Top,
                      pattern: Option<&crate::release::Pattern>|
         -> Result<(Vec<TidyRow>, Vec<TidyRow>)> {
            let asked = state.of(whole.clone());
            let code = Session::new(store, &asked)?.reach(&asked.period)?.code;
            let mut rows = totals_after(store, indicators, &asked)?;
            rows.retain(|r| r.area_code == code);
            let mut shown = rows.clone();
            if let Some(pattern) = pattern {
                pattern.suppress(&mut shown, whole)?;
            }
            Ok((rows, shown))
        };
        let mut wholes = Vec::new();
        if public {
            let pattern = crate::release::Pattern::decide(store, &state)?;
            let asked_key = pattern.key_of(&request.whole)?;
            let mut family = pattern.family();
            family.sort_by_key(|whole| whole.key != asked_key);
            for whole in family {
                wholes.push(totals(&whole.top, Some(&pattern))?);
            }
        } else {
            wholes.push(totals(&request.whole, None)?);
        }
        states.push(TriangleState {
            load: load.clone(),
            wholes,
        });
    }
    Ok(states)
}

/// The asked whole's value of every indicator after each load, oldest first. Public: a
/// load's value is shown only where, in every whole, it is published in that state and
/// its counts differ from those of every load shown before by 0 or by at least 5 (the
/// value now first, then the value then unless a whole's revision hid it, then the
/// others from the newest): a load is shown in every whole's triangle or in none.
fn triangle_of(
    states: &[TriangleState],
    indicators: &[Indicator],
    now_load: i64,
    since: i64,
    public: bool,
    since_hidden: bool,
) -> Result<Vec<Vintage>> {
    let mut vintages = Vec::new();
    for indicator in indicators {
        let find = |rows: &[TidyRow]| rows.iter().find(|r| r.indicator_id == indicator.id).cloned();
        // Each state's (raw, shown) row of every whole, the asked whole's first.
        let rows: Vec<(&LoadMark, Vec<RowPair>)> = states
            .iter()
            .map(|state| {
                let wholes = state
                    .wholes
                    .iter()
                    .map(|(raw, shown)| (find(raw), find(shown)))
                    .collect();
                (&state.load, wholes)
            })
            .collect();
        if rows.iter().all(|(_, wholes)| wholes[0].0.is_none()) {
            continue;
        }
        let mut visible = vec![!public; rows.len()];
        if public {
            let order = {
                let mut order: Vec<usize> = Vec::new();
                order.extend(rows.iter().position(|(l, _)| l.load_id == now_load));
                order.extend(
                    rows.iter()
                        .position(|(l, _)| l.load_id == since && since != now_load),
                );
                let rest: Vec<usize> = (0..rows.len()).rev().filter(|i| !order.contains(i)).collect();
                order.extend(rest);
                order
            };
            let counted = |raw: &Option<TidyRow>| -> [u64; 2] {
                let raw = raw.as_ref();
                [
                    indicator
                        .numerator_quantity
                        .quantity()
                        .and_then(|_| raw.and_then(|r| r.numerator))
                        .unwrap_or(0),
                    indicator
                        .denominator_quantity
                        .quantity()
                        .and_then(|_| raw.and_then(|r| r.denominator))
                        .unwrap_or(0),
                ]
            };
            let whole_count = rows[0].1.len();
            let mut shown_counts: Vec<Vec<[u64; 2]>> = vec![Vec::new(); whole_count];
            for i in order {
                let (load, wholes) = &rows[i];
                if wholes[0].0.is_none() || load.load_id == since && since != now_load && since_hidden {
                    continue;
                }
                let ok = wholes.iter().enumerate().all(|(w, (raw, shown))| {
                    let suppressed =
                        raw.is_some() && shown.as_ref().is_none_or(|s| s.status == Status::Suppressed);
                    let counts = counted(raw);
                    let near = shown_counts[w].iter().any(|other| {
                        (0..2).any(|q| disclosure::is_protected(counts[q].abs_diff(other[q]) as f64))
                    });
                    !suppressed && !near
                });
                if ok {
                    visible[i] = true;
                    for (w, (raw, _)) in wholes.iter().enumerate() {
                        shown_counts[w].push(counted(raw));
                    }
                }
            }
        }
        for (i, (load, wholes)) in rows.into_iter().enumerate() {
            let (raw, shown) = wholes.into_iter().next().unwrap_or((None, None));
            let row = if public { shown } else { raw };
            let (value, status) = match (row, visible[i]) {
                (Some(r), true) => (r.value, r.status),
                (Some(_), false) => (None, Status::Suppressed),
                (None, _) => (None, Status::NoData),
            };
            vintages.push(Vintage {
                load: load.clone(),
                indicator_id: indicator.id.clone(),
                value,
                status,
            });
        }
    }
    Ok(vintages)
}
