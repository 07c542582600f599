//! The store's part of the record of processing (Law 91/2025 on personal data
//! protection): the refusals and outputs logged beside the load log, and what the
//! store holds. Every line is a count, a name or a checksum; no value of a refused file
//! or of an output ever enters these tables.
//!
//! A refused load writes its refusal in a transaction of its own after the load's
//! transaction was rolled back: the data and the load log stay exactly as they were
//! (and [`Store::checksum`] with them). A store that did not exist before the refused
//! load is not created for it, so such a refusal is only printed.

use std::path::Path;
use std::time::{Duration, Instant};

use duckdb::params;

use super::{date_column, Store};
use crate::error::{Error, Result};
use crate::findings::Findings;
use crate::model::{Kind, ENGINE_VERSION};
use crate::results::{Holding, LoggedOutput, LoggedRefusal, ProcessingRecord};

/// Made with every new store, and when a line is first logged in an older one.
pub(super) const RECORD_DDL: &str = "
CREATE TABLE IF NOT EXISTS refusal_log (
    refusal_id BIGINT NOT NULL,
    refused_at TIMESTAMP NOT NULL,
    file_name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    rule VARCHAR,
    findings BIGINT NOT NULL,
    engine_version VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS output_log (
    written_at TIMESTAMP NOT NULL,
    command VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    audience VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    as_of VARCHAR NOT NULL,
    lang VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    bytes BIGINT NOT NULL,
    engine_version VARCHAR NOT NULL,
    known_load BIGINT
);
";

/// A file of a refused load, as the refusal log names it.
#[derive(Debug, Clone)]
pub struct RefusedFile {
    pub file: String,
    pub kind: Kind,
    pub sha256: String,
    pub rows_read: usize,
}

/// An output to log: the file written and what it describes.
#[derive(Debug, Clone)]
pub struct OutputToLog {
    pub command: String,
    pub path: std::path::PathBuf,
    pub audience: String,
    pub period: String,
    pub as_of: String,
    pub lang: String,
    /// The last load the output was computed from (None: not from the store's data).
    pub known_load: Option<i64>,
}

const TIME: &str = "%Y-%m-%d %H:%M:%S";

impl Store {
    /// Logs a refused load: for each file, the number of findings of each rule (never a
    /// finding's text, which may name a column of an identifying file).
    pub fn log_refusal(
        &self,
        files: &[RefusedFile],
        findings: &Findings,
        refused_at: chrono::NaiveDateTime,
    ) -> Result<()> {
        let counts = findings.counts_by_rule();
        let run = || -> duckdb::Result<()> {
            let tx = self.conn.unchecked_transaction()?;
            tx.execute_batch(RECORD_DDL)?;
            let refusal_id: i64 = tx.query_row(
                "SELECT coalesce(max(refusal_id), 0) + 1 FROM refusal_log",
                [],
                |r| r.get(0),
            )?;
            let mut insert =
                tx.prepare("INSERT INTO refusal_log VALUES (?, CAST(? AS TIMESTAMP), ?, ?, ?, ?, ?, ?, ?)")?;
            let at = refused_at.format(TIME).to_string();
            for file in files {
                let rules: Vec<(&str, usize)> = counts
                    .iter()
                    .filter(|((name, _), _)| *name == file.file)
                    .map(|((_, rule), n)| (*rule, *n))
                    .collect();
                let lines: Vec<(Option<&str>, usize)> = if rules.is_empty() {
                    vec![(None, 0)]
                } else {
                    rules.into_iter().map(|(r, n)| (Some(r), n)).collect()
                };
                for (rule, n) in lines {
                    insert.execute(params![
                        refusal_id,
                        at,
                        file.file,
                        file.kind.name(),
                        file.sha256,
                        file.rows_read as i64,
                        rule,
                        n as i64,
                        ENGINE_VERSION
                    ])?;
                }
            }
            drop(insert);
            tx.commit()
        };
        run().map_err(|e| self.error(format!("the refusal could not be logged ({e})")))
    }

    /// What the store holds and every load, refusal and output it logged.
    pub fn processing_record(&self) -> Result<ProcessingRecord> {
        let status = self.status()?;
        let mut holdings = Vec::new();
        for k in &status.kinds {
            let oldest_load: Option<String> = if k.rows == 0 {
                None
            } else {
                self.conn
                    .query_row(
                        &format!(
                            "SELECT CAST(min(l.loaded_at) AS VARCHAR) FROM (SELECT DISTINCT load_id FROM {}) t \
                             JOIN load_log l USING (load_id)",
                            // Every row held, a replaced one (kept in the history) and
                            // each agency's part of a case included.
                            super::rows_table(k.kind)
                        ),
                        [],
                        |r| r.get(0),
                    )
                    .map_err(|e| self.error(e))?
            };
            holdings.push(Holding {
                kind: k.kind.name(),
                columns: k.kind.columns().iter().map(|c| c.name).collect(),
                rows: k.rows,
                first: date_column(k.kind).and(k.first.clone()),
                last: date_column(k.kind).and(k.last.clone()),
                oldest_load,
            });
        }
        let refusals = if self.schema_has("refusal_log", None)? {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT refusal_id, strftime(refused_at, '%Y-%m-%d %H:%M:%S'), file_name, kind, sha256,
                            rows_read, rule, findings
                     FROM refusal_log ORDER BY refusal_id, file_name, rule NULLS FIRST",
                )
                .map_err(|e| self.error(e))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(LoggedRefusal {
                        refusal_id: r.get(0)?,
                        refused_at: r.get(1)?,
                        file_name: r.get(2)?,
                        kind: r.get(3)?,
                        sha256: r.get(4)?,
                        rows_read: r.get(5)?,
                        rule: r.get(6)?,
                        findings: r.get(7)?,
                    })
                })
                .and_then(|rows| rows.collect::<duckdb::Result<Vec<_>>>())
                .map_err(|e| self.error(e))?;
            rows
        } else {
            Vec::new()
        };
        let outputs = if self.schema_has("output_log", None)? {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT strftime(written_at, '%Y-%m-%d %H:%M:%S'), command, file_name, audience, period,
                            as_of, lang, sha256, bytes
                     FROM output_log ORDER BY written_at, rowid",
                )
                .map_err(|e| self.error(e))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(LoggedOutput {
                        written_at: r.get(0)?,
                        command: r.get(1)?,
                        file_name: r.get(2)?,
                        audience: r.get(3)?,
                        period: r.get(4)?,
                        as_of: r.get(5)?,
                        lang: r.get(6)?,
                        sha256: r.get(7)?,
                        bytes: r.get(8)?,
                    })
                })
                .and_then(|rows| rows.collect::<duckdb::Result<Vec<_>>>())
                .map_err(|e| self.error(e))?;
            rows
        } else {
            Vec::new()
        };
        Ok(ProcessingRecord {
            holdings,
            quarantined: status.quarantined,
            loads: status.log,
            refusals,
            outputs,
        })
    }
}

/// Logs the outputs a command wrote from the store at `db`, once they are written: the
/// command read the store read-only (other readers may share it), so the store is
/// opened for writing only now, waiting while another process holds it (up to
/// `BAOVE_LOG_WAIT` seconds, default 30). Each file is hashed as it lies on disk.
pub fn log_outputs(db: &Path, outputs: &[OutputToLog], written_at: chrono::NaiveDateTime) -> Result<()> {
    if outputs.is_empty() {
        return Ok(());
    }
    let mut lines = Vec::new();
    for o in outputs {
        let bytes = std::fs::read(&o.path).map_err(|e| Error::io(o.path.display(), e))?;
        use sha2::Digest;
        lines.push((o, crate::hex(&sha2::Sha256::digest(&bytes)), bytes.len() as i64));
    }
    let wait = std::env::var("BAOVE_LOG_WAIT")
        .ok()
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(30);
    let deadline = Instant::now() + Duration::from_secs(wait);
    let store = loop {
        match Store::open(db, false) {
            Ok(store) => break store,
            Err(e) if Instant::now() < deadline && e.to_string().contains("in use") => {
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => {
                return Err(Error::Store {
                    path: db.display().to_string(),
                    message: format!(
                        "the outputs were written but could not be logged in the record of processing ({e})"
                    ),
                })
            }
        }
    };
    let at = written_at.format(TIME).to_string();
    let run = || -> duckdb::Result<()> {
        let tx = store.conn.unchecked_transaction()?;
        tx.execute_batch(RECORD_DDL)?;
        // Logs made before the store kept its history have no such column yet.
        tx.execute_batch("ALTER TABLE output_log ADD COLUMN IF NOT EXISTS known_load BIGINT")?;
        let mut insert = tx.prepare(
            "INSERT INTO output_log (written_at, command, file_name, audience, period, as_of, lang, sha256,
                 bytes, engine_version, known_load)
             VALUES (CAST(? AS TIMESTAMP), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )?;
        for (o, sha256, bytes) in &lines {
            insert.execute(params![
                at,
                o.command,
                o.path.display().to_string(),
                o.audience,
                o.period,
                o.as_of,
                o.lang,
                sha256,
                bytes,
                ENGINE_VERSION,
                o.known_load
            ])?;
        }
        drop(insert);
        tx.commit()
    };
    run().map_err(|e| store.error(format!("the outputs could not be logged ({e})")))
}
