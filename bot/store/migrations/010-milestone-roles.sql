-- 010: milestone roles (`/setup milestone-role`), granted through the outbox.
--
-- milestone_roles maps a server's milestone to the role it earns. A mapping that Discord
-- refused at grant time (403) is disabled, with the reason, until an admin sets it again.
-- milestone_checks remembers, per enrolment, the last completion already looked at, so the
-- sender only evaluates learners who checked something off since.
-- The outbox gains the kind 'role-grant': SQLite cannot change a CHECK in place, so the
-- deliveries table is rebuilt with its rows, ids and index (nothing references it).
CREATE TABLE milestone_roles (
    guild_id        INTEGER NOT NULL,
    milestone       TEXT    NOT NULL CHECK (length(milestone) BETWEEN 1 AND 40),
    role_id         INTEGER NOT NULL,
    set_by          INTEGER,
    created_at      INTEGER NOT NULL,
    disabled_at     INTEGER,
    disabled_reason TEXT,
    PRIMARY KEY (guild_id, milestone)
) STRICT;

CREATE TABLE milestone_checks (
    enrolment_id    INTEGER PRIMARY KEY REFERENCES enrolments (id) ON DELETE CASCADE,
    checked_through INTEGER NOT NULL
) STRICT;

CREATE TABLE deliveries_010 (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL
                    CHECK (kind IN ('reminder', 'digest', 'fallback', 'role-grant')),
    target          TEXT    NOT NULL,
    period_key      TEXT    NOT NULL,
    nonce           TEXT    NOT NULL CHECK (length(nonce) BETWEEN 1 AND 25),  -- Discord's limit
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT,
    message_id      INTEGER,
    next_attempt_at INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (target, kind, period_key)
) STRICT;

INSERT INTO deliveries_010 SELECT id, kind, target, period_key, nonce, status, attempts,
    last_error, message_id, next_attempt_at, created_at, updated_at FROM deliveries;

DROP TABLE deliveries;

ALTER TABLE deliveries_010 RENAME TO deliveries;

CREATE INDEX deliveries_retry ON deliveries (next_attempt_at, id) WHERE status = 'pending';

-- Rebuilding drops every index of the old table; the only one it had is recreated above.
-- A migration adding an index to deliveries must come after this one (or be recreated here).
