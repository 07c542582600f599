//! Funnel-plot limits for comparing areas (Spiegelhalter, "Funnel plots for comparing
//! institutional performance", Stat Med 2005; 24:1185-1202), and the over-dispersion
//! adjustment of the same author ("Handling over-dispersion of performance
//! indicators", Qual Saf Health Care 2005; 14:347-351). Pure functions of numbers: the
//! comparison layer feeds them areas' counts and draws what they return.

use statrs::distribution::{Binomial, DiscreteCDF, Poisson};

use crate::stats::quantile_type7;

/// The two-sided limits drawn: 95% ("alert") and 99.8% ("alarm"), as lower-tail
/// probabilities.
pub const LIMITS: [(f64, f64); 2] = [(0.025, 0.975), (0.001, 0.999)];

/// The standard normal quantiles of [`LIMITS`]' upper tails (0.975 and 0.999).
pub const Z_95: f64 = 1.959963984540054;
pub const Z_998: f64 = 3.090232306167813;

/// Exact limit for a share with `n` members around `target`: the `p` quantile of
/// Binomial(n, target), interpolated so the limits are smooth in n (Spiegelhalter 2005,
/// appendix A.1.1): r is the smallest count with F(r) >= p, alpha = (F(r) - p) /
/// (F(r) - F(r - 1)), and the limit is (r - alpha) / n, held within [0, 1].
pub fn binomial_limit(n: u64, target: f64, p: f64) -> Option<f64> {
    if n == 0 || !(0.0..=1.0).contains(&target) {
        return None;
    }
    let dist = Binomial::new(target, n).ok()?;
    let r = smallest_reaching(|k| dist.cdf(k), n, p);
    let below = if r == 0 { 0.0 } else { dist.cdf(r - 1) };
    // At r = 0 the interpolation can fall below zero; a share cannot.
    Some(((r as f64 - interpolation(dist.cdf(r), below, p)) / n as f64).clamp(0.0, 1.0))
}

/// Exact limit for a rate (events per unit of `exposure`, e.g. per child) around
/// `target`: the `p` quantile of Poisson(target * exposure), interpolated as for
/// shares, divided by the exposure.
pub fn poisson_limit(exposure: f64, target: f64, p: f64) -> Option<f64> {
    if exposure <= 0.0 || target <= 0.0 {
        return None;
    }
    let dist = Poisson::new(target * exposure).ok()?;
    // No count is beyond mean + 40 standard deviations + 40 at the probabilities used.
    let mean = target * exposure;
    let ceiling = (mean + 40.0 * mean.sqrt() + 40.0).ceil() as u64;
    let r = smallest_reaching(|k| dist.cdf(k), ceiling, p);
    let below = if r == 0 { 0.0 } else { dist.cdf(r - 1) };
    Some(((r as f64 - interpolation(dist.cdf(r), below, p)) / exposure).max(0.0))
}

/// The smallest k in 0..=max with cdf(k) >= p (max if none), by bisection: cdf rises.
fn smallest_reaching(cdf: impl Fn(u64) -> f64, max: u64, p: f64) -> u64 {
    let (mut low, mut high) = (0u64, max);
    while low < high {
        let mid = low + (high - low) / 2;
        if cdf(mid) >= p {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    low
}

fn interpolation(at_r: f64, below_r: f64, p: f64) -> f64 {
    if at_r > below_r {
        (at_r - p) / (at_r - below_r)
    } else {
        0.0
    }
}

/// How far areas spread beyond what chance allows, from their z-scores on the
/// variance-stabilised scale (arcsine square root for shares, square root for rates).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dispersion {
    /// The over-dispersion factor: the mean squared winsorised z-score.
    pub phi: f64,
    /// The between-area variance added to each area's own (0 when phi <= 1).
    pub tau2: f64,
    /// How the limits are widened: by `tau2` or by `phi`.
    pub model: Model,
    /// Whether the limits were widened.
    pub applied: bool,
}

/// Spiegelhalter (2005)'s two models of over-dispersion, both on the
/// variance-stabilised scale: an area's standard error s becomes sqrt(s² + tau²)
/// (additive: a random effect, the same between-area variance for every area) or
/// s sqrt(phi) (multiplicative: every variance scaled alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Model {
    #[default]
    Additive,
    Multiplicative,
}

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Model::Additive => "additive",
            Model::Multiplicative => "multiplicative",
        }
    }
}

impl Dispersion {
    /// No areas to estimate from: nothing applied.
    pub fn none(model: Model) -> Dispersion {
        Dispersion {
            phi: 0.0,
            tau2: 0.0,
            model,
            applied: false,
        }
    }

    /// The standard error `s` of an area on the variance-stabilised scale, widened as
    /// the model says where the adjustment is applied.
    pub fn widened(&self, s: f64) -> f64 {
        match (self.applied, self.model) {
            (false, _) => s,
            (true, Model::Additive) => (s * s + self.tau2).sqrt(),
            (true, Model::Multiplicative) => s * self.phi.sqrt(),
        }
    }
}

/// Whether to widen the limits for over-dispersion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjustment {
    /// When there are at least 10 areas and phi > 1.
    Auto,
    On,
    Off,
}

/// Replaces z-scores beyond the 10th and 90th percentiles (type 7) by those
/// percentiles, so that a few extreme areas do not inflate phi (Spiegelhalter 2005,
/// over-dispersion paper, section "Estimating over-dispersion").
pub fn winsorise_10(z: &[f64]) -> Vec<f64> {
    let mut sorted = z.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (Some(low), Some(high)) = (quantile_type7(&sorted, 0.1), quantile_type7(&sorted, 0.9)) else {
        return z.to_vec();
    };
    z.iter().map(|v| v.clamp(low, high)).collect()
}

/// phi and tau² from the z-scores and standard errors (same order) of k areas:
/// phi = mean of the squared winsorised z; tau² = (k phi - (k - 1)) / (sum w - sum w² /
/// sum w) with w = 1 / s², floored at 0. Applied per `adjustment`, and only where it
/// widens: tau² > 0 for the additive model, phi > 1 for the multiplicative one.
pub fn dispersion(z: &[f64], s: &[f64], adjustment: Adjustment, model: Model) -> Option<Dispersion> {
    let k = z.len();
    if k == 0 || k != s.len() || s.iter().any(|v| *v <= 0.0) {
        return None;
    }
    let winsorised = winsorise_10(z);
    let phi = winsorised.iter().map(|v| v * v).sum::<f64>() / k as f64;
    let w: Vec<f64> = s.iter().map(|v| 1.0 / (v * v)).collect();
    let sum_w: f64 = w.iter().sum();
    let sum_w2: f64 = w.iter().map(|v| v * v).sum();
    let spread = sum_w - sum_w2 / sum_w;
    let tau2 = if spread > 0.0 {
        ((k as f64 * phi - (k as f64 - 1.0)) / spread).max(0.0)
    } else {
        0.0
    };
    let applied = match adjustment {
        Adjustment::On => true,
        Adjustment::Off => false,
        Adjustment::Auto => k >= 10 && phi > 1.0,
    } && match model {
        Model::Additive => tau2 > 0.0,
        Model::Multiplicative => phi > 1.0,
    };
    Some(Dispersion {
        phi,
        tau2,
        model,
        applied,
    })
}

/// A share on the arcsine square-root scale, with the standard error of an area of
/// `size` members (weighted where records are attributed through the crosswalk, and
/// not rounded: the z-score, phi and tau² use the same size): y = asin(sqrt(p)),
/// s = 1 / (2 sqrt(size)).
pub fn arcsine(share: f64, size: f64) -> (f64, f64) {
    (share.clamp(0.0, 1.0).sqrt().asin(), 0.5 / size.sqrt())
}

/// The limit of a share on the arcsine scale widened as `dispersion` says, back on the
/// share scale: sin²(asin(sqrt(target)) + z s'), s' the widened standard error, held
/// within [0, 1].
pub fn arcsine_limit(target: f64, size: f64, z: f64, dispersion: &Dispersion) -> f64 {
    let (centre, s) = arcsine(target, size);
    let y = (centre + z * dispersion.widened(s)).clamp(0.0, std::f64::consts::FRAC_PI_2);
    y.sin().powi(2)
}

/// A rate per unit of exposure on the square-root scale: y = sqrt(rate), s = 1 / (2
/// sqrt(exposure)) (the delta method under Poisson counts).
pub fn root(rate: f64, exposure: f64) -> (f64, f64) {
    (rate.max(0.0).sqrt(), 0.5 / exposure.sqrt())
}

/// The limit of a rate on the square-root scale widened as `dispersion` says, back on
/// the rate scale: (sqrt(target) + z s')², floored at 0.
pub fn root_limit(target: f64, exposure: f64, z: f64, dispersion: &Dispersion) -> f64 {
    let (centre, s) = root(target, exposure);
    (centre + z * dispersion.widened(s)).max(0.0).powi(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Binomial(20, 0.5) by hand: F(13) = 1 - P(X >= 14) = 1 - (38760 + 15504 + 4845 +
    /// 1140 + 190 + 20 + 1) / 2^20 = 1 - 60460/1048576; F(14) = 1 - 21700/1048576.
    #[test]
    fn binomial_limit_interpolates_between_counts() {
        let f13 = 1.0 - 60460.0 / 1048576.0;
        let f14 = 1.0 - 21700.0 / 1048576.0;
        // r = 14 is the first count with F >= 0.975 (F(13) = 0.94234 < 0.975 <= 0.97931).
        let alpha = (f14 - 0.975) / (f14 - f13);
        let expected = (14.0 - alpha) / 20.0;
        let got = binomial_limit(20, 0.5, 0.975).unwrap();
        assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
        assert!((got - 0.694_177).abs() < 1e-5);
        // Lower: F(5) = 21700/2^20 = 0.02069 < 0.025 <= F(6) = 60460/2^20 (the
        // distribution is symmetric), so r = 6.
        let (f5, f6) = (21700.0 / 1048576.0, 60460.0 / 1048576.0);
        let expected = (6.0 - (f6 - 0.025) / (f6 - f5)) / 20.0;
        let low = binomial_limit(20, 0.5, 0.025).unwrap();
        assert!((low - expected).abs() < 1e-12, "{low} vs {expected}");
    }

    /// Poisson(10) by hand: P(X = k) = e^-10 10^k / k!; F(16) and F(17) summed here.
    #[test]
    fn poisson_limit_interpolates_between_counts() {
        let mut term = (-10.0f64).exp();
        let mut cdf = vec![term];
        for k in 1..=20 {
            term *= 10.0 / k as f64;
            cdf.push(cdf[k - 1] + term);
        }
        // F(16) = 0.97296 < 0.975 <= F(17) = 0.98572: r = 17.
        assert!(cdf[16] < 0.975 && cdf[17] >= 0.975);
        let alpha = (cdf[17] - 0.975) / (cdf[17] - cdf[16]);
        let expected = (17.0 - alpha) / 10_000.0;
        let got = poisson_limit(10_000.0, 0.001, 0.975).unwrap();
        assert!((got - expected).abs() < 1e-15, "{got} vs {expected}");
    }

    #[test]
    fn limits_narrow_as_areas_grow() {
        let mut previous = (0.0, 1.0);
        for n in [10, 100, 1000, 10_000] {
            let (low, high) = (
                binomial_limit(n, 0.3, 0.001).unwrap(),
                binomial_limit(n, 0.3, 0.999).unwrap(),
            );
            assert!(
                low >= previous.0 && high <= previous.1 && low < 0.3 && 0.3 < high,
                "{n}"
            );
            previous = (low, high);
        }
    }

    /// Ten z-scores 1..10 with equal standard errors s = 0.1 (w = 100):
    /// type-7 10th percentile = 1.9, 90th = 9.1; winsorised: 1.9, 2..9, 9.1;
    /// phi = (1.9² + 4 + 9 + ... + 81 + 9.1²) / 10 = (3.61 + 284 + 82.81) / 10 = 37.042;
    /// tau² = (10 × 37.042 - 9) / (1000 - 100000 / 1000) = 361.42 / 900.
    #[test]
    fn dispersion_by_hand() {
        let z: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = vec![0.1; 10];
        let d = dispersion(&z, &s, Adjustment::Auto, Model::Additive).unwrap();
        assert!((d.phi - 37.042).abs() < 1e-12, "{}", d.phi);
        assert!((d.tau2 - 361.42 / 900.0).abs() < 1e-12, "{}", d.tau2);
        assert!(d.applied);
        // Fewer than 10 areas: auto leaves the limits alone; on applies them.
        let few = dispersion(&z[..9], &s[..9], Adjustment::Auto, Model::Additive).unwrap();
        assert!(!few.applied);
        assert!(
            dispersion(&z[..9], &s[..9], Adjustment::On, Model::Additive)
                .unwrap()
                .applied
        );
        assert!(
            !dispersion(&z, &s, Adjustment::Off, Model::Additive)
                .unwrap()
                .applied
        );
    }

    #[test]
    fn no_over_dispersion_leaves_tau_zero() {
        let z = [0.1, -0.2, 0.3, -0.1, 0.0, 0.2, -0.3, 0.1, -0.1, 0.05];
        let s = [0.05; 10];
        let d = dispersion(&z, &s, Adjustment::Auto, Model::Additive).unwrap();
        assert!(d.phi < 1.0 && d.tau2 == 0.0 && !d.applied);
    }

    fn additive(tau2: f64) -> Dispersion {
        Dispersion {
            phi: 2.0,
            tau2,
            model: Model::Additive,
            applied: true,
        }
    }

    /// With tau² = 0 the arcsine limit is the normal approximation on that scale:
    /// target 0.25, n = 100: asin(0.5) = pi/6, s = 0.05, upper = sin²(pi/6 + 1.96 × 0.05).
    #[test]
    fn arcsine_and_root_limits_by_hand() {
        let upper = arcsine_limit(0.25, 100.0, Z_95, &additive(0.0));
        let expected = (std::f64::consts::PI / 6.0 + Z_95 * 0.05).sin().powi(2);
        assert!((upper - expected).abs() < 1e-15);
        let wider = arcsine_limit(0.25, 100.0, Z_95, &additive(0.01));
        let expected = (std::f64::consts::PI / 6.0 + Z_95 * (0.0025f64 + 0.01).sqrt())
            .sin()
            .powi(2);
        assert!((wider - expected).abs() < 1e-15 && wider > upper);
        // Rates: target 0.0004 per child, 250 000 children: sqrt = 0.02, s = 0.001.
        let rate = root_limit(0.0004, 250_000.0, -Z_998, &additive(0.0));
        assert!((rate - (0.02 - Z_998 * 0.001f64).powi(2)).abs() < 1e-18);
    }

    /// Issue 35: an area of 6.52 members (weighted through the crosswalk) gets the limit
    /// of 6.52 members, not of 7. Target 0.5: asin(sqrt(0.5)) = pi/4 = 0.7853982;
    /// s² = 1 / (4 × 6.52) = 1/26.08. Additive, tau² = 0.02: s' = sqrt(1/26.08 + 0.02)
    /// = sqrt(0.0583436) = 0.2415441; upper 95% = sin²(0.7853982 + 1.959964 ×
    /// 0.2415441) = sin²(1.2588159) = 0.9057854. For 7 members: s' = sqrt(1/28 + 0.02)
    /// = 0.2360387, sin²(1.2480256) = 0.8993871. Multiplicative, phi = 2.25: s' = 1.5 ×
    /// sqrt(1/26.08) = 0.2937227, sin²(1.3610840) = 0.9566617.
    #[test]
    fn over_dispersed_limits_use_the_unrounded_size() {
        let quarter_pi = std::f64::consts::FRAC_PI_4;
        let upper = arcsine_limit(0.5, 6.52, Z_95, &additive(0.02));
        let s_wide = (1.0 / 26.08 + 0.02f64).sqrt();
        assert!((s_wide - 0.241_544_1).abs() < 1e-7, "{s_wide}");
        assert!((upper - (quarter_pi + Z_95 * s_wide).sin().powi(2)).abs() < 1e-15);
        assert!((upper - 0.905_785_4).abs() < 1e-7, "{upper}");
        let rounded = arcsine_limit(0.5, 7.0, Z_95, &additive(0.02));
        assert!(
            (rounded - 0.899_387_1).abs() < 1e-7 && rounded < upper,
            "{rounded}"
        );
        let multiplicative = Dispersion {
            phi: 2.25,
            tau2: 0.02,
            model: Model::Multiplicative,
            applied: true,
        };
        let upper = arcsine_limit(0.5, 6.52, Z_95, &multiplicative);
        let s_scaled = 1.5 * (1.0 / 26.08f64).sqrt();
        assert!((s_scaled - 0.293_722_7).abs() < 1e-7, "{s_scaled}");
        assert!((upper - 0.956_661_7).abs() < 1e-7, "{upper}");
        // Not applied: the area's own standard error, whatever the model.
        let off = Dispersion {
            applied: false,
            ..multiplicative
        };
        assert_eq!(off.widened(0.3), 0.3);
    }

    /// The multiplicative model widens only where phi > 1 (it would narrow the limits
    /// below the areas' own variation otherwise); the additive where tau² > 0.
    #[test]
    fn each_model_applies_only_where_it_widens() {
        let z: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = vec![0.1; 10];
        let d = dispersion(&z, &s, Adjustment::On, Model::Multiplicative).unwrap();
        assert!(d.applied && d.model == Model::Multiplicative);
        assert!((d.widened(0.1) - 0.1 * 37.042f64.sqrt()).abs() < 1e-12);
        let calm = [0.1, -0.2, 0.3, -0.1, 0.0, 0.2, -0.3, 0.1, -0.1, 0.05];
        let d = dispersion(&calm, &[0.05; 10], Adjustment::On, Model::Multiplicative).unwrap();
        assert!(d.phi < 1.0 && !d.applied);
    }
}
