-- id: criminal_decision_on_time
-- label_vi: Giải quyết tố giác đúng hạn (Điều 147)
-- label_en: Decision on the crime report on time (Art. 147)
-- unit: share
-- statistic: share
-- subject: cases
-- scope: request
-- direction: rise_is_good
-- deadline: criminal_decision
-- numerator: due members whose criminal_decision_at <= the end of the day of police receipt plus {limits}
-- numerator_vi: các vụ việc đến hạn có criminal_decision_at không muộn hơn cuối ngày cơ quan công an tiếp nhận cộng {limits}
-- denominator: cases whose police_received_at lies in the period, that are due
-- denominator_vi: các vụ việc có police_received_at trong kỳ và đã đến hạn
-- numerator_quantity: criminal_decision_on_time
-- denominator_quantity: criminal_decision_due
-- cohort: cases whose police_received_at lies in the period ($period_start <= police_received_at < $period_end) and before as-of
-- cohort_vi: các vụ việc có police_received_at trong kỳ ($period_start <= police_received_at < $period_end) và trước thời điểm chốt
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Criminal Procedure Code 2015, Art. 147
-- legal_basis_vi: Bộ luật Tố tụng hình sự 2015, Điều 147
SELECT *, is_on_time(criminal_decision_at, criminal_decision_deadline, $as_of) AS success
FROM case_facts
WHERE police_received_at >= $period_start AND police_received_at < $period_end AND police_received_at < $as_of
  AND is_due(criminal_decision_at, criminal_decision_deadline, $as_of)
