//! Empirical Bayes smoothing of area rates (issue 35): most communes count 0-3 cases a
//! quarter, so their raw rates are mostly noise. Each area's rate is pulled toward the
//! mean of all areas, the more so the fewer children it has, by the amount the areas'
//! rates vary beyond what chance alone would make them vary.
//!
//! Two estimators, both from the areas compared (for the public audience, the areas
//! shown: a hidden area's count enters nothing published):
//! - **Marshall (1991)**, the global moment estimator: prior mean m = Σy / Σn, prior
//!   variance A = s² − m / n̄ (s² = Σ nᵢ (rᵢ − m)² / Σ n, n̄ = Σn / k), taken as 0 when
//!   negative; the smoothed rate m + Cᵢ (rᵢ − m) with Cᵢ = A / (A + m / nᵢ). The same
//!   as `EBest` of R's spdep.
//! - **Poisson-Gamma (Clayton & Kaldor 1987)**: yᵢ ~ Poisson(nᵢ θᵢ), θᵢ ~ Gamma(shape
//!   ν, rate α), ν and α by maximum likelihood of the marginal negative binomial (as
//!   statsmodels' `NegativeBinomial` with exposure nᵢ and a constant fits it: mean
//!   exp(const) = ν / α, its `alpha` = 1 / ν); each area's posterior is Gamma(yᵢ + ν,
//!   nᵢ + α), whose mean is the smoothed rate and whose 2.5 and 97.5 percentiles are its
//!   95% credible interval.
//!
//! The shrinkage reported is the weight of the prior mean in the smoothed rate: smoothed
//! = shrinkage × prior mean + (1 − shrinkage) × raw rate (Marshall: 1 − Cᵢ; Poisson-Gamma:
//! α / (nᵢ + α)). Rates here are per child; callers scale them.

use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::gamma::digamma;

/// Which estimator smoothed the rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Marshall,
    PoissonGamma,
}

impl Method {
    pub const ALL: [Method; 2] = [Method::Marshall, Method::PoissonGamma];

    pub fn name(self) -> &'static str {
        match self {
            Method::Marshall => "marshall",
            Method::PoissonGamma => "poisson_gamma",
        }
    }
}

/// The distribution of the areas' true rates the data suggest: its mean and variance
/// (per child, per child²).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    pub mean: f64,
    /// 0 where the rates vary no more than chance makes them (every area gets the mean).
    pub variance: f64,
}

/// One area's smoothed rate (per child).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub rate: f64,
    /// The 95% credible interval (Poisson-Gamma with a proper prior only).
    pub interval: Option<(f64, f64)>,
    /// The weight of the prior mean, in [0, 1].
    pub shrinkage: f64,
}

/// The rates of a set of areas smoothed by one method: the prior and each area's
/// estimate, in the order the areas were given.
#[derive(Debug, Clone, PartialEq)]
pub struct Smoothing {
    pub method: Method,
    pub prior: Prior,
    pub estimates: Vec<Estimate>,
}

/// Smooths `areas` (events, children) by `method`. None with fewer than 2 areas, an
/// area without children, or no children at all.
pub fn smooth(method: Method, areas: &[(f64, f64)]) -> Option<Smoothing> {
    if areas.len() < 2 || areas.iter().any(|&(y, n)| n <= 0.0 || y < 0.0 || !y.is_finite()) {
        return None;
    }
    match method {
        Method::Marshall => Some(marshall(areas)),
        Method::PoissonGamma => Some(poisson_gamma(areas)),
    }
}

/// Every area at the prior mean: rates that vary no more than chance.
fn pooled(method: Method, areas: &[(f64, f64)], mean: f64) -> Smoothing {
    Smoothing {
        method,
        prior: Prior { mean, variance: 0.0 },
        estimates: areas
            .iter()
            .map(|_| Estimate {
                rate: mean,
                interval: None,
                shrinkage: 1.0,
            })
            .collect(),
    }
}

fn marshall(areas: &[(f64, f64)]) -> Smoothing {
    let events: f64 = areas.iter().map(|a| a.0).sum();
    let children: f64 = areas.iter().map(|a| a.1).sum();
    let mean = events / children;
    let spread = areas
        .iter()
        .map(|&(y, n)| n * (y / n - mean).powi(2))
        .sum::<f64>()
        / children;
    let average_children = children / areas.len() as f64;
    let variance = (spread - mean / average_children).max(0.0);
    if variance <= 0.0 {
        return pooled(Method::Marshall, areas, mean);
    }
    Smoothing {
        method: Method::Marshall,
        prior: Prior { mean, variance },
        estimates: areas
            .iter()
            .map(|&(y, n)| {
                let weight = variance / (variance + mean / n);
                Estimate {
                    rate: mean + weight * (y / n - mean),
                    interval: None,
                    shrinkage: 1.0 - weight,
                }
            })
            .collect(),
    }
}

/// ln ν is searched over this range; a maximum at its top is ν = ∞ (no extra variation).
const LN_SHAPE_RANGE: (f64, f64) = (-20.0, 30.0);

fn poisson_gamma(areas: &[(f64, f64)]) -> Smoothing {
    let events: f64 = areas.iter().map(|a| a.0).sum();
    let children: f64 = areas.iter().map(|a| a.1).sum();
    let pooled_mean = events / children;
    if events <= 0.0 {
        return pooled(Method::PoissonGamma, areas, pooled_mean);
    }
    let Some(shape) = most_likely_shape(areas, pooled_mean) else {
        return pooled(Method::PoissonGamma, areas, pooled_mean);
    };
    let mean = most_likely_mean(areas, shape, pooled_mean);
    let rate = shape / mean;
    Smoothing {
        method: Method::PoissonGamma,
        prior: Prior {
            mean,
            variance: shape / (rate * rate),
        },
        estimates: areas
            .iter()
            .map(|&(y, n)| {
                let (posterior_shape, posterior_rate) = (y + shape, n + rate);
                Estimate {
                    rate: posterior_shape / posterior_rate,
                    interval: Some((
                        gamma_quantile(posterior_shape, posterior_rate, 0.025),
                        gamma_quantile(posterior_shape, posterior_rate, 0.975),
                    )),
                    shrinkage: rate / posterior_rate,
                }
            })
            .collect(),
    }
}

/// The Gamma(shape, rate) quantile, through the chi-square with 2 × shape degrees of
/// freedom (as the Poisson intervals are computed).
fn gamma_quantile(shape: f64, rate: f64, p: f64) -> f64 {
    ChiSquared::new(2.0 * shape)
        .expect("positive degrees of freedom")
        .inverse_cdf(p)
        / (2.0 * rate)
}

/// The prior mean that maximises the likelihood at shape ν: Newton on ln μ (the negative
/// binomial's log-likelihood is concave there), from the pooled rate.
fn most_likely_mean(areas: &[(f64, f64)], shape: f64, start: f64) -> f64 {
    let mut log_mean = start.ln();
    for _ in 0..200 {
        let mean = log_mean.exp();
        let (mut score, mut information) = (0.0, 0.0);
        for &(y, n) in areas {
            let expected = n * mean;
            score += shape * (y - expected) / (shape + expected);
            information += (y + shape) * shape * expected / (shape + expected).powi(2);
        }
        if information <= 0.0 {
            break;
        }
        let step = score / information;
        log_mean += step;
        if step.abs() < 1e-14 {
            break;
        }
    }
    log_mean.exp()
}

/// d/dν of the marginal log-likelihood at (μ̂(ν), ν): by the envelope theorem, the
/// derivative of the profile likelihood.
fn shape_score(areas: &[(f64, f64)], shape: f64, mean: f64) -> f64 {
    areas
        .iter()
        .map(|&(y, n)| {
            let expected = n * mean;
            // 1 − (y + ν) / (ν + nμ) and ln(ν / (ν + nμ)) written so that nothing
            // cancels: near ν = ∞ the terms are ~1/ν and their sum ~1/ν².
            digamma_step(y, shape) - (expected / shape).ln_1p() + (expected - y) / (shape + expected)
        })
        .sum()
}

/// ψ(ν + y) − ψ(ν). For large ν the two digammas agree to many digits, so their
/// difference comes from the asymptotic series ψ(x) ~ ln x − 1/(2x) − 1/(12x²) +
/// 1/(120x⁴), each term's difference written without cancellation (the next term,
/// 1/(252x⁶), changes the result by less than y × 1e-15 from ν = 100 on).
fn digamma_step(y: f64, shape: f64) -> f64 {
    if shape < 100.0 {
        return digamma(y + shape) - digamma(shape);
    }
    let (v, w) = (shape, shape + y);
    (y / v).ln_1p()
        + y / (2.0 * v * w)
        + y * (v + w) / (12.0 * v * v * w * w)
        + (w.powi(-4) - v.powi(-4)) / 120.0
}

/// The maximum-likelihood shape ν: the root of the profile score in ln ν, found on a
/// grid then by bisection. None when the likelihood still rises at the top of the range
/// (the areas vary no more than chance: ν = ∞).
fn most_likely_shape(areas: &[(f64, f64)], pooled_mean: f64) -> Option<f64> {
    let score_at = |ln_shape: f64| {
        let shape = ln_shape.exp();
        shape_score(areas, shape, most_likely_mean(areas, shape, pooled_mean))
    };
    let (bottom, top) = LN_SHAPE_RANGE;
    let steps = 100;
    let at = |k: usize| bottom + (top - bottom) * k as f64 / steps as f64;
    // The profile rises (score > 0) up to its maximum, then falls.
    let mut low = at(0);
    if score_at(low) <= 0.0 {
        return Some(low.exp());
    }
    let mut high = None;
    for k in 1..=steps {
        if score_at(at(k)) <= 0.0 {
            high = Some(at(k));
            break;
        }
        low = at(k);
    }
    let mut high = high?;
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if middle <= low || middle >= high {
            break;
        }
        if score_at(middle) > 0.0 {
            low = middle;
        } else {
            high = middle;
        }
    }
    Some((0.5 * (low + high)).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PER: f64 = 100_000.0;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    /// 0 and 4 cases among 1 000 children each: m = 4 / 2000 = 0.002; s² = 1000 ×
    /// (0.002² + 0.002²) / 2000 = 4e-6; n̄ = 1000, A = 4e-6 − 0.002 / 1000 = 2e-6;
    /// C = 2e-6 / (2e-6 + 2e-6) = 0.5: the rates 0 and 400 per 100 000 become 100 and
    /// 300, each halfway to the mean 200 (shrinkage 0.5). The prior variance 2e-6 per
    /// child² is 20 000 per 100 000².
    #[test]
    fn marshall_by_hand() {
        let s = smooth(Method::Marshall, &[(0.0, 1000.0), (4.0, 1000.0)]).unwrap();
        assert!(close(s.prior.mean * PER, 200.0, 1e-9), "{s:?}");
        assert!(close(s.prior.variance * PER * PER, 20_000.0, 1e-6));
        assert!(close(s.estimates[0].rate * PER, 100.0, 1e-9));
        assert!(close(s.estimates[1].rate * PER, 300.0, 1e-9));
        assert!(s
            .estimates
            .iter()
            .all(|e| close(e.shrinkage, 0.5, 1e-12) && e.interval.is_none()));
    }

    /// 5 and 5 of 1 000: s² = 0 < m / n̄, so A = 0 and both areas get the mean.
    /// Unequal sizes (1 of 100, 50 of 10 000, 300 of 20 000): the fewer an area's
    /// children, the more weight the mean gets.
    #[test]
    fn marshall_pools_rates_that_vary_no_more_than_chance() {
        let s = smooth(Method::Marshall, &[(5.0, 1000.0), (5.0, 1000.0)]).unwrap();
        assert_eq!(s.prior.variance, 0.0);
        assert!(s.estimates.iter().all(|e| e.rate == 0.005 && e.shrinkage == 1.0));
        let s = smooth(
            Method::Marshall,
            &[(1.0, 100.0), (50.0, 10_000.0), (300.0, 20_000.0)],
        )
        .unwrap();
        assert!(s.prior.variance > 0.0);
        assert!(s.estimates[0].shrinkage > s.estimates[1].shrinkage);
        assert!(s.estimates[1].shrinkage > s.estimates[2].shrinkage);
    }

    /// 0 and 4 cases among 1 000 children each. With equal sizes the likelihood's score
    /// in μ vanishes at the mean count whatever ν (Σ ν (yᵢ − nμ) / (ν + nμ) = 0 at nμ = 2),
    /// so μ = 0.002; the score in ν then reduces to ψ(ν + 4) − ψ(ν) = 2 ln((ν + 2) / ν),
    /// i.e. 1/ν + 1/(ν+1) + 1/(ν+2) + 1/(ν+3) = 2 ln(1 + 2/ν), whose root (bisection by
    /// hand on that sum) is ν = 0.6278343525. Then α = ν / μ = 500 ν, the posteriors are
    /// Gamma(ν, 1000 + 500ν) and Gamma(4 + ν, 1000 + 500ν): means 200 ν / (2 + ν) =
    /// 47.7834040 and 200 (4 + ν) / (2 + ν) = 352.2165960 per 100 000, shrinkage
    /// ν / (2 + ν) = 0.2389170. (statsmodels: NegativeBinomial([0, 4], ones, exposure =
    /// [1000, 1000]) gives alpha = 1 / ν = 1.5928 and exp(const) = 0.002.)
    #[test]
    fn poisson_gamma_by_hand() {
        let s = smooth(Method::PoissonGamma, &[(0.0, 1000.0), (4.0, 1000.0)]).unwrap();
        let nu = 0.627_834_352_5;
        assert!(close(s.prior.mean, 0.002, 1e-12), "{s:?}");
        // The prior variance ν / α² = μ² / ν.
        assert!(close(s.prior.variance, 0.002f64.powi(2) / nu, 1e-14));
        assert!(close(s.estimates[0].rate * PER, 47.783_404_0, 1e-6));
        assert!(close(s.estimates[1].rate * PER, 352.216_596_0, 1e-6));
        assert!(close(s.estimates[0].shrinkage, 0.238_917_0, 1e-7));
        // The interval is the posterior gamma's: its mean lies inside, and its lower end
        // for 0 events is above 0 (the prior's mass).
        let (low, high) = s.estimates[0].interval.unwrap();
        assert!(0.0 < low && low < s.estimates[0].rate && s.estimates[0].rate < high);
    }

    /// The posterior Gamma(2, 1): its 2.5 % quantile solves 1 − e^{−x}(1 + x) = 0.025,
    /// x = 0.2422093; the 97.5 % one, 5.5716434 (both by bisection on that formula).
    #[test]
    fn gamma_quantiles_by_hand() {
        assert!(close(gamma_quantile(2.0, 1.0, 0.025), 0.242_209_3, 1e-6));
        assert!(close(gamma_quantile(2.0, 1.0, 0.975), 5.571_643_4, 1e-6));
        assert!(close(gamma_quantile(2.0, 10.0, 0.975), 0.557_164_34, 1e-7));
    }

    /// ψ(ν + 3) − ψ(ν) = 1/ν + 1/(ν+1) + 1/(ν+2) at every ν, on both sides of the switch
    /// to the series, and at ν = 1e9 where the digammas' difference would be noise.
    #[test]
    fn digamma_steps_by_the_recurrence() {
        for nu in [0.5, 7.0, 99.0, 100.0, 250.0, 1e4, 1e9] {
            let exact = 1.0 / nu + 1.0 / (nu + 1.0) + 1.0 / (nu + 2.0);
            let step = digamma_step(3.0, nu);
            assert!(((step - exact) / exact).abs() < 1e-13, "{nu}: {step} vs {exact}");
        }
    }

    /// Counts that vary less than Poisson (5, 5, 5): the likelihood rises toward ν = ∞,
    /// so every area gets the pooled rate; no events at all: the same, at 0.
    #[test]
    fn poisson_gamma_pools_rates_that_vary_no_more_than_chance() {
        let s = smooth(
            Method::PoissonGamma,
            &[(5.0, 1000.0), (5.0, 1000.0), (5.0, 1000.0)],
        )
        .unwrap();
        assert_eq!(s.prior.variance, 0.0);
        assert!(s
            .estimates
            .iter()
            .all(|e| close(e.rate, 0.005, 1e-15) && e.shrinkage == 1.0));
        let s = smooth(Method::PoissonGamma, &[(0.0, 1000.0), (0.0, 500.0)]).unwrap();
        assert!(s.estimates.iter().all(|e| e.rate == 0.0));
        assert!(smooth(Method::PoissonGamma, &[(1.0, 10.0)]).is_none());
        assert!(smooth(Method::Marshall, &[(1.0, 10.0), (1.0, 0.0)]).is_none());
    }
}
