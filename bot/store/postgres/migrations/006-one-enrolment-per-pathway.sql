-- 006: one enrolment per pathway per learner, wherever it lives (see the SQLite twin): the
-- one with the most completions stays (the oldest on a tie), the others are marked left.
UPDATE enrolments
   SET status = 'left', next_reminder_at = NULL
 WHERE status <> 'left'
   AND id NOT IN (
       SELECT ranked.id FROM (
           SELECT e.id,
                  ROW_NUMBER() OVER (
                      PARTITION BY e.user_id, e.pathway_id
                      ORDER BY (SELECT COUNT(*) FROM completions AS c WHERE c.enrolment_id = e.id)
                               DESC,
                               e.id
                  ) AS keep_rank
             FROM enrolments AS e
            WHERE e.status <> 'left'
       ) AS ranked
        WHERE ranked.keep_rank = 1
   );
CREATE UNIQUE INDEX enrolments_one_following
    ON enrolments (user_id, pathway_id) WHERE status <> 'left';
