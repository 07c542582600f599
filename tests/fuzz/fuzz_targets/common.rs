//! What every ingest target checks: reading arbitrary bytes never panics, and no
//! finding carries a value that looks like a person's identity.
// Each target compiles this module and uses part of it.
#![allow(dead_code)]

use std::path::Path;

use baove::ingest::identity::classify;
use baove::ingest::profile::Profile;
use baove::ingest::validate::Context;
use baove::ingest::{examine, Planned};
use baove::model::Kind;

pub fn examine_file(path: &Path, kind: Kind) {
    let ctx = Context {
        now: chrono::NaiveDate::from_ymd_opt(2026, 11, 29)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("a valid moment"),
        known_areas: Some(vec!["44".into(), "450".into(), "452".into(), "19813".into()]),
        ids_checked_across_parts: false,
    };
    let planned = Planned {
        path: path.to_path_buf(),
        kind,
    };
    // I/O and usage errors are answers too; only a panic or a leak is a failure.
    let Ok(examined) = examine(&planned, &Profile::default(), &ctx) else {
        return;
    };
    for finding in examined.findings() {
        for text in [&finding.column, &finding.reason, &finding.location] {
            assert!(
                classify(text).is_none(),
                "a finding carries an identity-shaped value (rule {})",
                finding.rule
            );
        }
    }
}

/// The first byte picks the kind (the order of `Kind::ALL`); the rest is the file.
pub fn examine_bytes(data: &[u8], extension: &str) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let kind = Kind::ALL[selector as usize % Kind::ALL.len()];
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(format!("{}_fuzz.{extension}", kind.name()));
    std::fs::write(&path, bytes).expect("writing the input");
    examine_file(&path, kind);
}
