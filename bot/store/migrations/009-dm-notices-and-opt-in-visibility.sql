-- 009: closed-DM notices said once, and standing shown only to those who opt in (issue 22).
--
-- guild_settings.dm_closed_notice: whether a learner whose DMs are closed may be mentioned in
-- the server's channel (`/setup dm-notice`); off unless an admin turns it on.
-- learners.dm_closed_told_at: when the learner was told privately that their DMs are closed
-- (once per closure; cleared when a DM gets through again).
-- learners.dm_notice_posted_at: when the one channel notice about their closed DMs was
-- posted: at most one per learner, ever.
-- Visibility becomes opt-in: every learner starts hidden from server-wide boards and from
-- other people's /progress until they run `/me visibility shown`. The earlier 'shown' was a
-- default nobody chose, so it is reset. (A study group still shows its own members.)
ALTER TABLE guild_settings ADD COLUMN dm_closed_notice INTEGER NOT NULL DEFAULT 0
    CHECK (dm_closed_notice IN (0, 1));
ALTER TABLE learners ADD COLUMN dm_closed_told_at INTEGER;
ALTER TABLE learners ADD COLUMN dm_notice_posted_at INTEGER;
UPDATE learners SET visibility = 'hidden';
