"""Completions: which items an enrolment has done, when, how, and for how many points.

Recording is idempotent: a double click, a retried interaction or /done after the button all
land on the (enrolment, item) primary key, and the second one reports "already done"
without changing the first one's time, source or points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.core.errors import ErrorCode, NotEnrolled
from bot.core.models import Completion, CompletionSource
from bot.store import codec
from bot.store.backend import Backend, Row, Sql
from bot.store.enrolments import complete_enrolment, read_enrolment
from bot.store.results import RecordResult

# INSERT ... SELECT from the enrolment so a completion for a missing or left enrolment inserts
# nothing. (The WHERE clause also keeps SQLite from reading ON CONFLICT as a join constraint.)
_RECORD = (
    "INSERT INTO completions (enrolment_id, item_id, completed_at, source, points)"
    " SELECT id, ?, ?, ?, ? FROM enrolments WHERE id = ? AND status <> 'left'"
    " ON CONFLICT (enrolment_id, item_id) DO NOTHING RETURNING *"
)
# The enrolment row is read under a lock on PostgreSQL, where writers run in parallel: the
# points before, the completions after and the "all done" decision then all see one order,
# as they do behind SQLite's single writer.
_POINTS_BEFORE = Sql(
    sqlite="SELECT points_total FROM enrolments WHERE id = ?",
    postgres="SELECT points_total FROM enrolments WHERE id = ? FOR UPDATE",
)
_ONE = "SELECT * FROM completions WHERE enrolment_id = ? AND item_id = ?"
_FOR_ENROLMENT = "SELECT * FROM completions WHERE enrolment_id = ? ORDER BY completed_at, item_id"


def completion_from_row(row: Row) -> Completion:
    return Completion(
        enrolment_id=row["enrolment_id"],
        item_id=row["item_id"],
        completed_at=codec.from_instant(row["completed_at"]),
        source=CompletionSource(row["source"]),
        points=row["points"],
    )


class Completions:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def record(
        self,
        enrolment_id: int,
        item_id: str,
        now: datetime,
        source: CompletionSource = CompletionSource.COMMAND,
        points: int = 0,
        finishes: Callable[[frozenset[str]], bool] | None = None,
    ) -> RecordResult:
        """Mark an item done and settle its effects, in one write transaction.

        `created=False` (and nothing changed) if it already was done. `finishes` is the
        core's rule for "every item is done" (settled items included): when it holds for the
        completions after this one, the enrolment is completed and its reminders stop, in
        the same transaction. Raises NotEnrolled when the enrolment is gone or was left.
        When this returns the completion is durable (synchronous=FULL): acknowledge it.
        """
        async with self._db.write() as tx:
            before = await tx.fetchone(_POINTS_BEFORE, (enrolment_id,))
            row = await tx.fetchone(
                _RECORD, (item_id, codec.instant(now), source.value, points, enrolment_id)
            )
            created = row is not None
            if row is None:
                row = await tx.fetchone(_ONE, (enrolment_id, item_id))
                if row is None:
                    raise NotEnrolled(code=ErrorCode.NOT_ENROLLED_ANY_MORE)
            rows = await tx.fetchall(_FOR_ENROLMENT, (enrolment_id,))
            done = tuple(completion_from_row(r) for r in rows)
            if created and finishes is not None and finishes(frozenset(c.item_id for c in done)):
                await complete_enrolment(tx, enrolment_id, now)
            enrolment = await read_enrolment(tx, enrolment_id)
        return RecordResult(
            created=created,
            completion=completion_from_row(row),
            completions=done,
            enrolment=enrolment,
            points_before=int(before[0]) if before is not None else 0,
        )

    # --- the pieces of a use case's unit of work (bot/service/completion.py) -----------------

    async def lock_points(self, enrolment_id: int) -> int | None:
        """The enrolment's points so far, with its row locked until the transaction ends on
        PostgreSQL (SQLite's single writer already orders writers). Take it first in a unit
        of work that reads completions to decide a write: concurrent /done's on one
        enrolment then see each other's completions. None when the enrolment is gone."""
        async with self._db.write() as tx:
            row = await tx.fetchone(_POINTS_BEFORE, (enrolment_id,))
        return None if row is None else int(row[0])

    async def insert(
        self, enrolment_id: int, item_id: str, now: datetime, source: CompletionSource, points: int
    ) -> Completion | None:
        """Record a completion; None when the item was already done (nothing changed) or the
        enrolment is gone or left."""
        async with self._db.write() as tx:
            row = await tx.fetchone(
                _RECORD, (item_id, codec.instant(now), source.value, points, enrolment_id)
            )
        return None if row is None else completion_from_row(row)

    async def remove(self, enrolment_id: int, item_id: str) -> bool:
        """Delete a completion (take `lock_points` first); False when there was none."""
        async with self._db.write() as tx:
            removed = await tx.execute(
                "DELETE FROM completions WHERE enrolment_id = ? AND item_id = ?",
                (enrolment_id, item_id),
            )
        return removed > 0

    async def undo(self, enrolment_id: int, item_id: str) -> bool:
        """Remove a completion; False when there was none to remove."""
        async with self._db.write() as tx:
            await tx.fetchone(_POINTS_BEFORE, (enrolment_id,))  # the lock, as in record()
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
        async with self._db.read() as tx:
            rows = await tx.fetchall(_FOR_ENROLMENT, (enrolment_id,))
        return [completion_from_row(row) for row in rows]
