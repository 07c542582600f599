-- id: content_detected
-- label_vi: Số nội dung xâm hại phát hiện
-- label_en: Abusive content items detected
-- unit: count
-- statistic: count
-- subject: content
-- numerator: items
-- denominator: 
-- cohort: content items with detected_at in the period and before as-of
-- breakdowns: area, source, platform, content_type, category
-- legal_basis: Decision 830/QĐ-TTg; coordination regulation (tracking of child sexual abuse material)
SELECT * FROM content_facts
WHERE detected_at >= $period_start AND detected_at < $period_end AND detected_at < $as_of
