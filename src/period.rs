//! Reporting periods (indicators.md, "Periods and the as-of moment"): months, quarters,
//! halves and years in the `statutory` calendar (the Vietnamese state reporting cut-off,
//! 15th to 14th) or the ordinary `calendar` one. A period is the half-open interval
//! [start 00:00, end + 1 day 00:00).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Calendar {
    Statutory,
    Calendar,
}

impl Calendar {
    pub fn name(self) -> &'static str {
        match self {
            Calendar::Statutory => "statutory",
            Calendar::Calendar => "calendar",
        }
    }
}

impl FromStr for Calendar {
    type Err = String;
    fn from_str(s: &str) -> Result<Calendar, String> {
        match s {
            "statutory" => Ok(Calendar::Statutory),
            "calendar" => Ok(Calendar::Calendar),
            other => Err(format!("unknown calendar {other:?}; statutory or calendar")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Span {
    Month(u32),
    Quarter(u32),
    Half(u32),
    Year,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub year: i32,
    pub span: Span,
    pub calendar: Calendar,
}

impl Period {
    /// `2025-03`, `2025Q1`, `2025H1` or `2025`.
    pub fn parse(text: &str, calendar: Calendar) -> Result<Period, String> {
        let bad = || format!("{text:?} is not a period: use 2025-03, 2025Q1, 2025H1 or 2025");
        let text = text.trim();
        let year: i32 = text.get(..4).and_then(|y| y.parse().ok()).ok_or_else(bad)?;
        if !(1900..=2200).contains(&year) {
            return Err(bad());
        }
        let rest = &text[4..];
        let number = |s: &str, max: u32| s.parse::<u32>().ok().filter(|n| (1..=max).contains(n));
        let span = if rest.is_empty() {
            Span::Year
        } else if let Some(m) = rest.strip_prefix('-') {
            if m.len() != 2 {
                return Err(bad());
            }
            Span::Month(number(m, 12).ok_or_else(bad)?)
        } else if let Some(q) = rest.strip_prefix(['Q', 'q']) {
            Span::Quarter(number(q, 4).ok_or_else(bad)?)
        } else if let Some(h) = rest.strip_prefix(['H', 'h']) {
            Span::Half(number(h, 2).ok_or_else(bad)?)
        } else {
            return Err(bad());
        };
        Ok(Period { year, span, calendar })
    }

    /// First and last month (1-12) of the period in its year.
    fn months(&self) -> (u32, u32) {
        match self.span {
            Span::Month(m) => (m, m),
            Span::Quarter(q) => (3 * q - 2, 3 * q),
            Span::Half(h) => (6 * h - 5, 6 * h),
            Span::Year => (1, 12),
        }
    }

    /// First day inside the period.
    pub fn start(&self) -> NaiveDate {
        let (first, _) = self.months();
        let first_of_month = NaiveDate::from_ymd_opt(self.year, first, 1).expect("valid month");
        match self.calendar {
            Calendar::Calendar => first_of_month,
            // The 15th of the month before.
            Calendar::Statutory => (first_of_month - Months::new(1))
                .with_day(15)
                .expect("the 15th exists"),
        }
    }

    /// Last day inside the period.
    pub fn end(&self) -> NaiveDate {
        let (_, last) = self.months();
        let first_of_last = NaiveDate::from_ymd_opt(self.year, last, 1).expect("valid month");
        match self.calendar {
            Calendar::Calendar => first_of_last + Months::new(1) - chrono::Days::new(1),
            Calendar::Statutory => first_of_last.with_day(14).expect("the 14th exists"),
        }
    }

    pub fn start_moment(&self) -> NaiveDateTime {
        self.start().and_hms_opt(0, 0, 0).expect("midnight")
    }

    /// The first moment after the period: end + 1 day, 00:00 (the default as-of).
    pub fn end_moment(&self) -> NaiveDateTime {
        (self.end() + chrono::Days::new(1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
    }

    /// The year of population denominators: the year in which the period ends.
    pub fn reference_year(&self) -> i32 {
        self.end().year()
    }

    /// The period of the same span just before this one.
    pub fn previous(&self) -> Period {
        let (year, span) = match self.span {
            Span::Month(1) => (self.year - 1, Span::Month(12)),
            Span::Month(m) => (self.year, Span::Month(m - 1)),
            Span::Quarter(1) => (self.year - 1, Span::Quarter(4)),
            Span::Quarter(q) => (self.year, Span::Quarter(q - 1)),
            Span::Half(1) => (self.year - 1, Span::Half(2)),
            Span::Half(h) => (self.year, Span::Half(h - 1)),
            Span::Year => (self.year - 1, Span::Year),
        };
        Period { year, span, ..*self }
    }

    /// The same period a year before.
    pub fn year_before(&self) -> Period {
        Period {
            year: self.year - 1,
            ..*self
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.span {
            Span::Month(m) => write!(f, "{}-{m:02}", self.year),
            Span::Quarter(q) => write!(f, "{}Q{q}", self.year),
            Span::Half(h) => write!(f, "{}H{h}", self.year),
            Span::Year => write!(f, "{}", self.year),
        }
    }
}

/// An as-of moment as users write it: "YYYY-MM-DD HH:MM:SS", or a date (its 00:00).
pub fn parse_as_of(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).expect("midnight"))
        })
        .map_err(|_| format!("{text:?} is not \"YYYY-MM-DD HH:MM:SS\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn bounds(text: &str, calendar: Calendar) -> (NaiveDate, NaiveDate) {
        let p = Period::parse(text, calendar).unwrap();
        (p.start(), p.end())
    }

    #[test]
    fn statutory_periods_run_from_the_15th_to_the_14th() {
        use Calendar::Statutory as S;
        assert_eq!(bounds("2025-03", S), (d(2025, 2, 15), d(2025, 3, 14)));
        assert_eq!(bounds("2025-01", S), (d(2024, 12, 15), d(2025, 1, 14)));
        assert_eq!(bounds("2025Q1", S), (d(2024, 12, 15), d(2025, 3, 14)));
        assert_eq!(bounds("2025Q2", S), (d(2025, 3, 15), d(2025, 6, 14)));
        assert_eq!(bounds("2025Q3", S), (d(2025, 6, 15), d(2025, 9, 14)));
        assert_eq!(bounds("2025Q4", S), (d(2025, 9, 15), d(2025, 12, 14)));
        assert_eq!(bounds("2025H1", S), (d(2024, 12, 15), d(2025, 6, 14)));
        assert_eq!(bounds("2025H2", S), (d(2025, 6, 15), d(2025, 12, 14)));
        assert_eq!(bounds("2025", S), (d(2024, 12, 15), d(2025, 12, 14)));
    }

    #[test]
    fn calendar_periods_are_ordinary() {
        use Calendar::Calendar as C;
        assert_eq!(bounds("2024-02", C), (d(2024, 2, 1), d(2024, 2, 29)));
        assert_eq!(bounds("2025Q4", C), (d(2025, 10, 1), d(2025, 12, 31)));
        assert_eq!(bounds("2025H1", C), (d(2025, 1, 1), d(2025, 6, 30)));
        assert_eq!(bounds("2025", C), (d(2025, 1, 1), d(2025, 12, 31)));
    }

    #[test]
    fn the_period_is_half_open_at_the_day_after_its_end() {
        let p = Period::parse("2025Q1", Calendar::Statutory).unwrap();
        assert_eq!(p.end_moment().to_string(), "2025-03-15 00:00:00");
        assert_eq!(p.start_moment().to_string(), "2024-12-15 00:00:00");
        assert_eq!(p.reference_year(), 2025);
        assert_eq!(
            Period::parse("2025-01", Calendar::Statutory)
                .unwrap()
                .reference_year(),
            2025
        );
    }

    #[test]
    fn previous_and_year_before() {
        let s = Calendar::Statutory;
        let p = |t| Period::parse(t, s).unwrap();
        assert_eq!(p("2025Q1").previous(), p("2024Q4"));
        assert_eq!(p("2025-01").previous(), p("2024-12"));
        assert_eq!(p("2025H2").previous(), p("2025H1"));
        assert_eq!(p("2025").previous(), p("2024"));
        assert_eq!(p("2025Q3").year_before(), p("2024Q3"));
        assert_eq!(p("2025Q3").to_string(), "2025Q3");
        assert_eq!(p("2025-07").to_string(), "2025-07");
    }

    #[test]
    fn malformed_periods_are_refused() {
        for bad in [
            "2025Q5", "2025-13", "2025-1", "25Q1", "2025H3", "2025X", "", "abcd",
        ] {
            assert!(Period::parse(bad, Calendar::Statutory).is_err(), "{bad}");
        }
    }
}
