-- id: open_cases_over_90d
-- label_vi: Số vụ việc tồn đọng quá 90 ngày
-- label_en: Open cases older than 90 days
-- unit: count
-- statistic: count
-- subject: cases
-- numerator: open cases with received_at < as-of - 90 days
-- denominator: 
-- cohort: all cases (not only the cohort) with received_at < as-of
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
SELECT * FROM case_facts
WHERE received_at < $as_of AND NOT coalesce(closed_at < $as_of, false)
  AND received_at < $as_of - INTERVAL 90 DAY
