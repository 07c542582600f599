//! Problems found in an export, each naming file, place, column, rule and a plain reason.
//! Values are never part of a finding unless they are known to be harmless (see
//! [`crate::ingest::identity::safe_echo`]), so a finding can be printed, stored and sent back to the agency.

use std::collections::BTreeMap;
use std::fmt;

/// How many findings of one rule are printed before the rest are only counted.
pub const SHOWN_PER_RULE: usize = 20;

/// How many findings of one rule in one column a file keeps whole (for `validate
/// --findings`); beyond them they are counted, and the rows they break are kept as bits
/// ([`RowSet`]). Without this cap memory grew with the number of bad cells: 13 MB of bad
/// rows took 4.5 GB as findings.
pub const KEPT_PER_RULE: usize = 200;

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
    /// Findings counted beyond [`KEPT_PER_RULE`], by file and rule.
    pub unlisted: Unlisted,
}

/// Findings counted but not kept, by (file, rule).
pub type Unlisted = BTreeMap<(String, &'static str), usize>;

impl Findings {
    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.unlisted.is_empty()
    }

    /// Every finding, kept or counted.
    pub fn total(&self) -> usize {
        self.list.len() + self.unlisted.values().sum::<usize>()
    }

    pub fn counts_by_rule(&self) -> BTreeMap<(&str, &'static str), usize> {
        let mut counts = BTreeMap::new();
        for f in &self.list {
            *counts.entry((f.file.as_str(), f.rule)).or_insert(0) += 1;
        }
        for ((file, rule), n) in &self.unlisted {
            *counts.entry((file.as_str(), *rule)).or_insert(0) += n;
        }
        counts
    }
}

/// Keeps the first [`KEPT_PER_RULE`] findings of each (column, rule) and counts the rest.
#[derive(Debug, Default)]
pub struct Keeper {
    kept: BTreeMap<(String, &'static str), usize>,
    pub unlisted: Unlisted,
}

impl Keeper {
    /// Whether a finding of `rule` in `column` of `file` is to be kept whole; if not, it
    /// is counted.
    pub fn keeps(&mut self, file: &str, column: &str, rule: &'static str) -> bool {
        let seen = self.kept.entry((column.to_string(), rule)).or_insert(0);
        if *seen < KEPT_PER_RULE {
            *seen += 1;
            return true;
        }
        *self.unlisted.entry((file.to_string(), rule)).or_insert(0) += 1;
        false
    }

    /// Keeps from `findings` what the cap allows, counting the rest.
    pub fn keep_from(&mut self, findings: Vec<Finding>, into: &mut Vec<Finding>) {
        for f in findings {
            if self.keeps(&f.file, &f.column, f.rule) {
                into.push(f);
            }
        }
    }

    /// Adds counts made elsewhere.
    pub fn count(&mut self, unlisted: &Unlisted) {
        for (key, n) in unlisted {
            *self.unlisted.entry(key.clone()).or_insert(0) += n;
        }
    }
}

/// A set of data rows as bits, from its first row on: what a file's broken rows cost
/// whatever the number of findings (a bit a row, beside the rows themselves).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowSet {
    first: usize,
    bits: Vec<u64>,
    len: usize,
}

impl RowSet {
    pub fn insert(&mut self, row: usize) {
        if self.bits.is_empty() {
            self.first = row - row % 64;
        }
        if row < self.first {
            // Rows come in order nearly always; an earlier one shifts the words once.
            let shift = (self.first - (row - row % 64)) / 64;
            let mut bits = vec![0u64; shift];
            bits.append(&mut self.bits);
            self.bits = bits;
            self.first = row - row % 64;
        }
        let index = row - self.first;
        let word = index / 64;
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        let bit = 1u64 << (index % 64);
        if self.bits[word] & bit == 0 {
            self.bits[word] |= bit;
            self.len += 1;
        }
    }

    pub fn contains(&self, row: usize) -> bool {
        if row < self.first {
            return false;
        }
        let index = row - self.first;
        self.bits
            .get(index / 64)
            .is_some_and(|w| w & (1u64 << (index % 64)) != 0)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The rows in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.bits.iter().enumerate().flat_map(move |(w, &word)| {
            (0..64)
                .filter(move |b| word & (1u64 << b) != 0)
                .map(move |b| self.first + w * 64 + b)
        })
    }
}

impl fmt::Display for Findings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.total();
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
            let printed = shown.get(&(file, rule)).copied().unwrap_or(0).min(SHOWN_PER_RULE);
            if count > printed {
                writeln!(
                    f,
                    "  {file}: {} more [{rule}] not shown ({count} in all)",
                    count - printed
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
            ..Default::default()
        }
        .to_string();
        assert!(text.starts_with("25 problems found; refused"));
        assert!(text.contains("row 21,"));
        assert!(!text.contains("row 22,"));
        assert!(text.contains("5 more [datetime] not shown (25 in all)"));
    }

    #[test]
    fn a_keeper_keeps_the_cap_of_each_column_and_rule_and_counts_the_rest() {
        let mut keeper = Keeper::default();
        let kept = (0..KEPT_PER_RULE + 7)
            .filter(|_| keeper.keeps("a.csv", "received_at", "datetime"))
            .count();
        assert_eq!(kept, KEPT_PER_RULE);
        assert!(keeper.keeps("a.csv", "closed_at", "datetime"));
        assert_eq!(keeper.unlisted.get(&("a.csv".to_string(), "datetime")), Some(&7));
        let findings = Findings {
            list: Vec::new(),
            verdict: "refused".into(),
            unlisted: keeper.unlisted,
        };
        assert_eq!(findings.total(), 7);
        assert!(findings
            .to_string()
            .contains("7 more [datetime] not shown (7 in all)"));
    }

    #[test]
    fn a_row_set_holds_rows_in_any_order_once() {
        let mut set = RowSet::default();
        for row in [300, 5, 300, 64, 1_000_000, 63] {
            set.insert(row);
        }
        assert_eq!(set.len(), 5);
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![5, 63, 64, 300, 1_000_000]);
        assert!(set.contains(64) && !set.contains(65) && !set.contains(4));
    }
}
