-- 008: when each IDENTIFY bucket may next IDENTIFY (see the twin in bot/store/migrations).
CREATE TABLE identify_slots (
    bucket  INTEGER PRIMARY KEY CHECK (bucket >= 0),
    next_at DOUBLE PRECISION NOT NULL
);
