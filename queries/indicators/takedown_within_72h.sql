-- id: takedown_within_72h
-- label_vi: Gỡ bỏ trong 3 ngày
-- label_en: Removed within 3 days
-- unit: share
-- statistic: share
-- subject: content
-- scope: cohort
-- direction: rise_is_good
-- deadline: none
-- numerator: due items removed at or before takedown_requested_at + 72 hours
-- numerator_vi: các nội dung đến hạn được gỡ không muộn hơn takedown_requested_at + 72 giờ
-- denominator: requested items due under the fixed limit of 72 hours (removed before as-of, or requested more than 72 hours before as-of)
-- denominator_vi: các nội dung đã yêu cầu gỡ đến hạn theo thời hạn cố định 72 giờ (đã gỡ trước thời điểm chốt, hoặc yêu cầu trước thời điểm chốt hơn 72 giờ)
-- numerator_quantity: takedown_within_72h
-- denominator_quantity: takedown_due_72h
-- cohort: content items with takedown_requested_at in the period and before as-of
-- cohort_vi: các nội dung có takedown_requested_at trong kỳ và trước thời điểm chốt số liệu
-- breakdowns: area, source, platform, content_type, category
-- legal_basis: INHOPE network's 3-day measure of removal (not a legal limit)
-- legal_basis_vi: Thước đo 3 ngày của mạng lưới INHOPE (không phải thời hạn pháp lý)
SELECT *, is_on_time(removed_at, takedown_requested_at + INTERVAL 72 HOUR, $as_of) AS success
FROM reported_content
WHERE takedown_requested_at >= $period_start AND takedown_requested_at < $period_end AND takedown_requested_at < $as_of
  AND is_due(removed_at, takedown_requested_at + INTERVAL 72 HOUR, $as_of)
