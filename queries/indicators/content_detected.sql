-- id: content_detected
-- label_vi: Số nội dung xâm hại phát hiện
-- label_en: Abusive content items detected
-- unit: count
-- statistic: count
-- subject: content
-- numerator: items
-- numerator_vi: số nội dung
-- denominator: 
-- denominator_vi:
-- numerator_quantity: content_detected
-- denominator_quantity: none
-- cohort: content items with detected_at in the period and before as-of
-- cohort_vi: các nội dung có detected_at trong kỳ và trước thời điểm chốt số liệu
-- breakdowns: area, source, platform, content_type, category
-- legal_basis: Decision 830/QĐ-TTg; coordination regulation (tracking of child sexual abuse material)
-- legal_basis_vi: Quyết định 830/QĐ-TTg; Quy chế phối hợp (theo dõi nội dung xâm hại tình dục trẻ em)
SELECT * FROM content_reports
WHERE detected_at >= $period_start AND detected_at < $period_end AND detected_at < $as_of
