-- 006: a learner follows each pathway once, wherever they enrolled (a server or a DM), so
-- they never get two reminders a week for one pathway. Existing duplicates are resolved
-- quietly: the enrolment with the most completions stays (the oldest on a tie), the others
-- are marked left, which stops their reminders and keeps their rows for a later /enroll.
UPDATE enrolments
   SET status = 'left', next_reminder_at = NULL
 WHERE status <> 'left'
   AND id NOT IN (
       SELECT id FROM (
           SELECT e.id,
                  ROW_NUMBER() OVER (
                      PARTITION BY e.user_id, e.pathway_id
                      ORDER BY (SELECT COUNT(*) FROM completions AS c WHERE c.enrolment_id = e.id)
                               DESC,
                               e.id
                  ) AS keep_rank
             FROM enrolments AS e
            WHERE e.status <> 'left'
       )
        WHERE keep_rank = 1
   );
CREATE UNIQUE INDEX enrolments_one_following
    ON enrolments (user_id, pathway_id) WHERE status <> 'left';
