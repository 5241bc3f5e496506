-- 005: each enrolment's pace; older enrolments keep the phases' own weeks (see the twin).
ALTER TABLE enrolments ADD COLUMN pace TEXT NOT NULL DEFAULT 'as-written';
