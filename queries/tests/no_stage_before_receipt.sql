-- No stage of a case happens before its receipt, and no content item is removed
-- before its takedown was requested (the loader refuses such rows; this checks the
-- store holds none).
SELECT case_id AS id FROM cases
WHERE assessed_at < received_at OR emergency_action_at < received_at
   OR police_received_at < received_at OR support_plan_at < received_at
   OR support_started_at < received_at OR criminal_decision_at < received_at
   OR closed_at < received_at
UNION ALL
SELECT report_id FROM content_reports
WHERE removed_at < takedown_requested_at
