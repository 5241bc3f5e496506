-- 010: milestone roles (see the twin in bot/store/migrations).
CREATE TABLE milestone_roles (
    guild_id        BIGINT NOT NULL,
    milestone       TEXT   NOT NULL CHECK (length(milestone) BETWEEN 1 AND 40),
    role_id         BIGINT NOT NULL,
    set_by          BIGINT,
    created_at      BIGINT NOT NULL,
    disabled_at     BIGINT,
    disabled_reason TEXT,
    PRIMARY KEY (guild_id, milestone)
);

CREATE TABLE milestone_checks (
    enrolment_id    BIGINT PRIMARY KEY REFERENCES enrolments (id) ON DELETE CASCADE,
    checked_through BIGINT NOT NULL
);

ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;

ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check
    CHECK (kind IN ('reminder', 'digest', 'fallback', 'role-grant'));
