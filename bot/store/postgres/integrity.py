"""PostgreSQL's answer to `PRAGMA integrity_check`: do the invariants the schema keeps hold?

PostgreSQL checks its own pages and enforces the foreign keys and CHECKs itself; what a bug
or a hand edit could still break are the facts triggers maintain. So this recounts them: the
running totals on every enrolment against its completions, and every group membership
against its group's guild and pathway. `["ok"]` when all hold, as SQLite answers.
"""

from __future__ import annotations

from bot.store.backend import Tx

_TOTALS_DRIFT = """
SELECT e.id FROM enrolments AS e
  LEFT JOIN (SELECT enrolment_id, SUM(points) AS points, COUNT(*) AS n,
                    MAX(completed_at) AS last
               FROM completions GROUP BY enrolment_id) AS c ON c.enrolment_id = e.id
 WHERE e.points_total <> COALESCE(c.points, 0)
    OR e.completions_total <> COALESCE(c.n, 0)
    OR e.last_completed_at IS DISTINCT FROM c.last
 ORDER BY e.id LIMIT 10
"""
_FOREIGN_MEMBERS = """
SELECT m.group_id, m.enrolment_id FROM group_members AS m
  JOIN study_groups AS g ON g.id = m.group_id
  JOIN enrolments AS e ON e.id = m.enrolment_id
 WHERE e.guild_id IS DISTINCT FROM g.guild_id OR e.pathway_id <> g.pathway_id
 ORDER BY 1, 2 LIMIT 10
"""


async def check(tx: Tx) -> list[str]:
    problems = [
        f"enrolment {row[0]}: running totals differ from its completions"
        for row in await tx.fetchall(_TOTALS_DRIFT)
    ]
    problems += [
        f"group {row[0]}: member enrolment {row[1]} is in another guild or pathway"
        for row in await tx.fetchall(_FOREIGN_MEMBERS)
    ]
    return problems or ["ok"]
