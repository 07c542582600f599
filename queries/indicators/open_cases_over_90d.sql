-- id: open_cases_over_90d
-- label_vi: Số vụ việc tồn đọng quá 90 ngày
-- label_en: Open cases older than 90 days
-- unit: count
-- statistic: count
-- subject: cases
-- scope: request
-- direction: rise_is_bad
-- deadline: none
-- numerator: open cases with received_at < as-of - 90 days
-- numerator_vi: các vụ việc chưa kết thúc có received_at trước thời điểm chốt trừ 90 ngày
-- denominator: 
-- denominator_vi:
-- numerator_quantity: open_cases_over_90d
-- denominator_quantity: none
-- cohort: all cases (not only the cohort) with received_at < as-of
-- cohort_vi: mọi vụ việc (không chỉ nhóm của kỳ) có received_at trước thời điểm chốt
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
-- legal_basis_vi: Quyết định 830/QĐ-TTg (Chương trình bảo vệ và hỗ trợ trẻ em tương tác lành mạnh, sáng tạo trên môi trường mạng)
SELECT * FROM case_facts
WHERE received_at < $as_of AND NOT coalesce(closed_at < $as_of, false)
  AND received_at < $as_of - INTERVAL 90 DAY
