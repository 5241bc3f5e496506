"""Completions: which items an enrolment has done, when, how, and for how many points.

Recording is idempotent: a double click, a retried interaction or /done after the button all
land on the (enrolment, item) primary key, and the second one reports "already done"
without changing the first one's time, source or points.

/done and /undo are units of work of the service (bot/service/completion.py) built from the
pieces here, each one statement (one round trip on PostgreSQL) in the common case:
`lock` (the enrolment, locked, with its points and completions), then `insert_ranked` (the
completion and the rank change) or `remove`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.models import Completion, CompletionSource, Enrolment
from bot.store import codec
from bot.store.backend import Backend, Dialect, Row, Sql
from bot.store.enrolments import COLUMNS, enrolment_from_row, select_with
from bot.store.leaderboards import RankGroup, RankRead, ahead, rank_read


# INSERT ... SELECT from the enrolment so a completion for a missing or left enrolment inserts
# nothing. (The WHERE clause also keeps SQLite from reading ON CONFLICT as a join constraint.)
# Its placeholders are numbered from `first`: alone, or after the rank read's in one WITH.
def _insert(first: int = 1) -> str:
    enrolment, item, at, source, points = (f"?{first + k}" for k in range(5))
    return (
        "INSERT INTO completions (enrolment_id, item_id, completed_at, source, points)"  # noqa: S608
        f" SELECT id, {item}, {at}, {source}, {points} FROM enrolments"
        f" WHERE id = {enrolment} AND status <> 'left'"
        " ON CONFLICT (enrolment_id, item_id) DO NOTHING"
        " RETURNING item_id, completed_at, source, points"
    )


_INSERT = _insert()


@functools.cache
def _insert_ranked(rank: str, rank_params: int) -> str:
    """PostgreSQL: the insert and the rank read (leaderboards.ahead) in one statement. Every
    part of a statement reads the same snapshot, so the counts do not see the insert's
    trigger-kept counters; they need not, as they leave the learner's own row out."""
    return (
        f"WITH ins AS ({_insert(rank_params + 1)})"  # noqa: S608 - constant pieces
        " SELECT ins.item_id, ins.completed_at, ins.source, ins.points, r.*"
        f" FROM ({rank}) AS r LEFT JOIN ins ON TRUE"
    )


# The enrolment (its learner's prefs and its pauses, as Enrolments reads it), its points and
# its completions, and the study group it ranks in (if any), in one statement: what /done and
# /undo decide from. On PostgreSQL, where
# writers run in parallel, the enrolment's row is locked (FOR UPDATE) until the transaction
# ends: concurrent /done's and /undo's of one enrolment queue on it, as they do behind
# SQLite's single writer, and each sees what the one before it committed.
#
# The catch: a statement reads at the snapshot it took when it began. When it had to wait
# for the lock, PostgreSQL hands it the row as the holder left it (READ COMMITTED), but the
# completions subquery still reads the older snapshot and would miss what the holder just
# committed. Every completion written or removed moves the enrolment's counters (a trigger,
# migration 003), so a new row version; the statement reads both row versions' xmin: the
# locked one's and the one its snapshot sees. They differ exactly when the row changed after
# the snapshot, and then `lock` reads again: the lock is held by then, so the second read's
# fresh snapshot holds everything committed before it. SQLite has one writer: nothing can
# change in between, and the versions are constants.
_LOCKED_COLUMNS = select_with(
    Sql(
        sqlite=""",
       e.points_total, 0, 0,
       (SELECT json_group_array(json_array(c.item_id, c.completed_at, c.source, c.points))
          FROM completions AS c WHERE c.enrolment_id = e.id),
       g.id, g.name""",
        postgres=""",
       e.points_total, e.xmin::text,
       (SELECT s.xmin::text FROM enrolments AS s WHERE s.id = e.id),
       (SELECT json_agg(json_build_array(c.item_id, c.completed_at, c.source, c.points))::text
          FROM completions AS c WHERE c.enrolment_id = e.id),
       g.id, g.name""",
    ),
    joins=" LEFT JOIN group_members AS m ON m.enrolment_id = e.id"
    " LEFT JOIN study_groups AS g ON g.id = m.group_id",
)
_LOCKED = Sql(
    sqlite=_LOCKED_COLUMNS.sqlite + " WHERE e.id = ?",
    postgres=_LOCKED_COLUMNS.postgres + " WHERE e.id = ? FOR UPDATE OF e",
)
_FOR_ENROLMENT = "SELECT * FROM completions WHERE enrolment_id = ? ORDER BY completed_at, item_id"
_SOURCES = {source.value: source for source in CompletionSource}


def completion_from_row(row: Row) -> Completion:
    return Completion(
        enrolment_id=row["enrolment_id"],
        item_id=row["item_id"],
        completed_at=codec.from_instant(row["completed_at"]),
        source=CompletionSource(row["source"]),
        points=row["points"],
    )


def _completion(enrolment_id: int, values: Sequence[Any]) -> Completion:
    """(item_id, completed_at, source, points) positionally: a RETURNING row or a JSON array."""
    item_id, completed_at, source, points = values
    return Completion(
        enrolment_id=enrolment_id,
        item_id=str(item_id),
        completed_at=codec.from_instant(int(completed_at)),
        source=_SOURCES[str(source)],
        points=int(points),
    )


@dataclass(frozen=True, slots=True)
class Locked:
    """An enrolment as a unit of work read it under its lock: the enrolment, its running
    points total (the trigger-kept counter), its completions in completion order, and the
    study group it is ranked in (None: on the pathway in the server, or a DM enrolment)."""

    enrolment: Enrolment
    points: int
    completions: tuple[Completion, ...]
    group: RankGroup | None = None


class Completions:
    def __init__(self, db: Backend) -> None:
        self._db = db

    # --- the pieces of a use case's unit of work (bot/service/completion.py) -----------------

    async def lock(self, enrolment_id: int) -> Locked | None:
        """The enrolment, its points and its completions, with its row locked until the
        transaction ends on PostgreSQL (SQLite's single writer already orders writers): one
        statement, two when it waited for another writer of the row (see _LOCKED). Take it
        first in a unit of work that reads completions to decide a write: concurrent /done's
        and /undo's of one enrolment then see each other's completions. None when the
        enrolment is gone (a left one is returned: the caller says what that means)."""
        async with self._db.write() as tx:
            row = await tx.fetchone(_LOCKED, (enrolment_id,))
            if row is not None and row[COLUMNS + 1] != row[COLUMNS + 2]:
                row = await tx.fetchone(_LOCKED, (enrolment_id,))
        if row is None:
            return None
        encoded = row[COLUMNS + 3]
        done = (
            [] if encoded is None else [_completion(enrolment_id, c) for c in json.loads(encoded)]
        )
        done.sort(key=lambda c: (c.completed_at, c.item_id))
        group_id, group_name = row[COLUMNS + 4], row[COLUMNS + 5]
        group = None if group_id is None else RankGroup(int(group_id), str(group_name))
        enrolment = enrolment_from_row(tuple(row)[:COLUMNS])
        return Locked(enrolment, int(row[COLUMNS]), tuple(done), group)

    async def insert(
        self, enrolment_id: int, item_id: str, now: datetime, source: CompletionSource, points: int
    ) -> Completion | None:
        """Record a completion; None when the item was already done (nothing changed) or the
        enrolment is gone or left. Take `lock` first."""
        async with self._db.write() as tx:
            row = await tx.fetchone(
                _INSERT, (enrolment_id, item_id, codec.instant(now), source.value, points)
            )
        return None if row is None else _completion(enrolment_id, tuple(row))

    async def insert_ranked(
        self,
        locked: Locked,
        item_id: str,
        now: datetime,
        source: CompletionSource,
        points: int,
    ) -> tuple[Completion | None, RankRead]:
        """`insert` for the enrolment `lock` returned, and its learner's rank with the points
        before and after it (Leaderboards.rank_change): one statement on PostgreSQL, two on
        SQLite (no INSERT in a WITH there; its statements cost no round trip). The rank
        reads as if the completion was recorded, even when it was not."""
        enrolment = locked.enrolment
        if enrolment.guild_id is None:
            raise ValueError("a DM enrolment has no rank: use insert")
        rank, rank_params = ahead(
            enrolment.id,
            enrolment.guild_id,
            enrolment.pathway_id,
            locked.group,
            locked.points,
            locked.points + points,
        )
        values = (enrolment.id, item_id, codec.instant(now), source.value, points)
        async with self._db.write() as tx:
            if tx.dialect is Dialect.POSTGRES:
                sql = _insert_ranked(rank, len(rank_params))
                row = await tx.fetchrow(sql, (*rank_params, *values))
                inserted = None if row[0] is None else tuple(row)[:4]
                read = rank_read(row, locked.group, 4)
            else:
                first = await tx.fetchone(_INSERT, values)
                inserted = None if first is None else tuple(first)
                read = rank_read(await tx.fetchrow(rank, rank_params), locked.group)
        return None if inserted is None else _completion(enrolment.id, inserted), read

    async def remove(self, enrolment_id: int, item_id: str) -> bool:
        """Delete a completion (take `lock` first); False when there was none."""
        async with self._db.write() as tx:
            removed = await tx.execute(
                "DELETE FROM completions WHERE enrolment_id = ? AND item_id = ?",
                (enrolment_id, item_id),
            )
        return removed > 0

    async def for_enrolments(self, enrolment_ids: Sequence[int]) -> dict[int, list[Completion]]:
        """Completions of many enrolments in one query, each list in completion order."""
        out: dict[int, list[Completion]] = {eid: [] for eid in enrolment_ids}
        ids = list(enrolment_ids)
        async with self._db.read() as tx:
            for start in range(0, len(ids), 5000):  # under SQLite's bound-parameter limit
                chunk = ids[start : start + 5000]
                marks = ",".join("?" * len(chunk))
                rows = await tx.fetchall(
                    f"SELECT * FROM completions WHERE enrolment_id IN ({marks})"  # noqa: S608
                    " ORDER BY enrolment_id, completed_at, item_id",
                    tuple(chunk),
                )
                for row in rows:
                    out[row["enrolment_id"]].append(completion_from_row(row))
        return out

    async def list_for_enrolment(self, enrolment_id: int) -> list[Completion]:
        """In the order they were completed."""
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(_FOR_ENROLMENT, (enrolment_id,))
        return [completion_from_row(row) for row in rows]
