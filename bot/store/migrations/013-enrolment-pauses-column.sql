-- 013: an enrolment's pauses on its own row (issue 26: the due batch).
--
-- Every read of an enrolment (a sweep's due batch of hundreds among them) built its pauses
-- with a correlated subquery per row, which cost half the due batch's SQL although nearly
-- every enrolment has no pause. Now enrolments.pauses holds the same JSON the subquery
-- made ([[start_at, end_at], ...], NULL when there is none), kept by triggers on
-- enrolment_pauses in the same transaction as every write there, so it cannot drift;
-- tests/store/test_pause_column.py recomputes it from the table and compares.

ALTER TABLE enrolments ADD COLUMN pauses TEXT;

UPDATE enrolments
   SET pauses = (SELECT json_group_array(json_array(p.start_at, p.end_at))
                   FROM enrolment_pauses AS p WHERE p.enrolment_id = enrolments.id
                 HAVING count(*) > 0);

CREATE TRIGGER enrolment_pauses_insert AFTER INSERT ON enrolment_pauses
BEGIN
    UPDATE enrolments
       SET pauses = (SELECT json_group_array(json_array(p.start_at, p.end_at))
                       FROM enrolment_pauses AS p WHERE p.enrolment_id = enrolments.id
                     HAVING count(*) > 0)
     WHERE id = NEW.enrolment_id;
END;

CREATE TRIGGER enrolment_pauses_update AFTER UPDATE ON enrolment_pauses
BEGIN
    UPDATE enrolments
       SET pauses = (SELECT json_group_array(json_array(p.start_at, p.end_at))
                       FROM enrolment_pauses AS p WHERE p.enrolment_id = enrolments.id
                     HAVING count(*) > 0)
     WHERE id IN (OLD.enrolment_id, NEW.enrolment_id);
END;

CREATE TRIGGER enrolment_pauses_delete AFTER DELETE ON enrolment_pauses
BEGIN
    UPDATE enrolments
       SET pauses = (SELECT json_group_array(json_array(p.start_at, p.end_at))
                       FROM enrolment_pauses AS p WHERE p.enrolment_id = enrolments.id
                     HAVING count(*) > 0)
     WHERE id = OLD.enrolment_id;
END;
