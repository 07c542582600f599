-- id: takedown_requested
-- label_vi: Số yêu cầu gỡ bỏ
-- label_en: Takedown requests
-- unit: count
-- statistic: count
-- subject: content
-- numerator: items
-- denominator: 
-- cohort: content items with takedown_requested_at in the period and before as-of
-- breakdowns: area, source, platform, content_type, category
-- legal_basis: Decree 147/2024/NĐ-CP
SELECT * FROM content_facts
WHERE takedown_requested_at >= $period_start AND takedown_requested_at < $period_end AND takedown_requested_at < $as_of
