-- 013: an enrolment's pauses on its own row (see the SQLite twin).
--
-- The same column, NULL when there is no pause, else the same JSON text as SQLite's,
-- byte for byte ([[start,end],...] in start order, no spaces), so a database copied by
-- migrate-db reads back identically. One row-level trigger function keeps it in the same
-- transaction as every write to enrolment_pauses, whichever code path, cascade or COPY
-- makes it.

ALTER TABLE enrolments ADD COLUMN pauses TEXT;

UPDATE enrolments
   SET pauses = agg.pauses
  FROM (SELECT enrolment_id,
               '[' || string_agg('[' || start_at || ',' || COALESCE(end_at::text, 'null') || ']',
                                 ',' ORDER BY start_at) || ']' AS pauses
          FROM enrolment_pauses GROUP BY enrolment_id) AS agg
 WHERE agg.enrolment_id = enrolments.id;

CREATE FUNCTION enrolment_pauses_refresh(enrolment BIGINT) RETURNS void LANGUAGE sql AS $$
    UPDATE enrolments
       SET pauses = (SELECT '[' || string_agg('[' || p.start_at || ','
                                              || COALESCE(p.end_at::text, 'null') || ']',
                                              ',' ORDER BY p.start_at) || ']'
                       FROM enrolment_pauses AS p WHERE p.enrolment_id = enrolment)
     WHERE id = enrolment;
$$;

CREATE FUNCTION enrolment_pauses_column() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM enrolment_pauses_refresh(OLD.enrolment_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.enrolment_id <> OLD.enrolment_id) THEN
        PERFORM enrolment_pauses_refresh(NEW.enrolment_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER enrolment_pauses_column AFTER INSERT OR UPDATE OR DELETE ON enrolment_pauses
    FOR EACH ROW EXECUTE FUNCTION enrolment_pauses_column();
