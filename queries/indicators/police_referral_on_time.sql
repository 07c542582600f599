-- id: police_referral_on_time
-- label_vi: Chuyển Công an kịp thời
-- label_en: Referral to the police on time
-- unit: share
-- statistic: share
-- subject: cases
-- scope: cohort
-- direction: rise_is_good
-- deadline: police_referral
-- numerator: due members whose police_received_at <= received_at + {limits}
-- numerator_vi: các vụ việc đến hạn có police_received_at không muộn hơn received_at + {limits}
-- denominator: members of police_coverage's denominator whose receiving_agency is not CA, that are due (police_received_at before as-of, or the limit passed)
-- denominator_vi: các vụ việc thuộc mẫu số của police_coverage không do Công an tiếp nhận, đã đến hạn (đã chuyển trước thời điểm chốt, hoặc đã quá hạn)
-- numerator_quantity: police_referral_on_time
-- denominator_quantity: police_referral_due
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Criminal Procedure Code 2015, Art. 146(2) ("ngay": at once)
-- legal_basis_vi: Bộ luật Tố tụng hình sự 2015, Điều 146 khoản 2 ("ngay")
SELECT *, is_on_time(police_received_at, police_referral_deadline, $as_of) AS success
FROM case_cohort($period_start, $period_end, $as_of)
WHERE assessment_result = 'CONFIRMED' AND assessed_at < $as_of
  AND abuse_type IN ('SEXUAL_ABUSE', 'CSAM', 'GROOMING', 'SEXTORTION', 'LIVESTREAM', 'EXPLOITATION')
  AND receiving_agency <> 'CA'
  AND is_due(police_received_at, police_referral_deadline, $as_of)
