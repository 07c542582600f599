-- Shared steps of every indicator, defined once per session as temporary objects (the
-- store itself is never changed): the working-day calendar, each case's and content
-- item's deadlines, age bands, and the cohorts. Values never appear here: the period and
-- as-of reach the indicators as bound named parameters: $period_start, $period_end (the
-- first moment after the period) and $as_of.
--
-- Expects the temporary table deadline_rules(stage, unit, amount, condition, valid_from,
-- valid_to, legal_basis), filled from queries/deadlines.toml, and
-- child_protection_agencies(code, valid_from, valid_to), from queries/parts.toml and
-- queries/agencies.toml.

-- The rows a report describes: those whose source province is in reach_sources (a
-- province and the former provinces it was formed from, or every province for the
-- nation), each under its area as coded or, for the nation, under its province of the
-- period. The session fills reach_sources for each period.
CREATE OR REPLACE TEMP VIEW reported_cases AS
SELECT c.* REPLACE (coalesce(r.reported_as, c.area_code) AS area_code)
FROM cases AS c JOIN reach_sources AS r ON r.province_code = c.province_code;

CREATE OR REPLACE TEMP VIEW reported_content AS
SELECT c.* REPLACE (coalesce(r.reported_as, c.area_code) AS area_code)
FROM content_reports AS c JOIN reach_sources AS r ON r.province_code = c.province_code;

-- Working days: Monday to Friday less HOLIDAY dates, plus WORKDAY dates (make-up days).
-- `ordinal` counts working days up to and including the day.
CREATE OR REPLACE TEMP TABLE calendar_days AS
WITH days AS (
    SELECT CAST(d AS DATE) AS day
    FROM range(TIMESTAMP '2000-01-01', TIMESTAMP '2101-01-01', INTERVAL 1 DAY) AS t(d)
),
flagged AS (
    SELECT
        days.day,
        CASE
            WHEN h.kind = 'WORKDAY' THEN true
            WHEN h.kind = 'HOLIDAY' THEN false
            ELSE isodow(days.day) <= 5
        END AS is_working
    FROM days
    LEFT JOIN (SELECT date, any_value(kind) AS kind FROM holidays GROUP BY date) AS h
        ON h.date = days.day
)
SELECT day, is_working, sum(CAST(is_working AS INTEGER)) OVER (ORDER BY day) AS ordinal
FROM flagged;

CREATE OR REPLACE TEMP TABLE working_day_by_ordinal AS
SELECT ordinal, day FROM calendar_days WHERE is_working;

-- The end of N working days from each day, for every N a rule counts in working days:
-- the first moment after the working day whose ordinal is N more than the day's (a day
-- off counts from the working day before it). A table joined by day and N: as a
-- subquery of each case, the lookup copied every case's facts once per stage (most of
-- the time of a report's facts over a million cases).
CREATE OR REPLACE TEMP TABLE working_day_deadlines AS
SELECT c.day, n.amount, CAST(w.day + INTERVAL 1 DAY AS TIMESTAMP) AS deadline
FROM calendar_days AS c
CROSS JOIN (SELECT DISTINCT CAST(amount AS INTEGER) AS amount FROM deadline_rules WHERE unit = 'working_days') AS n
JOIN working_day_by_ordinal AS w ON w.ordinal = c.ordinal + n.amount;

-- The rule of a stage for a start moment: the flagged rule when the flag is set and one
-- is valid, else the general rule. `working_deadline` is the start day's row of
-- working_day_deadlines for the rule's amount (NULL for a stage never counted in
-- working days).
CREATE OR REPLACE TEMP MACRO deadline_after(start_at, rule_unit, rule_amount, working_deadline) AS
    CASE rule_unit
        WHEN 'hours' THEN start_at + to_microseconds(CAST(round(rule_amount * 3600000000) AS BIGINT))
        WHEN 'days' THEN CAST(CAST(start_at AS DATE) + to_days(CAST(rule_amount AS INTEGER) + 1) AS TIMESTAMP)
        WHEN 'months' THEN CAST(CAST(start_at AS DATE) + to_months(CAST(rule_amount AS INTEGER)) AS TIMESTAMP) + INTERVAL 1 DAY
        WHEN 'working_days' THEN working_deadline
    END;

CREATE OR REPLACE TEMP VIEW rule_choice AS
SELECT stage, unit, amount, condition, coalesce(valid_from, DATE '1900-01-01') AS valid_from,
       coalesce(valid_to, DATE '9999-12-31') AS valid_to
FROM deadline_rules;

-- Each case of `fact_cases` (made by the session before this file) with its facts. `fact_cases` holds the cases whose facts are
-- computed: every case of the provinces reported, under its area as coded (a case's facts
-- do not depend on the area it is reported under), until a request narrows them to those
-- it can need (queries/case_scope.sql). Indicators read `case_facts`: these facts, or a
-- table of them computed once for many queries, each case under the area its whole
-- reports it as (src/store/facts.rs makes both views).
CREATE OR REPLACE TEMP VIEW facts_of_fact_cases AS
-- The agencies and days of receipt of the child-protection role, among the cases'
-- (joined by them, not asked of each case: a subquery of each case copied every case's
-- facts once more).
WITH child_protection_receipts AS (
    SELECT DISTINCT c.receiving_agency, CAST(c.received_at AS DATE) AS day
    FROM fact_cases AS c
    JOIN child_protection_agencies AS cp
      ON cp.code = c.receiving_agency
     AND CAST(c.received_at AS DATE) BETWEEN coalesce(cp.valid_from, DATE '1900-01-01')
                                         AND coalesce(cp.valid_to, DATE '9999-12-31')
),
base AS (
    SELECT
        c.*,
        CASE
            WHEN c.victim_age IS NULL THEN 'unknown'
            WHEN c.victim_age <= 5 THEN '0-5'
            WHEN c.victim_age <= 10 THEN '6-10'
            WHEN c.victim_age <= 13 THEN '11-13'
            WHEN c.victim_age <= 15 THEN '14-15'
            ELSE '16-17'
        END AS age_band,
        coalesce(c.platform, 'unknown') AS platform_band,
        -- Received first by the agency playing the child-protection role on the day of
        -- receipt (queries/parts.toml through the agency registry: LDTBXH, SYT from
        -- 2025-03-01, the former code counted under its successor after its end).
        cp.day IS NOT NULL AS received_by_child_protection
    FROM fact_cases AS c
    LEFT JOIN child_protection_receipts AS cp
        ON cp.receiving_agency = c.receiving_agency AND cp.day = CAST(c.received_at AS DATE)
),
with_rules AS (
    SELECT
        b.*,
        coalesce(ea.unit, eg.unit) AS emergency_unit, coalesce(ea.amount, eg.amount) AS emergency_amount,
        sp.unit AS support_unit, sp.amount AS support_amount,
        coalesce(cc.unit, cg.unit) AS criminal_unit, coalesce(cc.amount, cg.amount) AS criminal_amount,
        sr.unit AS social_referral_unit, sr.amount AS social_referral_amount,
        pr.unit AS police_referral_unit, pr.amount AS police_referral_amount
    FROM base AS b
    LEFT JOIN rule_choice AS ea ON ea.stage = 'emergency_action' AND ea.condition = 'emergency' AND b.emergency
        AND CAST(b.received_at AS DATE) BETWEEN ea.valid_from AND ea.valid_to
    LEFT JOIN rule_choice AS eg ON eg.stage = 'emergency_action' AND eg.condition IS NULL
        AND CAST(b.received_at AS DATE) BETWEEN eg.valid_from AND eg.valid_to
    LEFT JOIN rule_choice AS sp ON sp.stage = 'support_plan' AND sp.condition IS NULL
        AND CAST(b.received_at AS DATE) BETWEEN sp.valid_from AND sp.valid_to
    LEFT JOIN rule_choice AS cc ON cc.stage = 'criminal_decision' AND cc.condition = 'complex' AND b.complex_case
        AND CAST(b.police_received_at AS DATE) BETWEEN cc.valid_from AND cc.valid_to
    LEFT JOIN rule_choice AS cg ON cg.stage = 'criminal_decision' AND cg.condition IS NULL
        AND CAST(b.police_received_at AS DATE) BETWEEN cg.valid_from AND cg.valid_to
    LEFT JOIN rule_choice AS sr ON sr.stage = 'social_referral' AND sr.condition IS NULL
        AND CAST(b.received_at AS DATE) BETWEEN sr.valid_from AND sr.valid_to
    LEFT JOIN rule_choice AS pr ON pr.stage = 'police_referral' AND pr.condition IS NULL
        AND CAST(b.received_at AS DATE) BETWEEN pr.valid_from AND pr.valid_to
)
SELECT
    w.*,
    deadline_after(w.received_at, w.emergency_unit, w.emergency_amount, ew.deadline) AS emergency_deadline,
    deadline_after(w.received_at, w.support_unit, w.support_amount, sw.deadline) AS support_plan_deadline,
    deadline_after(w.police_received_at, w.criminal_unit, w.criminal_amount, NULL) AS criminal_decision_deadline,
    deadline_after(w.received_at, w.social_referral_unit, w.social_referral_amount, rw.deadline)
        AS social_referral_deadline,
    deadline_after(w.received_at, w.police_referral_unit, w.police_referral_amount, pw.deadline)
        AS police_referral_deadline
FROM with_rules AS w
LEFT JOIN working_day_deadlines AS ew
    ON ew.day = CAST(w.received_at AS DATE) AND ew.amount = CAST(w.emergency_amount AS INTEGER)
LEFT JOIN working_day_deadlines AS sw
    ON sw.day = CAST(w.received_at AS DATE) AND sw.amount = CAST(w.support_amount AS INTEGER)
LEFT JOIN working_day_deadlines AS rw
    ON rw.day = CAST(w.received_at AS DATE) AND rw.amount = CAST(w.social_referral_amount AS INTEGER)
LEFT JOIN working_day_deadlines AS pw
    ON pw.day = CAST(w.received_at AS DATE) AND pw.amount = CAST(w.police_referral_amount AS INTEGER);

-- Content items with their takedown deadline. Only an indicator that needs the deadline
-- reads this view; the others read content_reports itself (the same rows, since rules of
-- a stage never cover the same day): the rule joins cost about a second a query over a
-- year of a hundred million items.
CREATE OR REPLACE TEMP VIEW content_facts AS
SELECT
    c.*,
    deadline_after(c.takedown_requested_at, coalesce(te.unit, tg.unit), coalesce(te.amount, tg.amount), NULL)
        AS takedown_deadline
FROM reported_content AS c
LEFT JOIN rule_choice AS te ON te.stage = 'takedown' AND te.condition = 'emergency' AND c.emergency
    AND CAST(c.takedown_requested_at AS DATE) BETWEEN te.valid_from AND te.valid_to
LEFT JOIN rule_choice AS tg ON tg.stage = 'takedown' AND tg.condition IS NULL
    AND CAST(c.takedown_requested_at AS DATE) BETWEEN tg.valid_from AND tg.valid_to;

-- @case_facts
-- The session makes `case_facts` here (src/store/facts.rs), before what reads it.

-- Cohort of a period: cases received in [start, end) that have been received by as-of.
CREATE OR REPLACE TEMP MACRO case_cohort(period_start, period_end, as_of) AS TABLE
SELECT * FROM case_facts
WHERE received_at >= period_start AND received_at < period_end AND received_at < as_of;

-- Durations in the units of the dictionary: seconds / 3600 and seconds / 86400, in that
-- order, so a recomputation from whole seconds gets the same double.
CREATE OR REPLACE TEMP MACRO hours_between(from_at, to_at) AS
    (epoch_us(to_at) - epoch_us(from_at)) / 1000000.0 / 3600.0;
CREATE OR REPLACE TEMP MACRO days_between(from_at, to_at) AS
    (epoch_us(to_at) - epoch_us(from_at)) / 1000000.0 / 86400.0;

-- On time under the "due" rule: a member is due when its stage happened before as-of or
-- its deadline has passed (deadline < as-of); it is on time when the stage happened
-- (before as-of) at or before the deadline.
CREATE OR REPLACE TEMP MACRO is_due(stage_at, deadline, as_of) AS
    coalesce(stage_at < as_of, false) OR coalesce(deadline < as_of, false);
CREATE OR REPLACE TEMP MACRO is_on_time(stage_at, deadline, as_of) AS
    coalesce(stage_at < as_of AND stage_at <= deadline, false);
