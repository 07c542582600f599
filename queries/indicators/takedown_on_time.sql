-- id: takedown_on_time
-- label_vi: Gỡ bỏ đúng hạn
-- label_en: Takedowns on time
-- unit: share
-- statistic: share
-- subject: content
-- scope: cohort
-- direction: rise_is_good
-- deadline: takedown
-- numerator: due items removed at or before takedown_requested_at + the limit in force ({limits})
-- numerator_vi: các nội dung đến hạn được gỡ không muộn hơn takedown_requested_at cộng thời hạn đang có hiệu lực ({limits})
-- denominator: requested items that are due
-- denominator_vi: các nội dung đã yêu cầu gỡ và đã đến hạn
-- numerator_quantity: takedown_on_time
-- denominator_quantity: takedown_due
-- cohort: content items with takedown_requested_at in the period and before as-of
-- cohort_vi: các nội dung có takedown_requested_at trong kỳ và trước thời điểm chốt số liệu
-- breakdowns: area, source, platform, content_type, category
-- legal_basis: Decree 147/2024/NĐ-CP; Law on Cybersecurity 116/2025/QH15, Art. 25(2) (from 2026-07-01)
-- legal_basis_vi: Nghị định 147/2024/NĐ-CP; Luật An ninh mạng 116/2025/QH15, Điều 25 khoản 2 (từ 01/07/2026)
SELECT *, is_on_time(removed_at, takedown_deadline, $as_of) AS success FROM content_facts
WHERE takedown_requested_at >= $period_start AND takedown_requested_at < $period_end AND takedown_requested_at < $as_of
  AND is_due(removed_at, takedown_deadline, $as_of)
