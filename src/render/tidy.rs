//! The tidy indicator table (indicators.md, "Tidy output") as CSV or Parquet bytes.
//! Numbers are written at full precision (the shortest text that reads back as the same
//! double), counts as integers, blanks as empty fields.

use polars::prelude::*;

use crate::compare::{AreaComparison, Comparison, HeatCell};
use crate::error::{Error, Result};
use crate::render::csv_out::Csv;
use crate::results::{Audience, TidyRow};

/// The tidy columns (indicators.md, "Tidy output"); `audience` is last on every row of
/// every file, so a file copied out of the office still says what it is.
pub const COLUMNS: [&str; 17] = [
    "indicator_id",
    "period",
    "calendar",
    "period_start",
    "period_end",
    "as_of",
    "area_code",
    "breakdown",
    "breakdown_value",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "unit",
    "status",
    "audience",
];

/// Where `area_code` stands in [`COLUMNS`] (checked by a test).
const AREA_COLUMN: usize = 6;

/// Shortest round-trip text of a double; whole values of counts print without a dot.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// The first six tidy columns, which say which indicator and period a row is of: every
/// file in the tidy columns takes them from the indicator's (province) row.
fn period_fields(row: &TidyRow) -> [String; 6] {
    [
        row.indicator_id.clone(),
        row.period.clone(),
        row.calendar.to_string(),
        row.period_start.format("%Y-%m-%d").to_string(),
        row.period_end.format("%Y-%m-%d").to_string(),
        row.as_of.format("%Y-%m-%d %H:%M:%S").to_string(),
    ]
}

fn fields(row: &TidyRow, audience: Audience) -> Vec<String> {
    let opt_u = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let opt_f = |v: Option<f64>| v.map(number).unwrap_or_default();
    let value = match row.unit {
        crate::catalog::Unit::Count => row.value.map(|v| format!("{}", v as u64)).unwrap_or_default(),
        _ => opt_f(row.value),
    };
    let mut fields = Vec::from(period_fields(row));
    fields.extend([
        row.area_code.clone(),
        row.breakdown.clone(),
        row.breakdown_value.clone(),
        opt_u(row.numerator),
        opt_u(row.denominator),
        value,
        opt_f(row.ci_low),
        opt_f(row.ci_high),
        row.unit.name().to_string(),
        row.status.name().to_string(),
        audience.name().to_string(),
    ]);
    fields
}

pub fn to_csv(rows: &[TidyRow], audience: Audience) -> Vec<u8> {
    let mut csv = Csv::new(&COLUMNS);
    for row in rows {
        csv.row(fields(row, audience));
    }
    csv.into_bytes()
}

/// The revision of a period (`revisions_PERIOD.csv`): one row per indicator and cell,
/// the whole first; `status` is that of the revision (suppressed: the difference and
/// the value then hidden; no_data: a value missing).
pub const REVISION_COLUMNS: [&str; 16] = [
    "indicator_id",
    "period",
    "calendar",
    "as_of",
    "area_code",
    "since_load",
    "since_loaded_at",
    "now_load",
    "value_then",
    "value_now",
    "difference",
    "unit",
    "status_then",
    "status_now",
    "status",
    "audience",
];

fn opt_number(v: Option<f64>) -> String {
    v.map(number).unwrap_or_default()
}

pub fn revisions_csv(revisions: &crate::results::Revisions, audience: Audience) -> Vec<u8> {
    let mut csv = Csv::new(&REVISION_COLUMNS);
    let as_of = revisions.as_of.format("%Y-%m-%d %H:%M:%S").to_string();
    for v in &revisions.values {
        let fields = [
            v.indicator_id.clone(),
            revisions.period.to_string(),
            revisions.period.calendar.name().to_string(),
            as_of.clone(),
            v.area_code.clone(),
            revisions.since.load_id.to_string(),
            revisions.since.loaded_at.clone(),
            revisions.now.load_id.to_string(),
            opt_number(v.then),
            opt_number(v.now),
            opt_number(v.difference),
            v.unit.name().to_string(),
            v.then_status.name().to_string(),
            v.now_status.name().to_string(),
            v.status.name().to_string(),
            audience.name().to_string(),
        ];
        csv.row(fields);
    }
    csv.into_bytes()
}

/// The causes of a revision (`revision_causes_PERIOD.csv`): per kind, cell and cause,
/// the records it moved; with a `column`, those of them whose correction changed it.
pub const CAUSE_COLUMNS: [&str; 10] = [
    "period",
    "since_load",
    "now_load",
    "kind",
    "area_code",
    "cause",
    "column",
    "records",
    "status",
    "audience",
];

pub fn revision_causes_csv(revisions: &crate::results::Revisions, audience: Audience) -> Vec<u8> {
    let mut csv = Csv::new(&CAUSE_COLUMNS);
    for c in &revisions.causes {
        let fields = [
            revisions.period.to_string(),
            revisions.since.load_id.to_string(),
            revisions.now.load_id.to_string(),
            c.count.kind.name().to_string(),
            c.count.area_code.clone(),
            c.count.cause.name().to_string(),
            c.count.column.clone().unwrap_or_default(),
            c.records.map(|n| n.to_string()).unwrap_or_default(),
            if c.records.is_some() { "" } else { "suppressed" }.to_string(),
            audience.name().to_string(),
        ];
        csv.row(fields);
    }
    csv.into_bytes()
}

/// The revision triangle (`revision_triangle_PERIOD.csv`): the whole's value of each
/// indicator as known after each load.
pub const TRIANGLE_COLUMNS: [&str; 9] = [
    "indicator_id",
    "period",
    "area_code",
    "load_id",
    "loaded_at",
    "value",
    "unit",
    "status",
    "audience",
];

pub fn revision_triangle_csv(
    revisions: &crate::results::Revisions,
    indicators: &[crate::catalog::Indicator],
    audience: Audience,
) -> Vec<u8> {
    let mut csv = Csv::new(&TRIANGLE_COLUMNS);
    for v in &revisions.triangle {
        let unit = indicators
            .iter()
            .find(|i| i.id == v.indicator_id)
            .map(|i| i.unit.name())
            .unwrap_or_default();
        let fields = [
            v.indicator_id.clone(),
            revisions.period.to_string(),
            revisions.whole.clone(),
            v.load.load_id.to_string(),
            v.load.loaded_at.clone(),
            opt_number(v.value),
            unit.to_string(),
            v.status.name().to_string(),
            audience.name().to_string(),
        ];
        csv.row(fields);
    }
    csv.into_bytes()
}

/// The comparison columns that follow the tidy ones in `comparison.csv` (the audience
/// stays the last column).
pub const COMPARISON_COLUMNS: [&str; 20] = [
    "province_value",
    "difference",
    "difference_low",
    "difference_high",
    "limit_95_low",
    "limit_95_high",
    "limit_99_8_low",
    "limit_99_8_high",
    "funnel_flag",
    "rank",
    "rank_low",
    "rank_high",
    "rank_low_mc_error",
    "rank_high_mc_error",
    "rank_draws",
    "rank_seed",
    "overdispersion_applied",
    "overdispersion_model",
    "phi",
    "tau2",
];

/// The lines of one indicator's comparison in a period: the province, then every area
/// compared, then the areas hidden (`suppressed`) or without data (`no_data`), in the
/// tidy columns (numerator and denominator weighted when attributed through the
/// crosswalk) and, `with_comparison`, the comparison columns. `context` is the
/// province's tidy row: period, calendar, dates, as-of and unit come from it.
pub fn comparison_lines(
    context: &TidyRow,
    comparison: &Comparison,
    hidden: &[String],
    with_comparison: bool,
    audience: Audience,
) -> Vec<Vec<String>> {
    let base = |area: &str,
                numerator: Option<f64>,
                size: Option<f64>,
                value: Option<(f64, f64, f64)>,
                status: &str| {
        let opt = |v: Option<f64>| v.map(number).unwrap_or_default();
        let (shown, low, high) = match value {
            Some((v, l, h)) => (Some(v), Some(l), Some(h)),
            None => (None, None, None),
        };
        let mut fields = Vec::from(period_fields(context));
        fields.extend([
            area.to_string(),
            String::new(),
            String::new(),
            opt(numerator),
            opt(size),
            opt(shown),
            opt(low),
            opt(high),
            context.unit.name().to_string(),
            status.to_string(),
        ]);
        fields
    };
    let with = |mut line: Vec<String>, area: Option<&AreaComparison>| {
        if with_comparison {
            line.extend(comparison_fields(comparison, area));
        }
        line.push(audience.name().to_string());
        line
    };
    let p = &comparison.province;
    let mut lines = vec![with(
        base(
            &p.area_code,
            Some(p.numerator),
            Some(p.size),
            crate::compare::value_of(comparison.unit, p),
            "",
        ),
        None,
    )];
    for a in &comparison.areas {
        lines.push(with(
            base(
                &a.area_code,
                Some(a.numerator),
                Some(a.size),
                Some((a.value, a.ci_low, a.ci_high)),
                "",
            ),
            Some(a),
        ));
    }
    for code in &comparison.left_out {
        let status = if hidden.contains(code) {
            "suppressed"
        } else {
            "no_data"
        };
        lines.push(with(base(code, None, None, None, status), None));
    }
    lines
}

/// The comparison's columns of a line of comparison.csv ([`COMPARISON_COLUMNS`]): the
/// area's against the whole (empty for the whole and the areas left out), then the
/// over-dispersion, on every line.
fn comparison_fields(comparison: &Comparison, area: Option<&AreaComparison>) -> Vec<String> {
    let d = &comparison.dispersion;
    let mut extra: Vec<String> = vec![number(comparison.province_value)];
    match area {
        Some(a) => extra.extend([
            number(a.difference),
            number(a.difference_low),
            number(a.difference_high),
            number(a.limits.low_95),
            number(a.limits.high_95),
            number(a.limits.low_998),
            number(a.limits.high_998),
            a.flag.name().to_string(),
            a.rank.to_string(),
            a.rank_low.to_string(),
            a.rank_high.to_string(),
            number(a.rank_low_error),
            number(a.rank_high_error),
            comparison.rank_draws.to_string(),
            comparison.rank_seed.to_string(),
        ]),
        None => extra.extend(std::iter::repeat_n(String::new(), 15)),
    }
    extra.extend([
        d.applied.to_string(),
        d.model.name().to_string(),
        number(d.phi),
        number(d.tau2),
    ]);
    extra
}

/// The columns of a test for trend in trend.csv, after the tidy ones: the model
/// (poisson_log_linear for rates, logistic for shares), the ratio per period (rate ratio
/// or odds ratio) with its 95% interval, the p-value of "no trend", whether it is below
/// 0.05, and the periods fitted.
pub const TREND_COLUMNS: [&str; 7] = [
    "trend_model",
    "trend_ratio",
    "trend_ratio_low",
    "trend_ratio_high",
    "trend_p",
    "trend_significant",
    "trend_periods",
];

/// The header of trend.csv.
pub fn trend_header() -> Vec<&'static str> {
    let mut header = comparison_header(false);
    let audience = header.pop().unwrap_or("audience");
    header.extend(TREND_COLUMNS);
    header.push(audience);
    header
}

/// One period's lines of trend.csv: [`comparison_lines`] without the comparison, each
/// with its area's test for trend over the periods the file shows of it (empty where
/// there is none: fewer than 3 such periods, or no finite slope).
pub fn trend_lines(
    compared: &crate::compare::Compared,
    tests: &std::collections::BTreeMap<(String, String), crate::trend::Trend>,
    audience: Audience,
) -> Vec<Vec<String>> {
    let id = &compared.comparison.indicator_id;
    comparison_lines(
        &compared.context,
        &compared.comparison,
        &compared.hidden,
        false,
        audience,
    )
    .into_iter()
    .map(|mut line| {
        let audience = line.pop().unwrap_or_default();
        let area = &line[AREA_COLUMN];
        match tests.get(&(id.clone(), area.clone())) {
            Some(t) => line.extend([
                t.model.name().to_string(),
                number(t.ratio),
                number(t.ratio_low),
                number(t.ratio_high),
                number(t.p_value),
                t.significant().to_string(),
                t.periods.to_string(),
            ]),
            None => line.extend(std::iter::repeat_n(String::new(), TREND_COLUMNS.len())),
        }
        line.push(audience);
        line
    })
    .collect()
}

/// The columns of smoothed.csv after the tidy ones (whose value and interval are the
/// raw rate's): the empirical Bayes method (marshall, poisson_gamma), the smoothed rate
/// per 100 000 with its 95% credible interval (Poisson-Gamma only), the shrinkage (the
/// weight of the prior mean: smoothed = shrinkage × prior mean + (1 − shrinkage) × raw),
/// and the prior's mean (per 100 000) and variance (per 100 000, squared).
pub const SMOOTHING_COLUMNS: [&str; 7] = [
    "smoothing_method",
    "smoothed_rate",
    "smoothed_low",
    "smoothed_high",
    "shrinkage",
    "prior_mean",
    "prior_variance",
];

/// The header of smoothed.csv.
pub fn smoothed_header() -> Vec<&'static str> {
    let mut header = comparison_header(false);
    let audience = header.pop().unwrap_or("audience");
    header.extend(SMOOTHING_COLUMNS);
    header.push(audience);
    header
}

/// A rate's lines of smoothed.csv, method by method: [`comparison_lines`] without the
/// comparison (the whole, each compared area, each area left out), each with its smoothed
/// rate where the area was compared, and the method's prior on every line. An area left
/// out (hidden, or without children) has no smoothed rate: none was estimated from it.
pub fn smoothed_lines(compared: &crate::compare::Compared, audience: Audience) -> Vec<Vec<String>> {
    let c = &compared.comparison;
    let per = crate::catalog::RATE_SCALE;
    let lines = comparison_lines(&compared.context, c, &compared.hidden, false, audience);
    let mut out = Vec::new();
    for smoothing in &c.smoothing {
        for line in &lines {
            let mut line = line.clone();
            let audience = line.pop().unwrap_or_default();
            let estimate = c
                .areas
                .iter()
                .position(|a| a.area_code == line[AREA_COLUMN])
                .and_then(|i| smoothing.estimates.get(i));
            let opt = |v: Option<f64>| v.map(number).unwrap_or_default();
            line.extend([
                smoothing.method.name().to_string(),
                opt(estimate.map(|e| e.rate * per)),
                opt(estimate.and_then(|e| e.interval).map(|i| i.0 * per)),
                opt(estimate.and_then(|e| e.interval).map(|i| i.1 * per)),
                opt(estimate.map(|e| e.shrinkage)),
                number(smoothing.prior.mean * per),
                number(smoothing.prior.variance * per * per),
            ]);
            line.push(audience);
            out.push(line);
        }
    }
    out
}

/// The header of comparison.csv (`with_comparison`) or trend.csv.
pub fn comparison_header(with_comparison: bool) -> Vec<&'static str> {
    let (tidy, audience) = COLUMNS.split_at(COLUMNS.len() - 1);
    let mut header = tidy.to_vec();
    if with_comparison {
        header.extend(COMPARISON_COLUMNS);
    }
    header.push(audience[0]);
    header
}

/// `heatmap.csv`: the heatmap's cells (cases received per 100 000 children by area and
/// form of abuse) in the tidy columns, so that what the chart shows can be read and
/// checked: `indicator` (rate_received) and `context` (its province row) give the
/// period's columns; a hidden cell is `suppressed`, one without children `no_data`.
pub fn heatmap_csv(
    context: &TidyRow,
    breakdown: &str,
    categories: &[&str],
    areas: &[String],
    cells: &[Vec<HeatCell>],
    audience: Audience,
) -> Vec<u8> {
    let mut csv = Csv::new(&COLUMNS);
    for (area, row) in areas.iter().zip(cells) {
        for (category, cell) in categories.iter().zip(row) {
            let (numerator, denominator, value, status) = match cell.shown() {
                _ if cell.hidden => (String::new(), String::new(), String::new(), "suppressed"),
                Ok(rate) => (number(cell.count), number(cell.children), number(rate), ""),
                Err(_) => (number(cell.count), "0".to_string(), String::new(), "no_data"),
            };
            let mut fields = Vec::from(period_fields(context));
            fields.extend([
                area.clone(),
                breakdown.to_string(),
                category.to_string(),
                numerator,
                denominator,
                value,
                String::new(),
                String::new(),
                context.unit.name().to_string(),
                status.to_string(),
                audience.name().to_string(),
            ]);
            csv.row(fields);
        }
    }
    csv.into_bytes()
}

pub fn to_parquet(rows: &[TidyRow], audience: Audience) -> Result<Vec<u8>> {
    let text = |f: &dyn Fn(&TidyRow) -> String| rows.iter().map(f).collect::<Vec<String>>();
    let columns = vec![
        Column::new("indicator_id".into(), text(&|r| r.indicator_id.clone())),
        Column::new("period".into(), text(&|r| r.period.clone())),
        Column::new("calendar".into(), text(&|r| r.calendar.to_string())),
        Column::new(
            "period_start".into(),
            rows.iter().map(|r| r.period_start).collect::<Vec<_>>(),
        ),
        Column::new(
            "period_end".into(),
            rows.iter().map(|r| r.period_end).collect::<Vec<_>>(),
        ),
        Column::new("as_of".into(), rows.iter().map(|r| r.as_of).collect::<Vec<_>>()),
        Column::new("area_code".into(), text(&|r| r.area_code.clone())),
        Column::new("breakdown".into(), text(&|r| r.breakdown.clone())),
        Column::new("breakdown_value".into(), text(&|r| r.breakdown_value.clone())),
        Column::new(
            "numerator".into(),
            rows.iter().map(|r| r.numerator).collect::<Vec<_>>(),
        ),
        Column::new(
            "denominator".into(),
            rows.iter().map(|r| r.denominator).collect::<Vec<_>>(),
        ),
        Column::new("value".into(), rows.iter().map(|r| r.value).collect::<Vec<_>>()),
        Column::new("ci_low".into(), rows.iter().map(|r| r.ci_low).collect::<Vec<_>>()),
        Column::new(
            "ci_high".into(),
            rows.iter().map(|r| r.ci_high).collect::<Vec<_>>(),
        ),
        Column::new("unit".into(), text(&|r| r.unit.name().to_string())),
        Column::new("status".into(), text(&|r| r.status.name().to_string())),
        Column::new("audience".into(), text(&|_| audience.name().to_string())),
    ];
    let mut df = DataFrame::new_infer_height(columns).map_err(Error::polars("tidy table"))?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .finish(&mut df)
        .map_err(Error::polars("writing Parquet"))?;
    Ok(bytes)
}

/// Possible duplicates as a `case_links` file (data-contract.md v3) with basis REVIEW:
/// the office deletes the pairs that are two cases and loads the rest.
pub fn suggested_links_csv(pairs: &[crate::results::PossibleDuplicate]) -> Vec<u8> {
    let mut csv = Csv::new(&["case_id", "linked_case_id", "linked_at", "basis"]);
    for pair in pairs {
        csv.row([pair.case_id.as_str(), &pair.other_case_id, "", "REVIEW"]);
    }
    csv.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_area_column_is_where_it_says() {
        assert_eq!(COLUMNS[AREA_COLUMN], "area_code");
    }

    #[test]
    fn numbers_read_back_exactly() {
        for v in [0.1, 1.0 / 3.0, 2.5, 1e-7, 123456.789, 0.30000000000000004] {
            assert_eq!(number(v).parse::<f64>().unwrap(), v);
        }
        assert_eq!(number(5.0), "5");
        assert_eq!(number(0.5), "0.5");
    }
}
