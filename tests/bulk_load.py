"""Bulk loading for benchmarks and large test cohorts: one transaction a table.

It bypasses the repositories' rules (idempotence, status checks, learner defaults) for
speed, so it is not part of the bot: it lives with the tests (the benchmarks import it from
here) and never ships in the package. SQLite gets executemany; PostgreSQL gets COPY, in
batches (a million completions as single INSERTs would be round trips, not loading). Both
engines' triggers still fire for every row (executemany and COPY alike), so every standing
counter is kept the same way as in the bot: the enrolments' running totals and `shown`,
and each membership's totals and `on_pathway` (migrations 003 and 012; tests/store/
test_counters.py checks them after a bulk load). Load learners before their enrolments and
enrolments before their memberships, as foreign keys require anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import islice

from bot.core.models import CompletionSource
from bot.store import codec
from bot.store.backend import Backend, SqlValue, Tx
from bot.store.postgres.db import PgTx

COPY_BATCH = 10_000


def _batches(rows: Iterable[tuple[SqlValue, ...]]) -> Iterator[list[tuple[SqlValue, ...]]]:
    it = iter(rows)
    while batch := list(islice(it, COPY_BATCH)):
        yield batch


async def _insert(
    tx: Tx, table: str, columns: Sequence[str], rows: Iterable[tuple[SqlValue, ...]]
) -> None:
    """Insert `rows` (values in `columns` order) into `table`, our names only."""
    if isinstance(tx, PgTx):
        for batch in _batches(rows):
            await tx.connection.copy_records_to_table(table, records=batch, columns=columns)
        return
    marks = ", ".join("?" for _ in columns)
    await tx.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
        rows,
    )


async def load_learners(db: Backend, user_ids: Iterable[int], now: datetime) -> None:
    ts = codec.instant(now)
    async with db.write() as tx:
        await _insert(
            tx,
            "learners",
            ("user_id", "tz", "weekday", "remind_at", "created_at"),
            ((user_id, "UTC", 0, "09:00:00", ts) for user_id in user_ids),
        )


async def load_enrolments(
    db: Backend,
    rows: Iterable[tuple[int, int, int | None, str, date, datetime | None]],
    now: datetime,
) -> None:
    """Rows of (id, user_id, guild_id, pathway_id, start_date, next_reminder_at), all active."""
    ts = codec.instant(now)
    async with db.write() as tx:
        await _insert(
            tx,
            "enrolments",
            (
                "id",
                "user_id",
                "guild_id",
                "pathway_id",
                "pathway_hash",
                "start_date",
                "status",
                "next_reminder_at",
                "created_at",
                "updated_at",
            ),
            (
                (
                    eid,
                    uid,
                    gid,
                    pid,
                    "bench",
                    codec.day(start),
                    "active",
                    codec.opt_instant(due),
                    ts,
                    ts,
                )
                for eid, uid, gid, pid, start, due in rows
            ),
        )
        await tx.advance_ids("enrolments")


async def load_completions(db: Backend, rows: Iterable[tuple[int, str, datetime, int]]) -> None:
    """Rows of (enrolment_id, item_id, completed_at, points)."""
    async with db.write() as tx:
        await _insert(
            tx,
            "completions",
            ("enrolment_id", "item_id", "completed_at", "source", "points"),
            (
                (eid, item, codec.instant(at), CompletionSource.COMMAND.value, points)
                for eid, item, at, points in rows
            ),
        )


async def load_memberships(
    db: Backend, group_id: int, enrolment_ids: Iterable[int], now: datetime
) -> None:
    """Put enrolments (of the group's guild and pathway, in no other group) into a group."""
    ts = codec.instant(now)
    async with db.write() as tx:
        await _insert(
            tx,
            "group_members",
            ("group_id", "enrolment_id", "joined_at"),
            ((group_id, enrolment_id, ts) for enrolment_id in enrolment_ids),
        )
