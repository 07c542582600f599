//! Comparing areas fairly, for evaluators: each area's value against the province's,
//! with the funnel limits its size allows (so that no area is flagged only because it
//! is small), the over-dispersion check, a rank with its uncertainty and the trend.
//! Works on the tidy rows of the indicators layer; plain numbers in and out.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{Beta, ContinuousCDF, Gamma};

use crate::catalog::{Indicator, Unit};
use crate::funnel::{self, Adjustment, Dispersion, Z_95, Z_998};
use crate::indicators::{Status, TidyRow};
use crate::stats::quantile_type7;

/// Where an area lies against the funnel around the province value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Above the 99.8% limit.
    HighAlarm,
    /// Above the 95% limit (within 99.8%).
    HighAlert,
    Within,
    LowAlert,
    LowAlarm,
}

impl Flag {
    pub fn name(self) -> &'static str {
        match self {
            Flag::HighAlarm => "above_99.8",
            Flag::HighAlert => "above_95",
            Flag::Within => "within",
            Flag::LowAlert => "below_95",
            Flag::LowAlarm => "below_99.8",
        }
    }

    pub fn outside_95(self) -> bool {
        self != Flag::Within
    }
}

/// The funnel's limits at one area size: 95% and 99.8%, lower and upper.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub low_998: f64,
    pub low_95: f64,
    pub high_95: f64,
    pub high_998: f64,
}

/// One area compared with the province.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaComparison {
    pub area_code: String,
    /// Successes (shares) or events (rates).
    pub numerator: u64,
    /// Members (shares) or children (rates): the funnel's x axis.
    pub size: u64,
    /// In the indicator's unit (a share, or per 100 000).
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// value - province value, and the area's interval shifted the same way (the
    /// province value is the funnel's fixed reference).
    pub difference: f64,
    pub difference_low: f64,
    pub difference_high: f64,
    pub limits: Limits,
    pub flag: Flag,
    /// 1 = highest value; the interval is the 2.5th-97.5th percentile of simulated ranks.
    pub rank: usize,
    pub rank_low: usize,
    pub rank_high: usize,
}

/// An indicator's comparison across the areas of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub indicator_id: String,
    pub unit: Unit,
    pub province_code: String,
    pub province_value: f64,
    pub dispersion: Dispersion,
    pub areas: Vec<AreaComparison>,
    /// Areas left out: no members, or (public audience) suppressed.
    pub left_out: Vec<String>,
}

/// What the comparison needs besides the rows.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub adjustment: Adjustment,
    pub seed: u64,
    pub draws: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            adjustment: Adjustment::Auto,
            seed: 830,
            draws: 1000,
        }
    }
}

/// Indicators that can be compared on a funnel: shares and rates.
pub fn comparable(indicator: &Indicator) -> bool {
    matches!(indicator.unit, Unit::Share | Unit::Per100k)
}

const PER: f64 = 100_000.0;

/// The funnel limits at `size` around `target` (a share, or a rate per child), exact
/// or, with over-dispersion applied, on the transformed scale widened by tau².
pub fn limits_at(unit: Unit, target: f64, size: u64, dispersion: &Dispersion) -> Limits {
    let scale = if unit == Unit::Per100k { PER } else { 1.0 };
    let at = |p: f64, z: f64| -> f64 {
        let limit = match (unit, dispersion.applied) {
            (Unit::Per100k, true) => funnel::root_limit(target, size as f64, z, dispersion.tau2),
            (Unit::Per100k, false) => funnel::poisson_limit(size as f64, target, p).unwrap_or(0.0),
            (_, true) => funnel::arcsine_limit(target, size, z, dispersion.tau2),
            (_, false) => funnel::binomial_limit(size, target, p).unwrap_or(target),
        };
        limit * scale
    };
    Limits {
        low_998: at(0.001, -Z_998),
        low_95: at(0.025, -Z_95),
        high_95: at(0.975, Z_95),
        high_998: at(0.999, Z_998),
    }
}

fn flag(value: f64, limits: &Limits) -> Flag {
    if value > limits.high_998 {
        Flag::HighAlarm
    } else if value > limits.high_95 {
        Flag::HighAlert
    } else if value < limits.low_998 {
        Flag::LowAlarm
    } else if value < limits.low_95 {
        Flag::LowAlert
    } else {
        Flag::Within
    }
}

/// The numerator and size of a row: successes and members of a share, events and
/// children of a rate.
fn counts(row: &TidyRow) -> Option<(u64, u64)> {
    Some((row.numerator?, row.denominator?))
}

/// Compares the areas of one indicator in one period. `rows` are the indicator's tidy
/// rows of the period (any audience: suppressed areas are left out); `province` the
/// province's code; `areas` the areas to compare, in order.
pub fn compare(
    indicator: &Indicator,
    rows: &[TidyRow],
    province: &str,
    areas: &[String],
    settings: &Settings,
) -> Option<Comparison> {
    if !comparable(indicator) {
        return None;
    }
    let total = |area: &str| {
        rows.iter()
            .find(|r| r.indicator_id == indicator.id && r.area_code == area && r.breakdown.is_empty())
    };
    let province_row = total(province)?;
    let (events, size) = counts(province_row)?;
    if size == 0 {
        return None;
    }
    // The reference: a share, or a rate per child.
    let target = events as f64 / size as f64;
    let scale = if indicator.unit == Unit::Per100k { PER } else { 1.0 };

    let mut members: Vec<(&TidyRow, u64, u64)> = Vec::new();
    let mut left_out = Vec::new();
    for area in areas {
        match total(area) {
            Some(r) if r.status == Status::Shown && r.value.is_some() => match counts(r) {
                Some((x, n)) if n > 0 => members.push((r, x, n)),
                _ => left_out.push(area.clone()),
            },
            _ => left_out.push(area.clone()),
        }
    }

    // Over-dispersion from the z-scores on the variance-stabilised scale.
    let (z, s): (Vec<f64>, Vec<f64>) = members
        .iter()
        .map(|(_, x, n)| {
            let observed = *x as f64 / *n as f64;
            let ((y, s), (centre, _)) = if indicator.unit == Unit::Per100k {
                (funnel::root(observed, *n as f64), funnel::root(target, *n as f64))
            } else {
                (funnel::arcsine(observed, *n), funnel::arcsine(target, *n))
            };
            ((y - centre) / s, s)
        })
        .unzip();
    let dispersion = funnel::dispersion(&z, &s, settings.adjustment).unwrap_or(Dispersion {
        phi: 0.0,
        tau2: 0.0,
        applied: false,
    });

    let ranks = simulated_ranks(indicator.unit, &members, settings);
    let observed_ranks = rank_order(
        &members
            .iter()
            .map(|(r, _, _)| r.value.unwrap_or(0.0))
            .collect::<Vec<_>>(),
    );
    let province_value = target * scale;
    let compared = members
        .iter()
        .enumerate()
        .map(|(i, (row, x, n))| {
            let value = row.value.unwrap_or(0.0);
            let limits = limits_at(indicator.unit, target, *n, &dispersion);
            let (ci_low, ci_high) = (row.ci_low.unwrap_or(value), row.ci_high.unwrap_or(value));
            AreaComparison {
                area_code: row.area_code.clone(),
                numerator: *x,
                size: *n,
                value,
                ci_low,
                ci_high,
                difference: value - province_value,
                difference_low: ci_low - province_value,
                difference_high: ci_high - province_value,
                flag: flag(value, &limits),
                limits,
                rank: observed_ranks[i],
                rank_low: ranks[i].0,
                rank_high: ranks[i].1,
            }
        })
        .collect();
    Some(Comparison {
        indicator_id: indicator.id.clone(),
        unit: indicator.unit,
        province_code: province.to_string(),
        province_value,
        dispersion,
        areas: compared,
        left_out,
    })
}

/// Ranks (1 = highest) of `values`; ties share the best rank.
fn rank_order(values: &[f64]) -> Vec<usize> {
    values
        .iter()
        .map(|v| 1 + values.iter().filter(|o| *o > v).count())
        .collect()
}

/// The 2.5th and 97.5th percentiles of each area's rank over `draws` simulated sets of
/// values, each area's value drawn from its posterior under a Jeffreys prior: Beta(x +
/// 1/2, n - x + 1/2) for a share, Gamma(x + 1/2, n) for a rate per child. Seeded, so
/// the same data give the same intervals.
fn simulated_ranks(unit: Unit, members: &[(&TidyRow, u64, u64)], settings: &Settings) -> Vec<(usize, usize)> {
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let posteriors: Vec<Box<dyn Fn(f64) -> f64>> = members
        .iter()
        .map(|(_, x, n)| -> Box<dyn Fn(f64) -> f64> {
            let (x, n) = (*x as f64, *n as f64);
            if unit == Unit::Per100k {
                match Gamma::new(x + 0.5, n) {
                    Ok(g) => Box::new(move |u| g.inverse_cdf(u)),
                    Err(_) => Box::new(move |_| x / n),
                }
            } else {
                match Beta::new(x + 0.5, n - x + 0.5) {
                    Ok(b) => Box::new(move |u| b.inverse_cdf(u)),
                    Err(_) => Box::new(move |_| x / n),
                }
            }
        })
        .collect();
    let mut per_area: Vec<Vec<f64>> = vec![Vec::with_capacity(settings.draws); members.len()];
    for _ in 0..settings.draws {
        let draw: Vec<f64> = posteriors
            .iter()
            .map(|p| p(rng.random_range(f64::EPSILON..1.0)))
            .collect();
        for (i, r) in rank_order(&draw).into_iter().enumerate() {
            per_area[i].push(r as f64);
        }
    }
    per_area
        .into_iter()
        .map(|mut ranks| {
            ranks.sort_by(f64::total_cmp);
            let at = |p: f64| quantile_type7(&ranks, p).map_or(0, |v| v.round() as usize);
            (at(0.025), at(0.975))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Statistic, Subject};
    use chrono::NaiveDate;

    fn share_indicator() -> Indicator {
        Indicator {
            id: "s".into(),
            label_vi: "s".into(),
            label_en: "s".into(),
            unit: Unit::Share,
            statistic: Statistic::Share,
            subject: Subject::Cases,
            numerator: String::new(),
            numerator_vi: String::new(),
            denominator: String::new(),
            denominator_vi: String::new(),
            cohort: String::new(),
            cohort_vi: String::new(),
            breakdowns: vec!["area".into()],
            legal_basis: "x".into(),
            legal_basis_vi: "x".into(),
            sql: String::new(),
        }
    }

    fn row(area: &str, x: u64, n: u64) -> TidyRow {
        let day = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let (low, high) = crate::stats::wilson(x, n).unwrap();
        TidyRow {
            indicator_id: "s".into(),
            period: "2025Q1".into(),
            calendar: "statutory",
            period_start: day,
            period_end: day,
            as_of: day.and_hms_opt(0, 0, 0).unwrap(),
            area_code: area.into(),
            breakdown: String::new(),
            breakdown_value: String::new(),
            numerator: Some(x),
            denominator: Some(n),
            value: Some(x as f64 / n as f64),
            ci_low: Some(low),
            ci_high: Some(high),
            unit: Unit::Share,
            status: Status::Shown,
        }
    }

    /// A small area with an extreme share is not flagged; a large one with a moderate
    /// excess is. Province 300/1000 = 0.3.
    #[test]
    fn small_areas_are_not_flagged_for_being_small() {
        let rows = vec![
            row("P", 300, 1000),
            row("A", 3, 5),     // 0.6 of 5: within the wide limits at n = 5
            row("B", 215, 600), // 0.358 of 600: above the 95% limit at n = 600
            row("C", 82, 395),  // the rest: 0.208
        ];
        let areas: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
        let c = compare(&share_indicator(), &rows, "P", &areas, &Settings::default()).unwrap();
        assert!((c.province_value - 0.3).abs() < 1e-15);
        let by = |a: &str| c.areas.iter().find(|x| x.area_code == a).unwrap();
        assert_eq!(by("A").flag, Flag::Within, "{:?}", by("A").limits);
        // Upper 95% limit at n = 600 by hand (binomial_limit is checked in funnel.rs).
        let high_95 = funnel::binomial_limit(600, 0.3, 0.975).unwrap();
        assert!(0.3 + 1.96 * (0.21f64 / 600.0).sqrt() - high_95 < 0.002);
        assert!(
            by("B").value > high_95 && by("B").flag.outside_95(),
            "{:?}",
            by("B")
        );
        assert_eq!(by("C").flag, Flag::LowAlarm, "{:?}", by("C").limits);
        // Fewer than 10 areas: no over-dispersion adjustment under auto.
        assert!(!c.dispersion.applied);
        // Observed ranks: A (0.6), B (0.358), C (0.208).
        assert_eq!((by("A").rank, by("B").rank, by("C").rank), (1, 2, 3));
        // A's rank is uncertain (5 members: its share is under C's in about 2.5% of
        // draws); B is above C in every plausible draw.
        assert!(by("A").rank_low == 1 && by("A").rank_high >= 2, "{:?}", by("A"));
        assert!(by("C").rank_low >= 2 && by("C").rank_high == 3, "{:?}", by("C"));
        assert!(by("B").rank_high <= 2, "{:?}", by("B"));
        // Differences from the province, with the area's interval shifted alike.
        let b = by("B");
        assert!((b.difference - (215.0 / 600.0 - 0.3)).abs() < 1e-15);
        assert!((b.difference_low - (b.ci_low - 0.3)).abs() < 1e-15);
    }

    #[test]
    fn seeded_rank_intervals_repeat() {
        let rows = vec![row("P", 50, 200), row("A", 20, 100), row("B", 30, 100)];
        let areas = vec!["A".to_string(), "B".to_string()];
        let a = compare(&share_indicator(), &rows, "P", &areas, &Settings::default()).unwrap();
        let b = compare(&share_indicator(), &rows, "P", &areas, &Settings::default()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn suppressed_and_empty_areas_are_left_out() {
        let mut hidden = row("B", 2, 4);
        hidden.status = Status::Suppressed;
        hidden.value = None;
        let rows = vec![row("P", 50, 200), row("A", 20, 100), hidden];
        let areas = vec!["A".to_string(), "B".to_string(), "Z".to_string()];
        let c = compare(&share_indicator(), &rows, "P", &areas, &Settings::default()).unwrap();
        assert_eq!(c.areas.len(), 1);
        assert_eq!(c.left_out, vec!["B".to_string(), "Z".to_string()]);
    }
}
