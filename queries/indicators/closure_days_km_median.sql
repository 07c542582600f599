-- id: closure_days_km_median
-- label_vi: Thời gian giải quyết (ngày, Kaplan-Meier)
-- label_en: Days to closure (Kaplan-Meier median)
-- unit: days
-- statistic: km_median
-- subject: cases
-- numerator: 
-- denominator: the whole cohort; open members censored at as-of
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
SELECT *,
    days_between(received_at, CASE WHEN closed_at < $as_of THEN closed_at ELSE $as_of END) AS duration,
    coalesce(closed_at < $as_of, false) AS event
FROM case_cohort($period_start, $period_end, $as_of)
