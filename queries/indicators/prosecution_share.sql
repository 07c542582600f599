-- id: prosecution_share
-- label_vi: Tỷ lệ khởi tố
-- label_en: Share of decisions that prosecute
-- unit: share
-- statistic: share
-- subject: cases
-- scope: request
-- direction: rise_is_good
-- deadline: none
-- numerator: members with criminal_decision = PROSECUTED
-- numerator_vi: các vụ việc có criminal_decision = PROSECUTED
-- denominator: cases whose criminal_decision_at lies in the period
-- denominator_vi: các vụ việc có criminal_decision_at trong kỳ
-- numerator_quantity: cases_prosecuted
-- denominator_quantity: criminal_decisions
-- cohort: cases whose criminal_decision_at lies in the period ($period_start <= criminal_decision_at < $period_end) and before as-of
-- cohort_vi: các vụ việc có criminal_decision_at trong kỳ ($period_start <= criminal_decision_at < $period_end) và trước thời điểm chốt
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Criminal Procedure Code 2015, Art. 147
-- legal_basis_vi: Bộ luật Tố tụng hình sự 2015, Điều 147
SELECT *, criminal_decision = 'PROSECUTED' AS success
FROM case_facts
WHERE criminal_decision_at >= $period_start AND criminal_decision_at < $period_end AND criminal_decision_at < $as_of
