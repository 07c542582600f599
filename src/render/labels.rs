//! Everything a report reader sees, in Vietnamese (default) and English: interface words
//! and the names of codes. Codes without a label here are shown as they are.

use crate::catalog::Lang;

/// The line under every chart: source, and the audience's suppression note.
pub fn chart_note(lang: Lang, public: bool) -> &'static str {
    text(
        lang,
        if public {
            "chart_note_public"
        } else {
            "chart_note_internal"
        },
    )
}

/// The text of `key` with the disclosure threshold filled in: the largest count hidden
/// is stated once, in [`crate::disclosure::THRESHOLD`], never restated in the words.
pub fn with_threshold(lang: Lang, key: &str) -> String {
    text(lang, key).replace("{threshold}", &crate::disclosure::THRESHOLD.to_string())
}

/// A number as the reader's language writes it: Vietnamese with a decimal comma and
/// dots between thousands.
pub fn local_number(lang: Lang, value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), ""), |(w, f)| (w, f));
    let (thousands, decimal) = if lang == Lang::Vi { ('.', ',') } else { (',', '.') };
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(thousands);
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "−"
    } else {
        ""
    };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{decimal}{fraction}")
    }
}

/// A word of the interface.
/// The label of a report's whole: the province, or the nation (tidy code VN).
pub fn whole(lang: Lang, code: &str) -> &'static str {
    of_whole(lang, "province", code)
}

/// The name of a report's whole for its period, as the store knows it: the province, a
/// former province "now part of" the merged one when the store holds only it, or the
/// merged province with the former ones it is summed from (issue 33).
pub fn whole_title(lang: Lang, geography: &crate::results::Geography) -> String {
    let name = geography.whole_name().to_string();
    let former: Vec<&str> = geography
        .parts
        .iter()
        .filter(|p| !p.is_whole)
        .map(|p| p.name.as_str())
        .collect();
    if geography.province == crate::results::NATION_CODE || former.is_empty() {
        return name;
    }
    match former.as_slice() {
        [one] if *one == name => name,
        [one] => text(lang, "whole_now_part_of")
            .replace("{former}", one)
            .replace("{whole}", &name),
        several => text(lang, "whole_made_of")
            .replace("{whole}", &name)
            .replace("{former}", &join_words(lang, several)),
    }
}

/// What data the whole holds for the period: the parts with records, and those without
/// (a nation names only its provinces without records).
pub fn whole_coverage(lang: Lang, geography: &crate::results::Geography) -> String {
    let with: Vec<&str> = geography
        .parts
        .iter()
        .filter(|p| p.holds_records)
        .map(|p| p.name.as_str())
        .collect();
    let without: Vec<&str> = geography
        .parts
        .iter()
        .filter(|p| !p.holds_records)
        .map(|p| p.name.as_str())
        .collect();
    let mut said = if geography.province == crate::results::NATION_CODE {
        text(lang, "coverage_nation")
            .replace("{n}", &with.len().to_string())
            .replace("{of}", &geography.parts.len().to_string())
    } else if with.is_empty() {
        text(lang, "coverage_none").to_string()
    } else {
        text(lang, "coverage_from").replace("{parts}", &join_words(lang, &with))
    };
    if !without.is_empty() && !with.is_empty() {
        said.push_str("; ");
        said.push_str(&text(lang, "coverage_without").replace("{parts}", &join_words(lang, &without)));
    }
    said
}

/// A period as readers write it: "Quý I/2025", "6 tháng đầu năm 2025", "Tháng 3/2025",
/// "Năm 2025"; "Q1 2025", "H1 2025", "March 2025", "2025". The tidy table keeps the codes.
pub fn period_short(lang: Lang, p: &crate::period::Period) -> String {
    use crate::period::Span;
    const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];
    let year = p.reference_year();
    match (lang, p.span) {
        (Lang::Vi, Span::Quarter(q)) => format!("Quý {}/{year}", ROMAN[(q as usize).clamp(1, 4) - 1]),
        (Lang::Vi, Span::Half(1)) => format!("6 tháng đầu năm {year}"),
        (Lang::Vi, Span::Half(_)) => format!("6 tháng cuối năm {year}"),
        (Lang::Vi, Span::Month(m)) => format!("Tháng {m}/{year}"),
        (Lang::Vi, Span::Year) => format!("Năm {year}"),
        (Lang::En, Span::Quarter(q)) => format!("Q{q} {year}"),
        (Lang::En, Span::Half(h)) => format!("H{h} {year}"),
        (Lang::En, Span::Month(m)) => {
            let month = chrono::NaiveDate::from_ymd_opt(2000, m.clamp(1, 12), 1)
                .map(|d| d.format("%B").to_string())
                .unwrap_or_default();
            format!("{month} {year}")
        }
        (Lang::En, Span::Year) => format!("{year}"),
    }
}

/// "A, B và C" / "A, B and C".
fn join_words(lang: Lang, words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} {} {last}", rest.join(", "), text(lang, "and")),
    }
}

/// The text of `key` in a report on `whole` (an area code): where the wording names the
/// whole ("toàn tỉnh"), the nation's has its own ("toàn quốc").
pub fn of_whole(lang: Lang, key: &str, whole: &str) -> &'static str {
    if whole == crate::results::NATION_CODE {
        let national = text(lang, &format!("{key}@nation"));
        if !national.is_empty() {
            return national;
        }
    }
    text(lang, key)
}

/// Every text a reader sees, by key: (key, Vietnamese, English). A table, not logic:
/// a key found twice is refused by a test.
const TEXTS: &[(&str, &str, &str)] = &[
    ("cover", "Trang bìa", "Cover"),
    ("contents", "Mục lục", "Contents"),
    ("notes", "Ghi chú", "Notes"),
    ("quality", "Chất lượng dữ liệu", "Data quality"),
    ("period", "Kỳ báo cáo", "Reporting period"),
    ("period_dates", "Từ ngày - đến ngày", "From - to"),
    ("calendar", "Lịch báo cáo", "Reporting calendar"),
    ("statutory", "Kỳ thống kê (15 đến 14)", "Statutory (15th to 14th)"),
    ("calendar_kind", "Lịch dương (tháng, quý, năm thường)", "Calendar months, quarters and years"),
    ("as_of", "Số liệu tính đến", "Data as of"),
    ("audience", "Đối tượng sử dụng", "Audience"),
    ("public", "Công khai (đã áp dụng bảo mật số nhỏ)", "Public (small numbers suppressed)"),
    ("internal", "Nội bộ (không công bố)", "Internal (not for publication)"),
    ("engine", "Phiên bản phần mềm", "Engine version"),
    ("generated", "Thời điểm lập", "Generated at"),
    ("sources", "Dữ liệu nguồn", "Source files"),
    ("file", "Tệp", "File"),
    ("kind", "Loại", "Kind"),
    ("rows", "Số dòng", "Rows"),
    ("loaded_at", "Nạp lúc", "Loaded at"),
    ("synthetic_warning", 
        "Số liệu minh hoạ trong báo cáo này là dữ liệu tổng hợp giả lập khi chạy trên sample-data.",
        "Figures in this report are synthetic when it is run on sample-data.",
    ),
    ("sheet", "Trang", "Sheet"),
    ("description", "Nội dung", "Description"),
    ("indicator", "Chỉ tiêu", "Indicator"),
    ("unit", "Đơn vị", "Unit"),
    ("definition", "Định nghĩa", "Definition"),
    ("numerator", "Tử số", "Numerator"),
    ("denominator", "Mẫu số", "Denominator"),
    ("cohort", "Nhóm tính", "Cohort"),
    ("legal_basis", "Căn cứ pháp lý", "Legal basis"),
    ("this_period", "Kỳ này", "This period"),
    ("previous_period", "Kỳ trước", "Previous period"),
    ("change_previous", "Thay đổi so với kỳ trước", "Change on previous period"),
    ("year_before", "Cùng kỳ năm trước", "Same period a year before"),
    ("change_year", "Thay đổi so với cùng kỳ", "Change on a year before"),
    ("target", "Mục tiêu", "Target"),
    ("target_set", "Bộ mục tiêu", "Targets"),
    ("area", "Địa bàn", "Area"),
    ("province", "Toàn tỉnh", "Province"),
    ("province@nation", "Toàn quốc", "Nation"),
    ("whole_reported", "Địa bàn báo cáo", "Whole reported"),
    ("whole_data", "Số liệu", "Data held"),
    ("whole_now_part_of", "{former}, nay thuộc {whole}", "{former}, now part of {whole}"),
    ("whole_made_of", 
        "{whole}, gồm {former} trước sáp nhập",
        "{whole}, made of {former} before the merger",
    ),
    ("coverage_from", "số liệu của {parts}", "data from {parts}"),
    ("coverage_none", "chưa có số liệu", "no data yet"),
    ("coverage_without", "chưa có số liệu của {parts}", "none yet from {parts}"),
    ("coverage_nation", 
        "số liệu của {n}/{of} tỉnh, thành phố",
        "data from {n} of {of} provinces",
    ),
    ("and", "và", "and"),
    // The drafted report (render/document.rs).
    ("doc_whole", "toàn tỉnh", "the province"),
    ("doc_whole@nation", "toàn quốc", "the nation"),
    ("doc_unchanged", "không thay đổi", "unchanged"),
    ("doc_up", "tăng", "up"),
    ("doc_down", "giảm", "down"),
    ("doc_points", "điểm phần trăm", "percentage points"),
    ("doc_that_is", "tương ứng", "or"),
    ("doc_higher", "cao hơn", "higher"),
    ("doc_lower", "thấp hơn", "lower"),
    ("doc_on", "về", "on"),
    ("doc_number", "Số:", "No.:"),
    ("doc_national_name", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM"),
    ("doc_motto", "Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"),
    ("doc_recipients", "Nơi nhận:", "Recipients:"),
    ("doc_indicator", "Chỉ tiêu", "Indicator"),
    ("doc_this_period", "Kỳ báo cáo", "This period"),
    ("doc_previous_period", "Kỳ trước", "Previous period"),
    ("doc_year_before", "Cùng kỳ năm trước", "A year before"),
    ("doc_target", "Mục tiêu", "Target"),
    ("doc_area", "Địa bàn", "Area"),
    ("doc_annex", "Phụ lục", "Annex"),
    ("doc_chart", "Biểu đồ", "Chart"),
    ("doc_symbols_public", "Ký hiệu: [c] số nhỏ không công bố để bảo vệ thông tin cá nhân của trẻ em (số từ 1 đến {threshold}, hoặc số được ẩn để không suy ra được số nhỏ); [x] không có số liệu; [z] không áp dụng.", "Symbols: [c] a small count not published, to protect the children's personal data (a count from 1 to {threshold}, or a value hidden so that no small count can be worked out); [x] no data; [z] not applicable."),
    ("doc_symbols_internal", "Bản dùng nội bộ: số liệu không qua bảo mật, không được công bố. Ký hiệu: [x] không có số liệu; [z] không áp dụng.", "Internal copy: figures not protected by suppression, not for publication. Symbols: [x] no data; [z] not applicable."),
    ("year", "Năm", "Year"),
    ("value", "Giá trị", "Value"),
    ("symbols", "Ký hiệu", "Symbols"),
    ("symbol_c", 
        "[c] bảo mật: số từ 1 đến {threshold}, hoặc số được ẩn để không suy ra được số nhỏ",
        "[c] confidential: a count from 1 to {threshold}, or a value hidden so that no small count can be worked out",
    ),
    ("symbol_x", "[x] không có số liệu (mẫu số bằng 0)", "[x] not available (no members to compute from)"),
    ("symbol_z", 
        "[z] không áp dụng (chưa đạt mốc Kaplan-Meier hoặc không so sánh được)",
        "[z] not applicable (Kaplan-Meier point not reached, or no comparison possible)",
    ),
    ("suppression_rule", 
        "Quy tắc bảo mật: mọi số đếm vụ việc hoặc nội dung từ 1 đến {threshold} của một ô đều bị ẩn, ở mọi dòng thể hiện số đó (kể cả tử số, mẫu số của tỷ lệ, tỷ suất và thời gian), và được thay bằng [c]. Khi trong một phân tổ chỉ có một ô bị ẩn mà tổng được công bố, ô khác nhỏ nhất khác 0 cũng được ẩn; lặp lại cho đến khi không còn ô nào suy ra được.",
        "Suppression rule: every count of cases or content items from 1 to {threshold} in a cell is hidden in every row that shows it (numerators and denominators of shares, rates and durations included), and shown as [c]. Where a breakdown adds up to a shown total and only one cell is hidden, the smallest other non-zero cell is hidden too, repeated until no cell can be worked out.",
    ),
    ("completeness", "Mức độ đầy đủ theo cột", "Completeness by column"),
    ("column", "Cột", "Column"),
    ("filled", "Số ô có dữ liệu", "Cells filled"),
    ("share_filled", "Tỷ lệ đầy đủ", "Share filled"),
    ("quarantined", "Số dòng bị cách ly", "Rows quarantined"),
    ("invalid_orders", "Số vụ có thứ tự mốc thời gian bất thường", "Cases with stages out of order"),
    ("late_records", "Số bản ghi đến muộn từ lần báo cáo trước", "Late-arriving records since the previous report"),
    ("superseded_agency_rows", 
        "Số vụ ghi cơ quan đã được thay thế (sau ngày chuyển giao, tính cho cơ quan kế nhiệm)",
        "Cases naming an agency after its work passed to another (counted under the successor)",
    ),
    ("late_records_note", 
        "Vụ việc thuộc kỳ trước được nạp sau khi báo cáo kỳ trước được lập (báo cáo đó chưa có các vụ việc này; 0 khi chưa lập báo cáo kỳ trước)",
        "Cases of the previous period loaded after that period's report was made (that report lacked them; 0 when no report of it was made)",
    ),
    ("holds_cover", 
        "Kỳ báo cáo, số liệu tính đến, đối tượng sử dụng, bộ mục tiêu và các tệp nguồn",
        "Period, data as of, audience, target set and source files",
    ),
    ("holds_notes", 
        "Định nghĩa, tử số, mẫu số, căn cứ pháp lý của từng chỉ tiêu và các ký hiệu",
        "Each indicator's definition, numerator, denominator and legal basis, and the symbols",
    ),
    ("holds_summary", 
        "{n} chỉ tiêu toàn tỉnh: kỳ này, kỳ trước, cùng kỳ năm trước, thay đổi và mục tiêu",
        "{n} province indicators: this period, the previous one, a year before, changes and targets",
    ),
    ("holds_summary@nation", 
        "{n} chỉ tiêu toàn quốc: kỳ này, kỳ trước, cùng kỳ năm trước, thay đổi và mục tiêu",
        "{n} national indicators: this period, the previous one, a year before, changes and targets",
    ),
    ("holds_by_area", 
        "{n} chỉ tiêu theo từng địa bàn trong kỳ",
        "{n} indicators by area for the period",
    ),
    ("holds_by_breakdown", 
        "{n} chỉ tiêu theo {breakdown}: kỳ này, kỳ trước, cùng kỳ năm trước và thay đổi",
        "{n} indicators by {breakdown}: this period, the previous one, a year before and changes",
    ),
    ("holds_by_year", 
        "{n} chỉ tiêu qua từng năm của chương trình",
        "{n} indicators, year by year over the programme",
    ),
    ("holds_comparison", 
        "So sánh các địa bàn: giá trị, khoảng tin cậy, chênh lệch với toàn tỉnh, giới hạn phễu, xếp hạng",
        "Areas compared: value, interval, difference from the province, funnel limits, rank",
    ),
    ("holds_comparison@nation", 
        "So sánh các tỉnh, thành phố: giá trị, khoảng tin cậy, chênh lệch với toàn quốc, giới hạn phễu, xếp hạng",
        "Provinces compared: value, interval, difference from the nation, funnel limits, rank",
    ),
    ("holds_charts", 
        "Biểu đồ xu hướng và cơ cấu, kèm bảng số liệu của chúng",
        "Trend and breakdown charts, with their data",
    ),
    ("holds_quality", 
        "Độ đầy đủ của dữ liệu, dòng cách ly, mốc thời gian sai thứ tự, dữ liệu đến muộn, tệp nguồn",
        "Completeness, quarantined rows, stages out of order, late records, source files",
    ),
    ("revisions", "Sửa đổi số liệu", "Revisions"),
    ("revision_causes", "Nguyên nhân sửa đổi", "Causes of the revisions"),
    ("revision_triangle", "Tam giác sửa đổi", "Revision triangle"),
    ("holds_revisions", 
        "Số liệu kỳ này so với báo cáo trước của cùng kỳ: giá trị trước, giá trị nay, chênh lệch và nguyên nhân",
        "This period's figures against the earlier report of the same period: then, now, difference and causes",
    ),
    ("revised_since", 
        "So với số liệu đã biết sau lần nạp {since} ({since_at}); số liệu nay: sau lần nạp {now} ({now_at}).",
        "Against the figures known after load {since} ({since_at}); now: after load {now} ({now_at}).",
    ),
    ("first_report", 
        "Đây là báo cáo đầu tiên của kỳ này: chưa có số liệu nào được sửa đổi.",
        "This is the period's first report: no figure has been revised yet.",
    ),
    ("revision_rule", 
        "Chênh lệch từ 1 đến {threshold} có thể làm lộ một số nhỏ: khi đó giá trị trước, chênh lệch và nguyên nhân của địa bàn được ẩn [c].",
        "A difference of 1 to {threshold} could reveal a small count: then the area's value then, difference and causes are hidden [c].",
    ),
    ("value_then", "Giá trị trước", "Value then"),
    ("value_now", "Giá trị nay", "Value now"),
    ("revision_difference", "Chênh lệch", "Difference"),
    ("cause", "Nguyên nhân", "Cause"),
    ("records", "Số bản ghi", "Records"),
    ("load", "Lần nạp", "Load"),
    ("cause_late", "Nhận trong kỳ, nạp sau", "Received in the period, loaded later"),
    ("cause_corrected", "Được sửa", "Corrected"),
    ("cause_entered", "Chuyển vào do sửa", "Moved in by a correction"),
    ("cause_removed", "Chuyển ra do sửa", "Moved out by a correction"),
    ("parts", "Đối chiếu phần dữ liệu", "Parts to reconcile"),
    ("parts_note", 
        "Nội bộ: mỗi cơ quan gửi phần vụ việc của mình; số liệu ghép từ các phần. Bảng chỉ nêu mã vụ việc và tên cột, không nêu giá trị.",
        "Internal: each agency sends its part of a case; the figures are assembled from the parts. Listed by case id and column, never by value.",
    ),
    ("holds_parts", 
        "Nội bộ: vụ việc có cột không thống nhất giữa các cơ quan và các cặp vụ việc có thể trùng, theo mã vụ việc",
        "Internal: the cases whose parts disagree and the possible duplicate pairs, by case id",
    ),
    ("none", "Không có", "None"),
    ("parts_by_agency", "Phần dữ liệu theo cơ quan gửi", "Parts by sending agency"),
    ("source_agency", "Cơ quan gửi", "Sending agency"),
    ("parts_loaded", "Số phần đã nạp", "Parts loaded"),
    ("parts_alone", "Chỉ cơ quan này gửi", "Sent by this agency alone"),
    ("days_to_load", 
        "Số ngày từ khi cơ quan tiếp nhận đến khi nạp (trung vị)",
        "Days from the agency's receipt to the load (median)",
    ),
    ("parts_received_in_period", "Số phần tiếp nhận trong kỳ", "Parts received in the period"),
    ("disagreements", "Cột không thống nhất giữa các cơ quan", "Columns in disagreement between agencies"),
    ("agency_a", "Cơ quan thứ nhất", "First agency"),
    ("agency_b", "Cơ quan thứ hai", "Second agency"),
    ("cases_count", "Số vụ việc", "Cases"),
    ("rule_breaks", 
        "Vụ việc sau khi ghép vi phạm quy tắc (từng phần đều hợp lệ)",
        "Assembled cases breaking a rule (each part kept it)",
    ),
    ("rule", "Quy tắc", "Rule"),
    ("basis", "Căn cứ liên kết", "Basis of the link"),
    ("count_links", "Số liên kết", "Links"),
    ("links", "Liên kết mã vụ việc", "Links between case ids"),
    ("links_waiting", "Liên kết chờ mã chưa có trong kho", "Links waiting for an id not yet loaded"),
    ("possible_duplicates", "Cặp vụ việc có thể trùng", "Possible duplicate pairs"),
    ("incomplete_cases", 
        "Vụ việc chưa có thông tin tiếp nhận (chờ phần của cơ quan tiếp nhận, chưa được tính)",
        "Cases with no receipt yet (waiting for the receiving agency's part, not counted)",
    ),
    ("disagreement_list", "Danh sách vụ việc có cột không thống nhất", "Cases with columns in disagreement"),
    ("case_id", "Mã vụ việc", "Case id"),
    ("duplicate_list", 
        "Danh sách cặp vụ việc có thể trùng (xác nhận bằng tệp case_links, căn cứ REVIEW)",
        "Possible duplicate pairs (confirm with a case_links file, basis REVIEW)",
    ),
    ("other_case_id", "Mã vụ việc kia", "Other case id"),
    ("matched", "Trùng khớp", "Matched"),
    ("matched_attributes", 
        "địa bàn, giới tính, hình thức xâm hại",
        "area, sex, form of abuse",
    ),
    ("age_match", "Tuổi", "Age"),
    ("received_match", "Ngày tiếp nhận", "Receipt"),
    ("age_equal", "bằng nhau", "equal"),
    ("age_one_apart", "chênh 1 tuổi", "one year apart"),
    ("age_blank", "không rõ ở một vụ việc", "unknown in one case"),
    ("received_same_day", "cùng ngày", "same day"),
    ("received_within_7_days", "trong vòng 7 ngày", "within 7 days"),
    ("cause_linked", 
        "Gộp vào vụ việc khác (cùng một vụ việc dưới hai mã)",
        "Merged into another case (one case under two ids)",
    ),
    ("kind_cases", "Vụ việc", "Cases"),
    ("kind_content_reports", "Nội dung", "Content items"),
    ("chart_trend", "Xu hướng", "Trend"),
    ("chart_by_area", "theo địa bàn", "by area"),
    ("chart_by", "theo", "by"),
    ("count", "vụ việc", "cases"),
    ("count_content", "mục nội dung", "content items"),
    ("share", "tỷ lệ", "share"),
    ("per_100k", "trên 100.000 trẻ em", "per 100,000 children"),
    ("hours", "giờ", "hours"),
    ("days", "ngày", "days"),
    ("title", "Tiêu đề", "Title"),
    ("on_target", "Đạt mục tiêu", "On target"),
    ("chart_note_public", 
        "Công khai: giá trị bảo mật [c] để trống. Nguồn: dữ liệu các sở, ngành, xử lý bằng baove.",
        "Public: confidential values [c] left blank. Source: agency exports, processed by baove.",
    ),
    ("chart_note_internal", 
        "Nội bộ, không công bố. Nguồn: dữ liệu các sở, ngành, xử lý bằng baove.",
        "Internal, not for publication. Source: agency exports, processed by baove.",
    ),
    ("funnel", "Biểu đồ phễu", "Funnel plot"),
    ("name", "Tên", "Name"),
    ("points", "điểm %", "points"),
    ("data_table", "Bảng số liệu", "Data table"),
    ("vs", "so với", "vs"),
    ("rule_limit", "thời hạn", "limit"),
    ("rule_from", "từ", "from"),
    ("rule_not_comparable", "không so sánh được", "not comparable"),
    ("rule_changed_note", "[z] không so sánh được do thay đổi quy định", "[z] not comparable: the rule changed"),
    ("geography_changed_note", 
        "[z] không so sánh được do thay đổi địa giới hành chính từ ngày {day} (địa bàn không tồn tại suốt cả hai kỳ)",
        "[z] not comparable: the areas changed on {day} (the area did not exist through both periods)",
    ),
    ("below_target", "Chưa đạt mục tiêu", "Below target"),
    ("quarantined_rows", "Dòng bị cách ly", "Quarantined rows"),
    ("dashboard_headline", "Chỉ tiêu chính", "Headline indicators"),
    ("dashboard_trends", "Xu hướng 8 kỳ gần nhất", "Trends over the last 8 periods"),
    ("dashboard_comparison", "So sánh giữa các địa bàn", "Comparison of areas"),
    ("dashboard_types", "Hình thức xâm hại và nền tảng", "Forms of abuse and platforms"),
    ("dashboard_takedown", "Gỡ bỏ nội dung", "Content takedown"),
    ("takedown_limits", "Tỷ lệ gỡ bỏ theo thời hạn", "Share removed within each limit"),
    ("share_removed", "Tỷ lệ đã gỡ", "Share removed"),
    ("limit", "Thời hạn", "Limit"),
    ("ci_low", "Khoảng tin cậy 95%: dưới", "95% interval: low"),
    ("ci_high", "Khoảng tin cậy 95%: trên", "95% interval: high"),
    ("difference", "Chênh lệch so với toàn tỉnh", "Difference from the province"),
    ("difference@nation", "Chênh lệch so với toàn quốc", "Difference from the nation"),
    ("difference_low", "Chênh lệch: dưới", "Difference: low"),
    ("difference_high", "Chênh lệch: trên", "Difference: high"),
    ("limit_95_low", "Giới hạn 95%: dưới", "95% limit: low"),
    ("limit_95_high", "Giới hạn 95%: trên", "95% limit: high"),
    ("limit_998_low", "Giới hạn 99,8%: dưới", "99.8% limit: low"),
    ("limit_998_high", "Giới hạn 99,8%: trên", "99.8% limit: high"),
    ("funnel_flag", "Đánh giá", "Assessment"),
    ("rank", "Thứ hạng", "Rank"),
    ("rank_low", "Thứ hạng: cao nhất có thể", "Rank: best plausible"),
    ("rank_high", "Thứ hạng: thấp nhất có thể", "Rank: worst plausible"),
    ("above_99.8", "Cao hơn giới hạn 99,8%", "Above the 99.8% limit"),
    ("above_95", "Cao hơn giới hạn 95%", "Above the 95% limit"),
    ("within", "Trong giới hạn", "Within the limits"),
    ("below_95", "Thấp hơn giới hạn 95%", "Below the 95% limit"),
    ("below_99.8", "Thấp hơn giới hạn 99,8%", "Below the 99.8% limit"),
    ("comparison_note", 
        "Giới hạn phễu chính xác (nhị thức cho tỷ lệ, Poisson cho tỷ suất; Spiegelhalter 2005) quanh giá trị toàn tỉnh; địa bàn nhỏ có giới hạn rộng hơn nên không bị đánh giá chỉ vì nhỏ. Thứ hạng 1 là giá trị cao nhất; khoảng thứ hạng từ mô phỏng (số lần và hạt giống ở trang ghi chú). Số liệu huyện sau ngày 01/7/2025 được quy đổi từ xã theo bảng chuyển đổi (trọng số chia số đếm).",
        "Exact funnel limits (binomial for shares, Poisson for rates; Spiegelhalter 2005) around the province value; small areas have wider limits, so none is flagged only for being small. Rank 1 is the highest value; rank intervals from simulation (draws and seed in the notes). District figures after 1 July 2025 are attributed from communes through the crosswalk (weights split counts).",
    ),
    ("comparison_note@nation", 
        "Giới hạn phễu chính xác (nhị thức cho tỷ lệ, Poisson cho tỷ suất; Spiegelhalter 2005) quanh giá trị toàn quốc; tỉnh nhỏ có giới hạn rộng hơn nên không bị đánh giá chỉ vì nhỏ. Thứ hạng 1 là giá trị cao nhất; khoảng thứ hạng từ mô phỏng (số lần và hạt giống ở trang ghi chú). Các tỉnh là các tỉnh, thành phố có hiệu lực vào ngày cuối kỳ (sau ngày 01/7/2025, số liệu của tỉnh cũ tính cho tỉnh mới).",
        "Exact funnel limits (binomial for shares, Poisson for rates; Spiegelhalter 2005) around the national value; small provinces have wider limits, so none is flagged only for being small. Rank 1 is the highest value; rank intervals from simulation (draws and seed in the notes). Provinces are those in force on the period's last day (after 1 July 2025 a former province's figures count for the new one).",
    ),
    ("trend_by_area", "xu hướng theo địa bàn", "trend by area"),
    ("small_multiples_note", 
        "Mỗi ô một địa bàn, cùng thang đo; đường xám: toàn tỉnh",
        "One panel per area, same scales; grey line: province",
    ),
    ("small_multiples_note@nation", 
        "Mỗi ô một tỉnh, cùng thang đo; đường xám: toàn quốc",
        "One panel per province, same scales; grey line: nation",
    ),
    ("heatmap_title", 
        "Vụ việc tiếp nhận trên 100.000 trẻ em, theo địa bàn và hình thức xâm hại",
        "Cases received per 100,000 children, by area and form of abuse",
    ),
    ("heatmap_note", 
        "[c]: bảo mật số nhỏ; [x]: không có số liệu dân số",
        "[c]: small number suppressed; [x]: no population figure",
    ),
    ("funnel_members", "Số đối tượng của địa bàn (mẫu số)", "Members in the area (denominator)"),
    ("funnel_children", "Số trẻ em dưới 16 tuổi của địa bàn", "Children under 16 in the area"),
    ("funnel_centre", "Giá trị toàn tỉnh", "Province value"),
    ("funnel_centre@nation", "Giá trị toàn quốc", "National value"),
    ("funnel_95", "Giới hạn 95%", "95% limits"),
    ("funnel_998", "Giới hạn 99,8%", "99.8% limits"),
    ("overdispersion_applied", 
        "Đã điều chỉnh phân tán vượt mức (Spiegelhalter 2005)",
        "Adjusted for over-dispersion (Spiegelhalter 2005)",
    ),
    ("overdispersion_not_applied", 
        "Không điều chỉnh phân tán vượt mức",
        "Not adjusted for over-dispersion",
    ),
    ("rank_simulation", 
        "Khoảng thứ hạng: số lần mô phỏng (hạt giống)",
        "Rank intervals: simulated draws (seed)",
    ),
    ("overdispersion_model", 
        "Giới hạn phễu, phân tán vượt mức (Spiegelhalter 2005)",
        "Funnel limits, over-dispersion (Spiegelhalter 2005)",
    ),
    ("overdispersion_additive", 
        "mô hình cộng: phương sai mỗi địa bàn cộng tau²",
        "additive model: each area's variance plus tau²",
    ),
    ("smoothed_title", 
        "Tỷ suất ước lượng (làm trơn Bayes thực nghiệm): là ước lượng, không phải số liệu quan sát; tỷ suất quan sát vẫn là số chính",
        "Smoothed rates (empirical Bayes): estimates, not observed figures; the observed rate stays the headline",
    ),
    ("raw_rate", "Tỷ suất quan sát", "Observed rate"),
    ("smoothed_marshall", "Ước lượng làm trơn (Marshall)", "Smoothed estimate (Marshall)"),
    ("shrinkage_marshall", "Mức co về trung bình (Marshall)", "Shrinkage to the mean (Marshall)"),
    ("smoothed_poisson_gamma", 
        "Ước lượng làm trơn (Poisson-Gamma)",
        "Smoothed estimate (Poisson-Gamma)",
    ),
    ("smoothed_low", "Khoảng tin cậy Bayes 95%: dưới", "95% credible interval: low"),
    ("smoothed_high", "Khoảng tin cậy Bayes 95%: trên", "95% credible interval: high"),
    ("shrinkage_poisson_gamma", 
        "Mức co về trung bình (Poisson-Gamma)",
        "Shrinkage to the mean (Poisson-Gamma)",
    ),
    ("prior_mean", "trung bình tiên nghiệm", "prior mean"),
    ("prior_sd", "độ lệch chuẩn tiên nghiệm", "prior standard deviation"),
    ("smoothed_note", 
        "Mỗi tỷ suất được kéo về trung bình của các địa bàn hiển thị, càng nhiều khi địa bàn càng ít trẻ em, theo mức các tỷ suất chênh nhau vượt quá ngẫu nhiên (Marshall 1991; Clayton & Kaldor 1987). Mức co là trọng số của trung bình: ước lượng = mức co × trung bình + (1 − mức co) × tỷ suất quan sát; mức co 1: các tỷ suất không chênh nhau quá ngẫu nhiên. Địa bàn bị ẩn không được ước lượng và không tham gia ước lượng. Đơn vị: trên 100.000 trẻ em.",
        "Each rate is pulled toward the mean of the areas shown, the more so the fewer children the area has, by as much as the rates vary beyond chance (Marshall 1991; Clayton & Kaldor 1987). Shrinkage is the weight of the mean: estimate = shrinkage × mean + (1 − shrinkage) × observed rate; shrinkage 1: the rates vary no more than chance. A hidden area is neither estimated nor used in estimating. Per 100,000 children.",
    ),
    ("overdispersion_multiplicative", 
        "mô hình nhân: phương sai mỗi địa bàn nhân phi",
        "multiplicative model: each area's variance times phi",
    ),
];

/// The text of `key` in `lang` (empty for an unknown key).
pub fn text(lang: Lang, key: &str) -> &'static str {
    static BY_KEY: std::sync::LazyLock<std::collections::HashMap<&str, (&str, &str)>> =
        std::sync::LazyLock::new(|| TEXTS.iter().map(|&(key, vi, en)| (key, (vi, en))).collect());
    let Some(&(vi, en)) = BY_KEY.get(key) else {
        return "";
    };
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// The reader's name of a breakdown dimension.
pub fn breakdown_name(lang: Lang, breakdown: &str) -> String {
    match (breakdown, crate::catalog::dimension_named(breakdown)) {
        ("area", _) => text(lang, "area").to_string(),
        (_, Some(dimension)) => dimension.label(lang).to_string(),
        (other, None) => other.to_string(),
    }
}

/// The reader's name of a code value.
pub fn code_name(lang: Lang, breakdown: &str, code: &str) -> String {
    let pair = match (breakdown, code) {
        (_, "unknown") => Some(("Không rõ", "Unknown")),
        ("age_band", band) => return format!("{band} {}", if lang == Lang::Vi { "tuổi" } else { "years" }),
        _ => crate::model::code_names(breakdown)
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, vi, en)| (*vi, *en)),
    };
    let name = match (pair, lang) {
        (Some((vi, _)), Lang::Vi) => vi.to_string(),
        (Some((_, en)), Lang::En) => en.to_string(),
        // A code outside the lists (never in data that passed the contract) as written.
        (None, _) => code.to_string(),
    };
    if breakdown == "receiving_agency" {
        if let Some(before) = predecessor_note(lang, code) {
            return format!("{name} ({before})");
        }
    }
    name
}

/// "trước 01/03/2025: Sở LĐ-TB&XH" for an agency that took over another's work: its
/// row counts the predecessor's cases too (queries/agencies.toml).
fn predecessor_note(lang: Lang, code: &str) -> Option<String> {
    let registry = crate::catalog::agencies().ok()?;
    let successor = registry.iter().find(|a| a.code == code)?;
    let predecessor = registry.iter().find(|a| a.successor.as_deref() == Some(code))?;
    let since = successor.valid_from?;
    let name = code_name(lang, "receiving_agency", &predecessor.code);
    Some(match lang {
        Lang::Vi => format!("trước {}: {name}", since.format("%d/%m/%Y")),
        Lang::En => format!("before {}: {name}", since.format("%Y-%m-%d")),
    })
}

/// A p-value as printed: three decimals, "< 0,001" below that.
fn p_text(lang: Lang, p: f64) -> String {
    if p < 0.001 {
        format!("p < {}", local_number(lang, 0.001, 3))
    } else {
        format!("p = {}", local_number(lang, p, 3))
    }
}

/// A test for trend in a sentence (issue 35): "tăng có ý nghĩa thống kê" only where p <
/// 0.05, with the ratio per period and its interval; otherwise that no rise or fall
/// stands out from chance. `share`: the ratio is an odds ratio.
pub fn trend_words(lang: Lang, trend: &crate::trend::Trend, share: bool) -> String {
    let n = trend.periods;
    if !trend.significant() {
        return match lang {
            Lang::Vi => format!(
                "không tăng hay giảm có ý nghĩa thống kê qua {n} kỳ ({})",
                p_text(lang, trend.p_value)
            ),
            Lang::En => format!(
                "no statistically significant rise or fall over {n} periods ({})",
                p_text(lang, trend.p_value)
            ),
        };
    }
    let rising = trend.ratio > 1.0;
    let ratio = |v: f64| local_number(lang, v, 3);
    let (low, high, p) = (
        ratio(trend.ratio_low),
        ratio(trend.ratio_high),
        p_text(lang, trend.p_value),
    );
    match lang {
        Lang::Vi => format!(
            "{} có ý nghĩa thống kê qua {n} kỳ ({} mỗi kỳ {}, KTC 95% {low}–{high}; {p})",
            if rising { "tăng" } else { "giảm" },
            if share { "tỷ số chênh" } else { "tỷ số" },
            ratio(trend.ratio)
        ),
        Lang::En => format!(
            "a statistically significant {} over {n} periods ({} {} a period, 95% CI {low}–{high}; {p})",
            if rising { "rise" } else { "fall" },
            if share { "odds ratio" } else { "rate ratio" },
            ratio(trend.ratio)
        ),
    }
}

/// The mark of a trend chart whose test for trend is significant: "xu hướng tăng có ý
/// nghĩa thống kê, p = 0,012"; None where it is not.
pub fn trend_mark(lang: Lang, trend: &crate::trend::Trend) -> Option<String> {
    trend.significant().then(|| {
        let rising = trend.ratio > 1.0;
        match lang {
            Lang::Vi => format!(
                "xu hướng {} có ý nghĩa thống kê, {}",
                if rising { "tăng" } else { "giảm" },
                p_text(lang, trend.p_value)
            ),
            Lang::En => format!(
                "significant {} trend, {}",
                if rising { "rising" } else { "falling" },
                p_text(lang, trend.p_value)
            ),
        }
    })
}

/// A change of rule in words, as a note beside a change not shown ("thời hạn 3 giờ → 24
/// giờ từ 25/12/2024"): the limits in force the day before the change and on its day.
pub fn rule_change_note(lang: Lang, change: &crate::catalog::RuleChange) -> String {
    use crate::catalog::DeadlineRule;
    let on = change.on;
    let day_before = on.pred_opt().unwrap_or(on);
    let in_force = |day: chrono::NaiveDate| -> Vec<&DeadlineRule> {
        let mut rules: Vec<&DeadlineRule> = change
            .before
            .iter()
            .chain(change.now.iter())
            .filter(|r| crate::catalog::in_force(r.valid_from, r.valid_to, day))
            .collect();
        // The general limit first, then flagged ones; one mention of each limit.
        rules.sort_by(|a, b| (a.when.is_some(), &a.when).cmp(&(b.when.is_some(), &b.when)));
        rules.dedup_by(|a, b| a.unit == b.unit && a.amount == b.amount && a.when == b.when);
        rules
    };
    let limits = |rules: Vec<&DeadlineRule>| -> String {
        if rules.is_empty() {
            return "—".to_string();
        }
        rules
            .iter()
            .map(|r| {
                let amount = r.limit_words(lang);
                match r.when.as_deref() {
                    Some(when) => format!("{} {amount}", crate::catalog::flag_words(when, lang)),
                    None => amount,
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{} {} → {} {} {}",
        text(lang, "rule_limit"),
        limits(in_force(day_before)),
        limits(in_force(on)),
        text(lang, "rule_from"),
        on.format("%d/%m/%Y")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of texts read as a match did: a key found twice would make one of its
    /// texts unreachable, and a text missing in one language would print nothing.
    #[test]
    fn every_text_has_one_key_and_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for (key, vi, en) in TEXTS {
            assert!(seen.insert(key), "{key} twice");
            assert!(!vi.trim().is_empty() && !en.trim().is_empty(), "{key}");
            assert_eq!(text(Lang::Vi, key), *vi);
            assert_eq!(text(Lang::En, key), *en);
        }
        assert_eq!(text(Lang::Vi, "no such key"), "");
    }

    /// "Tăng có ý nghĩa thống kê" only where p < 0.05: the doubling counts of trend.rs
    /// (10, 20, 40: ratio 2, 95% CI exp(ln 2 ± 1.96 × 0.1640825) = 1.450-2.759, p =
    /// 2.4e-5) rise significantly; the same slope at p = 0.06 is no significant change.
    #[test]
    fn a_trend_is_called_significant_only_where_it_is() {
        let rising = crate::trend::poisson_trend(&[(10.0, 1.0), (20.0, 1.0), (40.0, 1.0)]).unwrap();
        assert_eq!(
            trend_words(Lang::Vi, &rising, false),
            "tăng có ý nghĩa thống kê qua 3 kỳ (tỷ số mỗi kỳ 2,000, KTC 95% 1,450–2,759; p < 0,001)"
        );
        assert_eq!(
            trend_mark(Lang::En, &rising).unwrap(),
            "significant rising trend, p < 0.001"
        );
        let chance = crate::trend::Trend {
            p_value: 0.06,
            ..rising
        };
        let words = trend_words(Lang::Vi, &chance, false);
        assert_eq!(
            words,
            "không tăng hay giảm có ý nghĩa thống kê qua 3 kỳ (p = 0,060)"
        );
        assert!(trend_mark(Lang::Vi, &chance).is_none());
        let falling = crate::trend::Trend {
            ratio: 0.5,
            ratio_low: 0.36,
            ratio_high: 0.69,
            ..rising
        };
        assert!(trend_words(Lang::En, &falling, true)
            .starts_with("a statistically significant fall over 3 periods (odds ratio 0.500"));
    }

    #[test]
    fn a_successor_agency_is_named_with_its_predecessor() {
        assert_eq!(
            code_name(Lang::Vi, "receiving_agency", "SYT"),
            "Sở Y tế (trước 01/03/2025: Sở LĐ-TB&XH)"
        );
        assert_eq!(
            code_name(Lang::En, "receiving_agency", "KHCN"),
            "Science and Technology (before 2025-03-01: Information and Communications)"
        );
        assert_eq!(code_name(Lang::Vi, "receiving_agency", "CA"), "Công an tỉnh");
    }

    #[test]
    fn every_interface_word_exists_in_both_languages() {
        for key in [
            "cover",
            "contents",
            "notes",
            "quality",
            "period",
            "as_of",
            "audience",
            "symbol_c",
            "revisions",
            "revision_causes",
            "revision_triangle",
            "holds_revisions",
            "revised_since",
            "first_report",
            "revision_rule",
            "value_then",
            "value_now",
            "revision_difference",
            "cause_late",
            "cause_corrected",
            "cause_entered",
            "cause_removed",
            "cause_linked",
            "suppression_rule",
            "this_period",
            "late_records",
            "superseded_agency_rows",
        ] {
            assert!(!text(Lang::Vi, key).is_empty(), "{key}");
            assert!(!text(Lang::En, key).is_empty(), "{key}");
            assert_ne!(text(Lang::Vi, key), text(Lang::En, key), "{key}");
        }
        // The threshold's words come from the one constant.
        for key in [
            "symbol_c",
            "suppression_rule",
            "revision_rule",
            "doc_symbols_public",
        ] {
            for lang in [Lang::Vi, Lang::En] {
                assert!(text(lang, key).contains("{threshold}"), "{key}");
                let filled = with_threshold(lang, key);
                assert!(!filled.contains('{'), "{key}: {filled}");
                assert!(
                    filled.contains(&format!(
                        "1 {} {}",
                        if lang == Lang::Vi { "đến" } else { "to" },
                        crate::disclosure::THRESHOLD
                    )),
                    "{filled}"
                );
            }
        }
        assert_eq!(code_name(Lang::Vi, "victim_sex", "F"), "Nữ");
        assert_eq!(code_name(Lang::En, "platform", "FACEBOOK"), "Facebook");
    }
}
