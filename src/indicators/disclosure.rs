//! Disclosure control for the public audience (indicators.md, "Disclosure control").
//!
//! - Primary: a count from 1 to 4 is suppressed; so is a share or duration whose
//!   denominator (members) is from 1 to 4, and a rate whose numerator is.
//! - Secondary: where a breakdown's cells add up to a shown total and exactly one cell is
//!   suppressed, the smallest other non-zero cell is suppressed too (ties: the first in
//!   code order). The areas of the province are one breakdown of the province total.
//! - A rate or share built on a count indicator (its numerator or denominator header names
//!   one) is suppressed where that count is.
//!
//! A suppressed row keeps no number at all: value, interval, numerator and denominator
//! are blanked, since leaving the numerator would show the very count being protected.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::catalog::{Indicator, Unit};
use crate::indicators::{Status, TidyRow};

pub const THRESHOLD: u64 = 4;

fn is_small(n: Option<u64>) -> bool {
    n.is_some_and(|n| (1..=THRESHOLD).contains(&n))
}

/// Which group of cells a row belongs to: the total of its breakdown is the province row
/// with empty breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Role {
    Total,
    /// Areas (empty breakdown) or a named breakdown of the province.
    Cell(String),
}

fn role(row: &TidyRow, province: &str) -> Role {
    if row.breakdown.is_empty() {
        if row.area_code == province {
            Role::Total
        } else {
            Role::Cell(String::new())
        }
    } else {
        Role::Cell(row.breakdown.clone())
    }
}

fn blank(row: &mut TidyRow) {
    row.status = Status::Suppressed;
    row.value = None;
    row.ci_low = None;
    row.ci_high = None;
    row.numerator = None;
    row.denominator = None;
}

/// Applies primary and secondary suppression in place. Rows must be grouped per
/// indicator with the province total first, as [`super::compute`] returns them.
pub fn suppress(rows: &mut [TidyRow], indicators: &[Indicator], province: &str) {
    // The protected count of every row, taken before anything is blanked.
    let counts: Vec<Option<u64>> = rows.iter().map(TidyRow::protected_count).collect();
    let mut suppressed: Vec<bool> = counts.iter().map(|&c| is_small(c)).collect();

    let mut by_indicator: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        by_indicator.entry(row.indicator_id.as_str()).or_default().push(i);
    }
    let secondary = |suppressed: &mut Vec<bool>| {
        for indices in by_indicator.values() {
            let Some(&total) = indices.iter().find(|&&i| role(&rows[i], province) == Role::Total) else {
                continue;
            };
            if suppressed[total] {
                continue;
            }
            let mut groups: BTreeMap<Role, Vec<usize>> = BTreeMap::new();
            for &i in indices {
                if let r @ Role::Cell(_) = role(&rows[i], province) {
                    groups.entry(r).or_default().push(i);
                }
            }
            for cells in groups.values() {
                let sum: u64 = cells.iter().map(|&i| counts[i].unwrap_or(0)).sum();
                if Some(sum) != counts[total] {
                    continue;
                }
                let hidden = cells.iter().filter(|&&i| suppressed[i]).count();
                if hidden != 1 {
                    continue;
                }
                // Smallest other non-zero cell; `min_by_key` keeps the first of equals,
                // and cells are in code order.
                if let Some(&pick) = cells
                    .iter()
                    .filter(|&&i| !suppressed[i] && counts[i].unwrap_or(0) > 0)
                    .min_by_key(|&&i| counts[i].unwrap_or(0))
                {
                    suppressed[pick] = true;
                }
            }
        }
    };
    secondary(&mut suppressed);

    // Rates and shares built on a suppressed count follow it.
    let count_ids: HashSet<&str> = indicators
        .iter()
        .filter(|i| i.unit == Unit::Count)
        .map(|i| i.id.as_str())
        .collect();
    let base_of: HashMap<&str, &str> = indicators
        .iter()
        .filter(|i| i.unit != Unit::Count)
        .filter_map(|i| {
            [i.numerator.as_str(), i.denominator.as_str()]
                .into_iter()
                .find(|name| count_ids.contains(name))
                .map(|base| (i.id.as_str(), base))
        })
        .collect();
    let cell_key = |row: &TidyRow| {
        (
            row.area_code.clone(),
            row.breakdown.clone(),
            row.breakdown_value.clone(),
        )
    };
    let suppressed_counts: HashSet<(String, (String, String, String))> = rows
        .iter()
        .zip(&suppressed)
        .filter(|(row, s)| **s && count_ids.contains(row.indicator_id.as_str()))
        .map(|(row, _)| (row.indicator_id.clone(), cell_key(row)))
        .collect();
    for (i, row) in rows.iter().enumerate() {
        if let Some(base) = base_of.get(row.indicator_id.as_str()) {
            if suppressed_counts.contains(&(base.to_string(), cell_key(row))) {
                suppressed[i] = true;
            }
        }
    }
    // Following a count may leave a breakdown with one hidden cell: close it again.
    secondary(&mut suppressed);

    for (row, s) in rows.iter_mut().zip(suppressed) {
        if s {
            blank(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Statistic;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn indicator(id: &str) -> Indicator {
        Indicator::example(id, Unit::Count, Statistic::Count, &["area", "victim_sex"])
    }

    fn row(area: &str, breakdown: &str, value: &str, n: u64) -> TidyRow {
        let day = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        TidyRow {
            indicator_id: "x".into(),
            period: "2025".into(),
            calendar: "statutory",
            period_start: day,
            period_end: day,
            as_of: day.and_hms_opt(0, 0, 0).unwrap(),
            area_code: area.into(),
            breakdown: breakdown.into(),
            breakdown_value: value.into(),
            numerator: Some(n),
            denominator: None,
            value: Some(n as f64),
            ci_low: None,
            ci_high: None,
            unit: Unit::Count,
            status: Status::Shown,
        }
    }

    /// Province total, areas, and a breakdown holding the same counts in another order.
    fn table(areas: &[u64], rotate: usize) -> Vec<TidyRow> {
        let total: u64 = areas.iter().sum();
        let mut rows = vec![row("44", "", "", total)];
        for (i, &n) in areas.iter().enumerate() {
            rows.push(row(&format!("4{i:02}"), "", "", n));
        }
        let mut other = areas.to_vec();
        other.rotate_left(rotate % areas.len());
        for (i, &n) in other.iter().enumerate() {
            rows.push(row("44", "victim_sex", &format!("v{i}"), n));
        }
        rows
    }

    #[test]
    fn worked_example() {
        // Areas 3, 10, 7, 0: total 20 shown; 3 → [c]; the smallest other non-zero cell, 7,
        // goes too; 10 and 0 stay.
        let mut rows = table(&[3, 10, 7, 0], 0);
        suppress(&mut rows, &[indicator("x")], "44");
        let shown: Vec<Option<f64>> = rows[1..5].iter().map(|r| r.value).collect();
        assert_eq!(shown, vec![None, Some(10.0), None, Some(0.0)]);
        assert_eq!(rows[0].value, Some(20.0));
        // Ties go to the first in code order: 2, 6, 6 → the first 6.
        let mut rows = table(&[2, 6, 6], 0);
        suppress(&mut rows, &[indicator("x")], "44");
        assert_eq!(
            rows[1..4].iter().map(|r| r.status).collect::<Vec<_>>(),
            vec![Status::Suppressed, Status::Suppressed, Status::Shown]
        );
    }

    proptest! {
        #[test]
        fn no_small_cell_shown_and_none_recoverable(areas in proptest::collection::vec(0u64..12, 2..9), rotate in 0usize..9) {
            let original = table(&areas, rotate);
            let mut rows = original.clone();
            suppress(&mut rows, &[indicator("x")], "44");
            for (r, o) in rows.iter().zip(&original) {
                let n = o.numerator.unwrap();
                if r.status != Status::Suppressed {
                    prop_assert!(n == 0 || n > THRESHOLD, "shown small cell {n}");
                } else {
                    prop_assert!(r.value.is_none() && r.numerator.is_none());
                }
            }
            if rows[0].status != Status::Suppressed {
                for group in [&rows[1..=areas.len()], &rows[areas.len() + 1..]] {
                    let hidden = group.iter().filter(|r| r.status == Status::Suppressed).count();
                    // One hidden cell would equal the total minus the shown ones.
                    prop_assert!(hidden != 1, "one suppressed cell in a breakdown of a shown total");
                }
            }
        }
    }
}
