-- id: open_cases_end
-- label_vi: Số vụ việc tồn đọng cuối kỳ
-- label_en: Open cases at the end of the period
-- unit: count
-- statistic: count
-- subject: cases
-- numerator: cases received before as-of and not closed before as-of
-- denominator: 
-- cohort: all cases (not only the cohort) with received_at < as-of
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
SELECT * FROM case_facts
WHERE received_at < $as_of AND NOT coalesce(closed_at < $as_of, false)
