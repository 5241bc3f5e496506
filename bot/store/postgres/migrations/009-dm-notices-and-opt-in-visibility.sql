-- 009: closed-DM notices said once, and opt-in visibility (see the twin in bot/store/migrations).
ALTER TABLE guild_settings ADD COLUMN dm_closed_notice INTEGER NOT NULL DEFAULT 0
    CHECK (dm_closed_notice IN (0, 1));
ALTER TABLE learners ADD COLUMN dm_closed_told_at BIGINT;
ALTER TABLE learners ADD COLUMN dm_notice_posted_at BIGINT;
ALTER TABLE learners ALTER COLUMN visibility SET DEFAULT 'hidden';
UPDATE learners SET visibility = 'hidden';
