//! The date and date-time parsing of a cases export: every line of the input becomes the
//! received_at of a row (and, shifted, the assessed_at of the next), in an otherwise
//! valid file, so the fuzzer works on the date forms, the form sampling and the row rules
//! between dates.
#![no_main]

use std::fmt::Write as _;

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const HEADER: &str = "case_id,area_code,received_at,receiving_agency,channel,abuse_type,victim_sex,victim_age,platform,emergency,assessed_at,assessment_result,emergency_action_at,police_received_at,support_plan_at,support_types,support_started_at,criminal_decision_at,criminal_decision,complex_case,outcome,closed_at";

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<&str> = text.lines().take(64).collect();
    if lines.is_empty() {
        return;
    }
    let mut csv = format!("{HEADER}\n");
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).copied().unwrap_or("");
        writeln!(
            csv,
            "QB-F-{i},450,{},CA,HOTLINE,GROOMING,F,12,FACEBOOK,false,{},CONFIRMED,,,,,,,,false,,",
            quoted(line),
            quoted(next)
        )
        .expect("writing to a string");
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("cases_fuzz.csv");
    std::fs::write(&path, csv).expect("writing the input");
    common::examine_file(&path, baove::model::Kind::Cases);
});
