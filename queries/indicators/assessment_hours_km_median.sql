-- id: assessment_hours_km_median
-- label_vi: Thời gian xác minh (giờ, Kaplan-Meier)
-- label_en: Hours to verification (Kaplan-Meier median)
-- unit: hours
-- statistic: km_median
-- subject: cases
-- scope: cohort
-- direction: rise_is_bad
-- deadline: none
-- numerator: 
-- numerator_vi:
-- denominator: the whole cohort; not yet assessed members censored at as-of
-- denominator_vi: toàn bộ nhóm; các vụ việc chưa được đánh giá được tính là quan sát bị chặn (censored) tại thời điểm chốt
-- numerator_quantity: none
-- denominator_quantity: cases_received
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decree 56/2017/NĐ-CP, Art. 26
-- legal_basis_vi: Nghị định 56/2017/NĐ-CP, Điều 26
SELECT *,
    hours_between(received_at, CASE WHEN assessed_at < $as_of THEN assessed_at ELSE $as_of END) AS duration,
    coalesce(assessed_at < $as_of, false) AS event
FROM case_cohort($period_start, $period_end, $as_of)
