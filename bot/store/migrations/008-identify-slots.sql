-- 008: when each IDENTIFY bucket may next IDENTIFY, shared by every process of the bot.
--
-- Discord lets one shard per bucket (shard_id % max_concurrency) IDENTIFY per 5 seconds.
-- Processes started together would otherwise IDENTIFY at once; each claims its bucket here
-- first, and waits while another holds it (bot/store/identify_slots.py). `next_at`, when the
-- bucket frees up, is wall-clock Unix seconds, as the processes share no monotonic clock.
-- The rows are pacing state, not data: `migrate-db` does not copy them, and losing them
-- costs at most one early IDENTIFY.
CREATE TABLE identify_slots (
    bucket  INTEGER PRIMARY KEY CHECK (bucket >= 0),
    next_at REAL    NOT NULL
) STRICT;
