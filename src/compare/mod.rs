//! Comparing areas fairly, for evaluators: each area's value against the province's,
//! with the funnel limits its size allows (so that no area is flagged only because it
//! is small), the over-dispersion check, a rank with its uncertainty and the trend.
//!
//! The store use case lives here (the areas of a request, its comparison and the
//! comparison workbook's run); the maths in [`maths`].

pub mod maths;

pub use maths::*;

#[cfg(feature = "store")]
use crate::catalog::{Indicator, Unit};
#[cfg(feature = "store")]
use crate::disclosure::{self, CellKey, Hidden};
#[cfg(feature = "store")]
use crate::error::{Error, Result};
#[cfg(feature = "store")]
use crate::indicators;
#[cfg(feature = "store")]
use crate::results::{Geography, Request, TidyRow};
#[cfg(feature = "store")]
use crate::store::{Session, Store};

#[cfg(feature = "store")]
impl Areas {
    /// As coded in `geography`'s period, or every area of `level` with the crosswalk
    /// (for districts).
    ///
    /// A period across the reform of 1 July 2025 holds former districts and the communes
    /// that replaced them: ranked together, every district would seem to fall (it had
    /// half the period). Such a comparison "as coded" is made by former district through
    /// the crosswalk (issue 33), when the store has one.
    pub fn of(
        store: &Store,
        request: &Request,
        geography: &Geography,
        level: Option<Level>,
    ) -> Result<Areas> {
        let level = match level {
            None if Self::spans_a_reform(store, request, geography)? => Some(Level::District),
            chosen => chosen,
        };
        let mut names = geography.names.clone();
        let Some(level) = level else {
            return Ok(Areas {
                level: None,
                universe: geography.areas.clone(),
                links: Vec::new(),
                names,
            });
        };
        if level == Level::Province {
            if geography.province == crate::results::NATION_CODE {
                return Ok(Areas {
                    level: Some(level),
                    universe: geography.areas.clone(),
                    links: Vec::new(),
                    names,
                });
            }
            return Err(Error::Usage(
                "provinces are compared in the nation's report: give --nation".into(),
            ));
        }
        let session = Session::new(store, request)?;
        let areas = session.areas_of_level(level.code(), &geography.roots)?;
        if areas.is_empty() {
            return Err(Error::Usage(format!(
                "the store's areas have no {} level; load the areas file with it",
                level.code()
            )));
        }
        let links = match level {
            // The commune → district rows; a merger's province rows link no district.
            Level::District => session
                .crosswalk()?
                .into_iter()
                .filter(|(_, to_code, _)| areas.iter().any(|(code, _)| code == to_code))
                .map(|(from_code, to_code, weight)| Link {
                    from_code,
                    to_code,
                    weight,
                })
                .collect(),
            Level::Commune | Level::Province => Vec::new(),
        };
        let mut universe = Vec::new();
        for (code, name) in areas {
            names.insert(code.clone(), name);
            universe.push(code);
        }
        Ok(Areas {
            level: Some(level),
            universe,
            links,
            names,
        })
    }
}

#[cfg(feature = "store")]
impl Areas {
    /// Whether the period's areas as coded are of two levels (districts and communes)
    /// and the crosswalk links the new ones to the former.
    fn spans_a_reform(store: &Store, request: &Request, geography: &Geography) -> Result<bool> {
        if geography.province == crate::results::NATION_CODE {
            return Ok(false);
        }
        let session = Session::new(store, request)?;
        let held = |level: Level| -> Result<Vec<String>> {
            Ok(session
                .areas_of_level(level.code(), &geography.roots)?
                .into_iter()
                .map(|(code, _)| code)
                .filter(|code| geography.areas.contains(code))
                .collect())
        };
        let (districts, communes) = (held(Level::District)?, held(Level::Commune)?);
        if districts.is_empty() || communes.is_empty() {
            return Ok(false);
        }
        Ok(session
            .crosswalk()?
            .iter()
            .any(|(from, to, _)| communes.contains(from) && districts.contains(to)))
    }
}

/// The coded areas whose counts an attributed area's count is built from: itself, and
/// every area with a part of it in the crosswalk.
#[cfg(feature = "store")]
fn contributors<'l>(target: &'l str, links: &'l [Link]) -> impl Iterator<Item = &'l str> {
    std::iter::once(target).chain(
        links
            .iter()
            .filter(move |l| l.to_code == target && l.weight > 0.0)
            .map(|l| l.from_code.as_str()),
    )
}

/// The counts an area's comparison shows for disclosure control: a share's successes
/// and members, a rate's events (its size is children, not a count).
#[cfg(feature = "store")]
fn counts_shown<'i>(indicator: &'i Indicator, counts: &AreaCounts) -> [(Option<&'i str>, f64); 2] {
    [
        (indicator.numerator_quantity.quantity(), counts.numerator),
        (indicator.denominator_quantity.quantity(), counts.size),
    ]
}

/// What a comparison reads and how: the store, every indicator of the catalog (disclosure
/// control needs every quantity) and those compared, the areas and the method's settings
/// (the audience is the request's).
#[cfg(feature = "store")]
#[derive(Clone, Copy)]
pub struct Comparing<'a> {
    pub store: &'a Store,
    pub all: &'a [Indicator],
    pub picked: &'a [Indicator],
    pub areas: &'a Areas,
    pub settings: &'a Settings,
}

/// Compares the `picked` indicators over `areas` for one request. Every indicator is
/// computed: disclosure control hides quantities, which other indicators' rows carry
/// too. As coded, the areas are the tidy table's rows, suppressed as there; at a level,
/// the attributed areas of every comparable indicator go through disclosure control
/// together, with the province as the tidy table hides it.
#[cfg(feature = "store")]
pub fn compare_request(comparing: &Comparing<'_>, request: &Request) -> Result<RequestComparison> {
    let Comparing {
        store,
        all,
        picked,
        areas,
        settings,
    } = *comparing;
    let audience = request.audience;
    // The public comparison hides what the period's one pattern over every whole
    // hides (issue 32), in the release of the whole compared.
    let (internal, rows, coded_hidden) = if audience.is_public() {
        let pattern = crate::release::Pattern::decide_with(store, all, request)?;
        let whole = &request.whole;
        (
            pattern.internal(whole)?,
            pattern.release(whole, all)?,
            pattern.hidden_in(whole)?,
        )
    } else {
        let internal = indicators::compute(store, all, request)?;
        (internal.clone(), internal, Hidden::default())
    };
    let mut hidden = coded_hidden.clone();
    let province = internal.first().map(|r| r.area_code.clone()).unwrap_or_default();
    let coded_codes = |indicator: &Indicator| -> Vec<String> {
        internal
            .iter()
            .filter(|r| r.indicator_id == indicator.id && r.breakdown.is_empty() && r.area_code != province)
            .map(|r| r.area_code.clone())
            .collect()
    };
    // Attributed counts of every comparable indicator, from the values before
    // suppression (attribution needs every coded area), hidden together.
    let mut attributed: Vec<(&Indicator, Vec<AreaCounts>)> = Vec::new();
    if areas.level.is_some() {
        for indicator in all.iter().filter(|i| comparable(i)) {
            let coded = counts_from_rows(indicator, &internal, &coded_codes(indicator));
            attributed.push((
                indicator,
                attribute(&coded, &areas.links, &areas.universe, indicator.unit),
            ));
        }
        if audience.is_public() {
            hidden = hide_attributed(&attributed, &internal, &province, &coded_hidden, &areas.links)?;
        }
    }
    let mut out = Vec::new();
    for indicator in picked {
        let Some(context) = rows
            .iter()
            .find(|r| r.indicator_id == indicator.id && r.area_code == province && r.breakdown.is_empty())
            .cloned()
        else {
            continue;
        };
        let Some(province_counts) = counts_from_rows(indicator, &rows, std::slice::from_ref(&province)).pop()
        else {
            continue;
        };
        let (shown, left_hidden) = match areas.level {
            None => coded_shown(indicator, &rows, &coded_codes(indicator)),
            Some(_) => attributed_shown(indicator, &attributed, &hidden),
        };
        if let Some(comparison) = compare(indicator, &province_counts, &shown, &areas.universe, settings) {
            out.push(Compared {
                context,
                comparison,
                hidden: left_hidden,
            });
        }
    }
    let province_rows = internal
        .iter()
        .filter(|r| r.area_code == province && r.breakdown.is_empty())
        .cloned()
        .collect();
    Ok(RequestComparison {
        compared: out,
        province_rows,
        hidden,
        coded_hidden,
    })
}

/// As coded: an indicator's areas the release shows, and those it hides.
#[cfg(feature = "store")]
fn coded_shown(indicator: &Indicator, rows: &[TidyRow], codes: &[String]) -> (Vec<AreaCounts>, Vec<String>) {
    let coded = counts_from_rows(indicator, rows, codes);
    let hidden = codes
        .iter()
        .filter(|c| !coded.iter().any(|a| a.area_code == **c))
        .cloned()
        .collect();
    (coded, hidden)
}

/// At a level: an indicator's attributed areas shown, and those `hidden` hides.
#[cfg(feature = "store")]
fn attributed_shown(
    indicator: &Indicator,
    attributed: &[(&Indicator, Vec<AreaCounts>)],
    hidden: &Hidden,
) -> (Vec<AreaCounts>, Vec<String>) {
    let counts = attributed
        .iter()
        .find(|(i, _)| i.id == indicator.id)
        .map(|(_, c)| c.clone())
        .unwrap_or_default();
    let (hide, show): (Vec<AreaCounts>, Vec<AreaCounts>) = counts.into_iter().partition(|c| {
        let cell = CellKey::total(&c.area_code);
        hidden.hides_any(counts_shown(indicator, c).map(|(q, _)| q), &cell)
    });
    (show, hide.into_iter().map(|c| c.area_code).collect())
}

/// What the public may not see of the attributed counts: the attributed areas and the
/// province as one table, a count built from a count the pattern hides hidden outright,
/// then solved with what the pattern hides of the province.
#[cfg(feature = "store")]
fn hide_attributed(
    attributed: &[(&Indicator, Vec<AreaCounts>)],
    internal: &[TidyRow],
    province: &str,
    coded_hidden: &Hidden,
    links: &[Link],
) -> Result<Hidden> {
    let mut table = disclosure::Table::new(province);
    for (indicator, counts) in attributed {
        let whole = counts_from_rows(indicator, internal, &[province.to_string()]);
        for c in whole.iter().chain(counts.iter()) {
            let cell = CellKey::total(&c.area_code);
            for (quantity, n) in counts_shown(indicator, c) {
                let Some(q) = quantity else { continue };
                // An attributed count built from a count the pattern hides
                // would give it back (with the other parts shown); one built
                // from shown counts only tells nothing the release does not.
                let from_hidden = if c.area_code == province {
                    coded_hidden.contains(q, &cell)
                } else {
                    contributors(&c.area_code, links)
                        .any(|code| coded_hidden.contains(q, &CellKey::total(code)))
                };
                if from_hidden {
                    table.force_hidden(q, &cell);
                }
                table.record(q, &cell, n)?;
            }
        }
    }
    let province_cells = |_: &str, cell: &CellKey| cell.area == province;
    Ok(table.solve().union(coded_hidden, province_cells))
}

/// Compares the areas of `areas` for `request` and the `trend_len - 1` periods before it
/// (each as of its end), and builds the heatmap.
#[cfg(feature = "store")]
pub fn run(
    comparing: &Comparing<'_>,
    request: &Request,
    geography: &Geography,
    trend_len: usize,
) -> Result<Run> {
    // The trend's requests, oldest first, ending with `request`: each earlier period at
    // its own end.
    let mut trend_requests = vec![request.clone()];
    while trend_requests.len() < trend_len {
        let earlier = trend_requests[trend_requests.len() - 1].period.previous();
        trend_requests.push(request.at(earlier, earlier.end_moment()));
    }
    trend_requests.reverse();
    if trend_len > 1 {
        let until = trend_requests.iter().map(Request::latest_moment).max();
        comparing
            .store
            .expect_many_periods(request.known, until.unwrap_or(request.latest_moment()));
        let asks: Vec<_> = trend_requests
            .iter()
            .map(|asked| (asked.clone(), comparing.all.to_vec()))
            .collect();
        crate::release::compute_ahead(comparing.store, &asks)?;
    }
    let current = compare_request(comparing, request)?;
    let mut trend = Vec::new();
    for asked in &trend_requests {
        let compared = if asked.period == request.period {
            current.compared.clone()
        } else {
            compare_request(comparing, asked)?.compared
        };
        trend.push(compared);
    }
    let received = heatmap_indicator(comparing.all)?;
    let heatmap_context = current
        .province_rows
        .iter()
        .find(|r| r.indicator_id == received.id)
        .cloned()
        .ok_or_else(|| Error::Internal(format!("{} was not computed", received.id)))?;
    let quantity = received
        .numerator_quantity
        .quantity()
        .ok_or_else(|| Error::Catalog(format!("{} declares no numerator quantity", received.id)))?;
    let heatmap = heatmap_cells(
        comparing.store,
        request,
        comparing.areas,
        geography,
        quantity,
        request
            .audience
            .is_public()
            .then_some((&current.hidden, &current.coded_hidden)),
    )?;
    Ok(Run {
        current,
        trend_periods: trend_requests.iter().map(|r| r.period).collect(),
        trend,
        heatmap_context,
        heatmap,
    })
}

/// Cases received by compared area and form of abuse in the period, with each area's
/// children, through disclosure control for the public audience (`hidden`: what the
/// comparison hid, and what the pattern hides of the coded areas).
#[cfg(feature = "store")]
fn heatmap_cells(
    store: &Store,
    request: &Request,
    areas: &Areas,
    geography: &Geography,
    quantity: &str,
    hidden: Option<(&Hidden, &Hidden)>,
) -> Result<Vec<Vec<HeatCell>>> {
    let (universe, links) = (&areas.universe, &areas.links);
    let session = Session::new(store, request)?;
    let counts: Vec<(String, String, f64)> = session
        .received_by_area_and_type(request)?
        .into_iter()
        .map(|(area, kind, n)| (area, kind, n as f64))
        .collect();
    // Children of every area with a population row (districts and communes alike), then
    // per compared area by the rule of rates (its own, else its communes' share).
    let mut everyone: Vec<String> = universe.to_vec();
    everyone.extend(links.iter().map(|l| l.from_code.clone()));
    everyone.extend(geography.areas.iter().cloned());
    everyone.sort();
    everyone.dedup();
    let population = session.population(geography, &request.period)?;
    let coded: Vec<AreaCounts> = everyone
        .iter()
        .map(|code| AreaCounts {
            area_code: code.clone(),
            numerator: 0.0,
            size: population.get(code).copied().unwrap_or(0) as f64,
        })
        .collect();
    let children: std::collections::HashMap<String, f64> = attribute(&coded, links, universe, Unit::Per100k)
        .into_iter()
        .map(|a| (a.area_code, a.size))
        .collect();
    let margins = match hidden {
        Some((margins, coded_hidden)) if !links.is_empty() => Some(attributed_margins(
            &counts,
            links,
            universe,
            geography,
            &children,
            quantity,
            margins,
            coded_hidden,
        )?),
        Some((margins, _)) => Some(margins.clone()),
        None => None,
    };
    heatmap(
        &counts,
        links,
        &geography.province,
        universe,
        "abuse_type",
        crate::model::ABUSE_TYPES,
        &children,
        quantity,
        margins.as_ref(),
    )
}

/// The heatmap by another level is a second release of the coded cross-tabulation: an
/// attributed cell built from a coded cell the coded heatmap hides would give it back.
/// So the coded heatmap is solved first (as `compare` as coded publishes it), and every
/// attributed cell with a hidden contributor is hidden whatever its size, beside the
/// comparison's `margins`.
#[cfg(feature = "store")]
#[allow(clippy::too_many_arguments)]
fn attributed_margins(
    counts: &[(String, String, f64)],
    links: &[Link],
    universe: &[String],
    geography: &Geography,
    children: &std::collections::HashMap<String, f64>,
    quantity: &str,
    margins: &Hidden,
    coded_hidden: &Hidden,
) -> Result<Hidden> {
    let coded = heatmap(
        counts,
        &[],
        &geography.province,
        &geography.areas,
        "abuse_type",
        crate::model::ABUSE_TYPES,
        children,
        quantity,
        Some(coded_hidden),
    )?;
    let mut forced = margins.clone();
    for target in universe {
        for (j, category) in crate::model::ABUSE_TYPES.iter().enumerate() {
            let from_hidden = contributors(target, links).any(|code| {
                geography
                    .areas
                    .iter()
                    .position(|a| a == code)
                    .is_some_and(|i| coded[i][j].hidden)
            });
            if from_hidden {
                forced.insert(quantity, &CellKey::new(target, "abuse_type", category));
            }
        }
    }
    Ok(forced)
}
