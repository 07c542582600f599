-- id: takedown_removed_share
-- label_vi: Tỷ lệ gỡ bỏ thành công
-- label_en: Share of takedown requests removed
-- unit: share
-- statistic: share
-- subject: content
-- numerator: requested items with removed_at before as-of
-- numerator_vi: các nội dung đã yêu cầu gỡ có removed_at trước thời điểm chốt
-- denominator: takedown_requested
-- denominator_vi: takedown_requested
-- numerator_quantity: takedown_removed
-- denominator_quantity: takedown_requested
-- cohort: content items with takedown_requested_at in the period and before as-of
-- cohort_vi: các nội dung có takedown_requested_at trong kỳ và trước thời điểm chốt số liệu
-- breakdowns: area, source, platform, content_type, category
-- legal_basis: Decree 147/2024/NĐ-CP
-- legal_basis_vi: Nghị định 147/2024/NĐ-CP
SELECT *, coalesce(removed_at < $as_of, false) AS success FROM content_reports
WHERE takedown_requested_at >= $period_start AND takedown_requested_at < $period_end AND takedown_requested_at < $as_of
