-- id: emergency_action_on_time
-- label_vi: Can thiệp khẩn cấp trong 12 giờ
-- label_en: Emergency action within 12 hours
-- unit: share
-- statistic: share
-- subject: cases
-- scope: cohort
-- direction: rise_is_good
-- deadline: emergency_action
-- numerator: due members whose emergency_action_at <= received_at + {limits}
-- numerator_vi: các vụ việc đến hạn có emergency_action_at không muộn hơn received_at + {limits}
-- denominator: emergency cohort members that are due (action before as-of, or deadline before as-of)
-- denominator_vi: các vụ việc khẩn cấp của nhóm đã đến hạn (đã can thiệp trước thời điểm chốt hoặc đã quá hạn trước thời điểm chốt)
-- numerator_quantity: emergency_on_time
-- denominator_quantity: emergency_due
-- cohort: cases of the cohort with emergency = true
-- cohort_vi: các vụ việc của nhóm có emergency = true
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decree 56/2017/NĐ-CP, Art. 26(3)
-- legal_basis_vi: Nghị định 56/2017/NĐ-CP, Điều 26 khoản 3
SELECT *, is_on_time(emergency_action_at, emergency_deadline, $as_of) AS success
FROM case_cohort($period_start, $period_end, $as_of)
WHERE emergency AND is_due(emergency_action_at, emergency_deadline, $as_of)
