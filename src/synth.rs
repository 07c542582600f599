//! A synthetic data set in the contract, for demos, tests and benchmarks: Quảng Bình
//! (province 44) and the former Quảng Trị (45), merged on 1 July 2025 into Quảng Trị
//! (keeping the code 44), or a whole synthetic nation of provinces (`generate_nation`),
//! with their districts and communes, 2023 to September 2026, with realistic stage delays,
//! open cases, emergency and complex cases, content takedowns, a holiday calendar with
//! Tết and make-up Saturdays, and population denominators. Nothing in it is real: every
//! case, id and count is drawn from a seeded generator, so the same seed gives the same
//! bytes.

use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Settings {
    pub seed: u64,
    pub cases: usize,
    pub content: usize,
    /// Also write each case as the agencies send it: their parts, in `parts/` beside the
    /// consolidated `cases.csv` (the first province's only).
    pub parts: bool,
}

/// The random stream of the handovers to the child-protection agency (v3's
/// `social_received_at`) and of the parts.
const HANDOVER_STREAM: u64 = 0x05EC_011D;

pub const PROVINCE: (&str, &str) = ("44", "Quảng Bình");

/// The province formed on 1 July 2025 from Quảng Bình and the former Quảng Trị (45).
pub const MERGED: (&str, &str) = ("44", "Quảng Trị");

/// District code, name, children under 16 in 2023 (synthetic, of a plausible size).
pub const DISTRICTS: &[(&str, &str, u32)] = &[
    ("450", "Đồng Hới", 31_000),
    ("452", "Minh Hóa", 12_500),
    ("453", "Tuyên Hóa", 17_800),
    ("454", "Quảng Trạch", 24_600),
    ("455", "Bố Trạch", 44_900),
    ("456", "Quảng Ninh", 20_300),
    ("457", "Lệ Thủy", 32_700),
    ("458", "Ba Đồn", 26_100),
];

/// The reform of 1 July 2025: the district level ended on 30 June 2025 and records are
/// coded by the new communes from that day.
pub fn reform_day() -> NaiveDate {
    date(2025, 7, 1)
}

/// (former district, the share of that district's children a commune took).
pub type DistrictParts = &'static [(&'static str, f64)];

/// The new communes (synthetic codes and names, marked as such) and what each is made
/// of: (former district, the share of that district's children it took). Each district's
/// shares add up to 1, so the crosswalk conserves every count.
pub const COMMUNES: &[(&str, &str, DistrictParts)] = &[
    ("90001", "Phường Đồng Hới Bắc (giả lập)", &[("450", 0.6)]),
    (
        "90002",
        "Phường Đồng Hới Nam (giả lập)",
        &[("450", 0.4), ("456", 0.2)],
    ),
    ("90003", "Xã Minh Hóa (giả lập)", &[("452", 1.0)]),
    ("90004", "Xã Tuyên Hóa (giả lập)", &[("453", 1.0)]),
    ("90005", "Xã Quảng Trạch (giả lập)", &[("454", 0.75)]),
    ("90006", "Phường Ba Đồn (giả lập)", &[("458", 1.0), ("454", 0.25)]),
    ("90007", "Xã Bố Trạch Bắc (giả lập)", &[("455", 0.55)]),
    (
        "90008",
        "Xã Bố Trạch Nam (giả lập)",
        &[("455", 0.45), ("456", 0.3)],
    ),
    ("90009", "Xã Quảng Ninh (giả lập)", &[("456", 0.5)]),
    ("90010", "Xã Lệ Thủy (giả lập)", &[("457", 1.0)]),
];

/// A commune of a territory: code, name, and the former districts it took children
/// from, with the share of each district's children it took.
pub type Commune = (String, String, Vec<(String, f64)>);

/// A province the generator writes records for: its districts until the reform and its
/// communes from it, the province its communes belong to (its own code, or that of the
/// province it merged into on the reform day), and its agencies' id scheme.
#[derive(Debug, Clone)]
pub struct Territory {
    pub code: String,
    pub name: String,
    /// Code, name, children under 16 in 2023.
    pub districts: Vec<(String, String, u32)>,
    /// Each district's shares add up to 1.
    pub communes: Vec<Commune>,
    /// Set when the province ended with the reform: the merged province's code and name.
    pub merged_into: Option<(String, String)>,
    pub case_prefix: String,
    pub content_prefix: String,
}

impl Territory {
    /// Quảng Bình (44), which the reform of 1 July 2025 merged with the former Quảng Trị
    /// into Quảng Trị, keeping the code 44.
    pub fn quang_binh() -> Territory {
        Territory {
            code: PROVINCE.0.into(),
            name: PROVINCE.1.into(),
            districts: DISTRICTS
                .iter()
                .map(|(c, n, k)| (c.to_string(), n.to_string(), *k))
                .collect(),
            communes: COMMUNES
                .iter()
                .map(|(c, n, parts)| {
                    (
                        c.to_string(),
                        n.to_string(),
                        parts.iter().map(|(d, w)| (d.to_string(), *w)).collect(),
                    )
                })
                .collect(),
            merged_into: Some((MERGED.0.into(), MERGED.1.into())),
            case_prefix: "QB".into(),
            content_prefix: "ND".into(),
        }
    }

    /// The former Quảng Trị (45): the public names and codes of its districts, synthetic
    /// children and communes; its agencies keep their own ids ("QT-…") after the merger.
    pub fn former_quang_tri() -> Territory {
        let districts = [
            ("461", "Đông Hà", 24_500),
            ("462", "Quảng Trị", 6_800),
            ("464", "Vĩnh Linh", 22_300),
            ("465", "Hướng Hóa", 29_400),
            ("466", "Gio Linh", 19_100),
            ("467", "Đa Krông", 12_600),
            ("468", "Cam Lộ", 12_900),
            ("469", "Triệu Phong", 22_800),
            ("470", "Hải Lăng", 21_700),
        ];
        let communes = [
            (
                "90101",
                "Phường Đông Hà (giả lập)",
                vec![("461", 1.0), ("468", 0.3)],
            ),
            (
                "90102",
                "Phường Quảng Trị (giả lập)",
                vec![("462", 1.0), ("470", 0.2)],
            ),
            ("90103", "Xã Vĩnh Linh (giả lập)", vec![("464", 1.0)]),
            ("90104", "Xã Hướng Hóa (giả lập)", vec![("465", 1.0)]),
            ("90105", "Xã Gio Linh (giả lập)", vec![("466", 1.0)]),
            ("90106", "Xã Đa Krông (giả lập)", vec![("467", 1.0)]),
            ("90107", "Xã Cam Lộ (giả lập)", vec![("468", 0.7)]),
            ("90108", "Xã Triệu Phong (giả lập)", vec![("469", 1.0)]),
            ("90109", "Xã Hải Lăng (giả lập)", vec![("470", 0.8)]),
        ];
        Territory {
            code: "45".into(),
            name: "Quảng Trị (cũ)".into(),
            districts: districts
                .iter()
                .map(|(c, n, k)| (c.to_string(), n.to_string(), *k))
                .collect(),
            communes: communes
                .into_iter()
                .map(|(c, n, parts)| {
                    (
                        c.into(),
                        n.into(),
                        parts.into_iter().map(|(d, w)| (d.into(), w)).collect(),
                    )
                })
                .collect(),
            merged_into: Some((MERGED.0.into(), MERGED.1.into())),
            case_prefix: "QT".into(),
            content_prefix: "NDQT".into(),
        }
    }

    /// The province the communes belong to.
    fn commune_parent(&self) -> &str {
        self.merged_into.as_ref().map_or(&self.code, |(code, _)| code)
    }

    fn district_children(&self, code: &str) -> f64 {
        self.districts
            .iter()
            .find(|(c, _, _)| c == code)
            .map_or(0.0, |(_, _, kids)| f64::from(*kids))
    }

    /// A commune's children as a multiple of the districts' base year.
    fn commune_children(&self, pieces: &[(String, f64)]) -> f64 {
        pieces
            .iter()
            .map(|(d, share)| share * self.district_children(d))
            .sum()
    }

    /// The crosswalk: (commune, former district, weight), the weight being the part of
    /// the commune's children that came from that district, in millionths (six
    /// decimals: more digits in a row would look like an identity number to the load's
    /// scan), the last part of each commune taking the rounding so that every commune's
    /// weights add up to exactly 1.
    pub fn crosswalk(&self) -> Vec<(String, String, String)> {
        let mut rows = Vec::new();
        for (commune, _, pieces) in &self.communes {
            let total = self.commune_children(pieces);
            let mut left = 1_000_000i64;
            for (i, (district, share)) in pieces.iter().enumerate() {
                let millionths = if i + 1 == pieces.len() {
                    left
                } else {
                    (share * self.district_children(district) / total * 1e6).round() as i64
                };
                left -= millionths;
                let weight = if millionths == 1_000_000 {
                    "1".to_string()
                } else {
                    format!("0.{millionths:06}")
                };
                rows.push((commune.clone(), district.clone(), weight));
            }
        }
        rows
    }

    /// The area a record made at `at` in `district` is coded by: the district before
    /// the reform, after it one of the communes that took part of the district, in
    /// proportion to the part each took.
    fn coded_area<R: Rng>(&self, rng: &mut R, district: &str, at: NaiveDateTime) -> String {
        if at.date() < reform_day() {
            return district.to_string();
        }
        let parts: Vec<(&str, f64)> = self
            .communes
            .iter()
            .flat_map(|(commune, _, pieces)| {
                pieces
                    .iter()
                    .filter(|(d, _)| d == district)
                    .map(move |(_, share)| (commune.as_str(), *share))
            })
            .collect();
        if parts.is_empty() {
            district.to_string()
        } else {
            pick(rng, &parts).to_string()
        }
    }

    fn area_weights(&self) -> Vec<(&str, f64)> {
        self.districts
            .iter()
            .map(|(code, _, kids)| (code.as_str(), f64::from(*kids)))
            .collect()
    }
}

/// Data run from the start of 2023 to the end of September 2026.
fn first_moment() -> NaiveDateTime {
    date(2023, 1, 1).and_hms_opt(0, 0, 0).expect("valid")
}

fn last_moment() -> NaiveDateTime {
    date(2026, 9, 30).and_hms_opt(23, 59, 59).expect("valid")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A working-day calendar in the shape of the official announcements: New Year, the Tết
/// week, Hùng Kings, 30/4-1/5 and National Day, with their weekday days off (HOLIDAY) and
/// make-up working Saturdays (WORKDAY). Synthetic: close to, not copied from, the decisions.
pub fn holidays() -> Vec<(NaiveDate, &'static str, &'static str)> {
    let mut days = Vec::new();
    let mut off = |d: NaiveDate, name: &'static str| days.push((d, "HOLIDAY", name));
    // 2023
    off(date(2023, 1, 2), "Tết Dương lịch (nghỉ bù)");
    for d in [20, 23, 24, 25, 26] {
        off(date(2023, 1, d), "Tết Nguyên đán");
    }
    for d in [1, 2, 3] {
        off(date(2023, 5, d), "Giỗ Tổ Hùng Vương, 30/4, 1/5 (nghỉ bù)");
    }
    off(date(2023, 9, 1), "Quốc khánh");
    off(date(2023, 9, 4), "Quốc khánh (nghỉ bù)");
    // 2024
    off(date(2024, 1, 1), "Tết Dương lịch");
    for d in [8, 9, 12, 13, 14] {
        off(date(2024, 2, d), "Tết Nguyên đán");
    }
    off(date(2024, 4, 18), "Giỗ Tổ Hùng Vương");
    off(date(2024, 4, 29), "Nghỉ 30/4 (hoán đổi)");
    off(date(2024, 4, 30), "Ngày Giải phóng miền Nam");
    off(date(2024, 5, 1), "Quốc tế Lao động");
    off(date(2024, 9, 2), "Quốc khánh");
    off(date(2024, 9, 3), "Quốc khánh");
    // 2025
    off(date(2025, 1, 1), "Tết Dương lịch");
    for d in [27, 28, 29, 30, 31] {
        off(date(2025, 1, d), "Tết Nguyên đán");
    }
    off(date(2025, 4, 7), "Giỗ Tổ Hùng Vương");
    off(date(2025, 4, 30), "Ngày Giải phóng miền Nam");
    off(date(2025, 5, 1), "Quốc tế Lao động");
    off(date(2025, 5, 2), "Nghỉ hoán đổi");
    off(date(2025, 9, 1), "Quốc khánh");
    off(date(2025, 9, 2), "Quốc khánh");
    // 2026
    off(date(2026, 1, 1), "Tết Dương lịch");
    off(date(2026, 1, 2), "Nghỉ hoán đổi");
    for d in [16, 17, 18, 19, 20] {
        off(date(2026, 2, d), "Tết Nguyên đán");
    }
    off(date(2026, 4, 27), "Giỗ Tổ Hùng Vương (nghỉ bù)");
    off(date(2026, 4, 30), "Ngày Giải phóng miền Nam");
    off(date(2026, 5, 1), "Quốc tế Lao động");
    off(date(2026, 9, 1), "Quốc khánh");
    off(date(2026, 9, 2), "Quốc khánh");
    let mut worked = |d: NaiveDate, name: &'static str| days.push((d, "WORKDAY", name));
    worked(date(2024, 5, 4), "Làm bù cho 29/4");
    worked(date(2025, 4, 26), "Làm bù cho 2/5");
    worked(date(2026, 1, 10), "Làm bù cho 2/1");
    days.sort();
    days
}

/// Picks from `(value, weight)` pairs.
fn pick<'a, R: Rng>(rng: &mut R, choices: &[(&'a str, f64)]) -> &'a str {
    let total: f64 = choices.iter().map(|c| c.1).sum();
    let mut x = rng.random::<f64>() * total;
    for (value, weight) in choices {
        if x < *weight {
            return value;
        }
        x -= weight;
    }
    choices.last().expect("non-empty").0
}

/// A log-normal delay in seconds with the given median (hours) and spread.
fn delay<R: Rng>(rng: &mut R, median_hours: f64, sigma: f64) -> Duration {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    let hours = median_hours * (sigma * z).exp();
    Duration::seconds((hours * 3600.0).round().max(60.0) as i64)
}

fn fmt_time(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

fn chance<R: Rng>(rng: &mut R, p: f64) -> bool {
    rng.random::<f64>() < p
}

struct Case {
    id: String,
    area: String,
    received: NaiveDateTime,
    agency: &'static str,
    channel: &'static str,
    abuse: &'static str,
    sex: &'static str,
    age: Option<u32>,
    platform: Option<&'static str>,
    emergency: bool,
    assessed: Option<NaiveDateTime>,
    result: Option<&'static str>,
    social: Option<NaiveDateTime>,
    emergency_action: Option<NaiveDateTime>,
    police: Option<NaiveDateTime>,
    plan: Option<NaiveDateTime>,
    support_types: Option<String>,
    support_started: Option<NaiveDateTime>,
    decision_at: Option<NaiveDateTime>,
    decision: Option<&'static str>,
    complex: bool,
    outcome: Option<&'static str>,
    closed: Option<NaiveDateTime>,
}

impl Case {
    /// The case as the parts' writers see it.
    fn view(&self) -> crate::synth_parts::CaseView<'_> {
        crate::synth_parts::CaseView {
            id: &self.id,
            area: &self.area,
            received: self.received,
            agency: self.agency,
            channel: self.channel,
            abuse: self.abuse,
            sex: self.sex,
            age: self.age,
            platform: self.platform,
            emergency: self.emergency,
            child_protection: [
                fmt_time(self.social),
                fmt_time(self.assessed),
                self.result.unwrap_or("").to_string(),
                fmt_time(self.emergency_action),
                fmt_time(self.plan),
                self.support_types.clone().unwrap_or_default(),
                fmt_time(self.support_started),
                self.outcome.unwrap_or("").to_string(),
                fmt_time(self.closed),
            ],
            police: self.police,
            decision_at: self.decision_at,
            decision: self.decision,
            complex: self.complex,
        }
    }
}

fn random_moment<R: Rng>(rng: &mut R) -> NaiveDateTime {
    // Up to the last day: stages after the end are forgotten (open at the end), and
    // 2026Q3 straddles the 6-hour rule of 1 July 2026.
    let span = (last_moment() - first_moment()).num_seconds() - 86_400;
    let day = first_moment() + Duration::seconds(rng.random_range(0..span));
    // Reports arrive mostly in the daytime and evening.
    let hour = pick(
        rng,
        &[
            ("7", 1.0),
            ("9", 2.0),
            ("11", 2.0),
            ("14", 2.0),
            ("16", 2.0),
            ("19", 1.5),
            ("21", 1.0),
            ("1", 0.3),
        ],
    );
    let start = day
        .date()
        .and_hms_opt(hour.parse().expect("hour"), 0, 0)
        .expect("valid");
    start + Duration::seconds(rng.random_range(0..7200))
}

fn make_case<R: Rng>(rng: &mut R, received: NaiveDateTime, area: String) -> Case {
    let mut c = new_case(rng, received, area);
    assess_and_investigate(rng, &mut c);
    plan_support(rng, &mut c);
    close(rng, &mut c);
    forget_after_the_end(&mut c);
    c
}

/// The agency that receives a case on `day`: after a reorganisation
/// (`queries/agencies.toml`) its successor, except for the 2% of exports that still carry
/// the former code (accepted, and named in the data-quality sheet).
fn in_force<R: Rng>(rng: &mut R, agency: &'static str, day: NaiveDate) -> &'static str {
    let registry = crate::catalog::agencies().expect("the built-in agency registry is valid");
    let Some(successor) = registry
        .iter()
        .find(|a| a.code == agency && !a.in_force_on(day))
        .and_then(|a| a.successor.as_deref())
    else {
        return agency;
    };
    if chance(rng, 0.02) {
        return agency;
    }
    crate::model::AGENCIES
        .iter()
        .copied()
        .find(|code| *code == successor)
        .unwrap_or(agency)
}

/// The weights the generator draws a case's attributes with (synthetic: shaped like the
/// programme's reports, not taken from any record).
const SIGNATORIES: &[(&str, f64)] = &[("LDTBXH", 40.0), ("CA", 35.0), ("TTTT", 15.0), ("OTHER", 10.0)];
const POLICE_CHANNELS: &[(&str, f64)] = &[
    ("POLICE", 60.0),
    ("DIRECT", 20.0),
    ("PLATFORM", 10.0),
    ("OTHER", 10.0),
];
const MONITORING_CHANNELS: &[(&str, f64)] =
    &[("ONLINE_MONITORING", 60.0), ("PLATFORM", 30.0), ("MEDIA", 10.0)];
const OTHER_CHANNELS: &[(&str, f64)] = &[
    ("HOTLINE_111", 45.0),
    ("DIRECT", 15.0),
    ("SCHOOL", 15.0),
    ("HEALTH", 8.0),
    ("MEDIA", 5.0),
    ("OTHER", 12.0),
];
const ABUSE_TYPES_WEIGHTED: &[(&str, f64)] = &[
    ("SEXUAL_ABUSE", 14.0),
    ("CSAM", 10.0),
    ("GROOMING", 12.0),
    ("SEXTORTION", 9.0),
    ("LIVESTREAM", 3.0),
    ("CYBERBULLYING", 20.0),
    ("PRIVACY", 9.0),
    ("EXPLOITATION", 4.0),
    ("FRAUD", 8.0),
    ("HARMFUL_CONTENT", 7.0),
    ("OTHER", 4.0),
];
const SEXES: &[(&str, f64)] = &[("F", 64.0), ("M", 34.0), ("U", 2.0)];
const AGES: &[(&str, f64)] = &[
    ("4", 1.0),
    ("8", 4.0),
    ("10", 6.0),
    ("12", 14.0),
    ("13", 16.0),
    ("14", 18.0),
    ("15", 17.0),
    ("16", 14.0),
    ("17", 10.0),
];
const PLATFORMS: &[(&str, f64)] = &[
    ("FACEBOOK", 30.0),
    ("ZALO", 18.0),
    ("TIKTOK", 20.0),
    ("YOUTUBE", 5.0),
    ("MESSENGER", 12.0),
    ("TELEGRAM", 5.0),
    ("GAME", 5.0),
    ("WEBSITE", 3.0),
    ("OTHER", 2.0),
];

/// Who received the case, how, what it is about and of whom; no stage yet.
fn new_case<R: Rng>(rng: &mut R, received: NaiveDateTime, area: String) -> Case {
    let signatory = pick(rng, SIGNATORIES);
    let agency = in_force(rng, signatory, received.date());
    let channel = match agency {
        "CA" => pick(rng, POLICE_CHANNELS),
        "TTTT" | "KHCN" => pick(rng, MONITORING_CHANNELS),
        _ => pick(rng, OTHER_CHANNELS),
    };
    let abuse = pick(rng, ABUSE_TYPES_WEIGHTED);
    let sex = pick(rng, SEXES);
    let age = (!chance(rng, 0.06)).then(|| pick(rng, AGES).parse().expect("age"));
    let platform = (!chance(rng, 0.1)).then(|| pick(rng, PLATFORMS));
    let emergency = chance(
        rng,
        if abuse == "SEXUAL_ABUSE" || abuse == "SEXTORTION" {
            0.3
        } else {
            0.06
        },
    );
    Case {
        id: String::new(),
        area,
        received,
        agency,
        channel,
        abuse,
        sex,
        age,
        platform,
        emergency,
        assessed: None,
        social: None,
        result: None,
        emergency_action: None,
        police: None,
        plan: None,
        support_types: None,
        support_started: None,
        decision_at: None,
        decision: None,
        complex: false,
        outcome: None,
        closed: None,
    }
}

/// Emergency action, assessment, referral to the police and the criminal decision.
fn assess_and_investigate<R: Rng>(rng: &mut R, c: &mut Case) {
    let (received, emergency, agency, abuse) = (c.received, c.emergency, c.agency, c.abuse);
    if emergency {
        c.emergency_action = (!chance(rng, 0.03)).then(|| received + delay(rng, 4.0, 0.9));
    }
    if !chance(rng, 0.03) {
        c.assessed = Some(received + delay(rng, if emergency { 8.0 } else { 30.0 }, 0.9));
        c.result = Some(pick(
            rng,
            &[
                ("CONFIRMED", 60.0),
                ("UNFOUNDED", 20.0),
                ("INSUFFICIENT", 12.0),
                ("OUT_OF_SCOPE", 8.0),
            ],
        ));
    }
    let confirmed = c.result == Some("CONFIRMED");
    let criminal = matches!(
        abuse,
        "SEXUAL_ABUSE" | "CSAM" | "GROOMING" | "SEXTORTION" | "LIVESTREAM" | "EXPLOITATION"
    );
    if agency == "CA" {
        c.police = Some(received + Duration::minutes(rng.random_range(0..90)));
    } else if confirmed && criminal && chance(rng, 0.75) {
        c.police = Some(c.assessed.expect("confirmed means assessed") + delay(rng, 20.0, 1.0));
    }
    if let Some(police) = c.police {
        if confirmed || agency == "CA" {
            c.complex = chance(rng, 0.2);
            let days = if c.complex {
                rng.random_range(15.0..70.0)
            } else {
                rng.random_range(3.0..24.0)
            };
            if !chance(rng, 0.05) {
                c.decision_at = Some(police + Duration::seconds((days * 86_400.0) as i64));
                c.decision = Some(pick(
                    rng,
                    &[
                        ("PROSECUTED", 55.0),
                        ("NOT_PROSECUTED", 35.0),
                        ("SUSPENDED", 10.0),
                    ],
                ));
            }
        }
    }
}

/// A support plan and its start for a confirmed case.
fn plan_support<R: Rng>(rng: &mut R, c: &mut Case) {
    let confirmed = c.result == Some("CONFIRMED");
    if confirmed {
        let assessed = c.assessed.expect("confirmed means assessed");
        if !chance(rng, 0.04) {
            c.plan = Some(assessed + delay(rng, 60.0, 0.7));
            let n = rng.random_range(1..=3);
            let mut types: Vec<&str> = Vec::new();
            for _ in 0..n {
                let t = pick(
                    rng,
                    &[
                        ("PSYCHOLOGICAL", 30.0),
                        ("COUNSELLING", 25.0),
                        ("MEDICAL", 12.0),
                        ("LEGAL_AID", 12.0),
                        ("EDUCATION", 8.0),
                        ("SHELTER", 5.0),
                        ("ALTERNATIVE_CARE", 3.0),
                        ("OTHER", 5.0),
                    ],
                );
                if !types.contains(&t) {
                    types.push(t);
                }
            }
            c.support_types = Some(types.join(";"));
            if !chance(rng, 0.08) {
                c.support_started = Some(c.plan.expect("set above") + delay(rng, 40.0, 0.8));
            }
        }
    }
}

/// Closure after every other stage, with its outcome.
fn close<R: Rng>(rng: &mut R, c: &mut Case) {
    let received = c.received;
    // Most cases close within a few months.
    if c.assessed.is_some() && !chance(rng, 0.06) {
        let stages = [
            c.assessed,
            c.emergency_action,
            c.police,
            c.plan,
            c.support_started,
            c.decision_at,
        ];
        let pending_decision = c.police.is_some() && c.decision_at.is_none();
        if !pending_decision {
            let latest = stages.iter().flatten().max().copied().unwrap_or(received);
            c.closed = Some(latest + delay(rng, 24.0 * 20.0, 0.8));
            c.outcome = Some(match (c.result, c.decision) {
                (_, Some("PROSECUTED")) => "CRIMINAL",
                (Some("CONFIRMED"), _) => pick(
                    rng,
                    &[
                        ("ADMINISTRATIVE", 40.0),
                        ("CONTENT_REMOVED", 25.0),
                        ("SUPPORT_ONLY", 25.0),
                        ("TRANSFERRED", 5.0),
                        ("OTHER", 5.0),
                    ],
                ),
                (Some("OUT_OF_SCOPE"), _) => "TRANSFERRED",
                _ => "NO_VIOLATION",
            });
        }
    }
}

/// What has not happened by the end of the data has not happened: drop it, and with it
/// the value paired to it.
fn forget_after_the_end(c: &mut Case) {
    let end = last_moment();
    let cut = |t: &mut Option<NaiveDateTime>| {
        if t.is_some_and(|t| t > end) {
            *t = None;
        }
    };
    for t in [
        &mut c.assessed,
        &mut c.emergency_action,
        &mut c.police,
        &mut c.plan,
        &mut c.support_started,
        &mut c.decision_at,
        &mut c.closed,
    ] {
        cut(t);
    }
    if c.assessed.is_none() {
        c.result = None;
    }
    if c.decision_at.is_none() {
        c.decision = None;
    }
    if c.closed.is_none() {
        c.outcome = None;
    }
    if c.police.is_none() {
        c.decision_at = None;
        c.decision = None;
        c.complex = false;
    }
}

/// The child-protection agency's receipt of a case another agency received first
/// (data-contract.md v3, `social_received_at`): when it went on to verify or act, it
/// received the case before, mostly within hours; a case it never worked on may never
/// have reached it.
fn refer_to_child_protection<R: Rng>(rng: &mut R, c: &mut Case) {
    if crate::synth_parts::received_by_child_protection(c.agency, c.received.date()) {
        return;
    }
    let worked_on = c.assessed.or(c.emergency_action);
    if worked_on.is_none() && !chance(rng, 0.4) {
        return;
    }
    let mut at = c.received + delay(rng, 5.0, 1.3);
    for limit in [c.assessed, c.emergency_action].into_iter().flatten() {
        at = at.min(limit);
    }
    c.social = (at <= last_moment()).then_some(at);
}

/// A CSV writer (the `csv` crate: fields quoted where they need it) over `path`, its
/// header written.
fn open_csv(path: &Path, header: &str) -> Result<CsvFile> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path.display(), e))?;
    let mut csv = CsvFile {
        writer: csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, file)),
        path: path.to_path_buf(),
    };
    csv.record(header.split(','))?;
    Ok(csv)
}

/// A generated CSV file being written.
pub(crate) struct CsvFile {
    writer: csv::Writer<std::io::BufWriter<std::fs::File>>,
    path: PathBuf,
}

impl CsvFile {
    pub(crate) fn record<I, T>(&mut self, fields: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer
            .write_record(fields)
            .map_err(|e| Error::io(self.path.display(), e.into()))
    }

    pub(crate) fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(|e| Error::io(self.path.display(), e))
    }
}

/// Writes the sample data set into `out`: Quảng Bình's files at the top (the merged
/// province's first predecessor, whose code it kept), and in `quang-tri-45/` the former
/// Quảng Trị's, with its areas, the merger in its crosswalk and its own ids. Returns each
/// file with its row count.
pub fn generate(out: &Path, settings: &Settings) -> Result<Vec<(PathBuf, usize)>> {
    let quang_binh = Territory::quang_binh();
    let mut written = write_territories(out, &[&quang_binh], &[], true, settings.seed)?;
    written.extend(write_records(
        out,
        &quang_binh,
        settings,
        settings.seed,
        settings.parts,
    )?);
    let quang_tri = Territory::former_quang_tri();
    let second = out.join("quang-tri-45");
    let merger = [(
        MERGED.0.to_string(),
        vec![PROVINCE.0.to_string(), quang_tri.code.clone()],
    )];
    written.extend(write_territories(
        &second,
        &[&quang_tri],
        &merger,
        false,
        settings.seed ^ 45,
    )?);
    written.extend(write_records(
        &second,
        &quang_tri,
        settings,
        settings.seed ^ 45,
        false,
    )?);
    Ok(written)
}

/// Writes a synthetic nation of `provinces` provinces into `out`: the areas of all of
/// them, the crosswalk (communes and mergers), holidays and population at the top, and
/// each province's cases and content items in a folder named by its code, every one
/// numbered from 1 in the same scheme (so the ids of two provinces overlap). The first
/// provinces merge in pairs on 1 July 2025, as 63 provinces became 34, the new province
/// keeping the first one's code.
pub fn generate_nation(out: &Path, settings: &Settings, provinces: usize) -> Result<Vec<(PathBuf, usize)>> {
    let provinces = provinces.max(2);
    let mergers = (provinces - (provinces as f64 * 34.0 / 63.0).round() as usize).max(1);
    let mut shape = ChaCha8Rng::seed_from_u64(settings.seed ^ 0x0063_0034);
    let mut territories: Vec<Territory> = (0..provinces)
        .map(|i| {
            let code = format!("{:02}", i + 1);
            let districts: Vec<(String, String, u32)> = (1..=4 + i % 4)
                .map(|k| {
                    let kids = shape.random_range(8_000..45_000);
                    (format!("{code}{k}"), format!("Huyện giả lập {code}-{k}"), kids)
                })
                .collect();
            let mut communes: Vec<Commune> = Vec::new();
            for (k, (district, _, _)) in districts.iter().enumerate() {
                // The first district splits in two communes, the others become one.
                let shares: &[f64] = if k == 0 { &[0.6, 0.4] } else { &[1.0] };
                for share in shares {
                    let n = communes.len() + 1;
                    communes.push((
                        format!("{code}9{n:02}"),
                        format!("Xã giả lập {code}-{n}"),
                        vec![(district.clone(), *share)],
                    ));
                }
            }
            Territory {
                name: format!("Tỉnh giả lập {code}"),
                code,
                districts,
                communes,
                merged_into: None,
                case_prefix: "VV".into(),
                content_prefix: "ND".into(),
            }
        })
        .collect();
    let mut formed = Vec::new();
    for pair in 0..mergers.min(provinces / 2) {
        let (first, second) = (2 * pair, 2 * pair + 1);
        let merged = (
            territories[first].code.clone(),
            format!("Tỉnh giả lập {} (hợp nhất)", territories[first].code),
        );
        formed.push((
            merged.0.clone(),
            vec![territories[first].code.clone(), territories[second].code.clone()],
        ));
        territories[first].merged_into = Some(merged.clone());
        territories[second].merged_into = Some(merged);
    }
    let all: Vec<&Territory> = territories.iter().collect();
    let mut written = write_territories(out, &all, &formed, true, settings.seed)?;
    for (i, territory) in territories.iter().enumerate() {
        let folder = out.join(&territory.code);
        written.extend(write_records(
            &folder,
            territory,
            settings,
            settings.seed.wrapping_add(i as u64 * 7919),
            settings.parts && i == 0,
        )?);
    }
    Ok(written)
}

/// The reference files of `territories`: areas (with the provinces `formed` by mergers
/// when `with_merged`), the crosswalk (communes, and each merger: the new province from
/// each former one, weight 1), and population; holidays with the areas of the top.
fn write_territories(
    out: &Path,
    territories: &[&Territory],
    formed: &[(String, Vec<String>)],
    with_merged: bool,
    seed: u64,
) -> Result<Vec<(PathBuf, usize)>> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out.display(), e))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut written = vec![
        write_areas(out, territories, with_merged)?,
        write_crosswalk(out, territories, formed)?,
    ];
    if with_merged {
        written.push(write_holidays(out)?);
    }
    written.push(write_population(out, territories, &mut rng)?);
    Ok(written)
}

/// The cases and content items of one territory, in `out`. The random draws continue
/// those of the reference files of the same seed, as the sample data was first made.
fn write_records(
    out: &Path,
    territory: &Territory,
    settings: &Settings,
    seed: u64,
    with_parts: bool,
) -> Result<Vec<(PathBuf, usize)>> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out.display(), e))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // The population's draws come first (same seed, same order), so each territory's
    // records draw the same numbers as when the files were written together.
    skip_population_draws(territory, &mut rng);
    // The commune a record is coded by after the reform comes from a generator of its
    // own, so the rest of the data set draws the same numbers as before.
    let mut reform_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x2025_0701);
    let (mut written, case_ids) = write_cases(
        out,
        territory,
        settings.cases,
        &mut rng,
        &mut reform_rng,
        with_parts,
    )?;
    let content = write_content(
        out,
        territory,
        settings.content,
        &case_ids,
        &mut rng,
        &mut reform_rng,
    )?;
    written.push(content);
    Ok(written)
}

/// Each province until the reform (a province never merged goes on), its districts
/// until the reform and its communes from it, under the province they then belong to;
/// with `with_merged`, the provinces formed on the reform day.
fn write_areas(out: &Path, territories: &[&Territory], with_merged: bool) -> Result<(PathBuf, usize)> {
    let path = out.join("areas.csv");
    let mut w = open_csv(&path, "area_code,name,level,parent_code,valid_from,valid_to")?;
    let last_district_day = reform_day().pred_opt().expect("valid");
    let mut rows = 0;
    let mut merged: Vec<&(String, String)> = Vec::new();
    for t in territories {
        let end = t
            .merged_into
            .as_ref()
            .map(|_| last_district_day.to_string())
            .unwrap_or_default();
        w.record([t.code.as_str(), &t.name, "PROVINCE", "", "", &end])?;
        rows += 1;
        if let Some(m) = &t.merged_into {
            if !merged.contains(&m) {
                merged.push(m);
            }
        }
    }
    if with_merged {
        for (code, name) in &merged {
            w.record([code.as_str(), name, "PROVINCE", "", &reform_day().to_string(), ""])?;
            rows += 1;
        }
    }
    for t in territories {
        for (code, name, _) in &t.districts {
            w.record([
                code.to_string(),
                name.to_string(),
                "DISTRICT".into(),
                t.code.to_string(),
                String::new(),
                last_district_day.to_string(),
            ])?;
        }
        for (code, name, _) in &t.communes {
            w.record([
                code.to_string(),
                name.to_string(),
                "COMMUNE".into(),
                t.commune_parent().to_string(),
                reform_day().to_string(),
                String::new(),
            ])?;
        }
        rows += t.districts.len() + t.communes.len();
    }
    w.finish()?;
    Ok((path, rows))
}

/// Which districts each commune came from, with its share; each merger's new province
/// from each former one, weight 1.
fn write_crosswalk(
    out: &Path,
    territories: &[&Territory],
    formed: &[(String, Vec<String>)],
) -> Result<(PathBuf, usize)> {
    let path = out.join("crosswalk.csv");
    let mut w = open_csv(&path, "from_code,to_code,weight")?;
    let mut rows = 0;
    for (new, formers) in formed {
        for former in formers {
            w.record([new.as_str(), former, "1"])?;
            rows += 1;
        }
    }
    for t in territories {
        for (from, to, weight) in t.crosswalk() {
            w.record([from.to_string(), to.to_string(), weight.to_string()])?;
            rows += 1;
        }
    }
    w.finish()?;
    Ok((path, rows))
}

/// Public holidays and make-up working days.
fn write_holidays(out: &Path) -> Result<(PathBuf, usize)> {
    let path = out.join("holidays.csv");
    let mut w = open_csv(&path, "date,kind,name")?;
    let days = holidays();
    for (d, kind, name) in &days {
        w.record([
            d.format("%Y-%m-%d").to_string(),
            kind.to_string(),
            name.to_string(),
        ])?;
    }
    w.finish()?;
    Ok((path, days.len()))
}

/// The years of the population file.
const POPULATION_YEARS: std::ops::RangeInclusive<i32> = 2023..=2026;

/// The draws [`write_population`] makes for one territory, made and dropped.
fn skip_population_draws(territory: &Territory, rng: &mut ChaCha8Rng) {
    for _ in POPULATION_YEARS {
        for _ in &territory.districts {
            let _: f64 = rng.random_range(0.475..0.49);
        }
    }
}

/// Children under 16 by area, year and sex; each province's own rows for the years it
/// existed whole (before the reform's year: in that year its districts and communes
/// both have rows, and a merged province's own rows would be those of one predecessor).
fn write_population(
    out: &Path,
    territories: &[&Territory],
    rng: &mut ChaCha8Rng,
) -> Result<(PathBuf, usize)> {
    let path = out.join("population.csv");
    let mut w = open_csv(&path, "area_code,year,sex,children_under_16")?;
    let both = |w: &mut CsvFile, code: &str, year: i32, girls: u64, boys: u64| -> Result<()> {
        w.record([code.to_string(), year.to_string(), "F".into(), girls.to_string()])?;
        w.record([code.to_string(), year.to_string(), "M".into(), boys.to_string()])
    };
    let mut rows = 0;
    let reform_year = chrono::Datelike::year(&reform_day());
    for t in territories {
        for year in POPULATION_YEARS {
            let mut province = (0u64, 0u64);
            let growth = 1.0 + 0.004 * f64::from(year - 2023);
            for (code, _, kids) in &t.districts {
                let total = f64::from(*kids) * growth;
                let girls = (total * rng.random_range(0.475..0.49)).round() as u64;
                let boys = (total.round() as u64).saturating_sub(girls);
                both(&mut w, code, year, girls, boys)?;
                rows += 2;
                province = (province.0 + girls, province.1 + boys);
            }
            let whole_year = year < reform_year || t.merged_into.is_none();
            if whole_year {
                both(&mut w, &t.code, year, province.0, province.1)?;
                rows += 2;
            }
            // The communes from the reform's year; their parts of the districts' children
            // (no random draw, so the rest of the data set is as before the reform was
            // added).
            if year >= reform_year {
                for (code, _, pieces) in &t.communes {
                    let total = (t.commune_children(pieces) * growth).round() as u64;
                    let girls = (total as f64 * 0.482).round() as u64;
                    both(&mut w, code, year, girls, total - girls)?;
                    rows += 2;
                }
            }
        }
    }
    w.finish()?;
    Ok((path, rows))
}

/// The cases, in order of receipt; returns each case's id, area and receipt for the
/// content reports to link to.
#[allow(clippy::type_complexity)]
fn write_cases(
    out: &Path,
    territory: &Territory,
    count: usize,
    rng: &mut ChaCha8Rng,
    reform_rng: &mut ChaCha8Rng,
    with_parts: bool,
) -> Result<(Vec<(PathBuf, usize)>, Vec<(String, String, NaiveDateTime)>)> {
    let mut parts = if with_parts {
        Some(crate::synth_parts::PartWriters::create(&out.join("parts"))?)
    } else {
        None
    };
    let weights = territory.area_weights();
    let path = out.join("cases.csv");
    let mut w = open_csv(
        &path,
        "case_id,area_code,received_at,receiving_agency,channel,abuse_type,victim_sex,victim_age,platform,emergency,\
assessed_at,assessment_result,social_received_at,emergency_action_at,police_received_at,support_plan_at,support_types,\
support_started_at,criminal_decision_at,criminal_decision,complex_case,outcome,closed_at",
    )?;
    // The handovers to the child-protection agency draw from a stream of their own, so
    // every other column is what the same seed gave before they were added (v3).
    let mut handovers = rng.clone();
    handovers.set_stream(HANDOVER_STREAM);
    let mut moments: Vec<NaiveDateTime> = (0..count).map(|_| random_moment(rng)).collect();
    moments.sort();
    let mut case_ids = Vec::with_capacity(count);
    let mut serial_by_year = std::collections::BTreeMap::new();
    for received in moments {
        let area = territory.coded_area(reform_rng, pick(rng, &weights), received);
        let mut c = make_case(rng, received, area);
        refer_to_child_protection(&mut handovers, &mut c);
        let year = received.format("%Y").to_string();
        let serial = serial_by_year.entry(year.clone()).or_insert(0u32);
        *serial += 1;
        c.id = format!("{}-{year}-{serial:07}", territory.case_prefix);
        if let Some(parts) = parts.as_mut() {
            parts.write(&c.view(), &mut handovers)?;
        }
        w.record([
            c.id.clone(),
            c.area.to_string(),
            fmt_time(Some(c.received)),
            c.agency.to_string(),
            c.channel.to_string(),
            c.abuse.to_string(),
            c.sex.to_string(),
            c.age.map(|a| a.to_string()).unwrap_or_default(),
            c.platform.unwrap_or("").to_string(),
            c.emergency.to_string(),
            fmt_time(c.assessed),
            c.result.unwrap_or("").to_string(),
            fmt_time(c.social),
            fmt_time(c.emergency_action),
            fmt_time(c.police),
            fmt_time(c.plan),
            c.support_types.as_deref().unwrap_or("").to_string(),
            fmt_time(c.support_started),
            fmt_time(c.decision_at),
            c.decision.unwrap_or("").to_string(),
            c.complex.to_string(),
            c.outcome.unwrap_or("").to_string(),
            fmt_time(c.closed),
        ])?;
        case_ids.push((c.id, c.area, c.received));
    }
    w.finish()?;
    let mut written = vec![(path, count)];
    if let Some(parts) = parts {
        written.extend(parts.finish()?);
    }
    Ok((written, case_ids))
}

/// The weights the generator draws a content item's attributes with (synthetic).
const CONTENT_SOURCES: &[(&str, f64)] = &[
    ("ONLINE_MONITORING", 35.0),
    ("PLATFORM", 20.0),
    ("HOTLINE", 15.0),
    ("PUBLIC", 12.0),
    ("INTERNATIONAL", 8.0),
    ("POLICE", 7.0),
    ("OTHER", 3.0),
];
const CONTENT_PLATFORMS: &[(&str, f64)] = &[
    ("FACEBOOK", 30.0),
    ("ZALO", 10.0),
    ("TIKTOK", 25.0),
    ("YOUTUBE", 10.0),
    ("MESSENGER", 5.0),
    ("TELEGRAM", 10.0),
    ("GAME", 3.0),
    ("WEBSITE", 5.0),
    ("OTHER", 2.0),
];
const CONTENT_TYPES: &[(&str, f64)] = &[
    ("IMAGE", 30.0),
    ("VIDEO", 25.0),
    ("URL", 15.0),
    ("ACCOUNT", 15.0),
    ("LIVESTREAM", 3.0),
    ("GROUP", 8.0),
    ("OTHER", 4.0),
];
const CONTENT_CATEGORIES: &[(&str, f64)] = &[
    ("CSAM", 30.0),
    ("GROOMING", 12.0),
    ("SEXTORTION", 10.0),
    ("HARMFUL", 30.0),
    ("PRIVACY", 15.0),
    ("OTHER", 3.0),
];

/// The content reports, in order of detection, some linked to a case.
fn write_content(
    out: &Path,
    territory: &Territory,
    count: usize,
    case_ids: &[(String, String, NaiveDateTime)],
    rng: &mut ChaCha8Rng,
    reform_rng: &mut ChaCha8Rng,
) -> Result<(PathBuf, usize)> {
    let weights = territory.area_weights();
    let path = out.join("content_reports.csv");
    let mut w = open_csv(&path, "report_id,detected_at,source,platform,content_type,category,emergency,area_code,case_id,takedown_requested_at,removed_at,status")?;

    let mut moments: Vec<NaiveDateTime> = (0..count).map(|_| random_moment(rng)).collect();
    moments.sort();
    let mut serial_by_year = std::collections::BTreeMap::new();
    for detected in moments {
        let year = detected.format("%Y").to_string();
        let serial = serial_by_year.entry(year.clone()).or_insert(0u32);
        *serial += 1;
        let source = pick(rng, CONTENT_SOURCES);
        let platform = pick(rng, CONTENT_PLATFORMS);
        let content_type = pick(rng, CONTENT_TYPES);
        let category = pick(rng, CONTENT_CATEGORIES);
        let emergency = chance(rng, if category == "CSAM" { 0.25 } else { 0.05 });
        let linked = (!case_ids.is_empty() && chance(rng, 0.3))
            .then(|| &case_ids[rng.random_range(0..case_ids.len())]);
        let area = match linked {
            Some((_, area, _)) => Some(area.clone()),
            None => chance(rng, 0.5)
                .then(|| pick(rng, &weights))
                .map(|district| territory.coded_area(reform_rng, district, detected)),
        };
        let requested = chance(rng, 0.85)
            .then(|| detected + delay(rng, 5.0, 1.0))
            .filter(|t| *t <= last_moment());
        let removed = requested
            .filter(|_| chance(rng, 0.82))
            .map(|r| r + delay(rng, if emergency { 3.0 } else { 9.0 }, 1.0))
            .filter(|t| *t <= last_moment());
        let status = match (requested, removed) {
            (_, Some(_)) => "REMOVED",
            (None, None) => "NOT_REQUESTED",
            (Some(_), None) => pick(rng, &[("PENDING", 50.0), ("REFUSED", 30.0), ("NOT_FOUND", 20.0)]),
        };
        w.record([
            format!("{}-{year}-{serial:07}", territory.content_prefix),
            fmt_time(Some(detected)),
            source.to_string(),
            platform.to_string(),
            content_type.to_string(),
            category.to_string(),
            emergency.to_string(),
            area.as_deref().unwrap_or("").to_string(),
            linked.map(|l| l.0.as_str()).unwrap_or("").to_string(),
            fmt_time(requested),
            fmt_time(removed),
            status.to_string(),
        ])?;
    }
    w.finish()?;
    Ok((path, count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The committed sample data: receipts by the agencies in force on their day, and
    /// emergency takedowns under both the 2013 and the 2026 rules.
    #[test]
    fn sample_data_lives_in_the_world_of_2026() {
        let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
        let cases = std::fs::read_to_string(sample.join("cases.csv")).unwrap();
        let change = "2025-03-01";
        let (mut before, mut after) = (BTreeMap::new(), BTreeMap::new());
        for line in cases.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let side = if cells[2] < change {
                &mut before
            } else {
                &mut after
            };
            *side.entry(cells[3].to_string()).or_insert(0usize) += 1;
        }
        let count = |m: &BTreeMap<String, usize>, code: &str| m.get(code).copied().unwrap_or(0);
        assert_eq!(count(&before, "SYT") + count(&before, "KHCN"), 0, "{before:?}");
        assert!(
            count(&after, "SYT") > 100 && count(&after, "KHCN") > 30,
            "{after:?}"
        );
        let former = count(&after, "LDTBXH") + count(&after, "TTTT");
        assert!(former > 0 && former * 20 < count(&after, "SYT"), "{after:?}");

        let content = std::fs::read_to_string(sample.join("content_reports.csv")).unwrap();
        let header: Vec<&str> = content.lines().next().unwrap().split(',').collect();
        let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let (emergency, requested) = (at("emergency"), at("takedown_requested_at"));
        let (mut first_half, mut second_half) = (0, 0);
        for line in content.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            if cells[emergency] != "true" || cells[requested].is_empty() {
                continue;
            }
            match cells[requested] {
                t if ("2026-01-01".."2026-07-01").contains(&t) => first_half += 1,
                t if t >= "2026-07-01" => second_half += 1,
                _ => {}
            }
        }
        assert!(
            first_half >= 10 && second_half >= 10,
            "{first_half} {second_half}"
        );
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let c = tempfile::tempdir().unwrap();
        let s = |seed| Settings {
            seed,
            cases: 300,
            content: 200,
            parts: true,
        };
        generate(a.path(), &s(1)).unwrap();
        generate(b.path(), &s(1)).unwrap();
        generate(c.path(), &s(2)).unwrap();
        for f in [
            "areas.csv",
            "holidays.csv",
            "population.csv",
            "cases.csv",
            "content_reports.csv",
            "parts/cases_child-protection.csv",
            "parts/cases_receipts.csv",
            "parts/police/cases_police.csv",
            "parts/police/profile.toml",
            "parts/case_links.csv",
        ] {
            assert_eq!(
                std::fs::read(a.path().join(f)).unwrap(),
                std::fs::read(b.path().join(f)).unwrap(),
                "{f}"
            );
        }
        assert_ne!(
            std::fs::read(a.path().join("cases.csv")).unwrap(),
            std::fs::read(c.path().join("cases.csv")).unwrap()
        );
    }

    #[test]
    fn holiday_calendar_has_tet_and_make_up_saturdays() {
        use chrono::Datelike;
        let days = holidays();
        let workdays: Vec<_> = days.iter().filter(|d| d.1 == "WORKDAY").collect();
        assert!(!workdays.is_empty());
        assert!(workdays.iter().all(|d| d.0.weekday() == chrono::Weekday::Sat));
        assert!(days
            .iter()
            .filter(|d| d.1 == "HOLIDAY")
            .all(|d| d.0.weekday().num_days_from_monday() < 5));
        assert!(days.iter().any(|d| d.2 == "Tết Nguyên đán" && d.0.year() == 2025));
    }
}
