-- One action vocabulary (hafeniq_chain.core.actions.Action), lowercase, in every table that
-- stores an action. The withdrawal engine used to write its API verdicts here
-- (APPROVED/HOLD/BLOCKED) next to fusion's policy actions (allow ... reject); the API still
-- answers with those verdicts, rendered from the stored action.
-- The audit log is not rewritten: its rows are hash-chained and record what was decided
-- in the words of the day (APPROVED = allow, HOLD = quarantine, BLOCKED = reject).
UPDATE incidents SET action = CASE action
    WHEN 'APPROVED' THEN 'allow' WHEN 'HOLD' THEN 'quarantine' WHEN 'BLOCKED' THEN 'reject'
    ELSE lower(action) END
WHERE action <> lower(action) OR action IN ('APPROVED', 'HOLD', 'BLOCKED');

UPDATE decisions SET action = CASE action
    WHEN 'APPROVED' THEN 'allow' WHEN 'HOLD' THEN 'quarantine' WHEN 'BLOCKED' THEN 'reject'
    ELSE lower(action) END
WHERE action <> lower(action);

ALTER TABLE incidents ADD CONSTRAINT incidents_action_vocabulary CHECK (action IN
    ('allow', 'log_only', 'alert_only', 'throttle', 'challenge', 'quarantine', 'reject'));
ALTER TABLE decisions ADD CONSTRAINT decisions_action_vocabulary CHECK (action IN
    ('allow', 'log_only', 'alert_only', 'throttle', 'challenge', 'quarantine', 'reject'));
