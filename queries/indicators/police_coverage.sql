-- id: police_coverage
-- label_vi: Tỷ lệ vụ việc có dấu hiệu tội phạm đã chuyển Công an
-- label_en: Share of criminal-form cases that reached the police
-- unit: share
-- statistic: share
-- subject: cases
-- scope: cohort
-- direction: rise_is_good
-- deadline: none
-- numerator: of those, cases with police_received_at before as-of or received by the police (CA) first
-- numerator_vi: trong đó, các vụ việc có police_received_at trước thời điểm chốt hoặc do Công an (CA) tiếp nhận
-- denominator: confirmed cohort members (assessed before as-of) with abuse_type in SEXUAL_ABUSE, CSAM, GROOMING, SEXTORTION, LIVESTREAM, EXPLOITATION
-- denominator_vi: các vụ việc được xác minh có xâm hại (trước thời điểm chốt) thuộc SEXUAL_ABUSE, CSAM, GROOMING, SEXTORTION, LIVESTREAM, EXPLOITATION
-- numerator_quantity: police_reached
-- denominator_quantity: cases_confirmed_criminal
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Coordination regulation of 9 May 2023; Criminal Procedure Code 2015, Art. 145-146
-- legal_basis_vi: Quy chế phối hợp ngày 09/5/2023; Bộ luật Tố tụng hình sự 2015, Điều 145-146
SELECT *, coalesce(police_received_at < $as_of, false) OR receiving_agency = 'CA' AS success
FROM case_cohort($period_start, $period_end, $as_of)
WHERE assessment_result = 'CONFIRMED' AND assessed_at < $as_of
  AND abuse_type IN ('SEXUAL_ABUSE', 'CSAM', 'GROOMING', 'SEXTORTION', 'LIVESTREAM', 'EXPLOITATION')
