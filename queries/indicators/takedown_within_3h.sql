-- id: takedown_within_3h
-- label_vi: Gỡ bỏ trong 3 giờ
-- label_en: Removed within 3 hours
-- unit: share
-- statistic: share
-- subject: content
-- scope: cohort
-- direction: rise_is_good
-- deadline: none
-- numerator: due items removed at or before takedown_requested_at + 3 hours
-- numerator_vi: các nội dung đến hạn được gỡ không muộn hơn takedown_requested_at + 3 giờ
-- denominator: requested items due under the fixed limit of 3 hours (removed before as-of, or requested more than 3 hours before as-of)
-- denominator_vi: các nội dung đã yêu cầu gỡ đến hạn theo thời hạn cố định 3 giờ (đã gỡ trước thời điểm chốt, hoặc yêu cầu trước thời điểm chốt hơn 3 giờ)
-- numerator_quantity: takedown_within_3h
-- denominator_quantity: takedown_due_3h
-- cohort: content items with takedown_requested_at in the period and before as-of
-- cohort_vi: các nội dung có takedown_requested_at trong kỳ và trước thời điểm chốt số liệu
-- breakdowns: area, source, platform, content_type, category
-- legal_basis: Decree 72/2013/NĐ-CP as amended by Decree 27/2018/NĐ-CP (the limit before 2024-12-25)
-- legal_basis_vi: Nghị định 72/2013/NĐ-CP sửa đổi bởi Nghị định 27/2018/NĐ-CP (thời hạn trước 25/12/2024)
SELECT *, is_on_time(removed_at, takedown_requested_at + INTERVAL 3 HOUR, $as_of) AS success
FROM reported_content
WHERE takedown_requested_at >= $period_start AND takedown_requested_at < $period_end AND takedown_requested_at < $as_of
  AND is_due(removed_at, takedown_requested_at + INTERVAL 3 HOUR, $as_of)
