-- id: takedown_removed_share
-- label_vi: Tỷ lệ gỡ bỏ thành công
-- label_en: Share of takedown requests removed
-- unit: share
-- statistic: share
-- subject: content
-- numerator: requested items with removed_at before as-of
-- denominator: takedown_requested
-- cohort: content items with takedown_requested_at in the period and before as-of
-- breakdowns: area, source, platform, content_type, category
-- legal_basis: Decree 147/2024/NĐ-CP
SELECT *, coalesce(removed_at < $as_of, false) AS success FROM content_facts
WHERE takedown_requested_at >= $period_start AND takedown_requested_at < $period_end AND takedown_requested_at < $as_of
