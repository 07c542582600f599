-- id: takedown_hours_median
-- label_vi: Thời gian gỡ bỏ (giờ, trung vị)
-- label_en: Hours to removal (median)
-- unit: hours
-- statistic: median
-- subject: content
-- scope: cohort
-- direction: rise_is_bad
-- deadline: none
-- numerator: 
-- numerator_vi:
-- denominator: requested items removed before as-of
-- denominator_vi: các nội dung đã yêu cầu gỡ và được gỡ trước thời điểm chốt
-- numerator_quantity: none
-- denominator_quantity: takedown_removed
-- cohort: content items with takedown_requested_at in the period and before as-of
-- cohort_vi: các nội dung có takedown_requested_at trong kỳ và trước thời điểm chốt số liệu
-- breakdowns: area, source, platform, content_type, category
-- legal_basis: Decree 147/2024/NĐ-CP
-- legal_basis_vi: Nghị định 147/2024/NĐ-CP
SELECT *, hours_between(takedown_requested_at, removed_at) AS duration FROM reported_content
WHERE takedown_requested_at >= $period_start AND takedown_requested_at < $period_end AND takedown_requested_at < $as_of
  AND removed_at < $as_of
