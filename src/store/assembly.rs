//! A case in parts (data-contract.md v3): each agency's part of a case is kept as it was
//! sent (`cases_rows`, one row per province, id and part, with its history), the ids the
//! links say are one case are grouped, and the case every query reads is assembled from
//! its parts by the rules of the parts registry (`queries/parts.toml`), whatever the
//! order the parts arrived in.
//!
//! A load writes the parts only: assembling a million cases at every load cost four times
//! the load itself. A command that reads assembles once, into a temporary table of its
//! connection ([`prepare`]), which the temporary view `cases` reads; a store of the
//! office's records only (as every store was before v3) needs no grouping, and its
//! `cases` is the records themselves. The store's own view `cases` assembles in SQL
//! alone, for whoever opens the file with another tool. The store as known after an
//! earlier load assembles the parts and links known then, with the same SQL
//! ([`cases_sql`]).

use std::collections::HashMap;

use duckdb::{params, Connection};

use crate::catalog::{self, PartsRegistry};
use crate::error::{Error, Result};
use crate::model::{ColumnType, Kind, OFFICE_PART, PART_COLUMN, PROVINCE_COLUMN};

/// The table of the current assembled cases.
pub const ASSEMBLED_TABLE: &str = "session_cases_assembled";

/// The role of the office's consolidated record among the parts.
const OFFICE_ROLE: &str = "office";

fn registry() -> Result<PartsRegistry> {
    catalog::parts().map_err(Error::Catalog)
}

/// A text as an SQL literal (registry values are the office's configuration, not input,
/// but are quoted all the same).
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The assembled case's columns: the contract's, but the part, then the source province,
/// the load of its newest part and the load of its first.
pub fn assembled_columns() -> Vec<(&'static str, &'static str)> {
    let mut columns: Vec<(&str, &str)> = Kind::Cases
        .columns()
        .iter()
        .filter(|c| c.name != PART_COLUMN)
        .map(|c| (c.name, super::sql_type(c.ty)))
        .collect();
    columns.push((PROVINCE_COLUMN, "VARCHAR"));
    columns.push(("load_id", "BIGINT"));
    columns.push(("first_load_id", "BIGINT"));
    columns
}

/// The store's views of the parts behind the cases, of the link groups, and of the
/// cases themselves assembled in SQL alone (what another tool reading the file sees;
/// baove's own commands read their connection's assembly, [`prepare`]).
pub fn ddl() -> Result<String> {
    Ok(format!(
        "CREATE VIEW IF NOT EXISTS {PARTS_VIEW} AS SELECT * FROM {CURRENT_PARTS};\n\
         CREATE VIEW IF NOT EXISTS {LINK_GROUPS_VIEW} AS {groups};\n\
         CREATE VIEW IF NOT EXISTS cases AS {complete}",
        groups = link_groups_sql("case_links"),
        complete = complete_cases(&format!("({})", cases_sql(CURRENT_PARTS, LINK_GROUPS_VIEW)?))
    ))
}

/// The store's view of the link groups (for readers of the file; commands group links
/// in memory, [`fill_link_groups`]).
const LINK_GROUPS_VIEW: &str = "case_link_groups";

/// A SELECT of the link groups of the links in `links` in SQL alone: every id a link
/// names, with the smallest id of its group. A walk over the links, as long as a group
/// is wide; [`fill_link_groups`] does the same in linear time.
fn link_groups_sql(links: &str) -> String {
    format!(
        "WITH RECURSIVE edges AS (
             SELECT coalesce({PROVINCE_COLUMN}, '') AS p, case_id AS a, linked_case_id AS b FROM {links}
             UNION SELECT coalesce({PROVINCE_COLUMN}, ''), linked_case_id, case_id FROM {links}),
         walk(p, start, node) AS (
             SELECT p, a, a FROM edges
             UNION SELECT w.p, w.start, e.b FROM walk AS w JOIN edges AS e ON e.p = w.p AND e.a = w.node)
         SELECT nullif(p, '') AS {PROVINCE_COLUMN}, start AS case_id, min(node) AS group_key
         FROM walk GROUP BY p, start"
    )
}

/// A SELECT of the assembled cases of `assembled` that have every column the contract
/// requires of a case: a case whose parts hold no receipt yet (the police's part of a
/// case the receiving agency has not sent) waits, counted in the data-quality report,
/// and enters every figure when the receipt arrives.
pub fn complete_cases(assembled: &str) -> String {
    let required = Kind::Cases
        .columns()
        .iter()
        .filter(|c| c.required)
        .map(|c| format!("{} IS NOT NULL", c.name))
        .collect::<Vec<_>>()
        .join(" AND ");
    format!("SELECT * FROM {assembled} WHERE {required}")
}

/// The view of the parts behind `cases`: the current parts, or, for the store as known
/// after an earlier load, the parts known then (a temporary view of the same name).
pub const PARTS_VIEW: &str = "case_parts";

/// A SELECT of the parts in `parts` with their group (`grp`), role (`part_role`) and the
/// id of the case they are assembled into (`assembled_id`).
pub fn parts_with_case_sql(parts: &str, groups: &str) -> Result<String> {
    let grouped = grouped_parts_sql(&registry()?, parts, groups);
    Ok(format!(
        "SELECT *, first_value(case_id) OVER (PARTITION BY {PROVINCE_COLUMN}, grp ORDER BY received_at, case_id) AS assembled_id
         FROM ({grouped})"
    ))
}

/// Whether a cases column reads blank as false in the assembled case (the contract's
/// "blank = false" booleans, kept blank in a part so that a blank erases nothing).
fn blank_is_false(column: &str) -> bool {
    matches!(
        Kind::Cases.column(column).map(|c| c.ty),
        Some(ColumnType::Bool { .. })
    )
}

/// `CASE` giving each part's role: the registry's roles by their codes, the office's
/// consolidated record, or another agency's.
fn role_expression(registry: &PartsRegistry, part: &str) -> String {
    let mut arms = Vec::new();
    for role in &registry.roles {
        let codes = registry
            .codes_of(role)
            .iter()
            .map(|c| literal(c))
            .collect::<Vec<_>>()
            .join(", ");
        arms.push(format!("WHEN {part} IN ({codes}) THEN {}", literal(&role.id)));
    }
    arms.push(format!(
        "WHEN {part} = {} THEN {}",
        literal(OFFICE_PART),
        literal(OFFICE_ROLE)
    ));
    format!("CASE {} ELSE 'other' END", arms.join(" "))
}

/// The parts of `parts` (rows of `cases_rows`' shape) with their group (`grp`: the link
/// group's key, else the id), role and orderings: `recency` (the most recently loaded
/// first, for owned columns) and `receipt_order` (the earliest receipt first; among parts
/// received at the same moment the receiving agency's own part, then the office's
/// record, then by code and id, so that the order of loading never matters).
fn grouped_parts_sql(registry: &PartsRegistry, parts: &str, groups: &str) -> String {
    // The orderings are packed into BIGINTs: arg_max over a struct key costs twice as
    // much time, a HUGEINT's twice the memory (and a spill to disk past the 2 GB of a
    // query). Fields at powers of two: the low 24 bits break ties by the part and id (a
    // hash: deterministic, whatever the order of loading); load ids fit in 37 bits,
    // receipts are ordered to the second.
    let tie = format!("CAST(hash(p.{PART_COLUMN} || chr(31) || p.case_id) % 16777216 AS BIGINT)");
    let owner_keys: String = registry
        .roles
        .iter()
        .map(|role| {
            format!(
                ", (CASE WHEN part_role = {id} THEN 2 WHEN part_role = {office_role} THEN 1 ELSE 0 END) * 2305843009213693952 + recency AS {key}",
                id = literal(&role.id),
                office_role = literal(OFFICE_ROLE),
                key = owner_key(&role.id)
            )
        })
        .collect();
    format!(
        "SELECT *{owner_keys} FROM (
         SELECT p.*, coalesce(g.group_key, p.case_id) AS grp, {role} AS part_role,
                p.load_id * 16777216 + {tie} AS recency,
                CAST(epoch(p.received_at) AS BIGINT) * 67108864
                    + CAST((p.{PART_COLUMN} IS DISTINCT FROM p.receiving_agency) AS BIGINT) * 33554432
                    + CAST((p.{PART_COLUMN} <> {office}) AS BIGINT) * 16777216 + {tie} AS receipt_order
         FROM {parts} AS p
         LEFT JOIN {groups} AS g
           ON coalesce(g.{PROVINCE_COLUMN}, '') = coalesce(p.{PROVINCE_COLUMN}, '') AND g.case_id = p.case_id)",
        role = role_expression(registry, &format!("p.{PART_COLUMN}")),
        office = literal(OFFICE_PART),
    )
}

/// The column of a part's priority for a role's columns: the role's own part first, then
/// the office's record, then any other; within each, the most recently loaded.
fn owner_key(role: &str) -> String {
    format!(
        "owner_key_{}",
        role.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    )
}

/// A SELECT of the assembled cases of the parts in `parts` (rows shaped as
/// `cases_rows`, current ones only), grouped by the link groups in `groups`
/// (`province_code, case_id, group_key`). Its columns are [`assembled_columns`].
pub fn cases_sql(parts: &str, groups: &str) -> Result<String> {
    let registry = registry()?;
    let grouped = grouped_parts_sql(&registry, parts, groups);
    let single = single_part_columns();
    let mut assembled = Vec::new();
    for (name, _) in assembled_columns() {
        let rule = match name {
            // The id of the part received first (ties: the smallest id).
            "case_id" => {
                "arg_min(case_id, {'at': coalesce(received_at, TIMESTAMP '9999-12-31'), 'id': case_id})"
                    .to_string()
            }
            // First receipt by any agency.
            "received_at" => "min(received_at)".to_string(),
            // A child at risk for any agency is at risk.
            "emergency" => "coalesce(bool_or(emergency), false)".to_string(),
            PROVINCE_COLUMN => PROVINCE_COLUMN.to_string(),
            "load_id" => "max(load_id)".to_string(),
            "first_load_id" => "min(load_id)".to_string(),
            c => {
                let value = match registry.owner_of(c) {
                    // The owner's value, else the office's record's, else the most
                    // recently loaded other part's: a blank never erases a value.
                    Some(owner) => format!(
                        "arg_max({c}, {key}) FILTER (WHERE {c} IS NOT NULL)",
                        key = owner_key(&owner.id)
                    ),
                    // A receipt column: from the part received first that has it.
                    None => format!("arg_min({c}, receipt_order) FILTER (WHERE {c} IS NOT NULL)"),
                };
                if blank_is_false(c) {
                    format!("coalesce({value}, false)")
                } else {
                    value
                }
            }
        };
        assembled.push(format!("{rule} AS {name}"));
    }
    Ok(format!(
        "WITH grouped AS NOT MATERIALIZED ({grouped}),
         limited AS NOT MATERIALIZED (SELECT * FROM grouped),
         -- A count by group and a join: a window over rows this wide costs several times
         -- more; each use reads the parts again rather than holding them (they are wide).
         sizes AS (SELECT {PROVINCE_COLUMN}, grp, count(*) AS part_count FROM limited GROUP BY ALL),
         sized AS NOT MATERIALIZED (SELECT l.*, s.part_count FROM limited AS l JOIN sizes AS s
                   ON coalesce(s.{PROVINCE_COLUMN}, '') = coalesce(l.{PROVINCE_COLUMN}, '') AND s.grp = l.grp)
         SELECT {single} FROM sized WHERE part_count = 1
         UNION ALL
         SELECT {assembled} FROM sized WHERE part_count > 1 GROUP BY {PROVINCE_COLUMN}, grp",
        single = single.join(", "),
        assembled = assembled.join(",\n "),
    ))
}

/// The assembled case of a case with one part: the part itself, its blanks read.
fn single_part_columns() -> Vec<String> {
    assembled_columns()
        .into_iter()
        .map(|(name, _)| match name {
            "first_load_id" => "load_id AS first_load_id".to_string(),
            c if blank_is_false(c) => format!("coalesce({c}, false) AS {c}"),
            c => c.to_string(),
        })
        .collect()
}

/// Fills the temporary table `into` (`province_code, case_id, group_key`) with the link
/// groups of the links in `links`: every id a link names, with the smallest id of its
/// group. Links are transitive; a union-find in memory, so a long chain costs no more
/// than its links.
pub fn fill_link_groups(conn: &Connection, links: &str, into: &str) -> Result<()> {
    fill_link_groups_in(conn, links, into).map_err(Error::duckdb("grouping linked case ids"))
}

fn fill_link_groups_in(conn: &Connection, links: &str, into: &str) -> duckdb::Result<()> {
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE {into} ({PROVINCE_COLUMN} VARCHAR, case_id VARCHAR, group_key VARCHAR)"
    ))?;
    let mut stmt = conn.prepare(&format!(
        "SELECT coalesce({PROVINCE_COLUMN}, ''), case_id, linked_case_id FROM {links}"
    ))?;
    let mut ids: HashMap<(String, String), usize> = HashMap::new();
    let mut names: Vec<(String, String)> = Vec::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut index = |province: &str, id: String, parent: &mut Vec<usize>| -> usize {
        let key = (province.to_string(), id);
        if let Some(&i) = ids.get(&key) {
            return i;
        }
        let i = names.len();
        names.push(key.clone());
        ids.insert(key, i);
        parent.push(i);
        i
    };
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let province: String = row.get(0)?;
        let a = index(&province, row.get(1)?, &mut parent);
        let b = index(&province, row.get(2)?, &mut parent);
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    drop(rows);
    drop(stmt);
    if names.is_empty() {
        return Ok(());
    }
    // The key of a group: its smallest id, so that the key does not depend on the order
    // the links were read in.
    let mut smallest: HashMap<usize, usize> = HashMap::new();
    for i in 0..names.len() {
        let r = root(&mut parent, i);
        let best = smallest.entry(r).or_insert(i);
        if names[i].1 < names[*best].1 {
            *best = i;
        }
    }
    let text_list = |values: Vec<String>| {
        duckdb::types::Value::List(values.into_iter().map(duckdb::types::Value::Text).collect())
    };
    let (mut provinces, mut members, mut keys) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..names.len() {
        let r = root(&mut parent, i);
        provinces.push(names[i].0.clone());
        members.push(names[i].1.clone());
        keys.push(names[smallest[&r]].1.clone());
    }
    conn.execute(
        &format!("INSERT INTO {into} SELECT nullif(unnest(?1), ''), unnest(?2), unnest(?3)"),
        params![text_list(provinces), text_list(members), text_list(keys)],
    )?;
    Ok(())
}

fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The current parts: the rows of `cases_rows` no later load replaced.
pub const CURRENT_PARTS: &str = "(SELECT * EXCLUDE (replaced_by) FROM cases_rows WHERE replaced_by IS NULL)";

/// Whether the store holds the office's consolidated records only, no part of an agency
/// and no link (a store loaded as before v3): each case is then its one record.
fn office_records_only(conn: &Connection) -> Result<bool> {
    conn.query_row(
        &format!(
            "SELECT NOT EXISTS (SELECT 1 FROM cases_rows WHERE {PART_COLUMN} <> ?1)
                AND NOT EXISTS (SELECT 1 FROM case_links_rows)"
        ),
        params![OFFICE_PART],
        |r| r.get(0),
    )
    .map_err(Error::duckdb("assembling cases"))
}

/// Makes this connection's `cases` the current cases: the office's records as they are
/// when the store holds nothing else, else the assembly of the current parts and links,
/// computed once into [`ASSEMBLED_TABLE`]. Returns whether an assembly was made.
pub fn prepare(conn: &Connection) -> Result<bool> {
    let fail = Error::duckdb;
    let mut clock = crate::Stopwatch::start();
    let drop =
        format!("DROP VIEW IF EXISTS temp.main.cases; DROP TABLE IF EXISTS temp.main.{ASSEMBLED_TABLE};");
    conn.execute_batch(&drop).map_err(fail("assembling cases"))?;
    if office_records_only(conn)? {
        conn.execute_batch(&format!(
            "CREATE TEMP TABLE {ASSEMBLED_TABLE} AS SELECT {columns} FROM {CURRENT_PARTS} LIMIT 0;
             CREATE TEMP VIEW cases AS SELECT {columns} FROM {CURRENT_PARTS}",
            columns = single_part_columns().join(", ")
        ))
        .map_err(fail("the office's records"))?;
        clock.lap("cases: the office's records");
        return Ok(false);
    }
    fill_link_groups(conn, "case_links", "session_link_groups")?;
    let sql = cases_sql(CURRENT_PARTS, "session_link_groups")?;
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE {ASSEMBLED_TABLE} AS {sql};
         CREATE TEMP VIEW cases AS {complete};
         DROP TABLE session_link_groups;",
        complete = complete_cases(ASSEMBLED_TABLE)
    ))
    .map_err(fail("assembling cases"))?;
    clock.lap("cases: assembled from their parts");
    Ok(true)
}

/// A SELECT of `province_code, member_id, case_id`: every id of the parts in `parts`
/// with the id its assembled case goes by (that of its group's part received first).
pub fn membership_sql(parts: &str, groups: &str) -> Result<String> {
    let grouped = grouped_parts_sql(&registry()?, parts, groups);
    Ok(format!(
        "SELECT DISTINCT {PROVINCE_COLUMN}, case_id AS member_id,
                first_value(case_id) OVER (PARTITION BY {PROVINCE_COLUMN}, grp ORDER BY received_at, case_id) AS case_id
         FROM ({grouped})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Parts of one case inserted straight into `cases_rows` (what loads would write),
    /// in the given order, then assembled: the assembled case's columns.
    fn assembled(parts: &[(&str, i64, &str)], columns: &str) -> Vec<String> {
        let store = Store::open_in_memory().unwrap();
        let conn = &store.conn;
        for (part, load, values) in parts {
            conn.execute_batch(&format!(
                "INSERT INTO cases_rows (case_id, area_code, received_at, receiving_agency, channel, abuse_type,
                     victim_sex, {columns}, source_agency, province_code, load_id)
                 VALUES ('K1', '450', TIMESTAMP '2025-01-10 08:00:00', 'OTHER', 'HOTLINE_111', 'GROOMING', 'F',
                     {values}, '{part}', '44', {load})"
            ))
            .unwrap();
        }
        prepare(conn).unwrap();
        let text: Vec<String> = columns
            .split(',')
            .map(|c| format!("CAST({} AS VARCHAR)", c.trim()))
            .collect();
        let mut stmt = conn
            .prepare(&format!("SELECT {} FROM cases", text.join(", ")))
            .unwrap();
        let width = columns.split(',').count();
        let rows: Vec<Vec<String>> = stmt
            .query_map([], |r| {
                (0..width)
                    .map(|i| {
                        r.get::<_, Option<String>>(i)
                            .map(|v| v.unwrap_or_else(|| "-".into()))
                    })
                    .collect()
            })
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 1, "one case");
        rows.into_iter().next().unwrap()
    }

    /// Every order of the parts gives the same case.
    fn in_every_order(parts: &[(&str, i64, &str)], columns: &str) -> Vec<String> {
        let mut orders: Vec<Vec<(&str, i64, &str)>> = vec![parts.to_vec()];
        let mut reversed = parts.to_vec();
        reversed.reverse();
        orders.push(reversed);
        let mut rotated = parts.to_vec();
        rotated.rotate_left(1);
        orders.push(rotated);
        let first = assembled(&orders[0], columns);
        for order in &orders[1..] {
            assert_eq!(assembled(order, columns), first, "order {order:?}");
        }
        first
    }

    #[test]
    fn the_owner_then_the_office_then_the_newest_other_part_gives_an_owned_column() {
        let columns = "assessment_result, police_received_at";
        // The owner (the child-protection agency) wins over the office and the police,
        // whatever the loads' order; the police's own column is the police's.
        let got = in_every_order(
            &[
                ("OFFICE", 3, "'UNFOUNDED', TIMESTAMP '2025-01-11 00:00:00'"),
                ("SYT", 1, "'CONFIRMED', NULL"),
                ("CA", 2, "'INSUFFICIENT', TIMESTAMP '2025-01-12 00:00:00'"),
            ],
            columns,
        );
        assert_eq!(got, ["CONFIRMED", "2025-01-12 00:00:00"]);
        // No owner's value: the office's record's.
        let got = in_every_order(
            &[
                ("OFFICE", 1, "'UNFOUNDED', NULL"),
                ("CA", 2, "'INSUFFICIENT', NULL"),
            ],
            columns,
        );
        assert_eq!(got, ["UNFOUNDED", "-"]);
        // Neither: the most recently loaded other part's.
        let got = in_every_order(
            &[
                ("TTTT", 1, "'UNFOUNDED', NULL"),
                ("CA", 2, "'INSUFFICIENT', NULL"),
            ],
            columns,
        );
        assert_eq!(got, ["INSUFFICIENT", "-"]);
        // Both codes of the child-protection role: the most recently loaded.
        let got = in_every_order(
            &[
                ("LDTBXH", 4, "'CONFIRMED', NULL"),
                ("SYT", 2, "'UNFOUNDED', NULL"),
            ],
            columns,
        );
        assert_eq!(got, ["CONFIRMED", "-"]);
    }

    #[test]
    fn a_blank_erases_nothing_and_a_blank_flag_is_false() {
        let columns = "closed_at, outcome, emergency, complex_case";
        let got = in_every_order(
            &[
                (
                    "SYT",
                    1,
                    "TIMESTAMP '2025-02-01 00:00:00', 'SUPPORT_ONLY', NULL, NULL",
                ),
                ("CA", 2, "NULL, NULL, true, NULL"),
                ("OTHER", 3, "NULL, NULL, false, NULL"),
            ],
            columns,
        );
        assert_eq!(got, ["2025-02-01 00:00:00", "SUPPORT_ONLY", "true", "false"]);
    }
}
