-- 007: /done's rank line counts the members ahead of the learner from the running totals;
-- this index serves that count (and the all-time pathway board) without reading the rows.
CREATE INDEX enrolments_rank ON enrolments (guild_id, pathway_id, points_total, status);
