-- id: social_referral_hours_median
-- label_vi: Thời gian chuyển cơ quan bảo vệ trẻ em (giờ, trung vị)
-- label_en: Hours to referral to the child-protection agency (median)
-- unit: hours
-- statistic: median
-- subject: cases
-- scope: cohort
-- direction: rise_is_bad
-- deadline: none
-- numerator:
-- numerator_vi:
-- denominator: cohort members whose receiving agency is not the child-protection agency in force on the day of receipt, with social_received_at before as-of
-- denominator_vi: các vụ việc của nhóm không do cơ quan bảo vệ trẻ em (theo ngày tiếp nhận) tiếp nhận đầu tiên, có social_received_at trước thời điểm chốt
-- numerator_quantity: none
-- denominator_quantity: social_referred
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Coordination regulation of 9 May 2023; Decree 56/2017/NĐ-CP, Art. 25
-- legal_basis_vi: Quy chế phối hợp ngày 09/5/2023; Nghị định 56/2017/NĐ-CP, Điều 25
SELECT *, hours_between(received_at, social_received_at) AS duration
FROM case_cohort($period_start, $period_end, $as_of)
WHERE NOT received_by_child_protection AND social_received_at < $as_of
