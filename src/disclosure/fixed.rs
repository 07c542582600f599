//! Which hidden counts of a linked set its equalities alone fix: whatever values the
//! other hidden counts take, such a count has one value, so its interval is its true
//! value, exactly, with no linear programme solved. A third of the counts a generated
//! nation's comparison solved for one by one (two programmes each, tens of
//! milliseconds each) were pinned so, by sums that add up through several groups at
//! once, which bound propagation (one relation at a time) does not combine.
//!
//! A count is fixed when the unit vector of its column lies in the span of the
//! equalities' rows: after Gauss-Jordan elimination, its pivot row holds it alone. The
//! relations are sums of counts (coefficients ±1), so the elimination is done in whole
//! numbers with pivots ±1, exactly; a set where that is not possible (a pivot other than
//! ±1, coefficients growing large, or the rows filling in beyond a budget) is left to
//! the linear programmes (None).

/// Each count's terms in one relation: (count index, coefficient).
type Terms = [(usize, f64)];

/// Whether each of `counts` counts is fixed by `equalities` (each the terms of one
/// relation that holds with equality); None when the elimination is not exact or too
/// large.
pub(super) fn fixed_by_equalities<'t>(
    counts: usize,
    equalities: impl IntoIterator<Item = &'t Terms>,
) -> Option<Vec<bool>> {
    let mut elimination = Elimination::new(counts);
    for terms in equalities {
        elimination.add(whole_row(terms)?)?;
    }
    Some(
        (0..counts)
            .map(|k| elimination.pivot_row[k].is_some_and(|r| elimination.rows[r].len() == 1))
            .collect(),
    )
}

/// The largest coefficient kept: far above what sums of counts produce, far below
/// where whole-number arithmetic would overflow.
const LARGEST: i64 = 1 << 40;

/// A relation's terms in whole numbers, each count once, by count index (None: a
/// coefficient that is not a whole number).
fn whole_row(terms: &Terms) -> Option<Vec<(usize, i64)>> {
    let mut row: Vec<(usize, i64)> = Vec::with_capacity(terms.len());
    for &(k, c) in terms {
        if c.fract() != 0.0 || c.abs() > 1e6 {
            return None;
        }
        row.push((k, c as i64));
    }
    row.sort_unstable_by_key(|&(k, _)| k);
    row.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 += later.1;
        }
        same
    });
    row.retain(|&(_, c)| c != 0);
    Some(row)
}

/// Rows in reduced form: each holds its pivot (coefficient ±1) and no other row's pivot.
struct Elimination {
    rows: Vec<Vec<(usize, i64)>>,
    pivot_row: Vec<Option<usize>>,
    /// The rows that may hold each count (some no longer do: checked when read).
    rows_with: Vec<Vec<usize>>,
    entries: usize,
    budget: usize,
}

impl Elimination {
    fn new(counts: usize) -> Elimination {
        Elimination {
            rows: Vec::new(),
            pivot_row: vec![None; counts],
            rows_with: vec![Vec::new(); counts],
            entries: 0,
            budget: 128 * counts + 100_000,
        }
    }

    /// Adds one equality: reduced by the rows so far (each holds its pivot and no other
    /// row's, so one subtraction per pivot the equality holds), then its own pivot
    /// taken out of every earlier row. None: not exact, or over the budget.
    fn add(&mut self, row: Vec<(usize, i64)>) -> Option<()> {
        let mut reduced = row.clone();
        for &(k, c) in &row {
            if let Some(r) = self.pivot_row[k] {
                let pivot = self.coefficient(r, k);
                reduced = combine(&reduced, &self.rows[r], -c * pivot)?;
            }
        }
        if reduced.is_empty() {
            // Implied by the equalities before it.
            return Some(());
        }
        // The pivot: a coefficient ±1, in the count held by the fewest rows (less fill).
        let &(pivot_count, pivot) = reduced
            .iter()
            .filter(|(_, c)| c.abs() == 1)
            .min_by_key(|(k, _)| self.rows_with[*k].len())?;
        let new_index = self.rows.len();
        for r in std::mem::take(&mut self.rows_with[pivot_count]) {
            let c = self.coefficient(r, pivot_count);
            if c == 0 {
                continue;
            }
            let updated = combine(&self.rows[r], &reduced, -c * pivot)?;
            self.entries = self.entries + updated.len() - self.rows[r].len();
            for &(k, _) in &updated {
                if self.coefficient(r, k) == 0 {
                    self.rows_with[k].push(r);
                }
            }
            self.rows[r] = updated;
        }
        for &(k, _) in &reduced {
            self.rows_with[k].push(new_index);
        }
        self.entries += reduced.len();
        self.pivot_row[pivot_count] = Some(new_index);
        self.rows.push(reduced);
        (self.entries <= self.budget).then_some(())
    }

    fn coefficient(&self, r: usize, k: usize) -> i64 {
        let row = &self.rows[r];
        row.binary_search_by_key(&k, |&(count, _)| count)
            .map_or(0, |i| row[i].1)
    }
}

/// `x + b·y` of two rows sorted by count, zeros dropped (None: a coefficient too large).
fn combine(x: &[(usize, i64)], y: &[(usize, i64)], b: i64) -> Option<Vec<(usize, i64)>> {
    let mut out = Vec::with_capacity(x.len() + y.len());
    let (mut i, mut j) = (0, 0);
    while i < x.len() || j < y.len() {
        let (k, c) = match (x.get(i), y.get(j)) {
            (Some(&(kx, cx)), Some(&(ky, _))) if kx < ky => {
                i += 1;
                (kx, cx)
            }
            (Some(&(kx, _)), Some(&(ky, cy))) if ky < kx => {
                j += 1;
                (ky, b.checked_mul(cy)?)
            }
            (Some(&(kx, cx)), Some(&(_, cy))) => {
                i += 1;
                j += 1;
                (kx, cx.checked_add(b.checked_mul(cy)?)?)
            }
            (Some(&(kx, cx)), None) => {
                i += 1;
                (kx, cx)
            }
            (None, Some(&(ky, cy))) => {
                j += 1;
                (ky, b.checked_mul(cy)?)
            }
            (None, None) => unreachable!("the loop runs while either row has terms"),
        };
        if c.abs() > LARGEST {
            return None;
        }
        if c != 0 {
            out.push((k, c));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The equalities of `relations` (terms, equal), as the audit hands them over.
    fn fixed(counts: usize, relations: &[(Vec<(usize, f64)>, bool)]) -> Option<Vec<bool>> {
        fixed_by_equalities(counts, relations.iter().filter(|r| r.1).map(|r| r.0.as_slice()))
    }

    fn equal(terms: &[(usize, f64)]) -> (Vec<(usize, f64)>, bool) {
        (terms.to_vec(), true)
    }

    /// A 2 × 2 table with its four cells hidden and its margins shown: each cell can
    /// move around the square, none is fixed. With one cell shown instead (b, whose
    /// index is then in no relation), its row and its column each hold one hidden cell,
    /// fixed, and the other row fixes the last.
    #[test]
    fn a_square_of_hidden_cells_is_free_and_a_lone_cell_fixes_its_square() {
        // Cells a=0, b=1 (row 1), c=2, d=3 (row 2); margins shown.
        let square = vec![
            equal(&[(0, 1.0), (1, 1.0)]),
            equal(&[(2, 1.0), (3, 1.0)]),
            equal(&[(0, 1.0), (2, 1.0)]),
            equal(&[(1, 1.0), (3, 1.0)]),
        ];
        assert_eq!(fixed(4, &square), Some(vec![false; 4]));
        // Cell b shown: row 1 is a alone.
        let mut lone = square.clone();
        lone[0] = equal(&[(0, 1.0)]);
        lone[3] = equal(&[(3, 1.0)]);
        assert_eq!(fixed(4, &lone), Some(vec![true, false, true, true]));
    }

    /// Sums through several groups at once, which no single relation pins: a = b + c
    /// (a total and its two cells, all hidden), b = d (b also the only hidden cell of
    /// another group beside d) and c = 3 - d (c and d the hidden cells of a group
    /// adding up to 3): a = d + 3 - d = 3 whatever d is, and b, c, d stay free.
    #[test]
    fn a_total_is_fixed_by_sums_through_other_groups() {
        let relations = vec![
            equal(&[(1, 1.0), (2, 1.0), (0, -1.0)]),
            equal(&[(1, 1.0), (3, -1.0)]),
            // c + d = 3: the right-hand side does not matter.
            equal(&[(2, 1.0), (3, 1.0)]),
            // An inequality fixes nothing here.
            (vec![(3, 1.0), (0, -1.0)], false),
        ];
        assert_eq!(fixed(4, &relations), Some(vec![true, false, false, false]));
    }

    /// Weights that are not whole numbers are left to the linear programmes.
    #[test]
    fn coefficients_that_are_not_whole_numbers_are_left_to_the_programmes() {
        let relations = vec![equal(&[(0, 0.5), (1, 1.0)])];
        assert_eq!(fixed(2, &relations), None);
        let doubled = vec![equal(&[(0, 2.0)])];
        assert_eq!(fixed(1, &doubled), None);
    }
}
