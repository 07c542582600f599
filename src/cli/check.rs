//! `baove check`: every indicator header, deadline rule, report template (with the
//! drafted report's sentences and office registry) and indicator test file, without data; with `--tests`, every indicator's given-rows test and the
//! invariants of `queries/tests/` run too.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  baove check\n  baove check --tests")]
pub struct Args {
    /// Also run each indicator's test (queries/indicators/<id>.test.toml) and the
    /// invariants (queries/tests/*.sql) over its results.
    #[arg(long)]
    tests: bool,
}

pub fn run(args: Args) -> baove::Result<ExitCode> {
    let check = baove::indicators::check::catalog(args.tests)?;
    if !check.problems.is_empty() {
        for p in &check.problems {
            eprintln!("error: {p}");
        }
        return Ok(ExitCode::from(1));
    }
    let ran = match check.tests_ran {
        Some((tests, rows, invariants)) => {
            format!("; {tests} indicator tests ({rows} expected rows) and {invariants} invariants passed")
        }
        None => String::new(),
    };
    super::print(&format!(
        "ok: {} indicators, {} templates ({}), drafted report and office registry, deadline rules, agency registry, parts registry, targets{ran}\n",
        check.indicators,
        check.templates.len(),
        check.templates.join(", ")
    ))?;
    Ok(ExitCode::SUCCESS)
}
