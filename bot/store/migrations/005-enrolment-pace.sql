-- 005: each enrolment follows a pace through its pathway ('as-written', or 'N-months' for a
-- bound of the pathway's stated timeline). Enrolments made before paces existed keep the
-- phases' own weeks, exactly the behaviour they were enrolled with: 'as-written'.
ALTER TABLE enrolments ADD COLUMN pace TEXT NOT NULL DEFAULT 'as-written';
