//! The data contract (../shared/spec/data-contract.md) as data: the kinds of export, their
//! columns, types and closed code lists. Every other layer reads the contract from here.

use std::fmt;

/// The kinds of file the programme office receives: the contract's six (v3 added the
/// links between one case's ids) and the geography crosswalk of the 2025 reform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Areas,
    Crosswalk,
    Holidays,
    Population,
    CaseLinks,
    Cases,
    ContentReports,
}

impl Kind {
    /// In load order: reference data first, so cases can be checked against known areas.
    pub const ALL: [Kind; 7] = [
        Kind::Areas,
        Kind::Crosswalk,
        Kind::Holidays,
        Kind::Population,
        Kind::CaseLinks,
        Kind::Cases,
        Kind::ContentReports,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Cases => "cases",
            Kind::ContentReports => "content_reports",
            Kind::Population => "population",
            Kind::Areas => "areas",
            Kind::Crosswalk => "crosswalk",
            Kind::Holidays => "holidays",
            Kind::CaseLinks => "case_links",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == name.trim().to_ascii_lowercase())
    }

    /// Recognises a kind from a file stem such as `cases_2025Q1_police`: the stem is the
    /// kind's name, or starts with it followed by `_`, `-`, `.` or a space.
    pub fn from_file_stem(stem: &str) -> Option<Kind> {
        let stem = stem.to_ascii_lowercase();
        // Longest name first so `content_reports_x` never reads as something shorter.
        let mut kinds = Kind::ALL;
        kinds.sort_by_key(|k| std::cmp::Reverse(k.name().len()));
        kinds.into_iter().find(|k| {
            stem.strip_prefix(k.name())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['_', '-', '.', ' ']))
        })
    }

    /// The columns that identify a row across exports: a later row with the same key
    /// replaces the stored one.
    pub fn key_columns(self) -> &'static [&'static str] {
        match self {
            Kind::Cases => &["case_id"],
            Kind::ContentReports => &["report_id"],
            Kind::Population => &["area_code", "year", "sex"],
            Kind::Areas => &["area_code", "valid_from"],
            Kind::Crosswalk => &["from_code", "to_code"],
            Kind::Holidays => &["date"],
            Kind::CaseLinks => &["case_id", "linked_case_id"],
        }
    }

    /// Whether the store keeps the source province of this kind's rows: ids are unique
    /// per province (each agency's own scheme), so two provinces' case 1042 are two cases.
    /// Links stay within a province (data-contract.md v3).
    pub fn has_province(self) -> bool {
        matches!(self, Kind::Cases | Kind::ContentReports | Kind::CaseLinks)
    }

    /// The column naming whose part of a record a row is, for kinds sent in parts: a
    /// case's rows are each agency's part of it (data-contract.md v3, "A case in parts").
    pub fn part_column(self) -> Option<&'static str> {
        matches!(self, Kind::Cases).then_some(PART_COLUMN)
    }

    /// The store's key of a row: the source province (for kinds that have one), the
    /// file's key columns and, for kinds sent in parts, the part: a later row with the
    /// same key replaces the stored one (an agency's later part is its correction; it
    /// never replaces another agency's).
    pub fn store_key_columns(self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.has_province() {
            keys.push(PROVINCE_COLUMN);
        }
        keys.extend_from_slice(self.key_columns());
        keys.extend(self.part_column());
        keys
    }

    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            Kind::Cases => CASES,
            Kind::ContentReports => CONTENT_REPORTS,
            Kind::Population => POPULATION,
            Kind::Areas => AREAS,
            Kind::Crosswalk => CROSSWALK,
            Kind::Holidays => HOLIDAYS,
            Kind::CaseLinks => CASE_LINKS,
        }
    }

    pub fn column(self, name: &str) -> Option<&'static ColumnSpec> {
        self.columns().iter().find(|c| c.name == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnType {
    /// Pseudonymous key: 1-64 of `[A-Za-z0-9_-]`.
    Id,
    /// Free text (area names, holiday names).
    Text,
    /// One value of a closed list.
    Code(&'static [&'static str]),
    /// A `;`-separated list of values of a closed list.
    CodeList(&'static [&'static str]),
    DateTime,
    Date,
    /// Blank reads as `default`.
    Bool {
        default: Option<bool>,
    },
    Int {
        min: i64,
        max: i64,
    },
    /// A decimal number (a dot or a comma before the decimals).
    Number {
        min: f64,
        max: f64,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub required: bool,
    pub ty: ColumnType,
}

const fn col(name: &'static str, required: bool, ty: ColumnType) -> ColumnSpec {
    ColumnSpec { name, required, ty }
}

/// Defines a code list of the contract and its names from one table: `CODES` (the codes,
/// in their order: validation, breakdowns, the order of every output) and `NAMES` (code,
/// Vietnamese, English: every label a reader sees). A new code is one line here.
macro_rules! code_list {
    ($(#[$doc:meta])* $codes:ident, $names:ident { $($code:literal => $vi:literal, $en:literal;)* }) => {
        $(#[$doc])*
        pub const $codes: &[&str] = &[$($code),*];
        pub const $names: &[(&str, &str, &str)] = &[$(($code, $vi, $en)),*];
    };
}

code_list! {
    /// The agencies that receive cases: the three signatories of the 2023 regulation and
    /// those of the 2025 reorganisation (which is in force when: queries/agencies.toml).
    AGENCIES, AGENCY_NAMES {
        "LDTBXH" => "Sở LĐ-TB&XH", "Labour, Invalids and Social Affairs";
        "CA" => "Công an tỉnh", "Provincial police";
        "TTTT" => "Sở TT&TT", "Information and Communications";
        "SYT" => "Sở Y tế", "Department of Health";
        "KHCN" => "Sở KH&CN", "Science and Technology";
        "VHTTDL" => "Sở VH-TT-DL", "Culture, Sports and Tourism";
        "OTHER" => "Khác", "Other";
    }
}
code_list! {
    /// Whose part of a case a row is (`source_agency`): an agency's own export, or the
    /// office's consolidated record (`OFFICE`: a file without the column, as in v2).
    SOURCE_AGENCIES, SOURCE_AGENCY_NAMES {
        "LDTBXH" => "Sở LĐ-TB&XH", "Labour, Invalids and Social Affairs";
        "CA" => "Công an tỉnh", "Provincial police";
        "TTTT" => "Sở TT&TT", "Information and Communications";
        "SYT" => "Sở Y tế", "Department of Health";
        "KHCN" => "Sở KH&CN", "Science and Technology";
        "VHTTDL" => "Sở VH-TT-DL", "Culture, Sports and Tourism";
        "OTHER" => "Khác", "Other";
        "OFFICE" => "Văn phòng chương trình (hồ sơ tổng hợp)", "Programme office (consolidated record)";
    }
}
code_list! {
    /// Why two ids are one case (data-contract.md v3, "Links").
    LINK_BASES, LINK_BASIS_NAMES {
        "REFERRAL" => "Chuyển vụ việc kèm mã", "Referral carrying the id";
        "NOTIFICATION" => "Thông báo kèm mã", "Notification carrying the id";
        "REVIEW" => "Văn phòng đối chiếu", "Found by the office's review";
    }
}
code_list! {
    CHANNELS, CHANNEL_NAMES {
        "HOTLINE_111" => "Tổng đài 111", "Hotline 111";
        "DIRECT" => "Trực tiếp", "In person";
        "POLICE" => "Công an", "Police";
        "ONLINE_MONITORING" => "Giám sát trực tuyến", "Online monitoring";
        "PLATFORM" => "Nền tảng mạng", "Platform";
        "SCHOOL" => "Nhà trường", "School";
        "HEALTH" => "Cơ sở y tế", "Health service";
        "MEDIA" => "Báo chí", "Media";
        "OTHER" => "Khác", "Other";
    }
}
code_list! {
    ABUSE_TYPES, ABUSE_TYPE_NAMES {
        "SEXUAL_ABUSE" => "Xâm hại tình dục", "Sexual abuse";
        "CSAM" => "Tài liệu xâm hại tình dục trẻ em", "Child sexual abuse material";
        "GROOMING" => "Dụ dỗ, lôi kéo", "Grooming";
        "SEXTORTION" => "Tống tiền tình dục", "Sextortion";
        "LIVESTREAM" => "Phát trực tiếp", "Livestreamed abuse";
        "CYBERBULLYING" => "Bắt nạt trên mạng", "Cyberbullying";
        "PRIVACY" => "Xâm phạm đời tư", "Privacy violation";
        "EXPLOITATION" => "Bóc lột", "Exploitation";
        "FRAUD" => "Lừa đảo", "Fraud";
        "HARMFUL_CONTENT" => "Nội dung độc hại", "Harmful content";
        "OTHER" => "Khác", "Other";
    }
}
code_list! {
    VICTIM_SEXES, VICTIM_SEX_NAMES {
        "F" => "Nữ", "Female";
        "M" => "Nam", "Male";
        "U" => "Không rõ", "Unknown";
    }
}
code_list! {
    /// Platforms are brand names: the same in both languages.
    PLATFORMS, PLATFORM_NAMES {
        "FACEBOOK" => "Facebook", "Facebook";
        "ZALO" => "Zalo", "Zalo";
        "TIKTOK" => "Tiktok", "Tiktok";
        "YOUTUBE" => "Youtube", "Youtube";
        "MESSENGER" => "Messenger", "Messenger";
        "TELEGRAM" => "Telegram", "Telegram";
        "GAME" => "Game", "Game";
        "WEBSITE" => "Website", "Website";
        "OTHER" => "Khác", "Other";
    }
}
code_list! {
    ASSESSMENT_RESULTS, ASSESSMENT_RESULT_NAMES {
        "CONFIRMED" => "Xác định có xâm hại", "Confirmed";
        "UNFOUNDED" => "Không có căn cứ", "Unfounded";
        "INSUFFICIENT" => "Chưa đủ thông tin", "Insufficient information";
        "OUT_OF_SCOPE" => "Ngoài phạm vi", "Out of scope";
    }
}
code_list! {
    SUPPORT_TYPES, SUPPORT_TYPE_NAMES {
        "MEDICAL" => "Y tế", "Medical";
        "PSYCHOLOGICAL" => "Tâm lý", "Psychological";
        "SHELTER" => "Nơi tạm lánh", "Shelter";
        "ALTERNATIVE_CARE" => "Chăm sóc thay thế", "Alternative care";
        "COUNSELLING" => "Tư vấn", "Counselling";
        "LEGAL_AID" => "Trợ giúp pháp lý", "Legal aid";
        "EDUCATION" => "Giáo dục", "Education";
        "OTHER" => "Khác", "Other";
    }
}
code_list! {
    CRIMINAL_DECISIONS, CRIMINAL_DECISION_NAMES {
        "PROSECUTED" => "Khởi tố", "Prosecuted";
        "NOT_PROSECUTED" => "Không khởi tố", "Not prosecuted";
        "SUSPENDED" => "Tạm đình chỉ", "Suspended";
    }
}
code_list! {
    OUTCOMES, OUTCOME_NAMES {
        "CRIMINAL" => "Xử lý hình sự", "Criminal";
        "ADMINISTRATIVE" => "Xử phạt hành chính", "Administrative";
        "CONTENT_REMOVED" => "Gỡ bỏ nội dung", "Content removed";
        "SUPPORT_ONLY" => "Chỉ hỗ trợ", "Support only";
        "NO_VIOLATION" => "Không có vi phạm", "No violation";
        "TRANSFERRED" => "Chuyển cơ quan khác", "Transferred";
        "OTHER" => "Khác", "Other";
    }
}
code_list! {
    CONTENT_SOURCES, CONTENT_SOURCE_NAMES {
        "ONLINE_MONITORING" => "Giám sát trực tuyến", "Online monitoring";
        "PLATFORM" => "Nền tảng", "Platform";
        "HOTLINE" => "Tổng đài", "Hotline";
        "PUBLIC" => "Người dân", "Public";
        "INTERNATIONAL" => "Quốc tế", "International";
        "POLICE" => "Công an", "Police";
        "OTHER" => "Khác", "Other";
    }
}
code_list! {
    CONTENT_TYPES, CONTENT_TYPE_NAMES {
        "IMAGE" => "Hình ảnh", "Image";
        "VIDEO" => "Video", "Video";
        "URL" => "Đường dẫn", "URL";
        "ACCOUNT" => "Tài khoản", "Account";
        "LIVESTREAM" => "Phát trực tiếp", "Livestream";
        "GROUP" => "Nhóm", "Group";
        "OTHER" => "Khác", "Other";
    }
}
code_list! {
    CONTENT_CATEGORIES, CONTENT_CATEGORY_NAMES {
        "CSAM" => "Tài liệu xâm hại tình dục trẻ em", "Child sexual abuse material";
        "GROOMING" => "Dụ dỗ", "Grooming";
        "SEXTORTION" => "Tống tiền tình dục", "Sextortion";
        "HARMFUL" => "Độc hại", "Harmful";
        "PRIVACY" => "Đời tư", "Privacy";
        "OTHER" => "Khác", "Other";
    }
}
code_list! {
    CONTENT_STATUSES, CONTENT_STATUS_NAMES {
        "REMOVED" => "Đã gỡ", "Removed";
        "PENDING" => "Đang chờ", "Pending";
        "REFUSED" => "Bị từ chối", "Refused";
        "NOT_FOUND" => "Không tìm thấy", "Not found";
        "NOT_REQUESTED" => "Chưa yêu cầu", "Not requested";
    }
}
code_list! {
    POPULATION_SEXES, POPULATION_SEX_NAMES {
        "F" => "Nữ", "Female";
        "M" => "Nam", "Male";
    }
}
code_list! {
    AREA_LEVELS, AREA_LEVEL_NAMES {
        "PROVINCE" => "Tỉnh", "Province";
        "DISTRICT" => "Huyện", "District";
        "COMMUNE" => "Xã", "Commune";
    }
}
code_list! {
    HOLIDAY_KINDS, HOLIDAY_KIND_NAMES {
        "HOLIDAY" => "Ngày nghỉ lễ", "Holiday";
        "WORKDAY" => "Ngày làm bù", "Make-up working day";
    }
}

/// Age bands of the victim, youngest first, each with its oldest age; staging.sql's
/// `age_band` puts an age in the first band it fits (a test checks the two agree).
pub const AGE_BANDS: &[(&str, u32)] = &[
    ("0-5", 5),
    ("6-10", 10),
    ("11-13", 13),
    ("14-15", 15),
    ("16-17", 17),
];

/// The names of the codes of a breakdown (code, Vietnamese, English), in their order;
/// `area` and `age_band` have none here.
pub fn code_names(breakdown: &str) -> &'static [(&'static str, &'static str, &'static str)] {
    match breakdown {
        "abuse_type" => ABUSE_TYPE_NAMES,
        "channel" => CHANNEL_NAMES,
        "receiving_agency" => AGENCY_NAMES,
        "victim_sex" => VICTIM_SEX_NAMES,
        "platform" => PLATFORM_NAMES,
        "source" => CONTENT_SOURCE_NAMES,
        "content_type" => CONTENT_TYPE_NAMES,
        "category" => CONTENT_CATEGORY_NAMES,
        "source_agency" => SOURCE_AGENCY_NAMES,
        "basis" => LINK_BASIS_NAMES,
        _ => &[],
    }
}

use ColumnType::*;

const CASES: &[ColumnSpec] = &[
    col("case_id", true, Id),
    col("area_code", true, Text),
    col("received_at", true, DateTime),
    col("receiving_agency", true, Code(AGENCIES)),
    col("channel", true, Code(CHANNELS)),
    col("abuse_type", true, Code(ABUSE_TYPES)),
    col("victim_sex", true, Code(VICTIM_SEXES)),
    col("victim_age", false, Int { min: 0, max: 17 }),
    col("platform", false, Code(PLATFORMS)),
    // Blank stays blank in a part (the agency does not know), so that it erases no other
    // agency's value; the assembled case reads a blank as false (store/assembly.rs).
    col("emergency", false, Bool { default: None }),
    col("assessed_at", false, DateTime),
    col("assessment_result", false, Code(ASSESSMENT_RESULTS)),
    col("social_received_at", false, DateTime),
    col("emergency_action_at", false, DateTime),
    col("police_received_at", false, DateTime),
    col("support_plan_at", false, DateTime),
    col("support_types", false, CodeList(SUPPORT_TYPES)),
    col("support_started_at", false, DateTime),
    col("criminal_decision_at", false, DateTime),
    col("criminal_decision", false, Code(CRIMINAL_DECISIONS)),
    col("complex_case", false, Bool { default: None }),
    col("outcome", false, Code(OUTCOMES)),
    col("closed_at", false, DateTime),
    col(PART_COLUMN, false, Code(SOURCE_AGENCIES)),
];

/// Two ids of one case (data-contract.md v3, "Links"): links are transitive, and a
/// linked group is one case.
const CASE_LINKS: &[ColumnSpec] = &[
    col("case_id", true, Id),
    col("linked_case_id", true, Id),
    col("linked_at", false, Date),
    col("basis", true, Code(LINK_BASES)),
];

const CONTENT_REPORTS: &[ColumnSpec] = &[
    col("report_id", true, Id),
    col("detected_at", true, DateTime),
    col("source", true, Code(CONTENT_SOURCES)),
    col("platform", true, Code(PLATFORMS)),
    col("content_type", true, Code(CONTENT_TYPES)),
    col("category", true, Code(CONTENT_CATEGORIES)),
    col("emergency", false, Bool { default: Some(false) }),
    col("area_code", false, Text),
    col("case_id", false, Id),
    col("takedown_requested_at", false, DateTime),
    col("removed_at", false, DateTime),
    col("status", true, Code(CONTENT_STATUSES)),
];

const POPULATION: &[ColumnSpec] = &[
    col("area_code", true, Text),
    col("year", true, Int { min: 1900, max: 2200 }),
    col("sex", true, Code(POPULATION_SEXES)),
    col(
        "children_under_16",
        true,
        Int {
            min: 0,
            max: i64::MAX,
        },
    ),
];

const AREAS: &[ColumnSpec] = &[
    col("area_code", true, Text),
    col("name", true, Text),
    col("level", true, Code(AREA_LEVELS)),
    col("parent_code", false, Text),
    col("valid_from", false, Date),
    col("valid_to", false, Date),
];

/// The geography reform of 1 July 2025 (district level abolished; cases coded by the new
/// communes): each new commune (`from_code`) with the former district(s) it came from
/// (`to_code`) and the share of it that came from each (`weight`, in (0, 1], summing to
/// 1 per commune). Not in data-contract.md: defined by the district-comparison issue.
const CROSSWALK: &[ColumnSpec] = &[
    col("from_code", true, Text),
    col("to_code", true, Text),
    col("weight", true, Number { min: 0.0, max: 1.0 }),
];

const HOLIDAYS: &[ColumnSpec] = &[
    col("date", true, Date),
    col("kind", true, Code(HOLIDAY_KINDS)),
    col("name", false, Text),
];

/// Case stage times, in the order a case moves through them. Each must be at or after
/// `received_at`, and `closed_at` at or after every other one.
pub const CASE_STAGES: &[&str] = &[
    "social_received_at",
    "assessed_at",
    "emergency_action_at",
    "police_received_at",
    "support_plan_at",
    "support_started_at",
    "criminal_decision_at",
    "closed_at",
];

/// Pairs of case columns that must be set together (contract: "required when ... is set"
/// and "the paired columns above set together").
pub const CASE_PAIRS: &[(&str, &str)] = &[
    ("assessed_at", "assessment_result"),
    ("criminal_decision_at", "criminal_decision"),
    ("closed_at", "outcome"),
];

/// The store's column naming the province a case or content item came from: given by the
/// load (`--province`, the profile, or the store's one province), not by the file.
pub const PROVINCE_COLUMN: &str = "province_code";

/// The cases column naming whose part of a case a row is (data-contract.md v3); blank
/// or absent: the office's consolidated record, [`OFFICE_PART`].
pub const PART_COLUMN: &str = "source_agency";

/// The part of a whole-record export: the office's own consolidated record (v2's meaning).
pub const OFFICE_PART: &str = "OFFICE";

pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_recognised_from_stems() {
        assert_eq!(Kind::from_file_stem("cases_2025Q1_police"), Some(Kind::Cases));
        assert_eq!(Kind::from_file_stem("CASES"), Some(Kind::Cases));
        assert_eq!(
            Kind::from_file_stem("content_reports-tttt"),
            Some(Kind::ContentReports)
        );
        assert_eq!(Kind::from_file_stem("casesx"), None);
        assert_eq!(Kind::from_file_stem("population 2025"), Some(Kind::Population));
        assert_eq!(Kind::from_file_stem("notes"), None);
    }

    #[test]
    fn every_key_column_is_a_required_column() {
        for kind in Kind::ALL {
            for key in kind.key_columns() {
                let spec = kind.column(key).expect("key column exists");
                // valid_from is optional: a blank one is its own key value.
                assert!(spec.required || *key == "valid_from", "{kind}.{key}");
            }
        }
    }
}
