-- 003: running score totals on each enrolment, kept by a trigger (see the SQLite twin).
--
-- One row-level function serves insert, delete and update, in the same transaction as the
-- change, whichever code path (or cascade) makes it. The repositories lock the enrolment row
-- before recording or undoing, so the subquery below never misses a concurrent insert.

ALTER TABLE enrolments ADD COLUMN points_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE enrolments ADD COLUMN completions_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE enrolments ADD COLUMN last_completed_at BIGINT;

UPDATE enrolments
   SET points_total = totals.points, completions_total = totals.n, last_completed_at = totals.last
  FROM (SELECT enrolment_id, SUM(points) AS points, COUNT(*) AS n, MAX(completed_at) AS last
          FROM completions GROUP BY enrolment_id) AS totals
 WHERE enrolments.id = totals.enrolment_id;

CREATE FUNCTION completions_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE enrolments
           SET points_total = points_total + NEW.points,
               completions_total = completions_total + 1,
               last_completed_at = GREATEST(last_completed_at, NEW.completed_at)
         WHERE id = NEW.enrolment_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE enrolments
           SET points_total = points_total - OLD.points,
               completions_total = completions_total - 1,
               last_completed_at = (SELECT MAX(completed_at) FROM completions
                                     WHERE enrolment_id = OLD.enrolment_id)
         WHERE id = OLD.enrolment_id;
    ELSE
        -- The bot never updates a completion, but a hand-made fix might: recount both.
        UPDATE enrolments
           SET points_total = (SELECT COALESCE(SUM(points), 0) FROM completions
                                WHERE enrolment_id = enrolments.id),
               completions_total = (SELECT COUNT(*) FROM completions
                                     WHERE enrolment_id = enrolments.id),
               last_completed_at = (SELECT MAX(completed_at) FROM completions
                                     WHERE enrolment_id = enrolments.id)
         WHERE id IN (OLD.enrolment_id, NEW.enrolment_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER completions_count AFTER INSERT OR UPDATE OR DELETE ON completions
    FOR EACH ROW EXECUTE FUNCTION completions_count();
