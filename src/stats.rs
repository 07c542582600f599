//! The statistics of indicators.md, as plain functions over numbers: type-7 quantiles,
//! Kaplan-Meier median and p90 with censoring, Wilson intervals for shares, exact
//! (chi-square) and Byar intervals for rates. Each is checked against values worked by hand.

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// The 97.5% point of the standard normal distribution, for 95% intervals.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Linear interpolation between order statistics (Hyndman-Fan type 7: DuckDB's
/// `quantile_cont`, numpy's default, Excel's PERCENTILE.INC). `sorted` must be ascending.
pub fn quantile_type7(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let low = h.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    Some(sorted[low] + (h - low as f64) * (sorted[high] - sorted[low]))
}

/// [`quantile_type7`] of values in any order, found by selection (linear time) rather
/// than by sorting: the same two order statistics, so exactly the same value. `values`
/// is reordered.
pub fn quantile_type7_unsorted(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let h = (values.len() - 1) as f64 * p;
    let low = h.floor() as usize;
    let (_, &mut at_low, above) = values.select_nth_unstable_by(low, f64::total_cmp);
    // The next order statistic is the smallest of those above (or the same one at the end).
    let at_high = above.iter().copied().min_by(f64::total_cmp).unwrap_or(at_low);
    Some(at_low + (h - low as f64) * (at_high - at_low))
}

/// One cohort member for Kaplan-Meier: the time from its start to its event, or to as-of
/// when the event has not happened (censored).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Survival {
    pub time: f64,
    pub event: bool,
}

/// Kaplan-Meier estimate: the smallest event time t with S(t) <= 1 - `fraction` (0.5 for
/// the median, 0.9 for p90), or None when the curve never gets there ("not reached").
/// Events at a time come before censorings at that time: a member censored at t is still
/// at risk at t.
pub fn kaplan_meier_quantile(members: &[Survival], fraction: f64) -> Option<f64> {
    let sorted = in_risk_order(members);
    let target = 1.0 - fraction;
    let mut at_risk = sorted.len() as f64;
    let mut survival = 1.0_f64;
    let mut i = 0;
    while i < sorted.len() {
        let t = sorted[i].time;
        let mut events = 0.0;
        let mut leaving = 0.0;
        while i < sorted.len() && sorted[i].time == t {
            if sorted[i].event {
                events += 1.0;
            }
            leaving += 1.0;
            i += 1;
        }
        if events > 0.0 {
            survival *= 1.0 - events / at_risk;
            // A product of fractions lands a rounding error away from 0.5 or 0.1 when it
            // is exactly that; the tolerance keeps such a step "reached".
            if survival <= target + 1e-12 {
                return Some(t);
            }
        }
        at_risk -= leaving;
    }
    None
}

/// The members in ascending time (the order of `f64::total_cmp`, as whole numbers: a
/// large cell's sort took most of a Kaplan-Meier indicator's time); at equal times events
/// first, which is what "events before censorings" means for the risk set. Members equal
/// in both are alike, so the sort need not keep their order.
///
/// A cell of one group comes in that order already (each group is sorted once, by
/// [`sort_in_risk_order`], for every whole that reads it): checked, and not sorted again.
fn in_risk_order(members: &[Survival]) -> std::borrow::Cow<'_, [Survival]> {
    if members.is_sorted_by_key(risk_order_key) {
        return std::borrow::Cow::Borrowed(members);
    }
    let mut sorted = members.to_vec();
    sort_in_risk_order(&mut sorted);
    std::borrow::Cow::Owned(sorted)
}

/// Sorts members in the order [`kaplan_meier_quantile`] reads them.
pub fn sort_in_risk_order(members: &mut [Survival]) {
    members.sort_unstable_by_key(risk_order_key);
}

fn risk_order_key(member: &Survival) -> (u64, bool) {
    let bits = member.time.to_bits();
    let ordered_time = if bits >> 63 == 1 { !bits } else { bits | 1 << 63 };
    (ordered_time, !member.event)
}

/// Wilson score interval for `successes` out of `n` (95%).
pub fn wilson(successes: u64, n: u64) -> Option<(f64, f64)> {
    wilson_weighted(successes as f64, n as f64)
}

/// [`wilson`] for counts that need not be whole (areas attributed through the
/// geography crosswalk carry weighted counts).
pub fn wilson_weighted(successes: f64, n: f64) -> Option<(f64, f64)> {
    if n <= 0.0 {
        return None;
    }
    let n_f = n;
    let p = successes / n_f;
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half = Z_95 / denominator * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    // At p = 0 and p = 1 the bound is exactly 0 or 1; rounding would put it a hair inside,
    // below the value itself.
    let low = if successes == 0.0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if successes == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some((low, high))
}

/// 95% interval for a Poisson count: exact (chi-square) below 10, Byar's approximation
/// from 10 on (indicators.md, "Rates and intervals").
pub fn poisson_interval(count: u64) -> (f64, f64) {
    poisson_interval_weighted(count as f64)
}

/// [`poisson_interval`] for a count that need not be whole (the chi-square quantiles
/// take any positive degrees of freedom).
pub fn poisson_interval_weighted(x: f64) -> (f64, f64) {
    if x < 10.0 {
        let lower = if x <= 0.0 {
            0.0
        } else {
            ChiSquared::new(2.0 * x)
                .expect("positive degrees of freedom")
                .inverse_cdf(0.025)
                / 2.0
        };
        let upper = ChiSquared::new(2.0 * x + 2.0)
            .expect("positive degrees of freedom")
            .inverse_cdf(0.975)
            / 2.0;
        (lower, upper)
    } else {
        let lower = x * (1.0 - 1.0 / (9.0 * x) - Z_95 / (3.0 * x.sqrt())).powi(3);
        let x1 = x + 1.0;
        let upper = x1 * (1.0 - 1.0 / (9.0 * x1) + Z_95 / (3.0 * x1.sqrt())).powi(3);
        (lower, upper)
    }
}

/// A rate per 100 000 and its 95% interval.
pub fn rate_per_100k(count: u64, population: u64) -> Option<(f64, f64, f64)> {
    if population == 0 {
        return None;
    }
    // In the dictionary's order of operations (numerator / denominator x 100 000), so an
    // independent recomputation gets the same double.
    let per_100k = |x: f64| x / population as f64 * crate::catalog::RATE_SCALE;
    let (low, high) = poisson_interval(count);
    Some((per_100k(count as f64), per_100k(low), per_100k(high)))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn selection_gives_the_quantile_of_the_sorted_values(
            values in proptest::collection::vec(-1e6f64..1e6, 1..200),
            repeats in 0usize..4,
            p in 0.0f64..=1.0,
        ) {
            // Ties are common in durations (whole hours): repeat some values.
            let mut values = values;
            let copies: Vec<f64> = values.iter().take(repeats * 3).copied().collect();
            values.extend(copies);
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let by_sorting = quantile_type7(&sorted, p);
            let by_selection = quantile_type7_unsorted(&mut values, p);
            proptest::prop_assert_eq!(by_sorting.map(f64::to_bits), by_selection.map(f64::to_bits));
        }

        #[test]
        fn kaplan_meier_orders_members_by_time_then_events_first(
            times in proptest::collection::vec(-50i32..50, 1..120),
            events in proptest::collection::vec(proptest::bool::ANY, 120),
        ) {
            // Whole and half units, negative ones and -0.0 among them, with many ties.
            let members: Vec<Survival> = times
                .iter()
                .zip(&events)
                .map(|(&t, &event)| Survival {
                    time: if t == 0 { -0.0 } else { f64::from(t) / 2.0 },
                    event,
                })
                .collect();
            // The order the estimate is defined by, as a comparison.
            let mut by_comparison = members.clone();
            by_comparison.sort_by(|a, b| a.time.total_cmp(&b.time).then(b.event.cmp(&a.event)));
            let as_bits = |m: &[Survival]| m.iter().map(|s| (s.time.to_bits(), s.event)).collect::<Vec<_>>();
            proptest::prop_assert_eq!(as_bits(&in_risk_order(&members)), as_bits(&by_comparison));
        }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn type7_quantiles_by_hand() {
        // n = 4: h = 3 * 0.5 = 1.5 → x[1] + 0.5 (x[2] - x[1]) = 2 + 0.5 = 2.5.
        assert_eq!(quantile_type7(&[1.0, 2.0, 3.0, 10.0], 0.5), Some(2.5));
        // p90: h = 3 * 0.9 = 2.7 → 3 + 0.7 * 7 = 7.9.
        assert!(close(
            quantile_type7(&[1.0, 2.0, 3.0, 10.0], 0.9).unwrap(),
            7.9,
            1e-12
        ));
        assert_eq!(quantile_type7(&[5.0], 0.9), Some(5.0));
        assert_eq!(quantile_type7(&[], 0.5), None);
    }

    fn s(time: f64, event: bool) -> Survival {
        Survival { time, event }
    }

    #[test]
    fn kaplan_meier_textbook_example() {
        // Remission times (weeks) of the 6-MP group, Freireich et al. 1963, as tabulated
        // in Kleinbaum & Klein, Survival Analysis, table 2.x ('+' censored):
        // 6,6,6,7,10,13,16,22,23 events; 6+,9+,10+,11+,17+,19+,20+,25+,32+,32+,34+,35+.
        let mut m: Vec<Survival> = [6.0, 6.0, 6.0, 7.0, 10.0, 13.0, 16.0, 22.0, 23.0]
            .iter()
            .map(|&t| s(t, true))
            .collect();
        m.extend(
            [
                6.0, 9.0, 10.0, 11.0, 17.0, 19.0, 20.0, 25.0, 32.0, 32.0, 34.0, 35.0,
            ]
            .iter()
            .map(|&t| s(t, false)),
        );
        // S(6)=18/21=.857, S(7)=.807, S(10)=.753, S(13)=.690, S(16)=.627, S(22)=.538,
        // S(23)=.448: the median is 23 weeks (the textbook's value).
        assert_eq!(kaplan_meier_quantile(&m, 0.5), Some(23.0));
        // The curve stays above 0.1: p90 not reached.
        assert_eq!(kaplan_meier_quantile(&m, 0.9), None);
    }

    #[test]
    fn kaplan_meier_ties_events_before_censorings() {
        // Times 1, 2, 2+, 2, 3: at t=2 the risk set is 4 (the one censored at 2 counts).
        // S(1) = 4/5 = 0.8; S(2) = 0.8 * (1 - 2/4) = 0.4 <= 0.5 → median 2.
        let m = [
            s(1.0, true),
            s(2.0, true),
            s(2.0, false),
            s(2.0, true),
            s(3.0, true),
        ];
        assert_eq!(kaplan_meier_quantile(&m, 0.5), Some(2.0));
        // S(3) = 0.4 * (1 - 1/1) = 0 <= 0.1 → p90 3.
        assert_eq!(kaplan_meier_quantile(&m, 0.9), Some(3.0));
        // Exactly one half: 4 members, 2 events at t=5: S = 0.5 → reached at 5.
        let half = [s(5.0, true), s(5.0, true), s(9.0, false), s(9.0, false)];
        assert_eq!(kaplan_meier_quantile(&half, 0.5), Some(5.0));
        // 2/3 * 3/4 is 0.5 in exact arithmetic, a hair off in floating point.
        let thirds = [
            s(1.0, true),
            s(2.0, false),
            s(3.0, true),
            s(4.0, false),
            s(4.0, false),
        ];
        // S(1) = 4/5, S(3) = 4/5 * 2/3 = 0.5333 → not reached.
        assert_eq!(kaplan_meier_quantile(&thirds, 0.5), None);
        let exact_half = [
            s(1.0, true),
            s(1.0, true),
            s(2.0, true),
            s(3.0, false),
            s(3.0, false),
            s(3.0, false),
        ];
        // S(1) = 1 - 2/6 = 2/3 (0.6666666666666667 in floating point), S(2) = 2/3 * 3/4 =
        // 0.5 exactly, 0.5000000000000001 in floating point → still reached: median 2.
        assert_eq!(kaplan_meier_quantile(&exact_half, 0.5), Some(2.0));
        assert_eq!(kaplan_meier_quantile(&[], 0.5), None);
    }

    #[test]
    fn wilson_by_hand() {
        // x = 8, n = 10, z = 1.959964: centre = (0.8 + 0.192073) / 1.384146 = 0.716742;
        // half = 1.959964 / 1.384146 * sqrt(0.016 + 0.0009604) = 0.184367.
        let (low, high) = wilson(8, 10).unwrap();
        assert!(close(low, 0.4901625, 1e-6), "{low}");
        assert!(close(high, 0.9433178, 1e-6), "{high}");
        let (low, high) = wilson(0, 5).unwrap();
        assert_eq!(low, 0.0);
        assert!(close(high, 0.4344825, 1e-6), "{high}");
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(10, 10).unwrap().1, 1.0);
    }

    #[test]
    fn poisson_intervals_by_hand() {
        // Exact: x = 0 → (0, chi2(0.975; 2)/2 = 3.688879); x = 5 → (chi2(0.025; 10)/2 =
        // 1.623486, chi2(0.975; 12)/2 = 11.668332).
        let (l, u) = poisson_interval(0);
        assert_eq!(l, 0.0);
        assert!(close(u, 3.688879, 1e-6), "{u}");
        let (l, u) = poisson_interval(5);
        assert!(close(l, 1.623486, 1e-6), "{l}");
        assert!(close(u, 11.668332, 1e-6), "{u}");
        // Byar, x = 20: 20 (1 - 1/180 - 1.959964/(3 sqrt 20))^3 = 12.211429;
        // 21 (1 - 1/189 + 1.959964/(3 sqrt 21))^3 = 30.889880.
        let (l, u) = poisson_interval(20);
        assert!(close(l, 12.211429, 1e-6), "{l}");
        assert!(close(u, 30.889880, 1e-6), "{u}");
        // Per 100 000 of 50 000 children: twice the count.
        let (rate, low, high) = rate_per_100k(20, 50_000).unwrap();
        assert!(close(rate, 40.0, 1e-12));
        assert!(close(low, 24.422858, 1e-6) && close(high, 61.779761, 1e-6));
        assert_eq!(rate_per_100k(3, 0), None);
    }
}
