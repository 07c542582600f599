-- id: confirmed_share
-- label_vi: Tỷ lệ xác minh có xâm hại
-- label_en: Share of verified cases confirmed as abuse
-- unit: share
-- statistic: share
-- subject: cases
-- numerator: members with assessment_result = CONFIRMED
-- denominator: cohort members assessed before as-of
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
SELECT *, assessment_result = 'CONFIRMED' AS success
FROM case_cohort($period_start, $period_end, $as_of)
WHERE assessed_at < $as_of
