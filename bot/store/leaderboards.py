"""Leaderboard reads: each enrolment's points, count and time reached within a window.

Ranking, ties and fairness are core's job (bot/core/leaderboard.py); the store only sums.
All-time boards read the running totals that triggers keep on each enrolment (migration
003), one row per member. A window [since, until) instead range-scans the covering index
completions(enrolment_id, completed_at, points) per member. Either way the cost grows with
the group, never with the whole completions table. Enrolments the learner left are not
listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.models import LeaderboardRow, Visibility
from bot.store import codec
from bot.store.backend import Backend, Params, Row, Sql, SqlValue, Statement

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
# CAST: PostgreSQL sums BIGINTs as NUMERIC; SQLite's sum is an integer already.
_WINDOWED = (
    "SELECT e.id, e.user_id, l.visibility, CAST(COALESCE(SUM(c.points), 0) AS BIGINT),"
    " COUNT(c.item_id), MAX(c.completed_at)"
)
_WINDOW = """
  LEFT JOIN completions AS c
    ON c.enrolment_id = e.id AND c.completed_at >= ? AND c.completed_at < ?
"""
_IN_GROUP = " WHERE m.group_id = ? AND e.status <> 'left'"
_IN_PATHWAY = " WHERE e.guild_id = ? AND e.pathway_id = ? AND e.status <> 'left'"

_GROUP_ALL_TIME = _TOTALS + _GROUP_MEMBERS + _IN_GROUP
_PATHWAY_ALL_TIME = _TOTALS + _PATHWAY_ENROLMENTS + _IN_PATHWAY
_NOT_GROUPED = " AND NOT EXISTS (SELECT 1 FROM group_members AS g WHERE g.enrolment_id = e.id)"
_UNGROUPED_ALL_TIME = _PATHWAY_ALL_TIME + _NOT_GROUPED
# SQLite: grouping by m.enrolment_id follows the membership key (group_id, enrolment_id), so
# no sort. PostgreSQL returns only columns the GROUP BY determines, so it groups by the
# primary keys of both tables it reads columns from.
_GROUP_WINDOW = (
    _WINDOWED
    + _GROUP_MEMBERS
    + _WINDOW
    + _IN_GROUP
    + Sql(sqlite=" GROUP BY m.enrolment_id", postgres=" GROUP BY e.id, l.user_id")
)
_PATHWAY_WINDOW = (
    _WINDOWED
    + _PATHWAY_ENROLMENTS
    + _WINDOW
    + _IN_PATHWAY
    + Sql(sqlite=" GROUP BY e.id", postgres=" GROUP BY e.id, l.user_id")
)

_VISIBILITY = {v.value: v for v in Visibility}


def _row(row: Row | Sequence[Any]) -> LeaderboardRow:
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
    def __init__(self, db: Backend) -> None:
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

    async def for_pathway_ungrouped(self, guild_id: int, pathway_id: str) -> list[LeaderboardRow]:
        """All-time scores of those on a pathway in a guild who are in no study group: the
        cohort a channel digest covers besides the groups' own."""
        return await self._read(_UNGROUPED_ALL_TIME, (guild_id, pathway_id))

    async def top_for_group(
        self,
        group_id: int,
        viewer: int,
        top: int = 10,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> RankedBoard:
        return await ranked_top(
            self._db, top=top, viewer=viewer, group_id=group_id, since=since, until=until
        )

    async def top_for_pathway(
        self,
        guild_id: int,
        pathway_id: str,
        viewer: int,
        top: int = 10,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> RankedBoard:
        return await ranked_top(
            self._db,
            top=top,
            viewer=viewer,
            guild_id=guild_id,
            pathway_id=pathway_id,
            since=since,
            until=until,
        )

    async def rank_change(
        self, enrolment_id: int, guild_id: int, pathway_id: str, before: int, after: int
    ) -> RankRead:
        """The learner's rank with `before` and with `after` points, from the running totals.

        Counts only the members ahead (points above), over an index, instead of building the
        board: what /done's "you moved up" line needs. The scope is the learner's study
        group when they are in one, else everyone on the pathway in the server. Ranks are
        competition ranks among everyone, as on the boards.
        """
        async with self._db.read() as tx:
            row = await tx.fetchrow(
                _RANK_CHANGE, (enrolment_id, guild_id, pathway_id, after, before)
            )
        return RankRead(
            group_name=None if row[0] is None else str(row[0]),
            before=int(row[2]) + 1,
            after=int(row[1]) + 1,
        )

    async def _read(self, sql: Statement, params: Params) -> list[LeaderboardRow]:
        async with self._db.read() as tx:
            rows = await tx.fetchall(sql, params)
        return [_row(row) for row in rows]


# /done's "you moved up" in one statement: the learner's study group if any (its name), and
# how many others in that scope (the group, else the pathway in the server) have more points
# than `after` (?4) and than `before` (?5). Counted over the rank index, never a board.
_AHEAD_OF = (
    "(SELECT COUNT(*) FROM {source} AND e.status <> 'left' AND e.id <> ?1"
    " AND e.points_total > {points})"
)
_RANK_CHANGE = (  # noqa: S608 - constant pieces
    "SELECT g.name,"
    " CASE WHEN g.id IS NULL THEN {path_after} ELSE {group_after} END,"
    " CASE WHEN g.id IS NULL THEN {path_before} ELSE {group_before} END"
    " FROM (SELECT CAST(?1 AS BIGINT) AS eid) AS me"
    " LEFT JOIN group_members AS m ON m.enrolment_id = me.eid"
    " LEFT JOIN study_groups AS g ON g.id = m.group_id"
).format(
    path_after=_AHEAD_OF.format(
        source="enrolments AS e WHERE e.guild_id = ?2 AND e.pathway_id = ?3", points="?4"
    ),
    group_after=_AHEAD_OF.format(
        source="group_members AS m2 JOIN enrolments AS e ON e.id = m2.enrolment_id"
        " WHERE m2.group_id = g.id",
        points="?4",
    ),
    path_before=_AHEAD_OF.format(
        source="enrolments AS e WHERE e.guild_id = ?2 AND e.pathway_id = ?3", points="?5"
    ),
    group_before=_AHEAD_OF.format(
        source="group_members AS m2 JOIN enrolments AS e ON e.id = m2.enrolment_id"
        " WHERE m2.group_id = g.id",
        points="?5",
    ),
)


@dataclass(frozen=True, slots=True)
class RankRead:
    group_name: str | None  # None: ranked on the pathway in the server
    before: int
    after: int


def _window(since: datetime | None, until: datetime | None) -> tuple[int, int]:
    return (
        codec.MIN_INSTANT if since is None else codec.instant(since),
        codec.MAX_INSTANT if until is None else codec.instant(until),
    )


# One statement: the scope is computed once (MATERIALIZED) and then read three times for
# the top shown rows, the viewer's row and the counts; the first column says which is which.
_RANKED = Sql(
    sqlite="""
WITH base (enrolment_id, user_id, visibility, points, completions, reached_at)
       AS MATERIALIZED ({base}),
     me AS (SELECT * FROM base WHERE user_id = ?)
SELECT 0, *, NULL, NULL, NULL FROM (
    SELECT * FROM base WHERE visibility = 'shown'
     ORDER BY points DESC, reached_at IS NULL, reached_at, user_id LIMIT ?)
UNION ALL SELECT 1, *, NULL, NULL, NULL FROM me
UNION ALL SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*), TOTAL(visibility = 'shown'),
                 TOTAL(points > COALESCE((SELECT points FROM me), -1)) FROM base
""",
    # PostgreSQL: the subquery needs a name, the first branch's NULLs a type (a UNION types
    # its columns from the first branches), and a count of rows replaces TOTAL().
    postgres="""
WITH base (enrolment_id, user_id, visibility, points, completions, reached_at)
       AS MATERIALIZED ({base}),
     me AS (SELECT * FROM base WHERE user_id = ?)
SELECT 0, top.*, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) FROM (
    SELECT * FROM base WHERE visibility = 'shown'
     ORDER BY points DESC, reached_at IS NULL, reached_at, user_id LIMIT ?) AS top
UNION ALL SELECT 1, *, NULL, NULL, NULL FROM me
UNION ALL SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*),
                 COUNT(*) FILTER (WHERE visibility = 'shown'),
                 COUNT(*) FILTER (WHERE points > COALESCE((SELECT points FROM me), -1))
            FROM base
""",
)


def _scope_sql(
    group_id: int | None,
    guild_id: int | None,
    pathway_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[Statement, tuple[SqlValue, ...]]:
    windowed = since is not None or until is not None
    window: tuple[SqlValue, ...] = _window(since, until) if windowed else ()
    if group_id is not None:
        return (_GROUP_WINDOW if windowed else _GROUP_ALL_TIME), (*window, group_id)
    return (_PATHWAY_WINDOW if windowed else _PATHWAY_ALL_TIME), (*window, guild_id, pathway_id)


async def ranked_top(
    db: Backend,
    *,
    top: int,
    viewer: int,
    group_id: int | None = None,
    guild_id: int | None = None,
    pathway_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> RankedBoard:
    """The top `top` shown learners (ranked among shown learners) and the viewer's rank among
    everyone: what a public board needs, without turning every member into a Python object.

    One statement computes the scope once and returns the top shown rows, the viewer's row
    and the counts (members, shown members, members ahead of the viewer). Ranks are
    competition ranks by points (ties share a rank); rows with equal points come in the
    order their score was reached.
    """
    base, params = _scope_sql(group_id, guild_id, pathway_id, since, until)
    async with db.read() as tx:
        rows = await tx.fetchall(_RANKED.format(base=base), (*params, viewer, top))
    shown: list[tuple[int, LeaderboardRow]] = []
    mine: tuple[int, LeaderboardRow] | None = None
    total = shown_total = ahead = 0
    mine_row: LeaderboardRow | None = None
    for row in rows:
        kind = row[0]
        if kind == 0:
            entry = _row(row[1:7])
            same = shown and shown[-1][1].points == entry.points
            shown.append((shown[-1][0] if same else len(shown) + 1, entry))
        elif kind == 1:
            mine_row = _row(row[1:7])
        else:
            total, shown_total, ahead = int(row[7]), int(row[8]), int(row[9])
    if mine_row is not None:
        mine = (ahead + 1, mine_row)
    return RankedBoard(shown, mine, total, total - shown_total)


@dataclass(frozen=True, slots=True)
class RankedBoard:
    shown: list[tuple[int, LeaderboardRow]]  # (rank among shown learners, row)
    mine: tuple[int, LeaderboardRow] | None  # (rank among everyone, row)
    total: int
    hidden: int  # learners left out of `shown` because they chose to be hidden
