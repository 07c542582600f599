//! The broken and hostile corpus (tests/corpus/broken): each file is refused with exit 1,
//! a message naming file, row and column, the store unchanged, and no identifying value
//! in any output.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::util::{baove, checksum, repo, sample_data};

#[derive(Deserialize)]
struct Expected {
    must_say: Vec<String>,
    secret: Option<String>,
}

#[test]
fn every_broken_file_is_refused_with_its_reason_and_the_store_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let base = baove(dir.path(), &["load", &sample_data()]);
    assert_eq!(base.code, 0, "{}", base.stderr);
    let before = checksum(dir.path(), "baove.duckdb");

    let corpus = repo().join("tests/corpus");
    let expected: BTreeMap<String, Expected> =
        toml::from_str(&std::fs::read_to_string(corpus.join("expected.toml")).unwrap()).unwrap();
    let on_disk = std::fs::read_dir(corpus.join("broken")).unwrap().count();
    assert_eq!(on_disk, expected.len(), "every broken file has its expectation");
    assert!(expected.len() >= 40);

    let mut failures = Vec::new();
    for (file, want) in &expected {
        let path = corpus.join("broken").join(file).display().to_string();
        let run = baove(dir.path(), &["load", &path]);
        let output = run.all_output();
        if run.code != 1 {
            failures.push(format!("{file}: exit {} (want 1)\n{output}", run.code));
            continue;
        }
        if !run.stderr.contains(file.as_str()) {
            failures.push(format!("{file}: the message does not name the file\n{output}"));
        }
        for needle in &want.must_say {
            if !run.stderr.contains(needle.as_str()) {
                failures.push(format!("{file}: missing {needle:?}\n{output}"));
            }
        }
        if let Some(secret) = &want.secret {
            if output.contains(secret.as_str()) {
                failures.push(format!("{file}: the identifying value appears in the output"));
            }
        }
        let validate = baove(dir.path(), &["validate", "--db", "baove.duckdb", &path]);
        if validate.code != 1 {
            failures.push(format!("{file}: validate exit {} (want 1)", validate.code));
        }
        if let Some(secret) = &want.secret {
            if validate.all_output().contains(secret.as_str()) {
                failures.push(format!("{file}: validate shows the identifying value"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(
        checksum(dir.path(), "baove.duckdb"),
        before,
        "a refused load changed the store"
    );
}

#[test]
fn identifying_files_are_refused_even_with_quarantine() {
    let dir = tempfile::tempdir().unwrap();
    let path = repo()
        .join("tests/corpus/broken/cases_phone_in_note.csv")
        .display()
        .to_string();
    let run = baove(dir.path(), &["load", "--quarantine", &path]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert!(!run.all_output().contains("0912"));
    assert!(
        !dir.path().join("baove.duckdb").exists(),
        "nothing of the file reached a store"
    );
}
