//! The maths of comparing areas: funnel limits around the province value at each
//! area's size, flags, over-dispersion, ranks with their simulated intervals, the
//! attribution of coded counts to other areas through the crosswalk, and the heat map's
//! cells. Plain numbers and tidy rows in and out: no store.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{Beta, ContinuousCDF, Gamma};
use std::collections::BTreeMap;

use crate::catalog::{Indicator, Unit, RATE_SCALE};
use crate::disclosure::{self, CellKey, Hidden};
use crate::error::{Error, Result};
use crate::funnel::{self, Adjustment, Dispersion, Model, Z_95, Z_998};
use crate::period::Period;
use crate::results::{Status, TidyRow};
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

/// An area's counts for a comparison: successes and members of a share, events and
/// children of a rate. Whole numbers as coded; weighted sums once attributed through
/// the crosswalk.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaCounts {
    pub area_code: String,
    pub numerator: f64,
    pub size: f64,
}

/// The counts of the province and of `areas` from an indicator's tidy rows (totals,
/// any audience). An area without a shown row is absent.
pub fn counts_from_rows(indicator: &Indicator, rows: &[TidyRow], codes: &[String]) -> Vec<AreaCounts> {
    codes
        .iter()
        .filter_map(|code| {
            let row = rows
                .iter()
                .find(|r| r.indicator_id == indicator.id && r.area_code == *code && r.breakdown.is_empty())?;
            (row.status != Status::Suppressed).then_some(())?;
            Some(AreaCounts {
                area_code: code.clone(),
                numerator: row.numerator? as f64,
                size: row.denominator? as f64,
            })
        })
        .collect()
}

/// One line of the crosswalk: part `weight` of area `from_code` belongs to `to_code`.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub from_code: String,
    pub to_code: String,
    pub weight: f64,
}

/// Counts attributed to `targets` (the former districts): a target's own counts (the
/// records coded by it) plus, for each area linked to it, the area's counts times the
/// link's weight. Weights split counts, so every count is conserved: the targets' sum
/// is the coded areas' sum whenever each linked area's weights add up to 1.
///
/// A rate's size is the children of the area, not a count of records: a target with
/// its own population keeps it (a period spanning the reform has rows for both the
/// district and its communes, and adding them would count the children twice); one
/// without takes its linked areas' children times the weights.
pub fn attribute(coded: &[AreaCounts], links: &[Link], targets: &[String], unit: Unit) -> Vec<AreaCounts> {
    targets
        .iter()
        .map(|target| {
            let mut total = AreaCounts {
                area_code: target.clone(),
                numerator: 0.0,
                size: 0.0,
            };
            let mut linked_size = 0.0;
            let mut own_size = None;
            for c in coded {
                let weight = if c.area_code == *target {
                    own_size = Some(c.size);
                    1.0
                } else {
                    links
                        .iter()
                        .filter(|l| l.from_code == c.area_code && l.to_code == *target)
                        .map(|l| l.weight)
                        .sum()
                };
                total.numerator += weight * c.numerator;
                total.size += weight * c.size;
                if c.area_code != *target {
                    linked_size += weight * c.size;
                }
            }
            if unit == Unit::Per100k {
                total.size = match own_size {
                    Some(own) if own > 0.0 => own,
                    _ => linked_size,
                };
            }
            total
        })
        .collect()
}

/// One cell of the heatmap: its count (weighted when attributed), the children of its
/// area, and whether disclosure control hides it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatCell {
    pub count: f64,
    pub children: f64,
    pub hidden: bool,
}

impl HeatCell {
    /// The rate per 100 000 children, or the symbol shown instead: `[c]` hidden, `[x]` no
    /// population figure.
    pub fn shown(&self) -> Result<f64, String> {
        if self.hidden {
            Err("[c]".to_string())
        } else if self.children <= 0.0 {
            Err("[x]".to_string())
        } else {
            Ok(self.count / self.children * RATE_SCALE)
        }
    }
}

/// The heatmap's cross-tabulation: counts of `quantity` by (area, category) from counts
/// by (coded area, category), attributed through `links` (empty: as coded), over each
/// area's `children`. For the public audience the cells go through disclosure control
/// along both margins, rows (each area's total) and columns (the province by category),
/// with the margins hidden exactly where `margins` (the tidy table's, and the attributed
/// areas') hides them.
#[allow(clippy::too_many_arguments)]
pub fn heatmap(
    counts: &[(String, String, f64)],
    links: &[Link],
    province: &str,
    areas: &[String],
    breakdown: &str,
    categories: &[&str],
    children: &std::collections::HashMap<String, f64>,
    quantity: &str,
    margins: Option<&Hidden>,
) -> Result<Vec<Vec<HeatCell>>> {
    let grid: Vec<Vec<f64>> = areas
        .iter()
        .map(|area| {
            categories
                .iter()
                .map(|category| {
                    counts
                        .iter()
                        .filter(|(_, c, _)| c == category)
                        .map(|(coded, _, n)| {
                            let weight = if coded == area {
                                1.0
                            } else {
                                links
                                    .iter()
                                    .filter(|l| l.from_code == *coded && l.to_code == *area)
                                    .map(|l| l.weight)
                                    .sum()
                            };
                            weight * n
                        })
                        // From +0: a sum of no floats is -0.
                        .fold(0.0, |total, n| total + n)
                })
                .collect()
        })
        .collect();
    let hidden = match margins {
        None => Hidden::default(),
        Some(margins) => {
            let mut table = disclosure::Table::new(province);
            let record = |table: &mut disclosure::Table, cell: CellKey, n: f64| -> Result<()> {
                if margins.contains(quantity, &cell) {
                    table.force_hidden(quantity, &cell);
                }
                table.record(quantity, &cell, n).map_err(Error::from)
            };
            // Margins are published elsewhere (the tidy table, the comparison), hidden
            // as `margins` says: the province total is left out so that this table
            // protects the cells under them, and never re-decides the margins.
            for (j, category) in categories.iter().enumerate() {
                let column = grid.iter().map(|row| row[j]).fold(0.0, |a, b| a + b);
                record(&mut table, CellKey::new(province, breakdown, category), column)?;
            }
            for (area, row) in areas.iter().zip(&grid) {
                record(
                    &mut table,
                    CellKey::total(area),
                    row.iter().fold(0.0, |a, b| a + b),
                )?;
                for (category, n) in categories.iter().zip(row) {
                    record(&mut table, CellKey::new(area, breakdown, category), *n)?;
                }
            }
            table.solve()
        }
    };
    Ok(areas
        .iter()
        .zip(grid)
        .map(|(area, row)| {
            let people = children.get(area).copied().unwrap_or(0.0);
            categories
                .iter()
                .zip(row)
                .map(|(category, count)| HeatCell {
                    count,
                    children: people,
                    hidden: hidden.contains(quantity, &CellKey::new(area, breakdown, category)),
                })
                .collect()
        })
        .collect())
}

/// One area compared with the province.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaComparison {
    pub area_code: String,
    /// Successes (shares) or events (rates); weighted when attributed.
    pub numerator: f64,
    /// Members (shares) or children (rates): the funnel's x axis.
    pub size: f64,
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
    /// The Monte Carlo error of each bound, in ranks: half the width of the 95%
    /// interval of the simulated percentile (see [`percentile_mc_error`]).
    pub rank_low_error: f64,
    pub rank_high_error: f64,
}

/// An indicator's comparison across the areas of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub indicator_id: String,
    pub unit: Unit,
    pub province: AreaCounts,
    pub province_value: f64,
    pub dispersion: Dispersion,
    pub areas: Vec<AreaComparison>,
    /// Areas left out: no members, or (public audience) suppressed.
    pub left_out: Vec<String>,
    /// The simulation behind the rank intervals: draws and seed.
    pub rank_draws: usize,
    pub rank_seed: u64,
    /// Rates only: the areas' rates smoothed by each empirical Bayes method, estimates
    /// in the order of `areas` (estimated from them alone: a left-out area enters none).
    pub smoothing: Vec<crate::smoothing::Smoothing>,
}

/// What the comparison needs besides the counts.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub adjustment: Adjustment,
    pub model: Model,
    pub seed: u64,
    pub draws: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            adjustment: Adjustment::Auto,
            model: Model::Additive,
            seed: 830,
            draws: 1000,
        }
    }
}

/// Indicators that can be compared on a funnel: shares and rates.
pub fn comparable(indicator: &Indicator) -> bool {
    matches!(indicator.unit, Unit::Share | Unit::Per100k)
}

impl Comparison {
    /// The funnel's limits at `points` sizes, from half the smallest area (the limits at
    /// a handful of members would dwarf every area on the axis) to past the largest,
    /// denser where they bend: `[size, low 99.8%, low 95%, high 95%, high 99.8%]`. The
    /// one curve of the drawn funnel plot and of the workbook's native chart.
    pub fn funnel_curve(&self, points: u32) -> Vec<[f64; 5]> {
        let target = self.province.numerator / self.province.size;
        let largest = self.areas.iter().map(|a| a.size).fold(1.0_f64, f64::max);
        let smallest = self.areas.iter().map(|a| a.size).fold(largest, f64::min);
        let start = (smallest * 0.5).max(1.0);
        (0..points)
            .map(|k| {
                let along = f64::from(k) / f64::from(points - 1);
                let size = start + (largest * 1.05 - start) * along.powi(2);
                let l = limits_at(self.unit, target, size, &self.dispersion);
                [size, l.low_998, l.low_95, l.high_95, l.high_998]
            })
            .collect()
    }
}

/// The funnel limits at `size` around `target` (a share, or a rate per child), exact
/// or, with over-dispersion applied, on the transformed scale widened as the model
/// says, at the size itself (weighted or not: the z-scores, phi and tau² use it too).
/// Exact binomial limits need whole members: a weighted size is rounded for them only.
pub fn limits_at(unit: Unit, target: f64, size: f64, dispersion: &Dispersion) -> Limits {
    let scale = if unit == Unit::Per100k { RATE_SCALE } else { 1.0 };
    let members = (size.round() as u64).max(1);
    let at = |p: f64, z: f64| -> f64 {
        let limit = match (unit, dispersion.applied) {
            (Unit::Per100k, true) => funnel::root_limit(target, size, z, dispersion),
            (Unit::Per100k, false) => funnel::poisson_limit(size, target, p).unwrap_or(0.0),
            (_, true) => funnel::arcsine_limit(target, size, z, dispersion),
            (_, false) => funnel::binomial_limit(members, target, p).unwrap_or(target),
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

/// The value and 95% interval of counts in the indicator's unit: Wilson for a share,
/// exact/Byar Poisson for a rate per 100 000.
pub fn value_of(unit: Unit, counts: &AreaCounts) -> Option<(f64, f64, f64)> {
    if counts.size <= 0.0 {
        return None;
    }
    if unit == Unit::Per100k {
        let per = |x: f64| x / counts.size * RATE_SCALE;
        let (low, high) = crate::stats::poisson_interval_weighted(counts.numerator);
        Some((per(counts.numerator), per(low), per(high)))
    } else {
        let (low, high) = crate::stats::wilson_weighted(counts.numerator, counts.size)?;
        Some((counts.numerator / counts.size, low, high))
    }
}

/// Compares areas with the province on one indicator. `province` and `areas` are
/// counts (as coded, or attributed); `expected` lists every area that should be
/// there, so the ones missing are reported as left out.
pub fn compare(
    indicator: &Indicator,
    province: &AreaCounts,
    areas: &[AreaCounts],
    expected: &[String],
    settings: &Settings,
) -> Option<Comparison> {
    if !comparable(indicator) || province.size <= 0.0 {
        return None;
    }
    // The reference: a share, or a rate per child.
    let target = province.numerator / province.size;
    let scale = if indicator.unit == Unit::Per100k {
        RATE_SCALE
    } else {
        1.0
    };
    let members: Vec<&AreaCounts> = areas.iter().filter(|a| a.size > 0.0).collect();
    let left_out = expected
        .iter()
        .filter(|code| !members.iter().any(|m| m.area_code == **code))
        .cloned()
        .collect();

    // Over-dispersion from the z-scores on the variance-stabilised scale.
    let (z, s): (Vec<f64>, Vec<f64>) = members
        .iter()
        .map(|a| {
            let observed = a.numerator / a.size;
            let (y, centre, s) = if indicator.unit == Unit::Per100k {
                let (y, s) = funnel::root(observed, a.size);
                (y, target.sqrt(), s)
            } else {
                let y = observed.clamp(0.0, 1.0).sqrt().asin();
                (y, target.sqrt().asin(), 0.5 / a.size.sqrt())
            };
            ((y - centre) / s, s)
        })
        .unzip();
    let dispersion = funnel::dispersion(&z, &s, settings.adjustment, settings.model)
        .unwrap_or(Dispersion::none(settings.model));

    let values: Vec<(f64, f64, f64)> = members
        .iter()
        .map(|a| value_of(indicator.unit, a).unwrap_or((0.0, 0.0, 0.0)))
        .collect();
    let (ranks, rank_draws) = simulated_ranks(indicator.unit, &members, settings);
    let observed_ranks = rank_order(&values.iter().map(|v| v.0).collect::<Vec<_>>());
    let province_value = target * scale;
    let compared = members
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let (value, ci_low, ci_high) = values[i];
            let limits = limits_at(indicator.unit, target, a.size, &dispersion);
            AreaComparison {
                area_code: a.area_code.clone(),
                numerator: a.numerator,
                size: a.size,
                value,
                ci_low,
                ci_high,
                difference: value - province_value,
                difference_low: ci_low - province_value,
                difference_high: ci_high - province_value,
                flag: flag(value, &limits),
                limits,
                rank: observed_ranks[i],
                rank_low: ranks[i].low,
                rank_high: ranks[i].high,
                rank_low_error: ranks[i].low_error,
                rank_high_error: ranks[i].high_error,
            }
        })
        .collect();
    let smoothing = if indicator.unit == Unit::Per100k {
        let counts: Vec<(f64, f64)> = members.iter().map(|a| (a.numerator, a.size)).collect();
        crate::smoothing::Method::ALL
            .into_iter()
            .filter_map(|method| crate::smoothing::smooth(method, &counts))
            .collect()
    } else {
        Vec::new()
    };
    Some(Comparison {
        indicator_id: indicator.id.clone(),
        unit: indicator.unit,
        province: province.clone(),
        province_value,
        dispersion,
        areas: compared,
        left_out,
        rank_draws,
        rank_seed: settings.seed,
        smoothing,
    })
}

/// The level areas are compared at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The provinces of the nation valid on the period's last day (a former province's
    /// records count for the province it became part of).
    Province,
    /// The former districts; records coded by the new communes are attributed through
    /// the crosswalk.
    District,
    /// The new communes; records coded by a district cannot be split and count for none.
    Commune,
}

impl Level {
    /// The `level` of the areas file.
    pub fn code(self) -> &'static str {
        match self {
            Level::Province => "PROVINCE",
            Level::District => "DISTRICT",
            Level::Commune => "COMMUNE",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "province" => Some(Level::Province),
            "district" => Some(Level::District),
            "commune" => Some(Level::Commune),
            _ => None,
        }
    }
}

/// The areas compared and how records reach them.
#[derive(Debug, Clone)]
pub struct Areas {
    /// None: as coded in the period.
    pub level: Option<Level>,
    pub universe: Vec<String>,
    pub links: Vec<Link>,
    pub names: std::collections::HashMap<String, String>,
}

/// One indicator compared in one period, with what output files need.
#[derive(Debug, Clone)]
pub struct Compared {
    /// The province's tidy row: period, calendar, dates, as-of, unit.
    pub context: TidyRow,
    pub comparison: Comparison,
    /// Areas hidden by disclosure control.
    pub hidden: Vec<String>,
}

/// The comparisons of one request, and what disclosure control hid in the compared
/// geography (the province's cells as in the tidy table, and the compared areas), which
/// the heatmap's margins follow.
#[derive(Debug, Clone)]
pub struct RequestComparison {
    pub compared: Vec<Compared>,
    /// The tidy province row of every indicator computed (the heatmap's context).
    pub province_rows: Vec<TidyRow>,
    pub hidden: Hidden,
    /// What the period's pattern hides of the release of the whole compared, in its
    /// coded areas (public audience; empty otherwise): the cells every attributed
    /// figure is built from.
    pub coded_hidden: Hidden,
}

/// Ranks (1 = highest) of `values`; ties share the best rank.
fn rank_order(values: &[f64]) -> Vec<usize> {
    values
        .iter()
        .map(|v| 1 + values.iter().filter(|o| *o > v).count())
        .collect()
}

/// An area's rank interval from the simulation, with the Monte Carlo error of each bound.
struct RankInterval {
    low: usize,
    high: usize,
    low_error: f64,
    high_error: f64,
}

/// The most draws the rank simulation takes, as a multiple of the settings' draws.
const MOST_DRAWS: usize = 32;

/// The 2.5th and 97.5th percentiles of each area's rank over simulated sets of values,
/// each area's value drawn from its posterior under a Jeffreys prior: Beta(x + 1/2,
/// n - x + 1/2) for a share, Gamma(x + 1/2, n) for a rate per child. Seeded, so the
/// same data give the same intervals. The draws start at the settings' number and
/// double until each bound's Monte Carlo error is below one rank in 99% of areas (or
/// 32 times as many draws are reached); with the draws taken.
fn simulated_ranks(unit: Unit, members: &[&AreaCounts], settings: &Settings) -> (Vec<RankInterval>, usize) {
    let mut draws = settings.draws.max(1);
    loop {
        let intervals = ranks_over(unit, members, settings.seed, draws);
        let unsettled = intervals
            .iter()
            .filter(|r| r.low_error >= 1.0 || r.high_error >= 1.0)
            .count();
        // "Below one rank in 99% of areas": at most 1 in 100 may reach it.
        if unsettled * 100 <= members.len() || draws >= settings.draws * MOST_DRAWS {
            return (intervals, draws);
        }
        draws *= 2;
    }
}

/// [`simulated_ranks`] with `draws` draws.
fn ranks_over(unit: Unit, members: &[&AreaCounts], seed: u64, draws: usize) -> Vec<RankInterval> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let posteriors: Vec<Box<dyn Fn(f64) -> f64>> = members
        .iter()
        .map(|a| -> Box<dyn Fn(f64) -> f64> {
            let (x, n) = (a.numerator, a.size);
            if unit == Unit::Per100k {
                match Gamma::new(x + 0.5, n) {
                    Ok(g) => Box::new(move |u| g.inverse_cdf(u)),
                    Err(_) => Box::new(move |_| x / n),
                }
            } else {
                match Beta::new(x + 0.5, (n - x).max(0.0) + 0.5) {
                    Ok(b) => Box::new(move |u| b.inverse_cdf(u)),
                    Err(_) => Box::new(move |_| x / n),
                }
            }
        })
        .collect();
    let mut per_area: Vec<Vec<f64>> = vec![Vec::with_capacity(draws); members.len()];
    for _ in 0..draws {
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
            RankInterval {
                low: at(0.025),
                high: at(0.975),
                low_error: percentile_mc_error(&ranks, 0.025),
                high_error: percentile_mc_error(&ranks, 0.975),
            }
        })
        .collect()
}

/// The Monte Carlo error of the `p` percentile of N sorted draws: half the width of its
/// distribution-free 95% interval, the order statistics X(l) and X(u) with l = ⌊Np −
/// 1.96 √(Np(1−p))⌋ and u = ⌈Np + 1.96 √(Np(1−p))⌉ (1-based, held within 1..N): the
/// binomial count of draws below the true percentile, in its normal approximation.
pub fn percentile_mc_error(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    let centre = n as f64 * p;
    let spread = Z_95 * (n as f64 * p * (1.0 - p)).sqrt();
    let index = |k: f64| (k as usize).clamp(1, n) - 1;
    let (l, u) = (index((centre - spread).floor()), index((centre + spread).ceil()));
    (sorted[u] - sorted[l]) / 2.0
}

/// Everything `baove compare` publishes of a period: the areas compared with the
/// province, the same over the trend's periods, and the heatmap of cases received by
/// area and form of abuse, each through disclosure control for the public audience.
pub struct Run {
    pub current: RequestComparison,
    /// The trend's periods, oldest first, ending with the period compared.
    pub trend_periods: Vec<Period>,
    /// The comparison of each trend period.
    pub trend: Vec<Vec<Compared>>,
    /// The province row of the heatmap's indicator: its period, unit and as-of.
    pub heatmap_context: TidyRow,
    /// Per compared area, per form of abuse.
    pub heatmap: Vec<Vec<HeatCell>>,
}

impl Run {
    /// The test for trend of each indicator in each area and in the whole over the
    /// trend's periods (log-linear Poisson for rates, logistic for shares), by
    /// (indicator, area code). Fitted on the periods whose counts the file shows: a
    /// period hidden by disclosure control, or without members, is left out (not taken
    /// as a zero), so the test is a function of shown counts only and tells nothing
    /// they do not.
    pub fn trend_tests(&self) -> BTreeMap<(String, String), crate::trend::Trend> {
        // Per (indicator, area): the unit, and each period's (count, size).
        type Series = (Unit, Vec<(f64, f64)>);
        let mut series: BTreeMap<(String, String), Series> = BTreeMap::new();
        let periods = self.trend.len();
        for (t, compared) in self.trend.iter().enumerate() {
            for c in compared {
                let comparison = &c.comparison;
                let p = &comparison.province;
                let shown = std::iter::once((&p.area_code, p.numerator, p.size)).chain(
                    comparison
                        .areas
                        .iter()
                        .map(|a| (&a.area_code, a.numerator, a.size)),
                );
                for (area, numerator, size) in shown {
                    series
                        .entry((comparison.indicator_id.clone(), area.clone()))
                        .or_insert_with(|| (comparison.unit, vec![(0.0, 0.0); periods]))
                        .1[t] = (numerator, size);
                }
            }
        }
        series
            .into_iter()
            .filter_map(|(key, (unit, points))| Some((key, crate::trend::for_unit(unit, &points)?)))
            .collect()
    }
}

/// The indicator the heatmap breaks down by area and form of abuse: the rate per 100 000
/// children whose numerator is the declared quantity `cases_received` (found by what it
/// counts, not by its id).
pub fn heatmap_indicator(all: &[Indicator]) -> Result<&Indicator> {
    all.iter()
        .find(|i| i.unit == Unit::Per100k && i.numerator_quantity.quantity() == Some("cases_received"))
        .ok_or_else(|| Error::Catalog("the catalog has no rate of cases_received".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Statistic;

    fn quarter() -> Period {
        Period::parse("2025Q1", crate::period::Calendar::Statutory).unwrap()
    }

    fn share_indicator() -> Indicator {
        Indicator::example("s", Unit::Share, Statistic::Share, &["area"])
    }

    fn row(area: &str, x: u64, n: u64) -> TidyRow {
        let (low, high) = crate::stats::wilson(x, n).unwrap();
        TidyRow {
            numerator: Some(x),
            denominator: Some(n),
            value: Some(x as f64 / n as f64),
            ci_low: Some(low),
            ci_high: Some(high),
            ..TidyRow::empty("s", Unit::Share, &quarter(), quarter().end_moment(), area)
        }
    }

    fn compared(rows: &[TidyRow], areas: &[&str]) -> Option<Comparison> {
        let indicator = share_indicator();
        let codes: Vec<String> = areas.iter().map(|s| s.to_string()).collect();
        let province = counts_from_rows(&indicator, rows, &["P".to_string()]).pop()?;
        let counts = counts_from_rows(&indicator, rows, &codes);
        compare(&indicator, &province, &counts, &codes, &Settings::default())
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
        let c = compared(&rows, &["A", "B", "C"]).unwrap();
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

    /// Issue 35's defect: a commune of 6.52 members (weighted) got the over-dispersed
    /// limit of 7 members. Target 0.5, additive tau² = 0.02: the upper 95% limit is
    /// sin²(pi/4 + 1.959964 × sqrt(1/26.08 + 0.02)) = 0.9057854 (derived in
    /// funnel.rs); at 7 members it would be 0.8993871. Exact limits (not applied)
    /// still round: at 6.52 they are the binomial limits of 7 members.
    #[test]
    fn over_dispersed_limits_are_at_the_weighted_size() {
        let additive = Dispersion {
            phi: 3.0,
            tau2: 0.02,
            model: Model::Additive,
            applied: true,
        };
        let limits = limits_at(Unit::Share, 0.5, 6.52, &additive);
        assert!((limits.high_95 - 0.905_785_4).abs() < 1e-7, "{limits:?}");
        let exact = limits_at(Unit::Share, 0.5, 6.52, &Dispersion::none(Model::Additive));
        assert_eq!(exact.high_95, funnel::binomial_limit(7, 0.5, 0.975).unwrap());
    }

    /// Draws 0, 1, …, 999 (N = 1000), p = 0.025: Np = 25, 1.96 √(1000 × 0.025 ×
    /// 0.975) = 9.6775; l = ⌊15.32⌋ = 15, u = ⌈34.68⌉ = 35; X(15) = 14, X(35) = 34: the
    /// error is (34 − 14) / 2 = 10. Draws all alike: no error.
    #[test]
    fn a_percentiles_monte_carlo_error_by_hand() {
        let draws: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(percentile_mc_error(&draws, 0.025), 10.0);
        assert_eq!(percentile_mc_error(&[3.0; 500], 0.975), 0.0);
    }

    /// A hundred areas alike: every rank is about as likely as another, so 200 draws
    /// leave each bound several draws' worth of ranks uncertain; the simulation doubles
    /// its draws until at most one area in a hundred has an error of a rank or more.
    #[test]
    fn rank_draws_double_until_the_bounds_are_within_a_rank() {
        let areas: Vec<AreaCounts> = (0..100).map(|i| counts(&format!("A{i}"), 20.0, 100.0)).collect();
        let members: Vec<&AreaCounts> = areas.iter().collect();
        let settings = Settings {
            draws: 200,
            ..Settings::default()
        };
        let first = ranks_over(Unit::Share, &members, settings.seed, 200);
        assert!(
            first
                .iter()
                .filter(|r| r.low_error >= 1.0 || r.high_error >= 1.0)
                .count()
                > 1
        );
        let (intervals, draws) = simulated_ranks(Unit::Share, &members, &settings);
        assert!(draws > 200 && draws <= 200 * MOST_DRAWS, "{draws}");
        let unsettled = intervals
            .iter()
            .filter(|r| r.low_error >= 1.0 || r.high_error >= 1.0)
            .count();
        assert!(unsettled <= 1, "{unsettled} of 100 at {draws} draws");
    }

    #[test]
    fn seeded_rank_intervals_repeat() {
        let rows = vec![row("P", 50, 200), row("A", 20, 100), row("B", 30, 100)];
        let a = compared(&rows, &["A", "B"]).unwrap();
        let b = compared(&rows, &["A", "B"]).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn suppressed_and_empty_areas_are_left_out() {
        let mut hidden = row("B", 2, 4);
        hidden.status = Status::Suppressed;
        hidden.value = None;
        let rows = vec![row("P", 50, 200), row("A", 20, 100), hidden];
        let c = compared(&rows, &["A", "B", "Z"]).unwrap();
        assert_eq!(c.areas.len(), 1);
        assert_eq!(c.left_out, vec!["B".to_string(), "Z".to_string()]);
    }

    fn counts(area: &str, numerator: f64, size: f64) -> AreaCounts {
        AreaCounts {
            area_code: area.into(),
            numerator,
            size,
        }
    }

    fn link(from: &str, to: &str, weight: f64) -> Link {
        Link {
            from_code: from.into(),
            to_code: to.into(),
            weight,
        }
    }

    /// District 450 had 100 cases of which 30 confirmed and 456 had 20 (5 confirmed).
    /// After the reform commune X is 60% of 450 and commune Y the other 40% of 450 plus
    /// all of 456: Y holds 40 + 20 = 60 cases, weights 40/60 to 450 and 20/60 to 456.
    /// If cases split the same way (X: 60 cases, 18 confirmed; Y: 60 cases, 12 + 5 =
    /// 17 confirmed, its 450 part confirmed at 450's rate), attribution gives back 450's
    /// and 456's counts: no break at the reform caused by recoding.
    #[test]
    fn attribution_through_the_crosswalk_conserves_counts() {
        let coded = vec![counts("X", 18.0, 60.0), counts("Y", 17.0, 60.0)];
        let links = vec![
            link("X", "450", 1.0),
            link("Y", "450", 40.0 / 60.0),
            link("Y", "456", 20.0 / 60.0),
        ];
        let districts = vec!["450".to_string(), "456".to_string()];
        let attributed = attribute(&coded, &links, &districts, Unit::Share);
        assert!((attributed[0].size - 100.0).abs() < 1e-12, "{attributed:?}");
        assert!((attributed[1].size - 20.0).abs() < 1e-12);
        // Confirmed: 18 + 17 × 2/3 and 17 × 1/3: weights split counts, so the sum is kept.
        assert!((attributed[0].numerator - (18.0 + 17.0 * 40.0 / 60.0)).abs() < 1e-12);
        let total: f64 = attributed.iter().map(|a| a.numerator).sum();
        assert!((total - 35.0).abs() < 1e-12);
        // A district still coded as itself (before the reform) keeps its own counts.
        let before = attribute(&[counts("450", 30.0, 100.0)], &links, &districts, Unit::Share);
        assert_eq!((before[0].numerator, before[0].size), (30.0, 100.0));
        assert_eq!((before[1].numerator, before[1].size), (0.0, 0.0));
        // Rates: children are not added across the reform; a district with its own
        // population row keeps it, one without takes its communes' share.
        let coded = vec![
            counts("450", 4.0, 1000.0),
            counts("X", 2.0, 600.0),
            counts("Y", 3.0, 600.0),
        ];
        let rates = attribute(&coded, &links, &districts, Unit::Per100k);
        assert_eq!(rates[0].size, 1000.0);
        assert!((rates[0].numerator - (4.0 + 2.0 + 3.0 * 40.0 / 60.0)).abs() < 1e-12);
        assert!((rates[1].size - 200.0).abs() < 1e-12);
    }

    /// Area A: 10 sexual-abuse and 2 grooming cases for 20 000 children; commune X (all
    /// of it from A) 3 more grooming. Internal: 50 and 25 per 100 000. Public: A's
    /// grooming is 5 once attributed, not small; B's sexual abuse (3) is. Groups in
    /// order: column SEXUAL_ABUSE has B's 3 alone → A's 10; column GROOMING nothing yet;
    /// A's row has its 10 alone → its 5; B's row has its 3 alone → its 6. A 2 × 2 table
    /// with one small cell shows nothing.
    #[test]
    fn heatmap_cells_by_hand() {
        let counts = vec![
            ("A".to_string(), "SEXUAL_ABUSE".to_string(), 10.0),
            ("A".to_string(), "GROOMING".to_string(), 2.0),
            ("X".to_string(), "GROOMING".to_string(), 3.0),
            ("B".to_string(), "SEXUAL_ABUSE".to_string(), 3.0),
            ("B".to_string(), "GROOMING".to_string(), 6.0),
        ];
        let links = vec![link("X", "A", 1.0)];
        let areas = vec!["A".to_string(), "B".to_string()];
        let children: std::collections::HashMap<String, f64> =
            [("A".to_string(), 20_000.0), ("B".to_string(), 10_000.0)].into();
        let forms = ["SEXUAL_ABUSE", "GROOMING"];
        let shown = |margins: Option<&Hidden>| -> Vec<Vec<Result<f64, String>>> {
            heatmap(
                &counts,
                &links,
                "P",
                &areas,
                "abuse_type",
                &forms,
                &children,
                "q",
                margins,
            )
            .unwrap()
            .iter()
            .map(|row| row.iter().map(HeatCell::shown).collect())
            .collect()
        };
        assert_eq!(shown(None)[0], vec![Ok(50.0), Ok(25.0)]);
        let public = shown(Some(&Hidden::default()));
        let c = || Err("[c]".to_string());
        assert_eq!(public, vec![vec![c(), c()], vec![c(), c()]]);
        // With no small cell, a margin hidden elsewhere (A's total, 150) is protected.
        let big: Vec<(String, String, f64)> = counts
            .iter()
            .map(|(a, f, n)| (a.clone(), f.clone(), n * 10.0))
            .collect();
        let mut table = disclosure::Table::new("P");
        table.record("q", &CellKey::total("A"), 1.0).unwrap();
        let margins = table.solve();
        let grid = heatmap(
            &big,
            &links,
            "P",
            &areas,
            "abuse_type",
            &forms,
            &children,
            "q",
            Some(&margins),
        )
        .unwrap();
        let hidden: Vec<Vec<bool>> = grid
            .iter()
            .map(|r| r.iter().map(|c| c.hidden).collect())
            .collect();
        // Pass 1: A's row would add up to its hidden total → its smallest cell, GROOMING
        // 50. Pass 2: column GROOMING has A's 50 alone → B's 60; B's row then has its 60
        // alone → its 30. Pass 3: column SEXUAL_ABUSE has B's 30 alone → A's 100.
        assert_eq!(hidden, vec![vec![true, true], vec![true, true]]);
    }
}
