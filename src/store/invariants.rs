//! Runs an invariant of `queries/tests/` (a query that must return no rows) over the
//! store and a computed tidy table, put beside it as the temporary table `tidy`.

use duckdb::params;

use super::Store;
use crate::error::{Error, Result};
use crate::results::TidyRow;

const TIDY_DDL: &str = "CREATE OR REPLACE TEMP TABLE tidy (indicator_id VARCHAR, area_code VARCHAR,
    breakdown VARCHAR, breakdown_value VARCHAR, numerator BIGINT, denominator BIGINT, value DOUBLE,
    ci_low DOUBLE, ci_high DOUBLE, unit VARCHAR, status VARCHAR)";

impl Store {
    /// How many rows the invariant `sql` returns over the store and `rows`, with
    /// `$province` bound to the province's code.
    pub fn rows_of_invariant(&self, sql: &str, rows: &[TidyRow], province: &str) -> Result<u64> {
        let fail = |e: duckdb::Error| self.error(format!("invariant: {e}"));
        self.conn.execute_batch(TIDY_DDL).map_err(fail)?;
        self.conn.execute_batch("BEGIN TRANSACTION").map_err(fail)?;
        {
            let mut insert = self
                .conn
                .prepare("INSERT INTO tidy VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .map_err(fail)?;
            for r in rows {
                insert
                    .execute(params![
                        r.indicator_id,
                        r.area_code,
                        r.breakdown,
                        r.breakdown_value,
                        r.numerator.map(|n| n as i64),
                        r.denominator.map(|n| n as i64),
                        r.value,
                        r.ci_low,
                        r.ci_high,
                        r.unit.name(),
                        r.status.name()
                    ])
                    .map_err(fail)?;
            }
        }
        self.conn.execute_batch("COMMIT").map_err(fail)?;
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT count(*) FROM (\n{sql}\n) AS violations"))
            .map_err(fail)?;
        for i in 1..=stmt.parameter_count() {
            let name = stmt.parameter_name(i).map_err(fail)?;
            if name != "province" {
                return Err(Error::Catalog(format!(
                    "an invariant may use $province only, not ${name}"
                )));
            }
        }
        let count: i64 = if stmt.parameter_count() == 0 {
            stmt.query_row([], |r| r.get(0))
        } else {
            stmt.query_row(params![province], |r| r.get(0))
        }
        .map_err(fail)?;
        Ok(count.max(0) as u64)
    }
}
