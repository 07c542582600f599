//! The identity screen of a table as read: its headers and the cells in scope, through
//! the classification of [`super::identity`] (which knows nothing of tables). Read
//! tables come from [`super::read`]; this module is the one that joins the two, so
//! neither depends on the other.

use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::model::Kind;

use super::identity::{classify, is_identifying_header};
use super::read::{header_shown, row_numbers, RawTable};

/// Which cells of a column to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Only these data rows (0-based); none when empty.
    Rows(Vec<u64>),
}

/// Scans headers and the cells in `scope` (one per column). Returns one finding per
/// identifying header and per identifying cell; the values are never copied anywhere.
/// `own_name` is the position of the column a profile maps to the areas' or holidays'
/// `name`, whose header is the contract's and not identity (its cells are scanned).
pub fn scan(kind: Kind, table: &RawTable, scope: &[Scope], own_name: Option<usize>) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for (i, header) in table.headers.iter().enumerate() {
        if own_name != Some(i) && is_identifying_header(kind, header) {
            findings.push(Finding {
                file: table.file.clone(),
                location: table.locate_header(i),
                data_row: None,
                // Never the header itself: it may hold the value it names.
                column: format!("#{}", i + 1),
                rule: "identifying-column",
                reason: "the column name says it holds identifying data (name, phone, address, \
                         identity number, date of birth, school ...); the whole file is refused"
                    .into(),
            });
        }
    }
    let whole: Vec<usize> = (0..table.headers.len())
        .filter(|&i| scope.get(i) == Some(&Scope::All))
        .collect();
    findings.extend(scan_cells(table, &whole, None)?);
    for (i, s) in scope.iter().enumerate() {
        if let Scope::Rows(rows) = s {
            if !rows.is_empty() {
                findings.extend(scan_cells(table, &[i], Some(rows))?);
            }
        }
    }
    findings.sort_by_key(|f| f.data_row);
    Ok(findings)
}

/// The identity patterns over `columns`, on every row or only on `rows`.
fn scan_cells(table: &RawTable, columns: &[usize], rows: Option<&[u64]>) -> Result<Vec<Finding>> {
    if columns.is_empty() {
        return Ok(Vec::new());
    }
    let row_numbers = row_numbers(&table.df)?;
    let wanted: Option<std::collections::HashSet<u64>> = rows.map(|r| r.iter().copied().collect());
    let mut findings = Vec::new();
    for &i in columns {
        let column = table
            .df
            .column(&RawTable::column_key(i))
            .map_err(Error::polars("identity scan"))?;
        let cells = column.str().map_err(Error::polars("identity scan"))?;
        // The first cells of a column are listed, the rest counted in one line: memory
        // does not grow with the number of identifying cells.
        let (mut listed, mut more) = (0usize, 0usize);
        for (row, cell) in row_numbers.iter().zip(cells.iter()) {
            let (Some(row), Some(cell)) = (row, cell) else {
                continue;
            };
            if wanted.as_ref().is_some_and(|w| !w.contains(&row)) {
                continue;
            }
            let Some(kind) = classify(cell) else {
                continue;
            };
            if listed == crate::findings::KEPT_PER_RULE {
                more += 1;
                continue;
            }
            listed += 1;
            findings.push(Finding {
                file: table.file.clone(),
                location: table.locate(row as usize, Some(i)),
                data_row: Some(row as usize),
                column: header_shown(&table.headers, i),
                rule: "identifying-value",
                reason: format!("{} (value not shown); the whole file is refused", kind.describe()),
            });
        }
        if more > 0 {
            findings.push(Finding {
                file: table.file.clone(),
                location: String::new(),
                data_row: None,
                column: header_shown(&table.headers, i),
                rule: "identifying-value",
                reason: format!(
                    "{more} more cells of this column look like identifying data (not listed); \
                     the whole file is refused"
                ),
            });
        }
    }
    Ok(findings)
}
