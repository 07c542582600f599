//! `baove check`: every indicator header, deadline rule and report template, without data.

use std::process::ExitCode;

use baove::{catalog, template};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_: Args) -> baove::Result<ExitCode> {
    let mut problems = Vec::new();
    let indicators = catalog::indicators().unwrap_or_else(|e| {
        problems.push(e);
        Vec::new()
    });
    if let Err(e) = catalog::deadlines() {
        problems.push(e);
    }
    let templates = template::templates().unwrap_or_else(|e| {
        problems.push(e);
        Vec::new()
    });
    for (name, t) in &templates {
        if let Err(e) = template::check(name, t, &indicators) {
            problems.push(e);
        }
    }
    if problems.is_empty() {
        super::print(&format!(
            "ok: {} indicators, {} templates ({}), deadline rules\n",
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
