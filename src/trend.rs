//! Tests for trend over a run of periods (issue 35): is an area's rate or share rising or
//! falling, by how much a period, and could chance alone give a slope this steep?
//!
//! Rates: a log-linear Poisson regression of the counts with the population as offset,
//! log E[y_t] = log n_t + a + b t; shares: a logistic regression of the successes out of
//! the members, logit p_t = a + b t (t = 0, 1, … for the periods in order). Both are
//! fitted by maximum likelihood (Newton's method on the two parameters); the slope b is
//! reported as a ratio per period, exp(b) (a rate ratio, or an odds ratio), with its
//! 95% Wald interval exp(b ± 1.96 se) and the two-sided Wald p-value, as statsmodels'
//! GLM reports them (Poisson with an offset; Binomial with successes and failures).
//! Weighted counts (records attributed through the crosswalk) enter the likelihood as
//! they are.

use statrs::distribution::{ContinuousCDF, Normal};

/// The two-sided 95% normal quantile.
const Z_95: f64 = 1.959_963_984_540_054;

/// A fitted trend: the ratio per period, its 95% interval and the p-value of "no trend".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    pub model: TrendModel,
    /// The slope on the log (rates) or logit (shares) scale.
    pub slope: f64,
    pub standard_error: f64,
    /// exp(slope): the rate ratio or odds ratio from one period to the next.
    pub ratio: f64,
    pub ratio_low: f64,
    pub ratio_high: f64,
    pub p_value: f64,
    /// The periods the model was fitted on.
    pub periods: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendModel {
    Poisson,
    Logistic,
}

impl TrendModel {
    pub fn name(self) -> &'static str {
        match self {
            TrendModel::Poisson => "poisson_log_linear",
            TrendModel::Logistic => "logistic",
        }
    }
}

impl Trend {
    /// Whether the slope differs from none at the 5% level.
    pub fn significant(&self) -> bool {
        self.p_value < 0.05
    }
}

/// The test for trend of an indicator of `unit` over `points` (count, size) per period:
/// log-linear Poisson for rates and counts (a count's size is a constant exposure),
/// logistic for shares; durations have none.
pub fn for_unit(unit: crate::catalog::Unit, points: &[(f64, f64)]) -> Option<Trend> {
    use crate::catalog::Unit;
    match unit {
        Unit::Count | Unit::Per100k => poisson_trend(points),
        Unit::Share => logistic_trend(points),
        Unit::Hours | Unit::Days => None,
    }
}

/// The trend of counts `y_t` over exposures `n_t` (rates), periods in order. None where
/// there are fewer than 3 periods with exposure, no count at all, or the likelihood has
/// no finite maximum (every count in the first or the last period).
pub fn poisson_trend(points: &[(f64, f64)]) -> Option<Trend> {
    let points = with_members(points);
    let total: f64 = points.iter().map(|p| p.1).sum();
    let exposure: f64 = points.iter().map(|p| p.2).sum();
    if points.len() < 3 || total <= 0.0 {
        return None;
    }
    // Each period's mean, score weight and information weight at (a, b).
    let fit = newton((total / exposure).ln(), |a, b| {
        points
            .iter()
            .map(|&(t, y, n)| {
                let mu = n * (a + b * t).exp();
                (t, y - mu, mu)
            })
            .collect()
    })?;
    finish(TrendModel::Poisson, fit, points.len())
}

/// The trend of successes `x_t` out of members `n_t` (shares), periods in order. None
/// where there are fewer than 3 periods with members, or the likelihood has no finite
/// maximum (no success, or no failure, at all; or the successes all on one side of a
/// period).
pub fn logistic_trend(points: &[(f64, f64)]) -> Option<Trend> {
    let points = with_members(points);
    let successes: f64 = points.iter().map(|p| p.1).sum();
    let members: f64 = points.iter().map(|p| p.2).sum();
    if points.len() < 3 || successes <= 0.0 || successes >= members {
        return None;
    }
    let share = successes / members;
    let fit = newton((share / (1.0 - share)).ln(), |a, b| {
        points
            .iter()
            .map(|&(t, x, n)| {
                let p = 1.0 / (1.0 + (-(a + b * t)).exp());
                (t, x - n * p, n * p * (1.0 - p))
            })
            .collect()
    })?;
    finish(TrendModel::Logistic, fit, points.len())
}

/// Each period with members or exposure as (t, count, size), t its place in `points`
/// (a period left out keeps the others' places).
fn with_members(points: &[(f64, f64)]) -> Vec<(f64, f64, f64)> {
    points
        .iter()
        .enumerate()
        .filter(|(_, (_, n))| *n > 0.0)
        .map(|(t, &(y, n))| (t as f64, y, n))
        .collect()
}

/// The fitted slope and its standard error.
struct Fit {
    slope: f64,
    standard_error: f64,
}

/// Newton's method for (a, b) from `a` and b = 0: `terms(a, b)` gives each period's
/// (t, residual, weight); the score is (Σ r, Σ t r), the information [[Σ w, Σ t w],
/// [Σ t w, Σ t² w]]. None if it does not settle (the maximum is at infinity).
fn newton(start: f64, terms: impl Fn(f64, f64) -> Vec<(f64, f64, f64)>) -> Option<Fit> {
    let (mut a, mut b) = (start, 0.0);
    for _ in 0..100 {
        let (mut u0, mut u1, mut i00, mut i01, mut i11) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (t, r, w) in terms(a, b) {
            u0 += r;
            u1 += t * r;
            i00 += w;
            i01 += t * w;
            i11 += t * t * w;
        }
        let det = i00 * i11 - i01 * i01;
        if det <= 0.0 || !det.is_finite() {
            return None;
        }
        let step_a = (i11 * u0 - i01 * u1) / det;
        let step_b = (i00 * u1 - i01 * u0) / det;
        a += step_a;
        b += step_b;
        if b.abs() > 30.0 || !a.is_finite() {
            return None;
        }
        if step_a.abs().max(step_b.abs()) < 1e-12 {
            // The information at the maximum gives the standard error.
            let (mut i00, mut i01, mut i11) = (0.0, 0.0, 0.0);
            for (t, _, w) in terms(a, b) {
                i00 += w;
                i01 += t * w;
                i11 += t * t * w;
            }
            let det = i00 * i11 - i01 * i01;
            return (det > 0.0).then(|| Fit {
                slope: b,
                standard_error: (i00 / det).sqrt(),
            });
        }
    }
    None
}

fn finish(model: TrendModel, fit: Fit, periods: usize) -> Option<Trend> {
    let normal = Normal::standard();
    let z = fit.slope / fit.standard_error;
    if !z.is_finite() {
        return None;
    }
    Some(Trend {
        model,
        slope: fit.slope,
        standard_error: fit.standard_error,
        ratio: fit.slope.exp(),
        ratio_low: (fit.slope - Z_95 * fit.standard_error).exp(),
        ratio_high: (fit.slope + Z_95 * fit.standard_error).exp(),
        p_value: 2.0 * (1.0 - normal.cdf(z.abs())),
        periods,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three periods of equal exposure with counts 10, 20, 40: the Poisson model with
    /// log μ = a + b t fits them exactly (each doubles), so b = ln 2 and the ratio is 2.
    /// The information at the fit: μ = 10, 20, 40; Σμ = 70, Σtμ = 0 + 20 + 80 = 100,
    /// Σt²μ = 0 + 20 + 160 = 180; det = 70 × 180 − 100² = 2600; var b = 70 / 2600, se =
    /// 0.1640825; z = 0.6931472 / 0.1640825 = 4.2243813; p = 2(1 − Φ(4.2243813)) = 2.39598e-5.
    /// (statsmodels: GLM(y, [1, t], Poisson, offset=log n) gives the same b, se and p.)
    #[test]
    fn a_doubling_count_by_hand() {
        let trend = poisson_trend(&[(10.0, 1000.0), (20.0, 1000.0), (40.0, 1000.0)]).unwrap();
        assert!((trend.slope - 2f64.ln()).abs() < 1e-10, "{trend:?}");
        assert!((trend.ratio - 2.0).abs() < 1e-9);
        assert!((trend.standard_error - (70.0f64 / 2600.0).sqrt()).abs() < 1e-10);
        assert!((trend.standard_error - 0.164_082_5).abs() < 1e-7);
        let se = (70.0f64 / 2600.0).sqrt();
        assert!((trend.ratio_low - (2f64.ln() - Z_95 * se).exp()).abs() < 1e-9);
        assert!((trend.p_value - 2.395_98e-5).abs() < 1e-9, "{}", trend.p_value);
        assert!(trend.significant() && trend.periods == 3);
    }

    /// The exposure is an offset: the same counts over populations growing as they do
    /// are a flat rate (b = 0, p = 1).
    #[test]
    fn a_count_growing_with_its_population_is_no_trend() {
        let trend = poisson_trend(&[(10.0, 1000.0), (20.0, 2000.0), (40.0, 4000.0)]).unwrap();
        assert!(
            trend.slope.abs() < 1e-10 && (trend.p_value - 1.0).abs() < 1e-9,
            "{trend:?}"
        );
        assert!(!trend.significant());
    }

    /// Shares 0.2, 0.5, 0.8 of 10 members each: logit = −ln 4, 0, ln 4, exactly on a
    /// line, so b = ln 4 (the odds ratio 4). Weights n p (1 − p) = 1.6, 2.5, 1.6: Σw =
    /// 5.7, Σtw = 2.5 + 3.2 = 5.7, Σt²w = 2.5 + 6.4 = 8.9; det = 5.7 × 8.9 − 5.7² =
    /// 18.24; var b = 5.7 / 18.24 = 0.3125, se = 0.5590170; z = 1.3862944 / 0.5590170
    /// = 2.4799; p = 0.013143.
    #[test]
    fn a_share_rising_on_the_logit_line_by_hand() {
        let trend = logistic_trend(&[(2.0, 10.0), (5.0, 10.0), (8.0, 10.0)]).unwrap();
        assert!((trend.slope - 4f64.ln()).abs() < 1e-10, "{trend:?}");
        assert!((trend.ratio - 4.0).abs() < 1e-9);
        assert!((trend.standard_error - 0.3125f64.sqrt()).abs() < 1e-10);
        assert!((trend.p_value - 0.013_143).abs() < 1e-5, "{}", trend.p_value);
        assert!(trend.significant() && trend.model == TrendModel::Logistic);
    }

    /// No finite maximum, too few periods, nothing counted: no test.
    #[test]
    fn no_test_where_the_likelihood_has_no_maximum() {
        assert!(poisson_trend(&[(0.0, 100.0), (0.0, 100.0), (5.0, 100.0)]).is_none());
        assert!(poisson_trend(&[(0.0, 100.0), (0.0, 100.0), (0.0, 100.0)]).is_none());
        assert!(poisson_trend(&[(3.0, 100.0), (5.0, 100.0)]).is_none());
        assert!(logistic_trend(&[(0.0, 10.0), (0.0, 10.0), (0.0, 10.0)]).is_none());
        assert!(logistic_trend(&[(10.0, 10.0), (10.0, 10.0), (10.0, 10.0)]).is_none());
        assert!(logistic_trend(&[(0.0, 10.0), (0.0, 10.0), (10.0, 10.0)]).is_none());
        // A period without members is left out, not taken as a zero.
        let skipped = poisson_trend(&[(10.0, 1000.0), (0.0, 0.0), (20.0, 1000.0), (40.0, 1000.0)]).unwrap();
        assert_eq!(skipped.periods, 3);
    }
}
