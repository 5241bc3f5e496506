-- 004: `/reminders pause until:` keeps the planned resume instant in next_reminder_at of a
-- paused enrolment; the sweep finds the ones due to resume through this partial index.
CREATE INDEX enrolments_resume ON enrolments (next_reminder_at, id) WHERE status = 'paused';
