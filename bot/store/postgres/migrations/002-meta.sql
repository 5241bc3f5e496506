-- 002: facts about this installation (see bot/store/migrations/002-meta.sql).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
