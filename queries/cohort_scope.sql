-- The cases of a request whose case indicators all read cohorts (case_cohort: cases
-- received in the period, before as-of), such as the trend periods of a report: the
-- narrower sibling of case_scope.sql. A test computes each indicator alone (so in the
-- narrowest scope it allows) and over all cases and requires the same rows.
CREATE TEMP TABLE fact_cases AS
SELECT * FROM cases
WHERE province_code IN (SELECT province_code FROM reach_sources)
  AND received_at >= $period_start AND received_at < $period_end AND received_at < $as_of
