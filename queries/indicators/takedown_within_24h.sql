-- id: takedown_within_24h
-- label_vi: Gỡ bỏ trong 24 giờ
-- label_en: Removed within 24 hours
-- unit: share
-- statistic: share
-- subject: content
-- scope: cohort
-- direction: rise_is_good
-- deadline: none
-- numerator: due items removed at or before takedown_requested_at + 24 hours
-- numerator_vi: các nội dung đến hạn được gỡ không muộn hơn takedown_requested_at + 24 giờ
-- denominator: requested items due under the fixed limit of 24 hours (removed before as-of, or requested more than 24 hours before as-of)
-- denominator_vi: các nội dung đã yêu cầu gỡ đến hạn theo thời hạn cố định 24 giờ (đã gỡ trước thời điểm chốt, hoặc yêu cầu trước thời điểm chốt hơn 24 giờ)
-- numerator_quantity: takedown_within_24h
-- denominator_quantity: takedown_due_24h
-- cohort: content items with takedown_requested_at in the period and before as-of
-- cohort_vi: các nội dung có takedown_requested_at trong kỳ và trước thời điểm chốt số liệu
-- breakdowns: area, source, platform, content_type, category
-- legal_basis: Decree 147/2024/NĐ-CP; Law on Cybersecurity 116/2025/QH15, Art. 25(2)
-- legal_basis_vi: Nghị định 147/2024/NĐ-CP; Luật An ninh mạng 116/2025/QH15, Điều 25 khoản 2
SELECT *, is_on_time(removed_at, takedown_requested_at + INTERVAL 24 HOUR, $as_of) AS success
FROM reported_content
WHERE takedown_requested_at >= $period_start AND takedown_requested_at < $period_end AND takedown_requested_at < $as_of
  AND is_due(removed_at, takedown_requested_at + INTERVAL 24 HOUR, $as_of)
