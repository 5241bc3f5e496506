-- 001: the initial schema.
--
-- Conventions: instants are INTEGER microseconds since the Unix epoch in UTC (compact, exact
-- for Python datetimes, and ordered the same as time); dates are TEXT 'YYYY-MM-DD'; wall times
-- are TEXT 'HH:MM[:SS]'; Discord snowflakes are INTEGER. Tables are STRICT so a wrongly typed
-- value is an error instead of a silently stored string.

CREATE TABLE guild_settings (
    guild_id                  INTEGER PRIMARY KEY,
    digest_channel_id         INTEGER,
    default_tz                TEXT,
    default_weekday           INTEGER CHECK (default_weekday BETWEEN 0 AND 6),
    default_remind_at         TEXT,
    members_can_create_groups INTEGER NOT NULL DEFAULT 0
                              CHECK (members_can_create_groups IN (0, 1)),
    -- the default reminder preferences are set together or not at all
    CHECK ((default_tz IS NULL) = (default_weekday IS NULL)
           AND (default_tz IS NULL) = (default_remind_at IS NULL))
) STRICT;

CREATE TABLE learners (
    user_id          INTEGER PRIMARY KEY,
    tz               TEXT    NOT NULL,
    weekday          INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    remind_at        TEXT    NOT NULL,
    dm_channel_id    INTEGER,
    dm_blocked_since INTEGER,
    visibility       TEXT    NOT NULL DEFAULT 'shown' CHECK (visibility IN ('shown', 'hidden')),
    created_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE enrolments (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES learners (user_id) ON DELETE CASCADE,
    guild_id         INTEGER,  -- NULL: enrolled in a DM
    pathway_id       TEXT    NOT NULL,
    pathway_hash     TEXT    NOT NULL,
    start_date       TEXT    NOT NULL
                     CHECK (start_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    status           TEXT    NOT NULL CHECK (status IN ('active', 'paused', 'completed', 'left')),
    next_reminder_at INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

-- One enrolment per (user, guild, pathway). UNIQUE treats NULLs as distinct, so a DM enrolment
-- (guild NULL) is folded to guild 0, which no Discord guild has.
CREATE UNIQUE INDEX enrolments_one_per_pathway
    ON enrolments (user_id, COALESCE(guild_id, 0), pathway_id);
-- The reminder sweep: due = active AND next_reminder_at <= now, in (next_reminder_at, id) order.
CREATE INDEX enrolments_due ON enrolments (next_reminder_at, id) WHERE status = 'active';
-- Pathway leaderboards within a guild.
CREATE INDEX enrolments_by_guild_pathway ON enrolments (guild_id, pathway_id);

CREATE TABLE enrolment_pauses (
    id           INTEGER PRIMARY KEY,
    enrolment_id INTEGER NOT NULL REFERENCES enrolments (id) ON DELETE CASCADE,
    start_at     INTEGER NOT NULL,
    end_at       INTEGER CHECK (end_at >= start_at)  -- NULL while the pause runs
) STRICT;

CREATE INDEX enrolment_pauses_by_enrolment ON enrolment_pauses (enrolment_id, start_at);
CREATE UNIQUE INDEX enrolment_pauses_one_open
    ON enrolment_pauses (enrolment_id) WHERE end_at IS NULL;

CREATE TABLE completions (
    enrolment_id INTEGER NOT NULL REFERENCES enrolments (id) ON DELETE CASCADE,
    item_id      TEXT    NOT NULL,
    completed_at INTEGER NOT NULL,
    source       TEXT    NOT NULL CHECK (source IN ('command', 'button', 'select')),
    points       INTEGER NOT NULL CHECK (points >= 0),
    PRIMARY KEY (enrolment_id, item_id)
) STRICT, WITHOUT ROWID;

-- Leaderboards: per enrolment, a range scan over a window of completed_at that never touches
-- the table (points is in the index), so the cost grows with the group, not all completions.
CREATE INDEX completions_by_time ON completions (enrolment_id, completed_at, points);

CREATE TABLE study_groups (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    name         TEXT    NOT NULL CHECK (name <> ''),
    name_key     TEXT    NOT NULL,  -- casefolded name: unique per guild, whatever the case
    pathway_id   TEXT    NOT NULL,
    channel_id   INTEGER,
    cohort_start TEXT    NOT NULL
                 CHECK (cohort_start GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    created_by   INTEGER,  -- not a foreign key: an admin who creates a group need not be a learner
    created_at   INTEGER NOT NULL,
    UNIQUE (guild_id, name_key)
) STRICT;

-- A membership is an enrolment's, so "at most one group per pathway per guild" is UNIQUE
-- (enrolment_id), and the leaderboard reaches each member's scores by primary key.
CREATE TABLE group_members (
    group_id     INTEGER NOT NULL REFERENCES study_groups (id) ON DELETE CASCADE,
    enrolment_id INTEGER NOT NULL UNIQUE REFERENCES enrolments (id) ON DELETE CASCADE,
    joined_at    INTEGER NOT NULL,
    PRIMARY KEY (group_id, enrolment_id)
) STRICT, WITHOUT ROWID;

-- A group is for one pathway in one guild: only enrolments in both may join it.
CREATE TRIGGER group_members_same_pathway BEFORE INSERT ON group_members
WHEN NOT EXISTS (
    SELECT 1 FROM study_groups AS g JOIN enrolments AS e ON e.id = NEW.enrolment_id
     WHERE g.id = NEW.group_id AND e.guild_id = g.guild_id AND e.pathway_id = g.pathway_id
)
BEGIN
    SELECT RAISE(ABORT, 'group_members: enrolment is not in the group''s guild and pathway');
END;

-- The outbox: one row per (kind, target, period) so a period's message is sent at most once;
-- target leads the key so privacy export and deletion find a user's rows by index.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('reminder', 'digest', 'fallback')),
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

CREATE INDEX deliveries_retry ON deliveries (next_attempt_at, id) WHERE status = 'pending';
