-- id: closure_days_median
-- label_vi: Thời gian giải quyết (ngày)
-- label_en: Days to closure (median)
-- unit: days
-- statistic: median
-- subject: cases
-- numerator: 
-- denominator: cohort members closed before as-of
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
SELECT *, days_between(received_at, closed_at) AS duration
FROM case_cohort($period_start, $period_end, $as_of)
WHERE closed_at < $as_of
