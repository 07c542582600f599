-- id: violations_handled_share
-- label_vi: Tỷ lệ vi phạm được xử lý (QĐ 830: 100%)
-- label_en: Share of violations handled (Decision 830 target: 100%)
-- unit: share
-- statistic: share
-- subject: cases
-- scope: cohort
-- direction: rise_is_good
-- deadline: none
-- numerator: members with outcome CRIMINAL, ADMINISTRATIVE or CONTENT_REMOVED
-- numerator_vi: các vụ việc có outcome CRIMINAL, ADMINISTRATIVE hoặc CONTENT_REMOVED
-- denominator: confirmed cohort members (assessed before as-of) closed before as-of
-- denominator_vi: các vụ việc được xác nhận của nhóm (đánh giá trước thời điểm chốt) đã kết thúc trước thời điểm chốt
-- numerator_quantity: violations_handled
-- denominator_quantity: confirmed_closed
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg, target: 100% of violations handled
-- legal_basis_vi: Quyết định 830/QĐ-TTg, mục tiêu: 100% vụ việc vi phạm được xử lý
SELECT *, outcome IN ('CRIMINAL', 'ADMINISTRATIVE', 'CONTENT_REMOVED') AS success
FROM case_cohort($period_start, $period_end, $as_of)
WHERE assessment_result = 'CONFIRMED' AND assessed_at < $as_of AND closed_at < $as_of
