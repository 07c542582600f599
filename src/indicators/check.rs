//! `baove check`'s work: every indicator header, deadline rule, registry, report template
//! (with the drafted report's sentences and office registry) and indicator test file read
//! and checked against each other, without data; on request, every indicator's given-rows
//! test and the invariants run too.

use crate::catalog;
use crate::error::Result;
use crate::template;

/// What the check found.
pub struct CatalogCheck {
    /// Every problem, each once, in the order found.
    pub problems: Vec<String>,
    pub indicators: usize,
    /// The templates' names.
    pub templates: Vec<String>,
    /// With the tests run (and nothing else wrong): (tests, expected rows compared,
    /// invariants).
    pub tests_ran: Option<(usize, usize, usize)>,
}

/// Checks the catalog; with `run_tests`, runs the indicators' tests where nothing else
/// is wrong.
pub fn catalog(run_tests: bool) -> Result<CatalogCheck> {
    let mut problems = Vec::new();
    let indicators = catalog::indicators().unwrap_or_else(|e| {
        problems.push(e);
        Vec::new()
    });
    if !indicators.is_empty() {
        // Every indicator, the embedded ones too: this is the check that holds them.
        if let Err(e) = super::tried_in_sandbox(&indicators) {
            problems.push(e.to_string());
        }
    }
    registries(&indicators, &mut problems);
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
    let mut tests_ran = None;
    if run_tests && problems.is_empty() {
        let mut rows = 0;
        for test in &tests {
            let outcome = super::given::run_test(test, &indicators)?;
            rows += outcome.rows_compared;
            problems.extend(
                outcome
                    .failures
                    .iter()
                    .map(|f| format!("{}.test.toml: {f}", outcome.indicator)),
            );
        }
        tests_ran = Some((tests.len(), rows, catalog::invariants().len()));
    }
    Ok(CatalogCheck {
        problems,
        indicators: indicators.len(),
        templates: templates.into_iter().map(|(name, _)| name).collect(),
        tests_ran,
    })
}

/// The registries read, and the targets' indicators found in the catalog.
fn registries(indicators: &[catalog::Indicator], problems: &mut Vec<String>) {
    let read = [
        catalog::deadlines().err(),
        catalog::agencies().err(),
        catalog::parts().err(),
        catalog::privacy_fields(None).err(),
    ];
    problems.extend(read.into_iter().flatten());
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
}
