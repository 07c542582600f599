-- id: assessment_hours_median
-- label_vi: Thời gian xác minh (giờ, trung vị)
-- label_en: Hours to verification (median)
-- unit: hours
-- statistic: median
-- subject: cases
-- scope: cohort
-- direction: rise_is_bad
-- deadline: none
-- numerator: 
-- numerator_vi:
-- denominator: cohort members assessed before as-of
-- denominator_vi: các vụ việc của nhóm đã được đánh giá trước thời điểm chốt
-- numerator_quantity: none
-- denominator_quantity: cases_assessed
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decree 56/2017/NĐ-CP, Art. 26
-- legal_basis_vi: Nghị định 56/2017/NĐ-CP, Điều 26
SELECT *, hours_between(received_at, assessed_at) AS duration
FROM case_cohort($period_start, $period_end, $as_of)
WHERE assessed_at < $as_of
