-- 012: standing counters, so an all-time board is an index range scan (see the SQLite twin).
--
-- Same columns, in the same order, and the same indexes. Row-level trigger functions keep
-- the counters in the same transaction as the write that moves them, whichever code path,
-- cascade or COPY makes it. A membership's counters are filled BEFORE the row is written;
-- an enrolment's changes reach its membership AFTER. groups.join holds the enrolment row
-- (FOR UPDATE) while it inserts, and /done and /undo lock it before they write, so a
-- completion committed meanwhile cannot be missed by a new membership's copy.

ALTER TABLE enrolments ADD COLUMN shown INTEGER NOT NULL DEFAULT 0 CHECK (shown IN (0, 1));
ALTER TABLE group_members ADD COLUMN user_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN points BIGINT NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN completions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN reached_at BIGINT;
ALTER TABLE group_members ADD COLUMN on_pathway INTEGER NOT NULL DEFAULT 1
    CHECK (on_pathway IN (0, 1));

-- Backfill from the source tables (the enrolments' totals are recounted too).
UPDATE enrolments
   SET points_total = COALESCE(totals.points, 0),
       completions_total = COALESCE(totals.n, 0),
       last_completed_at = totals.last,
       shown = COALESCE((SELECT (visibility = 'shown')::int FROM learners
                          WHERE user_id = enrolments.user_id), 0)
  FROM enrolments AS e
  LEFT JOIN (SELECT enrolment_id, SUM(points) AS points, COUNT(*) AS n,
                    MAX(completed_at) AS last
               FROM completions GROUP BY enrolment_id) AS totals
    ON totals.enrolment_id = e.id
 WHERE enrolments.id = e.id;

UPDATE group_members
   SET user_id = e.user_id,
       points = e.points_total,
       completions = e.completions_total,
       reached_at = e.last_completed_at,
       on_pathway = (e.status <> 'left')::int
  FROM enrolments AS e
 WHERE e.id = group_members.enrolment_id;

CREATE FUNCTION enrolments_shown() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.shown := COALESCE((SELECT (visibility = 'shown')::int FROM learners
                            WHERE user_id = NEW.user_id), 0);
    RETURN NEW;
END;
$$;

CREATE TRIGGER enrolments_shown BEFORE INSERT ON enrolments
    FOR EACH ROW EXECUTE FUNCTION enrolments_shown();

CREATE FUNCTION learners_visibility() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE enrolments SET shown = (NEW.visibility = 'shown')::int WHERE user_id = NEW.user_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER learners_visibility AFTER UPDATE OF visibility ON learners
    FOR EACH ROW WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility)
    EXECUTE FUNCTION learners_visibility();

CREATE FUNCTION group_members_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT e.user_id, e.points_total, e.completions_total, e.last_completed_at,
           (e.status <> 'left')::int
      INTO NEW.user_id, NEW.points, NEW.completions, NEW.reached_at, NEW.on_pathway
      FROM enrolments AS e WHERE e.id = NEW.enrolment_id;
    RETURN NEW;
END;
$$;

-- Named after 001's group_members_same_pathway, so it runs after that check (BEFORE
-- triggers fire in name order).
CREATE TRIGGER group_members_standing BEFORE INSERT OR UPDATE OF enrolment_id ON group_members
    FOR EACH ROW EXECUTE FUNCTION group_members_fill();

CREATE FUNCTION enrolments_standing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE group_members
       SET points = NEW.points_total,
           completions = NEW.completions_total,
           reached_at = NEW.last_completed_at,
           on_pathway = (NEW.status <> 'left')::int
     WHERE enrolment_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER enrolments_standing
AFTER UPDATE OF points_total, completions_total, last_completed_at, status ON enrolments
    FOR EACH ROW WHEN (OLD.points_total IS DISTINCT FROM NEW.points_total
                       OR OLD.completions_total IS DISTINCT FROM NEW.completions_total
                       OR OLD.last_completed_at IS DISTINCT FROM NEW.last_completed_at
                       OR (OLD.status = 'left') IS DISTINCT FROM (NEW.status = 'left'))
    EXECUTE FUNCTION enrolments_standing();

CREATE INDEX group_members_board ON group_members (
    group_id, on_pathway, points DESC, COALESCE(reached_at, 9223372036854775807), user_id
);
-- It also counts those ahead on the pathway (shown IN (0, 1)), so 007's index goes.
DROP INDEX enrolments_rank;
CREATE INDEX enrolments_board ON enrolments (
    guild_id, pathway_id, shown, points_total DESC,
    COALESCE(last_completed_at, 9223372036854775807), user_id, status
) WHERE status <> 'left';
