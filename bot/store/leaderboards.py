"""Leaderboard reads: each enrolment's points, count and time reached within a window.

Ranking, ties and fairness are core's job (bot/core/leaderboard.py); the store only sums.
All-time boards read the running totals that triggers keep on each enrolment (migration
003), one row per member. A window [since, until) instead range-scans the covering index
completions(enrolment_id, completed_at, points) per member. Either way the cost grows with
the group, never with the whole completions table. Enrolments the learner left are not
listed.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.core.models import LeaderboardRow, Visibility
from bot.store import codec
from bot.store.db import Database, Params

_GROUP_MEMBERS = """
  FROM group_members AS m
  JOIN enrolments AS e ON e.id = m.enrolment_id
  JOIN learners AS l ON l.user_id = e.user_id
"""
_PATHWAY_ENROLMENTS = """
  FROM enrolments AS e
  JOIN learners AS l ON l.user_id = e.user_id
"""
_TOTALS = (
    "SELECT e.id, e.user_id, l.visibility, e.points_total, e.completions_total, e.last_completed_at"
)
_WINDOWED = (
    "SELECT e.id, e.user_id, l.visibility, COALESCE(SUM(c.points), 0), COUNT(c.item_id),"
    " MAX(c.completed_at)"
)
_WINDOW = """
  LEFT JOIN completions AS c
    ON c.enrolment_id = e.id AND c.completed_at >= ? AND c.completed_at < ?
"""
_IN_GROUP = " WHERE m.group_id = ? AND e.status <> 'left'"
_IN_PATHWAY = " WHERE e.guild_id = ? AND e.pathway_id = ? AND e.status <> 'left'"

_GROUP_ALL_TIME = _TOTALS + _GROUP_MEMBERS + _IN_GROUP
_PATHWAY_ALL_TIME = _TOTALS + _PATHWAY_ENROLMENTS + _IN_PATHWAY
# Grouping by m.enrolment_id follows the membership key (group_id, enrolment_id): no sort.
_GROUP_WINDOW = _WINDOWED + _GROUP_MEMBERS + _WINDOW + _IN_GROUP + " GROUP BY m.enrolment_id"
_PATHWAY_WINDOW = _WINDOWED + _PATHWAY_ENROLMENTS + _WINDOW + _IN_PATHWAY + " GROUP BY e.id"

_VISIBILITY = {v.value: v for v in Visibility}


def _row(row: sqlite3.Row) -> LeaderboardRow:
    enrolment_id, user_id, visibility, points, completions, reached_at = row
    return LeaderboardRow(
        enrolment_id,
        user_id,
        points,
        completions,
        None if reached_at is None else codec.from_instant(reached_at),
        _VISIBILITY[visibility],
    )


class Leaderboards:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def for_group(
        self, group_id: int, since: datetime | None = None, until: datetime | None = None
    ) -> list[LeaderboardRow]:
        """Scores of a study group's members, counting completions in [since, until)."""
        if since is None and until is None:
            return await self._read(_GROUP_ALL_TIME, (group_id,))
        return await self._read(_GROUP_WINDOW, (*_window(since, until), group_id))

    async def for_pathway(
        self,
        guild_id: int,
        pathway_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[LeaderboardRow]:
        """Scores of everyone on a pathway in a guild, counting completions in [since, until)."""
        if since is None and until is None:
            return await self._read(_PATHWAY_ALL_TIME, (guild_id, pathway_id))
        return await self._read(_PATHWAY_WINDOW, (*_window(since, until), guild_id, pathway_id))

    async def _read(self, sql: str, params: Params) -> list[LeaderboardRow]:
        async with self._db.read() as tx:
            rows = await tx.fetchall(sql, params)
        return [_row(row) for row in rows]


def _window(since: datetime | None, until: datetime | None) -> tuple[int, int]:
    return (
        codec.MIN_INSTANT if since is None else codec.instant(since),
        codec.MAX_INSTANT if until is None else codec.instant(until),
    )
