-- The cases one request can need, of the provinces its whole reports, under their areas
-- as coded (`case_facts` reports them as the whole does). Their facts (staging.sql:
-- facts_of_fact_cases) are then computed once into a table that every case indicator reads:
-- evaluating the rule joins and working-day lookups over a whole store once per
-- indicator was most of the time and memory on a large store. An indicator may select
-- only cases that are
--   received in the period (the cohorts),
--   received by the police in the period (criminal_decision_on_time),
--   decided by the police in the period (prosecution_share),
--   or open at as-of (open_cases_end, open_cases_over_90d).
-- A test computes every indicator both this way and over all cases and requires the
-- same rows, so an indicator that needs other cases fails it.
CREATE TEMP TABLE fact_cases AS
SELECT * FROM cases
WHERE province_code IN (SELECT province_code FROM reach_sources)
  AND ((received_at >= $period_start AND received_at < $period_end)
   OR (police_received_at >= $period_start AND police_received_at < $period_end)
   OR (criminal_decision_at >= $period_start AND criminal_decision_at < $period_end)
   OR (received_at < $as_of AND NOT coalesce(closed_at < $as_of, false)))
