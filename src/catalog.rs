//! The catalog: indicator definitions read from the header comments of
//! `queries/indicators/<id>.sql`, and the deadline rules of `queries/deadlines.toml`.
//! Both are embedded at build time; nothing here touches the engine.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Deserialize;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

pub use embedded::{CASE_SCOPE_SQL, COHORT_SCOPE_SQL, REPORT_TEMPLATES, STAGING_SQL};

/// A rate's scale: events per 100 000 children under 16 (the indicator dictionary's
/// `rate`). The one home of the number: every rate, interval, funnel, smoothed estimate
/// and table of rates uses it.
pub const RATE_SCALE: f64 = 100_000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Share,
    Per100k,
    Hours,
    Days,
}

impl Unit {
    pub fn name(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Share => "share",
            Unit::Per100k => "per_100k",
            Unit::Hours => "hours",
            Unit::Days => "days",
        }
    }

    fn parse(text: &str) -> Option<Unit> {
        [Unit::Count, Unit::Share, Unit::Per100k, Unit::Hours, Unit::Days]
            .into_iter()
            .find(|u| u.name() == text)
    }
}

/// How the member rows an indicator's SQL returns are reduced to a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    /// Number of member rows.
    Count,
    /// Members with `success` / member rows.
    Share,
    /// Member rows per 100 000 children under 16.
    Rate,
    /// Type-7 quantile of `duration`.
    Quantile(f64),
    /// Kaplan-Meier quantile of (`duration`, `event`).
    KaplanMeier(f64),
}

impl Statistic {
    fn parse(text: &str) -> Option<Statistic> {
        Some(match text {
            "count" => Statistic::Count,
            "share" => Statistic::Share,
            "rate" => Statistic::Rate,
            "median" => Statistic::Quantile(0.5),
            "p90" => Statistic::Quantile(0.9),
            "km_median" => Statistic::KaplanMeier(0.5),
            "km_p90" => Statistic::KaplanMeier(0.9),
            _ => return None,
        })
    }
}

/// What a row's numerator or denominator counts, as its header declares it
/// (`numerator_quantity`, `denominator_quantity`): the input of disclosure control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counted {
    /// The row carries no count there (a count's denominator, a median's numerator).
    Nothing,
    /// Children of the area: a rate's denominator, not a protected count.
    Population,
    /// A protected count of cases or content items, named in `queries/quantities.toml`.
    Quantity(String),
}

impl Counted {
    pub fn quantity(&self) -> Option<&str> {
        match self {
            Counted::Quantity(q) => Some(q),
            _ => None,
        }
    }
}

/// One protected count of `queries/quantities.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    pub id: String,
    pub subject: String,
    /// A quantity counting, in every cell, every record this one counts: this one is at
    /// most that one, as a reader knows from the definitions.
    #[serde(default)]
    pub within: Option<String>,
    pub en: String,
    pub vi: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuantityFile {
    quantity: Vec<Quantity>,
}

/// Parses the quantity registry: ids unique, subjects known.
pub fn parse_quantities(text: &str) -> Result<Vec<Quantity>, String> {
    let file: QuantityFile = toml::from_str(text).map_err(|e| format!("quantities: {e}"))?;
    for (i, q) in file.quantity.iter().enumerate() {
        if !matches!(q.subject.as_str(), "cases" | "content") {
            return Err(format!(
                "quantities: {} has unknown subject {:?}",
                q.id, q.subject
            ));
        }
        if file.quantity[..i].iter().any(|o| o.id == q.id) {
            return Err(format!("quantities: {} twice", q.id));
        }
        if let Some(outer) = &q.within {
            if !file
                .quantity
                .iter()
                .any(|o| o.id == *outer && o.subject == q.subject && o.id != q.id)
            {
                return Err(format!(
                    "quantities: {} is within {outer:?}, which is not another quantity of its subject",
                    q.id
                ));
            }
        }
    }
    Ok(file.quantity)
}

pub fn quantities() -> Result<Vec<Quantity>, String> {
    parse_quantities(embedded::QUANTITIES_TOML)
}

/// Which cases an indicator's query can see: those of a cohort (received in the period,
/// before as-of) through `case_cohort`, or any case the request needs through
/// `case_facts` (open at as-of, decided in the period). Declared, and checked against
/// the query, so the engine never guesses it from the SQL or the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Cohort,
    Request,
}

/// Whether a rise of the indicator is good news (shares to raise), bad news (backlogs,
/// waiting times) or neither (volumes: more cases received is not "bad").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    RiseIsGood,
    RiseIsBad,
    Neither,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Cases,
    Content,
}

impl Subject {
    pub fn name(self) -> &'static str {
        match self {
            Subject::Cases => "cases",
            Subject::Content => "content",
        }
    }

    /// The breakdown dimensions of the subject, in the order of every output.
    pub fn dimensions(self) -> &'static [Dimension] {
        match self {
            Subject::Cases => CASE_DIMENSIONS,
            Subject::Content => CONTENT_DIMENSIONS,
        }
    }
}

/// The codes a breakdown lists in a period, every one even when empty.
#[derive(Debug, Clone, Copy)]
pub enum Codes {
    /// A code list of the contract.
    List(&'static [&'static str]),
    /// A code list, then `unknown` (the column may be blank).
    WithUnknown(&'static [&'static str]),
    /// The contract's age bands, then `unknown`.
    AgeBands,
    /// The agencies in force on the period's last day (queries/agencies.toml).
    Agencies,
}

/// One breakdown dimension, the one table of them: its name in the tidy table, the
/// column of the member rows it groups by, its reader's names, and the codes it lists.
#[derive(Debug, Clone, Copy)]
pub struct Dimension {
    pub name: &'static str,
    pub column: &'static str,
    pub label_vi: &'static str,
    pub label_en: &'static str,
    pub codes: Codes,
}

impl Dimension {
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Vi => self.label_vi,
            Lang::En => self.label_en,
        }
    }
}

const fn dimension(
    name: &'static str,
    column: &'static str,
    label_vi: &'static str,
    label_en: &'static str,
    codes: Codes,
) -> Dimension {
    Dimension {
        name,
        column,
        label_vi,
        label_en,
        codes,
    }
}

const CASE_DIMENSIONS: &[Dimension] = &[
    dimension(
        "abuse_type",
        "abuse_type",
        "Hình thức xâm hại",
        "Form of abuse",
        Codes::List(crate::model::ABUSE_TYPES),
    ),
    dimension(
        "channel",
        "channel",
        "Kênh tiếp nhận",
        "Channel",
        Codes::List(crate::model::CHANNELS),
    ),
    dimension(
        "receiving_agency",
        "receiving_agency",
        "Cơ quan tiếp nhận",
        "Receiving agency",
        Codes::Agencies,
    ),
    dimension(
        "victim_sex",
        "victim_sex",
        "Giới tính",
        "Sex",
        Codes::List(crate::model::VICTIM_SEXES),
    ),
    dimension("age_band", "age_band", "Nhóm tuổi", "Age band", Codes::AgeBands),
    dimension(
        "platform",
        "platform_band",
        "Nền tảng",
        "Platform",
        Codes::WithUnknown(crate::model::PLATFORMS),
    ),
];

const CONTENT_DIMENSIONS: &[Dimension] = &[
    dimension(
        "source",
        "source",
        "Nguồn phát hiện",
        "Source",
        Codes::List(crate::model::CONTENT_SOURCES),
    ),
    dimension(
        "platform",
        "platform",
        "Nền tảng",
        "Platform",
        Codes::List(crate::model::PLATFORMS),
    ),
    dimension(
        "content_type",
        "content_type",
        "Loại nội dung",
        "Content type",
        Codes::List(crate::model::CONTENT_TYPES),
    ),
    dimension(
        "category",
        "category",
        "Nhóm nội dung",
        "Category",
        Codes::List(crate::model::CONTENT_CATEGORIES),
    ),
];

/// The dimension of a breakdown name, of either subject (a name means the same in both).
pub fn dimension_named(name: &str) -> Option<&'static Dimension> {
    CASE_DIMENSIONS
        .iter()
        .chain(CONTENT_DIMENSIONS)
        .find(|d| d.name == name)
}

/// One indicator of the dictionary.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: String,
    pub label_vi: String,
    pub label_en: String,
    pub unit: Unit,
    pub statistic: Statistic,
    pub subject: Subject,
    pub scope: Scope,
    pub direction: Direction,
    /// The stage of `queries/deadlines.toml` whose legal limit the indicator measures.
    pub deadline: Option<String>,
    pub numerator: String,
    pub numerator_vi: String,
    pub denominator: String,
    pub denominator_vi: String,
    /// What the numerator and the denominator count, for disclosure control.
    pub numerator_quantity: Counted,
    pub denominator_quantity: Counted,
    pub cohort: String,
    pub cohort_vi: String,
    /// `area` and the subject's dimensions this indicator is broken down by.
    pub breakdowns: Vec<String>,
    pub legal_basis: String,
    pub legal_basis_vi: String,
    /// The query after the header.
    pub sql: String,
}

impl Indicator {
    /// The member columns whose groups an indicator's rows show, each alone: the area
    /// (when broken down by area), then its breakdowns' columns in the subject's order.
    pub fn shown_columns(&self) -> Vec<&'static str> {
        let by_area = self.breakdowns.iter().any(|b| b == "area");
        by_area
            .then_some("area_code")
            .into_iter()
            .chain(
                self.subject
                    .dimensions()
                    .iter()
                    .filter(|d| self.breakdowns.iter().any(|b| b == d.name))
                    .map(|d| d.column),
            )
            .collect()
    }

    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.label_vi,
            Lang::En => &self.label_en,
        }
    }

    /// Whether the indicator sees no case but those of a cohort (received in the period,
    /// before as-of), as its header declares.
    pub fn reads_cohorts_only(&self) -> bool {
        self.scope == Scope::Cohort
    }

    /// The numerator, denominator, cohort and legal basis, in `lang`.
    pub fn definition(&self, lang: Lang) -> [&str; 4] {
        match lang {
            Lang::Vi => [
                &self.numerator_vi,
                &self.denominator_vi,
                &self.cohort_vi,
                &self.legal_basis_vi,
            ],
            Lang::En => [
                &self.numerator,
                &self.denominator,
                &self.cohort,
                &self.legal_basis,
            ],
        }
    }

    pub fn legal_basis_in(&self, lang: Lang) -> &str {
        self.definition(lang)[3]
    }

    /// A bare indicator for unit tests: labels and texts are its id.
    #[cfg(test)]
    pub(crate) fn example(id: &str, unit: Unit, statistic: Statistic, breakdowns: &[&str]) -> Indicator {
        Indicator {
            id: id.into(),
            label_vi: id.into(),
            label_en: id.into(),
            unit,
            statistic,
            subject: Subject::Cases,
            scope: Scope::Cohort,
            direction: Direction::Neither,
            deadline: None,
            numerator: String::new(),
            numerator_vi: String::new(),
            denominator: String::new(),
            denominator_vi: String::new(),
            numerator_quantity: match statistic {
                Statistic::Quantile(_) | Statistic::KaplanMeier(_) => Counted::Nothing,
                _ => Counted::Quantity(id.into()),
            },
            denominator_quantity: match statistic {
                Statistic::Count => Counted::Nothing,
                Statistic::Rate => Counted::Population,
                _ => Counted::Quantity(format!("{id}_members")),
            },
            cohort: String::new(),
            cohort_vi: String::new(),
            breakdowns: breakdowns.iter().map(|b| b.to_string()).collect(),
            legal_basis: "x".into(),
            legal_basis_vi: "x".into(),
            sql: "SELECT 1".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

const HEADER_KEYS: &[&str] = &[
    "id",
    "label_vi",
    "label_en",
    "unit",
    "statistic",
    "subject",
    "scope",
    "direction",
    "deadline",
    "numerator",
    "numerator_vi",
    "denominator",
    "denominator_vi",
    "numerator_quantity",
    "denominator_quantity",
    "cohort",
    "cohort_vi",
    "breakdowns",
    "legal_basis",
    "legal_basis_vi",
];

/// Keys whose value may be empty (a count has no denominator, a median no numerator).
const MAY_BE_EMPTY: &[&str] = &["numerator", "numerator_vi", "denominator", "denominator_vi"];

/// Reads a declared quantity: `none`, `population` or a quantity of `known` of the
/// indicator's subject, and checks that it fits the statistic's part (`numerator` or
/// `denominator`): nothing is inferred from ids or prose, so a wrong declaration is an
/// error here and never a leak later.
fn counted(
    stem: &str,
    part: &str,
    text: &str,
    statistic: Statistic,
    subject: Subject,
    known: &[Quantity],
) -> Result<Counted, String> {
    let declared = match text {
        "none" => Counted::Nothing,
        "population" => Counted::Population,
        id => {
            let quantity = known.iter().find(|q| q.id == id).ok_or_else(|| {
                format!("{stem}.sql: {part}_quantity {id:?} is not in queries/quantities.toml")
            })?;
            if quantity.subject != subject.name() {
                return Err(format!(
                    "{stem}.sql: {part}_quantity {id:?} counts {}, the indicator {}",
                    quantity.subject,
                    subject.name()
                ));
            }
            Counted::Quantity(id.to_string())
        }
    };
    let expected = match (statistic, part) {
        (Statistic::Count | Statistic::Share | Statistic::Rate, "numerator") => "a quantity",
        (Statistic::Count, _) => "none",
        (Statistic::Rate, _) => "population",
        (Statistic::Share | Statistic::Quantile(_) | Statistic::KaplanMeier(_), "denominator") => {
            "a quantity"
        }
        _ => "none",
    };
    let fits = matches!(
        (&declared, expected),
        (Counted::Quantity(_), "a quantity")
            | (Counted::Nothing, "none")
            | (Counted::Population, "population")
    );
    if !fits {
        return Err(format!(
            "{stem}.sql: {part}_quantity {text:?}: a row of this statistic carries {expected} there"
        ));
    }
    Ok(declared)
}

/// Statements and table functions a catalog query may not hold: an indicator is one
/// query that reads the store, never one that writes, reads a file or sets anything.
const FORBIDDEN_IN_QUERIES: &[&str] = &[
    "copy",
    "attach",
    "detach",
    "install",
    "load",
    "pragma",
    "set",
    "reset",
    "call",
    "create",
    "drop",
    "alter",
    "insert",
    "update",
    "delete",
    "export",
    "import",
    "checkpoint",
    "vacuum",
    "use",
    "begin",
    "commit",
    "rollback",
    "grant",
    "truncate",
    "read_csv",
    "read_csv_auto",
    "read_parquet",
    "parquet_scan",
    "read_json",
    "read_json_auto",
    "read_json_objects",
    "read_ndjson",
    "read_text",
    "read_blob",
    "glob",
    "sniff_csv",
    "read_xlsx",
    "getenv",
    "query",
    "query_table",
    "duckdb_secrets",
    "current_setting",
];

/// Refuses an indicator's SQL that is not exactly one read-only query (issue 31): after
/// its comments and quoted texts are set aside, one statement (a trailing `;` aside) that
/// starts with SELECT or WITH and names none of [`FORBIDDEN_IN_QUERIES`]. The engine
/// also runs it only as a sub-query of its own SELECT.
pub fn one_read_only_query(sql: &str) -> Result<(), String> {
    let mut code = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                code.push(' ');
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                code.push(' ');
            }
            '\'' | '"' => {
                // A quoted text or name: its content is no statement.
                let quote = c;
                while let Some(c) = chars.next() {
                    if c == quote {
                        if chars.peek() == Some(&quote) {
                            chars.next();
                            continue;
                        }
                        break;
                    }
                }
                code.push_str(" q ");
            }
            c => code.push(c),
        }
    }
    let code = code.trim().trim_end_matches(';').trim_end();
    if code.contains(';') {
        return Err("holds more than one statement; an indicator is one query".into());
    }
    let words: Vec<String> = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    match words.first().map(String::as_str) {
        Some("select") | Some("with") => {}
        _ => return Err("is not a query (it must start with SELECT or WITH)".into()),
    }
    if let Some(word) = words.iter().find(|w| FORBIDDEN_IN_QUERIES.contains(&w.as_str())) {
        return Err(format!(
            "names {word:?}: an indicator only reads the store (no statement that writes, reads a file or sets a setting)"
        ));
    }
    Ok(())
}

/// Parses one indicator file. The header is the leading `-- key: value` lines; every key
/// is required, none other is allowed, and `id` must equal the file stem. Declared
/// quantities must be among `known`.
pub fn parse_indicator(stem: &str, text: &str, known: &[Quantity]) -> Result<Indicator, String> {
    let (header, sql) = split_header(stem, text)?;
    let get = |key: &str| -> Result<String, String> {
        let value = header
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("{stem}.sql: header key {key:?} missing"))?;
        if value.is_empty() && !MAY_BE_EMPTY.contains(&key) {
            return Err(format!("{stem}.sql: header key {key:?} is empty"));
        }
        Ok(value)
    };
    let id = get("id")?;
    if id != stem {
        return Err(format!("{stem}.sql: id {id:?} differs from the file name"));
    }
    let unit = Unit::parse(&get("unit")?).ok_or_else(|| format!("{stem}.sql: unknown unit"))?;
    let statistic =
        Statistic::parse(&get("statistic")?).ok_or_else(|| format!("{stem}.sql: unknown statistic"))?;
    let subject = match get("subject")?.as_str() {
        "cases" => Subject::Cases,
        "content" => Subject::Content,
        other => return Err(format!("{stem}.sql: unknown subject {other:?}")),
    };
    one_read_only_query(&sql).map_err(|e| format!("{stem}.sql: {e}"))?;
    if sql.is_empty() {
        return Err(format!("{stem}.sql: no query after the header"));
    }
    let scope = match get("scope")?.as_str() {
        "cohort" => Scope::Cohort,
        "request" => Scope::Request,
        other => {
            return Err(format!(
                "{stem}.sql: scope {other:?} is neither cohort nor request"
            ))
        }
    };
    // The declaration decides which cases the engine computes facts for: a cohort
    // indicator that read `case_facts` would silently miss the cases outside the cohort.
    if scope == Scope::Cohort && sql.contains("case_facts") {
        return Err(format!(
            "{stem}.sql: scope cohort, but the query reads case_facts (declare scope: request)"
        ));
    }
    let direction = direction_of(stem, &get("direction")?)?;
    let deadline = deadline_of(stem, &get("deadline")?, unit)?;
    let breakdowns: Vec<String> = get("breakdowns")?
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    for b in &breakdowns {
        if b != "area" && !subject.dimensions().iter().any(|d| d.name == b) {
            return Err(format!("{stem}.sql: unknown breakdown {b:?}"));
        }
    }
    if !statistic_fits_unit(statistic, unit) {
        return Err(format!("{stem}.sql: statistic and unit do not fit together"));
    }
    let numerator_quantity = counted(
        stem,
        "numerator",
        &get("numerator_quantity")?,
        statistic,
        subject,
        known,
    )?;
    let denominator_quantity = counted(
        stem,
        "denominator",
        &get("denominator_quantity")?,
        statistic,
        subject,
        known,
    )?;
    Ok(Indicator {
        id,
        label_vi: get("label_vi")?,
        label_en: get("label_en")?,
        unit,
        statistic,
        subject,
        scope,
        direction,
        deadline,
        numerator: get("numerator")?,
        numerator_vi: get("numerator_vi")?,
        denominator: get("denominator")?,
        denominator_vi: get("denominator_vi")?,
        numerator_quantity,
        denominator_quantity,
        cohort: get("cohort")?,
        cohort_vi: get("cohort_vi")?,
        breakdowns,
        legal_basis: get("legal_basis")?,
        legal_basis_vi: get("legal_basis_vi")?,
        sql,
    })
}

/// An indicator file's header (`-- key: value` lines, each key known and once) and the
/// query after it.
fn split_header(stem: &str, text: &str) -> Result<(Vec<(String, String)>, String), String> {
    let mut header: Vec<(String, String)> = Vec::new();
    let mut body = Vec::new();
    let mut in_header = true;
    for line in text.lines() {
        if in_header {
            if let Some(rest) = line.strip_prefix("--") {
                let (key, value) = rest
                    .split_once(':')
                    .ok_or_else(|| format!("{stem}.sql: header line without `key:` ({line:?})"))?;
                let key = key.trim().to_string();
                if !HEADER_KEYS.contains(&key.as_str()) {
                    return Err(format!("{stem}.sql: unknown header key {key:?}"));
                }
                if header.iter().any(|(k, _)| *k == key) {
                    return Err(format!("{stem}.sql: header key {key:?} twice"));
                }
                header.push((key, value.trim().to_string()));
                continue;
            }
            in_header = false;
        }
        body.push(line);
    }
    Ok((header, body.join("\n").trim().to_string()))
}

fn direction_of(stem: &str, value: &str) -> Result<Direction, String> {
    match value {
        "rise_is_good" => Ok(Direction::RiseIsGood),
        "rise_is_bad" => Ok(Direction::RiseIsBad),
        "neither" => Ok(Direction::Neither),
        other => Err(format!(
            "{stem}.sql: direction {other:?} is not rise_is_good, rise_is_bad or neither"
        )),
    }
}

/// The deadline stage an indicator measures (a share on time), or none.
fn deadline_of(stem: &str, value: &str, unit: Unit) -> Result<Option<String>, String> {
    match value {
        "none" => Ok(None),
        stage if STAGES.iter().any(|(s, _)| *s == stage) => {
            if unit != Unit::Share {
                return Err(format!("{stem}.sql: a deadline is measured as a share on time"));
            }
            Ok(Some(stage.to_string()))
        }
        other => Err(format!(
            "{stem}.sql: deadline {other:?} is no stage of queries/deadlines.toml"
        )),
    }
}

/// Whether a statistic gives values in a unit: counts, shares, rates per 100 000,
/// durations in hours or days.
fn statistic_fits_unit(statistic: Statistic, unit: Unit) -> bool {
    matches!(
        (statistic, unit),
        (Statistic::Count, Unit::Count)
            | (Statistic::Share, Unit::Share)
            | (Statistic::Rate, Unit::Per100k)
            | (
                Statistic::Quantile(_) | Statistic::KaplanMeier(_),
                Unit::Hours | Unit::Days
            )
    )
}

/// Where a catalog other than the embedded one is read from: `BAOVE_CATALOG=DIR` holds
/// `queries/indicators/*.sql` and `report-templates/*.toml` (a test renames an indicator
/// this way; the engine's SQL, quantities and deadlines stay embedded).
const CATALOG_DIR: &str = "BAOVE_CATALOG";

/// Whether the catalog is the one embedded in the binary (no `BAOVE_CATALOG`).
pub fn is_embedded() -> bool {
    std::env::var_os(CATALOG_DIR).is_none()
}

/// The (file stem, text) of every `*.ext` file of `DIR/sub`, in file-name order, or the
/// embedded ones without `BAOVE_CATALOG`.
fn catalog_files(sub: &str, ext: &str, embedded: &[(&str, &str)]) -> Result<Vec<(String, String)>, String> {
    let Some(dir) = std::env::var_os(CATALOG_DIR) else {
        return Ok(embedded
            .iter()
            .map(|(s, t)| (s.to_string(), t.to_string()))
            .collect());
    };
    let dir = std::path::Path::new(&dir).join(sub);
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some(ext) {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push((stem, text));
    }
    files.sort();
    Ok(files)
}

/// The indicator files: `queries/indicators/*.sql`.
fn indicator_sources() -> Result<Vec<(String, String)>, String> {
    catalog_files("queries/indicators", "sql", embedded::INDICATOR_SQL)
}

/// The report templates: `report-templates/*.toml`.
pub fn template_sources() -> Result<Vec<(String, String)>, String> {
    catalog_files("report-templates", "toml", REPORT_TEMPLATES)
}

/// A file of `report-templates/document/` (`bao-cao`, `office`) as (stem, text): from
/// `BAOVE_CATALOG=DIR` when DIR has it, else the embedded copy.
fn document_file(stem: &str) -> Result<(String, String), String> {
    if let Some(text) = catalog_override(&format!("report-templates/document/{stem}.toml"))? {
        return Ok((stem.to_string(), text));
    }
    embedded::DOCUMENT_TEMPLATES
        .iter()
        .find(|(s, _)| *s == stem)
        .map(|(s, t)| (s.to_string(), t.to_string()))
        .ok_or_else(|| {
            let names: Vec<&str> = embedded::DOCUMENT_TEMPLATES
                .iter()
                .map(|(s, _)| *s)
                .filter(|s| *s != "office")
                .collect();
            format!(
                "no document template {stem:?} in report-templates/document/; there are {}",
                names.join(", ")
            )
        })
}

/// The text template of a drafted document (`report-templates/document/NAME.toml`).
pub fn document_source(name: &str) -> Result<(String, String), String> {
    if name == "office" {
        return Err("report-templates/document/office.toml is the office registry, not a document".into());
    }
    document_file(name)
}

/// The registry of issuing offices (`report-templates/document/office.toml`).
pub fn office_source() -> Result<String, String> {
    document_file("office").map(|(_, text)| text)
}

/// The given-rows / expected-rows test of an indicator (`queries/indicators/<id>.test.toml`):
/// export rows in the contract (CSV text; areas, holidays and population default to
/// `queries/tests/given/`), and the rows the indicator must give for some periods. The
/// expected values are derived by hand from `indicators.md`; the file says how.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorTest {
    #[serde(skip)]
    pub indicator: String,
    pub given: GivenRows,
    #[serde(rename = "expect")]
    pub expectations: Vec<Expectation>,
}

/// Export files as CSV text, by kind; a kind left out is the shared given file, if any.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GivenRows {
    pub cases: Option<String>,
    /// More cases files, each an agency's part export (a case is once in a file), loaded
    /// with the others (data-contract.md v3, "A case in parts").
    #[serde(default)]
    pub case_parts: Vec<String>,
    pub case_links: Option<String>,
    pub content_reports: Option<String>,
    pub areas: Option<String>,
    pub holidays: Option<String>,
    pub population: Option<String>,
}

impl GivenRows {
    /// (file name, CSV text) of every export of the test: its own, then the shared ones
    /// it does not replace.
    pub fn files(&self) -> Vec<(String, String)> {
        let own = [
            ("cases", &self.cases),
            ("content_reports", &self.content_reports),
            ("areas", &self.areas),
            ("holidays", &self.holidays),
            ("population", &self.population),
        ];
        let mut files: Vec<(String, String)> = own
            .iter()
            .filter_map(|(kind, text)| text.as_ref().map(|t| (format!("{kind}.csv"), t.clone())))
            .collect();
        for (i, text) in self.case_parts.iter().enumerate() {
            files.push((format!("cases_part{}.csv", i + 1), text.clone()));
        }
        if let Some(links) = &self.case_links {
            files.push(("case_links.csv".to_string(), links.clone()));
        }
        for (stem, text) in embedded::GIVEN_CSV {
            if !own.iter().any(|(kind, text)| kind == stem && text.is_some()) {
                files.push((format!("{stem}.csv"), text.to_string()));
            }
        }
        files
    }
}

/// The rows one request must give.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub period: String,
    /// `statutory` (default) or `calendar`.
    pub calendar: Option<String>,
    /// "YYYY-MM-DD HH:MM:SS"; default the end of the period.
    pub as_of: Option<String>,
    pub rows: Vec<ExpectedRow>,
}

/// One tidy row, found by area and breakdown, compared whole: a field left out is
/// expected empty (a count's numerator is its value; the status shown). Every row of a
/// breakdown an expectation names (the totals among them) must be listed, the
/// province's, and every area's where it names an area, but for rows that count nothing
/// (0, or no data), which may be left out. Intervals are derived from the spec by
/// `queries/tests/intervals.py`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRow {
    /// Default: the province.
    pub area: Option<String>,
    #[serde(default)]
    pub breakdown: String,
    #[serde(default)]
    pub breakdown_value: String,
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    pub value: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// "" (shown), `no_data` or `not_reached`; the last two also mean an empty value.
    pub status: Option<String>,
    /// The row must not exist (a breakdown value not listed in the period).
    #[serde(default)]
    pub absent: bool,
}

/// Every indicator test of the catalog, in file-name order.
pub fn indicator_tests() -> Result<Vec<IndicatorTest>, String> {
    catalog_files("queries/indicators", "toml", embedded::INDICATOR_TESTS)?
        .into_iter()
        .map(|(stem, text)| {
            let indicator = stem
                .strip_suffix(".test")
                .ok_or_else(|| {
                    format!("queries/indicators/{stem}.toml: an indicator test is named <id>.test.toml")
                })?
                .to_string();
            let mut test: IndicatorTest =
                toml::from_str(&text).map_err(|e| format!("queries/indicators/{stem}.toml: {e}"))?;
            test.indicator = indicator;
            Ok(test)
        })
        .collect()
}

/// The invariants (`queries/tests/<name>.sql`): queries over the store and a computed
/// tidy table (`tidy`, with `$province` bound) that must return no rows.
pub fn invariants() -> Vec<(&'static str, &'static str)> {
    embedded::INVARIANT_SQL.to_vec()
}

/// Every indicator of the catalog, in file-name order.
pub fn indicators() -> Result<Vec<Indicator>, String> {
    let known = quantities()?;
    let deadlines = deadlines()?;
    indicator_sources()?
        .iter()
        .map(|(stem, text)| {
            let mut indicator = parse_indicator(stem, text, &known)?;
            fill_limits(stem, &mut indicator, &deadlines)?;
            Ok(indicator)
        })
        .collect()
}

/// The legal limits an indicator measures by, in its numerator's words, from the
/// deadline registry: a header writes `{limits}` where they go, so that a limit lives in
/// `queries/deadlines.toml` alone (a new law there changes the definition readers see).
fn fill_limits(stem: &str, indicator: &mut Indicator, deadlines: &[DeadlineRule]) -> Result<(), String> {
    const PLACE: &str = "{limits}";
    match &indicator.deadline {
        Some(stage) => {
            for (text, lang) in [
                (&mut indicator.numerator, Lang::En),
                (&mut indicator.numerator_vi, Lang::Vi),
            ] {
                if !text.contains(PLACE) {
                    return Err(format!(
                        "{stem}.sql: a deadline's numerator names its limits as {PLACE}, from queries/deadlines.toml"
                    ));
                }
                *text = text.replace(PLACE, &limits_text(deadlines, stage, lang));
            }
        }
        None if indicator.numerator.contains(PLACE) || indicator.numerator_vi.contains(PLACE) => {
            return Err(format!("{stem}.sql: {PLACE} without a deadline"));
        }
        None => {}
    }
    Ok(())
}

/// Every limit of a stage, in words: "3 hours before 2024-12-25, 24 hours from
/// 2024-12-25, 6 hours (emergency) from 2026-07-01". A change of legal basis with the
/// same limit is one limit; the general limit comes first, then flagged ones.
pub fn limits_text(deadlines: &[DeadlineRule], stage: &str, lang: Lang) -> String {
    let mut rules: Vec<&DeadlineRule> = deadlines.iter().filter(|r| r.stage == stage).collect();
    rules.sort_by_key(|r| (r.when.is_some(), r.when.clone(), r.valid_from));
    let mut merged: Vec<(&DeadlineRule, Option<NaiveDate>, Option<NaiveDate>)> = Vec::new();
    for rule in rules {
        if let Some(last) = merged.last_mut() {
            let same = last.0.unit == rule.unit && last.0.amount == rule.amount && last.0.when == rule.when;
            if same && last.2.and_then(|to| to.succ_opt()) == rule.valid_from {
                last.2 = rule.valid_to;
                continue;
            }
        }
        merged.push((rule, rule.valid_from, rule.valid_to));
    }
    let day = |d: NaiveDate| match lang {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    };
    let (before, from, to) = match lang {
        Lang::Vi => ("trước", "từ", "đến"),
        Lang::En => ("before", "from", "to"),
    };
    merged
        .iter()
        .map(|(rule, valid_from, valid_to)| {
            let mut words = rule.limit_words(lang);
            if let Some(when) = &rule.when {
                words.push_str(&format!(" ({})", flag_words(when, lang)));
            }
            match (valid_from, valid_to) {
                (None, None) => {}
                (None, Some(last)) => {
                    words.push_str(&format!(" {before} {}", day(last.succ_opt().unwrap_or(*last))))
                }
                (Some(first), None) => words.push_str(&format!(" {from} {}", day(*first))),
                (Some(first), Some(last)) => {
                    words.push_str(&format!(" {from} {} {to} {}", day(*first), day(*last)))
                }
            }
            words
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The words of a deadline rule's flag (`when`): the kind of case or item it is for.
pub fn flag_words(when: &str, lang: Lang) -> &str {
    match (when, lang) {
        ("emergency", Lang::Vi) => "khẩn cấp",
        ("complex", Lang::Vi) => "phức tạp",
        (other, _) => other,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineUnit {
    Hours,
    WorkingDays,
    Days,
    Months,
}

impl DeadlineUnit {
    /// The unit in a reader's words.
    pub fn words(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (DeadlineUnit::Hours, Lang::Vi) => "giờ",
            (DeadlineUnit::Hours, Lang::En) => "hours",
            (DeadlineUnit::WorkingDays, Lang::Vi) => "ngày làm việc",
            (DeadlineUnit::WorkingDays, Lang::En) => "working days",
            (DeadlineUnit::Days, Lang::Vi) => "ngày",
            (DeadlineUnit::Days, Lang::En) => "days",
            (DeadlineUnit::Months, Lang::Vi) => "tháng",
            (DeadlineUnit::Months, Lang::En) => "months",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DeadlineUnit::Hours => "hours",
            DeadlineUnit::WorkingDays => "working_days",
            DeadlineUnit::Days => "days",
            DeadlineUnit::Months => "months",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRule {
    pub stage: String,
    pub unit: DeadlineUnit,
    pub amount: f64,
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    pub legal_basis: String,
    /// How the office reads a limit the law does not give in numbers ("ngay": at once),
    /// printed beside the indicators that measure it.
    #[serde(default)]
    pub reading_vi: Option<String>,
    #[serde(default)]
    pub reading_en: Option<String>,
}

impl DeadlineRule {
    /// The limit in a reader's words: "12 hours", "5 ngày làm việc".
    pub fn limit_words(&self, lang: Lang) -> String {
        let amount = if self.amount.fract() == 0.0 {
            format!("{}", self.amount as i64)
        } else if lang == Lang::Vi {
            self.amount.to_string().replace('.', ",")
        } else {
            self.amount.to_string()
        };
        format!("{amount} {}", self.unit.words(lang))
    }

    pub fn reading(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::Vi => self.reading_vi.as_deref(),
            Lang::En => self.reading_en.as_deref(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeadlineFile {
    rule: Vec<DeadlineRule>,
}

const STAGES: &[(&str, Option<&str>)] = &[
    ("emergency_action", None),
    ("support_plan", None),
    ("criminal_decision", Some("complex")),
    ("takedown", Some("emergency")),
    ("social_referral", None),
    ("police_referral", None),
];

/// Parses and checks deadline rules: known stages and flags, and no two rules of the same
/// stage and flag valid on the same day (so a day always has one rule).
pub fn parse_deadlines(text: &str) -> Result<Vec<DeadlineRule>, String> {
    let file: DeadlineFile = toml::from_str(text).map_err(|e| format!("deadlines: {e}"))?;
    for (i, rule) in file.rule.iter().enumerate() {
        let Some((_, flag)) = STAGES.iter().find(|(s, _)| *s == rule.stage) else {
            return Err(format!("deadlines: unknown stage {:?}", rule.stage));
        };
        if rule.when.is_some() && rule.when.as_deref() != *flag {
            return Err(format!(
                "deadlines: {} rules cannot depend on {:?}",
                rule.stage, rule.when
            ));
        }
        if rule.reading_vi.is_some() != rule.reading_en.is_some() {
            return Err(format!(
                "deadlines: {} has a reading in one language only",
                rule.stage
            ));
        }
        if rule.amount.is_nan() || rule.amount <= 0.0 {
            return Err(format!("deadlines: {} amount must be positive", rule.stage));
        }
        let from = |r: &DeadlineRule| r.valid_from.unwrap_or(NaiveDate::MIN);
        let to = |r: &DeadlineRule| r.valid_to.unwrap_or(NaiveDate::MAX);
        if from(rule) > to(rule) {
            return Err(format!("deadlines: {} rule ends before it starts", rule.stage));
        }
        for other in &file.rule[..i] {
            if other.stage == rule.stage
                && other.when == rule.when
                && from(other) <= to(rule)
                && from(rule) <= to(other)
            {
                return Err(format!(
                    "deadlines: two {} rules valid on the same days",
                    rule.stage
                ));
            }
        }
    }
    Ok(file.rule)
}

pub fn deadlines() -> Result<Vec<DeadlineRule>, String> {
    parse_deadlines(embedded::DEADLINES_TOML)
}

/// A change of the rule an indicator measures by, between two periods (issue 33): the
/// limits in force over each (general and flagged), and the first day of the new one. A
/// change of legal basis with the same limits is no change: the measure is the same.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleChange {
    pub before: Vec<DeadlineRule>,
    pub now: Vec<DeadlineRule>,
    pub on: NaiveDate,
}

/// The rule change of `indicator` between the period `before` and the period `now`
/// (each its first and last day), if the limits in force on any of their days differ.
pub fn rule_change(
    rules: &[DeadlineRule],
    indicator: &Indicator,
    before: (NaiveDate, NaiveDate),
    now: (NaiveDate, NaiveDate),
) -> Option<RuleChange> {
    let stage = indicator.deadline.as_deref()?;
    let over = |(start, end): (NaiveDate, NaiveDate)| -> Vec<DeadlineRule> {
        rules
            .iter()
            .filter(|r| {
                r.stage == stage
                    && r.valid_from.is_none_or(|from| from <= end)
                    && r.valid_to.is_none_or(|to| start <= to)
            })
            .cloned()
            .collect()
    };
    let limit = |r: &DeadlineRule| (r.unit, r.amount.to_bits(), r.when.clone());
    let limits = |rules: &[DeadlineRule]| -> BTreeSet<(DeadlineUnit, u64, Option<String>)> {
        rules.iter().map(limit).collect()
    };
    let (then_rules, now_rules) = (over(before), over(now));
    if limits(&then_rules) == limits(&now_rules) {
        return None;
    }
    let then_limits = limits(&then_rules);
    let now_limits = limits(&now_rules);
    // The first day of a limit new in the later period, else the day after the last
    // day of one that ended.
    let on = now_rules
        .iter()
        .filter(|r| !then_limits.contains(&limit(r)))
        .filter_map(|r| r.valid_from)
        .min()
        .or_else(|| {
            then_rules
                .iter()
                .filter(|r| !now_limits.contains(&limit(r)))
                .filter_map(|r| r.valid_to?.succ_opt())
                .min()
        })
        .unwrap_or(now.0);
    Some(RuleChange {
        before: then_rules,
        now: now_rules,
        on,
    })
}

/// How the office reads the limit of an indicator's deadline stage, where the law gives
/// it in words (the handovers' "ngay"), for printing beside the indicator.
pub fn deadline_reading(indicator: &Indicator, lang: Lang) -> Option<String> {
    let stage = indicator.deadline.as_deref()?;
    deadlines()
        .ok()?
        .iter()
        .rev()
        .filter(|r| r.stage == stage)
        .find_map(|r| r.reading(lang).map(str::to_string))
}

/// A programme target of an indicator.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub indicator: String,
    /// The share to reach (1.0 = 100%).
    pub value: f64,
    pub legal_basis: String,
}

/// The targets of one programme, in force from `valid_from` to `valid_to` (inclusive).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSet {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub legal_basis: String,
    pub legal_basis_vi: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    #[serde(rename = "target")]
    pub targets: Vec<Target>,
}

impl TargetSet {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.name_vi,
            Lang::En => &self.name_en,
        }
    }

    pub fn legal_basis_in(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.legal_basis_vi,
            Lang::En => &self.legal_basis,
        }
    }

    fn covers(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }
}

/// Days no target set covers, and what a report says of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGap {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub note_vi: String,
    pub note_en: String,
}

/// The dated target registry (`queries/targets.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// An on-time share of a legal deadline below this is flagged.
    pub on_time_alert: f64,
    #[serde(default, rename = "set")]
    pub sets: Vec<TargetSet>,
    #[serde(default, rename = "gap")]
    pub gaps: Vec<TargetGap>,
}

impl Targets {
    /// The set in force on `day` (a period's last day), if any.
    pub fn in_force(&self, day: NaiveDate) -> Option<&TargetSet> {
        self.sets.iter().find(|s| s.covers(day))
    }

    /// The target of an indicator on `day`.
    pub fn target(&self, indicator: &str, day: NaiveDate) -> Option<&Target> {
        self.in_force(day)?
            .targets
            .iter()
            .find(|t| t.indicator == indicator)
    }

    /// What a report says of `day` when no set is in force.
    pub fn gap_note(&self, lang: Lang, day: NaiveDate) -> Option<String> {
        if self.in_force(day).is_some() {
            return None;
        }
        let gap = self
            .gaps
            .iter()
            .find(|g| g.valid_from <= day && g.valid_to.is_none_or(|to| day <= to));
        Some(match (gap, lang) {
            (Some(g), Lang::Vi) => g.note_vi.clone(),
            (Some(g), Lang::En) => g.note_en.clone(),
            (None, Lang::Vi) => format!(
                "Không có bộ mục tiêu nào có hiệu lực vào ngày {}.",
                day.format("%d/%m/%Y")
            ),
            (None, Lang::En) => format!("No target set is in force on {day}."),
        })
    }
}

/// The target registry: `BAOVE_CATALOG`'s `queries/targets.toml` when there is one (an
/// office's edit, read without a rebuild), else the built-in one; checked: sets do not
/// overlap, targets are shares in (0, 1].
pub fn targets() -> Result<Targets, String> {
    let text =
        catalog_override("queries/targets.toml")?.unwrap_or_else(|| embedded::TARGETS_TOML.to_string());
    parse_targets(&text)
}

/// The text of `DIR/relative` when `BAOVE_CATALOG=DIR` has that file: a registry an
/// office edits without a rebuild; None means the embedded copy.
fn catalog_override(relative: &str) -> Result<Option<String>, String> {
    let Some(dir) = std::env::var_os(CATALOG_DIR) else {
        return Ok(None);
    };
    let path = std::path::Path::new(&dir).join(relative);
    if !path.exists() {
        return Ok(None);
    }
    std::fs::read_to_string(&path)
        .map(Some)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Whether `day` lies within inclusive optional bounds (none: open-ended), the validity
/// of every dated registry entry.
pub fn in_force(valid_from: Option<NaiveDate>, valid_to: Option<NaiveDate>, day: NaiveDate) -> bool {
    valid_from.is_none_or(|from| from <= day) && valid_to.is_none_or(|to| day <= to)
}

fn parse_targets(text: &str) -> Result<Targets, String> {
    let targets: Targets = toml::from_str(text).map_err(|e| format!("queries/targets.toml: {e}"))?;
    for (i, a) in targets.sets.iter().enumerate() {
        for b in &targets.sets[i + 1..] {
            let overlap = a.covers(b.valid_from) || b.covers(a.valid_from);
            if overlap {
                return Err(format!(
                    "queries/targets.toml: the sets {} and {} overlap",
                    a.id, b.id
                ));
            }
        }
        for t in &a.targets {
            if !(t.value > 0.0 && t.value <= 1.0) {
                return Err(format!(
                    "queries/targets.toml: {}'s target of {} is not a share in (0, 1]",
                    a.id, t.indicator
                ));
            }
        }
    }
    Ok(targets)
}

/// A field of the record of processing the office fills in
/// (`report-templates/record/privacy-record.toml`): the controller, the purpose, the
/// retention period.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyField {
    pub key: String,
    pub label_vi: String,
    pub label_en: String,
    #[serde(default)]
    pub vi: String,
    #[serde(default)]
    pub en: String,
}

impl PrivacyField {
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.label_vi,
            Lang::En => &self.label_en,
        }
    }

    /// The office's text, or None when the field is still to be filled in.
    pub fn value(&self, lang: Lang) -> Option<&str> {
        let text = match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        };
        (!text.trim().is_empty()).then_some(text.as_str())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivacyFields {
    field: Vec<PrivacyField>,
}

/// The record of processing's fields: from `path` (the office's filled-in copy) when
/// given, else the built-in draft. Keys are unique.
pub fn privacy_fields(path: Option<&std::path::Path>) -> Result<Vec<PrivacyField>, String> {
    let (name, text) = match path {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        ),
        None => (
            "report-templates/record/privacy-record.toml".to_string(),
            embedded::PRIVACY_RECORD_TOML.to_string(),
        ),
    };
    let fields: PrivacyFields = toml::from_str(&text).map_err(|e| format!("{name}: {e}"))?;
    let mut keys: Vec<&str> = fields.field.iter().map(|f| f.key.as_str()).collect();
    keys.sort_unstable();
    if let Some(twice) = keys.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("{name}: the field {:?} is given twice", twice[0]));
    }
    Ok(fields.field)
}

/// A receiving agency's validity and successor (`queries/agencies.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    pub code: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub successor: Option<String>,
    pub legal_basis: String,
}

impl Agency {
    /// Whether the agency receives under its code on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        in_force(self.valid_from, self.valid_to, day)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgencyFile {
    agency: Vec<Agency>,
}

/// The agency registry, checked: every code of the contract once, and a successor is an
/// agency in force from the day after its predecessor's last day, with no successor of
/// its own.
pub fn agencies() -> Result<&'static [Agency], String> {
    static REGISTRY: std::sync::OnceLock<Result<Vec<Agency>, String>> = std::sync::OnceLock::new();
    REGISTRY
        .get_or_init(|| parse_agencies(embedded::AGENCIES_TOML))
        .as_deref()
        .map_err(Clone::clone)
}

fn parse_agencies(text: &str) -> Result<Vec<Agency>, String> {
    let file: AgencyFile = toml::from_str(text).map_err(|e| format!("queries/agencies.toml: {e}"))?;
    let agencies = file.agency;
    let fail = |m: String| Err(format!("queries/agencies.toml: {m}"));
    for code in crate::model::AGENCIES {
        if agencies.iter().filter(|a| a.code == *code).count() != 1 {
            return fail(format!("the contract's agency {code} must be listed once"));
        }
    }
    for a in &agencies {
        if !crate::model::AGENCIES.contains(&a.code.as_str()) {
            return fail(format!("{} is not an agency code of the contract", a.code));
        }
        let Some(successor) = &a.successor else { continue };
        let Some(to) = a.valid_to else {
            return fail(format!("{} has a successor but no valid_to", a.code));
        };
        let Some(next) = agencies.iter().find(|s| &s.code == successor) else {
            return fail(format!("{}'s successor {successor} is not listed", a.code));
        };
        if next.successor.is_some() {
            return fail(format!(
                "{successor} succeeds {} and has a successor itself",
                a.code
            ));
        }
        if next.valid_from != to.succ_opt() {
            return fail(format!(
                "{successor} must be in force from the day after {}'s valid_to ({to})",
                a.code
            ));
        }
    }
    Ok(agencies)
}

/// An agency's own columns of a case (`queries/parts.toml`): the role it plays in the
/// coordination regulation, the code that plays it (and its successors after it), and
/// the legal basis.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartRole {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub agency: String,
    /// The role's own column of when it received the case, if it has one.
    #[serde(default)]
    pub receipt: Option<String>,
    pub columns: Vec<String>,
    pub legal_basis: String,
    pub legal_basis_vi: String,
}

impl PartRole {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.name_vi,
            Lang::En => &self.name_en,
        }
    }
}

/// Who owns which columns of a case (data-contract.md v3, "A case in parts").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartsRegistry {
    /// Columns every part may carry, assembled from the part received first.
    pub receipt: Vec<String>,
    pub receipt_basis: String,
    pub receipt_basis_vi: String,
    #[serde(rename = "role")]
    pub roles: Vec<PartRole>,
}

/// The role whose agency verifies, supports and manages a case: the coordination
/// indicators name it ("not received by the child-protection agency").
pub const CHILD_PROTECTION_ROLE: &str = "child_protection";

impl PartsRegistry {
    /// The role owning `column`, if an agency owns it (receipt columns have no owner).
    pub fn owner_of(&self, column: &str) -> Option<&PartRole> {
        self.roles.iter().find(|r| r.columns.iter().any(|c| c == column))
    }

    /// The codes that play `role`: its agency and, in turn, each successor the agency
    /// registry names.
    pub fn codes_of(&self, role: &PartRole) -> Vec<String> {
        let mut codes = vec![role.agency.clone()];
        let registry = agencies().unwrap_or(&[]);
        while let Some(next) = registry
            .iter()
            .find(|a| Some(&a.code) == codes.last())
            .and_then(|a| a.successor.clone())
        {
            if codes.contains(&next) {
                break;
            }
            codes.push(next);
        }
        codes
    }

    pub fn role(&self, id: &str) -> Option<&PartRole> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// The days on which a case received by each code counts as received by the agency
    /// playing `role`: (code, first day, last day; None: open). A code counts over its
    /// own validity, and after it ended under its successor, as every row of a superseded
    /// agency does (queries/agencies.toml).
    pub fn spans_of(&self, role: &PartRole) -> Vec<(String, Option<NaiveDate>, Option<NaiveDate>)> {
        let registry = agencies().unwrap_or(&[]);
        let codes = self.codes_of(role);
        let mut spans = Vec::new();
        for code in &codes {
            let Some(agency) = registry.iter().find(|a| &a.code == code) else {
                spans.push((code.clone(), None, None));
                continue;
            };
            spans.push((code.clone(), agency.valid_from, agency.valid_to));
            if let (Some(successor), Some(last)) = (&agency.successor, agency.valid_to) {
                // Received with the former code after its end: counted under the
                // successor, which plays the role then.
                let successor_end = registry
                    .iter()
                    .find(|a| &a.code == successor)
                    .and_then(|a| a.valid_to);
                spans.push((code.clone(), last.succ_opt(), successor_end));
            }
        }
        spans
    }
}

/// The parts registry, checked: every cases column of the contract (but the part
/// column) is a receipt column or owned by exactly one role, each role's agency is in the
/// agency registry, and the child-protection role exists.
pub fn parts() -> Result<PartsRegistry, String> {
    let text = catalog_override("queries/parts.toml")?.unwrap_or_else(|| embedded::PARTS_TOML.to_string());
    parse_parts(&text)
}

pub fn parse_parts(text: &str) -> Result<PartsRegistry, String> {
    let registry: PartsRegistry = toml::from_str(text).map_err(|e| format!("queries/parts.toml: {e}"))?;
    let fail = |m: String| Err(format!("queries/parts.toml: {m}"));
    let kind = crate::model::Kind::Cases;
    for column in kind.columns().iter().map(|c| c.name) {
        if Some(column) == kind.part_column() {
            continue;
        }
        let rules = registry.receipt.iter().filter(|c| *c == column).count()
            + registry
                .roles
                .iter()
                .map(|r| r.columns.iter().filter(|c| *c == column).count())
                .sum::<usize>();
        if rules != 1 {
            return fail(format!(
                "the cases column {column} must be a receipt column or owned by one role (it has {rules} rules)"
            ));
        }
    }
    for column in registry
        .receipt
        .iter()
        .chain(registry.roles.iter().flat_map(|r| r.columns.iter()))
    {
        if kind.column(column).is_none() || Some(column.as_str()) == kind.part_column() {
            return fail(format!("{column} is not a cases column of the contract"));
        }
    }
    for required in ["case_id", "received_at"] {
        if !registry.receipt.iter().any(|c| c == required) {
            return fail(format!("{required} must be a receipt column"));
        }
    }
    for (i, role) in registry.roles.iter().enumerate() {
        if registry.roles[..i].iter().any(|r| r.id == role.id) {
            return fail(format!("the role {} is given twice", role.id));
        }
        if !crate::model::AGENCIES.contains(&role.agency.as_str()) {
            return fail(format!(
                "{}'s agency {} is not an agency code",
                role.id, role.agency
            ));
        }
        if let Some(receipt) = &role.receipt {
            let dated = matches!(
                kind.column(receipt).map(|c| c.ty),
                Some(crate::model::ColumnType::DateTime)
            );
            if !dated || !role.columns.contains(receipt) {
                return fail(format!(
                    "{}'s receipt {receipt} is not a date-time column of its own",
                    role.id
                ));
            }
        }
    }
    for (i, role) in registry.roles.iter().enumerate() {
        for other in &registry.roles[..i] {
            let (a, b) = (registry.codes_of(role), registry.codes_of(other));
            if a.iter().any(|c| b.contains(c)) {
                return fail(format!("the roles {} and {} share an agency", other.id, role.id));
            }
        }
    }
    if registry.role(CHILD_PROTECTION_ROLE).is_none() {
        return fail(format!(
            "the role {CHILD_PROTECTION_ROLE} is required (the coordination indicators name it)"
        ));
    }
    Ok(registry)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The limits a definition names are the registry's (issue 34: one home for each
    /// fact), worded by hand from `queries/deadlines.toml`: takedown 3 hours to 24
    /// December 2024, 24 hours from 25 December 2024 under two bases (one limit), 6
    /// hours for emergency items from 1 July 2026; a crime report 20 days, 2 months when
    /// complex; a support plan 5 working days.
    #[test]
    fn definitions_name_the_limits_of_the_deadline_registry() {
        let rules = deadlines().unwrap();
        assert_eq!(
            limits_text(&rules, "takedown", Lang::En),
            "3 hours before 2024-12-25, 24 hours from 2024-12-25, 6 hours (emergency) from 2026-07-01"
        );
        assert_eq!(
            limits_text(&rules, "takedown", Lang::Vi),
            "3 giờ trước 25/12/2024, 24 giờ từ 25/12/2024, 6 giờ (khẩn cấp) từ 01/07/2026"
        );
        assert_eq!(
            limits_text(&rules, "criminal_decision", Lang::En),
            "20 days, 2 months (complex)"
        );
        assert_eq!(limits_text(&rules, "support_plan", Lang::Vi), "5 ngày làm việc");
        let catalog = indicators().unwrap();
        let numerator = |id: &str| catalog.iter().find(|i| i.id == id).unwrap().numerator.clone();
        assert_eq!(
            numerator("emergency_action_on_time"),
            "due members whose emergency_action_at <= received_at + 12 hours"
        );
        assert!(numerator("takedown_on_time").ends_with(
            "(3 hours before 2024-12-25, 24 hours from 2024-12-25, 6 hours (emergency) from 2026-07-01)"
        ));
        for indicator in &catalog {
            assert!(
                !indicator.numerator.contains('{') && !indicator.numerator_vi.contains('{'),
                "{}",
                indicator.id
            );
        }
    }

    /// Derived by hand from `queries/deadlines.toml`: takedown 3 hours to 24 December
    /// 2024, 24 hours from 25 December 2024 (Decree 147, then from 1 July 2026 the Law
    /// on Cybersecurity, the same 24 hours), and 6 hours for emergencies from 1 July 2026.
    #[test]
    fn a_rule_change_is_a_change_of_limits_dated_by_its_first_day() {
        let rules = deadlines().unwrap();
        let all = indicators().unwrap();
        let of = |id: &str| all.iter().find(|i| i.id == id).unwrap();
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let span = |a: &str, b: &str| (day(a), day(b));
        let takedown = of("takedown_on_time");
        let amounts = |rules: &[DeadlineRule]| -> Vec<(f64, Option<String>)> {
            let mut v: Vec<_> = rules.iter().map(|r| (r.amount, r.when.clone())).collect();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v
        };
        // 2024Q3 and 2024Q4 (statutory): 3 hours in both.
        let q3 = span("2024-06-15", "2024-09-14");
        let q4 = span("2024-09-15", "2024-12-14");
        assert_eq!(rule_change(&rules, takedown, q3, q4), None);
        // 2025Q1 holds 25 December 2024: 3 hours before it, 24 hours from it.
        let q1 = span("2024-12-15", "2025-03-14");
        let change = rule_change(&rules, takedown, q4, q1).unwrap();
        assert_eq!(change.on, day("2024-12-25"));
        assert_eq!(amounts(&change.before), vec![(3.0, None)]);
        assert_eq!(amounts(&change.now), vec![(3.0, None), (24.0, None)]);
        // 2025Q2 against 2025Q1: the 3 hours ended on 24 December, so the change is
        // dated the day after.
        let q2 = span("2025-03-15", "2025-06-14");
        let change = rule_change(&rules, takedown, q1, q2).unwrap();
        assert_eq!(change.on, day("2024-12-25"));
        assert_eq!(amounts(&change.now), vec![(24.0, None)]);
        // The Law's 24 hours replace the Decree's 24 hours: the same limit, no change;
        // its emergency limit of 6 hours is one.
        let q2_2026 = span("2026-03-15", "2026-06-14");
        let q3_2026 = span("2026-06-15", "2026-09-14");
        let q4_2026 = span("2026-09-15", "2026-12-14");
        let change = rule_change(&rules, takedown, q2_2026, q3_2026).unwrap();
        assert_eq!(change.on, day("2026-07-01"));
        assert_eq!(
            amounts(&change.now),
            vec![(6.0, Some("emergency".into())), (24.0, None), (24.0, None)]
        );
        assert_eq!(rule_change(&rules, takedown, q3_2026, q4_2026), None);
        // A fixed limit, and a deadline that never changed: always comparable.
        assert_eq!(rule_change(&rules, of("takedown_within_24h"), q4, q1), None);
        assert_eq!(rule_change(&rules, of("emergency_action_on_time"), q4, q1), None);
    }

    #[test]
    fn targets_are_those_of_the_set_in_force_on_the_last_day() {
        let targets = parse_targets(embedded::TARGETS_TOML).unwrap();
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            targets
                .target("support_coverage", day("2025-12-14"))
                .unwrap()
                .value,
            1.0
        );
        assert!(targets.target("support_coverage", day("2026-03-14")).is_none());
        assert!(targets
            .gap_note(Lang::Vi, day("2026-03-14"))
            .unwrap()
            .contains("2026-2030"));
        assert!(targets.gap_note(Lang::Vi, day("2025-03-14")).is_none());
        let overlapping = format!(
            "{}\n[[set]]\nid = \"next\"\nname_vi = \"x\"\nname_en = \"x\"\nlegal_basis = \"x\"\nlegal_basis_vi = \"x\"\nvalid_from = \"2025-06-01\"\ntarget = []\n",
            embedded::TARGETS_TOML
        );
        assert!(parse_targets(&overlapping).unwrap_err().contains("overlap"));
    }

    #[test]
    fn the_agency_registry_names_each_code_once_and_dates_its_successors() {
        let agencies = agencies().unwrap();
        let ldtbxh = agencies.iter().find(|a| a.code == "LDTBXH").unwrap();
        assert_eq!(ldtbxh.successor.as_deref(), Some("SYT"));
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(ldtbxh.in_force_on(day("2025-02-28")) && !ldtbxh.in_force_on(day("2025-03-01")));
        let broken =
            embedded::AGENCIES_TOML.replace("valid_from = \"2025-03-01\"", "valid_from = \"2025-03-02\"");
        assert!(parse_agencies(&broken)
            .unwrap_err()
            .contains("from the day after"));
        let missing = embedded::AGENCIES_TOML.replace("code = \"VHTTDL\"", "code = \"VHTT\"");
        assert!(parse_agencies(&missing).is_err());
    }

    #[test]
    fn every_embedded_indicator_parses_with_a_unique_id() {
        let all = indicators().unwrap();
        let mut ids: Vec<&str> = all.iter().map(|i| i.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
    }

    /// staging.sql's `age_band` and the model's bands are one list: each `WHEN age <= N
    /// THEN 'band'` a band with its oldest age, in order, and the last band the ELSE.
    #[test]
    fn staging_age_bands_are_the_models() {
        let sql = STAGING_SQL;
        let start = sql
            .find("WHEN c.victim_age IS NULL THEN 'unknown'")
            .expect("age CASE");
        let end = start + sql[start..].find("END AS age_band").expect("end of the CASE");
        let mut bands: Vec<(String, Option<u32>)> = Vec::new();
        for line in sql[start..end].lines().skip(1).map(str::trim) {
            let band = |text: &str| text.trim_matches('\'').to_string();
            if let Some(rest) = line.strip_prefix("WHEN c.victim_age <= ") {
                let (age, label) = rest.split_once(" THEN ").expect("WHEN ... THEN");
                bands.push((band(label), Some(age.parse().unwrap())));
            } else if let Some(label) = line.strip_prefix("ELSE ") {
                bands.push((band(label), None));
            }
        }
        let (last, earlier) = crate::model::AGE_BANDS.split_last().unwrap();
        let mut expected: Vec<(String, Option<u32>)> = earlier
            .iter()
            .map(|(b, age)| (b.to_string(), Some(*age)))
            .collect();
        expected.push((last.0.to_string(), None));
        assert_eq!(bands, expected);
    }

    #[test]
    fn header_mistakes_are_errors() {
        let good = "-- id: x\n-- label_vi: a\n-- label_en: b\n-- unit: count\n-- statistic: count\n-- subject: cases\n-- scope: cohort\n-- direction: neither\n-- deadline: none\n-- numerator: n\n-- numerator_vi: n\n-- denominator:\n-- denominator_vi:\n-- numerator_quantity: cases_received\n-- denominator_quantity: none\n-- cohort: c\n-- cohort_vi: c\n-- breakdowns: area\n-- legal_basis: l\n-- legal_basis_vi: l\nSELECT 1";
        let known = quantities().unwrap();
        let parse_indicator = |stem: &str, text: &str| super::parse_indicator(stem, text, &known);
        assert!(parse_indicator("x", good).is_ok());
        assert!(parse_indicator("y", good).unwrap_err().contains("differs"));
        let unknown = good.replace("-- cohort: c", "-- cohort: c\n-- colour: red");
        assert!(parse_indicator("x", &unknown)
            .unwrap_err()
            .contains("unknown header key"));
        let missing = good.replace("-- legal_basis: l\n", "");
        assert!(parse_indicator("x", &missing)
            .unwrap_err()
            .contains("legal_basis"));
        let mismatch = good.replace("-- unit: count", "-- unit: hours");
        assert!(parse_indicator("x", &mismatch).is_err());
        let bad_breakdown = good.replace("-- breakdowns: area", "-- breakdowns: area, colour");
        assert!(parse_indicator("x", &bad_breakdown).is_err());
        // Scope, direction and deadline are declared, never guessed from the id or SQL.
        let facts = good.replace("SELECT 1", "SELECT * FROM case_facts");
        assert!(parse_indicator("x", &facts)
            .unwrap_err()
            .contains("declare scope: request"));
        let request = facts.replace("-- scope: cohort", "-- scope: request");
        assert_eq!(parse_indicator("x", &request).unwrap().scope, Scope::Request);
        let rising = good.replace("-- direction: neither", "-- direction: up");
        assert!(parse_indicator("x", &rising).unwrap_err().contains("direction"));
        let deadline = good.replace("-- deadline: none", "-- deadline: lunch");
        assert!(parse_indicator("x", &deadline).unwrap_err().contains("no stage"));
        let counted_deadline = good.replace("-- deadline: none", "-- deadline: takedown");
        assert!(parse_indicator("x", &counted_deadline)
            .unwrap_err()
            .contains("share on time"));
    }

    /// Disclosure control reads what a header declares, so a header that declares
    /// nothing, an unknown quantity, one of the other subject or one that does not fit
    /// the statistic is refused.
    #[test]
    fn declared_quantities_are_required_known_and_fitting() {
        let known = quantities().unwrap();
        let good = "-- id: x\n-- label_vi: a\n-- label_en: b\n-- unit: share\n-- statistic: share\n-- subject: cases\n-- scope: cohort\n-- direction: neither\n-- deadline: none\n-- numerator: n\n-- numerator_vi: n\n-- denominator: d\n-- denominator_vi: d\n-- numerator_quantity: cases_confirmed\n-- denominator_quantity: cases_assessed\n-- cohort: c\n-- cohort_vi: c\n-- breakdowns: area\n-- legal_basis: l\n-- legal_basis_vi: l\nSELECT 1";
        let parsed = parse_indicator("x", good, &known).unwrap();
        assert_eq!(
            parsed.numerator_quantity,
            Counted::Quantity("cases_confirmed".into())
        );
        assert_eq!(parsed.denominator_quantity.quantity(), Some("cases_assessed"));
        let refused = |from: &str, to: &str| {
            let text = good.replace(from, to);
            parse_indicator("x", &text, &known).unwrap_err()
        };
        assert!(refused("-- numerator_quantity: cases_confirmed\n", "").contains("numerator_quantity"));
        assert!(refused("-- denominator_quantity: cases_assessed\n", "").contains("missing"));
        assert!(refused("cases_assessed", "assessed_cases").contains("not in queries/quantities.toml"));
        assert!(refused("cases_assessed", "takedown_requested").contains("counts content"));
        assert!(refused("cases_assessed", "population").contains("carries a quantity"));
        assert!(refused("cases_confirmed\n", "none\n").contains("carries a quantity"));
        let median = good
            .replace("unit: share", "unit: hours")
            .replace("statistic: share", "statistic: median");
        let median_refused = parse_indicator("x", &median, &known).unwrap_err();
        assert!(median_refused.contains("carries none"), "{median_refused}");
        let rate = good
            .replace("unit: share", "unit: per_100k")
            .replace("statistic: share", "statistic: rate");
        assert!(parse_indicator("x", &rate, &known)
            .unwrap_err()
            .contains("carries population"));
        let rate = rate.replace("cases_assessed", "population");
        assert_eq!(
            parse_indicator("x", &rate, &known).unwrap().denominator_quantity,
            Counted::Population
        );
        assert!(parse_quantities("[[quantity]]\nid = \"a\"\nsubject = \"cases\"\nen = \"a\"\nvi = \"a\"\n[[quantity]]\nid = \"a\"\nsubject = \"cases\"\nen = \"a\"\nvi = \"a\"\n").unwrap_err().contains("twice"));
        // A nesting names another quantity of the same subject.
        let nested = |within: &str, subject: &str| {
            parse_quantities(&format!(
                "[[quantity]]\nid = \"a\"\nsubject = \"cases\"\nwithin = \"{within}\"\nen = \"a\"\nvi = \"a\"\n\
                 [[quantity]]\nid = \"b\"\nsubject = \"{subject}\"\nen = \"b\"\nvi = \"b\"\n"
            ))
        };
        assert!(nested("b", "cases").is_ok());
        assert!(nested("b", "content").unwrap_err().contains("within"));
        assert!(nested("c", "cases").unwrap_err().contains("within"));
        assert!(nested("a", "cases").unwrap_err().contains("within"));
        let registry = quantities().unwrap();
        assert!(registry
            .iter()
            .any(|q| q.id == "cases_confirmed" && q.within.as_deref() == Some("cases_assessed")));
    }

    #[test]
    fn deadline_rules_parse_and_overlaps_are_refused() {
        let rules = deadlines().unwrap();
        assert!(rules
            .iter()
            .any(|r| r.stage == "takedown" && r.when.as_deref() == Some("emergency")));
        let overlapping = "[[rule]]\nstage = \"takedown\"\nunit = \"hours\"\namount = 3\nlegal_basis = \"a\"\n[[rule]]\nstage = \"takedown\"\nunit = \"hours\"\namount = 24\nvalid_from = \"2024-12-25\"\nlegal_basis = \"b\"\n";
        assert!(parse_deadlines(overlapping).unwrap_err().contains("same days"));
        assert!(parse_deadlines(
            "[[rule]]\nstage = \"lunch\"\nunit = \"hours\"\namount = 1\nlegal_basis = \"x\"\n"
        )
        .is_err());
    }

    #[test]
    fn the_parts_registry_gives_every_column_one_rule_and_follows_the_agencies() {
        let parts = parts().expect("the embedded registry parses");
        let child = parts.role(CHILD_PROTECTION_ROLE).unwrap();
        assert_eq!(
            parts.codes_of(child),
            vec!["LDTBXH".to_string(), "SYT".to_string()]
        );
        assert_eq!(
            parts.owner_of("closed_at").map(|r| r.id.as_str()),
            Some("child_protection")
        );
        assert_eq!(
            parts.owner_of("criminal_decision").map(|r| r.id.as_str()),
            Some("police")
        );
        assert!(parts.owner_of("received_at").is_none());
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // LDTBXH to 28 Feb 2025, and after it under SYT; SYT from 1 March 2025.
        assert_eq!(
            parts.spans_of(child),
            vec![
                ("LDTBXH".to_string(), None, Some(day("2025-02-28"))),
                ("LDTBXH".to_string(), Some(day("2025-03-01")), None),
                ("SYT".to_string(), Some(day("2025-03-01")), None),
            ]
        );
        let embedded = embedded::PARTS_TOML;
        let twice = embedded.replace(
            "\"police_received_at\", ",
            "\"police_received_at\", \"closed_at\", ",
        );
        assert!(parse_parts(&twice).unwrap_err().contains("closed_at"));
        let missing = embedded.replace("\"complex_case\"", "");
        assert!(parse_parts(&missing).unwrap_err().contains("complex_case"));
        let unknown = embedded.replace("agency = \"CA\"", "agency = \"FBI\"");
        assert!(parse_parts(&unknown).unwrap_err().contains("FBI"));
        // A role's receipt is one of its own date-times.
        let receipt = embedded.replace("receipt = \"police_received_at\"", "receipt = \"closed_at\"");
        assert!(parse_parts(&receipt).unwrap_err().contains("closed_at"));
        assert_eq!(
            parts.role("police").and_then(|r| r.receipt.as_deref()),
            Some("police_received_at")
        );
    }

    #[test]
    fn an_indicator_is_one_read_only_query() {
        for good in [
            "SELECT * FROM case_cohort($period_start, $period_end, $as_of) WHERE x = ';' -- a ; here",
            "WITH a AS (SELECT 1) SELECT * FROM a;",
            "SELECT load_id, \"copy\" FROM t /* drop table */",
        ] {
            assert_eq!(one_read_only_query(good), Ok(()), "{good}");
        }
        for bad in [
            "SELECT 1; COPY cases TO '/tmp/x.csv'",
            "COPY (SELECT * FROM cases) TO '/tmp/x.csv'",
            "SELECT * FROM read_csv('/etc/passwd')",
            "ATTACH 'other.duckdb'",
            "SELECT 1; SELECT 2",
            "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
            "select * from Read_Parquet('x')",
            "SELECT getenv('HOME')",
        ] {
            assert!(one_read_only_query(bad).is_err(), "{bad}");
        }
    }
}
