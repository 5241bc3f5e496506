-- 013: an enrolment's pauses on its own row (see the SQLite twin).
--
-- The same column, NULL when there is no pause, else the JSON text the old correlated
-- subquery made. One row-level trigger function keeps it in the same transaction as every
-- write to enrolment_pauses, whichever code path, cascade or COPY makes it.

ALTER TABLE enrolments ADD COLUMN pauses TEXT;

UPDATE enrolments
   SET pauses = agg.pauses
  FROM (SELECT enrolment_id, json_agg(json_build_array(start_at, end_at))::text AS pauses
          FROM enrolment_pauses GROUP BY enrolment_id) AS agg
 WHERE agg.enrolment_id = enrolments.id;

CREATE FUNCTION enrolment_pauses_refresh(enrolment BIGINT) RETURNS void LANGUAGE sql AS $$
    UPDATE enrolments
       SET pauses = (SELECT json_agg(json_build_array(p.start_at, p.end_at))::text
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
