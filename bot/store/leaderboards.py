"""Leaderboard reads: each enrolment's points, count and time reached within a window.

Ranking, ties and fairness are core's job (bot/core/leaderboard.py); the store only sums,
except for the all-time points boards, which rank in SQL from standing counters.

Standing counters (migrations 003 and 012): each enrolment carries its running totals
(points, completions, last completion = when its score was reached) and its learner's
visibility (`shown`); each group membership carries the same totals, the user and whether
the enrolment is still on the pathway (`on_pathway`). They are kept by TRIGGERS on both
engines, not by the store's write statements: a trigger runs in the same transaction as
every write that moves a counter, whichever path makes it (/done, /undo, a group join or
leave, leaving or re-enrolling, `/me visibility`, a cascade on erasure, the bulk loaders
in tests/bulk_load.py, `migrate-db`'s COPY, a hand-made fix), so no path can forget one,
and triggers add no statements to a use case's budget (docs/architecture.md).

An all-time points board (`top_for_group`, `top_for_pathway` without a window) is then an
index range scan: the top N in ranking order over group_members_board / enrolments_board
(stopping after N), the viewer's own row by key, the viewer's rank as a COUNT of members
with more points over an index, and the member counts over an index. No table is joined
whole and nothing is materialised. Windowed boards (week, month) still sum completions per
member over the covering index completions(enrolment_id, completed_at, points), and the
on-schedule metric, digests and /cohort read every member's row (`for_group`,
`for_pathway`): their cost grows with the group, never with the whole completions table.
Enrolments the learner left are not listed.
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
        """A study group's board: what the service shows for `/leaderboard` in a group.

        A group shows every member to the group (bot/service/social.py), so `shown` ranks
        everyone and `hidden` is 0; each row still carries the learner's own visibility.
        All time, it is an index range scan over the standing counters (module docstring);
        with a window it ranks the group's sums in one statement.
        """
        if since is None and until is None:
            return await _counted_board(self._db, _GROUP_BOARD, (group_id, viewer, top))
        return await ranked_top(
            self._db,
            top=top,
            viewer=viewer,
            group_id=group_id,
            since=since,
            until=until,
            everyone_shown=True,
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
        """Everyone on a pathway in a server: the top shown learners (ranked among shown
        learners) and the viewer's rank among everyone. All time, an index range scan over
        the standing counters; with a window, one statement ranks the sums."""
        if since is None and until is None:
            return await _counted_board(
                self._db, _PATHWAY_BOARD, (guild_id, pathway_id, viewer, top)
            )
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
        self,
        enrolment_id: int,
        guild_id: int,
        pathway_id: str,
        group: RankGroup | None,
        before: int,
        after: int,
    ) -> RankRead:
        """The learner's rank with `before` and with `after` points, from the counters.

        Counts only the members ahead (points above), over an index, instead of building the
        board: what /done's "you moved up" line needs. The scope is the learner's study
        group when they are in one (`group`, as Completions.lock read it; counted over
        group_members_board), else everyone on the pathway in the server (enrolments_board).
        Ranks are competition ranks among everyone, as on the boards. The learner's own row
        is not counted, so the read is the same before or after their completion is in.
        """
        sql, params = ahead(enrolment_id, guild_id, pathway_id, group, before, after)
        async with self._db.read_one() as tx:
            row = await tx.fetchrow(sql, params)
        return rank_read(row, group)

    async def _read(self, sql: Statement, params: Params) -> list[LeaderboardRow]:
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(sql, params)
        return [_row(row) for row in rows]


# /done's "you moved up": how many others in the learner's scope have more points than
# `after` (?2) and than `before` (?3), in one range scan of the rank index (points above
# `before`, the lower bound, since a completion never takes points away), the learner's own
# row left out. One table each, so that PostgreSQL plans it quickly: a range bound on a
# parameter keeps a prepared statement on custom plans, planned at every execution (the
# single statement over both scopes this replaces took some 0.5 ms to plan, ten times its
# run). ?1 is the enrolment; the scope follows from ?4.
_AHEAD_IN_GROUP = (
    "SELECT COUNT(CASE WHEN points > ?2 THEN 1 END), COUNT(*) FROM group_members"
    " WHERE group_id = ?4 AND on_pathway = 1 AND points > ?3 AND enrolment_id <> ?1"
)
# shown IN (0, 1): everyone, as two ranges of enrolments_board.
_AHEAD_ON_PATHWAY = (
    "SELECT COUNT(CASE WHEN points_total > ?2 THEN 1 END), COUNT(*) FROM enrolments"
    " WHERE guild_id = ?4 AND pathway_id = ?5 AND shown IN (0, 1) AND status <> 'left'"
    " AND points_total > ?3 AND id <> ?1"
)


def ahead(
    enrolment_id: int,
    guild_id: int,
    pathway_id: str,
    group: RankGroup | None,
    before: int,
    after: int,
) -> tuple[str, tuple[SqlValue, ...]]:
    """The statement counting who is ahead of the learner after and before (rank_read reads
    its two columns), and its parameters, ?1-?5 at most: Completions.insert_ranked numbers
    its own after them."""
    if group is not None:
        return _AHEAD_IN_GROUP, (enrolment_id, after, before, group.id)
    return _AHEAD_ON_PATHWAY, (enrolment_id, after, before, guild_id, pathway_id)


# The all-time boards over the standing counters (migration 012), in one statement each:
# kind 0 rows are the top N (index range scan in ranking order, stopping after N), kind 1
# the viewer's row (by key), kind 2 the counts: members, shown members, members ahead of
# the viewer (COUNT over the index). NULL reached_at (nothing done) ranks last, as in core.
_GROUP_TOP = (
    "SELECT enrolment_id, user_id, points, completions, reached_at FROM group_members"
    " WHERE group_id = ?1 AND on_pathway = 1"
    " ORDER BY points DESC, COALESCE(reached_at, 9223372036854775807), user_id LIMIT ?3"
)
_GROUP_ME = (
    "SELECT m.enrolment_id, m.user_id, m.points, m.completions, m.reached_at"
    " FROM enrolments AS e CROSS JOIN group_members AS m"
    " WHERE m.enrolment_id = e.id AND e.user_id = ?2 AND m.group_id = ?1 AND m.on_pathway = 1"
)
_GROUP_BOARD = f"""
WITH me AS ({_GROUP_ME})
SELECT 0, t.enrolment_id, t.user_id, l.visibility, t.points, t.completions, t.reached_at,
       CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
  FROM ({_GROUP_TOP}) AS t JOIN learners AS l ON l.user_id = t.user_id
UNION ALL
SELECT 1, me.enrolment_id, me.user_id, l.visibility, me.points, me.completions, me.reached_at,
       NULL, NULL, NULL
  FROM me JOIN learners AS l ON l.user_id = me.user_id
UNION ALL
SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*), COUNT(*),
       (SELECT COUNT(*) FROM group_members WHERE group_id = ?1 AND on_pathway = 1
           AND points > (SELECT points FROM me))
  FROM group_members WHERE group_id = ?1 AND on_pathway = 1
"""  # noqa: S608 - constant pieces
_PATHWAY_SCOPE = "guild_id = ?1 AND pathway_id = ?2 AND status <> 'left'"
_PATHWAY_TOP = (
    "SELECT id, user_id, points_total, completions_total, last_completed_at FROM enrolments"
    " WHERE guild_id = ?1 AND pathway_id = ?2 AND status <> 'left' AND shown = 1"
    " ORDER BY points_total DESC, COALESCE(last_completed_at, 9223372036854775807), user_id"
    " LIMIT ?4"
)
_PATHWAY_BOARD = f"""
WITH me AS (
    SELECT id, user_id, shown, points_total, completions_total, last_completed_at
      FROM enrolments WHERE user_id = ?3 AND pathway_id = ?2 AND status <> 'left'
       AND guild_id = ?1
)
SELECT 0, t.id, t.user_id, 'shown', t.points_total, t.completions_total, t.last_completed_at,
       CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
  FROM ({_PATHWAY_TOP}) AS t
UNION ALL
SELECT 1, id, user_id, CASE WHEN shown = 1 THEN 'shown' ELSE 'hidden' END, points_total,
       completions_total, last_completed_at, NULL, NULL, NULL
  FROM me
UNION ALL
SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*), COALESCE(SUM(shown), 0),
       (SELECT COUNT(*) FROM enrolments WHERE {_PATHWAY_SCOPE} AND shown IN (0, 1)
           AND points_total > (SELECT points_total FROM me))
  FROM enrolments WHERE {_PATHWAY_SCOPE}
"""  # noqa: S608 - constant pieces


def _reached_key(row: LeaderboardRow) -> tuple[int, int | float, int]:
    reached = float("inf") if row.reached_at is None else codec.instant(row.reached_at)
    return (-row.points, reached, row.user_id)


async def _counted_board(db: Backend, sql: str, params: Params) -> RankedBoard:
    """Run an all-time board statement (_GROUP_BOARD, _PATHWAY_BOARD) and rank its rows."""
    async with db.read() as tx:
        rows = await tx.fetchall(sql, params)
    top: list[LeaderboardRow] = []
    mine_row: LeaderboardRow | None = None
    total = shown_total = ahead = 0
    for row in rows:
        if row[0] == 0:
            top.append(_row(row[1:7]))
        elif row[0] == 1:
            mine_row = _row(row[1:7])
        else:
            total, shown_total, ahead = int(row[7]), int(row[8]), int(row[9] or 0)
    top.sort(key=_reached_key)  # the join after LIMIT need not keep the index's order
    shown: list[tuple[int, LeaderboardRow]] = []
    for entry in top:
        same = shown and shown[-1][1].points == entry.points
        shown.append((shown[-1][0] if same else len(shown) + 1, entry))
    mine = None if mine_row is None else (ahead + 1, mine_row)
    return RankedBoard(shown, mine, total, total - shown_total)


@dataclass(frozen=True, slots=True)
class RankRead:
    group_name: str | None  # None: ranked on the pathway in the server
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class RankGroup:
    """The study group a learner's rank is counted in."""

    id: int
    name: str


def rank_read(row: Row, group: RankGroup | None, at: int = 0) -> RankRead:
    """The two counts of `ahead`'s statement, from position `at` of `row`."""
    ahead_after, ahead_before = row[at], row[at + 1]
    return RankRead(
        group_name=None if group is None else group.name,
        before=int(ahead_before) + 1,
        after=int(ahead_after) + 1,
    )


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
    SELECT * FROM base WHERE {shown_if}
     ORDER BY points DESC, reached_at IS NULL, reached_at, user_id LIMIT ?)
UNION ALL SELECT 1, *, NULL, NULL, NULL FROM me
UNION ALL SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*), TOTAL({shown_if}),
                 TOTAL(points > COALESCE((SELECT points FROM me), -1)) FROM base
""",
    # PostgreSQL: the subquery needs a name, the first branch's NULLs a type (a UNION types
    # its columns from the first branches), and a count of rows replaces TOTAL().
    postgres="""
WITH base (enrolment_id, user_id, visibility, points, completions, reached_at)
       AS MATERIALIZED ({base}),
     me AS (SELECT * FROM base WHERE user_id = ?)
SELECT 0, top.*, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) FROM (
    SELECT * FROM base WHERE {shown_if}
     ORDER BY points DESC, reached_at IS NULL, reached_at, user_id LIMIT ?) AS top
UNION ALL SELECT 1, *, NULL, NULL, NULL FROM me
UNION ALL SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*),
                 COUNT(*) FILTER (WHERE {shown_if}),
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
    everyone_shown: bool = False,
) -> RankedBoard:
    """The top `top` shown learners (ranked among shown learners) and the viewer's rank among
    everyone: what a public board needs, without turning every member into a Python object.

    One statement computes the scope once and returns the top shown rows, the viewer's row
    and the counts (members, shown members, members ahead of the viewer). Ranks are
    competition ranks by points (ties share a rank); rows with equal points come in the
    order their score was reached. `everyone_shown`: a study group shows all its members
    to the group, so all are ranked in `shown` and none counts as hidden.
    """
    base, params = _scope_sql(group_id, guild_id, pathway_id, since, until)
    shown_if = "TRUE" if everyone_shown else "visibility = 'shown'"
    async with db.read() as tx:
        rows = await tx.fetchall(
            _RANKED.format(base=base, shown_if=shown_if), (*params, viewer, top)
        )
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
