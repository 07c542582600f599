//! The audit of a suppression pattern (indicators.md v3, "Audit"): every hidden count's
//! feasible interval, as an intruder computes it from every shown count and every
//! relation a reader knows: the cells of a group add up to its total (along each
//! breakdown, the areas of a whole, the parts of a whole of wholes), and a count nested
//! in another is at most that one in every cell (confirmed ≤ assessed ≤ received).
//!
//! The intervals are those of the linear relaxation (counts as real numbers at least 0),
//! computed exactly by linear programming: the least and the greatest value of each
//! hidden count over every table agreeing with what is shown. An integer intruder can
//! only narrow an interval by rounding its ends, which the test for exposure allows
//! for. Hidden counts are split into independent sets (those linked by a relation), and
//! each set is solved on its own: patterns are sparse, so the sets are small.
//!
//! A relation is used as a reader would use it only where the counts obey it: a group
//! whose cells do not add up exactly to its total (areas that changed within the
//! period, say) is used as "at most", or not at all if its cells exceed the total; a
//! nesting is used in a cell only where it holds there. So the true table is always
//! feasible, and what the audit finds is what a reader can prove.

use std::collections::{BTreeMap, HashMap};

use good_lp::{variable, variables, Expression, Solution, SolverModel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::THRESHOLD;

/// A hidden count: (quantity, cell index).
pub(super) type Count = (String, usize);

/// One relation over counts: Σ coefficient × count = 0 (or ≤ 0).
#[derive(Debug, Clone)]
pub(super) struct Relation {
    pub terms: Vec<(Count, f64)>,
    pub equal: bool,
}

/// What a reader can prove about one hidden count: the least and greatest value (None:
/// no upper bound). Not `exact`: the count was seen at these two values in tables that
/// agree with everything shown, so its interval is at least this wide, and wide enough
/// (it was not solved for exactly: see [`intervals`]). `presumed`: seen only within
/// 1-4 in a linked set too large to solve for count by count, so taken as disclosed
/// (the audit hides beside it, and looks again).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: Option<f64>,
    pub exact: bool,
    pub presumed: bool,
}

/// The largest linked set whose counts left unsettled by the joint problems are solved
/// for one by one. Each problem of a set of n counts costs about n^1.5 (its sparse
/// factorisation): a nation's set of 20,000 counts took a second a problem, and
/// hundreds of them. Beyond this size an unsettled count is presumed disclosed and
/// hidden beside, which may protect a little more than the exact audit would, never
/// less (the audit ends only when every hidden count has been seen at two values, one
/// of them 0 or 5 or more, or solved).
pub(super) const SOLVE_EACH_UP_TO: usize = 5_000;

impl Interval {
    /// Whether the interval discloses the count: every value it allows is a protected
    /// count (1 to 4; for a weighted count above 0 and below 5). An integer intruder
    /// rounds the ends inwards, so the relaxation's [0.5, 4.5] discloses too.
    ///
    /// The spec also names "a single value": read here as a single value from 1 to 4.
    /// A secondary count pinned at 5 or more tells no small count (a small partner it
    /// pins is audited in its own right and found), and hiding more beside it, round
    /// after round, hid most of a table without protecting anything more.
    pub fn discloses(&self) -> bool {
        const SLACK: f64 = 1e-6;
        let Some(high) = self.high else {
            return false;
        };
        let within = self.low > SLACK && high < (THRESHOLD + 1) as f64 - SLACK;
        let rounded_within = (self.low - SLACK).ceil() >= 1.0 && (high + SLACK).floor() <= THRESHOLD as f64;
        within || rounded_within
    }
}

thread_local! {
    static SOLVING: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// A relation over the hidden counts only: (terms by index into the hidden counts,
/// right-hand side, equal or at most).
type Reduced = (Vec<(usize, f64)>, f64, bool);

/// Each relation with the shown counts moved to the right-hand side; relations over
/// shown counts only are left out.
fn reduce(hidden: &[Count], relations: &[Relation], truth: &HashMap<Count, f64>) -> Vec<Reduced> {
    let index: HashMap<&Count, usize> = hidden.iter().enumerate().map(|(i, c)| (c, i)).collect();
    let mut reduced = Vec::new();
    for relation in relations {
        let mut terms = Vec::new();
        let mut constant = 0.0;
        for (count, coefficient) in &relation.terms {
            match index.get(count) {
                Some(&i) => terms.push((i, *coefficient)),
                None => constant += coefficient * truth.get(count).copied().unwrap_or(0.0),
            }
        }
        if !terms.is_empty() {
            reduced.push((terms, -constant, relation.equal));
        }
    }
    reduced
}

/// One linked set of hidden counts as a linear programme: each count in [0, its cap],
/// and the relations over them (terms by index into the set).
struct Problem {
    caps: Vec<f64>,
    relations: Vec<Reduced>,
}

impl Problem {
    /// A point of the set optimising `objective` (None: the solver failed).
    fn solve<S: good_lp::Solver>(
        &self,
        solver: S,
        configure: impl FnOnce(&mut S::Model),
        objective: &[(usize, f64)],
        maximise: bool,
    ) -> Option<Vec<f64>> {
        let mut vars = variables!();
        let x: Vec<good_lp::Variable> = self
            .caps
            .iter()
            .map(|&cap| vars.add(variable().min(0.0).max(cap)))
            .collect();
        let objective: Expression = objective.iter().map(|&(k, c)| c * x[k]).sum();
        let mut model = if maximise {
            vars.maximise(objective)
        } else {
            vars.minimise(objective)
        }
        .using(solver);
        configure(&mut model);
        for (terms, rhs, equal) in &self.relations {
            let expression: Expression = terms.iter().map(|&(k, c)| c * x[k]).sum();
            model = model.with(if *equal {
                expression.eq(*rhs)
            } else {
                expression.leq(*rhs)
            });
        }
        let solution = match model.solve() {
            Ok(solution) => solution,
            Err(error) => {
                if std::env::var_os("BAOVE_TIMINGS").is_some() {
                    eprintln!(
                        "timing: audit: a problem of {} counts not solved: {error}",
                        self.caps.len()
                    );
                }
                return None;
            }
        };
        // An interior-point solver stops within its tolerance (1e-9) of the optimum:
        // a value that near a whole number is that number (the counts are whole, and
        // a bound of the relaxation at a whole number is common).
        Some(
            x.iter()
                .map(|v| {
                    let value = solution.value(*v);
                    let whole = value.round();
                    if (value - whole).abs() < 1e-6 {
                        whole
                    } else {
                        value
                    }
                })
                .collect(),
        )
    }
}

/// The feasible interval of every hidden count that takes part in a relation with a
/// shown count or another hidden one (a hidden count in no relation is unbounded above).
///
/// `wide`: counts found wide in an earlier round of the same audit. Hiding more only
/// frees counts (a table that agreed with what was shown still agrees), so a count once
/// seen at two values, one of them 0 or 5 or more, stays so, and is not solved again;
/// a set of such counts only is not solved at all. Count by count only in linked sets
/// of at most `solve_each_up_to` counts ([`SOLVE_EACH_UP_TO`] in every release).
pub(super) fn intervals(
    hidden: &[Count],
    relations: &[Relation],
    truth: &HashMap<Count, f64>,
    wide: &BTreeMap<Count, Interval>,
    solve_each_up_to: usize,
) -> BTreeMap<Count, Interval> {
    let reduced = reduce(hidden, relations, truth);
    // Propagated bounds: each a bound in every table agreeing with what is shown.
    let (_, outer_high) = propagated_reduced(hidden.len(), &reduced);
    let sets = linked_sets(hidden.len(), &reduced);
    if std::env::var_os("BAOVE_TIMINGS").is_some() {
        let mut sizes: Vec<usize> = sets.iter().map(|(m, _)| m.len()).collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        eprintln!(
            "timing: audit: {} hidden, {} relations, largest sets {:?}",
            hidden.len(),
            reduced.len(),
            &sizes[..sizes.len().min(8)]
        );
    }
    let lp = if std::env::var("BAOVE_LP").as_deref() == Ok("microlp") {
        Lp::Simplex
    } else {
        Lp::InteriorPoint
    };
    let truth_of = |i: usize| truth.get(&hidden[i]).copied().unwrap_or(0.0);
    let mut found = BTreeMap::new();
    for (members, relation_ids) in &sets {
        if members.iter().all(|&i| wide.contains_key(&hidden[i])) {
            for &i in members {
                found.insert(hidden[i].clone(), wide[&hidden[i]]);
            }
            continue;
        }
        if relation_ids.is_empty() {
            let unbounded = Interval {
                low: 0.0,
                high: None,
                exact: true,
                presumed: false,
            };
            for &i in members {
                found.insert(hidden[i].clone(), unbounded);
            }
            continue;
        }
        let (problem, ceiling) = set_problem(members, relation_ids, &reduced, &outer_high, truth_of);
        let mut set = LinkedSet::new(
            problem,
            members.iter().map(|&i| truth_of(i)).collect(),
            members.iter().map(|&i| wide.contains_key(&hidden[i])).collect(),
            lp,
        );
        let count_by_count = members.len() <= solve_each_up_to;
        set.joint_problems(count_by_count);
        let solved = if count_by_count {
            set.count_by_count()
        } else {
            vec![false; members.len()]
        };
        for (k, &i) in members.iter().enumerate() {
            let interval = wide.get(&hidden[i]).copied().unwrap_or(Interval {
                low: set.low[k].max(0.0),
                // A count seen at the ceiling is bounded by nothing shown.
                high: (set.high[k] < ceiling * 0.999).then_some(set.high[k]),
                exact: solved[k],
                presumed: !count_by_count && !set.settled(k),
            });
            found.insert(hidden[i].clone(), interval);
        }
        if std::env::var_os("BAOVE_TIMINGS").is_some() && members.len() > 100 {
            eprintln!(
                "timing: audit: a set of {} counts, {} problems solved, {:.3} s solving so far",
                members.len(),
                set.solves,
                SOLVING.with(|t| t.get())
            );
        }
    }
    found
}

/// The independent sets of `counts` hidden counts, those linked by a relation: each set's
/// counts and the relations over them (indices into `reduced`), in the order of their
/// first count's root.
fn linked_sets(counts: usize, reduced: &[Reduced]) -> Vec<(Vec<usize>, Vec<usize>)> {
    let mut parent: Vec<usize> = (0..counts).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (terms, _, _) in reduced {
        let first = find(&mut parent, terms[0].0);
        for &(i, _) in &terms[1..] {
            let root = find(&mut parent, i);
            parent[root] = first;
        }
    }
    let mut sets: BTreeMap<usize, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for i in 0..counts {
        let root = find(&mut parent, i);
        sets.entry(root).or_default().0.push(i);
    }
    for (r, (terms, _, _)) in reduced.iter().enumerate() {
        let root = find(&mut parent, terms[0].0);
        sets.entry(root).or_default().1.push(r);
    }
    sets.into_values().collect()
}

/// One linked set as a linear programme, and the ceiling of a count no relation bounds.
/// Each count lies in [0, its propagated bound]: propagation's bounds hold in every table
/// agreeing with what is shown, so they cut nothing off, and they keep the interior-point
/// solver's problem well scaled (one ceiling of the whole table's size made it fail on a
/// nation's linked set). A count no relation bounds gets a ceiling far above the set's
/// counts: a bound found there is no bound.
fn set_problem(
    members: &[usize],
    relation_ids: &[usize],
    reduced: &[Reduced],
    outer_high: &[f64],
    truth_of: impl Fn(usize) -> f64,
) -> (Problem, f64) {
    let local: HashMap<usize, usize> = members.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let largest = members
        .iter()
        .flat_map(|&i| [outer_high[i], truth_of(i)])
        .filter(|n| n.is_finite())
        .fold(0.0_f64, f64::max);
    let ceiling = 10.0 * (largest + 1.0);
    let problem = Problem {
        caps: members
            .iter()
            .map(|&i| {
                // Propagation's arithmetic is in floating point: a hair above.
                if outer_high[i].is_finite() {
                    outer_high[i] + 1e-7
                } else {
                    ceiling
                }
            })
            .collect(),
        relations: relation_ids
            .iter()
            .map(|&r| {
                let (terms, rhs, equal) = &reduced[r];
                (terms.iter().map(|(i, c)| (local[i], *c)).collect(), *rhs, *equal)
            })
            .collect(),
    };
    (problem, ceiling)
}

/// The linear-programming solver: clarabel's interior point, or microlp's simplex
/// (`BAOVE_LP=microlp`, for comparison).
#[derive(Debug, Clone, Copy)]
enum Lp {
    InteriorPoint,
    Simplex,
}

impl Problem {
    /// [`Problem::solve`] with `lp`, the time it took counted.
    fn optimum(&self, lp: Lp, objective: &[(usize, f64)], maximise: bool) -> Option<Vec<f64>> {
        let started = std::time::Instant::now();
        let point = match lp {
            Lp::Simplex => self.solve(good_lp::microlp, |_| {}, objective, maximise),
            Lp::InteriorPoint => {
                // good_lp asks for a feasibility of 1e-9, tighter than clarabel's own
                // default (1e-8): on a nation's linked set (sums along both margins
                // and the hierarchy, so equalities that depend on each other) it then
                // stopped on numerical errors. Values within 1e-6 of a whole number
                // are taken as it anyway.
                let configure = |model: &mut good_lp::solvers::clarabel::ClarabelProblem| {
                    model
                        .settings()
                        .tol_feas(1e-8)
                        .max_iter(400)
                        .static_regularization_constant(1e-7);
                };
                self.solve(good_lp::clarabel, configure, objective, maximise)
            }
        };
        SOLVING.with(|t| t.set(t.get() + started.elapsed().as_secs_f64()));
        point
    }
}

/// One linked set of hidden counts being audited: the values each count was seen at
/// in tables agreeing with what is shown (starting from the true table).
struct LinkedSet {
    problem: Problem,
    truth: Vec<f64>,
    wide: Vec<bool>,
    low: Vec<f64>,
    high: Vec<f64>,
    solves: usize,
    lp: Lp,
    /// Weights drawn at random (from a fixed seed, so an audit is reproducible): with
    /// equal weights the optimum is often a whole face, and an interior-point solver
    /// returns its centre, where few counts reach 0 or 5; distinct weights make it a
    /// vertex, where many do.
    weights: ChaCha8Rng,
}

impl LinkedSet {
    fn new(problem: Problem, truth: Vec<f64>, wide: Vec<bool>, lp: Lp) -> LinkedSet {
        LinkedSet {
            problem,
            low: truth.clone(),
            high: truth.clone(),
            truth,
            wide,
            solves: 0,
            lp,
            weights: ChaCha8Rng::seed_from_u64(830),
        }
    }

    /// Whether count `k` is known not to be disclosed: found wide in an earlier round,
    /// or not a protected count (the true table is feasible, so its interval holds its
    /// true value: 0, or 5 or more), or seen at two values, one of them 0 or 5 or more
    /// (a point is of the relaxation: 4.6 does not show that 5 is possible, so the
    /// test is at 0 and 5).
    fn settled(&self, k: usize) -> bool {
        self.wide[k]
            || !super::is_protected(self.truth[k])
            || ((self.low[k] <= 1e-6 || self.high[k] >= (THRESHOLD + 1) as f64 - 1e-6)
                && self.high[k] - self.low[k] > 1e-6)
    }

    fn open(&self) -> Vec<usize> {
        (0..self.truth.len()).filter(|&k| !self.settled(k)).collect()
    }

    /// Widens each count's seen interval by a point of the set.
    fn widen(&mut self, point: Vec<f64>) {
        self.solves += 1;
        for (k, v) in point.into_iter().enumerate() {
            self.low[k] = self.low[k].min(v);
            self.high[k] = self.high[k].max(v);
        }
    }

    /// An objective over `counts` with the next random weights.
    fn weighted(&mut self, counts: impl IntoIterator<Item = usize>) -> Vec<(usize, f64)> {
        counts
            .into_iter()
            .map(|k| (k, self.weights.random_range(1.0..2.0)))
            .collect()
    }

    /// Starting from the true table, the counts not yet settled are pushed down
    /// together (least sum) and up together (greatest sum), again while that settles
    /// any. Where the counts left are solved one by one (`count_by_count`), twice
    /// without settling any ends it; where they are presumed disclosed (a large set,
    /// seconds a problem), settling less than a tenth does: a count a point this far
    /// has not moved is, nearly always, pinned.
    fn joint_problems(&mut self, count_by_count: bool) {
        let mut stalls = 0;
        loop {
            let open = self.open();
            if open.is_empty() {
                break;
            }
            let before = open.len();
            let objective = self.weighted(open);
            // The two problems at once, one a core: they are independent, and the
            // points widen the seen intervals in either order.
            let (problem, lp) = (&self.problem, self.lp);
            let points = std::thread::scope(|scope| {
                let up = scope.spawn(|| problem.optimum(lp, &objective, true));
                let down = problem.optimum(lp, &objective, false);
                [down, up.join().ok().flatten()]
            });
            for point in points.into_iter().flatten() {
                self.widen(point);
            }
            let after = self.open().len();
            if std::env::var_os("BAOVE_TIMINGS").is_some() && self.truth.len() > 100 {
                eprintln!("timing: audit: joint problems over {before} open counts left {after}");
            }
            stalls = if after == before { stalls + 1 } else { 0 };
            let enough = if count_by_count {
                stalls == 2
            } else {
                after * 10 > before * 9
            };
            if enough {
                break;
            }
        }
    }

    /// Each count left, one by one: its greatest value first (a point where it is 5 or
    /// more settles it), then its least. Every point found is a table agreeing with
    /// what is shown, so it widens every count's seen interval, and settles some
    /// before their turn. A count the set's equalities fix ([`super::fixed`]) is known
    /// exactly without a programme: its one value is its true one. Whether each count
    /// was solved for exactly (and left narrow).
    fn count_by_count(&mut self) -> Vec<bool> {
        let mut solved = vec![false; self.truth.len()];
        if self.open().is_empty() {
            return solved;
        }
        // A count the equalities fix has one value, its true one: no programme needed.
        let equalities = self
            .problem
            .relations
            .iter()
            .filter(|r| r.2)
            .map(|r| r.0.as_slice());
        let fixed = super::fixed::fixed_by_equalities(self.truth.len(), equalities);
        if std::env::var_os("BAOVE_TIMINGS").is_some() && self.truth.len() > 100 {
            let open = self.open();
            match &fixed {
                Some(f) => eprintln!(
                    "timing: audit: {} open counts, {} fixed by the equalities",
                    open.len(),
                    open.iter().filter(|&&k| f[k]).count()
                ),
                None => eprintln!(
                    "timing: audit: {} open counts, the equalities not eliminated exactly",
                    open.len()
                ),
            }
        }
        let fixed = fixed.unwrap_or_default();
        for (k, exact) in solved.iter_mut().enumerate() {
            if self.settled(k) {
                continue;
            }
            if fixed.get(k) == Some(&true) {
                *exact = true;
                continue;
            }
            let mut both = true;
            for maximise in [true, false] {
                match self.problem.optimum(self.lp, &[(k, 1.0)], maximise) {
                    Some(point) => self.widen(point),
                    // The true table satisfies every relation used, so the problem
                    // is feasible; should the solver fail all the same, the count
                    // keeps the interval it was seen in (and the audit hides more).
                    None => {
                        self.solves += 1;
                        both = false;
                    }
                }
                if self.settled(k) {
                    break;
                }
            }
            *exact = both && !self.settled(k);
        }
        solved
    }
}

/// Each hidden count's interval by propagating bounds along the relations (each
/// relation bounds each of its counts by the others' bounds), to a fixed point. Every
/// interval so found contains the exact one ([`intervals`]): what propagation pins to
/// 1-4, a reader pins. It is not complete (the exact interval can be narrower), but it
/// is what an intruder working through the sums and nestings one by one finds, at the
/// cost of a few passes over the relations: the releases run it, the office's audit
/// solves exactly.
pub(super) fn propagated(
    hidden: &[Count],
    relations: &[Relation],
    truth: &HashMap<Count, f64>,
) -> BTreeMap<Count, Interval> {
    let (low, high) = propagated_reduced(hidden.len(), &reduce(hidden, relations, truth));
    hidden
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                c.clone(),
                Interval {
                    low: low[i].max(0.0),
                    high: high[i].is_finite().then_some(high[i]),
                    exact: false,
                    presumed: false,
                },
            )
        })
        .collect()
}

/// [`propagated`] over relations already reduced to `counts` hidden counts: each
/// count's least and greatest bound (infinite: none).
fn propagated_reduced(counts: usize, reduced: &[Reduced]) -> (Vec<f64>, Vec<f64>) {
    let mut touching: Vec<Vec<usize>> = vec![Vec::new(); counts];
    for (r, (terms, _, _)) in reduced.iter().enumerate() {
        for &(i, _) in terms {
            touching[i].push(r);
        }
    }
    let mut low = vec![0.0_f64; counts];
    let mut high = vec![f64::INFINITY; counts];
    let mut queued = vec![true; reduced.len()];
    let mut queue: std::collections::VecDeque<usize> = (0..reduced.len()).collect();
    // Bounds can creep towards a limit along a cycle of relations: the work is capped,
    // which leaves intervals wider than they could be, never narrower.
    let mut budget = 64 * reduced.len() + 1024;
    while let Some(r) = queue.pop_front() {
        queued[r] = false;
        if budget == 0 {
            break;
        }
        budget -= 1;
        let (terms, rhs, equal) = &reduced[r];
        // Σ c·x over the terms lies in [least, most]; infinite parts counted apart.
        let spans: Vec<(f64, f64)> = terms
            .iter()
            .map(|&(i, c)| {
                if c >= 0.0 {
                    (c * low[i], c * high[i])
                } else {
                    (c * high[i], c * low[i])
                }
            })
            .collect();
        let (mut least, mut most, mut least_inf, mut most_inf) = (0.0, 0.0, 0, 0);
        for &(a, b) in &spans {
            if a.is_infinite() {
                least_inf += 1
            } else {
                least += a
            }
            if b.is_infinite() {
                most_inf += 1
            } else {
                most += b
            }
        }
        let mut changed = Vec::new();
        for (&(i, c), &(a, b)) in terms.iter().zip(&spans) {
            // The others' least and most: c·x = rhs − others (equal), ≤ rhs − others.
            let others_least = if a.is_infinite() {
                (least_inf == 1).then_some(least)
            } else {
                (least_inf == 0).then_some(least - a)
            };
            let others_most = if b.is_infinite() {
                (most_inf == 1).then_some(most)
            } else {
                (most_inf == 0).then_some(most - b)
            };
            let cx_high = others_least.map(|o| rhs - o);
            let cx_low = if *equal {
                others_most.map(|o| rhs - o)
            } else {
                None
            };
            let (new_low, new_high) = if c > 0.0 {
                (cx_low.map(|v| v / c), cx_high.map(|v| v / c))
            } else {
                (cx_high.map(|v| v / c), cx_low.map(|v| v / c))
            };
            let tolerance = |v: f64| 1e-9 * v.abs().max(1.0);
            if let Some(v) = new_low {
                if v > low[i] + tolerance(v) {
                    low[i] = v;
                    changed.push(i);
                }
            }
            if let Some(v) = new_high {
                if v < high[i] - tolerance(v) {
                    high[i] = v;
                    changed.push(i);
                }
            }
        }
        for i in changed {
            for &other in &touching[i] {
                if !queued[other] {
                    queued[other] = true;
                    queue.push_back(other);
                }
            }
        }
    }
    (low, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(q: &str, i: usize) -> Count {
        (q.to_string(), i)
    }

    #[test]
    fn an_interval_discloses_when_every_value_it_allows_is_a_protected_count() {
        let i = |low, high| Interval {
            low,
            high,
            exact: true,
            presumed: false,
        };
        assert!(i(1.0, Some(4.0)).discloses());
        assert!(i(2.0, Some(2.0)).discloses());
        assert!(!i(9.0, Some(9.0)).discloses());
        assert!(!i(0.0, Some(0.0)).discloses());
        assert!(!i(0.0, Some(4.0)).discloses());
        assert!(!i(1.0, Some(5.0)).discloses());
        assert!(!i(1.0, None).discloses());
        // The relaxation's [0.5, 4.5] holds the integers 1 to 4 only.
        assert!(i(0.5, Some(4.5)).discloses());
    }

    /// The hand example of issue 32's nested route: a district (cell 1) shows 5
    /// received and 5 confirmed and hides its assessed count (5); its partner (cell 2)
    /// hides 4; the areas' assessed total (cell 0) is 20, cell 3 shows 11. Relations:
    /// the areas' sum, then confirmed ≤ assessed ≤ received in cell 1.
    fn nested_example() -> (Vec<Count>, HashMap<Count, f64>, Vec<Relation>) {
        let hidden = vec![count("assessed", 1), count("assessed", 2)];
        let truth: HashMap<Count, f64> = [
            (count("received", 1), 5.0),
            (count("confirmed", 1), 5.0),
            (count("assessed", 0), 20.0),
            (count("assessed", 1), 5.0),
            (count("assessed", 2), 4.0),
            (count("assessed", 3), 11.0),
        ]
        .into_iter()
        .collect();
        let relations = vec![
            // total (cell 0) = cells 1 + 2 + 3
            Relation {
                terms: vec![
                    (count("assessed", 1), 1.0),
                    (count("assessed", 2), 1.0),
                    (count("assessed", 3), 1.0),
                    (count("assessed", 0), -1.0),
                ],
                equal: true,
            },
            Relation {
                terms: vec![(count("confirmed", 1), 1.0), (count("assessed", 1), -1.0)],
                equal: false,
            },
            Relation {
                terms: vec![(count("assessed", 1), 1.0), (count("received", 1), -1.0)],
                equal: false,
            },
        ];
        (hidden, truth, relations)
    }

    /// The nested route of issue 32, by hand: a district shows 5 received and 5
    /// confirmed, and hides its assessed count; confirmed ≤ assessed ≤ received pins it
    /// to 5, and the district's hidden partner in the areas' sum (assessed 20 in all,
    /// 11 shown) to 4.
    #[test]
    fn nested_counts_pin_a_hidden_count_and_its_partner() {
        let (hidden, truth, relations) = nested_example();
        let found = intervals(&hidden, &relations, &truth, &BTreeMap::new(), SOLVE_EACH_UP_TO);
        let exact = |low, high| Interval {
            low,
            high: Some(high),
            exact: true,
            presumed: false,
        };
        assert_eq!(found[&count("assessed", 2)], exact(4.0, 4.0));
        // The district's own count is 5: no interval of it can hold 1-4 only, so it is
        // not solved for (seen at its true value).
        let district = found[&count("assessed", 1)];
        assert!(
            !district.exact && district.low == 5.0 && !district.discloses(),
            "{district:?}"
        );
        // Without the nesting the two share 9: each anywhere from 0 to 9.
        let found = intervals(
            &hidden,
            &relations[..1],
            &truth,
            &BTreeMap::new(),
            SOLVE_EACH_UP_TO,
        );
        let wide = found[&count("assessed", 2)];
        assert!(
            wide.low == 0.0 && wide.high == Some(9.0) && !wide.discloses(),
            "{wide:?}"
        );
    }

    /// In a linked set too large to solve count by count, a count no joint problem
    /// moved out of 1-4 is presumed disclosed (its partner is hidden next round), never
    /// taken as wide; a count a joint problem moved is wide as before.
    #[test]
    fn a_count_left_narrow_in_a_large_set_is_presumed_disclosed() {
        let (hidden, truth, relations) = nested_example();
        let found = intervals(&hidden, &relations, &truth, &BTreeMap::new(), 0);
        let pinned = found[&count("assessed", 2)];
        assert!(
            pinned.presumed && !pinned.exact && pinned.discloses(),
            "{pinned:?}"
        );
        // Seen only where it is pinned: 4.
        assert_eq!((pinned.low, pinned.high), (4.0, Some(4.0)));
        let found = intervals(&hidden, &relations[..1], &truth, &BTreeMap::new(), 0);
        let wide = found[&count("assessed", 2)];
        assert!(!wide.presumed && !wide.discloses(), "{wide:?}");
    }

    /// The same hand example propagated: the nesting pins assessed 1 to 5 (5 ≤ x ≤ 5),
    /// then the sum pins assessed 2 to 20 − 11 − 5 = 4. Without the nesting both stay
    /// in [0, 9]. Propagation never narrows below the exact interval.
    #[test]
    fn propagated_bounds_find_the_nested_pin_by_hand_and_contain_the_exact_interval() {
        let (hidden, truth, all) = nested_example();
        let found = propagated(&hidden, &all, &truth);
        let (one, two) = (found[&count("assessed", 1)], found[&count("assessed", 2)]);
        assert!(
            (one.low - 5.0).abs() < 1e-9 && one.high.is_some_and(|h| (h - 5.0).abs() < 1e-9),
            "{one:?}"
        );
        assert!(
            (two.low - 4.0).abs() < 1e-9 && two.high.is_some_and(|h| (h - 4.0).abs() < 1e-9),
            "{two:?}"
        );
        assert!(two.discloses());
        let found = propagated(&hidden, &all[..1], &truth);
        for c in &hidden {
            let i = found[c];
            assert!(i.low == 0.0 && i.high == Some(9.0) && !i.discloses(), "{i:?}");
        }
        // Around a ring of three equal-sum relations the exact interval is narrower
        // than propagation finds, never wider: x + y = 4, y + z = 4, x + z = 4 pins
        // each to 2 exactly, while propagation proves [0, 4] only.
        let ring: Vec<Count> = vec![count("q", 1), count("q", 2), count("q", 3)];
        let pair = |a: usize, b: usize| Relation {
            terms: vec![(count("q", a), 1.0), (count("q", b), 1.0), (count("q", 0), -1.0)],
            equal: true,
        };
        let relations = vec![pair(1, 2), pair(2, 3), pair(1, 3)];
        let truth: HashMap<Count, f64> = [
            (count("q", 0), 4.0),
            (count("q", 1), 2.0),
            (count("q", 2), 2.0),
            (count("q", 3), 2.0),
        ]
        .into_iter()
        .collect();
        let exact = intervals(&ring, &relations, &truth, &BTreeMap::new(), SOLVE_EACH_UP_TO);
        let outer = propagated(&ring, &relations, &truth);
        for c in &ring {
            let (e, o) = (exact[c], outer[c]);
            assert!(
                o.low <= e.low + 1e-9 && e.high.unwrap() <= o.high.unwrap() + 1e-9,
                "{e:?} within {o:?}"
            );
            assert_eq!(o.high, Some(4.0));
            assert!(e.discloses() && !o.discloses());
        }
    }

    /// A province of `grid.len()` areas by three forms, two quantities (confirmed
    /// nested in received), totals along both margins; cells of the mask hidden.
    /// Counts are named by (quantity, cell) with cell = area × 4 + form (form 3: the
    /// area's total; area `grid.len()`: the province's row).
    fn province(grid: &[[(u8, u8); 3]], mask: &[bool]) -> (Vec<Count>, HashMap<Count, f64>, Vec<Relation>) {
        let areas = grid.len();
        let cell = |a: usize, f: usize| a * 4 + f;
        let mut truth = HashMap::new();
        for q in ["received", "confirmed"] {
            let value = |r: &(u8, u8)| f64::from(if q == "received" { r.0 + r.1 } else { r.1 });
            for (a, row) in grid.iter().enumerate() {
                for (f, r) in row.iter().enumerate() {
                    truth.insert(count(q, cell(a, f)), value(r));
                }
                truth.insert(count(q, cell(a, 3)), row.iter().map(value).sum());
            }
            for f in 0..4 {
                let column = (0..areas).map(|a| truth[&count(q, cell(a, f))]).sum();
                truth.insert(count(q, cell(areas, f)), column);
            }
        }
        let mut relations = Vec::new();
        for q in ["received", "confirmed"] {
            let sum = |members: Vec<usize>, total: usize| Relation {
                terms: members
                    .into_iter()
                    .map(|m| (count(q, m), 1.0))
                    .chain([(count(q, total), -1.0)])
                    .collect(),
                equal: true,
            };
            for a in 0..=areas {
                relations.push(sum((0..3).map(|f| cell(a, f)).collect(), cell(a, 3)));
            }
            for f in 0..4 {
                relations.push(sum((0..areas).map(|a| cell(a, f)).collect(), cell(areas, f)));
            }
        }
        for c in 0..(areas + 1) * 4 {
            relations.push(Relation {
                terms: vec![(count("confirmed", c), 1.0), (count("received", c), -1.0)],
                equal: false,
            });
        }
        let mut all: Vec<Count> = truth.keys().cloned().collect();
        all.sort();
        let hidden: Vec<Count> = all
            .iter()
            .zip(mask.iter().cycle())
            .filter(|(_, &h)| h)
            .map(|(c, _)| c.clone())
            .collect();
        (hidden, truth, relations)
    }

    /// Each hidden count's least and greatest value over every table agreeing with what
    /// is shown, each solved for on its own by simplex (a vertex) over every count of
    /// the table, the shown ones held at their values (apart from [`reduce`], which it
    /// checks).
    fn exact_bounds(
        hidden: &[Count],
        relations: &[Relation],
        truth: &HashMap<Count, f64>,
    ) -> Vec<(f64, f64)> {
        let mut all: Vec<&Count> = truth.keys().collect();
        all.sort();
        let index: HashMap<&Count, usize> = all.iter().enumerate().map(|(i, c)| (*c, i)).collect();
        let shown = all
            .iter()
            .filter(|c| !hidden.contains(c))
            .map(|c| (vec![(index[c], 1.0)], truth[*c], true));
        let problem = Problem {
            caps: vec![1_000.0; all.len()],
            relations: relations
                .iter()
                .map(|r| {
                    (
                        r.terms.iter().map(|(c, k)| (index[c], *k)).collect(),
                        0.0,
                        r.equal,
                    )
                })
                .chain(shown)
                .collect(),
        };
        hidden
            .iter()
            .map(|c| {
                let k = index[c];
                let at = |maximise| {
                    problem
                        .optimum(Lp::Simplex, &[(k, 1.0)], maximise)
                        .expect("feasible")[k]
                };
                (at(false), at(true))
            })
            .collect()
    }

    /// A province of 2-4 areas × 3 values, two nested quantities, with some of its
    /// counts hidden (at least one): [`province`] of a generated grid and mask.
    fn generated_province(
    ) -> impl proptest::strategy::Strategy<Value = (Vec<Count>, HashMap<Count, f64>, Vec<Relation>)> {
        use proptest::strategy::Strategy;
        (
            proptest::collection::vec(proptest::array::uniform3((0u8..5, 0u8..4)), 2..5),
            proptest::collection::vec(proptest::bool::weighted(0.4), 7..23),
        )
            .prop_map(|(grid, mask)| province(&grid, &mask))
            .prop_filter("some count hidden", |(hidden, _, _)| !hidden.is_empty())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// A count the equalities are found to fix ([`super::super::fixed`]) has one
        /// possible value, its true one: its least and greatest over every table
        /// agreeing with what is shown, each solved for by simplex, agree.
        #[test]
        fn a_count_the_equalities_fix_has_one_possible_value(
            (hidden, truth, relations) in generated_province(),
        ) {
            let reduced = reduce(&hidden, &relations, &truth);
            let equalities = reduced.iter().filter(|r| r.2).map(|r| r.0.as_slice());
            let fixed = super::super::fixed::fixed_by_equalities(hidden.len(), equalities);
            // Sums of counts: the elimination is exact on every such table.
            proptest::prop_assert!(fixed.is_some());
            let exact = exact_bounds(&hidden, &relations, &truth);
            for ((c, &(least, greatest)), fixed) in hidden.iter().zip(&exact).zip(fixed.unwrap()) {
                if fixed {
                    proptest::prop_assert!((greatest - least).abs() < 1e-6, "{c:?} fixed, is [{least}, {greatest}]");
                    proptest::prop_assert!((least - truth[c]).abs() < 1e-6);
                }
            }
        }

        /// Solved count by count (a small set) or presumed (a set too large to solve
        /// so), every value a count is seen at is a value it can take (each point
        /// agrees with everything shown), and a count whose every possible value is
        /// 1-4 is never found wide: it is found disclosed, solved or presumed.
        #[test]
        fn every_value_seen_is_possible_and_no_pinned_count_is_found_wide(
            (hidden, truth, relations) in generated_province(),
        ) {
            let exact = exact_bounds(&hidden, &relations, &truth);
            for solve_each_up_to in [usize::MAX, 0] {
                let found = intervals(
                    &hidden, &relations, &truth, &BTreeMap::new(), solve_each_up_to,
                );
                for (c, &(least, greatest)) in hidden.iter().zip(&exact) {
                    let seen = found[c];
                    proptest::prop_assert!(seen.low >= least - 1e-6, "{c:?} seen {seen:?} below {least}");
                    if let Some(high) = seen.high {
                        proptest::prop_assert!(high <= greatest + 1e-6, "{c:?} seen {seen:?} above {greatest}");
                    }
                    let pinned = Interval { low: least, high: Some(greatest), exact: true, presumed: false };
                    if pinned.discloses() {
                        proptest::prop_assert!(seen.discloses(), "{c:?} pinned to [{least}, {greatest}] but seen {seen:?}");
                    }
                    if seen.exact {
                        proptest::prop_assert!(
                            (seen.low - least).abs() < 1e-6 && seen.high.is_some_and(|h| (h - greatest).abs() < 1e-6),
                            "{c:?} solved as {seen:?}, is [{least}, {greatest}]"
                        );
                    }
                }
            }
        }
    }
}
