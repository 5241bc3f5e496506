-- 004: planned resumes of paused enrolments (see the SQLite twin).
CREATE INDEX enrolments_resume ON enrolments (next_reminder_at, id) WHERE status = 'paused';
