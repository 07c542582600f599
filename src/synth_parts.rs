//! The synthetic cases as the agencies send them (data-contract.md v3, "A case in
//! parts"): the child-protection agency's part of each case it handled, the police's
//! (in Vietnamese, through a profile, as `sample-data/police-vn/` shows), the other
//! receiving agencies' receipts, a later police export, and the links for the cases the
//! police know under their own id. Every part copies the receipt columns; loaded
//! together, the parts assemble into exactly the consolidated `cases.csv`. What they hold
//! besides, as real exports do: ids of the police's own for some cases (linked, some
//! links arriving later), ages that disagree in a part that is not the receiving
//! agency's (the receiving agency's part decides), and a late export.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;

use crate::error::{Error, Result};
use crate::model::{
    ABUSE_TYPE_NAMES, AGENCY_NAMES, CHANNEL_NAMES, CRIMINAL_DECISION_NAMES, PLATFORM_NAMES, VICTIM_SEX_NAMES,
};

/// The registry's child-protection role: its codes' spans of days, and its codes in
/// order (read once: the generator asks for every case).
struct ChildProtection {
    spans: Vec<(String, Option<NaiveDate>, Option<NaiveDate>)>,
    codes: Vec<String>,
}

static CHILD_PROTECTION: std::sync::LazyLock<ChildProtection> = std::sync::LazyLock::new(|| {
    let parts = crate::catalog::parts().expect("the built-in parts registry is valid");
    let role = parts
        .role(crate::catalog::CHILD_PROTECTION_ROLE)
        .expect("the registry has the child-protection role");
    ChildProtection {
        spans: parts.spans_of(role),
        codes: parts.codes_of(role),
    }
});

/// Whether the agency that received a case on `day` was the one playing the
/// child-protection role then (queries/parts.toml through the agency registry).
pub fn received_by_child_protection(agency: &str, day: NaiveDate) -> bool {
    CHILD_PROTECTION
        .spans
        .iter()
        .any(|(code, from, to)| code == agency && crate::catalog::in_force(*from, *to, day))
}

/// The code playing the child-protection role on `day`.
fn child_protection_code(day: NaiveDate) -> String {
    let registry = crate::catalog::agencies().expect("the built-in agency registry is valid");
    CHILD_PROTECTION
        .codes
        .iter()
        .find(|code| registry.iter().any(|a| &a.code == *code && a.in_force_on(day)))
        .cloned()
        .unwrap_or_else(|| CHILD_PROTECTION.codes[0].clone())
}

/// One case as the generator made it, seen by the parts' writers.
pub struct CaseView<'a> {
    pub id: &'a str,
    pub area: &'a str,
    pub received: NaiveDateTime,
    pub agency: &'a str,
    pub channel: &'a str,
    pub abuse: &'a str,
    pub sex: &'a str,
    pub age: Option<u32>,
    pub platform: Option<&'a str>,
    pub emergency: bool,
    /// The child-protection agency's columns, in the order of [`CHILD_PROTECTION_HEADER`].
    pub child_protection: [String; 9],
    pub police: Option<NaiveDateTime>,
    pub decision_at: Option<NaiveDateTime>,
    pub decision: Option<&'a str>,
    pub complex: bool,
}

const RECEIPT_HEADER: &str =
    "case_id,area_code,received_at,receiving_agency,channel,abuse_type,victim_sex,victim_age,platform,emergency";
pub const CHILD_PROTECTION_HEADER: &str =
    "social_received_at,assessed_at,assessment_result,emergency_action_at,\
support_plan_at,support_types,support_started_at,outcome,closed_at";

/// The police export's headers, in Vietnamese, with the contract column each maps to.
const POLICE_COLUMNS: &[(&str, &str)] = &[
    ("Mã vụ việc", "case_id"),
    ("Mã địa bàn", "area_code"),
    ("Ngày tiếp nhận", "received_at"),
    ("Cơ quan tiếp nhận", "receiving_agency"),
    ("Kênh tiếp nhận", "channel"),
    ("Hình thức xâm hại", "abuse_type"),
    ("Giới tính", "victim_sex"),
    ("Tuổi", "victim_age"),
    ("Nền tảng", "platform"),
    ("Khẩn cấp", "emergency"),
    ("Ngày Công an thụ lý", "police_received_at"),
    ("Ngày ra quyết định", "criminal_decision_at"),
    ("Quyết định", "criminal_decision"),
    ("Vụ việc phức tạp", "complex_case"),
];

/// The writers of the parts, under one folder.
pub struct PartWriters {
    dir: PathBuf,
    child_protection: Writer,
    receipts: Writer,
    police: Writer,
    police_late: Writer,
    links: Writer,
    links_later: Writer,
}

struct Writer {
    path: PathBuf,
    out: csv::Writer<std::io::BufWriter<std::fs::File>>,
    rows: usize,
}

impl Writer {
    /// A CSV writer (the `csv` crate) over `path` with `separator`, its header written,
    /// after a byte-order mark with `bom` (as spreadsheet exports write one).
    fn create(path: PathBuf, header: &str, bom: bool, separator: char) -> Result<Writer> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder.display(), e))?;
        }
        let file = std::fs::File::create(&path).map_err(|e| Error::io(path.display(), e))?;
        let mut buffered = std::io::BufWriter::new(file);
        if bom {
            buffered
                .write_all("\u{feff}".as_bytes())
                .map_err(|e| Error::io(path.display(), e))?;
        }
        let mut out = csv::WriterBuilder::new()
            .delimiter(separator as u8)
            .from_writer(buffered);
        out.write_record(header.split(separator))
            .map_err(|e| Error::io(path.display(), e.into()))?;
        Ok(Writer { path, out, rows: 0 })
    }

    fn row(&mut self, fields: &[String]) -> Result<()> {
        self.out
            .write_record(fields)
            .map_err(|e| Error::io(self.path.display(), e.into()))?;
        self.rows += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<(PathBuf, usize)> {
        self.out.flush().map_err(|e| Error::io(self.path.display(), e))?;
        Ok((self.path, self.rows))
    }
}

fn time(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// A day-first time, as the police's software writes it.
fn day_first(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format("%d/%m/%Y %H:%M:%S").to_string())
        .unwrap_or_default()
}

fn vietnamese(names: &[(&str, &'static str, &str)], code: &str) -> String {
    names
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, vi, _)| vi.to_string())
        .unwrap_or_else(|| code.to_string())
}

const README: &str = "# The sample's cases as the agencies send them: SYNTHETIC, not real

Written by `baove generate --parts`. Each agency exports its own part of a case
(data-contract.md v3, \"A case in parts\"); loaded together, the parts give the same cases,
and so the same figures, as the consolidated `../cases.csv`.

| file | what |
|---|---|
| `cases_child-protection.csv` | the child-protection agency's part of every case it received or handled (Sở LĐ-TB&XH, Sở Y tế from 1 March 2025): its verification, support and closure; `source_agency` on every row |
| `cases_receipts.csv` | the receipts of the cases another agency received first (Sở TT&TT, Sở KH&CN, others, among them the hotline 111's): the receipt columns only |
| `police/` | the police's part (Công an tỉnh) in Vietnamese, `;` separated, with a BOM and day-first dates, and `profile.toml`, which maps it and says it is the police's (`agency = \"CA\"`); some cases under the police's own id (`CA-…`) |
| `police-late/` | a later police export of some of the police's parts |
| `case_links.csv` | the police's ids and the child-protection agency's ids that are one case |
| `links-later/` | links that arrived after the parts: until they are loaded, those cases count twice and are listed as possible duplicates |

Some ages in the police's part differ from the receiving agency's by a year; the
receiving agency's part decides, and the data-quality sheet counts the disagreement.

Load them (after the reference files: areas, crosswalk, holidays, population) in any
order:

```sh
baove load --db parts.duckdb sample-data/areas.csv sample-data/crosswalk.csv sample-data/holidays.csv sample-data/population.csv sample-data/content_reports.csv
baove load --db parts.duckdb sample-data/parts/
baove load --db parts.duckdb --profile sample-data/parts/police/profile.toml sample-data/parts/police/
baove load --db parts.duckdb --profile sample-data/parts/police/profile.toml sample-data/parts/police-late/
baove load --db parts.duckdb sample-data/parts/links-later/
```
";

impl PartWriters {
    pub fn create(dir: &Path) -> Result<PartWriters> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
        let police_header = POLICE_COLUMNS
            .iter()
            .map(|(vi, _)| *vi)
            .collect::<Vec<_>>()
            .join(";");
        let writers = PartWriters {
            dir: dir.to_path_buf(),
            child_protection: Writer::create(
                dir.join("cases_child-protection.csv"),
                &format!("{RECEIPT_HEADER},{CHILD_PROTECTION_HEADER},source_agency"),
                false,
                ',',
            )?,
            receipts: Writer::create(
                dir.join("cases_receipts.csv"),
                &format!("{RECEIPT_HEADER},source_agency"),
                false,
                ',',
            )?,
            police: Writer::create(
                dir.join("police").join("cases_police.csv"),
                &police_header,
                true,
                ';',
            )?,
            police_late: Writer::create(
                dir.join("police-late").join("cases_police_late.csv"),
                &police_header,
                true,
                ';',
            )?,
            links: Writer::create(
                dir.join("case_links.csv"),
                "case_id,linked_case_id,linked_at,basis",
                false,
                ',',
            )?,
            links_later: Writer::create(
                dir.join("links-later").join("case_links_later.csv"),
                "case_id,linked_case_id,linked_at,basis",
                false,
                ',',
            )?,
        };
        Ok(writers)
    }

    /// Writes the parts of one case: the receiving agency's, the child-protection
    /// agency's if it handled the case, the police's if they received it.
    pub fn write<R: Rng>(&mut self, c: &CaseView<'_>, rng: &mut R) -> Result<()> {
        let day = c.received.date();
        let by_child_protection = received_by_child_protection(c.agency, day);
        let handled = c.child_protection.iter().any(|v| !v.is_empty());
        let receipt = |id: &str, age: Option<u32>| -> Vec<String> {
            vec![
                id.to_string(),
                c.area.to_string(),
                time(Some(c.received)),
                c.agency.to_string(),
                c.channel.to_string(),
                c.abuse.to_string(),
                c.sex.to_string(),
                age.map(|a| a.to_string()).unwrap_or_default(),
                c.platform.unwrap_or("").to_string(),
                c.emergency.to_string(),
            ]
        };
        if by_child_protection || handled {
            // The receiving agency's own code when it plays the role (so its part is the
            // receiving agency's), else the code in force on the day of receipt.
            let part = if by_child_protection {
                c.agency.to_string()
            } else {
                child_protection_code(day)
            };
            let mut row = receipt(c.id, c.age);
            row.extend(c.child_protection.iter().cloned());
            row.push(part);
            self.child_protection.row(&row)?;
        }
        let by_police = c.agency == "CA";
        if !by_child_protection && !by_police {
            let mut row = receipt(c.id, c.age);
            row.push(c.agency.to_string());
            self.receipts.row(&row)?;
        }
        if by_police || c.police.is_some() {
            // The police know a referred case under their own id one time in ten.
            let own_id = !by_police && handled && rng.random::<f64>() < 0.1;
            let id = if own_id {
                format!("CA-{}", c.id)
            } else {
                c.id.to_string()
            };
            if own_id {
                let basis = if rng.random::<f64>() < 0.7 {
                    "REFERRAL"
                } else {
                    "NOTIFICATION"
                };
                let linked_at = c.police.map(|t| t.date().to_string()).unwrap_or_default();
                let link = vec![id.clone(), c.id.to_string(), linked_at, basis.to_string()];
                if rng.random::<f64>() < 0.2 {
                    self.links_later.row(&link)?;
                } else {
                    self.links.row(&link)?;
                }
            }
            // An age a year off in a part that is not the receiving agency's.
            let age = match c.age {
                Some(a) if !by_police && rng.random::<f64>() < 0.05 => {
                    Some(if a >= 17 { a - 1 } else { a + 1 })
                }
                age => age,
            };
            let row: Vec<String> = vec![
                id,
                c.area.to_string(),
                day_first(Some(c.received)),
                vietnamese(AGENCY_NAMES, c.agency),
                vietnamese(CHANNEL_NAMES, c.channel),
                vietnamese(ABUSE_TYPE_NAMES, c.abuse),
                vietnamese(VICTIM_SEX_NAMES, c.sex),
                age.map(|a| a.to_string()).unwrap_or_default(),
                c.platform
                    .map(|p| vietnamese(PLATFORM_NAMES, p))
                    .unwrap_or_default(),
                if c.emergency { "Có" } else { "Không" }.to_string(),
                day_first(c.police),
                day_first(c.decision_at),
                c.decision
                    .map(|d| vietnamese(CRIMINAL_DECISION_NAMES, d))
                    .unwrap_or_default(),
                if c.complex { "Có" } else { "Không" }.to_string(),
            ];
            if rng.random::<f64>() < 0.15 {
                self.police_late.row(&row)?;
            } else {
                self.police.row(&row)?;
            }
        }
        Ok(())
    }

    /// Closes the files and writes the police's profile (in both police folders) and the
    /// folder's README.
    pub fn finish(self) -> Result<Vec<(PathBuf, usize)>> {
        let profile = police_profile();
        for folder in ["police", "police-late"] {
            let path = self.dir.join(folder).join("profile.toml");
            std::fs::write(&path, &profile).map_err(|e| Error::io(path.display(), e))?;
        }
        let readme = self.dir.join("README.md");
        std::fs::write(&readme, README).map_err(|e| Error::io(readme.display(), e))?;
        Ok(vec![
            self.child_protection.finish()?,
            self.receipts.finish()?,
            self.police.finish()?,
            self.police_late.finish()?,
            self.links.finish()?,
            self.links_later.finish()?,
        ])
    }
}

/// The mapping profile of the police's export: its headers and values, and whose part
/// it is.
fn police_profile() -> String {
    let mut text = String::from(
        "# Mapping profile of the police's part of each case (Công an tỉnh), written in\n\
         # Vietnamese. SYNTHETIC EXAMPLE: the export beside this file holds invented cases only.\n\
         kind = \"cases\"\n\
         agency = \"CA\"\n\
         description = \"Công an tỉnh: phần vụ việc của Công an, tiêu đề tiếng Việt\"\n\n[columns]\n",
    );
    for (vi, column) in POLICE_COLUMNS {
        text.push_str(&format!("\"{vi}\" = \"{column}\"\n"));
    }
    for (column, names) in [
        ("receiving_agency", AGENCY_NAMES),
        ("channel", CHANNEL_NAMES),
        ("abuse_type", ABUSE_TYPE_NAMES),
        ("victim_sex", VICTIM_SEX_NAMES),
        ("platform", PLATFORM_NAMES),
        ("criminal_decision", CRIMINAL_DECISION_NAMES),
    ] {
        text.push_str(&format!("\n[values.{column}]\n"));
        for (code, vi, _) in names {
            text.push_str(&format!("\"{vi}\" = \"{code}\"\n"));
        }
    }
    text
}
