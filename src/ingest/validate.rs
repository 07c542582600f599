//! Validation exactly as the contract says, vectorised in polars: required columns, types,
//! closed code lists, date forms, row rules and unique ids. The result is the canonical
//! typed frame (contract columns in contract order) plus one finding per broken rule per
//! row, each pointing at the row and cell as the user sees them.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use polars::prelude::*;
use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::findings::{Finding, Keeper, RowSet, Unlisted};
use crate::ingest::identity::safe_echo;
use crate::ingest::profile::{match_key, Profile};
use crate::ingest::read::{RawTable, ROW_COLUMN};
use crate::model::{ColumnSpec, ColumnType, Kind, CASE_PAIRS, CASE_STAGES};

/// Datetime forms of the contract, tried in order (`exact`: the whole cell must match).
pub const DATETIME_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
];
/// Date forms; a date without a time means 00:00.
pub const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%d/%m/%Y"];

const TRUE_WORDS: &[&str] = &["true", "1", "yes", "có"];
const FALSE_WORDS: &[&str] = &["false", "0", "no", "không"];

/// What validation needs to know besides the file.
#[derive(Debug, Clone)]
pub struct Context {
    /// The moment of loading, local time: no time in the data may be later.
    pub now: NaiveDateTime,
    /// Area codes known from the store and this batch; None when no areas are known yet.
    pub known_areas: Option<Vec<String>>,
    /// The rows are one part of a file whose ids are checked for repeats over all its
    /// parts at once, repeats inside a part included ([`super::parts::KeysSeen`]): a
    /// check per part would hash every id a second time (a tenth of a large load's
    /// reading).
    pub ids_checked_across_parts: bool,
}

#[derive(Debug)]
pub struct Validated {
    pub kind: Kind,
    /// [`ROW_COLUMN`] then the contract's columns, typed.
    pub canonical: DataFrame,
    /// The findings kept whole: the first [`crate::findings::KEPT_PER_RULE`] of each
    /// column and rule.
    pub findings: Vec<Finding>,
    /// The findings beyond those, counted.
    pub unlisted: Unlisted,
    /// The cells those counted findings are about: (data row, index of its problem in
    /// `problems`), 8 bytes a cell where a finding took hundreds.
    beyond: Vec<(u32, u16)>,
    problems: Vec<Problem>,
    /// Headers that are not contract columns: reported, never loaded.
    pub ignored_columns: Vec<String>,
    /// Contract column → position of its raw column.
    pub mapped: BTreeMap<&'static str, usize>,
}

/// What a check says of a cell it flags, beyond the kept findings.
#[derive(Debug, Clone)]
struct Problem {
    column: String,
    rule: &'static str,
}

impl Validated {
    /// Data rows (0-based) from `first` to `last` broken by at least one finding, kept or
    /// counted, with what is wrong in each ("column: reason [rule]"; beyond the kept
    /// findings "column [rule]"), for the quarantine, which takes a file's rows a slice
    /// at a time so that its memory does not grow with the file.
    pub fn invalid_rows_between(&self, first: usize, last: usize) -> BTreeMap<usize, Vec<String>> {
        let mut rows: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for f in &self.findings {
            if let Some(r) = f.data_row.filter(|r| (first..=last).contains(r)) {
                rows.entry(r)
                    .or_default()
                    .push(format!("{}: {} [{}]", f.column, f.reason, f.rule));
            }
        }
        let start = self.beyond.partition_point(|&(row, _)| (row as usize) < first);
        for &(row, problem) in self.beyond[start..]
            .iter()
            .take_while(|&&(row, _)| row as usize <= last)
        {
            let p = &self.problems[problem as usize];
            // Beyond the kept findings the rule says what is wrong: the reason in full,
            // a hundred bytes, for each of millions of cells, was most of a quarantine's
            // memory.
            rows.entry(row as usize)
                .or_default()
                .push(format!("{} [{}]", p.column, p.rule));
        }
        rows
    }

    /// Every row [`Self::invalid_rows_between`] would name, as bits.
    pub fn invalid_row_set(&self) -> RowSet {
        let mut set = RowSet::default();
        for row in self.findings.iter().filter_map(|f| f.data_row) {
            set.insert(row);
        }
        for &(row, _) in &self.beyond {
            set.insert(row as usize);
        }
        set
    }

    /// Whether any row is broken.
    pub fn has_row_findings(&self) -> bool {
        !self.beyond.is_empty() || self.findings.iter().any(|f| f.data_row.is_some())
    }

    /// The rows where `rule` (one of `rules`) broke the column headed `header`.
    fn rows_broken_in(&self, rules: &[&str], header: &str) -> Vec<u64> {
        let mut rows: Vec<u64> = self
            .findings
            .iter()
            .filter(|f| rules.contains(&f.rule) && f.column == header)
            .filter_map(|f| f.data_row.map(|r| r as u64))
            .collect();
        rows.extend(self.beyond.iter().filter_map(|&(row, problem)| {
            let p = &self.problems[problem as usize];
            (rules.contains(&p.rule) && p.column == header).then_some(u64::from(row))
        }));
        rows.sort_unstable();
        rows
    }

    /// Whether the file as a whole is unusable (a finding not tied to a row).
    pub fn has_file_findings(&self) -> bool {
        self.findings.iter().any(|f| f.data_row.is_none())
    }
}

/// One check: a boolean column that is true where `rule` is broken in `column`.
struct Check {
    column: &'static str,
    rule: &'static str,
    reason: String,
    /// Quote the (safe) value back in the reason.
    echo: bool,
    expr: Expr,
}

fn t(name: &str) -> Expr {
    col(format!("t_{name}"))
}

fn p(name: &str) -> Expr {
    col(format!("p_{name}"))
}

fn one_of_pattern(values: &[&str]) -> String {
    let alternatives: Vec<String> = values.iter().map(|v| regex::escape(v)).collect();
    format!("(?i)^(?:{})$", alternatives.join("|"))
}

fn word_pattern(words: &[&str]) -> String {
    // Office software may store "có" decomposed; accept both compositions.
    let mut all: Vec<String> = Vec::new();
    for w in words {
        all.push(w.nfc().collect());
        all.push(w.nfd().collect());
    }
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    one_of_pattern(&refs)
}

fn parse_datetime(value: Expr, extra_formats: &[String]) -> Expr {
    let options = |format: &str| StrptimeOptions {
        format: Some(format.into()),
        strict: false,
        exact: true,
        // Times of day make nearly every value distinct, so a cache of parsed values
        // only costs there; plain dates repeat and gain from it.
        cache: !format.contains("%H"),
    };
    let mut tries: Vec<Expr> = DATETIME_FORMATS
        .iter()
        .map(|f| {
            value
                .clone()
                .str()
                .to_datetime(Some(TimeUnit::Microseconds), None, options(f), lit("raise"))
        })
        .collect();
    for f in DATE_FORMATS
        .iter()
        .copied()
        .chain(extra_formats.iter().map(String::as_str))
    {
        let has_time = f.contains("%H");
        tries.push(if has_time {
            value
                .clone()
                .str()
                .to_datetime(Some(TimeUnit::Microseconds), None, options(f), lit("raise"))
        } else {
            value
                .clone()
                .str()
                .to_date(options(f))
                .cast(DataType::Datetime(TimeUnit::Microseconds, None))
        });
    }
    coalesce(&tries)
}

fn parse_date(value: Expr, extra_formats: &[String]) -> Expr {
    let options = |format: &str| StrptimeOptions {
        format: Some(format.into()),
        strict: false,
        exact: true,
        cache: true,
    };
    let tries: Vec<Expr> = DATE_FORMATS
        .iter()
        .copied()
        .chain(
            extra_formats
                .iter()
                .map(String::as_str)
                .filter(|f| !f.contains("%H")),
        )
        .map(|f| value.clone().str().to_date(options(f)))
        .collect();
    coalesce(&tries)
}

/// Tries one datetime form on a whole column (null where it does not parse).
fn parse_datetime_as(value: Expr, format: &str) -> Expr {
    let options = StrptimeOptions {
        format: Some(format.into()),
        strict: false,
        exact: true,
        cache: !format.contains("%H"),
    };
    if format.contains("%H") {
        value
            .str()
            .to_datetime(Some(TimeUnit::Microseconds), None, options, lit("raise"))
    } else {
        value
            .str()
            .to_date(options)
            .cast(DataType::Datetime(TimeUnit::Microseconds, None))
    }
}

/// The form a sample value is written in, among the accepted ones.
fn detect_form<'f>(sample: &str, forms: &'f [String], date_only: bool) -> Option<&'f str> {
    forms.iter().map(String::as_str).find(|f| {
        if f.contains("%H") {
            !date_only && chrono::NaiveDateTime::parse_from_str(sample, f).is_ok()
        } else {
            chrono::NaiveDate::parse_from_str(sample, f).is_ok()
        }
    })
}

/// The parsed (typed) value of a column, null where the text does not parse.
/// `single_form`: the one datetime form the whole column was found to use.
/// `canonical`: every value is already written as the contract writes it.
fn parsed(spec: &ColumnSpec, extra_formats: &[String], single_form: Option<&str>, canonical: bool) -> Expr {
    let v = t(spec.name);
    if let Some(form) = single_form {
        let as_datetime = parse_datetime_as(v, form);
        return match spec.ty {
            ColumnType::Date => as_datetime.cast(DataType::Date),
            _ => as_datetime,
        };
    }
    match spec.ty {
        ColumnType::Code(_) | ColumnType::CodeList(_) if canonical => v,
        ColumnType::Bool { default } if canonical => {
            let b = v.clone().eq(lit("true"));
            match default {
                Some(d) => when(v.is_null()).then(lit(d)).otherwise(b),
                None => b,
            }
        }
        ColumnType::Id | ColumnType::Text => v,
        ColumnType::Code(list) => when(v.clone().str().contains(lit(one_of_pattern(list)), true))
            .then(v.str().to_uppercase())
            .otherwise(lit(NULL).cast(DataType::String)),
        ColumnType::CodeList(list) => {
            let one = list
                .iter()
                .map(|c| regex::escape(c))
                .collect::<Vec<_>>()
                .join("|");
            let pattern = format!(r"(?i)^\s*(?:{one})(?:\s*;\s*(?:{one}))*\s*;?\s*$");
            when(v.clone().str().contains(lit(pattern), true))
                .then(
                    v.str()
                        .to_uppercase()
                        .str()
                        .replace_all(lit(r"\s+"), lit(""), false)
                        .str()
                        .strip_chars_end(lit(";")),
                )
                .otherwise(lit(NULL).cast(DataType::String))
        }
        ColumnType::DateTime => parse_datetime(v, extra_formats),
        ColumnType::Date => parse_date(v, extra_formats),
        ColumnType::Bool { default } => {
            let b = when(v.clone().str().contains(lit(word_pattern(TRUE_WORDS)), true))
                .then(lit(true))
                .when(v.clone().str().contains(lit(word_pattern(FALSE_WORDS)), true))
                .then(lit(false))
                .otherwise(lit(NULL).cast(DataType::Boolean));
            match default {
                // Blank means the default; an unreadable value stays null and is flagged.
                Some(d) => when(v.is_null()).then(lit(d)).otherwise(b),
                None => b,
            }
        }
        ColumnType::Int { .. } => v.cast(DataType::Int64),
        // Office software in Vietnamese writes "0,5".
        ColumnType::Number { .. } => v.str().replace(lit(","), lit("."), true).cast(DataType::Float64),
    }
}

fn type_reason(spec: &ColumnSpec) -> (&'static str, String) {
    match spec.ty {
        ColumnType::Id => ("id-format", "must be 1 to 64 letters, digits, '_' or '-'".into()),
        ColumnType::Text => ("text", "not text".into()),
        ColumnType::Code(list) => ("code", format!("not one of the codes {}", list.join(", "))),
        ColumnType::CodeList(list) => (
            "code",
            format!("not a ';'-separated list of the codes {}", list.join(", ")),
        ),
        ColumnType::DateTime => (
            "datetime",
            "not a date-time in an accepted form (YYYY-MM-DD HH:MM:SS, YYYY-MM-DD, DD/MM/YYYY HH:MM, DD/MM/YYYY ...)".into(),
        ),
        ColumnType::Date => ("date", "not a date in an accepted form (YYYY-MM-DD or DD/MM/YYYY)".into()),
        ColumnType::Bool { .. } => ("boolean", "not a yes/no value (true/false, 1/0, yes/no, có/không)".into()),
        ColumnType::Int { .. } => ("integer", "not a whole number".into()),
        ColumnType::Number { .. } => ("number", "not a number".into()),
    }
}

/// Maps the raw headers to contract columns. Returns (contract column → raw position),
/// the ignored headers, and file-level findings (duplicates, missing required columns).
fn map_headers(
    kind: Kind,
    table: &RawTable,
    profile: &Profile,
) -> (BTreeMap<&'static str, usize>, Vec<String>, Vec<Finding>) {
    let mut mapped: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut ignored = Vec::new();
    let mut findings = Vec::new();
    for (i, header) in table.headers.iter().enumerate() {
        match profile.resolve_header(kind, header) {
            Some(name) => {
                if let Some(&first) = mapped.get(name) {
                    findings.push(Finding {
                        file: table.file.clone(),
                        location: table.locate_header(i),
                        data_row: None,
                        column: header.clone(),
                        rule: "duplicate-column",
                        reason: format!(
                            "maps to {name}, as column {:?} does already",
                            table.headers[first]
                        ),
                    });
                } else {
                    mapped.insert(name, i);
                }
            }
            None => ignored.push(header.clone()),
        }
    }
    // An agency's part of a case needs only its id: what the agency does not hold (the
    // receipt, if another agency received the case) other parts give.
    let part_export = kind.part_column().is_some_and(|part| {
        mapped.contains_key(part)
            || profile
                .agency
                .as_deref()
                .is_some_and(|a| a.trim() != crate::model::OFFICE_PART)
    });
    for spec in kind.columns() {
        let needed = spec.required && (!part_export || kind.key_columns().contains(&spec.name));
        if needed && !mapped.contains_key(spec.name) {
            findings.push(Finding {
                file: table.file.clone(),
                location: table.locate_header(0).replace("A1", "row 1"),
                data_row: None,
                column: spec.name.into(),
                rule: "missing-column",
                reason: format!("the required column {} is missing from the header", spec.name),
            });
        }
    }
    (mapped, ignored, findings)
}

/// The trimmed text of a raw column, blank as null, recoded through the profile.
fn prepared_column(table: &RawTable, position: usize, recodings: &[(String, String)]) -> Result<Column> {
    let key = RawTable::column_key(position);
    let column = table.df.column(&key).map_err(Error::polars("reading a column"))?;
    if recodings.is_empty() {
        return Ok(column.clone());
    }
    // Exports hold few distinct codes: each distinct value is matched once (its key
    // costs a normalisation), and every cell is then one lookup of its own text.
    let lookup: std::collections::HashMap<&str, &str> =
        recodings.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let values = column.str().map_err(Error::polars("reading a column"))?;
    let mut by_text: std::collections::HashMap<&str, Option<&str>> = std::collections::HashMap::new();
    let recoded: StringChunked = values
        .iter()
        .map(|v| {
            v.map(|v| {
                let to = *by_text
                    .entry(v)
                    .or_insert_with(|| lookup.get(match_key(v).as_str()).copied());
                to.unwrap_or(v)
            })
        })
        .collect();
    Ok(recoded.with_name(key.into()).into_column())
}

pub fn validate(kind: Kind, table: &RawTable, profile: &Profile, ctx: &Context) -> Result<Validated> {
    let (mapped, ignored_columns, file_findings) = map_headers(kind, table, profile);
    if !file_findings.is_empty() {
        return Ok(Validated {
            kind,
            canonical: DataFrame::empty(),
            findings: file_findings,
            unlisted: Unlisted::default(),
            beyond: Vec::new(),
            problems: Vec::new(),
            ignored_columns,
            mapped,
        });
    }
    let context = |what: &str| format!("{}: {what}", table.file);
    let mut clock = crate::Stopwatch::start();
    let trimmed_frame = trimmed_contract_columns(kind, table, profile, &mapped)?;
    clock.lap("validate: trim");
    let single_forms = sampled_forms(kind, &trimmed_frame, profile)?;
    let canonical_columns = already_canonical(kind, &trimmed_frame)?;
    clock.lap("validate: forms");
    let checks = contract_checks(kind, profile, ctx)?;
    let result = parsed_and_flagged(
        kind,
        &trimmed_frame,
        profile,
        single_forms,
        &canonical_columns,
        &checks,
        &context,
    )?;
    clock.lap("validate: parse and check");
    let Flagged {
        findings,
        unlisted,
        beyond,
        problems,
    } = flagged_findings(&checks, &result, table, &mapped)?;
    clock.lap("validate: findings");

    let mut canonical_exprs = vec![col(ROW_COLUMN)];
    canonical_exprs.extend(kind.columns().iter().map(|spec| {
        if Some(spec.name) == kind.part_column() {
            // A row without its part is the part the load names, else the office's
            // consolidated record (v2's whole-record export).
            let part = profile.agency.as_deref().unwrap_or(crate::model::OFFICE_PART);
            return p(spec.name)
                .fill_null(lit(part.trim().to_string()))
                .alias(spec.name);
        }
        p(spec.name).alias(spec.name)
    }));
    let canonical = result
        .lazy()
        .select(canonical_exprs)
        .collect()
        .map_err(Error::polars(context("building the canonical table")))?;
    Ok(Validated {
        kind,
        canonical,
        findings,
        unlisted,
        beyond,
        problems,
        ignored_columns,
        mapped,
    })
}

/// Stage 1: the row numbers, and the trimmed text of every contract column (blank as
/// null, recoded by the profile), `t_<name>`; a column the file lacks is all null.
fn trimmed_contract_columns(
    kind: Kind,
    table: &RawTable,
    profile: &Profile,
    mapped: &BTreeMap<&'static str, usize>,
) -> Result<DataFrame> {
    let context = |what: &str| format!("{}: {what}", table.file);
    let height = table.df.height();
    let mut trimmed_columns: Vec<Column> = vec![table
        .df
        .column(ROW_COLUMN)
        .map_err(Error::polars(context("numbering rows")))?
        .clone()];
    let trimmed: Vec<Result<Column>> = kind
        .columns()
        .par_iter()
        .map(|spec| {
            let name = format!("t_{}", spec.name);
            let column = match mapped.get(spec.name) {
                Some(&position) => {
                    let column = prepared_column(table, position, &profile.recodings(spec.name))?;
                    trimmed_text(&column).map_err(Error::polars(context("trimming")))?
                }
                None => Column::full_null(name.as_str().into(), height, &DataType::String),
            };
            Ok(column.with_name(name.into()))
        })
        .collect();
    for column in trimmed {
        trimmed_columns.push(column?);
    }
    DataFrame::new_infer_height(trimmed_columns).map_err(Error::polars(context("preparing columns")))
}

/// Stage 2: every check of the contract on a file of `kind`: required values, types,
/// ranges, no future times, the rules across columns, unique keys, known areas.
fn contract_checks(kind: Kind, profile: &Profile, ctx: &Context) -> Result<Vec<Check>> {
    let mut checks: Vec<Check> = Vec::new();
    // The office's consolidated record must be whole; an agency's part may leave blank
    // what it does not hold (data-contract.md v3), but never the case's id.
    let office_row = match kind.part_column() {
        Some(part) => {
            let named = profile.agency.as_deref().unwrap_or(crate::model::OFFICE_PART);
            p(part)
                .fill_null(lit(named.trim().to_string()))
                .eq(lit(crate::model::OFFICE_PART))
        }
        None => lit(true),
    };
    for spec in kind.columns() {
        if spec.required {
            let blank = t(spec.name).is_null();
            checks.push(Check {
                column: spec.name,
                rule: "required",
                reason: "a value is required here".into(),
                echo: false,
                expr: if kind.key_columns().contains(&spec.name) {
                    blank
                } else {
                    blank.and(office_row.clone())
                },
            });
        }
        let (rule, reason) = type_reason(spec);
        let broken = match spec.ty {
            ColumnType::Id => t(spec.name).is_not_null().and(
                t(spec.name)
                    .str()
                    .contains(lit("^[A-Za-z0-9_-]{1,64}$"), true)
                    .not(),
            ),
            ColumnType::Text => lit(false),
            _ => t(spec.name).is_not_null().and(p(spec.name).is_null()),
        };
        checks.push(Check {
            column: spec.name,
            rule,
            reason,
            echo: true,
            expr: broken,
        });
        checks.extend(value_range_checks(spec, ctx));
    }
    add_row_rules(kind, &mut checks)?;
    if let (Some(part), Some(agency)) = (kind.part_column(), &profile.agency) {
        checks.push(Check {
            column: part,
            rule: "part-agency",
            reason: format!("differs from the agency this load names ({})", agency.trim()),
            echo: true,
            expr: p(part)
                .is_not_null()
                .and(p(part).neq(lit(agency.trim().to_string()))),
        });
    }
    let keys = kind.key_columns();
    if !ctx.ids_checked_across_parts {
        let key_expr = if keys.len() == 1 {
            t(keys[0])
        } else {
            concat_str(keys.iter().map(|k| t(k)).collect::<Vec<_>>(), "\u{1f}", false)
        };
        checks.push(Check {
            column: keys[0],
            rule: "duplicate-id",
            reason: repeated_id_reason(keys),
            echo: true,
            expr: key_expr.clone().is_not_null().and(key_expr.is_duplicated()),
        });
    }
    checks.extend(area_checks(kind, ctx));
    Ok(checks)
}

/// A column's values within their range: numbers within bounds, times not after the
/// moment of loading.
fn value_range_checks(spec: &crate::model::ColumnSpec, ctx: &Context) -> Vec<Check> {
    let mut checks = Vec::new();
    if let ColumnType::Int { min, max } = spec.ty {
        checks.push(Check {
            column: spec.name,
            rule: "range",
            reason: if max == i64::MAX {
                format!("must be {min} or more")
            } else {
                format!("must be from {min} to {max}")
            },
            echo: true,
            expr: p(spec.name).lt(lit(min)).or(p(spec.name).gt(lit(max))),
        });
    }
    if let ColumnType::Number { min, max } = spec.ty {
        checks.push(Check {
            column: spec.name,
            rule: "range",
            reason: format!("must be from {min} to {max}"),
            echo: true,
            expr: p(spec.name).lt(lit(min)).or(p(spec.name).gt(lit(max))),
        });
    }
    if spec.ty == ColumnType::DateTime {
        checks.push(Check {
            column: spec.name,
            rule: "future-time",
            reason: "later than the moment of loading".into(),
            echo: true,
            expr: p(spec.name).gt(lit(ctx.now)),
        });
    }
    checks
}

/// Areas are known before anything refers to them: a code outside the store's and the
/// batch's areas is invalid, and with no areas at all every code is (the areas file goes
/// first, or in the same command). An area's parent is known likewise.
fn area_checks(kind: Kind, ctx: &Context) -> Vec<Check> {
    let mut checks = Vec::new();
    let coded: &[&'static str] = match kind {
        Kind::Areas => &[],
        Kind::Crosswalk => &["from_code", "to_code"],
        _ if kind.column("area_code").is_some() => &["area_code"],
        _ => &[],
    };
    let known_pattern = ctx.known_areas.as_ref().map(|areas| {
        format!(
            "^(?:{})$",
            areas
                .iter()
                .map(|c| regex::escape(c))
                .collect::<Vec<_>>()
                .join("|")
        )
    });
    if kind == Kind::Areas {
        // A parent is an area of this file or of the store: a tree with a dangling
        // branch would put its communes under no province.
        let in_store = match &known_pattern {
            Some(pattern) => t("parent_code").str().contains(lit(pattern.clone()), true),
            None => lit(false),
        };
        checks.push(Check {
            column: "parent_code",
            rule: "unknown-parent",
            reason: "names no area of this file or of the store".into(),
            echo: true,
            expr: t("parent_code")
                .is_not_null()
                .and(t("parent_code").is_in(t("area_code").implode(false), false).not())
                .and(in_store.not()),
        });
    }
    for column in coded {
        let (reason, expr) = match &known_pattern {
            Some(pattern) => (
                "not an area code of the areas file".to_string(),
                t(column)
                    .is_not_null()
                    .and(t(column).str().contains(lit(pattern.clone()), true).not()),
            ),
            None => (
                "no areas are known: load the areas file first, or in the same command".to_string(),
                t(column).is_not_null(),
            ),
        };
        checks.push(Check {
            column,
            rule: "unknown-area",
            reason,
            echo: true,
            expr,
        });
    }

    checks
}

/// Stage 3: the frame with each column parsed (`p_<name>`) and each check's flag
/// (`f<i>`).
fn parsed_and_flagged(
    kind: Kind,
    trimmed_frame: &DataFrame,
    profile: &Profile,
    mut single_forms: BTreeMap<&'static str, String>,
    canonical_columns: &std::collections::BTreeSet<&'static str>,
    checks: &[Check],
    context: &dyn Fn(&str) -> String,
) -> Result<DataFrame> {
    let flag_exprs: Vec<Expr> = checks
        .iter()
        .enumerate()
        .map(|(i, c)| c.expr.clone().fill_null(lit(false)).alias(format!("f{i}")))
        .collect();
    // Each date column is parsed in the one form its first value uses; a column where
    // that form leaves a value unparsed mixes forms (or has a bad value) and is parsed
    // again trying every form. Exports are written by one program, so the second pass
    // is rare and the usual load parses each date once.
    let result = loop {
        let parsed_columns: Vec<Expr> = kind
            .columns()
            .iter()
            .map(|spec| {
                parsed(
                    spec,
                    &profile.date_formats,
                    single_forms.get(spec.name).map(String::as_str),
                    canonical_columns.contains(spec.name),
                )
                .alias(format!("p_{}", spec.name))
            })
            .collect();
        let mixed_flags: Vec<Expr> = single_forms
            .keys()
            .map(|name| {
                t(name)
                    .is_not_null()
                    .and(p(name).is_null())
                    .any(true)
                    .alias(format!("mixed_{name}"))
            })
            .collect();
        let result = trimmed_frame
            .clone()
            .lazy()
            .with_columns(parsed_columns)
            .with_columns(flag_exprs.clone())
            .collect()
            .map_err(Error::polars(context("validating")))?;
        let mixed_frame = result
            .clone()
            .lazy()
            .select(mixed_flags)
            .collect()
            .map_err(Error::polars(context("validating")))?;
        let mut mixed = Vec::new();
        for name in single_forms.keys() {
            let is_mixed = mixed_frame
                .column(&format!("mixed_{name}"))
                .and_then(|c| c.bool().cloned())
                .map_err(Error::polars(context("validating")))?
                .get(0)
                .unwrap_or(true);
            if is_mixed {
                mixed.push(*name);
            }
        }
        if mixed.is_empty() {
            break result;
        }
        for name in mixed {
            single_forms.remove(name);
        }
    };
    Ok(result)
}

/// The findings of stage 4.
struct Flagged {
    findings: Vec<Finding>,
    unlisted: Unlisted,
    beyond: Vec<(u32, u16)>,
    problems: Vec<Problem>,
}

/// Stage 4: a finding for each flagged cell, naming its row and column, the value
/// quoted only when it is safe to echo; in row order. The first
/// [`crate::findings::KEPT_PER_RULE`] of each check are kept whole, the rest as (row,
/// check) pairs.
fn flagged_findings(
    checks: &[Check],
    result: &DataFrame,
    table: &RawTable,
    mapped: &BTreeMap<&'static str, usize>,
) -> Result<Flagged> {
    let context = |what: &str| format!("{}: {what}", table.file);
    let mut flagged = Flagged {
        findings: Vec::new(),
        unlisted: Unlisted::default(),
        beyond: Vec::new(),
        problems: Vec::new(),
    };
    let mut keeper = Keeper::default();
    let rows = crate::ingest::read::row_numbers(result)?;
    for (i, check) in checks.iter().enumerate() {
        let flags = result
            .column(&format!("f{i}"))
            .and_then(|c| c.bool().cloned())
            .map_err(Error::polars(context("validating")))?;
        if !flags.any() {
            continue;
        }
        let values = result
            .column(&format!("t_{}", check.column))
            .and_then(|c| c.str().cloned())
            .map_err(Error::polars(context("validating")))?;
        let position = mapped.get(check.column).copied();
        let column = table
            .headers
            .get(position.unwrap_or(usize::MAX))
            .cloned()
            .unwrap_or_else(|| check.column.to_string());
        let problem = u16::try_from(flagged.problems.len()).unwrap_or(u16::MAX);
        flagged.problems.push(Problem {
            column: column.clone(),
            rule: check.rule,
        });
        for ((flag, row), value) in flags.iter().zip(rows.iter()).zip(values.iter()) {
            if flag != Some(true) {
                continue;
            }
            let row = row.unwrap_or_default() as usize;
            if !keeper.keeps(&table.file, &column, check.rule) {
                flagged.beyond.push((row as u32, problem));
                continue;
            }
            let reason = match value.filter(|_| check.echo).and_then(safe_echo) {
                Some(v) => format!("\"{v}\": {}", check.reason),
                None => check.reason.clone(),
            };
            flagged.findings.push(Finding {
                file: table.file.clone(),
                location: table.locate(row, position),
                data_row: Some(row),
                column: column.clone(),
                rule: check.rule,
                reason,
            });
        }
    }
    flagged.findings.sort_by_key(|f| f.data_row);
    flagged.beyond.sort_unstable();
    flagged.unlisted = keeper.unlisted;
    Ok(flagged)
}

/// Why a row whose key another row of the file has is refused.
pub fn repeated_id_reason(keys: &[&str]) -> String {
    format!("{} occurs more than once in this file", keys.join(" + "))
}

/// Rules under which a cell's text did not parse as its column's type.
pub const TYPE_RULES: &[&str] = &["code", "datetime", "date", "boolean", "integer", "number"];

/// The raw column a file (through its profile) gives as the areas' or holidays' own
/// `name`: its header is the contract's, not a sign of identity.
pub fn own_name_column(kind: Kind, validated: &Validated) -> Option<usize> {
    matches!(kind, Kind::Areas | Kind::Holidays)
        .then(|| validated.mapped.get("name").copied())
        .flatten()
}

/// Which cells the identity scan must read. A cell that parsed as a date-time, date,
/// code or yes/no value cannot look like a phone number, identity number or e-mail
/// address (those forms exclude the patterns), so typed columns are scanned only where a
/// cell failed to parse. Ids, free text, numbers and unknown columns are scanned whole.
pub fn identity_scope(
    kind: Kind,
    table: &RawTable,
    validated: &Validated,
) -> Vec<crate::ingest::screen::Scope> {
    use crate::ingest::screen::Scope;
    if validated.has_file_findings() {
        return vec![Scope::All; table.headers.len()];
    }
    let mut scope = vec![Scope::All; table.headers.len()];
    for (name, &position) in &validated.mapped {
        let Some(spec) = kind.column(name) else { continue };
        let typed = matches!(
            spec.ty,
            ColumnType::Code(_)
                | ColumnType::CodeList(_)
                | ColumnType::DateTime
                | ColumnType::Date
                | ColumnType::Bool { .. }
        );
        if typed {
            let header = &table.headers[position];
            scope[position] = Scope::Rows(validated.rows_broken_in(TYPE_RULES, header));
        }
    }
    scope
}

/// For each date(-time) column, the accepted form its first value is written in.
/// Exports are written by one program, so a column nearly always uses one form: parsing
/// it once in that form instead of trying every form per cell is most of a load's time.
/// [`validate`] falls back to trying every form where this form leaves a value unparsed.
fn sampled_forms(
    kind: Kind,
    trimmed: &DataFrame,
    profile: &Profile,
) -> Result<BTreeMap<&'static str, String>> {
    let forms: Vec<String> = DATETIME_FORMATS
        .iter()
        .chain(DATE_FORMATS)
        .map(|f| f.to_string())
        .chain(profile.date_formats.iter().cloned())
        .collect();
    let mut sampled = BTreeMap::new();
    for spec in kind.columns() {
        let date_only = match spec.ty {
            ColumnType::DateTime => false,
            ColumnType::Date => true,
            _ => continue,
        };
        let column = trimmed
            .column(&format!("t_{}", spec.name))
            .map_err(Error::polars("date forms"))?;
        let values = column.str().map_err(Error::polars("date forms"))?;
        let Some(sample) = values.iter().flatten().next() else {
            continue;
        };
        if let Some(form) = detect_form(sample, &forms, date_only) {
            sampled.insert(spec.name, form.to_string());
        }
    }
    Ok(sampled)
}

/// Code, code-list and yes/no columns whose every value is already written as the
/// contract writes it (`FACEBOOK`, `SEXUAL;LEGAL`, `true`): their parse is the text
/// itself, with no pattern to match per cell. Decided on the distinct values, which are
/// few in such columns; a column with many is left to the general parse.
fn already_canonical(kind: Kind, trimmed: &DataFrame) -> Result<std::collections::BTreeSet<&'static str>> {
    const MANY: usize = 1000;
    let verdicts: Vec<Result<Option<&'static str>>> = kind
        .columns()
        .par_iter()
        .map(|spec| {
            let accepts: Box<dyn Fn(&str) -> bool> = match spec.ty {
                ColumnType::Code(list) => Box::new(move |v: &str| list.contains(&v)),
                ColumnType::CodeList(list) => {
                    Box::new(move |v: &str| v.split(';').all(|code| list.contains(&code)))
                }
                ColumnType::Bool { .. } => Box::new(|v: &str| v == "true" || v == "false"),
                _ => return Ok(None),
            };
            let column = trimmed
                .column(&format!("t_{}", spec.name))
                .map_err(Error::polars("code columns"))?;
            let distinct = column
                .as_materialized_series()
                .unique()
                .map_err(Error::polars("code columns"))?;
            if distinct.len() > MANY {
                return Ok(None);
            }
            let values = distinct.str().map_err(Error::polars("code columns"))?;
            let all_accepted = values.iter().flatten().all(&accepts);
            Ok(all_accepted.then_some(spec.name))
        })
        .collect();
    let mut canonical = std::collections::BTreeSet::new();
    for verdict in verdicts {
        canonical.extend(verdict?);
    }
    Ok(canonical)
}

/// The column with each value trimmed and blanks as null. Most exports need neither,
/// and then the column is returned as it is, without a copy.
fn trimmed_text(column: &Column) -> PolarsResult<Column> {
    let values = column.str()?;
    let untouched =
        |v: &str| !v.is_empty() && !v.starts_with(char::is_whitespace) && !v.ends_with(char::is_whitespace);
    if values.iter().flatten().all(untouched) {
        return Ok(column.clone());
    }
    let trimmed: StringChunked = values
        .iter()
        .map(|v| v.map(str::trim).filter(|v| !v.is_empty()))
        .collect();
    Ok(trimmed.with_name(column.name().clone()).into_column())
}

fn add_row_rules(kind: Kind, checks: &mut Vec<Check>) -> Result<()> {
    match kind {
        Kind::Cases => case_rules(checks),
        Kind::ContentReports => content_rules(checks),
        Kind::Areas => area_rules(checks)?,
        Kind::Crosswalk => crosswalk_rules(checks)?,
        Kind::CaseLinks => {
            checks.push(Check {
                column: "linked_case_id",
                rule: "self-link",
                reason: "the same id as case_id: a link joins two ids".into(),
                echo: false,
                expr: t("linked_case_id").eq(t("case_id")),
            });
        }
        Kind::Population | Kind::Holidays => {}
    }
    Ok(())
}

/// A case's stages in order, its closure last, and the columns that go in pairs.
fn case_rules(checks: &mut Vec<Check>) {
    for stage in CASE_STAGES {
        checks.push(Check {
            column: stage,
            rule: "stage-before-receipt",
            reason: "earlier than received_at".into(),
            echo: true,
            expr: p(stage).lt(p("received_at")),
        });
    }
    checks.push(Check {
        column: "criminal_decision_at",
        rule: "decision-before-police",
        reason: "earlier than police_received_at".into(),
        echo: true,
        expr: p("criminal_decision_at").lt(p("police_received_at")),
    });
    for stage in CASE_STAGES.iter().filter(|s| **s != "closed_at") {
        checks.push(Check {
            column: "closed_at",
            rule: "closed-before-stage",
            reason: format!("earlier than {stage}"),
            echo: true,
            expr: p("closed_at").lt(p(stage)),
        });
    }
    for (a, b) in CASE_PAIRS {
        checks.push(Check {
            column: b,
            rule: "paired-columns",
            reason: format!("required when {a} is set"),
            echo: false,
            expr: t(a).is_not_null().and(t(b).is_null()),
        });
        checks.push(Check {
            column: a,
            rule: "paired-columns",
            reason: format!("required when {b} is set"),
            echo: false,
            expr: t(b).is_not_null().and(t(a).is_null()),
        });
    }
}

/// A removal after its request, and the status that says so.
fn content_rules(checks: &mut Vec<Check>) {
    checks.push(Check {
        column: "removed_at",
        rule: "removed-before-request",
        reason: "earlier than takedown_requested_at".into(),
        echo: true,
        expr: p("removed_at").lt(p("takedown_requested_at")),
    });
    checks.push(Check {
        column: "removed_at",
        rule: "status-removed",
        reason: "required when status is REMOVED".into(),
        echo: false,
        expr: p("status").eq(lit("REMOVED")).and(t("removed_at").is_null()),
    });
    checks.push(Check {
        column: "status",
        rule: "status-removed",
        reason: "must be REMOVED when removed_at is set".into(),
        echo: true,
        expr: p("status").neq(lit("REMOVED")).and(t("removed_at").is_not_null()),
    });
}

/// An area's validity in order, and no two versions of a code valid on one day.
fn area_rules(checks: &mut Vec<Check>) -> Result<()> {
    checks.push(Check {
        column: "valid_to",
        rule: "validity-order",
        reason: "earlier than valid_from".into(),
        echo: true,
        expr: p("valid_to").lt(p("valid_from")),
    });
    // One code names one unit on any day: its versions, in order of valid_from,
    // each begin after the one before has ended. Comparing each version with the
    // one just before it is enough: a version overlapping a later one also
    // overlaps every version starting in between.
    let before = |e: Expr| -> Result<Expr> {
        e.shift(lit(1))
            .over_with_options(
                Some([t("area_code")]),
                Some(([p("valid_from")], SortOptions::default())),
                WindowMapping::default(),
            )
            .map_err(Error::polars("area versions"))
    };
    let has_earlier = before(t("area_code"))?.is_not_null();
    let earlier_end = before(p("valid_to"))?;
    checks.push(Check {
        column: "valid_from",
        rule: "overlapping-validity",
        reason: "this area_code's previous version is still valid on that day".into(),
        echo: true,
        expr: has_earlier.and(
            earlier_end
                .clone()
                .is_null()
                .or(earlier_end.gt_eq(p("valid_from"))),
        ),
    });
    Ok(())
}

/// A commune's shares from districts positive and adding up to 1 (or a province's
/// predecessors whole).
fn crosswalk_rules(checks: &mut Vec<Check>) -> Result<()> {
    checks.push(Check {
        column: "weight",
        rule: "weight-positive",
        reason: "a commune's share from a district must be more than 0".into(),
        echo: true,
        expr: p("weight").lt_eq(lit(0.0)),
    });
    checks.push(Check {
        column: "weight",
        rule: "weights-sum",
        reason: "the weights of this from_code do not add up to 1 (a commune's shares), \
                 nor are they all 1 (a province formed from whole former provinces)"
            .into(),
        echo: false,
        expr: {
            let sum = p("weight")
                .sum()
                .over([t("from_code")])
                .map_err(Error::polars("crosswalk weights"))?;
            // A merger of provinces lists each former province whole, weight 1.
            let all_whole = p("weight")
                .eq(lit(1.0))
                .all(true)
                .over([t("from_code")])
                .map_err(Error::polars("crosswalk weights"))?;
            sum.clone()
                .lt(lit(1.0 - 1e-6))
                .or(sum.gt(lit(1.0 + 1e-6)))
                .and(all_whole.not())
        },
    });
    Ok(())
}
