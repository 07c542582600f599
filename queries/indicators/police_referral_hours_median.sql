-- id: police_referral_hours_median
-- label_vi: Thời gian chuyển Công an (giờ)
-- label_en: Hours to referral to the police (median)
-- unit: hours
-- statistic: median
-- subject: cases
-- scope: cohort
-- direction: rise_is_bad
-- deadline: none
-- numerator: 
-- numerator_vi:
-- denominator: cohort members not received by the police first, with police_received_at before as-of
-- denominator_vi: các vụ việc của nhóm không do công an tiếp nhận đầu tiên, có police_received_at trước thời điểm chốt
-- numerator_quantity: none
-- denominator_quantity: police_referred
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Coordination regulation of the three agencies; Decree 56/2017/NĐ-CP
-- legal_basis_vi: Quy chế phối hợp của ba cơ quan; Nghị định 56/2017/NĐ-CP
SELECT *, hours_between(received_at, police_received_at) AS duration
FROM case_cohort($period_start, $period_end, $as_of)
WHERE receiving_agency <> 'CA' AND police_received_at < $as_of
