//! Figures computed ahead: a report asks [`super::compute`] for the same indicators over a
//! dozen periods (the period, the previous one, the year before, its trends and years),
//! and each question alone plans and scans the case facts once. Told the periods first,
//! the engine computes each indicator for all of them in one query (the periods a column
//! of it) and remembers the figures; the questions that follow are answered from memory.

use std::collections::BTreeSet;

use arrow::record_batch::RecordBatch;

use super::reached::{as_reached, read_each};
use super::{
    figure_label, groups_in_risk_order, of_indicator, reads_only_the_store, reduce, remember, FigureKey,
    REMEMBERED, REMEMBERED_AT_MOST,
};
use crate::catalog::{Indicator, Subject};
use crate::error::{Error, Result};
use crate::results::{Request, TidyRow};
use crate::store::{member_groups_of_periods_sql, CaseScope, Session, Store};

/// What an indicator's member groups for many periods depend on: the query's text
/// without its comment lines (an indicator's header names it, its label and statistic)
/// and the requests asked (indices of the moments written).
type MembersQuery = (String, Vec<usize>);

/// One request and the indicators it will be asked for.
pub type Ask = (Request, Vec<Indicator>);

/// Computes and remembers the figures `asks` will ask [`super::compute`] for, with one
/// query per indicator for all the periods and wholes of a state of the store read.
/// Figures already remembered are not computed again. A store not told to expect many
/// periods (`Store::expect_many_periods`), or asked for a period beyond the latest
/// moment it expects, has facts for one period at a time: its figures are left to be
/// computed as they are asked. How many figures were computed.
pub fn compute_ahead(store: &Store, asks: &[Ask]) -> Result<usize> {
    let mut wanted: Vec<(Ask, Vec<FigureKey>)> = Vec::new();
    {
        let remembered = REMEMBERED
            .lock()
            .map_err(|_| Error::Internal("remembered figures poisoned".into()))?;
        // A report asks for some periods twice (the previous one is also the trend's).
        let mut seen = std::collections::HashSet::new();
        for (request, indicators) in asks {
            let state = store.last_load_known(request.known)?;
            let mut missing: Vec<Indicator> = Vec::new();
            let mut keys = Vec::new();
            for indicator in indicators {
                let key = FigureKey::of(store, state, request, indicator);
                let known = remembered.as_ref().is_some_and(|r| r.contains_key(&key));
                if !known && seen.insert(key.clone()) {
                    missing.push(indicator.clone());
                    keys.push(key);
                }
            }
            if !missing.is_empty() {
                wanted.push(((request.clone(), missing), keys));
            }
        }
    }
    // More than memory keeps would be forgotten before it is asked for.
    if wanted.iter().map(|(_, keys)| keys.len()).sum::<usize>() > REMEMBERED_AT_MOST / 2 {
        return Ok(0);
    }
    let mut computed = 0;
    let states: BTreeSet<Option<i64>> = wanted.iter().map(|((request, _), _)| request.known).collect();
    for known in states {
        let group: Vec<&(Ask, Vec<FigureKey>)> = wanted
            .iter()
            .filter(|((request, _), _)| request.known == known)
            .collect();
        let asks: Vec<&Ask> = group.iter().map(|(ask, _)| ask).collect();
        let Some(rows) = compute_periods(store, &asks)? else {
            continue;
        };
        let mut figures = Vec::new();
        for (((_, indicators), keys), rows) in group.iter().zip(rows) {
            for (indicator, key) in indicators.iter().zip(keys) {
                figures.push((key.clone(), of_indicator(&rows, indicator)));
            }
        }
        computed += figures.len();
        remember(figures)?;
    }
    Ok(computed)
}

/// The rows of each ask (requests of one state of the store), computed with one query per
/// indicator for every ask, whatever whole it reports (the nation's and a province's
/// periods alike); None
/// when the store keeps facts for one period at a time, or kept facts that do not hold
/// every ask's cases.
fn compute_periods(store: &Store, asks: &[&Ask]) -> Result<Option<Vec<Vec<TidyRow>>>> {
    let mut every: Vec<Indicator> = Vec::new();
    for (_, indicators) in asks {
        for indicator in indicators {
            if !every.iter().any(|i| i.id == indicator.id) {
                every.push(indicator.clone());
            }
        }
    }
    let sessions: Vec<Session> = asks
        .iter()
        .map(|(request, _)| Session::new(store, request))
        .collect::<Result<_>>()?;
    let requests: Vec<&Request> = asks.iter().map(|(request, _)| request).collect();
    if !sessions
        .first()
        .is_some_and(|session| session.reads_facts_for(&requests))
    {
        return Ok(None);
    }
    let mut clock = crate::Stopwatch::start();
    reads_only_the_store(&every)?;
    clock.lap("ahead: catalog checked");
    compute_together(&sessions, asks, &every).map(Some)
}

/// The rows of each ask: one query per indicator of `every`, over the union of the
/// provinces their wholes read, each ask's groups taken as its whole reaches them.
fn compute_together(sessions: &[Session], asks: &[&Ask], every: &[Indicator]) -> Result<Vec<Vec<TidyRow>>> {
    let mut clock = crate::Stopwatch::start();
    let requests: Vec<&Request> = asks.iter().map(|(request, _)| request).collect();
    // Each request's sources, areas and population, read through its own whole.
    let (each, provinces) = read_each(sessions, &requests)?;
    clock.lap("ahead: places");
    let readers = every.iter().filter(|i| i.subject == Subject::Cases).count();
    let (session, first) = (&sessions[0], requests[0]);
    session.scope_provinces(first, &provinces, CaseScope::needed_by(every), readers)?;
    session.set_request_moments(&requests)?;
    clock.lap("ahead: scope");
    let mut rows: Vec<Vec<TidyRow>> = vec![Vec::new(); asks.len()];
    // Indicators that differ in their statistic only (a median and a 90th percentile
    // of the same durations) read the same member groups: the query before is kept
    // for the next (they are neighbours in the catalog).
    let mut previous: Option<(MembersQuery, Vec<Vec<RecordBatch>>)> = None;
    for indicator in every {
        let askers: Vec<usize> = (0..asks.len())
            .filter(|&k| asks[k].1.iter().any(|a| a.id == indicator.id))
            .collect();
        let (queried, answered_by) = by_moments(&askers, |k| requests[k].moments());
        let query = (
            without_comment_lines(&member_groups_of_periods_sql(indicator, "request_moments")),
            queried.clone(),
        );
        let groups = match previous.take() {
            Some((before, groups)) if before == query => groups,
            _ => session
                .member_groups_of_periods(indicator, &queried)?
                .into_iter()
                .map(|batches| groups_in_risk_order(indicator, batches))
                .collect::<Result<_>>()?,
        };
        for (&k, &position) in askers.iter().zip(&answered_by) {
            let whole = &each[k];
            let reached = as_reached(&groups[position], &whole.sources)?;
            rows[k].extend(reduce(
                indicator,
                requests[k],
                &whole.geography,
                &whole.population,
                &reached,
            )?);
        }
        previous = Some((query, groups));
        // One line per query, naming each figure it computed.
        let labels: Vec<String> = askers.iter().map(|&k| figure_label(requests[k])).collect();
        clock.lap(&format!(
            "indicator {} as known after {:?} for: {}",
            indicator.id,
            first.known,
            labels.join(" + ")
        ));
    }
    Ok(rows)
}

/// `sql` without its lines that are comments only: the median and the 90th percentile of
/// the same durations differ in their headers, and read the same groups.
fn without_comment_lines(sql: &str) -> String {
    sql.lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The askers to query (the first of each distinct moments), and for each asker the
/// position among them of the one whose groups answer it. Requests of the same moments
/// read the same member groups (the areas and the population of each whole are applied
/// after, in `reduce`): a province's pattern asks each period under the geography of its
/// last day and under the latest, which read the same provinces unless it merged.
fn by_moments<M: PartialEq>(askers: &[usize], moments: impl Fn(usize) -> M) -> (Vec<usize>, Vec<usize>) {
    let mut queried: Vec<usize> = Vec::new();
    let answered_by = askers
        .iter()
        .map(
            |&k| match queried.iter().position(|&q| moments(q) == moments(k)) {
                Some(position) => position,
                None => {
                    queried.push(k);
                    queried.len() - 1
                }
            },
        )
        .collect();
    (queried, answered_by)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four askers of moments A, B, A, C: A's first asker, B's and C's are queried, and
    /// the third asker is answered by the first's groups.
    #[test]
    fn askers_of_the_same_moments_are_answered_by_one_query() {
        let moments = ['A', 'B', 'A', 'C'];
        let (queried, answered_by) = by_moments(&[0, 1, 2, 3], |k| moments[k]);
        assert_eq!(queried, [0, 1, 3]);
        assert_eq!(answered_by, [0, 1, 0, 2]);
        // Askers need not start at 0: their positions among the queried ones.
        let (queried, answered_by) = by_moments(&[2, 3], |k| moments[k]);
        assert_eq!((queried, answered_by), (vec![2, 3], vec![0, 1]));
    }
}
