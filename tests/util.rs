//! Running the binary and reading the store in tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every test runs at this moment, so "no time later than loading" is reproducible.
pub const NOW: &str = "2026-11-29 12:00:00";

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

pub fn command(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_baove"));
    c.current_dir(cwd).env("BAOVE_NOW", NOW);
    c
}

/// Runs `baove report --template T --period P --input sample-data/ --out OUT` with the
/// command prepared by `prepare` (an environment), and requires it to succeed.
pub fn report_of_sample(
    cwd: &Path,
    template: &str,
    period: &str,
    out: &str,
    prepare: impl FnOnce(&mut Command),
) {
    let mut command = command(cwd);
    prepare(&mut command);
    let data = sample_data();
    let output = command
        .args([
            "report",
            "--template",
            template,
            "--period",
            period,
            "--input",
            &data,
            "--out",
            out,
        ])
        .output()
        .expect("baove runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn baove(cwd: &Path, args: &[&str]) -> Run {
    command(cwd).args(args).output().expect("baove runs").into()
}

/// Runs the synthetic data generator (`baove-generate`, a binary apart from `baove`).
pub fn generate(cwd: &Path, args: &[&str]) -> Run {
    Command::new(env!("CARGO_BIN_EXE_baove-generate"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("baove-generate runs")
        .into()
}

/// [`generate`], required to succeed.
pub fn generate_ok(cwd: &Path, args: &[&str]) {
    let run = generate(cwd, args);
    assert_eq!(run.code, 0, "baove-generate {args:?}: {}", run.all_output());
}

/// A generated nation of `provinces` in `cwd/nation` (seed 34, 160 cases and 120 content
/// reports each): the reference files at the top, each province's exports in a folder
/// named by its code.
pub fn generated_nation(cwd: &Path, provinces: &str) -> PathBuf {
    let out = cwd.join("nation");
    let run = generate(
        cwd,
        &[
            "--out",
            "nation",
            "--provinces",
            provinces,
            "--cases",
            "160",
            "--content",
            "120",
            "--seed",
            "34",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    out
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample_data() -> String {
    repo().join("sample-data").display().to_string()
}

/// The sample areas: what a store must know before cases, content or population refer
/// to an area (contract v2).
pub fn sample_areas() -> String {
    repo().join("sample-data").join("areas.csv").display().to_string()
}

/// `baove status --checksum` of a store.
pub fn checksum(cwd: &Path, db: &str) -> String {
    let run = baove(cwd, &["status", "--db", db, "--checksum"]);
    assert_eq!(run.code, 0, "status failed: {}", run.stderr);
    run.stdout
        .lines()
        .find_map(|l| l.strip_prefix("checksum: "))
        .expect("a checksum line")
        .to_string()
}

/// One number from the store.
pub fn query_i64(db: &Path, sql: &str) -> i64 {
    let conn = duckdb::Connection::open(db).expect("store opens");
    conn.query_row(sql, [], |r| r.get(0)).expect("query runs")
}

pub fn query_string(db: &Path, sql: &str) -> Option<String> {
    let conn = duckdb::Connection::open(db).expect("store opens");
    conn.query_row(sql, [], |r| r.get(0)).expect("query runs")
}

/// Data rows of a CSV file (lines after the header; the generator writes no quoted newlines).
pub fn csv_rows(path: &Path) -> i64 {
    std::fs::read_to_string(path)
        .expect("readable")
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .count() as i64
}

/// A CSV of this project's outputs (no quoted fields) as rows of column → text.
pub fn read_csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

/// Every file under `dir` (its path below `dir`) with its bytes.
pub fn files_of(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}
