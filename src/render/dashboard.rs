//! The leaders' dashboard: one self-contained HTML file (inline CSS, inline SVG charts,
//! a few lines of inline script to sort a table) that opens from a USB stick or an
//! e-mail attachment with no network. A Content-Security-Policy forbids every fetch, so
//! nothing can leave the file even by mistake.

use chrono::NaiveDateTime;

use crate::catalog::{Direction, Indicator, Lang, Subject, Unit};
use crate::error::Result;
use crate::model::ENGINE_VERSION;
use crate::render::chart;
use crate::render::labels::{local_number, period_short, text, whole_coverage, whole_title, with_threshold};
use crate::render::view::{chart_data, Shown};
use crate::report::{PeriodValues, ReportData};
use crate::results::{Status, TidyRow};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn format_value(lang: Lang, unit: Unit, value: f64) -> String {
    match unit {
        Unit::Count => local_number(lang, value, 0),
        Unit::Share => format!("{}%", local_number(lang, value * 100.0, 1)),
        Unit::Per100k | Unit::Hours | Unit::Days => local_number(lang, value, 1),
    }
}

fn shown_text(lang: Lang, unit: Unit, shown: &Shown) -> String {
    match shown {
        Shown::Number(v) => format_value(lang, unit, *v),
        Shown::Symbol(s) => (*s).to_string(),
    }
}

fn total<'a>(values: &'a PeriodValues, id: &str, province: &str) -> Option<&'a TidyRow> {
    values.find(id, province, "", "")
}

/// The tidy value of a row for the page's machine-readable attribute: the exact
/// number, or the symbol shown.
fn tidy_attr(row: Option<&TidyRow>) -> String {
    match row {
        Some(r) if r.status == Status::Suppressed => "[c]".into(),
        Some(r) => r
            .value
            .map(crate::render::tidy::number)
            .unwrap_or_else(|| "[x]".into()),
        None => "[x]".into(),
    }
}

fn change_html(
    lang: Lang,
    indicator: &Indicator,
    now: Option<&TidyRow>,
    then: Option<&TidyRow>,
    label: &str,
    rule_change: Option<crate::catalog::RuleChange>,
) -> String {
    // Across a change of rule the values measure different things: no arrow, no colour,
    // and the reason.
    if let Some(change) = rule_change {
        return format!(
            "<span class=\"change neutral\">{}: [z] {} ({})</span>",
            escape(label),
            text(lang, "rule_not_comparable"),
            escape(&crate::render::labels::rule_change_note(lang, &change))
        );
    }
    let (Some(now), Some(then)) = (now.and_then(|r| r.value), then.and_then(|r| r.value)) else {
        return format!("<span class=\"change\">{}: [x]</span>", escape(label));
    };
    let delta = now - then;
    let arrow = if delta > 0.0 {
        "▲"
    } else if delta < 0.0 {
        "▼"
    } else {
        "="
    };
    let class = match (indicator.direction, delta.partial_cmp(&0.0)) {
        (_, Some(std::cmp::Ordering::Equal)) | (Direction::Neither, _) => "neutral",
        (Direction::RiseIsGood, Some(std::cmp::Ordering::Greater))
        | (Direction::RiseIsBad, Some(std::cmp::Ordering::Less)) => "good",
        _ => "bad",
    };
    let amount = match indicator.unit {
        Unit::Share => format!(
            "{} {}",
            local_number(lang, delta.abs() * 100.0, 1),
            text(lang, "points")
        ),
        unit => format_value(lang, unit, delta.abs()),
    };
    format!(
        "<span class=\"change {class}\">{}: {arrow} {}</span>",
        escape(label),
        escape(&amount)
    )
}

fn tile(data: &ReportData, lang: Lang, indicator: &Indicator) -> String {
    let province = &data.geography.province;
    let now = total(&data.current, &indicator.id, province);
    let shown = crate::render::view::shown(now);
    let basis = indicator.legal_basis_in(lang);
    let target = data.target(&indicator.id, &data.current.period).and_then(|t| {
        let v = now.and_then(|r| r.value)?;
        let reached = v >= t.value - 1e-12;
        Some(format!(
            "<span class=\"target {}\">{} {}: {}</span>",
            if reached { "good" } else { "bad" },
            text(lang, "target"),
            escape(&format_value(lang, Unit::Share, t.value)),
            text(lang, if reached { "on_target" } else { "below_target" })
        ))
    });
    let versus = |other: &PeriodValues| {
        change_html(
            lang,
            indicator,
            now,
            total(other, &indicator.id, province),
            &format!("{} {}", text(lang, "vs"), period_short(lang, &other.period)),
            data.rule_change(&indicator.id, &other.period),
        )
    };
    format!(
        "<article class=\"tile\" tabindex=\"0\" data-indicator=\"{id}\" data-value=\"{attr}\" title=\"{basis_attr}\">\
<h3>{label}</h3><p class=\"value\">{value}</p>{target}<p class=\"changes\">{prev}{year}</p>\
<p class=\"basis\">{basis_label}: {basis}</p>{reading}</article>",
        id = escape(&indicator.id),
        attr = escape(&tidy_attr(now)),
        basis_attr = escape(basis),
        label = escape(indicator.label(lang)),
        value = escape(&shown_text(lang, indicator.unit, &shown)),
        target = target.unwrap_or_default(),
        prev = versus(&data.previous),
        // A year's previous period is the year before: one comparison, not the same twice.
        year = if data.compares_year_before() {
            versus(&data.year_before)
        } else {
            String::new()
        },
        basis_label = text(lang, "legal_basis"),
        basis = escape(basis),
        reading = crate::catalog::deadline_reading(indicator, lang)
            .map(|r| format!("<p class=\"basis\">{}</p>", escape(&r)))
            .unwrap_or_default(),
    )
}

/// Inline SVG, scaled to its container, labelled for assistive technology.
fn inline_svg(svg: &[u8], label: &str) -> String {
    let text = String::from_utf8_lossy(svg);
    let start = text.find("<svg").unwrap_or(0);
    let body = &text[start..];
    let body = if body.contains("viewBox") {
        body.to_string()
    } else {
        body.replacen(
            "<svg",
            &format!("<svg viewBox=\"0 0 {} {}\"", chart::WIDTH, chart::HEIGHT),
            1,
        )
    };
    body.replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{}\"", escape(label)),
        1,
    )
}

/// A chart with its caption and, as its text alternative, the table of its values
/// (none where a table beside it already holds them).
fn figure(lang: Lang, svg: &[u8], title: &str, table: &str) -> String {
    let details = if table.is_empty() {
        String::new()
    } else {
        format!(
            "<details><summary>{}</summary>{table}</details>",
            text(lang, "data_table")
        )
    };
    format!(
        "<figure>{}<figcaption>{}</figcaption>{details}</figure>",
        inline_svg(svg, title),
        escape(title)
    )
}

fn simple_table(lang: Lang, header: &str, unit: Unit, categories: &[String], values: &[Shown]) -> String {
    let mut html = format!(
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        escape(header),
        text(lang, "value")
    );
    for (c, v) in categories.iter().zip(values) {
        html.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            escape(c),
            escape(&shown_text(lang, unit, v))
        ));
    }
    html.push_str("</tbody></table>");
    html
}

const STYLE: &str = "
:root { color: #1a1a1a; background: #ffffff; font-family: 'DejaVu Sans', 'Segoe UI', Arial, sans-serif; }
body { margin: 0 auto; padding: 1rem; max-width: 1400px; line-height: 1.4; }
header { border-bottom: 3px solid #0b4f8a; margin-bottom: 1rem; }
h1 { font-size: 1.6rem; margin: 0.2rem 0; }
h2 { font-size: 1.25rem; margin-top: 1.6rem; border-bottom: 1px solid #c8c8c8; }
h3 { font-size: 1rem; margin: 0 0 0.3rem 0; }
.audience { display: inline-block; padding: 0.2rem 0.6rem; background: #0b4f8a; color: #ffffff; font-weight: bold; }
.audience.internal { background: #8a1c0b; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 0.8rem; }
.tile { border: 1px solid #8c8c8c; border-radius: 6px; padding: 0.7rem; position: relative; background: #fafafa; }
.tile:focus { outline: 3px solid #0b4f8a; }
.value { font-size: 1.9rem; font-weight: bold; margin: 0.2rem 0; }
.changes { margin: 0.2rem 0; display: flex; flex-wrap: wrap; gap: 0.4rem; }
.change, .target { font-size: 0.9rem; padding: 0.1rem 0.35rem; border-radius: 4px; }
.good { background: #c6efce; color: #00501a; }
.bad { background: #ffc7ce; color: #7a0010; }
.neutral { background: #e6e6e6; color: #1a1a1a; }
.basis { display: none; font-size: 0.85rem; margin: 0.3rem 0 0 0; color: #333333; }
.tile:hover .basis, .tile:focus .basis, .tile:focus-within .basis { display: block; }
/* One chart a row, drawn at its own width (1200 units, capped at 1200 px): on a
   screen wide enough its smallest text (16 units) is the body's 16 px, never a strip
   of 5-px letters; narrower screens scale it down whole. */
.charts, .charts.pair { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; }
figure { margin: 0; max-width: 1200px; }
/* Grid items may shrink below their content (tables scroll inside their own box). */
.charts > *, .tiles > * { min-width: 0; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 0.9rem; color: #333333; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #d0d0d0; padding: 0.25rem 0.4rem; text-align: left; }
td { text-align: right; }
th button { font: inherit; font-weight: bold; background: none; border: 0; padding: 0; cursor: pointer; color: #0b3f70; text-decoration: underline; }
th button:focus { outline: 2px solid #0b4f8a; }
.scroll { overflow-x: auto; }
footer { margin-top: 2rem; font-size: 0.85rem; color: #333333; }
@media (max-width: 600px) {
  body { padding: 0.5rem; overflow-wrap: anywhere; }
  h1 { font-size: 1.3rem; }
  .tiles { grid-template-columns: minmax(0, 1fr); }
  .value { font-size: 1.5rem; }
}
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { max-width: none; padding: 0; }
  .basis { display: block; }
  details { display: block; }
  details > summary { display: none; }
  .tiles { grid-template-columns: repeat(4, 1fr); }
  figure, .tile, table { break-inside: avoid; }
  th button { color: #1a1a1a; text-decoration: none; }
}
";

const SCRIPT: &str = "
// Whether the page fits its window without scrolling sideways (checked by the browser test).
document.documentElement.setAttribute('data-width-fits',
  document.documentElement.scrollWidth <= window.innerWidth ? 'yes' : 'no');
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('thead th button').forEach(function (button, column) {
    button.addEventListener('click', function () {
      var th = button.parentNode;
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute('data-sort') || a.cells[column].textContent;
        var y = b.cells[column].getAttribute('data-sort') || b.cells[column].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, 'vi');
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
      table.querySelectorAll('thead th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    });
  });
});
";

/// The shares of requested items removed within each fixed limit, in this period, side
/// by side; nothing when the report computes none of them.
fn takedown_limits_figure(data: &ReportData, lang: Lang, ids: &[String], note: &str) -> Result<String> {
    let province = &data.geography.province;
    let mut categories = Vec::new();
    let mut shown = Vec::new();
    for id in ids {
        let Some(indicator) = data.indicators.iter().find(|i| i.id == *id) else {
            continue;
        };
        categories.push(indicator.label(lang).to_string());
        shown.push(crate::render::view::shown(total(&data.current, id, province)));
    }
    if categories.is_empty() {
        return Ok(String::new());
    }
    let values = shown
        .iter()
        .map(|s| match s {
            Shown::Number(v) => Some(*v),
            Shown::Symbol(_) => None,
        })
        .collect();
    let title = format!("{}, {}", text(lang, "takedown_limits"), data.current.period);
    let chart = chart::Chart {
        title: title.clone(),
        y_label: text(lang, "share_removed").to_string(),
        shape: chart::Shape::Bars,
        categories: categories.clone(),
        values,
        reference: None,
        percent: true,
        note: note.to_string(),
    };
    let (svg, _) = chart::render(&chart)?;
    let table = simple_table(lang, text(lang, "limit"), Unit::Share, &categories, &shown);
    Ok(figure(lang, &svg, &title, &table))
}

fn comparison_section(data: &ReportData, lang: Lang, public: bool) -> Result<String> {
    let mut html = String::new();
    for compared in data.comparisons.iter().flatten() {
        let c = &compared.comparison;
        let Some(indicator) = data.indicators.iter().find(|i| i.id == c.indicator_id) else {
            continue;
        };
        let funnel = chart::funnel_of(c, indicator, &data.geography.names, lang, public);
        let (svg, _) = chart::render_funnel(&funnel)?;
        let headers = [
            text(lang, "area"),
            text(lang, "name"),
            text(lang, "value"),
            text(lang, "ci_low"),
            text(lang, "ci_high"),
            text(lang, "funnel_flag"),
            text(lang, "rank"),
        ];
        let mut table = String::from("<div class=\"scroll\"><table class=\"sortable\"><thead><tr>");
        for h in headers {
            table.push_str(&format!(
                "<th scope=\"col\"><button type=\"button\">{}</button></th>",
                escape(h)
            ));
        }
        table.push_str("</tr></thead><tbody>");
        for a in &c.areas {
            let name = data
                .geography
                .names
                .get(&a.area_code)
                .cloned()
                .unwrap_or_default();
            table.push_str(&format!(
                "<tr data-area=\"{code}\"><td>{code}</td><td>{name}</td><td data-sort=\"{v}\" data-value=\"{v}\">{vt}</td>\
<td data-sort=\"{l}\">{lt}</td><td data-sort=\"{h}\">{ht}</td><td>{flag}</td><td data-sort=\"{rank}\">{rank} ({rl}-{rh})</td></tr>",
                code = escape(&a.area_code),
                name = escape(&name),
                v = crate::render::tidy::number(a.value),
                vt = escape(&format_value(lang, c.unit, a.value)),
                l = crate::render::tidy::number(a.ci_low),
                lt = escape(&format_value(lang, c.unit, a.ci_low)),
                h = crate::render::tidy::number(a.ci_high),
                ht = escape(&format_value(lang, c.unit, a.ci_high)),
                flag = escape(text(lang, a.flag.name())),
                rank = a.rank,
                rl = a.rank_low,
                rh = a.rank_high,
            ));
        }
        for code in &c.left_out {
            let name = data.geography.names.get(code).cloned().unwrap_or_default();
            let symbol = if compared.hidden.contains(code) {
                "[c]"
            } else {
                "[x]"
            };
            table.push_str(&format!(
                "<tr data-area=\"{code}\"><td>{code}</td><td>{name}</td><td>{symbol}</td><td></td><td></td><td></td><td></td></tr>",
                code = escape(code),
                name = escape(&name),
            ));
        }
        table.push_str("</tbody></table></div>");
        html.push_str(&format!(
            "<h3>{}</h3><div class=\"charts pair\">{}<div>{}</div></div>",
            escape(indicator.label(lang)),
            figure(lang, &svg, &funnel.title, ""),
            table
        ));
    }
    Ok(html)
}

fn quality_section(data: &ReportData, lang: Lang) -> String {
    let q = &data.quality;
    let shown = |name: &str, n: u64| {
        crate::disclosure::quality_shown(q, name, n, data.public).map_or("[c]".to_string(), |n| n.to_string())
    };
    let mut html = format!(
        "<ul><li>{}: {}</li><li>{}: {}</li><li>{}: {}</li><li>{}: {}</li><li>{}: {}</li></ul>",
        text(lang, "as_of"),
        data.current.as_of.format("%d/%m/%Y %H:%M"),
        text(lang, "quarantined_rows"),
        shown("quarantined", q.quarantined),
        text(lang, "invalid_orders"),
        shown("invalid_orders", q.invalid_orders),
        text(lang, "late_records"),
        shown("late_records", q.late_records),
        text(lang, "superseded_agency_rows"),
        shown("superseded_agency_rows", q.superseded_agency_rows)
    );
    html.push_str(&format!(
        "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        text(lang, "kind"),
        text(lang, "column"),
        text(lang, "completeness")
    ));
    for c in &q.completeness {
        let share = match crate::disclosure::completeness_shown(q, c, data.public) {
            (_, _, Some(share)) => format_value(lang, Unit::Share, share),
            (_, Some(0), None) => format_value(lang, Unit::Share, 1.0),
            _ => "[c]".to_string(),
        };
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(c.kind),
            escape(c.column),
            escape(&share)
        ));
    }
    html.push_str("</tbody></table></div>");
    html.push_str(&format!(
        "<h3>{}</h3><div class=\"scroll\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">SHA-256</th></tr></thead><tbody>",
        text(lang, "sources"),
        text(lang, "file"),
        text(lang, "rows"),
        text(lang, "loaded_at")
    ));
    for s in &data.sources {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}…</td></tr>",
            escape(&s.file_name),
            // A file's rows are records (cases, content items) too.
            crate::disclosure::shown_count(s.rows_loaded.max(0) as u64, data.public)
                .map_or("[c]".to_string(), |n| n.to_string()),
            escape(&s.loaded_at),
            escape(&s.sha256.chars().take(16).collect::<String>())
        ));
    }
    html.push_str("</tbody></table></div>");
    html
}

/// The template's charts as figures (the chart and its table), by section: trends,
/// breakdowns and content takedown.
fn chart_figures(data: &ReportData, lang: Lang, note: &str) -> Result<(String, String, String)> {
    let charts = chart_data(data, lang);
    let mut trend_html = String::new();
    let mut breakdown_html = String::new();
    let mut takedown_charts = String::new();
    let calendar = data.current.period.calendar;
    for c in &charts {
        let mut c = c.clone();
        if c.line {
            // Trend ticks as readers write periods; the tidy table keeps the codes.
            for category in &mut c.categories {
                if let Ok(p) = crate::period::Period::parse(category, calendar) {
                    *category = period_short(lang, &p);
                }
            }
        }
        let c = &c;
        let rendered = chart::render(&c.chart(lang, note))?;
        let header = if c.line {
            text(lang, "period")
        } else {
            text(lang, "category")
        };
        let table = simple_table(lang, header, c.unit, &c.categories, &c.values);
        let fig = figure(lang, &rendered.0, &c.title, &table);
        if c.line {
            trend_html.push_str(&fig);
        } else if c.subject == Subject::Content {
            takedown_charts.push_str(&fig);
        } else {
            breakdown_html.push_str(&fig);
        }
    }
    Ok((trend_html, breakdown_html, takedown_charts))
}

/// The dashboard of a report's data, as HTML bytes.
pub fn build(data: &ReportData, lang: Lang, generated_at: NaiveDateTime) -> Result<Vec<u8>> {
    let public = data.public;
    let indicator = |id: &str| data.indicators.iter().find(|i| i.id == id);
    let note = crate::render::labels::chart_note(lang, public).to_string();
    let (trend_html, breakdown_html, mut takedown_charts) = chart_figures(data, lang, &note)?;
    let spec = data.template.dashboard.clone().unwrap_or_default();
    takedown_charts.insert_str(
        0,
        &takedown_limits_figure(data, lang, &spec.takedown_limits, &note)?,
    );
    let tiles_of = |ids: &[String]| -> String {
        ids.iter()
            .filter_map(|id| indicator(id))
            .map(|i| tile(data, lang, i))
            .collect()
    };
    let tiles = tiles_of(&spec.headlines);
    let takedown_tiles = tiles_of(&spec.takedown);
    let comparison = comparison_section(data, lang, public)?;
    let period = &data.current.period;
    let html = format!(
        "<!DOCTYPE html>
<html lang=\"{lang_code}\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">
<title>{title} · {whole} · {period}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<p class=\"audience {audience_class}\" data-audience=\"{audience_class}\">{audience}</p>
<h1>{title}</h1>
<p class=\"whole\">{whole_label}: <strong>{whole}</strong> ({coverage})</p>
<p>{period_label}: {period} ({start} - {end}, {calendar}) · {as_of_label}: {as_of}</p>
</header>
<main>
<section aria-labelledby=\"headline\"><h2 id=\"headline\">{headline}</h2><p class=\"targets\">{target_set_label}: {target_set}</p><div class=\"tiles\">{tiles}</div></section>
<section aria-labelledby=\"trends\"><h2 id=\"trends\">{trends}</h2><div class=\"charts\">{trend_html}</div></section>
<section aria-labelledby=\"comparison\"><h2 id=\"comparison\">{comparison_title}</h2>{comparison}</section>
<section aria-labelledby=\"types\"><h2 id=\"types\">{types}</h2><div class=\"charts\">{breakdown_html}</div></section>
<section aria-labelledby=\"takedown\"><h2 id=\"takedown\">{takedown}</h2><div class=\"tiles\">{takedown_tiles}</div><div class=\"charts\">{takedown_charts}</div></section>
<section aria-labelledby=\"quality\"><h2 id=\"quality\">{quality_title}</h2>{quality}</section>
</main>
<footer><p>{symbols}</p><p>{generated}: {generated_at} · baove {ENGINE_VERSION}</p></footer>
<script>{SCRIPT}</script>
</body>
</html>
",
        lang_code = if lang == Lang::Vi { "vi" } else { "en" },
        title = escape(data.template.title(lang)),
        audience_class = if public { "public" } else { "internal" },
        audience = escape(text(lang, if public { "public" } else { "internal" })),
        period_label = text(lang, "period"),
        period = escape(&period_short(lang, period)),
        whole_label = text(lang, "whole_reported"),
        whole = escape(&whole_title(lang, &data.geography)),
        coverage = escape(&whole_coverage(lang, &data.geography)),
        start = period.start().format("%d/%m/%Y"),
        end = period.end().format("%d/%m/%Y"),
        calendar = escape(text(
            lang,
            if period.calendar == crate::period::Calendar::Statutory { "statutory" } else { "calendar_kind" }
        )),
        as_of_label = text(lang, "as_of"),
        as_of = data.current.as_of.format("%d/%m/%Y %H:%M"),
        headline = text(lang, "dashboard_headline"),
        target_set_label = text(lang, "target_set"),
        target_set = escape(&crate::render::view::target_set_text(data, lang)),
        trends = text(lang, "dashboard_trends"),
        comparison_title = text(lang, "dashboard_comparison"),
        types = text(lang, "dashboard_types"),
        takedown = text(lang, "dashboard_takedown"),
        quality_title = text(lang, "quality"),
        quality = quality_section(data, lang),
        symbols = escape(&with_threshold(lang, "symbol_c")),
        generated = text(lang, "generated"),
        generated_at = generated_at.format("%d/%m/%Y %H:%M"),
    );
    Ok(html.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text colour on background colour, as the style sheet pairs them.
    const PAIRS: &[(&str, &str)] = &[
        ("#1a1a1a", "#ffffff"),
        ("#1a1a1a", "#fafafa"),
        ("#00501a", "#c6efce"),
        ("#7a0010", "#ffc7ce"),
        ("#1a1a1a", "#e6e6e6"),
        ("#ffffff", "#0b4f8a"),
        ("#ffffff", "#8a1c0b"),
        ("#333333", "#ffffff"),
        ("#333333", "#fafafa"),
        ("#0b3f70", "#ffffff"),
    ];

    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    /// WCAG 2 contrast of every text colour on its background: at least 4.5:1, and
    /// every colour of the table is one the style sheet uses.
    #[test]
    fn text_contrast_is_at_least_4_5() {
        for (text, background) in PAIRS {
            let (a, b) = (luminance(text), luminance(background));
            let ratio = (a.max(b) + 0.05) / (a.min(b) + 0.05);
            assert!(ratio >= 4.5, "{text} on {background}: {ratio:.2}");
            assert!(
                STYLE.contains(text) && STYLE.contains(background),
                "{text} / {background} not in the style"
            );
        }
    }

    #[test]
    fn numbers_read_the_vietnamese_way() {
        assert_eq!(local_number(Lang::Vi, 1234567.891, 1), "1.234.567,9");
        assert_eq!(local_number(Lang::En, 1234567.891, 1), "1,234,567.9");
        assert_eq!(format_value(Lang::Vi, Unit::Share, 0.8975), "89,8%");
        assert_eq!(local_number(Lang::Vi, -0.04, 1), "0,0");
    }
}
