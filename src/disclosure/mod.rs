//! Disclosure control: the one place where the public audience's rule lives
//! (indicators.md v2, "Disclosure control"). Every public output (the tidy table, the
//! workbook, the charts, the dashboard, `compare`'s files and heatmap) shows only what
//! [`Table::solve`] leaves shown; nothing else in the code knows the threshold.
//!
//! The rule works on quantities, not rows. A quantity is a count of cases or content
//! items that some row shows or implies (the registry is `queries/quantities.toml`; each
//! indicator declares what its numerator and denominator count). For each quantity, its
//! counts per cell (area × breakdown value) are:
//! - **primary**: a count from 1 to 4 is hidden ([`is_protected`]; a count weighted
//!   through the crosswalk: above 0 and below 5);
//! - **secondary**: in every group of cells that adds up to a total (the areas of the
//!   province; each breakdown of the province; along both margins of a
//!   cross-tabulation), where the total is shown and exactly one cell is hidden, the
//!   smallest other non-zero cell is hidden too (ties: the first in code order).
//!   Repeated over every quantity and group until nothing changes;
//! - **rows**: a row is suppressed wherever any count it carries is hidden, so a share,
//!   rate or duration follows every count it is built on, and the same count is hidden
//!   in every row that carries it.
//!
//! Two safeguards go beyond the spec's text, both only ever hiding more: a hidden total
//! whose cells are all shown has its smallest non-zero cell hidden (else the cells add up
//! to it: this happens in a cross-tabulation, whose margins can be hidden by the 1-D
//! rule); and where no other non-zero cell is left to hide, the first other zero cell is
//! hidden (a reader cannot tell it is zero). Groups are protected whether or not their
//! cells add up exactly to the total: an over-protected group is safe, a skipped one is
//! a leak.

use crate::results::{Completeness, Quality};
use std::collections::{BTreeMap, HashMap, HashSet};

mod audit;
mod fixed;
pub use audit::Interval;

/// Each quantity's groups of cells adding up to a total: (total, members).
type Groups<'a> = BTreeMap<&'a String, Vec<(usize, Vec<usize>)>>;

/// Rounds of the audit hiding one count beside each disclosed one, and rounds in all.
const ROUNDS_ONE_AT_A_TIME: usize = 8;
const MAX_ROUNDS: usize = 40;

/// Counts from 1 to this are never shown to the public audience.
pub const THRESHOLD: u64 = 4;

/// Whether a count may not be shown: 1 to [`THRESHOLD`], or for a weighted count any
/// value above 0 and below `THRESHOLD + 1` (a weighted 4.6 is about 5 children, and
/// tells a reader nearly as much as a 4 would).
pub fn is_protected(count: f64) -> bool {
    count > 0.0 && count < (THRESHOLD + 1) as f64
}

/// A count outside every indicator's cells (the data-quality figures of a report: rows
/// quarantined, cases with stages out of order, late records) as the audience may see
/// it: `None` where it is protected. These are counts of cases too.
pub fn shown_count(count: u64, public: bool) -> Option<u64> {
    (!(public && is_protected(count as f64))).then_some(count)
}

/// A data-quality count of a report, named `name` ([`Quality::name`] for completeness),
/// as `public` or the office may see it: None where the threshold or the period's
/// pattern hides it ([`Quality::hidden`]).
pub fn quality_shown(quality: &Quality, name: &str, count: u64, public: bool) -> Option<u64> {
    if public && quality.hidden.contains(name) {
        return None;
    }
    shown_count(count, public)
}

/// Completeness `c`'s filled count, rows and share as the audience may see them.
pub fn completeness_shown(
    quality: &Quality,
    c: &Completeness,
    public: bool,
) -> (Option<u64>, Option<u64>, Option<f64>) {
    let filled = quality_shown(
        quality,
        &Quality::name(c.kind, c.column, "filled"),
        c.filled,
        public,
    );
    let rows = quality_shown(quality, &Quality::name(c.kind, c.column, "rows"), c.total, public);
    // A share and its rows give the filled count back: it is shown with both.
    let share = match (filled, rows) {
        (Some(f), Some(r)) if r > 0 => Some(f as f64 / r as f64),
        _ => None,
    };
    (filled, rows, share)
}

/// A cell of a table: an area (the province or one of its areas) and a breakdown value
/// (`breakdown` empty for the area's total).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey {
    pub area: String,
    pub breakdown: String,
    pub value: String,
}

impl CellKey {
    pub fn new(area: &str, breakdown: &str, value: &str) -> CellKey {
        CellKey {
            area: area.to_string(),
            breakdown: breakdown.to_string(),
            value: value.to_string(),
        }
    }

    /// The total of an area (or of the province).
    pub fn total(area: &str) -> CellKey {
        CellKey::new(area, "", "")
    }
}

/// The counts of every quantity in every cell of one release (the outputs about one
/// period in one geography), and the cells already hidden elsewhere.
#[derive(Debug, Clone)]
pub struct Table {
    province: String,
    /// Cells in the order first recorded: callers record them in code order, which is
    /// the order ties are broken in.
    cells: Vec<CellKey>,
    index: HashMap<CellKey, usize>,
    /// quantity → cell index → count.
    counts: BTreeMap<String, BTreeMap<usize, f64>>,
    forced: HashSet<(String, usize)>,
    /// Groups of cells adding up to a total, given by the caller (a hierarchy of wholes):
    /// when there are any, they replace the groups read from the cells' keys.
    relations: Vec<(usize, Vec<usize>)>,
    /// (inner, outer): in every cell, the inner quantity counts at most the outer.
    nested: Vec<(String, String)>,
    /// The largest linked set the audit solves count by count ([`audit::intervals`]).
    solve_each_up_to: usize,
}

/// Two rows disagree on a quantity of the same cell: a header declares the wrong
/// quantity. Nothing is published then, since the rule cannot know which count to hide.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("disclosure control: {quantity} of {area}/{breakdown}/{value} is {first} in one row and {second} in another (a header declares the wrong quantity)")]
pub struct Conflict {
    pub quantity: String,
    pub area: String,
    pub breakdown: String,
    pub value: String,
    pub first: f64,
    pub second: f64,
}

/// A conflict stops whatever was being published, as an error of the library: the
/// error type knows its message, not disclosure control (which sits above it).
impl From<Conflict> for crate::error::Error {
    fn from(conflict: Conflict) -> crate::error::Error {
        crate::error::Error::Disclosure(conflict.to_string())
    }
}

impl Table {
    pub fn new(province: &str) -> Table {
        Table {
            province: province.to_string(),
            cells: Vec::new(),
            index: HashMap::new(),
            counts: BTreeMap::new(),
            forced: HashSet::new(),
            relations: Vec::new(),
            nested: Vec::new(),
            solve_each_up_to: audit::SOLVE_EACH_UP_TO,
        }
    }

    /// The audit of this table solving count by count only linked sets of at most `n`
    /// counts (tests: a small table audited as a nation's large set is).
    #[cfg(test)]
    fn solving_each_up_to(mut self, n: usize) -> Table {
        self.solve_each_up_to = n;
        self
    }

    /// States that `members` add up to `total` (for every quantity they hold). Once any
    /// group is stated, only stated groups are used.
    pub fn relate(&mut self, total: &CellKey, members: &[CellKey]) {
        let total = self.cell_index(total);
        let members = members.iter().map(|m| self.cell_index(m)).collect();
        self.relations.push((total, members));
    }

    /// States that in every cell `inner` counts at most what `outer` counts (the
    /// registry's `within`), as a reader knows from the definitions.
    pub fn nest(&mut self, inner: &str, outer: &str) {
        self.nested.push((inner.to_string(), outer.to_string()));
    }

    fn cell_index(&mut self, cell: &CellKey) -> usize {
        if let Some(&i) = self.index.get(cell) {
            return i;
        }
        self.cells.push(cell.clone());
        self.index.insert(cell.clone(), self.cells.len() - 1);
        self.cells.len() - 1
    }

    /// Records that `cell` holds `count` of `quantity`. The same quantity of the same
    /// cell recorded again must have the same count.
    pub fn record(&mut self, quantity: &str, cell: &CellKey, count: f64) -> Result<(), Conflict> {
        let i = self.cell_index(cell);
        let counts = self.counts.entry(quantity.to_string()).or_default();
        match counts.get(&i) {
            Some(&first) if (first - count).abs() > 1e-9 * first.abs().max(1.0) => Err(Conflict {
                quantity: quantity.to_string(),
                area: cell.area.clone(),
                breakdown: cell.breakdown.clone(),
                value: cell.value.clone(),
                first,
                second: count,
            }),
            Some(_) => Ok(()),
            None => {
                counts.insert(i, count);
                Ok(())
            }
        }
    }

    /// Hides a count whatever its size: one hidden in another release of the same
    /// cells (the tidy table's margins of a heatmap, the province in a comparison by
    /// former district).
    pub fn force_hidden(&mut self, quantity: &str, cell: &CellKey) {
        let i = self.cell_index(cell);
        self.forced.insert((quantity.to_string(), i));
    }

    /// The groups of `quantity`'s cells that add up to a total: (total, members in code
    /// order). The structure comes from the cells alone: an area's total is a member of
    /// the province's areas; a province breakdown cell a member of that breakdown; an
    /// area's breakdown cell (a cross-tabulation) a member of the area's row and of the
    /// province's column.
    fn groups(&self, counts: &BTreeMap<usize, f64>) -> Vec<(usize, Vec<usize>)> {
        if !self.relations.is_empty() {
            return self
                .relations
                .iter()
                .filter(|(total, _)| counts.contains_key(total))
                .map(|(total, members)| {
                    let members: Vec<usize> = members
                        .iter()
                        .copied()
                        .filter(|m| counts.contains_key(m))
                        .collect();
                    (*total, members)
                })
                .filter(|(_, members)| !members.is_empty())
                .collect();
        }
        let province = &self.province;
        let mut groups: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
        let mut add = |total: &CellKey, dimension: &str, member: usize| {
            if let Some(&t) = self.index.get(total) {
                if counts.contains_key(&t) {
                    groups.entry((t, dimension.to_string())).or_default().push(member);
                }
            }
        };
        for &i in counts.keys() {
            let cell = &self.cells[i];
            match (cell.area == *province, cell.breakdown.is_empty()) {
                (true, true) => {}
                (true, false) => add(&CellKey::total(province), &cell.breakdown, i),
                (false, true) => add(&CellKey::total(province), "", i),
                (false, false) => {
                    add(&CellKey::total(&cell.area), &cell.breakdown, i);
                    add(&CellKey::new(province, &cell.breakdown, &cell.value), "", i);
                }
            }
        }
        groups
            .into_iter()
            .map(|((total, _), members)| (total, members))
            .collect()
    }

    /// Primary, then secondary suppression until nothing changes. The tables of one
    /// release (a comparison by level, a revision) are solved so; a period's pattern
    /// over every whole ([`crate::release`]) is audited too ([`Table::solve_audited`]).
    pub fn solve(&self) -> Hidden {
        let (hidden, groups) = self.primary_and_secondary();
        drop(groups);
        self.named(hidden)
    }

    fn named(&self, hidden: HashSet<(String, usize)>) -> Hidden {
        Hidden(
            hidden
                .into_iter()
                .map(|(q, i)| (q, self.cells[i].clone()))
                .collect(),
        )
    }

    /// Primary suppression, then secondary until nothing changes; with the groups.
    fn primary_and_secondary(&self) -> (HashSet<(String, usize)>, Groups<'_>) {
        let mut hidden: HashSet<(String, usize)> = self.forced.clone();
        for (quantity, counts) in &self.counts {
            for (&i, &n) in counts {
                if is_protected(n) {
                    hidden.insert((quantity.clone(), i));
                }
            }
        }
        let groups: BTreeMap<&String, Vec<(usize, Vec<usize>)>> = self
            .counts
            .iter()
            .map(|(q, counts)| (q, self.groups(counts)))
            .collect();
        self.close(&mut hidden, &groups);
        (hidden, groups)
    }

    /// [`Table::solve`], with what the audit found and did.
    pub fn solve_audited(&self) -> (Hidden, Audit) {
        let (mut hidden, groups) = self.primary_and_secondary();
        let mut audit = Audit::default();
        let mut clock = crate::Stopwatch::start();
        let relations = self.relations(&groups);
        let truth = self.truth();
        let mut wide: BTreeMap<audit::Count, Interval> = BTreeMap::new();
        let touching = touching(&relations);
        let mut presumed_before: HashSet<audit::Count> = HashSet::new();
        // Propagation first: it finds most pins at the cost of a few passes, so the
        // linear programmes start from a pattern with fewer to find.
        let ruled = hidden.clone();
        self.propagate(&mut hidden, &groups, &relations, &truth, &touching);
        let mut by_propagation: Vec<&(String, usize)> = hidden.difference(&ruled).collect();
        by_propagation.sort();
        audit.widened = by_propagation
            .into_iter()
            .map(|(q, i)| (q.clone(), self.cells[*i].clone()))
            .collect();
        loop {
            self.close(&mut hidden, &groups);
            audit.rounds += 1;
            clock.lap(&format!(
                "disclosure: round {} closed, {} hidden",
                audit.rounds,
                hidden.len()
            ));
            let mut counts: Vec<audit::Count> =
                hidden.iter().filter(|c| truth.contains_key(c)).cloned().collect();
            counts.sort();
            let intervals = audit::intervals(&counts, &relations, &truth, &wide, self.solve_each_up_to);
            wide.extend(
                intervals
                    .iter()
                    .filter(|(_, i)| !i.exact && !i.presumed)
                    .map(|(c, i)| (c.clone(), *i)),
            );
            clock.lap("disclosure: intervals");
            let disclosed: Vec<(String, usize)> = intervals
                .iter()
                .filter(|(_, interval)| interval.discloses())
                .map(|(count, _)| count.clone())
                .collect();
            let mut widened = false;
            // After a few rounds of one count each, a disclosed count's every shown
            // partner at the nearest distance is hidden at once (a long chain of
            // small steps is costly to audit), and the audit stops at last with what
            // it could not protect said. So is a count presumed disclosed twice in a
            // row: it lies in a linked set too large to solve count by count (each of
            // its rounds costs seconds a problem), and one partner hidden beside it
            // did not free it; over a nation's quarter such counts took seven rounds
            // of 20-40 s each, one or two freed a round, until all were hidden at once.
            let all_at_once = audit.rounds > ROUNDS_ONE_AT_A_TIME;
            let presumed_now: HashSet<audit::Count> = disclosed
                .iter()
                .filter(|count| intervals[*count].presumed)
                .cloned()
                .collect();
            for count in &disclosed {
                let stuck = presumed_now.contains(count) && presumed_before.contains(count);
                for pick in self.partners_to_hide(count, &hidden, &relations, &touching, all_at_once || stuck)
                {
                    if hidden.insert(pick.clone()) {
                        audit.widened.push((pick.0.clone(), self.cells[pick.1].clone()));
                        widened = true;
                    }
                }
            }
            presumed_before = presumed_now;
            if !widened || audit.rounds >= MAX_ROUNDS {
                audit.intervals = intervals
                    .into_iter()
                    .map(|((q, i), interval)| (q, self.cells[i].clone(), interval))
                    .collect();
                audit.disclosed = disclosed
                    .into_iter()
                    .map(|(q, i)| (q, self.cells[i].clone()))
                    .collect();
                break;
            }
        }
        (self.named(hidden), audit)
    }

    /// Hides more wherever bounds propagated along every relation (sums, wholes of
    /// wholes, nested quantities) pin a hidden count to 1-4, until none is: cheap, and
    /// complete only as far as propagation goes, so the exact audit follows.
    fn propagate(
        &self,
        hidden: &mut HashSet<(String, usize)>,
        groups: &Groups<'_>,
        relations: &[audit::Relation],
        truth: &HashMap<audit::Count, f64>,
        touching: &HashMap<audit::Count, Vec<usize>>,
    ) {
        for round in 1..=MAX_ROUNDS {
            self.close(hidden, groups);
            let mut counts: Vec<audit::Count> =
                hidden.iter().filter(|c| truth.contains_key(c)).cloned().collect();
            counts.sort();
            let disclosed: Vec<audit::Count> = audit::propagated(&counts, relations, truth)
                .into_iter()
                .filter(|(_, interval)| interval.discloses())
                .map(|(count, _)| count)
                .collect();
            let mut widened = false;
            for count in &disclosed {
                for pick in
                    self.partners_to_hide(count, hidden, relations, touching, round > ROUNDS_ONE_AT_A_TIME)
                {
                    widened |= hidden.insert(pick);
                }
            }
            if !widened {
                break;
            }
        }
    }

    /// Every recorded count, by (quantity, cell).
    fn truth(&self) -> HashMap<audit::Count, f64> {
        self.counts
            .iter()
            .flat_map(|(q, counts)| counts.iter().map(move |(&i, &n)| ((q.clone(), i), n)))
            .collect()
    }

    /// Secondary suppression until nothing changes.
    fn close(
        &self,
        hidden: &mut HashSet<(String, usize)>,
        groups: &BTreeMap<&String, Vec<(usize, Vec<usize>)>>,
    ) {
        for (quantity, counts) in &self.counts {
            let is_hidden =
                |hidden: &HashSet<(String, usize)>, i: usize| hidden.contains(&(quantity.clone(), i));
            let groups = &groups[quantity];
            loop {
                let mut changed = false;
                for (total, members) in groups {
                    let total_hidden = is_hidden(hidden, *total);
                    let members_hidden = members.iter().filter(|&&m| is_hidden(hidden, m)).count();
                    // One hidden cell beside a shown total is the total less the others;
                    // a hidden total beside shown cells is their sum.
                    let exposed =
                        (!total_hidden && members_hidden == 1) || (total_hidden && members_hidden == 0);
                    if !exposed {
                        continue;
                    }
                    let open: Vec<usize> = members
                        .iter()
                        .copied()
                        .filter(|&m| !is_hidden(hidden, m))
                        .collect();
                    // `min_by` keeps the first of equals: the first in code order.
                    let pick = open
                        .iter()
                        .copied()
                        .filter(|m| counts[m] > 0.0)
                        .min_by(|a, b| counts[a].total_cmp(&counts[b]))
                        .or_else(|| open.first().copied());
                    if let Some(pick) = pick {
                        hidden.insert((quantity.clone(), pick));
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
        }
    }

    /// Every relation a reader knows over the recorded counts, as the counts obey it.
    fn relations(&self, groups: &BTreeMap<&String, Vec<(usize, Vec<usize>)>>) -> Vec<audit::Relation> {
        const SLACK: f64 = 1e-9;
        let mut relations = Vec::new();
        for (quantity, counts) in &self.counts {
            for (total, members) in &groups[quantity] {
                let sum: f64 = members.iter().map(|m| counts[m]).sum();
                let equal = (sum - counts[total]).abs() <= SLACK * counts[total].abs().max(1.0);
                if !equal && sum > counts[total] {
                    continue;
                }
                let mut terms: Vec<(audit::Count, f64)> =
                    members.iter().map(|&m| ((quantity.clone(), m), 1.0)).collect();
                terms.push(((quantity.clone(), *total), -1.0));
                relations.push(audit::Relation { terms, equal });
            }
        }
        for (inner, outer) in &self.nested {
            let (Some(inner_counts), Some(outer_counts)) = (self.counts.get(inner), self.counts.get(outer))
            else {
                continue;
            };
            for (&i, &n) in inner_counts {
                if outer_counts.get(&i).is_some_and(|&m| n <= m) {
                    relations.push(audit::Relation {
                        terms: vec![((inner.clone(), i), 1.0), ((outer.clone(), i), -1.0)],
                        equal: false,
                    });
                }
            }
        }
        relations
    }

    /// The shown counts to hide beside a disclosed one: the smallest non-zero count shown
    /// in a relation with it (a cell of one of its groups, the group's total, the
    /// quantity it is nested in or that is nested in it, in that cell); ties: the first
    /// in code order. Where every count related to it is hidden already (it is pinned
    /// through other hidden counts), the search goes on from those, one relation
    /// further each time. With `all_at_once`, every shown count at the nearest
    /// distance. None when nothing shown is linked to it at all.
    fn partners_to_hide(
        &self,
        count: &audit::Count,
        hidden: &HashSet<audit::Count>,
        relations: &[audit::Relation],
        touching: &HashMap<audit::Count, Vec<usize>>,
        all_at_once: bool,
    ) -> Vec<audit::Count> {
        let value = |c: &audit::Count| self.counts[&c.0][&c.1];
        let mut frontier: Vec<audit::Count> = vec![count.clone()];
        let mut seen: HashSet<audit::Count> = frontier.iter().cloned().collect();
        while !frontier.is_empty() {
            let mut open: Vec<audit::Count> = Vec::new();
            let mut next: Vec<audit::Count> = Vec::new();
            for c in &frontier {
                for &r in touching.get(c).into_iter().flatten() {
                    for (term, _) in &relations[r].terms {
                        if !seen.insert(term.clone()) {
                            continue;
                        }
                        if hidden.contains(term) {
                            next.push(term.clone());
                        } else {
                            open.push(term.clone());
                        }
                    }
                }
            }
            open.sort_by_key(|c| (c.1, c.0.clone()));
            if all_at_once && !open.is_empty() {
                return open;
            }
            let pick = open
                .iter()
                .filter(|c| value(c) > 0.0)
                .min_by(|a, b| value(a).total_cmp(&value(b)))
                .or_else(|| open.first())
                .cloned();
            if let Some(pick) = pick {
                return vec![pick];
            }
            frontier = next;
        }
        Vec::new()
    }
}

/// The relations each count takes part in, by index.
fn touching(relations: &[audit::Relation]) -> HashMap<audit::Count, Vec<usize>> {
    let mut touching: HashMap<audit::Count, Vec<usize>> = HashMap::new();
    for (r, relation) in relations.iter().enumerate() {
        for (count, _) in &relation.terms {
            touching.entry(count.clone()).or_default().push(r);
        }
    }
    touching
}

/// What the audit of a pattern found and did: the interval of every hidden count in the
/// end, the counts it hid beyond primary and secondary suppression, and the rounds.
/// `disclosed` is empty unless a disclosed count had nothing left to hide beside it.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    pub intervals: Vec<(String, CellKey, Interval)>,
    pub widened: Vec<(String, CellKey)>,
    pub disclosed: Vec<(String, CellKey)>,
    pub rounds: usize,
}

/// The hidden counts of a solved [`Table`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hidden(HashSet<(String, CellKey)>);

impl Hidden {
    /// Adds a hidden count.
    pub fn insert(&mut self, quantity: &str, cell: &CellKey) {
        self.0.insert((quantity.to_string(), cell.clone()));
    }

    pub fn contains(&self, quantity: &str, cell: &CellKey) -> bool {
        self.0.contains(&(quantity.to_string(), cell.clone()))
    }

    /// Whether a row carrying these quantities of `cell` must be suppressed.
    pub fn hides_any<'q>(
        &self,
        quantities: impl IntoIterator<Item = Option<&'q str>>,
        cell: &CellKey,
    ) -> bool {
        quantities.into_iter().flatten().any(|q| self.contains(q, cell))
    }

    /// These hidden counts and those of `other` that `keep` selects (another release's
    /// cells that this one shows too, such as the province's).
    pub fn union(mut self, other: &Hidden, keep: impl Fn(&str, &CellKey) -> bool) -> Hidden {
        self.0.extend(other.0.iter().filter(|(q, c)| keep(q, c)).cloned());
        self
    }
}

pub use tidy::{blank, suppress};

mod tidy {
    use super::*;
    use crate::catalog::Indicator;
    use crate::results::{Status, TidyRow};

    /// Suppresses a row: no number at all, status `suppressed` (`[c]` to readers).
    pub fn blank(row: &mut TidyRow) {
        row.status = Status::Suppressed;
        row.value = None;
        row.ci_low = None;
        row.ci_high = None;
        row.numerator = None;
        row.denominator = None;
    }

    fn cell_of(row: &TidyRow) -> CellKey {
        CellKey::new(&row.area_code, &row.breakdown, &row.breakdown_value)
    }

    /// The declared quantities of a row's numerator and denominator, with the counts the
    /// row shows for them.
    fn counts_of<'i>(row: &TidyRow, indicator: &'i Indicator) -> [(Option<&'i str>, Option<u64>); 2] {
        [
            (indicator.numerator_quantity.quantity(), row.numerator),
            (indicator.denominator_quantity.quantity(), row.denominator),
        ]
    }

    /// Applies disclosure control to a period's tidy rows in place (they hold every
    /// value, as [`crate::indicators::compute`] returns them), and returns what it hid,
    /// for the outputs built from the same cells (comparisons by former district, the
    /// heatmap). A suppressed row keeps no number at all.
    pub fn suppress(
        rows: &mut [TidyRow],
        indicators: &[Indicator],
        province: &str,
    ) -> Result<Hidden, Conflict> {
        let by_id: HashMap<&str, &Indicator> = indicators.iter().map(|i| (i.id.as_str(), i)).collect();
        let mut table = Table::new(province);
        for row in rows.iter() {
            let Some(indicator) = by_id.get(row.indicator_id.as_str()) else {
                continue;
            };
            for (quantity, count) in counts_of(row, indicator) {
                if let (Some(q), Some(n)) = (quantity, count) {
                    table.record(q, &cell_of(row), n as f64)?;
                }
            }
        }
        let hidden = table.solve();
        for row in rows.iter_mut() {
            // An indicator the caller did not declare has nothing to go by: hidden whole.
            let suppressed = match by_id.get(row.indicator_id.as_str()) {
                Some(indicator) => hidden.hides_any(counts_of(row, indicator).map(|(q, _)| q), &cell_of(row)),
                None => true,
            };
            if suppressed {
                blank(row);
            }
        }
        Ok(hidden)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::catalog::{Counted, Statistic, Unit};

        fn row(
            id: &str,
            unit: Unit,
            area: &str,
            numerator: Option<u64>,
            denominator: Option<u64>,
        ) -> TidyRow {
            let quarter = crate::period::Period::parse("2025Q1", crate::period::Calendar::Statutory).unwrap();
            TidyRow {
                numerator,
                denominator,
                value: Some(1.0),
                ci_low: Some(0.5),
                ci_high: Some(1.0),
                ..TidyRow::empty(id, unit, &quarter, quarter.end_moment(), area)
            }
        }

        fn declared(
            id: &str,
            statistic: Statistic,
            unit: Unit,
            numerator: Counted,
            denominator: Counted,
        ) -> Indicator {
            let mut i = Indicator::example(id, unit, statistic, &["area"]);
            i.numerator_quantity = numerator;
            i.denominator_quantity = denominator;
            i
        }

        /// The leak of issue 14: `cases_confirmed` of area A1 is 3 (hidden), and
        /// `confirmed_share` counts the same cases as its numerator; `support_coverage`
        /// divides by them; a median's members are another quantity. Each follows the
        /// quantities it declares, whatever its id.
        #[test]
        fn rows_follow_the_quantities_they_declare() {
            let indicators = declared_indicators();
            let mut rows = Vec::new();
            for (area, confirmed, assessed, supported) in [
                ("P", 40, 70, 35),
                ("A1", 3, 10, 0),
                ("A2", 30, 50, 28),
                ("A3", 7, 10, 7),
            ] {
                rows.push(row(
                    "count_of_confirmed",
                    Unit::Count,
                    area,
                    Some(confirmed),
                    None,
                ));
                rows.push(row(
                    "share_confirmed",
                    Unit::Share,
                    area,
                    Some(confirmed),
                    Some(assessed),
                ));
                rows.push(row(
                    "coverage",
                    Unit::Share,
                    area,
                    Some(supported),
                    Some(confirmed),
                ));
                rows.push(row("rate", Unit::Per100k, area, Some(confirmed), Some(90_000)));
                rows.push(row("median_hours", Unit::Hours, area, None, Some(assessed)));
            }
            let hidden = suppress(&mut rows, &indicators, "P").unwrap();
            let status = |id: &str, area: &str| {
                rows.iter()
                    .find(|r| r.indicator_id == id && r.area_code == area)
                    .map(|r| (r.status, r.numerator, r.denominator, r.value))
                    .unwrap()
            };
            // confirmed: A1 (3) primary; A3 (7), the smallest other non-zero area, too.
            assert!(hidden.contains("confirmed", &CellKey::total("A1")));
            assert!(hidden.contains("confirmed", &CellKey::total("A3")));
            assert!(!hidden.contains("confirmed", &CellKey::total("A2")));
            for id in ["count_of_confirmed", "share_confirmed", "coverage", "rate"] {
                for area in ["A1", "A3"] {
                    assert_eq!(
                        status(id, area),
                        (Status::Suppressed, None, None, None),
                        "{id} {area}"
                    );
                }
                assert_eq!(status(id, "A2").0, Status::Shown, "{id}");
                assert_eq!(status(id, "P").0, Status::Shown, "{id}");
            }
            // assessed (10, 50, 10) is never small: the median rows stay.
            assert!(["P", "A1", "A2", "A3"]
                .iter()
                .all(|a| status("median_hours", a).0 == Status::Shown));
        }

        /// The indicators of the test above: a count, two shares, a rate and a median,
        /// each declaring what it counts.
        fn declared_indicators() -> Vec<Indicator> {
            let q = |s: &str| Counted::Quantity(s.to_string());
            vec![
                declared(
                    "count_of_confirmed",
                    Statistic::Count,
                    Unit::Count,
                    q("confirmed"),
                    Counted::Nothing,
                ),
                declared(
                    "share_confirmed",
                    Statistic::Share,
                    Unit::Share,
                    q("confirmed"),
                    q("assessed"),
                ),
                declared(
                    "coverage",
                    Statistic::Share,
                    Unit::Share,
                    q("supported"),
                    q("confirmed"),
                ),
                declared(
                    "rate",
                    Statistic::Rate,
                    Unit::Per100k,
                    q("confirmed"),
                    Counted::Population,
                ),
                declared(
                    "median_hours",
                    Statistic::Quantile(0.5),
                    Unit::Hours,
                    Counted::Nothing,
                    q("assessed"),
                ),
            ]
        }

        #[test]
        fn undeclared_rows_are_hidden_and_disagreeing_rows_refused() {
            let indicators = declared_indicators();
            // An undeclared indicator's rows are hidden whole.
            let mut stray = vec![row("unknown", Unit::Count, "P", Some(50), None)];
            suppress(&mut stray, &indicators, "P").unwrap();
            assert_eq!(stray[0].status, Status::Suppressed);
            // Two declared rows of one cell disagreeing on a quantity: refused.
            let mut conflicting = vec![
                row("count_of_confirmed", Unit::Count, "P", Some(40), None),
                row("rate", Unit::Per100k, "P", Some(41), Some(90_000)),
            ];
            assert!(suppress(&mut conflicting, &indicators, "P").is_err());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hidden_of(table: &Table, quantity: &str, cells: &[CellKey]) -> Vec<bool> {
        let hidden = table.solve();
        cells.iter().map(|c| hidden.contains(quantity, c)).collect()
    }

    /// The province "P" with areas A1.. holding `counts` of quantity q.
    fn areas(counts: &[f64]) -> (Table, Vec<CellKey>) {
        let mut table = Table::new("P");
        table
            .record("q", &CellKey::total("P"), counts.iter().sum())
            .unwrap();
        let cells: Vec<CellKey> = (0..counts.len())
            .map(|i| CellKey::total(&format!("A{i}")))
            .collect();
        for (cell, &n) in cells.iter().zip(counts) {
            table.record("q", cell, n).unwrap();
        }
        (table, cells)
    }

    #[test]
    fn primary_and_secondary_by_hand() {
        // Areas 3, 10, 7, 0 (total 20): 3 is hidden, then the smallest other non-zero, 7.
        let (table, cells) = areas(&[3.0, 10.0, 7.0, 0.0]);
        assert_eq!(hidden_of(&table, "q", &cells), vec![true, false, true, false]);
        assert!(!table.solve().contains("q", &CellKey::total("P")));
        // Ties go to the first in code order: 2, 6, 6 → the first 6.
        let (table, cells) = areas(&[2.0, 6.0, 6.0]);
        assert_eq!(hidden_of(&table, "q", &cells), vec![true, true, false]);
        // Two small cells protect each other: nothing more is hidden.
        let (table, cells) = areas(&[1.0, 2.0, 9.0]);
        assert_eq!(hidden_of(&table, "q", &cells), vec![true, true, false]);
        // The threshold: 4 hidden, 5 shown, 0 shown; weighted 4.6 hidden.
        assert!(is_protected(4.0) && !is_protected(5.0) && !is_protected(0.0) && is_protected(4.6));
        assert_eq!(shown_count(3, true), None);
        assert_eq!(
            (shown_count(3, false), shown_count(0, true), shown_count(5, true)),
            (Some(3), Some(0), Some(5))
        );
    }

    /// A total that is itself hidden (1 to 4) leaves every non-zero cell small, so all
    /// of them are hidden by the primary rule and nothing can be added up.
    #[test]
    fn a_hidden_total_hides_its_cells() {
        let (table, cells) = areas(&[1.0, 2.0, 0.0]);
        let hidden = table.solve();
        assert!(hidden.contains("q", &CellKey::total("P")));
        assert_eq!(hidden_of(&table, "q", &cells), vec![true, true, false]);
    }

    /// A chain across both margins of a cross-tabulation (area × form), by hand:
    ///
    /// ```text
    ///      F1  F2 | total
    /// A1    4   0 |   4
    /// A2    2   5 |   7
    /// A3   11   9 |  20
    /// A4   20  30 |  50
    /// P    37  44 |  81
    /// ```
    /// Primary: A1 (4), A1/F1 (4), A2/F1 (2). Pass 1, groups in the order of their
    /// totals: A1's row has a hidden total and a hidden cell (nothing to add up); A2's row
    /// has one hidden cell under a shown total → its other cell A2/F2 (5); the areas have
    /// A1 alone → the smallest other non-zero area, A2 (7); column F1 has two hidden
    /// cells; column F2 now has A2/F2 alone → its smallest other non-zero cell, A3/F2
    /// (9). Pass 2: A3's row has A3/F2 alone → A3/F1 (11). Pass 3 changes nothing.
    #[test]
    fn secondary_suppression_chains_across_both_margins() {
        let mut t = Table::new("P");
        let rows = [
            ("A1", [4.0, 0.0]),
            ("A2", [2.0, 5.0]),
            ("A3", [11.0, 9.0]),
            ("A4", [20.0, 30.0]),
        ];
        let forms = ["F1", "F2"];
        for (area, cells) in &rows {
            t.record("cases", &CellKey::total(area), cells.iter().sum())
                .unwrap();
            for (form, n) in forms.iter().zip(cells) {
                t.record("cases", &CellKey::new(area, "form", form), *n).unwrap();
            }
        }
        t.record("cases", &CellKey::total("P"), 81.0).unwrap();
        t.record("cases", &CellKey::new("P", "form", "F1"), 37.0).unwrap();
        t.record("cases", &CellKey::new("P", "form", "F2"), 44.0).unwrap();
        let hidden = t.solve();
        let mut expected = vec![
            CellKey::total("A1"),
            CellKey::total("A2"),
            CellKey::new("A1", "form", "F1"),
            CellKey::new("A2", "form", "F1"),
            CellKey::new("A2", "form", "F2"),
            CellKey::new("A3", "form", "F2"),
            CellKey::new("A3", "form", "F1"),
        ];
        let mut found: Vec<CellKey> = t
            .cells
            .iter()
            .filter(|c| hidden.contains("cases", c))
            .cloned()
            .collect();
        expected.sort();
        found.sort();
        assert_eq!(found, expected);
    }

    /// Where the only other cells are zeros, a zero is hidden: a reader cannot tell it
    /// from a small count. Column F (7) with A1's 7 hidden elsewhere and zeros beside.
    #[test]
    fn a_zero_is_hidden_when_nothing_else_can_be() {
        let mut t = Table::new("P");
        t.record("q", &CellKey::new("P", "f", "F"), 7.0).unwrap();
        for (area, n) in [("A1", 7.0), ("A2", 0.0), ("A3", 0.0)] {
            t.record("q", &CellKey::new(area, "f", "F"), n).unwrap();
        }
        t.force_hidden("q", &CellKey::new("A1", "f", "F"));
        let hidden = t.solve();
        assert!(hidden.contains("q", &CellKey::new("A2", "f", "F")));
        assert!(!hidden.contains("q", &CellKey::new("A3", "f", "F")));
    }

    /// A cell whose share follows a hidden count of another indicator: the rows are
    /// suppressed by quantity, so a share whose denominator is `confirmed` is hidden
    /// where the count `confirmed` is, whatever its own numerator.
    #[test]
    fn a_quantity_is_hidden_in_every_row_that_carries_it() {
        let mut t = Table::new("P");
        let area = CellKey::total("A1");
        t.record("confirmed", &CellKey::total("P"), 40.0).unwrap();
        t.record("confirmed", &area, 3.0).unwrap();
        t.record("confirmed", &CellKey::total("A2"), 37.0).unwrap();
        t.record("supported", &area, 0.0).unwrap();
        let hidden = t.solve();
        // The count row (numerator confirmed) and the share row (numerator supported,
        // denominator confirmed) of A1 are both suppressed.
        assert!(hidden.hides_any([Some("confirmed")], &area));
        assert!(hidden.hides_any([Some("supported"), Some("confirmed")], &area));
        assert!(!hidden.hides_any([Some("supported"), None], &area));
        // A2 closes the areas group.
        assert!(hidden.contains("confirmed", &CellKey::total("A2")));
        // The same quantity recorded with another count is refused.
        assert!(t.record("confirmed", &area, 4.0).is_err());
    }

    #[test]
    fn forced_counts_are_hidden_and_protected_by_others() {
        let (mut table, cells) = areas(&[10.0, 20.0, 30.0]);
        table.force_hidden("q", &cells[1]);
        assert_eq!(hidden_of(&table, "q", &cells), vec![true, true, false]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Audited as a nation's large linked set is (joint problems only, a count they
        /// leave in 1-4 presumed disclosed and hidden beside), a province's
        /// cross-tabulation of two nested quantities ends with no hidden count the exact
        /// audit (count by count) pins to 1-4. (Tables this small never leave a count
        /// presumed twice; the nation's benchmark does, BENCHMARKS.md.)
        #[test]
        fn audited_as_a_large_set_no_hidden_count_is_pinned(
            grid in proptest::collection::vec(proptest::collection::vec((0u64..9, 0u64..4), 3), 2..6)
        ) {
            let mut t = Table::new("P").solving_each_up_to(0);
            let forms = ["F1", "F2", "F3"];
            for (quantity, count) in [
                ("received", (|(r, _): &(u64, u64)| *r) as fn(&(u64, u64)) -> u64),
                ("confirmed", |(r, c): &(u64, u64)| *c.min(r)),
            ] {
                let sum = |cells: &mut dyn Iterator<Item = &(u64, u64)>| cells.map(count).sum::<u64>() as f64;
                t.record(quantity, &CellKey::total("P"), sum(&mut grid.iter().flatten())).unwrap();
                for (a, row) in grid.iter().enumerate() {
                    let area = format!("A{a}");
                    t.record(quantity, &CellKey::total(&area), sum(&mut row.iter())).unwrap();
                    for (f, cell) in forms.iter().zip(row) {
                        t.record(quantity, &CellKey::new(&area, "form", f), count(cell) as f64).unwrap();
                    }
                }
                for (j, f) in forms.iter().enumerate() {
                    t.record(quantity, &CellKey::new("P", "form", f), sum(&mut grid.iter().map(|r| &r[j]))).unwrap();
                }
            }
            t.nest("confirmed", "received");
            let (hidden, _) = t.solve_audited();
            let (_, groups) = t.primary_and_secondary();
            let relations = t.relations(&groups);
            let truth = t.truth();
            let mut counts: Vec<audit::Count> = truth
                .keys()
                .filter(|(q, i)| hidden.contains(q, &t.cells[*i]))
                .cloned()
                .collect();
            counts.sort();
            let exact = audit::intervals(&counts, &relations, &truth, &BTreeMap::new(), usize::MAX);
            for (count, interval) in &exact {
                prop_assert!(!interval.discloses(), "{count:?} pinned to {interval:?}");
            }
        }

        /// For any counts of areas and of a breakdown, and a cross-tabulation of them,
        /// no small count is left shown, and no group of a shown total has exactly one
        /// hidden cell (nor a hidden total all its cells shown).
        #[test]
        fn nothing_small_is_shown_and_nothing_hidden_can_be_subtracted(
            grid in proptest::collection::vec(proptest::collection::vec(0u64..9, 3), 2..6)
        ) {
            let mut t = Table::new("P");
            let total: u64 = grid.iter().flatten().sum();
            t.record("q", &CellKey::total("P"), total as f64).unwrap();
            let forms = ["F1", "F2", "F3"];
            for (a, row) in grid.iter().enumerate() {
                let area = format!("A{a}");
                t.record("q", &CellKey::total(&area), row.iter().sum::<u64>() as f64).unwrap();
                for (f, n) in forms.iter().zip(row) {
                    t.record("q", &CellKey::new(&area, "form", f), *n as f64).unwrap();
                }
            }
            for (j, f) in forms.iter().enumerate() {
                let column: u64 = grid.iter().map(|r| r[j]).sum();
                t.record("q", &CellKey::new("P", "form", f), column as f64).unwrap();
            }
            let hidden = t.solve();
            let h = |c: &CellKey| hidden.contains("q", c);
            let mut groups: Vec<(CellKey, Vec<CellKey>)> = vec![(
                CellKey::total("P"),
                (0..grid.len()).map(|a| CellKey::total(&format!("A{a}"))).collect(),
            ), (
                CellKey::total("P"),
                forms.iter().map(|f| CellKey::new("P", "form", f)).collect(),
            )];
            for a in 0..grid.len() {
                let area = format!("A{a}");
                groups.push((CellKey::total(&area), forms.iter().map(|f| CellKey::new(&area, "form", f)).collect()));
            }
            for f in forms {
                groups.push((CellKey::new("P", "form", f), (0..grid.len()).map(|a| CellKey::new(&format!("A{a}"), "form", f)).collect()));
            }
            for (total, members) in &groups {
                let n = members.iter().filter(|m| h(m)).count();
                prop_assert!(n != 1 || h(total), "one hidden cell under shown {total:?}");
                prop_assert!(n != 0 || !h(total), "hidden {total:?} with every cell shown");
            }
            for (a, row) in grid.iter().enumerate() {
                for (f, n) in forms.iter().zip(row) {
                    let c = CellKey::new(&format!("A{a}"), "form", f);
                    prop_assert!(!is_protected(*n as f64) || h(&c), "shown small {c:?}");
                }
            }
        }
    }
}
