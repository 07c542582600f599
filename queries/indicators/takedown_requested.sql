-- id: takedown_requested
-- label_vi: Số yêu cầu gỡ bỏ
-- label_en: Takedown requests
-- unit: count
-- statistic: count
-- subject: content
-- numerator: items
-- numerator_vi: số nội dung
-- denominator: 
-- denominator_vi:
-- numerator_quantity: takedown_requested
-- denominator_quantity: none
-- cohort: content items with takedown_requested_at in the period and before as-of
-- cohort_vi: các nội dung có takedown_requested_at trong kỳ và trước thời điểm chốt số liệu
-- breakdowns: area, source, platform, content_type, category
-- legal_basis: Decree 147/2024/NĐ-CP
-- legal_basis_vi: Nghị định 147/2024/NĐ-CP
SELECT * FROM content_reports
WHERE takedown_requested_at >= $period_start AND takedown_requested_at < $period_end AND takedown_requested_at < $as_of
