//! The embedded store: one DuckDB file holding the contract's tables, the load log and the
//! quarantine. Every change happens inside one transaction, so a refused or interrupted
//! load (even kill -9) leaves the file as it was.

pub mod assembly;
mod facts;
mod history;
mod incoming;
mod invariants;
mod parts_quality;
mod quality;
pub mod reach;
mod record;
mod session;

pub use history::{Cause, CauseCount, KnownAt, LoadMark};
pub use record::{log_outputs, OutputToLog, RefusedFile};
pub use session::{member_groups_of_periods_sql, CaseScope, Session, SOURCE_PROVINCE};

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

use arrow::record_batch::RecordBatch;
use chrono::NaiveDateTime;
use duckdb::{params, Config, Connection};

use crate::error::{Error, Result};
use crate::model::{ColumnType, Kind, ENGINE_VERSION};

pub const DEFAULT_PATH: &str = "baove.duckdb";
const SCHEMA_VERSION: &str = "1";

pub struct Store {
    conn: Connection,
    path: PathBuf,
    inbox: incoming::Inbox,
    /// This store among those the process opened: what is computed from it may be kept
    /// for it (a period's disclosure pattern).
    instance: u64,
    /// What `reach_sources` (a temporary table of this connection) holds: the reach of
    /// a whole in a period. One request asks for it several times (scope, geography,
    /// population); it is computed once. A cache of the connection's state, not a
    /// request's: every query names its whole.
    reached: std::cell::RefCell<Option<(crate::results::Top, crate::period::Period, reach::Reach)>>,
    /// The load the connection's views read the store as known after (`history.rs`);
    /// None: now. A cache of the connection's state: a session sets it to its request's.
    known: std::cell::Cell<Option<i64>>,
    /// A Parquet export read as a store: current rows only, no history.
    is_parquet: bool,
    /// The export's folder, held open while its views read it (see [`literal_folder`]).
    parquet_folder: Option<std::fs::File>,
    /// The last load the connection's `cases` were assembled after (`assembly::prepare`).
    prepared: std::cell::Cell<Option<i64>>,
    /// The case facts this connection keeps for the requests of one command (`facts.rs`).
    facts: std::cell::RefCell<facts::FactsKept>,
    /// The state of the store (`facts_state`) the connection's staging objects were made
    /// for (`Session::new`).
    staged: std::cell::Cell<Option<(Option<i64>, i64)>>,
    /// The parts quality last computed, for the request (state read, whole, period,
    /// as-of) it describes: a report and the dashboard beside it ask for the same one,
    /// and each computation sorts every part of the store.
    parts_quality: std::cell::RefCell<Option<(String, crate::results::PartsQuality)>>,
    /// The data quality computed, by the state read, whole, previous period and that
    /// period's first report it describes: a report and the dashboard beside it ask for
    /// the same ones, and a public one for every whole of the period (one kept entry
    /// was evicted by the next whole, so the dashboard computed them all again).
    quality: std::cell::RefCell<std::collections::HashMap<String, crate::results::Quality>>,
    /// What the reference tables (areas, crosswalk, population) give for the state read:
    /// a report asks for each period's areas and population again for its trends, its
    /// years and the dashboard beside it, a dozen small queries each time.
    reference: std::cell::RefCell<session::ReferenceKept>,
}

/// One line of the load log.
#[derive(Debug, Clone)]
pub struct LoadLogEntry {
    pub file_name: String,
    pub kind: Kind,
    pub sha256: String,
    pub rows_loaded: u64,
    pub rows_replaced: u64,
    pub rows_quarantined: u64,
    pub loaded_at: NaiveDateTime,
    pub profile: Option<String>,
    /// The province the file's rows came from (cases and content).
    pub province: Option<String>,
}

/// An invalid row kept aside by `--quarantine`, with its reasons.
#[derive(Debug, Clone)]
pub struct QuarantinedRow {
    pub file_name: String,
    pub kind: Kind,
    pub location: String,
    pub problems: String,
    /// The row's cells as JSON, header → text.
    pub row_values: String,
}

fn sql_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Id | ColumnType::Text | ColumnType::Code(_) | ColumnType::CodeList(_) => "VARCHAR",
        ColumnType::DateTime => "TIMESTAMP",
        ColumnType::Date => "DATE",
        ColumnType::Bool { .. } => "BOOLEAN",
        ColumnType::Int { .. } => "BIGINT",
        ColumnType::Number { .. } => "DOUBLE",
    }
}

/// The table that keeps every row a load brought to `kind`, current or replaced
/// (`cases_rows`); `kind.name()` is the view of its current rows that every reader reads.
pub fn rows_table(kind: Kind) -> String {
    format!("{}_rows", kind.name())
}

/// `CREATE TABLE` for a kind's rows: the contract's columns in order, the source
/// province (cases and content), the load that brought the row and the load that
/// replaced it (none while current); then the view of its current rows, under the
/// kind's name. A replaced row is kept, so the store can say what it held before any
/// load.
pub fn table_ddl(kind: Kind) -> Result<String> {
    let mut columns: Vec<String> = kind
        .columns()
        .iter()
        .map(|c| format!("{} {}", c.name, sql_type(c.ty)))
        .collect();
    if kind.has_province() {
        columns.push(format!("{} VARCHAR", crate::model::PROVINCE_COLUMN));
    }
    columns.push("load_id BIGINT NOT NULL".into());
    columns.push("replaced_by BIGINT".into());
    Ok(format!(
        "CREATE TABLE IF NOT EXISTS {rows} ({columns});\n{view}",
        rows = rows_table(kind),
        columns = columns.join(", "),
        // A case is read as assembled from its parts, not as its rows.
        view = match kind {
            Kind::Cases => assembly::ddl()?,
            _ => current_view_ddl(kind),
        }
    ))
}

fn current_view_ddl(kind: Kind) -> String {
    format!(
        "CREATE VIEW IF NOT EXISTS {} AS SELECT * EXCLUDE (replaced_by) FROM {} WHERE replaced_by IS NULL",
        kind.name(),
        rows_table(kind)
    )
}

const LOG_DDL: &str = "
CREATE TABLE IF NOT EXISTS load_log (
    load_id BIGINT NOT NULL,
    file_name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_replaced BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    engine_version VARCHAR NOT NULL,
    profile VARCHAR,
    province_code VARCHAR
);
CREATE TABLE IF NOT EXISTS quarantine (
    load_id BIGINT NOT NULL,
    file_name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    problems VARCHAR NOT NULL,
    row_values VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
";

impl Store {
    /// Opens (and with `create`, creates) the store at `path`.
    pub fn open(path: &Path, create: bool) -> Result<Store> {
        let store_error = |message: String| Error::Store {
            path: path.display().to_string(),
            message,
        };
        if !create && !path.exists() {
            return Err(store_error("no store here; `baove load` creates one".into()));
        }
        let conn =
            Connection::open_with_flags(path, offline_config().map_err(|e| store_error(e.to_string()))?)
                .map_err(|e| store_error(describe_open_error(&e)))?;
        let store = Store::with_connection(conn, path.to_path_buf())?;
        store.ensure_schema(create)?;
        store.keep_replaced_rows()?;
        if create {
            // Kinds added since the store was made (the crosswalk) get their empty
            // table; nothing else changes.
            for kind in Kind::ALL {
                store
                    .conn
                    .execute_batch(&table_ddl(kind)?)
                    .map_err(|e| store.error(e))?;
            }
        }
        store.add_province_columns()?;
        store.keep_cases_in_parts()?;
        Ok(store)
    }

    /// Opens an existing store for reading only: queries cannot change it, and other
    /// readers may use it at the same time.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let store_error = |message: String| Error::Store {
            path: path.display().to_string(),
            message,
        };
        if !path.exists() {
            return Err(store_error("no store here; `baove load` creates one".into()));
        }
        let config = offline_config()
            .and_then(|c| c.access_mode(duckdb::AccessMode::ReadOnly))
            .map_err(|e| store_error(e.to_string()))?;
        let conn =
            Connection::open_with_flags(path, config).map_err(|e| store_error(describe_open_error(&e)))?;
        let store = Store::with_connection(conn, path.to_path_buf())?;
        store.ensure_schema(false)?;
        if !store.schema_has("cases", Some(crate::model::PROVINCE_COLUMN))? {
            return Err(store.error(
                "made by an earlier baove, before several provinces could share a store: \
                 the next `baove load` into it adds the province of its rows",
            ));
        }
        if !store.schema_has(&rows_table(Kind::CaseLinks), None)? {
            return Err(store.error(
                "made by an earlier baove, before a case could arrive in parts: the next \
                 `baove load --db` into it (a file loaded before will do: nothing is loaded twice) \
                 keeps its cases as the office's records, every figure unchanged",
            ));
        }
        Ok(store)
    }

    /// A store that lives only in memory (validation runs, temporary reports).
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory_with_flags(
            offline_config().map_err(Error::duckdb("in-memory store"))?,
        )
        .map_err(Error::duckdb("in-memory store"))?;
        let store = Store::with_connection(conn, PathBuf::from(":memory:"))?;
        store.ensure_schema(true)?;
        Ok(store)
    }

    /// A store in memory where nothing outside it can be reached (DuckDB's external
    /// access off for the connection's life: no file read or written, no ATTACH), holding
    /// one province and no data: where catalog queries are tried before they run on data.
    pub fn open_sandbox() -> Result<Store> {
        let store = Store::open_in_memory()?;
        store
            .conn
            .execute_batch(
                "INSERT INTO areas_rows BY NAME SELECT '00' AS area_code, 'sandbox' AS name, \
                 'PROVINCE' AS level, 0 AS load_id; \
                 SET enable_external_access = false",
            )
            .map_err(|e| store.error(e))?;
        Ok(store)
    }

    fn with_connection(conn: Connection, path: PathBuf) -> Result<Store> {
        let inbox = incoming::Inbox::default();
        conn.register_table_function_with_extra_info::<incoming::Incoming, _>(incoming::FUNCTION, &inbox)
            .map_err(|e| Error::Store {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        static INSTANCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Ok(Store {
            instance: INSTANCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            conn,
            path,
            inbox,
            reached: std::cell::RefCell::new(None),
            known: std::cell::Cell::new(None),
            is_parquet: false,
            parquet_folder: None,
            prepared: std::cell::Cell::new(None),
            facts: Default::default(),
            staged: std::cell::Cell::new(None),
            parts_quality: Default::default(),
            quality: Default::default(),
            reference: Default::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This store among those the process opened (two opened stores differ).
    pub fn instance(&self) -> u64 {
        self.instance
    }

    /// Whether the store has a table for `kind` (one made before a kind was added has
    /// not, until it is next opened for writing).
    pub fn has_table(&self, kind: Kind) -> Result<bool> {
        self.schema_has(kind.name(), None)
    }

    /// Whether the store's schema has `table` (with `column`: that column of it): a
    /// store made by an older engine may lack either.
    pub(super) fn schema_has(&self, table: &str, column: Option<&str>) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT count(*) > 0 FROM duckdb_columns()
                 WHERE table_name = ?1 AND (?2 IS NULL OR column_name = ?2)",
                duckdb::params![table, column],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }

    fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::Store {
            path: self.path.display().to_string(),
            message: message.to_string(),
        }
    }

    fn ensure_schema(&self, create: bool) -> Result<()> {
        let has_meta: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM information_schema.tables WHERE table_name = 'meta'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))?;
        if has_meta {
            let version: Option<String> = self
                .conn
                .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| {
                    r.get(0)
                })
                .map_err(|e| self.error(format!("not a baove store ({e})")))?;
            if version.as_deref() != Some(SCHEMA_VERSION) {
                return Err(self.error(format!(
                    "store schema version {version:?}, this engine reads {SCHEMA_VERSION}"
                )));
            }
            return Ok(());
        }
        if !create {
            return Err(self.error("not a baove store (no meta table)"));
        }
        let mut ddl = String::from("BEGIN TRANSACTION;\n");
        ddl.push_str(LOG_DDL);
        ddl.push_str(record::RECORD_DDL);
        for kind in Kind::ALL {
            ddl.push_str(&table_ddl(kind)?);
            ddl.push_str(";\n");
        }
        ddl.push_str(&format!(
            "INSERT INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}'), ('created_by', 'baove {ENGINE_VERSION}');\nCOMMIT;"
        ));
        self.conn.execute_batch(&ddl).map_err(|e| self.error(e))
    }

    /// A store made before it kept replaced rows: each kind's table becomes its rows
    /// table (every row current) under the view of its current rows, in one transaction.
    fn keep_replaced_rows(&self) -> Result<()> {
        // One look at the catalog on every open: kinds still stored as plain tables.
        let tables: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'")
                .map_err(|e| self.error(e))?;
            let names = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(|e| self.error(e))?;
            names
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| self.error(e))?
        };
        for kind in Kind::ALL {
            if !tables.iter().any(|t| t == kind.name()) {
                continue;
            }
            self.conn
                .execute_batch(&format!(
                    "BEGIN TRANSACTION;
                     ALTER TABLE {table} RENAME TO {rows};
                     ALTER TABLE {rows} ADD COLUMN replaced_by BIGINT;
                     {view};
                     COMMIT;",
                    table = kind.name(),
                    rows = rows_table(kind),
                    view = current_view_ddl(kind)
                ))
                .map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// A store made before provinces shared one gets the source-province column, each
    /// row the store's one province (its only PROVINCE code; none if it had several).
    fn add_province_columns(&self) -> Result<()> {
        let column = crate::model::PROVINCE_COLUMN;
        if !self.schema_has("load_log", Some(column))? {
            self.conn
                .execute_batch(&format!("ALTER TABLE load_log ADD COLUMN {column} VARCHAR"))
                .map_err(|e| self.error(e))?;
        }
        for kind in Kind::ALL.into_iter().filter(|k| k.has_province()) {
            let rows = rows_table(kind);
            if self.schema_has(&rows, Some(column))? {
                continue;
            }
            // The view names its columns when made: made again over the new column.
            self.conn
                .execute_batch(&format!(
                    "BEGIN TRANSACTION;
                     DROP VIEW IF EXISTS {table};
                     ALTER TABLE {rows} ADD COLUMN {column} VARCHAR;
                     UPDATE {rows} SET {column} = (SELECT any_value(area_code) FROM areas
                         WHERE level = 'PROVINCE' HAVING count(DISTINCT area_code) = 1);
                     {view};
                     COMMIT;",
                    table = kind.name(),
                    view = current_view_ddl(kind)
                ))
                .map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// A store made before a case could arrive in parts (data-contract.md v3): its rows
    /// become the office's consolidated records (the part `OFFICE`, v2's meaning), the
    /// links' table is made, and the cases are assembled, in one transaction. Every
    /// figure stays as it was.
    fn keep_cases_in_parts(&self) -> Result<()> {
        let rows = rows_table(Kind::Cases);
        let part = crate::model::PART_COLUMN;
        let mut upgrade = String::new();
        if !self.schema_has(&rows, Some(part))? {
            if !self.schema_has(&rows, Some("social_received_at"))? {
                upgrade.push_str(&format!(
                    "ALTER TABLE {rows} ADD COLUMN social_received_at TIMESTAMP;\n"
                ));
            }
            upgrade.push_str(&format!(
                "DROP VIEW IF EXISTS cases;
                 ALTER TABLE {rows} ADD COLUMN {part} VARCHAR;
                 UPDATE {rows} SET {part} = '{office}';\n",
                office = crate::model::OFFICE_PART,
            ));
        }
        if !self.schema_has(&rows_table(Kind::CaseLinks), None)? {
            upgrade.push_str(&table_ddl(Kind::CaseLinks)?);
            upgrade.push_str(";\n");
        }
        if upgrade.is_empty() {
            return Ok(());
        }
        // The views of the cases after the links' (they read them).
        upgrade.push_str(&assembly::ddl()?);
        self.conn
            .execute_batch(&format!("BEGIN TRANSACTION;\n{upgrade};\nCOMMIT;"))
            .map_err(|e| {
                let _ = self.conn.execute_batch("ROLLBACK");
                self.error(e)
            })
    }

    /// Makes `cases` the store's current cases for this connection's queries, assembled
    /// from their parts once for each state of the store (`assembly::prepare`). A store
    /// read as known at an earlier load, or a Parquet export, has its own.
    pub fn prepare_cases(&self) -> Result<()> {
        if self.is_parquet || self.known.get().is_some() {
            return Ok(());
        }
        let last: i64 = self
            .conn
            .query_row("SELECT coalesce(max(load_id), 0) FROM load_log", [], |r| r.get(0))
            .map_err(|e| self.error(e))?;
        if self.prepared.get() == Some(last) {
            return Ok(());
        }
        if !self.schema_has(&rows_table(Kind::Cases), None)? {
            // A store made before it kept its rows (read only, not upgraded yet): its
            // `cases` is a table of its records.
            return Ok(());
        }
        assembly::prepare(&self.conn).map_err(|e| self.error(e))?;
        self.prepared.set(Some(last));
        Ok(())
    }

    /// The codes of the provinces the store's areas name, in code order.
    pub fn province_codes(&self) -> Result<Vec<String>> {
        self.codes_of_areas(Some("PROVINCE"))
    }

    /// Starts the one transaction a load runs in. Dropping it without `commit` rolls back.
    pub fn begin_load(&mut self) -> Result<LoadTransaction<'_>> {
        let path = self.path.display().to_string();
        if std::env::var_os("BAOVE_MEMORY_LIMIT").is_none() {
            // A load's own memory (the parts being read, the ids of a large file) sits
            // beside DuckDB's, and appended rows are written out as their row groups
            // fill, so DuckDB needs less here than for queries: 1 GB keeps a load of
            // 100M content items under 4 GiB at no cost in time.
            self.conn
                .execute_batch("SET memory_limit = '1GB'")
                .map_err(|e| self.error(e))?;
        }
        let load_id: i64 = self
            .conn
            .query_row("SELECT coalesce(max(load_id), 0) + 1 FROM load_log", [], |r| {
                r.get(0)
            })
            .map_err(|e| Error::Store {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let tx = self.conn.transaction().map_err(|e| Error::Store {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(LoadTransaction {
            tx,
            load_id,
            path,
            inbox: self.inbox.clone(),
        })
    }

    /// Whether a file with this content was loaded before as this kind.
    pub fn already_loaded(&self, kind: Kind, sha256: &str) -> Result<Option<String>> {
        earlier_load(&self.conn, kind, sha256).map_err(|e| self.error(e))
    }

    /// Area codes the store knows, or None when no areas were loaded.
    pub fn area_codes(&self) -> Result<Option<Vec<String>>> {
        let codes = self.codes_of_areas(None)?;
        Ok((!codes.is_empty()).then_some(codes))
    }

    /// The distinct codes of the store's areas (of one level, if given), in code order.
    fn codes_of_areas(&self, level: Option<&str>) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT area_code FROM areas WHERE ?1 IS NULL OR level = ?1 ORDER BY 1")
            .map_err(|e| self.error(e))?;
        let codes = stmt
            .query_map([level], |r| r.get(0))
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.error(e))?;
        Ok(codes)
    }

    pub fn status(&self) -> Result<Status> {
        self.prepare_cases()?;
        let q = |sql: &str| -> Result<(i64, Option<String>, Option<String>)> {
            self.conn
                .query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(|e| self.error(e))
        };
        let mut kinds = Vec::new();
        for kind in Kind::ALL {
            let sql = match date_column(kind) {
                Some(c) => format!(
                    "SELECT count(*), CAST(min({c}) AS VARCHAR), CAST(max({c}) AS VARCHAR) FROM {}",
                    kind.name()
                ),
                None => format!(
                    "SELECT count(*), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR) FROM {}",
                    kind.name()
                ),
            };
            let (rows, first, last) = q(&sql)?;
            kinds.push(KindStatus {
                kind,
                rows: rows as u64,
                first,
                last,
            });
        }
        let (loads, first_load, last_load) =
            q("SELECT count(DISTINCT load_id), CAST(min(loaded_at) AS VARCHAR), CAST(max(loaded_at) AS VARCHAR) FROM load_log")?;
        let (quarantined, _, _) =
            q("SELECT count(*), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR) FROM quarantine")?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT load_id, file_name, kind, sha256, rows_loaded, rows_replaced, rows_quarantined,
                        CAST(loaded_at AS VARCHAR), engine_version, profile
                 FROM load_log ORDER BY load_id, file_name",
            )
            .map_err(|e| self.error(e))?;
        let log = stmt
            .query_map([], |r| {
                Ok(LoggedFile {
                    load_id: r.get(0)?,
                    file_name: r.get(1)?,
                    kind: r.get(2)?,
                    sha256: r.get(3)?,
                    rows_loaded: r.get(4)?,
                    rows_replaced: r.get(5)?,
                    rows_quarantined: r.get(6)?,
                    loaded_at: r.get(7)?,
                    engine_version: r.get(8)?,
                    profile: r.get(9)?,
                })
            })
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {part}, count(*) FROM {parts} GROUP BY ALL ORDER BY ALL",
                part = crate::model::PART_COLUMN,
                parts = assembly::PARTS_VIEW
            ))
            .map_err(|e| self.error(e))?;
        let parts = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
            .map_err(|e| self.error(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        let assembled: i64 = self
            .conn
            .query_row(
                &format!("SELECT count(*) FROM {}", self.assembled_table()),
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))?;
        let cases = kinds.iter().find(|k| k.kind == Kind::Cases).map_or(0, |k| k.rows);
        Ok(Status {
            kinds,
            parts,
            waiting_cases: (assembled.max(0) as u64).saturating_sub(cases),
            loads: loads as u64,
            first_load,
            last_load,
            quarantined: quarantined as u64,
            log,
        })
    }

    /// A checksum of the whole content (data, load log, quarantine), independent of
    /// physical layout: equal checksums mean equal stores. The record of refusals and
    /// outputs (`record.rs`) is not part of it: a refused load or a report adds a line
    /// there and leaves the data, and this checksum, as they were.
    pub fn checksum(&self) -> Result<String> {
        let mut parts = Vec::new();
        // Every row kept, replaced ones with the load that replaced them: a refused load
        // must leave the history as it was, too.
        let mut tables: Vec<String> = Vec::new();
        for kind in Kind::ALL {
            let rows = rows_table(kind);
            tables.push(if self.schema_has(&rows, None)? {
                rows
            } else {
                kind.name().to_string()
            });
        }
        tables.extend(["load_log".to_string(), "quarantine".to_string()]);
        for table in tables {
            let (rows, sum): (i64, String) = self
                .conn
                .query_row(
                    &format!(
                        "SELECT count(*), CAST(coalesce(sum(hash(t)::HUGEINT), 0) AS VARCHAR) FROM {table} t"
                    ),
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(|e| self.error(e))?;
            parts.push(format!("{table}:{rows}:{sum}"));
        }
        use sha2::Digest;
        let digest = sha2::Sha256::digest(parts.join("\n").as_bytes());
        Ok(hex(&digest))
    }
}

pub use crate::hex;

/// The column that dates a kind's rows, where it has one.
fn date_column(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Cases => Some("received_at"),
        Kind::ContentReports => Some("detected_at"),
        Kind::Holidays => Some("date"),
        Kind::Population => Some("year"),
        Kind::Areas | Kind::Crosswalk | Kind::CaseLinks => None,
    }
}

/// DuckDB's bundled build has no ICU or excel extension, and this machine may have no
/// network: never try to fetch extensions.
///
/// DuckDB's own memory cap (default 80% of RAM) is lowered so a large store's
/// queries spill to disk instead of growing past what an office PC has: 2 GB unless
/// `BAOVE_MEMORY_LIMIT` says otherwise (a DuckDB size such as `4GB`).
///
/// No checkpoint is made while a command runs, only when it closes the store: DuckDB
/// checkpoints after each write of more than 16 MB by default, and the temporary tables
/// a report writes once and reads a few times (the quarter's parts with their assembled
/// case) were checkpointed too, compressed into a second copy: 0.8 s of the 1.0 s those
/// parts took in a report over a million cases (issue 34). A load is one transaction
/// either way; what it wrote is in the write-ahead log until the store is closed, and
/// read back from it if the process ends before.
fn offline_config() -> duckdb::Result<Config> {
    let memory_limit = std::env::var("BAOVE_MEMORY_LIMIT").unwrap_or_else(|_| "2GB".into());
    Config::default()
        .enable_autoload_extension(false)?
        .with("autoinstall_known_extensions", "false")?
        .with("checkpoint_threshold", CHECKPOINT_ONLY_ON_CLOSE)?
        .max_memory(&memory_limit)
}

/// A write-ahead log size no command reaches (see [`offline_config`]).
const CHECKPOINT_ONLY_ON_CLOSE: &str = "1TB";

fn describe_open_error(e: &duckdb::Error) -> String {
    let text = e.to_string();
    if text.contains("lock") {
        format!("the store is in use by another process ({text})")
    } else if text.contains("Read-only") || text.contains("read-only") || text.contains("Permission denied") {
        format!("the store cannot be written ({text})")
    } else {
        format!("the store cannot be opened; is it a baove (DuckDB) file? ({text})")
    }
}

/// The name of the first file loaded with this content as this kind, if any.
fn earlier_load(conn: &Connection, kind: Kind, sha256: &str) -> duckdb::Result<Option<String>> {
    let mut stmt = conn
        .prepare("SELECT file_name FROM load_log WHERE kind = ? AND sha256 = ? ORDER BY load_id LIMIT 1")?;
    let mut rows = stmt.query(params![kind.name(), sha256])?;
    rows.next()?.map(|row| row.get(0)).transpose()
}

/// Removes a store's file and DuckDB's write-ahead log beside it, where they exist: a
/// store created by a load that then failed goes again, as if never opened.
pub fn remove_files(path: &Path) {
    let mut wal = path.as_os_str().to_owned();
    wal.push(".wal");
    for file in [path.to_path_buf(), std::path::PathBuf::from(wal)] {
        if let Err(e) = std::fs::remove_file(&file) {
            if e.kind() != std::io::ErrorKind::NotFound {
                eprintln!("note: {} could not be removed: {e}", file.display());
            }
        }
    }
}

pub struct LoadTransaction<'a> {
    tx: duckdb::Transaction<'a>,
    load_id: i64,
    path: String,
    inbox: incoming::Inbox,
}

impl LoadTransaction<'_> {
    fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::Store {
            path: self.path.clone(),
            message: message.to_string(),
        }
    }

    pub fn load_id(&self) -> i64 {
        self.load_id
    }

    /// Appends rows of `kind` (contract columns in order, then load_id), replacing stored
    /// rows with the same key. Returns the number of rows replaced.
    pub fn upsert(&self, kind: Kind, batches: Vec<RecordBatch>) -> Result<u64> {
        let first_new = self.first_new_row(kind)?;
        self.append(kind, batches)?;
        self.replace_older(kind, first_new)
    }

    /// The row id the next appended row of `kind` gets: rows from here on are this
    /// load's, older rows with the same key are replaced by [`Self::replace_older`].
    pub fn first_new_row(&self, kind: Kind) -> Result<i64> {
        self.tx
            .query_row(
                &format!("SELECT coalesce(max(rowid) + 1, 0) FROM {}", rows_table(kind)),
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// Appends rows as they are (no replacement yet).
    pub fn append(&self, kind: Kind, batches: Vec<RecordBatch>) -> Result<()> {
        if batches.iter().any(|b| b.num_rows() > 0) {
            self.inbox.put(batches);
            self.insert_from_inbox(kind)?;
        }
        Ok(())
    }

    /// Appends the parts `parts` receives, as they come, until its sender hangs up: one
    /// statement for them all (see [`incoming`]). A sender whose part is not taken (the
    /// store failed) gets an error on sending.
    pub fn append_stream(&self, kind: Kind, parts: Receiver<Vec<RecordBatch>>) -> Result<()> {
        // The scan needs the rows' columns when it is planned: the first part names them.
        let first = loop {
            match parts.recv() {
                Ok(part) if part.iter().any(|b| b.num_rows() > 0) => break part,
                Ok(_) => continue,
                Err(_) => return Ok(()),
            }
        };
        self.inbox.put_stream(first, parts);
        self.insert_from_inbox(kind)
    }

    fn insert_from_inbox(&self, kind: Kind) -> Result<()> {
        let mut clock = crate::Stopwatch::start();
        // Scanned on every core; the order of rows in the table does not matter
        // (they are found by key), so DuckDB may insert them in parallel.
        let inserted = self.tx.execute_batch(&format!(
            "SET preserve_insertion_order = false; INSERT INTO {} BY NAME SELECT * FROM {}(); \
             RESET preserve_insertion_order",
            rows_table(kind),
            incoming::FUNCTION
        ));
        self.inbox.clear();
        inserted.map_err(|e| self.error(e))?;
        clock.lap("insert");
        Ok(())
    }

    /// Marks the current rows older than `first_new` whose key a newer row has as
    /// replaced by this load (kept, no longer current); returns how many. One write of
    /// the marked rows, no staging copy.
    pub fn replace_older(&self, kind: Kind, first_new: i64) -> Result<u64> {
        if first_new == 0 {
            // The table held nothing before this load: no older row to look for (the
            // search would still hash every new key, 0.7 s for ten million rows).
            return Ok(0);
        }
        let mut clock = crate::Stopwatch::start();
        let table = rows_table(kind);
        let matches = kind
            .store_key_columns()
            .iter()
            .map(|k| format!("s.{k} IS NOT DISTINCT FROM t.{k}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let replaced = self
            .tx
            .execute(
                &format!(
                    "UPDATE {table} t SET replaced_by = ? WHERE t.replaced_by IS NULL AND t.rowid < ? \
                     AND EXISTS (SELECT 1 FROM {table} s WHERE s.rowid >= ? AND {matches})"
                ),
                params![self.load_id, first_new, first_new],
            )
            .map_err(|e| self.error(e))?;
        clock.lap("replace older rows");
        Ok(replaced as u64)
    }

    /// Deletes the rows appended from `first_new` on (a file found, once read, to have
    /// been loaded before).
    pub fn discard_from(&self, kind: Kind, first_new: i64) -> Result<()> {
        self.tx
            .execute(
                &format!("DELETE FROM {} WHERE rowid >= ?", rows_table(kind)),
                params![first_new],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// [`Store::already_loaded`], seeing this transaction's own log entries too.
    pub fn already_loaded(&self, kind: Kind, sha256: &str) -> Result<Option<String>> {
        earlier_load(&self.tx, kind, sha256).map_err(|e| self.error(e))
    }

    pub fn quarantine(&self, rows: &[QuarantinedRow]) -> Result<()> {
        let mut appender = self.tx.appender("quarantine").map_err(|e| self.error(e))?;
        for r in rows {
            appender
                .append_row(params![
                    self.load_id,
                    r.file_name,
                    r.kind.name(),
                    r.location,
                    r.problems,
                    r.row_values
                ])
                .map_err(|e| self.error(e))?;
        }
        appender.flush().map_err(|e| self.error(e))
    }

    pub fn log(&self, entry: &LoadLogEntry) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO load_log VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), ?, ?, ?)",
                params![
                    self.load_id,
                    entry.file_name,
                    entry.kind.name(),
                    entry.sha256,
                    entry.rows_loaded as i64,
                    entry.rows_replaced as i64,
                    entry.rows_quarantined as i64,
                    entry.loaded_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    ENGINE_VERSION,
                    entry.profile,
                    entry.province
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    pub fn commit(self) -> Result<()> {
        let path = self.path.clone();
        self.tx.commit().map_err(|e| Error::Store {
            path,
            message: format!("the load could not be committed; nothing changed ({e})"),
        })
    }
}

#[derive(Debug, Clone)]
pub struct KindStatus {
    pub kind: Kind,
    pub rows: u64,
    pub first: Option<String>,
    pub last: Option<String>,
}

pub use crate::results::LoggedFile;

#[derive(Debug, Clone)]
pub struct Status {
    pub kinds: Vec<KindStatus>,
    /// The current parts of the cases by sending agency (OFFICE: the office's records).
    pub parts: Vec<(String, u64)>,
    /// Cases whose parts give no receipt yet: outside every figure until it arrives.
    pub waiting_cases: u64,
    pub loads: u64,
    pub first_load: Option<String>,
    pub last_load: Option<String>,
    pub quarantined: u64,
    pub log: Vec<LoggedFile>,
}

/// A path inside an SQL string literal (DuckDB's COPY and read_parquet take no bound
/// file names): quotes doubled.
fn quoted_path(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "''"))
}

/// The folder of a Parquet export as a path DuckDB reads literally. DuckDB expands `*`,
/// `?` and `[` in every path given to `read_parquet`, with no escape, so a folder named
/// `exports [2025]` would read other files or none. On Linux the folder is opened and
/// named through its descriptor (`/proc/self/fd/N`), which holds none of them, kept open
/// for the store's life; elsewhere a folder whose path holds them is refused.
fn literal_folder(dir: &Path) -> Result<(PathBuf, Option<std::fs::File>)> {
    let has_glob = dir.to_string_lossy().contains(['*', '?', '[', '{']);
    let proc_fd = Path::new("/proc/self/fd");
    if has_glob && proc_fd.is_dir() {
        use std::os::fd::AsRawFd;
        let handle = std::fs::File::open(dir).map_err(|e| Error::io(dir.display(), e))?;
        let named = proc_fd.join(handle.as_raw_fd().to_string());
        return Ok((named, Some(handle)));
    }
    if has_glob {
        return Err(Error::Usage(format!(
            "{}: a folder whose path holds *, ?, [ or {{ cannot be read literally here; move or rename it",
            dir.display()
        )));
    }
    Ok((dir.to_path_buf(), None))
}

/// The reference kinds, the links and the logs of a Parquet export, each one file.
const EXPORTED_WHOLE: [&str; 6] = [
    "areas",
    "crosswalk",
    "holidays",
    "population",
    "case_links",
    "load_log",
];

impl Store {
    /// Writes the store as a Parquet dataset in `dir`: cases and content items
    /// Hive-partitioned by source province and year (`cases/province_code=44/year=2024/`),
    /// the reference kinds and the load log one file each. Rows in key order, so the
    /// same store gives the same files. Returns the files written.
    pub fn export_parquet(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        self.prepare_cases()?;
        let fail = |e: duckdb::Error| self.error(format!("Parquet export: {e}"));
        for kind in [Kind::Cases, Kind::ContentReports] {
            let date = date_column(kind).expect("cases and content are dated");
            // The assembled cases, one row per case: what every query reads.
            let mut order = vec![crate::model::PROVINCE_COLUMN];
            order.extend_from_slice(kind.key_columns());
            let order = order.join(", ");
            let rows: i64 = self
                .conn
                .query_row(&format!("SELECT count(*) FROM {}", kind.name()), [], |r| r.get(0))
                .map_err(fail)?;
            if rows == 0 {
                continue;
            }
            self.conn
                .execute_batch(&format!(
                    "COPY (SELECT *, CAST(year({date}) AS INTEGER) AS year FROM {table} ORDER BY {order})
                     TO {target} (FORMAT parquet, PARTITION_BY ({province}, year), OVERWRITE_OR_IGNORE false)",
                    table = kind.name(),
                    target = quoted_path(&dir.join(kind.name())),
                    province = crate::model::PROVINCE_COLUMN,
                ))
                .map_err(fail)?;
        }
        for table in EXPORTED_WHOLE {
            self.conn
                .execute_batch(&format!(
                    "COPY (SELECT * FROM {table} ORDER BY ALL) TO {target} (FORMAT parquet)",
                    target = quoted_path(&dir.join(format!("{table}.parquet")))
                ))
                .map_err(fail)?;
        }
        let mut written = Vec::new();
        collect_files(dir, &mut written).map_err(|e| Error::io(dir.display(), e))?;
        written.sort();
        Ok(written)
    }

    /// A store in memory reading a Parquet dataset written by [`Store::export_parquet`]
    /// (or by any engine in its layout): the kinds and the load log are views over the
    /// files, so the indicator SQL runs on them unchanged.
    pub fn open_parquet(dir: &Path) -> Result<Store> {
        if !dir.join("areas.parquet").exists() {
            return Err(Error::Usage(format!(
                "{}: not a baove Parquet export (no areas.parquet); write one with baove export",
                dir.display()
            )));
        }
        let mut store = Store::open_in_memory()?;
        store.is_parquet = true;
        let (folder, held) = literal_folder(dir)?;
        store.parquet_folder = held;
        let named = dir.display().to_string();
        let dir = folder.as_path();
        let fail = |e: duckdb::Error| Error::Store {
            path: named.clone(),
            message: format!("reading the Parquet export: {e}"),
        };
        for kind in [Kind::Cases, Kind::ContentReports] {
            let folder = dir.join(kind.name());
            if !folder.exists() {
                continue;
            }
            store
                .conn
                .execute_batch(&format!(
                    "DROP VIEW {table};
                     CREATE VIEW {table} AS SELECT * EXCLUDE (year) FROM read_parquet({files},
                         hive_partitioning = true, hive_types = {{'{province}': VARCHAR, 'year': INTEGER}})",
                    table = kind.name(),
                    files = quoted_path(&folder.join("**").join("*.parquet")),
                    province = crate::model::PROVINCE_COLUMN,
                ))
                .map_err(fail)?;
        }
        for table in EXPORTED_WHOLE {
            let file = dir.join(format!("{table}.parquet"));
            if table == "case_links" && !file.exists() {
                // An export made before links existed: its cases are as they were.
                continue;
            }
            store
                .conn
                .execute_batch(&format!(
                    "DROP {what} {table}; CREATE VIEW {table} AS SELECT * FROM read_parquet({file})",
                    what = if table == "load_log" { "TABLE" } else { "VIEW" },
                    file = quoted_path(&file)
                ))
                .map_err(fail)?;
        }
        Ok(store)
    }
}

fn collect_files(dir: &Path, into: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, into)?;
        } else {
            into.push(path);
        }
    }
    Ok(())
}

/// What merging one store into another brought.
#[derive(Debug, Clone)]
pub struct MergedStore {
    pub path: PathBuf,
    /// Rows copied per kind (a later store's row replaces an earlier one's of the same
    /// key: the reference files they share).
    pub rows: Vec<(Kind, u64)>,
    pub loads: u64,
}

impl Store {
    /// Copies every row, load-log line and quarantined row of each store of `sources`
    /// into this one, in one transaction (all or nothing), the load ids renumbered after
    /// this store's. Rows keep their source province; a store whose cases do not say
    /// theirs (made before several provinces could share one, never loaded into since)
    /// is refused.
    pub fn merge_stores(&mut self, sources: &[PathBuf]) -> Result<Vec<MergedStore>> {
        let column = crate::model::PROVINCE_COLUMN;
        for (i, source) in sources.iter().enumerate() {
            if source.canonicalize().ok() == self.path.canonicalize().ok() {
                return Err(Error::Usage(format!(
                    "{}: a store cannot be merged into itself",
                    source.display()
                )));
            }
            self.conn
                .execute_batch(&format!(
                    "ATTACH {} AS merged_{i} (READ_ONLY)",
                    quoted_path(source)
                ))
                .map_err(|e| Error::Store {
                    path: source.display().to_string(),
                    message: describe_open_error(&e),
                })?;
            let knows_province: bool = self
                .conn
                .query_row(
                    "SELECT count(*) > 0 FROM information_schema.columns
                     WHERE table_catalog = ? AND table_name = 'cases' AND column_name = ?",
                    [format!("merged_{i}"), column.to_string()],
                    |r| r.get(0),
                )
                .map_err(|e| self.error(e))?;
            let unknown: i64 = if knows_province {
                self.conn
                    .query_row(
                        &format!(
                            "SELECT (SELECT count(*) FROM merged_{i}.main.cases WHERE {column} IS NULL)
                                  + (SELECT count(*) FROM merged_{i}.main.content_reports WHERE {column} IS NULL)"
                        ),
                        [],
                        |r| r.get(0),
                    )
                    .map_err(|e| self.error(e))?
            } else {
                1
            };
            if unknown > 0 {
                self.detach_merged(sources.len());
                return Err(Error::Usage(format!(
                    "{}: its cases or content items do not say which province they came from; \
                     load into it once with this baove (--province CODE), then merge it",
                    source.display()
                )));
            }
        }
        let merged = self.copy_attached(sources);
        self.detach_merged(sources.len());
        merged
    }

    fn copy_attached(&mut self, sources: &[PathBuf]) -> Result<Vec<MergedStore>> {
        let tx = self.begin_load()?;
        let fail = |e: duckdb::Error| tx.error(format!("merging: {e}"));
        let mut base = tx.load_id() - 1;
        let mut merged = Vec::new();
        for (i, source) in sources.iter().enumerate() {
            let schema = format!("merged_{i}.main");
            let mut rows = Vec::new();
            let has = |table: &str, column: Option<&str>| -> Result<bool> {
                tx.tx
                    .query_row(
                        "SELECT count(*) > 0 FROM information_schema.columns
                         WHERE table_catalog = ?1 AND table_name = ?2 AND (?3 IS NULL OR column_name = ?3)",
                        duckdb::params![format!("merged_{i}"), table, column],
                        |r| r.get(0),
                    )
                    .map_err(fail)
            };
            for kind in Kind::ALL {
                // The current rows as sent: for cases, every agency's part (the view
                // `cases` is their assembly), or in a store made before parts, its rows.
                let source = if has(&rows_table(kind), None)? {
                    format!(
                        "(SELECT * EXCLUDE (replaced_by) FROM {schema}.{} WHERE replaced_by IS NULL)",
                        rows_table(kind)
                    )
                } else if has(kind.name(), None)? {
                    format!("{schema}.{}", kind.name())
                } else {
                    // A kind added after the store was made: it has none.
                    rows.push((kind, 0));
                    continue;
                };
                let first_new = tx.first_new_row(kind)?;
                let copied = tx
                    .tx
                    .execute(
                        &format!(
                            "INSERT INTO {rows} BY NAME SELECT * REPLACE (load_id + {base} AS load_id) FROM {source}",
                            rows = rows_table(kind),
                        ),
                        [],
                    )
                    .map_err(fail)?;
                if let Some(part) = kind.part_column() {
                    // A store made before parts holds the office's records.
                    tx.tx
                        .execute(
                            &format!(
                                "UPDATE {rows} SET {part} = ? WHERE {part} IS NULL",
                                rows = rows_table(kind)
                            ),
                            duckdb::params![crate::model::OFFICE_PART],
                        )
                        .map_err(fail)?;
                }
                tx.replace_older(kind, first_new)?;
                rows.push((kind, copied as u64));
            }
            for table in ["load_log", "quarantine"] {
                tx.tx
                    .execute(
                        &format!("INSERT INTO {table} BY NAME SELECT * REPLACE (load_id + {base} AS load_id) FROM {schema}.{table}"),
                        [],
                    )
                    .map_err(fail)?;
            }
            let (loads, last): (i64, i64) = tx
                .tx
                .query_row(
                    &format!(
                        "SELECT count(DISTINCT load_id), coalesce(max(load_id), 0) FROM {schema}.load_log"
                    ),
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(fail)?;
            base += last;
            merged.push(MergedStore {
                path: source.clone(),
                rows,
                loads: loads as u64,
            });
        }
        tx.commit()?;
        Ok(merged)
    }

    fn detach_merged(&self, count: usize) {
        for i in 0..count {
            // A store not attached yet (an earlier one was refused) has nothing to detach.
            let _ = self
                .conn
                .execute_batch(&format!("DETACH DATABASE IF EXISTS merged_{i}"));
        }
    }
}
