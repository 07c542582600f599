-- id: social_referral_on_time
-- label_vi: Chuyển cơ quan bảo vệ trẻ em kịp thời
-- label_en: Referral to the child-protection agency on time
-- unit: share
-- statistic: share
-- subject: cases
-- scope: cohort
-- direction: rise_is_good
-- deadline: social_referral
-- numerator: due members whose social_received_at <= received_at + {limits}
-- numerator_vi: các vụ việc đến hạn có social_received_at không muộn hơn received_at + {limits}
-- denominator: cohort members whose receiving agency is not the child-protection agency in force on the day of receipt, that are due (social_received_at before as-of, or the limit passed)
-- denominator_vi: các vụ việc của nhóm không do cơ quan bảo vệ trẻ em (theo ngày tiếp nhận) tiếp nhận đầu tiên, đã đến hạn (đã chuyển trước thời điểm chốt, hoặc đã quá hạn)
-- numerator_quantity: social_referral_on_time
-- denominator_quantity: social_referral_due
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decree 56/2017/NĐ-CP, Art. 25 ("ngay": at once)
-- legal_basis_vi: Nghị định 56/2017/NĐ-CP, Điều 25 ("ngay")
SELECT *, is_on_time(social_received_at, social_referral_deadline, $as_of) AS success
FROM case_cohort($period_start, $period_end, $as_of)
WHERE NOT received_by_child_protection
  AND is_due(social_received_at, social_referral_deadline, $as_of)
