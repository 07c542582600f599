-- id: confirmed_share
-- label_vi: Tỷ lệ xác minh có xâm hại
-- label_en: Share of verified cases confirmed as abuse
-- unit: share
-- statistic: share
-- subject: cases
-- scope: cohort
-- direction: rise_is_good
-- deadline: none
-- numerator: members with assessment_result = CONFIRMED
-- numerator_vi: các vụ việc có assessment_result = CONFIRMED
-- denominator: cohort members assessed before as-of
-- denominator_vi: các vụ việc của nhóm đã được đánh giá trước thời điểm chốt
-- numerator_quantity: cases_confirmed
-- denominator_quantity: cases_assessed
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
-- legal_basis_vi: Quyết định 830/QĐ-TTg (Chương trình bảo vệ và hỗ trợ trẻ em tương tác lành mạnh, sáng tạo trên môi trường mạng)
SELECT *, assessment_result = 'CONFIRMED' AS success
FROM case_cohort($period_start, $period_end, $as_of)
WHERE assessed_at < $as_of
