-- id: support_coverage
-- label_vi: Tỷ lệ trẻ bị xâm hại được hỗ trợ (QĐ 830: 100%)
-- label_en: Share of abused children supported (Decision 830 target: 100%)
-- unit: share
-- statistic: share
-- subject: cases
-- scope: cohort
-- direction: rise_is_good
-- deadline: none
-- numerator: confirmed members with support_started_at before as-of
-- numerator_vi: các vụ việc được xác nhận có support_started_at trước thời điểm chốt
-- denominator: cases_confirmed
-- denominator_vi: cases_confirmed
-- numerator_quantity: cases_supported
-- denominator_quantity: cases_confirmed
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg, target: support for 100% of child victims
-- legal_basis_vi: Quyết định 830/QĐ-TTg, mục tiêu: 100% trẻ em bị xâm hại được hỗ trợ
SELECT *, coalesce(support_started_at < $as_of, false) AS success
FROM case_cohort($period_start, $period_end, $as_of)
WHERE assessment_result = 'CONFIRMED' AND assessed_at < $as_of
