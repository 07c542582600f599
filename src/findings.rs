//! Problems found in an export, each naming file, place, column, rule and a plain reason.
//! Values are never part of a finding unless they are known to be harmless (see
//! [`crate::ingest::identity::safe_echo`]), so a finding can be printed, stored and sent back to the agency.

use std::collections::BTreeMap;
use std::fmt;

/// How many findings of one rule are printed before the rest are only counted.
pub const SHOWN_PER_RULE: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    /// `row 17`, `Sheet1!F17`, `record 3`; empty for findings about the whole file.
    pub location: String,
    /// 0-based data row, for quarantine; None for file-level findings.
    pub data_row: Option<usize>,
    pub column: String,
    pub rule: &'static str,
    pub reason: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", escaped(&self.file))?;
        if !self.location.is_empty() {
            write!(f, " {}", escaped(&self.location))?;
        }
        if !self.column.is_empty() {
            write!(f, ", column {}", escaped(&self.column))?;
        }
        write!(f, ": {} [{}]", escaped(&self.reason), self.rule)
    }
}

/// Text from a file as it may reach a terminal or another file: every control or
/// invisible character (escape sequences, line breaks, direction overrides, zero-width
/// characters) written as `\u{…}`, so none acts on the reader's screen.
pub fn escaped(text: &str) -> std::borrow::Cow<'_, str> {
    let acts = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{00ad}')
    };
    if !text.chars().any(acts) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if acts(c) {
                    format!("\\u{{{:x}}}", c as u32)
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Findings of one or more files, with a summary of why the data was refused.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    pub list: Vec<Finding>,
    /// What happened because of them, e.g. "the file is refused; nothing was loaded".
    pub verdict: String,
}

impl Findings {
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn counts_by_rule(&self) -> BTreeMap<(&str, &'static str), usize> {
        let mut counts = BTreeMap::new();
        for f in &self.list {
            *counts.entry((f.file.as_str(), f.rule)).or_insert(0) += 1;
        }
        counts
    }
}

impl fmt::Display for Findings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.list.len();
        writeln!(
            f,
            "{} problem{} found; {}",
            n,
            if n == 1 { "" } else { "s" },
            self.verdict
        )?;
        let mut shown: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for finding in &self.list {
            let seen = shown.entry((finding.file.as_str(), finding.rule)).or_insert(0);
            *seen += 1;
            if *seen <= SHOWN_PER_RULE {
                writeln!(f, "  {finding}")?;
            }
        }
        for ((file, rule), count) in self.counts_by_rule() {
            if count > SHOWN_PER_RULE {
                writeln!(
                    f,
                    "  {file}: {} more [{rule}] not shown ({count} in all)",
                    count - SHOWN_PER_RULE
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_caps_each_rule_and_counts_the_rest() {
        let list = (0..25)
            .map(|i| Finding {
                file: "a.csv".into(),
                location: format!("row {}", i + 2),
                data_row: Some(i),
                column: "received_at".into(),
                rule: "datetime",
                reason: "not a date".into(),
            })
            .collect();
        let text = Findings {
            list,
            verdict: "refused".into(),
        }
        .to_string();
        assert!(text.starts_with("25 problems found; refused"));
        assert!(text.contains("row 21,"));
        assert!(!text.contains("row 22,"));
        assert!(text.contains("5 more [datetime] not shown (25 in all)"));
    }
}
