"""Bulk loading for benchmarks and large test cohorts: executemany, one transaction a table.

It bypasses the repositories' rules (idempotence, status checks, learner defaults) for
speed, so it is not part of the bot: it lives with the tests (the benchmarks import it from
here) and never ships in the package.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot.core.models import CompletionSource
from bot.store import codec
from bot.store.backend import Backend


async def load_learners(db: Backend, user_ids: Iterable[int], now: datetime) -> None:
    ts = codec.instant(now)
    async with db.write() as tx:
        await tx.executemany(
            "INSERT INTO learners (user_id, tz, weekday, remind_at, created_at)"
            " VALUES (?, 'UTC', 0, '09:00:00', ?)",
            ((user_id, ts) for user_id in user_ids),
        )


async def load_enrolments(
    db: Backend,
    rows: Iterable[tuple[int, int, int | None, str, date, datetime | None]],
    now: datetime,
) -> None:
    """Rows of (id, user_id, guild_id, pathway_id, start_date, next_reminder_at), all active."""
    ts = codec.instant(now)
    async with db.write() as tx:
        await tx.executemany(
            "INSERT INTO enrolments (id, user_id, guild_id, pathway_id, pathway_hash, start_date,"
            " status, next_reminder_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'bench', ?, 'active', ?, ?, ?)",
            (
                (eid, uid, gid, pid, codec.day(start), codec.opt_instant(due), ts, ts)
                for eid, uid, gid, pid, start, due in rows
            ),
        )
        await tx.advance_ids("enrolments")


async def load_completions(db: Backend, rows: Iterable[tuple[int, str, datetime, int]]) -> None:
    """Rows of (enrolment_id, item_id, completed_at, points)."""
    async with db.write() as tx:
        await tx.executemany(
            "INSERT INTO completions (enrolment_id, item_id, completed_at, source, points)"
            " VALUES (?, ?, ?, ?, ?)",
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
        await tx.executemany(
            "INSERT INTO group_members (group_id, enrolment_id, joined_at) VALUES (?, ?, ?)",
            ((group_id, enrolment_id, ts) for enrolment_id in enrolment_ids),
        )
