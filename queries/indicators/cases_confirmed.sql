-- id: cases_confirmed
-- label_vi: Số vụ việc được xác minh có xâm hại
-- label_en: Cases confirmed as abuse
-- unit: count
-- statistic: count
-- subject: cases
-- numerator: cohort members with assessment_result = CONFIRMED and assessed_at < as-of
-- denominator: 
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
SELECT * FROM case_cohort($period_start, $period_end, $as_of)
WHERE assessment_result = 'CONFIRMED' AND assessed_at < $as_of
