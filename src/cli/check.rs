//! `baove check`: every indicator header, deadline rule, report template (with the
//! drafted report's sentences and office registry) and indicator test file, without data; with `--tests`, every indicator's given-rows test and the
//! invariants of `queries/tests/` run too.

use std::process::ExitCode;

use baove::indicators::given;
use baove::{catalog, template};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  baove check\n  baove check --tests")]
pub struct Args {
    /// Also run each indicator's test (queries/indicators/<id>.test.toml) and the
    /// invariants (queries/tests/*.sql) over its results.
    #[arg(long)]
    tests: bool,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let mut problems = Vec::new();
    let indicators = catalog::indicators().unwrap_or_else(|e| {
        problems.push(e);
        Vec::new()
    });
    if !indicators.is_empty() {
        if let Err(e) = baove::indicators::reads_only_the_store(&indicators) {
            problems.push(e.to_string());
        }
    }
    if let Err(e) = catalog::deadlines() {
        problems.push(e);
    }
    if let Err(e) = catalog::agencies() {
        problems.push(e);
    }
    if let Err(e) = catalog::parts() {
        problems.push(e);
    }
    if let Err(e) = catalog::privacy_fields(None) {
        problems.push(e);
    }
    match catalog::targets() {
        Ok(targets) => {
            for set in &targets.sets {
                for t in &set.targets {
                    if !indicators.iter().any(|i| i.id == t.indicator) {
                        problems.push(format!(
                            "queries/targets.toml: {}'s target names no indicator {}",
                            set.id, t.indicator
                        ));
                    }
                }
            }
        }
        Err(e) => problems.push(e),
    }
    let templates = template::templates().unwrap_or_else(|e| {
        problems.push(e);
        Vec::new()
    });
    for (name, t) in &templates {
        // The spans of one file share its document: its problem is said once.
        if let Err(e) = template::check(name, t, &indicators) {
            if !problems.contains(&e) {
                problems.push(e);
            }
        }
    }
    let tests = catalog::indicator_tests().unwrap_or_else(|e| {
        problems.push(e);
        Vec::new()
    });
    for indicator in &indicators {
        if !tests.iter().any(|t| t.indicator == indicator.id) {
            problems.push(format!(
                "indicator {} has no test (queries/indicators/{}.test.toml)",
                indicator.id, indicator.id
            ));
        }
    }
    for test in &tests {
        if !indicators.iter().any(|i| i.id == test.indicator) {
            problems.push(format!(
                "queries/indicators/{}.test.toml tests no indicator of the catalog",
                test.indicator
            ));
        }
    }
    let mut ran = String::new();
    if args.tests && problems.is_empty() {
        let mut rows = 0;
        for test in &tests {
            let outcome = given::run_test(test, &indicators)?;
            rows += outcome.rows_compared;
            problems.extend(
                outcome
                    .failures
                    .iter()
                    .map(|f| format!("{}.test.toml: {f}", outcome.indicator)),
            );
        }
        ran = format!(
            "; {} indicator tests ({rows} expected rows) and {} invariants passed",
            tests.len(),
            catalog::invariants().len()
        );
    }
    if problems.is_empty() {
        super::print(&format!(
            "ok: {} indicators, {} templates ({}), drafted report and office registry, deadline rules, agency registry, parts registry, targets{ran}\n",
            indicators.len(),
            templates.len(),
            templates
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            eprintln!("error: {p}");
        }
        Ok(ExitCode::from(1))
    }
}
