//! Which rows a report describes: one province across its history, or the nation.
//!
//! A province is a PROVINCE row of the areas, with its validity; a merger is written in
//! the crosswalk as the new province (`from_code`) formed from each former one
//! (`to_code`, weight 1). A code can be reused by a merger (Quảng Trị took Quảng Bình's 44
//! on 1 July 2025): the former province of a code is the row of that code that ended
//! before the new one began. A province's rows are those whose source province is it or
//! one of its predecessors, so a period before its merger reports the sum of the former
//! provinces, and a trend runs across the merger without a break.

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::period::Period;
use crate::results::{Top, NATION_CODE};

/// One PROVINCE row of the areas.
#[derive(Debug, Clone, PartialEq)]
pub struct Province {
    pub code: String,
    pub name: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl Province {
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| t >= day)
    }

    fn valid_all_year(&self, year: i32) -> bool {
        let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("a year's first day");
        let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("a year's last day");
        self.valid_on(first) && self.valid_on(last)
    }
}

/// The provinces of the store and how they were formed.
#[derive(Debug, Clone, Default)]
pub struct Provinces {
    pub rows: Vec<Province>,
    /// (new province's code, former province's code) from the crosswalk.
    pub formed_from: Vec<(String, String)>,
}

/// What a report of one period describes.
#[derive(Debug, Clone, PartialEq)]
pub struct Reach {
    /// The tidy table's code of the whole (a province's code, or VN).
    pub code: String,
    pub name: String,
    /// Source provinces whose rows count, each with the area its rows are reported under
    /// (None: as coded; the nation reports each row under its province).
    pub sources: Vec<(String, Option<String>)>,
    /// The parts of the whole valid on the period's last day whose population adds up to
    /// the whole's, and whether each one's own population rows may be used.
    pub parts_on_last_day: Vec<(Province, bool)>,
    /// Codes of the whole and its predecessors: the roots of its areas.
    pub roots: Vec<String>,
    pub nation: bool,
    /// The province reported (None for the nation).
    pub province: Option<Province>,
}

impl Provinces {
    /// The former provinces `p` was formed from (none for a province never merged): those
    /// the crosswalk names, and the earlier row of its own code (a code that goes on
    /// names the same province's history even where the crosswalk says nothing).
    pub fn predecessors(&self, p: &Province) -> Vec<&Province> {
        let Some(start) = p.valid_from else {
            return Vec::new();
        };
        let own_code = std::iter::once(&p.code);
        let named = self
            .formed_from
            .iter()
            .filter(|(new, _)| *new == p.code)
            .map(|(_, former)| former);
        let mut found: Vec<&Province> = Vec::new();
        for former in own_code.chain(named) {
            let row = self
                .rows
                .iter()
                .filter(|r| r.code == *former && r.valid_to.is_some_and(|t| t < start))
                .max_by_key(|r| r.valid_to);
            if let Some(row) = row.filter(|r| !found.contains(r)) {
                found.push(row);
            }
        }
        found
    }

    /// `p` and every province before it, transitively.
    pub fn lineage<'a>(&'a self, p: &'a Province) -> Vec<&'a Province> {
        let mut all = vec![p];
        let mut next = 0;
        while next < all.len() {
            for former in self.predecessors(all[next]) {
                if !all.contains(&former) {
                    all.push(former);
                }
            }
            next += 1;
        }
        all
    }

    /// The provinces no later one was formed from: those a report can be about today.
    pub fn current(&self) -> Vec<&Province> {
        let formers: Vec<&Province> = self.rows.iter().flat_map(|p| self.predecessors(p)).collect();
        self.rows.iter().filter(|p| !formers.contains(p)).collect()
    }

    /// The members of `p`'s lineage valid on `day`: `p` itself, or the former provinces
    /// it was formed from.
    fn parts_on(&self, p: &Province, day: NaiveDate) -> Vec<Province> {
        if p.valid_on(day) {
            return vec![p.clone()];
        }
        self.predecessors(p)
            .into_iter()
            .flat_map(|former| self.parts_on(former, day))
            .collect()
    }

    fn describe(provinces: &[&Province]) -> String {
        provinces
            .iter()
            .map(|p| format!("{} {}", p.code, p.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The store's one current province (a choice between several is refused).
    fn only(&self) -> Result<&Province> {
        match self.current().as_slice() {
            [one] => Ok(one),
            [] => Err(Error::Usage(
                "the store has no PROVINCE area; load the areas file".into(),
            )),
            several => Err(Error::Usage(format!(
                "the store holds several provinces ({}): choose one with --province CODE, or report them all with --nation",
                Self::describe(several)
            ))),
        }
    }

    /// The province of `code` valid on `on`, or without a day the newest of that code:
    /// a reused code names the province of today.
    fn with_code(&self, code: &str, on: Option<chrono::NaiveDate>) -> Result<&Province> {
        let with_code: Vec<&Province> = self.rows.iter().filter(|p| p.code == code).collect();
        let found = match on {
            Some(day) => with_code.iter().copied().find(|p| p.valid_on(day)),
            None => with_code.iter().copied().max_by_key(|p| p.valid_from),
        };
        found.ok_or_else(|| {
            Error::Usage(match on {
                Some(day) => format!("no province {code} valid on {day} in the store's areas"),
                None => format!(
                    "no province {code} in the store's areas (it holds {})",
                    Self::describe(&self.rows.iter().collect::<Vec<_>>())
                ),
            })
        })
    }

    /// What `top` describes in `period`.
    pub fn reach(&self, top: &Top, period: &Period) -> Result<Reach> {
        let last_day = period.end();
        let year = period.reference_year();
        let province = match top {
            Top::Only => self.only()?,
            Top::Province { code, on } => self.with_code(code, *on)?,
            Top::Nation => {
                let mut codes: Vec<String> = self.rows.iter().map(|p| p.code.clone()).collect();
                codes.sort();
                codes.dedup();
                let sources = codes
                    .iter()
                    .map(|code| (code.clone(), Some(self.reported_as(code, last_day))))
                    .collect();
                let parts = self
                    .rows
                    .iter()
                    .filter(|p| p.valid_on(last_day))
                    .map(|p| (p.clone(), p.valid_all_year(year)))
                    .collect();
                return Ok(Reach {
                    code: NATION_CODE.to_string(),
                    name: String::new(),
                    sources,
                    parts_on_last_day: parts,
                    roots: codes,
                    nation: true,
                    province: None,
                });
            }
        };
        if let Some(end) = province.valid_to.filter(|t| *t < last_day) {
            let successor = self
                .rows
                .iter()
                .find(|later| self.predecessors(later).contains(&province))
                .map(|s| format!(" (it became part of {} {})", s.code, s.name))
                .unwrap_or_default();
            return Err(Error::Usage(format!(
                "province {} {} ended on {end}{successor}; the period {period} runs past that: report its \
                 successor, or a period that ends by {end}",
                province.code, province.name
            )));
        }
        let lineage = self.lineage(province);
        let mut roots: Vec<String> = lineage.iter().map(|p| p.code.clone()).collect();
        roots.sort();
        roots.dedup();
        Ok(Reach {
            code: province.code.clone(),
            name: province.name.clone(),
            sources: roots.iter().map(|c| (c.clone(), None)).collect(),
            parts_on_last_day: self
                .parts_on(province, last_day)
                .into_iter()
                .map(|p| {
                    let whole_year = p.valid_all_year(year);
                    (p, whole_year)
                })
                .collect(),
            roots,
            nation: false,
            province: Some(province.clone()),
        })
    }

    /// The province valid on `day` that rows of source province `code` count under: the
    /// province of that code then, else the one its province became part of.
    fn reported_as(&self, code: &str, day: NaiveDate) -> String {
        if self.rows.iter().any(|p| p.code == code && p.valid_on(day)) {
            return code.to_string();
        }
        self.rows
            .iter()
            .filter(|p| p.valid_on(day))
            .find(|p| self.lineage(p).iter().any(|member| member.code == code))
            .map(|p| p.code.clone())
            .unwrap_or_else(|| code.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Calendar;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn province(code: &str, name: &str, from: Option<&str>, to: Option<&str>) -> Province {
        Province {
            code: code.into(),
            name: name.into(),
            valid_from: from.map(day),
            valid_to: to.map(day),
        }
    }

    /// Quảng Bình (44) and the former Quảng Trị (45) became Quảng Trị, code 44, on
    /// 1 July 2025; Huế (46) was never merged.
    fn merged() -> Provinces {
        Provinces {
            rows: vec![
                province("44", "Quảng Bình", None, Some("2025-06-30")),
                province("45", "Quảng Trị (cũ)", None, Some("2025-06-30")),
                province("44", "Quảng Trị", Some("2025-07-01"), None),
                province("46", "Huế", None, None),
            ],
            formed_from: vec![("44".into(), "44".into()), ("44".into(), "45".into())],
        }
    }

    fn period(text: &str) -> Period {
        Period::parse(text, Calendar::Statutory).unwrap()
    }

    #[test]
    fn a_reused_code_names_todays_province_and_its_history_is_both_former_ones() {
        let p = merged();
        let top = Top::Province {
            code: "44".into(),
            on: None,
        };
        let before = p.reach(&top, &period("2024Q1")).unwrap();
        assert_eq!(before.name, "Quảng Trị");
        assert_eq!(before.roots, vec!["44".to_string(), "45".to_string()]);
        let parts: Vec<&str> = before
            .parts_on_last_day
            .iter()
            .map(|(p, _)| p.name.as_str())
            .collect();
        assert_eq!(parts, vec!["Quảng Bình", "Quảng Trị (cũ)"]);
        let after = p.reach(&top, &period("2026Q2")).unwrap();
        assert_eq!(after.roots, before.roots);
        let parts: Vec<&str> = after
            .parts_on_last_day
            .iter()
            .map(|(p, _)| p.name.as_str())
            .collect();
        assert_eq!(parts, vec!["Quảng Trị"]);
    }

    #[test]
    fn a_former_province_is_reported_alone_within_its_lifetime_and_refused_past_it() {
        let p = merged();
        let former = Top::Province {
            code: "44".into(),
            on: Some(day("2024-01-01")),
        };
        let reach = p.reach(&former, &period("2024Q1")).unwrap();
        assert_eq!(
            (reach.name.as_str(), reach.roots.clone()),
            ("Quảng Bình", vec!["44".to_string()])
        );
        let error = p.reach(&former, &period("2025")).unwrap_err().to_string();
        assert!(
            error.contains("ended on 2025-06-30") && error.contains("44 Quảng Trị"),
            "{error}"
        );
    }

    #[test]
    fn the_nation_reports_each_source_under_its_province_of_the_period() {
        let p = merged();
        let early = p.reach(&Top::Nation, &period("2024Q1")).unwrap();
        let late = p.reach(&Top::Nation, &period("2026Q2")).unwrap();
        let as_of = |r: &Reach, code: &str| r.sources.iter().find(|(c, _)| c == code).unwrap().1.clone();
        assert_eq!(as_of(&early, "45"), Some("45".into()));
        assert_eq!(as_of(&late, "45"), Some("44".into()));
        assert_eq!(early.parts_on_last_day.len(), 3);
        assert_eq!(late.parts_on_last_day.len(), 2);
    }

    #[test]
    fn a_code_that_goes_on_is_its_provinces_history_without_a_crosswalk() {
        let p = Provinces {
            rows: vec![
                province("44", "Quảng Bình", None, Some("2025-06-30")),
                province("44", "Quảng Trị", Some("2025-07-01"), None),
            ],
            formed_from: Vec::new(),
        };
        let reach = p.reach(&Top::Only, &period("2024Q1")).unwrap();
        assert_eq!(
            (reach.name.as_str(), reach.roots.clone()),
            ("Quảng Trị", vec!["44".to_string()])
        );
        assert_eq!(reach.parts_on_last_day.len(), 1);
    }

    #[test]
    fn several_current_provinces_need_a_choice() {
        let error = merged()
            .reach(&Top::Only, &period("2026Q2"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--province") && error.contains("46 Huế"),
            "{error}"
        );
    }
}
