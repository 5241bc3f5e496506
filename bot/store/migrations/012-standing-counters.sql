-- 012: standing counters, so an all-time board is an index range scan (issue 26).
--
-- A board used to join a whole group (or the pathway in a server) with enrolments and
-- learners and rank every row. Now each row a board ranks carries what ranking needs:
--   enrolments.shown                    the learner's visibility (1 = 'shown'), for the
--                                       pathway board's "top 10 shown";
--   group_members.user_id, points, completions, reached_at, on_pathway
--                                       the member's running totals (from the enrolment's,
--                                       migration 003) and whether the enrolment is still
--                                       on the pathway (status <> 'left').
-- Triggers keep them in the same transaction as every write that moves them (completions
-- inserted, deleted or updated, a membership added or changed, an enrolment's totals or
-- status changed, a learner's visibility changed), whichever code path, cascade or bulk
-- load makes it, so they cannot drift; tests/store/test_counters.py recomputes them from
-- scratch and compares. Indexes in ranking order let the top N walk an index and stop.
--
-- reached_at ranks NULL (nothing done yet) last, as bot/core/leaderboard.py does: the
-- indexes and the queries order by COALESCE(reached_at, 9223372036854775807), the same
-- expression on both engines.

ALTER TABLE enrolments ADD COLUMN shown INTEGER NOT NULL DEFAULT 0 CHECK (shown IN (0, 1));
ALTER TABLE group_members ADD COLUMN user_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN completions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN reached_at INTEGER;
ALTER TABLE group_members ADD COLUMN on_pathway INTEGER NOT NULL DEFAULT 1
    CHECK (on_pathway IN (0, 1));

-- Backfill from the source tables, not from earlier counters: the enrolments' totals are
-- recounted from completions too (they should already agree; a hand-made fix may not).
UPDATE enrolments
   SET points_total = COALESCE((SELECT SUM(points) FROM completions
                                 WHERE enrolment_id = enrolments.id), 0),
       completions_total = (SELECT COUNT(*) FROM completions WHERE enrolment_id = enrolments.id),
       last_completed_at = (SELECT MAX(completed_at) FROM completions
                             WHERE enrolment_id = enrolments.id),
       shown = COALESCE((SELECT visibility = 'shown' FROM learners
                          WHERE user_id = enrolments.user_id), 0);

UPDATE group_members
   SET user_id = e.user_id,
       points = e.points_total,
       completions = e.completions_total,
       reached_at = e.last_completed_at,
       on_pathway = e.status <> 'left'
  FROM enrolments AS e
 WHERE e.id = group_members.enrolment_id;

-- A new enrolment takes its learner's visibility.
CREATE TRIGGER enrolments_shown_insert AFTER INSERT ON enrolments
BEGIN
    UPDATE enrolments
       SET shown = COALESCE((SELECT visibility = 'shown' FROM learners
                              WHERE user_id = NEW.user_id), 0)
     WHERE id = NEW.id;
END;

-- `/me visibility` moves every enrolment of the learner.
CREATE TRIGGER learners_visibility_update AFTER UPDATE OF visibility ON learners
WHEN OLD.visibility IS NOT NEW.visibility
BEGIN
    UPDATE enrolments SET shown = NEW.visibility = 'shown' WHERE user_id = NEW.user_id;
END;

-- A membership starts with its enrolment's standing (a join, or a hand-made move).
CREATE TRIGGER group_members_fill_insert AFTER INSERT ON group_members
BEGIN
    UPDATE group_members
       SET user_id = e.user_id,
           points = e.points_total,
           completions = e.completions_total,
           reached_at = e.last_completed_at,
           on_pathway = e.status <> 'left'
      FROM enrolments AS e
     WHERE e.id = NEW.enrolment_id AND group_members.enrolment_id = NEW.enrolment_id;
END;

CREATE TRIGGER group_members_fill_update AFTER UPDATE OF enrolment_id ON group_members
BEGIN
    UPDATE group_members
       SET user_id = e.user_id,
           points = e.points_total,
           completions = e.completions_total,
           reached_at = e.last_completed_at,
           on_pathway = e.status <> 'left'
      FROM enrolments AS e
     WHERE e.id = NEW.enrolment_id AND group_members.enrolment_id = NEW.enrolment_id;
END;

-- Completions move the enrolment's totals (003's triggers); leaving and re-enrolling move
-- its status: the membership follows, in the same transaction.
CREATE TRIGGER enrolments_standing_update
AFTER UPDATE OF points_total, completions_total, last_completed_at, status ON enrolments
WHEN OLD.points_total IS NOT NEW.points_total
  OR OLD.completions_total IS NOT NEW.completions_total
  OR OLD.last_completed_at IS NOT NEW.last_completed_at
  OR (OLD.status = 'left') IS NOT (NEW.status = 'left')
BEGIN
    UPDATE group_members
       SET points = NEW.points_total,
           completions = NEW.completions_total,
           reached_at = NEW.last_completed_at,
           on_pathway = NEW.status <> 'left'
     WHERE enrolment_id = NEW.id;
END;

-- A group board: the top N of a group in ranking order, the count ahead of a member and
-- the member count, all within (group_id, on_pathway = 1).
CREATE INDEX group_members_board ON group_members (
    group_id, on_pathway, points DESC, COALESCE(reached_at, 9223372036854775807), user_id
);
-- The pathway board in a server: the top N shown learners still on it, in ranking order.
-- It also counts those ahead of the viewer, hidden or not (shown IN (0, 1): two ranges), so
-- 007's enrolments_rank goes: each completion moves one index fewer.
DROP INDEX enrolments_rank;
CREATE INDEX enrolments_board ON enrolments (
    guild_id, pathway_id, shown, points_total DESC,
    COALESCE(last_completed_at, 9223372036854775807), user_id, status
) WHERE status <> 'left';
