-- 007: /done's rank line counts the members ahead from the running totals (see the twin).
CREATE INDEX enrolments_rank ON enrolments (guild_id, pathway_id, points_total, status);
