//! `baove compare` against an independent computation of the funnel formulas: exact
//! binomial limits with Spiegelhalter's interpolation, written here from the pmf, and
//! the flags they imply.

use std::collections::HashMap;

use crate::util::{baove, sample_data};

/// log C(n, k) p^k (1-p)^(n-k), by sums of logs: no library function shared with baove.
fn log_pmf(n: u64, k: u64, p: f64) -> f64 {
    let ln_choose: f64 = (1..=k).map(|i| ((n - k + i) as f64).ln() - (i as f64).ln()).sum();
    ln_choose + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln()
}

/// The interpolated exact limit at lower-tail probability `q` (Spiegelhalter 2005, A.1.1).
fn binomial_limit(n: u64, p: f64, q: f64) -> f64 {
    let mut cdf = 0.0;
    let mut previous = 0.0;
    for r in 0..=n {
        cdf += log_pmf(n, r, p).exp();
        if cdf >= q {
            let alpha = (cdf - q) / (cdf - previous);
            return ((r as f64 - alpha) / n as f64).clamp(0.0, 1.0);
        }
        previous = cdf;
    }
    1.0
}

/// The interpolated exact Poisson limit (as a rate per child) for `children` around
/// `rate`, from the pmf summed here.
fn poisson_limit(children: f64, rate: f64, q: f64) -> f64 {
    let mean = rate * children;
    let mut term = (-mean).exp();
    let (mut cdf, mut previous) = (term, 0.0);
    let mut r = 0u64;
    while cdf < q {
        previous = cdf;
        r += 1;
        term *= mean / r as f64;
        cdf += term;
    }
    let alpha = (cdf - q) / (cdf - previous);
    ((r as f64 - alpha) / children).max(0.0)
}

/// Type-7 quantile of sorted values.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (low, high) = (h.floor() as usize, h.ceil() as usize);
    sorted[low] + (h - low as f64) * (sorted[high] - sorted[low])
}

/// phi by Spiegelhalter (2005): the mean squared z-score, winsorised at the type-7 10th
/// and 90th percentiles.
fn winsorised_phi(z: &[f64]) -> f64 {
    let mut sorted = z.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (low, high) = (quantile(&sorted, 0.1), quantile(&sorted, 0.9));
    z.iter().map(|v| v.clamp(low, high).powi(2)).sum::<f64>() / z.len() as f64
}

fn table(dir: &std::path::Path, name: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    crate::util::read_csv_rows(&dir.join(name))
}

/// Rates: exact Poisson limits; an over-dispersed share with the adjustment on: phi from the
/// 10%-winsorised arcsine z-scores, tau² by the moments, limits sin²(asin(sqrt(target))
/// ± z sqrt(1/(4n) + tau²)), all recomputed here from the table's own counts.
#[test]
fn rate_limits_and_overdispersion_equal_an_independent_computation() {
    let dir = tempfile::tempdir().unwrap();
    let rows = internal_comparison(
        dir.path(),
        &[
            "--indicator",
            "rate_received",
            "emergency_action_on_time",
            "--overdispersion",
            "on",
        ],
        "cmp",
    );
    let areas = |id: &str| -> Vec<&Row> {
        rows.iter()
            .filter(|r| r["indicator_id"] == id && !r["funnel_flag"].is_empty())
            .collect()
    };
    rate_limits_are_the_exact_poisson_ones(&areas("rate_received"));
    additive_limits_widen_by_tau2(&areas("emergency_action_on_time"));
    // The multiplicative model (Spiegelhalter 2005): each area's standard error on the
    // arcsine scale times sqrt(phi), applied where phi > 1; named in the file.
    // support_coverage in 2024 has phi 2.0.
    let rows = internal_comparison(
        dir.path(),
        &[
            "--indicator",
            "support_coverage",
            "--overdispersion",
            "on",
            "--overdispersion-model",
            "multiplicative",
        ],
        "multiplicative",
    );
    let shares: Vec<_> = rows.iter().filter(|r| !r["funnel_flag"].is_empty()).collect();
    multiplicative_limits_widen_by_phi(&shares);
}

/// The comparison table of 2024 on the sample, internal, with `options` added, written
/// into `out` under `dir`.
fn internal_comparison(dir: &std::path::Path, options: &[&str], out: &str) -> Vec<Row> {
    let data = sample_data();
    let mut args = vec![
        "compare",
        "--period",
        "2024",
        "--input",
        &data,
        "--audience",
        "internal",
    ];
    args.extend_from_slice(options);
    args.extend_from_slice(&["--out", out]);
    let run = baove(dir, &args);
    assert_eq!(run.code, 0, "{}", run.all_output());
    table(&dir.join(out), "comparison.csv")
}

/// The area's `column` is `expected` (a limit recomputed here), to 1e-6.
fn limit_is(r: &Row, column: &str, expected: f64) {
    assert!(
        (num(r, column) - expected).abs() < 1e-6,
        "{} {column}: {} vs {expected}",
        r["area_code"],
        r[column]
    );
}

type Row = std::collections::BTreeMap<String, String>;

fn num(r: &Row, column: &str) -> f64 {
    r[column].parse().unwrap()
}

/// Rates of 2024 are not over-dispersed (phi 0.6: tau² = 0, nothing to apply even with
/// "on"), so their limits are the exact ones.
fn rate_limits_are_the_exact_poisson_ones(rates: &[&Row]) {
    assert_eq!(rates.len(), 8);
    assert_eq!(rates[0]["overdispersion_applied"], "false");
    for r in rates {
        let (children, target) = (num(r, "denominator"), num(r, "province_value") / 1e5);
        for (column, q) in [
            ("limit_95_low", 0.025),
            ("limit_95_high", 0.975),
            ("limit_99_8_high", 0.999),
        ] {
            limit_is(r, column, poisson_limit(children, target, q) * 1e5);
        }
    }
}

/// emergency_action_on_time in 2024: phi 0.88, yet k phi > k - 1, so tau² > 0 and the
/// additive model widens (barely).
fn additive_limits_widen_by_tau2(shares: &[&Row]) {
    let target = num(shares[0], "province_value");
    let centre = target.sqrt().asin();
    let (z, w): (Vec<f64>, Vec<f64>) = shares
        .iter()
        .map(|r| {
            let n = num(r, "denominator");
            let s = 0.5 / n.sqrt();
            ((num(r, "value").sqrt().asin() - centre) / s, 1.0 / (s * s))
        })
        .unzip();
    let k = z.len() as f64;
    let phi = winsorised_phi(&z);
    let (sw, sw2): (f64, f64) = (w.iter().sum(), w.iter().map(|v| v * v).sum());
    let tau2 = ((k * phi - (k - 1.0)) / (sw - sw2 / sw)).max(0.0);
    assert!(
        (num(shares[0], "phi") - phi).abs() < 1e-9,
        "phi {} vs {phi}",
        shares[0]["phi"]
    );
    assert!((num(shares[0], "tau2") - tau2).abs() < 1e-9);
    assert!(tau2 > 0.0, "phi {phi}");
    assert_eq!(shares[0]["overdispersion_applied"], "true");
    assert_eq!(shares[0]["overdispersion_model"], "additive");
    for r in shares {
        let n = num(r, "denominator");
        let spread = (0.25 / n + tau2).sqrt();
        arcsine_limits_hold(r, centre, spread);
    }
}

/// The 95 % upper and 99.8 % lower limits of a share on the arcsine scale: the centre
/// plus z times `spread`, back on the share's scale.
fn arcsine_limits_hold(r: &Row, centre: f64, spread: f64) {
    for (column, z) in [
        ("limit_95_high", 1.959963984540054),
        ("limit_99_8_low", -3.090232306167813),
    ] {
        let expected = (centre + z * spread)
            .clamp(0.0, std::f64::consts::FRAC_PI_2)
            .sin()
            .powi(2);
        limit_is(r, column, expected);
    }
}

fn multiplicative_limits_widen_by_phi(shares: &[&Row]) {
    let target = num(shares[0], "province_value");
    let centre = target.sqrt().asin();
    let z: Vec<f64> = shares
        .iter()
        .map(|r| (num(r, "value").sqrt().asin() - centre) * 2.0 * num(r, "denominator").sqrt())
        .collect();
    let phi = winsorised_phi(&z);
    assert!(phi > 1.0, "phi {phi}");
    assert!(
        (num(shares[0], "phi") - phi).abs() < 1e-9,
        "phi {} vs {phi}",
        shares[0]["phi"]
    );
    assert_eq!(shares[0]["overdispersion_model"], "multiplicative");
    assert_eq!(shares[0]["overdispersion_applied"], "true");
    for r in shares {
        let spread = phi.sqrt() * 0.5 / num(r, "denominator").sqrt();
        arcsine_limits_hold(r, centre, spread);
    }
}

#[test]
fn comparison_limits_and_flags_equal_an_independent_computation() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample_data();
    let run = baove(
        dir.path(),
        &[
            "compare",
            "--period",
            "2025Q1",
            "--indicator",
            "confirmed_share",
            "support_coverage",
            "rate_received",
            "--input",
            &data,
            "--audience",
            "internal",
            "--overdispersion",
            "off",
            "--out",
            "cmp",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let text = std::fs::read_to_string(dir.path().join("cmp").join("comparison.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 37, "{header:?}");
    assert_eq!(&header[..3], ["indicator_id", "period", "calendar"]);
    assert_eq!(header[24], "funnel_flag");
    // The audience is the last column of every row.
    assert_eq!(header[36], "audience");
    let rows: Vec<HashMap<&str, &str>> = lines
        .map(|l| header.iter().copied().zip(l.split(',')).collect())
        .collect();
    assert!(
        rows.iter().all(|r| r["audience"] == "internal"),
        "an --audience internal file says so"
    );
    ranks_state_their_monte_carlo_error(&rows);
    let checked = rows
        .iter()
        .filter(|r| r["unit"] == "share" && !r["funnel_flag"].is_empty())
        .inspect(|r| share_limits_and_flag_hold(r))
        .count();
    assert!(checked >= 10, "{checked} areas checked");
    // Rates: every area has its limits around the province rate, the lower below it.
    let rates: Vec<_> = rows
        .iter()
        .filter(|r| r["indicator_id"] == "rate_received" && !r["funnel_flag"].is_empty())
        .collect();
    assert!(!rates.is_empty());
    for r in rates {
        let centre: f64 = r["province_value"].parse().unwrap();
        let (low, high): (f64, f64) = (
            r["limit_95_low"].parse().unwrap(),
            r["limit_95_high"].parse().unwrap(),
        );
        assert!(low < centre && centre < high, "{r:?}");
    }
    // The trend: 8 periods ending with the compared one.
    let trend = std::fs::read_to_string(dir.path().join("cmp").join("trend.csv")).unwrap();
    let mut periods: Vec<&str> = trend
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    periods.dedup();
    assert_eq!(
        periods,
        ["2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1"]
    );
    for id in ["confirmed_share", "support_coverage", "rate_received"] {
        for ext in ["png", "svg"] {
            assert!(dir
                .path()
                .join("cmp")
                .join("charts")
                .join(format!("funnel_{id}.{ext}"))
                .exists());
        }
    }
}

/// Issue 35: every ranked area states its bounds' Monte Carlo error, the draws and the
/// seed; the errors are below one rank in 99% of the areas.
fn ranks_state_their_monte_carlo_error(rows: &[HashMap<&str, &str>]) {
    let ranked: Vec<&HashMap<&str, &str>> = rows.iter().filter(|r| !r["rank"].is_empty()).collect();
    assert!(!ranked.is_empty());
    let wide = ranked
        .iter()
        .filter(|r| {
            let error = |c: &str| -> f64 { r[c].parse().unwrap() };
            assert!(error("rank_low_mc_error") >= 0.0 && error("rank_high_mc_error") >= 0.0);
            error("rank_low_mc_error") >= 1.0 || error("rank_high_mc_error") >= 1.0
        })
        .count();
    assert!(wide * 100 <= ranked.len(), "{wide} of {}", ranked.len());
    assert!(ranked.iter().all(|r| r["rank_seed"] == "830"
        && r["rank_draws"]
            .parse::<usize>()
            .is_ok_and(|d| (1000..=32_000).contains(&d))));
}

/// A share's exact binomial limits around the province value, its flag by them, its
/// difference and its rank interval.
fn share_limits_and_flag_hold(r: &HashMap<&str, &str>) {
    let n: u64 = r["denominator"].parse().unwrap();
    let target: f64 = r["province_value"].parse().unwrap();
    let value: f64 = r["value"].parse().unwrap();
    let limits = [
        ("limit_95_low", 0.025),
        ("limit_95_high", 0.975),
        ("limit_99_8_low", 0.001),
        ("limit_99_8_high", 0.999),
    ]
    .map(|(column, q)| {
        let expected = binomial_limit(n, target, q);
        let got: f64 = r[column].parse().unwrap();
        assert!(
            (got - expected).abs() < 1e-6,
            "{} {} {column}: {got} vs {expected}",
            r["indicator_id"],
            r["area_code"]
        );
        expected
    });
    let flag = if value > limits[3] {
        "above_99.8"
    } else if value > limits[1] {
        "above_95"
    } else if value < limits[2] {
        "below_99.8"
    } else if value < limits[0] {
        "below_95"
    } else {
        "within"
    };
    assert_eq!(r["funnel_flag"], flag, "{} {}", r["indicator_id"], r["area_code"]);
    let difference: f64 = r["difference"].parse().unwrap();
    assert!((difference - (value - target)).abs() < 1e-12);
    let (rank, low, high): (usize, usize, usize) = (
        r["rank"].parse().unwrap(),
        r["rank_low"].parse().unwrap(),
        r["rank_high"].parse().unwrap(),
    );
    assert!(rank >= 1 && low >= 1 && low <= high, "{r:?}");
}

#[test]
fn counts_cannot_be_compared_on_a_funnel() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample_data();
    let run = baove(
        dir.path(),
        &[
            "compare",
            "--period",
            "2025Q1",
            "--indicator",
            "cases_received",
            "--input",
            &data,
            "--out",
            "cmp",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.all_output());
    assert!(
        run.all_output().contains("only shares and rates"),
        "{}",
        run.all_output()
    );
}

/// A district trend 2024Q1-2026Q2, across the reform of 1 July 2025: every district has a value in
/// every period (no gap where records start being coded by commune), the districts'
/// counts add up to the province's in every period (the crosswalk conserves them), and
/// the districts' children change by less than 1% from the last period before the
/// reform to the first after (no break in the denominators caused by recoding).
#[test]
fn district_trend_runs_across_the_reform() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample_data();
    let run = baove(
        dir.path(),
        &[
            "compare",
            "--period",
            "2026Q2",
            "--indicator",
            "rate_received",
            "confirmed_share",
            "--level",
            "district",
            "--input",
            &data,
            "--audience",
            "internal",
            "--out",
            "cmp",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let rows = table(&dir.path().join("cmp"), "trend.csv");
    let districts = ["450", "452", "453", "454", "455", "456", "457", "458"];
    let periods = [
        "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2",
    ];
    for id in ["rate_received", "confirmed_share"] {
        for period in periods {
            let of = |area: &str| {
                rows.iter()
                    .find(|r| r["indicator_id"] == id && r["period"] == period && r["area_code"] == area)
                    .unwrap_or_else(|| panic!("{id} {period} {area}: no row"))
            };
            let mut sum = 0.0;
            for d in districts {
                let r = of(d);
                assert!(!r["value"].is_empty(), "{id} {period} {d}: no value");
                sum += r["numerator"].parse::<f64>().unwrap();
            }
            let province: f64 = of("44")["numerator"].parse().unwrap();
            assert!(
                (sum - province).abs() < 1e-6,
                "{id} {period}: {sum} vs {province}"
            );
        }
    }
    let children = |period: &str, area: &str| -> f64 {
        rows.iter()
            .find(|r| r["indicator_id"] == "rate_received" && r["period"] == period && r["area_code"] == area)
            .unwrap()["denominator"]
            .parse()
            .unwrap()
    };
    for d in districts {
        let (before, after) = (children("2025Q2", d), children("2025Q4", d));
        assert!((after / before - 1.0).abs() < 0.01, "{d}: {before} -> {after}");
    }
}

/// A period across the reform of 1 July 2025 holds, as coded, the former districts (half
/// the period) and the communes that replaced them (the other half): ranked together,
/// every district would seem to fall. Such a comparison is made by former district
/// through the crosswalk, every case of the period counted once; a period wholly after
/// the reform compares its communes as coded.
#[test]
fn a_comparison_across_the_reform_ranks_former_districts_through_the_crosswalk() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample_data();
    let districts = ["450", "452", "453", "454", "455", "456", "457", "458"];
    for (period, expect_districts) in [("2025Q3", true), ("2025Q4", false)] {
        let out = format!("cmp-{period}");
        let run = baove(
            dir.path(),
            &[
                "compare",
                "--period",
                period,
                "--indicator",
                "rate_received",
                "--input",
                &data,
                "--audience",
                "internal",
                "--out",
                &out,
            ],
        );
        assert_eq!(run.code, 0, "{}", run.all_output());
        let rows = table(&dir.path().join(&out), "comparison.csv");
        let areas: Vec<&str> = rows
            .iter()
            .filter(|r| r["area_code"] != "44")
            .map(|r| r["area_code"].as_str())
            .collect();
        assert!(!areas.is_empty(), "{period}: no area compared");
        let communes = areas.iter().filter(|a| a.starts_with("900")).count();
        if expect_districts {
            assert_eq!(
                communes, 0,
                "{period}: communes ranked beside districts: {areas:?}"
            );
            assert!(areas.iter().all(|a| districts.contains(a)), "{period}: {areas:?}");
            assert!(
                run.stdout.contains("former district through the crosswalk"),
                "{}",
                run.stdout
            );
            // Every case of the period counts once: the districts' attributed counts add
            // up to the province's.
            let sum: f64 = rows
                .iter()
                .filter(|r| r["area_code"] != "44")
                .map(|r| r["numerator"].parse::<f64>().unwrap())
                .sum();
            let province: f64 = rows.iter().find(|r| r["area_code"] == "44").unwrap()["numerator"]
                .parse()
                .unwrap();
            assert!((sum - province).abs() < 1e-6, "{period}: {sum} vs {province}");
        } else {
            assert_eq!(communes, areas.len(), "{period}: {areas:?}");
        }
    }
}

/// The district-comparison report template: each comparison sheet holds, per district,
/// the numbers `baove compare --level district` writes for the same period.
#[test]
fn district_comparison_workbook_equals_the_comparison_table() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let data = sample_data();
    let common = ["--period", "2025Q4", "--input", &data, "--audience", "internal"];
    let mut args = vec![
        "report",
        "--template",
        "district-comparison",
        "--out",
        "rep",
        "--timestamp",
        "2026-01-01 08:00:00",
    ];
    args.extend(common);
    let run = baove(dir.path(), &args);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let mut args = vec![
        "compare",
        "--indicator",
        "support_coverage",
        "rate_received",
        "--level",
        "district",
        "--out",
        "cmp",
    ];
    args.extend(common);
    let run = baove(dir.path(), &args);
    assert_eq!(run.code, 0, "{}", run.all_output());
    let rows = table(&dir.path().join("cmp"), "comparison.csv");
    let mut workbook: Xlsx<_> =
        open_workbook(dir.path().join("rep").join("district-comparison_2025Q4.xlsx")).unwrap();
    let sheet = workbook.worksheet_range("So sánh tỷ lệ được hỗ trợ").unwrap();
    let mut checked = 0;
    for row in sheet.rows().skip(4) {
        let Some(Data::String(area)) = row.first() else {
            break;
        };
        let Some(expected) = rows
            .iter()
            .find(|r| r["area_code"] == area.as_str() && !r["funnel_flag"].is_empty())
        else {
            continue;
        };
        for (col, name) in [
            (2, "numerator"),
            (3, "denominator"),
            (4, "value"),
            (11, "limit_95_high"),
            (15, "rank"),
        ] {
            let got = match &row[col] {
                Data::Float(v) => *v,
                other => panic!("{area} {name}: {other:?}"),
            };
            let want: f64 = expected[name].parse().unwrap();
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{area} {name}: {got} vs {want}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 8, "every district compared");
    // A rate's sheet: below its funnel, the smoothed rates of smoothed.csv.
    let smoothed = table(&dir.path().join("cmp"), "smoothed.csv");
    let sheet = workbook.worksheet_range("So sánh tỷ lệ tiếp nhận").unwrap();
    smoothed_table_equals_the_file(&sheet, &smoothed);
    assert!(dir
        .path()
        .join("rep")
        .join("charts")
        .join("funnel_support_coverage.png")
        .exists());
}

/// The smoothed table below a rate's funnel on its comparison sheet: every district's
/// Marshall and Poisson-gamma rates as `smoothed` (smoothed.csv) gives them.
fn smoothed_table_equals_the_file(sheet: &calamine::Range<calamine::Data>, smoothed: &[Row]) {
    use calamine::Data;
    let start = sheet
        .rows()
        .position(|row| matches!(row.first(), Some(Data::String(t)) if t.starts_with("Tỷ suất ước lượng")))
        .expect("a smoothed table");
    let mut checked = 0;
    for row in sheet.rows().skip(start + 2) {
        let Some(Data::String(area)) = row.first() else {
            break;
        };
        for (col, method) in [(5, "marshall"), (7, "poisson_gamma")] {
            let want: f64 = smoothed
                .iter()
                .find(|r| r["area_code"] == area.as_str() && r["smoothing_method"] == method)
                .map(|r| r["smoothed_rate"].parse().unwrap())
                .unwrap();
            let Data::Float(got) = row[col] else {
                panic!("{area} {method}: {:?}", row[col]);
            };
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{area} {method}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 8, "every district smoothed");
}

/// Issue 35's trend test, checked against what defines it rather than recomputed the same
/// way: the reported slope b = ln(ratio) is the maximum-likelihood slope of the counts the
/// public file itself shows (so the test tells nothing they do not), because with the
/// intercept solved for given b the score in b vanishes there; the interval is exp(b ±
/// 1.96 se) with se from the information at the fit, and p the two-sided normal tail of
/// b / se. Rates: Poisson with the population as offset; shares: logistic.
#[test]
fn trend_tests_are_the_likelihood_fit_of_the_counts_the_file_shows() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample_data();
    let run = baove(
        dir.path(),
        &[
            "compare",
            "--period",
            "2025Q3",
            "--indicator",
            "rate_received",
            "support_coverage",
            "--input",
            &data,
            "--out",
            "cmp",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let rows = table(&dir.path().join("cmp"), "trend.csv");
    let mut periods: Vec<&str> = rows.iter().map(|r| r["period"].as_str()).collect();
    periods.sort();
    periods.dedup();
    assert_eq!(periods.len(), 8);
    let mut keys: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["indicator_id"].as_str(), r["area_code"].as_str()))
        .collect();
    keys.sort();
    keys.dedup();
    let mut tested = 0;
    for (id, area) in keys {
        let series: Vec<_> = rows
            .iter()
            .filter(|r| r["indicator_id"] == id && r["area_code"] == area)
            .collect();
        let first = series[0];
        // One test per area, repeated on each of its rows.
        for column in ["trend_ratio", "trend_p", "trend_periods"] {
            assert!(
                series.iter().all(|r| r[column] == first[column]),
                "{id} {area} {column}"
            );
        }
        // The points the file shows: (t, count, size).
        let points: Vec<(f64, f64, f64)> = series
            .iter()
            .filter(|r| r["status"].is_empty() && !r["denominator"].is_empty())
            .map(|r| {
                let t = periods.iter().position(|p| *p == r["period"]).unwrap() as f64;
                (
                    t,
                    r["numerator"].parse().unwrap(),
                    r["denominator"].parse().unwrap(),
                )
            })
            .filter(|p: &(f64, f64, f64)| p.2 > 0.0)
            .collect();
        if first["trend_ratio"].is_empty() {
            assert!(
                points.len() < 3,
                "{id} {area}: no test over {} shown periods",
                points.len()
            );
            continue;
        }
        tested += 1;
        trend_test_is_the_likelihood_fit(id, area, first, &points);
    }
    assert!(tested >= 10, "{tested}");
}

/// One area's trend test (`first`, its first row) against the points the file shows,
/// (t, count, size): the slope is where the score vanishes, the interval and p from the
/// information there.
fn trend_test_is_the_likelihood_fit(id: &str, area: &str, first: &Row, points: &[(f64, f64, f64)]) {
    use statrs::distribution::{ContinuousCDF, Normal};
    let num = |c: &str| -> f64 { first[c].parse().unwrap() };
    assert_eq!(num("trend_periods") as usize, points.len(), "{id} {area}");
    let b = num("trend_ratio").ln();
    let rate = id == "rate_received";
    assert_eq!(
        first["trend_model"],
        if rate { "poisson_log_linear" } else { "logistic" }
    );
    // The intercept given b, then each period's mean and weight.
    let means = |a: f64| -> Vec<(f64, f64, f64)> {
        points
            .iter()
            .map(|&(t, y, n)| {
                if rate {
                    let mu = n * (a + b * t).exp();
                    (t, y - mu, mu)
                } else {
                    let p = 1.0 / (1.0 + (-(a + b * t)).exp());
                    (t, y - n * p, n * p * (1.0 - p))
                }
            })
            .collect()
    };
    let total: f64 = points.iter().map(|p| p.1).sum();
    let a = if rate {
        (total / points.iter().map(|&(t, _, n)| n * (b * t).exp()).sum::<f64>()).ln()
    } else {
        // Σ n expit(a + b t) = Σ x, increasing in a: bisection.
        let (mut low, mut high) = (-50.0, 50.0);
        for _ in 0..200 {
            let mid = (low + high) / 2.0;
            if means(mid).iter().map(|m| m.1).sum::<f64>() > 0.0 {
                low = mid;
            } else {
                high = mid;
            }
        }
        (low + high) / 2.0
    };
    let fitted = means(a);
    let score: f64 = fitted.iter().map(|(t, r, _)| t * r).sum();
    let scale: f64 = points.iter().map(|p| p.0 * p.1).sum::<f64>().max(1.0);
    assert!(
        score.abs() < 1e-6 * scale,
        "{id} {area}: score {score} at b = {b}"
    );
    let (i00, i01, i11) = fitted.iter().fold((0.0, 0.0, 0.0), |(x, y, z), (t, _, w)| {
        (x + w, y + t * w, z + t * t * w)
    });
    let se = (i00 / (i00 * i11 - i01 * i01)).sqrt();
    let z95 = 1.959963984540054;
    assert!(
        (num("trend_ratio_low") - (b - z95 * se).exp()).abs() < 1e-6,
        "{id} {area}"
    );
    assert!(
        (num("trend_ratio_high") - (b + z95 * se).exp()).abs() < 1e-6,
        "{id} {area}"
    );
    let p = 2.0 * (1.0 - Normal::standard().cdf((b / se).abs()));
    assert!(
        (num("trend_p") - p).abs() < 1e-6,
        "{id} {area}: p {} vs {p}",
        first["trend_p"]
    );
    assert_eq!(first["trend_significant"], (p < 0.05).to_string());
}

/// The numbers of one method's lines of smoothed.csv for an indicator: (area, events,
/// children, smoothed rate, low, high, shrinkage, prior mean, prior variance), empty
/// fields as NaN; the whole's line and the lines left out are kept (status says which).
fn smoothed_lines(
    rows: &[std::collections::BTreeMap<String, String>],
    indicator: &str,
    method: &str,
) -> Vec<(String, String, [f64; 8])> {
    let num = |s: &str| {
        if s.is_empty() {
            f64::NAN
        } else {
            s.parse::<f64>().unwrap()
        }
    };
    rows.iter()
        .filter(|r| r["indicator_id"] == indicator && r["smoothing_method"] == method)
        .map(|r| {
            (
                r["area_code"].clone(),
                r["status"].clone(),
                [
                    num(&r["numerator"]),
                    num(&r["denominator"]),
                    num(&r["smoothed_rate"]),
                    num(&r["smoothed_low"]),
                    num(&r["smoothed_high"]),
                    num(&r["shrinkage"]),
                    num(&r["prior_mean"]),
                    num(&r["prior_variance"]),
                ],
            )
        })
        .collect()
}

/// Marshall's (1991) global moment estimator, written here from the paper's formulas:
/// the prior mean, variance and each area's smoothed rate and shrinkage, per child.
fn marshall(areas: &[(f64, f64)]) -> (f64, f64, Vec<(f64, f64)>) {
    let (events, children): (f64, f64) = areas.iter().fold((0.0, 0.0), |(e, c), a| (e + a.0, c + a.1));
    let m = events / children;
    let s2 = areas
        .iter()
        .map(|(y, n)| n * (y / n - m) * (y / n - m))
        .sum::<f64>()
        / children;
    let a = f64::max(s2 - m / (children / areas.len() as f64), 0.0);
    let smoothed = areas
        .iter()
        .map(|(y, n)| {
            let c = if a > 0.0 { a / (a + m / n) } else { 0.0 };
            (m + c * (y / n - m), 1.0 - c)
        })
        .collect();
    (m, a, smoothed)
}

/// Empirical Bayes rates (issue 35 item 4) where the provinces' rates vary beyond chance
/// (a generated nation gives each province as many cases whatever its children). Marshall's
/// estimates are recomputed from the file's own events and children; the Poisson-Gamma
/// prior is checked as the maximum of the marginal negative binomial likelihood (its two
/// scores vanish at the published mean and shape, and nudging either lowers it: what
/// statsmodels' `NegativeBinomial(y, 1, exposure=n)` finds), and each area's estimate as
/// its posterior Gamma(y + ν, n + α): mean, 2.5 and 97.5 percentiles, shrinkage α / (n + α).
#[test]
fn smoothed_rates_equal_marshalls_estimator_and_the_poisson_gamma_likelihood() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    crate::util::generated_nation(cwd, "6");
    let load = |args: &[&str]| {
        let mut all = vec!["load"];
        all.extend_from_slice(args);
        all.extend(["--db", "n.duckdb"]);
        let run = baove(cwd, &all);
        assert_eq!(run.code, 0, "{}", run.all_output());
    };
    load(&["nation"]);
    for code in ["01", "02", "03", "04", "05", "06"] {
        load(&["--province", code, &format!("nation/{code}")]);
    }
    let run = baove(
        cwd,
        &[
            "compare",
            "--db",
            "n.duckdb",
            "--nation",
            "--period",
            "2024",
            "--indicator",
            "rate_received",
            "--audience",
            "internal",
            "--out",
            "cmp",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let rows = table(&cwd.join("cmp"), "smoothed.csv");
    marshall_lines_hold(&rows);
    poisson_gamma_lines_hold(&rows);
}

/// The public file's smoothed rates give back nothing the file does not show: an area
/// whose count is hidden has no smoothed rate, and every published estimate and prior is
/// recomputed here from the shown areas' events and children alone (so no hidden count
/// entered it); a shown count is 0 or at least 5. Communes of 2025Q4, where two hide their
/// confirmed cases.
#[test]
fn public_smoothed_rates_are_estimated_from_the_shown_areas_alone() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample_data();
    let run = baove(
        dir.path(),
        &[
            "compare",
            "--period",
            "2025Q4",
            "--level",
            "commune",
            "--indicator",
            "rate_received",
            "rate_confirmed",
            "--input",
            &data,
            "--out",
            "cmp",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let rows = table(&dir.path().join("cmp"), "smoothed.csv");
    let mut hidden_seen = 0;
    for indicator in ["rate_received", "rate_confirmed"] {
        for method in ["marshall", "poisson_gamma"] {
            let lines = smoothed_lines(&rows, indicator, method);
            let whole = lines.iter().filter(|l| l.0 == "44").count();
            assert_eq!(whole, 1, "{indicator} {method}");
            let mut shown = Vec::new();
            for (area, status, v) in lines.iter().filter(|l| l.0 != "44") {
                if status == "suppressed" {
                    hidden_seen += 1;
                    assert!(v[..6].iter().all(|x| x.is_nan()), "{indicator} {area}: {v:?}");
                } else {
                    assert_eq!(status, "", "{area}");
                    assert!(v[0] == 0.0 || v[0] >= 5.0, "{indicator} {area}: {}", v[0]);
                    assert!(!v[2].is_nan() && (0.0..=1.0).contains(&v[5]), "{area}");
                    shown.push((v[0], v[1], v[2], v[6], v[7]));
                }
            }
            let counts: Vec<(f64, f64)> = shown.iter().map(|s| (s.0, s.1)).collect();
            let (m, a, smoothed) = marshall(&counts);
            for (s, (rate, _)) in shown.iter().zip(&smoothed) {
                if method == "marshall" {
                    assert!((s.2 - rate * 1e5).abs() < 1e-6 && (s.4 - a * 1e10).abs() < 1e-6);
                    assert!(
                        (s.3 - m * 1e5).abs() < 1e-9,
                        "{indicator}: {} vs {}",
                        s.3,
                        m * 1e5
                    );
                } else if s.4 == 0.0 {
                    // ν = ∞: the likelihood is the Poisson's, whose mean is the pooled rate.
                    assert!(
                        (s.3 - m * 1e5).abs() < 1e-9,
                        "{indicator}: {} vs {}",
                        s.3,
                        m * 1e5
                    );
                } else {
                    // The likelihood's score in μ vanishes on the shown rows.
                    let (mu, var) = (s.3 / 1e5, s.4 / 1e10);
                    let nu = mu * mu / var;
                    let score: f64 = counts
                        .iter()
                        .map(|(y, n)| nu * (y - n * mu) / (nu + n * mu))
                        .sum();
                    assert!(score.abs() < 1e-8, "{indicator}: score {score}");
                }
            }
        }
    }
    assert!(hidden_seen > 0, "the period should hide some commune's count");
}

/// Rates of smoothed.csv are per 100,000 children.
const PER: f64 = 1e5;

/// Marshall's estimator over the provinces' counts: each smoothed rate, shrinkage, prior
/// mean and variance.
fn marshall_lines_hold(rows: &[Row]) {
    let per = PER;
    let lines = smoothed_lines(rows, "rate_received", "marshall");
    let areas: Vec<&(String, String, [f64; 8])> = lines.iter().filter(|l| !l.2[2].is_nan()).collect();
    assert_eq!(areas.len(), 6, "{lines:?}");
    let counts: Vec<(f64, f64)> = areas.iter().map(|l| (l.2[0], l.2[1])).collect();
    let (m, a, smoothed) = marshall(&counts);
    assert!(a > 0.0, "the provinces' rates should vary beyond chance: {a}");
    for (line, (rate, shrinkage)) in areas.iter().zip(&smoothed) {
        let v = line.2;
        assert!(
            (v[2] - rate * per).abs() < 1e-6,
            "{}: {} vs {}",
            line.0,
            v[2],
            rate * per
        );
        assert!((v[5] - shrinkage).abs() < 1e-9, "{}", line.0);
        assert!(0.0 < v[5] && v[5] < 1.0);
        assert!((v[6] - m * per).abs() < 1e-9 && (v[7] - a * per * per).abs() < 1e-6);
    }
}

/// The Poisson-gamma fit: the prior maximises the marginal likelihood (both scores
/// vanish, and every nearby prior is less likely); each posterior's mean, interval
/// (through its distribution function) and shrinkage.
fn poisson_gamma_lines_hold(rows: &[Row]) {
    use statrs::distribution::{ContinuousCDF, Gamma};
    use statrs::function::gamma::{digamma, ln_gamma};
    let per = PER;
    let lines = smoothed_lines(rows, "rate_received", "poisson_gamma");
    let areas: Vec<&(String, String, [f64; 8])> = lines.iter().filter(|l| !l.2[2].is_nan()).collect();
    assert_eq!(areas.len(), 6);
    let counts: Vec<(f64, f64)> = areas.iter().map(|l| (l.2[0], l.2[1])).collect();
    let mu = areas[0].2[6] / per;
    let nu = mu * mu / (areas[0].2[7] / (per * per));
    let log_likelihood = |mu: f64, nu: f64| -> f64 {
        counts
            .iter()
            .map(|(y, n)| {
                ln_gamma(y + nu) - ln_gamma(nu) - ln_gamma(y + 1.0)
                    + nu * (nu / (nu + n * mu)).ln()
                    + y * (n * mu / (nu + n * mu)).ln()
            })
            .sum()
    };
    let score_mu: f64 = counts
        .iter()
        .map(|(y, n)| nu * (y - n * mu) / (nu + n * mu))
        .sum();
    let score_nu: f64 = counts
        .iter()
        .map(|(y, n)| {
            digamma(y + nu) - digamma(nu) + (nu / (nu + n * mu)).ln() + 1.0 - (y + nu) / (nu + n * mu)
        })
        .sum();
    assert!(
        score_mu.abs() < 1e-8 && score_nu.abs() < 1e-9,
        "scores {score_mu} {score_nu} at {mu} {nu}"
    );
    let best = log_likelihood(mu, nu);
    for (dm, dn) in [(1.001, 1.0), (0.999, 1.0), (1.0, 1.01), (1.0, 0.99)] {
        assert!(
            log_likelihood(mu * dm, nu * dn) < best,
            "not a maximum at {dm} {dn}"
        );
    }
    let alpha = nu / mu;
    for (line, (y, n)) in areas.iter().zip(&counts) {
        let v = line.2;
        let posterior = Gamma::new(y + nu, n + alpha).unwrap();
        let mean = (y + nu) / (n + alpha) * per;
        assert!((v[2] - mean).abs() < 1e-6, "{}: {} vs {mean}", line.0, v[2]);
        // The interval through the posterior's distribution function (statrs' own
        // inverse of it is off by ~1e-4 here; mpmath gives 28.2582891204 for 01's low
        // end, as published).
        for (published, p) in [(v[3], 0.025), (v[4], 0.975)] {
            let at = posterior.cdf(published / per);
            assert!(
                (at - p).abs() < 1e-9,
                "{}: F({published}) = {at}, not {p}",
                line.0
            );
        }
        assert!((v[5] - alpha / (n + alpha)).abs() < 1e-9);
    }
}
