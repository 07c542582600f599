-- id: cases_confirmed
-- label_vi: Số vụ việc được xác minh có xâm hại
-- label_en: Cases confirmed as abuse
-- unit: count
-- statistic: count
-- subject: cases
-- numerator: cohort members with assessment_result = CONFIRMED and assessed_at < as-of
-- numerator_vi: các vụ việc của nhóm có assessment_result = CONFIRMED và assessed_at trước thời điểm chốt
-- denominator: 
-- denominator_vi:
-- numerator_quantity: cases_confirmed
-- denominator_quantity: none
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
-- legal_basis_vi: Quyết định 830/QĐ-TTg (Chương trình bảo vệ và hỗ trợ trẻ em tương tác lành mạnh, sáng tạo trên môi trường mạng)
SELECT * FROM case_cohort($period_start, $period_end, $as_of)
WHERE assessment_result = 'CONFIRMED' AND assessed_at < $as_of
