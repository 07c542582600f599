-- id: closure_days_km_median
-- label_vi: Thời gian giải quyết (ngày, Kaplan-Meier)
-- label_en: Days to closure (Kaplan-Meier median)
-- unit: days
-- statistic: km_median
-- subject: cases
-- scope: cohort
-- direction: rise_is_bad
-- deadline: none
-- numerator: 
-- numerator_vi:
-- denominator: the whole cohort; open members censored at as-of
-- denominator_vi: toàn bộ nhóm; các vụ việc chưa kết thúc được tính là quan sát bị chặn (censored) tại thời điểm chốt
-- numerator_quantity: none
-- denominator_quantity: cases_received
-- cohort: cases received in the period ($period_start <= received_at < $period_end) and before as-of ($as_of)
-- cohort_vi: các vụ việc tiếp nhận trong kỳ ($period_start <= received_at < $period_end) và trước thời điểm chốt số liệu ($as_of)
-- breakdowns: area, abuse_type, channel, receiving_agency, victim_sex, age_band, platform
-- legal_basis: Decision 830/QĐ-TTg (programme on protecting and supporting children online)
-- legal_basis_vi: Quyết định 830/QĐ-TTg (Chương trình bảo vệ và hỗ trợ trẻ em tương tác lành mạnh, sáng tạo trên môi trường mạng)
SELECT *,
    days_between(received_at, CASE WHEN closed_at < $as_of THEN closed_at ELSE $as_of END) AS duration,
    coalesce(closed_at < $as_of, false) AS event
FROM case_cohort($period_start, $period_end, $as_of)
