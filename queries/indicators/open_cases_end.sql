-- id: open_cases_end
-- label_vi: Số vụ việc tồn đọng cuối kỳ
-- label_en: Open cases at the end of the period
-- unit: count
-- statistic: count
-- subject: cases
-- numerator: cases received before as-of and not closed before as-of
-- numerator_vi: các vụ việc tiếp nhận trước thời điểm chốt và chưa kết thúc trước thời điểm chốt
-- denominator: 
-- denominator_vi:
-- numerator_quantity: open_cases_end
-- denominator_quantity: none
-- cohort: all cases (not only the cohort) with received_at < as-of
-- cohort_vi: mọi vụ việc (không chỉ nhóm của kỳ) có received_at trước thời điểm chốt
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
-- legal_basis_vi: Quyết định 830/QĐ-TTg (Chương trình bảo vệ và hỗ trợ trẻ em tương tác lành mạnh, sáng tạo trên môi trường mạng)
SELECT * FROM case_facts
WHERE received_at < $as_of AND NOT coalesce(closed_at < $as_of, false)
