-- id: support_plan_on_time
-- label_vi: Lập kế hoạch hỗ trợ trong 5 ngày làm việc
-- label_en: Support plan within 5 working days
-- unit: share
-- statistic: share
-- subject: cases
-- scope: cohort
-- direction: rise_is_good
-- deadline: support_plan
-- numerator: due members whose support_plan_at <= the end of the day of receipt plus {limits}
-- numerator_vi: các vụ việc đến hạn có support_plan_at không muộn hơn cuối ngày tiếp nhận cộng {limits}
-- denominator: confirmed cohort members (assessed before as-of) that are due
-- denominator_vi: các vụ việc được xác nhận của nhóm (đánh giá trước thời điểm chốt) đã đến hạn
-- numerator_quantity: support_plan_on_time
-- denominator_quantity: support_plan_due
-- cohort: cases of the cohort with assessment_result = CONFIRMED, assessed before as-of
-- cohort_vi: các vụ việc của nhóm có assessment_result = CONFIRMED, đánh giá trước thời điểm chốt
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decree 56/2017/NĐ-CP, Art. 28(1)
-- legal_basis_vi: Nghị định 56/2017/NĐ-CP, Điều 28 khoản 1
SELECT *, is_on_time(support_plan_at, support_plan_deadline, $as_of) AS success
FROM case_cohort($period_start, $period_end, $as_of)
WHERE assessment_result = 'CONFIRMED' AND assessed_at < $as_of
  AND is_due(support_plan_at, support_plan_deadline, $as_of)
