-- 002: facts about this installation rather than about learners, such as the hash of the
-- command tree last synced to Discord, so start-up syncs only when the commands changed
-- (Discord allows 200 command creates per day per guild).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
