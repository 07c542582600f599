-- id: rate_confirmed
-- label_vi: Tỷ lệ xâm hại được xác minh /100.000 trẻ em
-- label_en: Confirmed abuse per 100,000 children
-- unit: per_100k
-- statistic: rate
-- subject: cases
-- numerator: cases_confirmed
-- numerator_vi: cases_confirmed
-- denominator: children under 16 of the area in the period's year (F + M)
-- denominator_vi: số trẻ em dưới 16 tuổi của địa bàn trong năm của kỳ (nữ + nam)
-- numerator_quantity: cases_confirmed
-- denominator_quantity: population
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
-- legal_basis_vi: Quyết định 830/QĐ-TTg (Chương trình bảo vệ và hỗ trợ trẻ em tương tác lành mạnh, sáng tạo trên môi trường mạng)
SELECT * FROM case_cohort($period_start, $period_end, $as_of)
WHERE assessment_result = 'CONFIRMED' AND assessed_at < $as_of
