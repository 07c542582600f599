//! Mapping profiles: an agency's own headers and values renamed and recoded to the
//! contract, e.g. "Mã vụ việc" → case_id, "Nữ" → F, "Công an tỉnh" → CA, "Có" → true.
//!
//! ```toml
//! kind = "cases"                 # optional: the kind of file this profile is for
//! date_formats = ["%d-%m-%Y"]    # optional: forms accepted besides the contract's
//! [columns]
//! "Mã vụ việc" = "case_id"
//! [values.victim_sex]
//! "Nữ" = "F"
//! ```
//! Header and value matching ignores case, surrounding spaces and Unicode composition
//! (NFC vs NFD), since exports from different office software differ in all three.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::model::Kind;

/// Profiles are small; anything bigger is not one.
const MAX_PROFILE_BYTES: u64 = 1 << 20;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The province the agency's exports come from (its area code), when one office
    /// loads several provinces' exports; `--province` overrides it.
    #[serde(default)]
    pub province: Option<String>,
    /// Whose part of each case the agency's cases exports are (data-contract.md v3, "A
    /// case in parts"): an agency code, or `OFFICE` for the office's consolidated
    /// records; `--agency` overrides it. A file whose rows name another agency in
    /// `source_agency` is refused.
    #[serde(default)]
    pub agency: Option<String>,
    #[serde(default)]
    pub date_formats: Vec<String>,
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// Comparison key for headers and values: NFC, trimmed, lower case.
pub fn match_key(text: &str) -> String {
    text.trim().nfc().collect::<String>().to_lowercase()
}

impl Profile {
    pub fn load(path: &Path) -> Result<Profile> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
        if meta.len() > MAX_PROFILE_BYTES {
            return Err(Error::Usage(format!(
                "{}: too large for a profile",
                path.display()
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
        Profile::parse(&text).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
    }

    pub fn parse(text: &str) -> std::result::Result<Profile, String> {
        let profile: Profile = toml::from_str(text).map_err(|e| format!("not a valid profile: {e}"))?;
        let kind = match &profile.kind {
            Some(k) => Some(Kind::parse(k).ok_or_else(|| format!("unknown kind {k:?}"))?),
            None => None,
        };
        let known = |name: &str| match kind {
            Some(k) => k.column(name).is_some(),
            None => Kind::ALL.iter().any(|k| k.column(name).is_some()),
        };
        for (header, target) in &profile.columns {
            if !known(target) {
                return Err(format!(
                    "[columns] maps {header:?} to {target:?}, which is not a contract column"
                ));
            }
        }
        for column in profile.values.keys() {
            if !known(column) {
                return Err(format!("[values.{column}] names no contract column"));
            }
        }
        if let Some(agency) = &profile.agency {
            if !crate::model::SOURCE_AGENCIES.contains(&agency.trim()) {
                return Err(format!(
                    "agency {agency:?} is not one of {}",
                    crate::model::SOURCE_AGENCIES.join(", ")
                ));
            }
        }
        for format in &profile.date_formats {
            if chrono::format::StrftimeItems::new(format).any(|i| matches!(i, chrono::format::Item::Error)) {
                return Err(format!("date format {format:?} is not a valid strftime pattern"));
            }
        }
        Ok(profile)
    }

    pub fn kind(&self) -> Option<Kind> {
        self.kind.as_deref().and_then(Kind::parse)
    }

    /// The contract column an agency header maps to: through the profile, or the header
    /// itself when it already is a contract name.
    pub fn resolve_header(&self, kind: Kind, header: &str) -> Option<&'static str> {
        let key = match_key(header);
        let target = self
            .columns
            .iter()
            .find(|(from, _)| match_key(from) == key)
            .map(|(_, to)| to.as_str())
            .unwrap_or(key.as_str());
        kind.column(target).map(|spec| spec.name)
    }

    /// Value recodings for a contract column, keyed by [`match_key`].
    pub fn recodings(&self, column: &str) -> Vec<(String, String)> {
        self.values
            .get(column)
            .map(|m| m.iter().map(|(from, to)| (match_key(from), to.clone())).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_across_case_and_composition() {
        let p = Profile::parse(
            "[columns]\n\"Ngày tiếp nhận\" = \"received_at\"\n[values.victim_sex]\n\"Nữ\" = \"F\"\n",
        )
        .unwrap();
        let decomposed: String = "NGÀY TIẾP NHẬN ".nfd().collect();
        assert_eq!(p.resolve_header(Kind::Cases, &decomposed), Some("received_at"));
        assert_eq!(p.resolve_header(Kind::Cases, "Case_ID"), Some("case_id"));
        assert_eq!(p.resolve_header(Kind::Cases, "ghi chú"), None);
        assert_eq!(
            p.recodings("victim_sex"),
            vec![("nữ".to_string(), "F".to_string())]
        );
    }

    #[test]
    fn mistakes_in_a_profile_are_named() {
        assert!(Profile::parse("[columns]\n\"x\" = \"nope\"\n")
            .unwrap_err()
            .contains("nope"));
        assert!(Profile::parse("kind = \"people\"\n")
            .unwrap_err()
            .contains("people"));
        assert!(Profile::parse("colums = {}\n").is_err());
        assert!(Profile::parse("agency = \"FBI\"\n").unwrap_err().contains("FBI"));
        assert_eq!(
            Profile::parse("agency = \"CA\"\n").unwrap().agency.as_deref(),
            Some("CA")
        );
    }
}
