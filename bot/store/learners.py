"""Learners: reminder preferences, the cached DM channel, DM-blocked state and visibility.

Every setter is an upsert: a learner row appears the first time anything about them is saved
(settings before enrolling, a group join, an enrolment), with default reminder preferences.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.models import Learner, ReminderPrefs, Visibility
from bot.store import codec
from bot.store.backend import Backend, Dialect, Params, Row, Sql, Tx

# Every insert names visibility: a new learner starts hidden (opt-in, migration 009), and
# SQLite cannot change the old column default in place.
_INSERT = (
    "INSERT INTO learners (user_id, tz, weekday, remind_at, created_at, visibility)"
    " VALUES (?, ?, ?, ?, ?, 'hidden')"
)
_GET = "SELECT * FROM learners WHERE user_id = ?"
_SET_PREFS = (
    _INSERT + " ON CONFLICT (user_id) DO UPDATE SET tz = excluded.tz, weekday = excluded.weekday,"
    " remind_at = excluded.remind_at RETURNING *"
)
_SET_DM_CHANNEL = (
    "INSERT INTO learners (user_id, tz, weekday, remind_at, created_at, dm_channel_id,"
    " visibility) VALUES (?, ?, ?, ?, ?, ?, 'hidden') ON CONFLICT (user_id) DO UPDATE"
    " SET dm_channel_id = excluded.dm_channel_id RETURNING *"
)
_SET_DM_BLOCKED = (
    "INSERT INTO learners (user_id, tz, weekday, remind_at, created_at, dm_blocked_since,"
    " visibility) VALUES (?, ?, ?, ?, ?, ?, 'hidden') ON CONFLICT (user_id) DO UPDATE"
    " SET dm_blocked_since = COALESCE(learners.dm_blocked_since, excluded.dm_blocked_since)"
    " RETURNING *"
)
_SET_VISIBILITY = (
    "INSERT INTO learners (user_id, tz, weekday, remind_at, created_at, visibility)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE"
    " SET visibility = excluded.visibility RETURNING *"
)


_WITHOUT_DM_CHANNEL_WHERE = (
    " FROM enrolments AS e JOIN learners AS l ON l.user_id = e.user_id"
    " WHERE e.status = 'active' AND e.next_reminder_at >= ? AND e.next_reminder_at < ?"
    " AND l.dm_channel_id IS NULL AND l.dm_blocked_since IS NULL"
)
_WITHOUT_DM_CHANNEL = Sql(
    sqlite="SELECT DISTINCT e.user_id"
    + _WITHOUT_DM_CHANNEL_WHERE
    + " ORDER BY e.next_reminder_at LIMIT ?",
    # PostgreSQL will not order DISTINCT rows by a column it does not return.
    postgres="SELECT e.user_id"
    + _WITHOUT_DM_CHANNEL_WHERE
    + " GROUP BY e.user_id ORDER BY MIN(e.next_reminder_at), e.user_id LIMIT ?",
)


def learner_from_row(row: Row) -> Learner:
    return Learner(
        user_id=row["user_id"],
        prefs=codec.prefs_from_columns(row["tz"], row["weekday"], row["remind_at"]),
        dm_channel_id=row["dm_channel_id"],
        dm_blocked_since=codec.opt_from_instant(row["dm_blocked_since"]),
        visibility=Visibility(row["visibility"]),
        created_at=codec.from_instant(row["created_at"]),
        dm_closed_told_at=codec.opt_from_instant(row["dm_closed_told_at"]),
        dm_notice_posted_at=codec.opt_from_instant(row["dm_notice_posted_at"]),
    )


def _new_row(user_id: int, now: datetime, prefs: ReminderPrefs) -> tuple[int, str, int, str, int]:
    return (user_id, prefs.tz, prefs.weekday, codec.wall_time(prefs.at), codec.instant(now))


# A learner's enrolments change one transaction at a time (enrol checks then inserts). On
# PostgreSQL, where writers run in parallel, a transaction-scoped advisory lock per learner
# keeps that order even before the learner's row exists; SQLite's single writer already
# does. The two-key form keeps these locks apart from any single-key lock.
_LOCK_LEARNER = "SELECT pg_advisory_xact_lock(1, CAST(CAST(? AS BIGINT) % 2147483647 AS INTEGER))"


async def lock_learner(tx: Tx, user_id: int) -> None:
    """Inside a write: wait for any other transaction changing this learner's enrolments."""
    if tx.dialect is Dialect.POSTGRES:
        await tx.execute(_LOCK_LEARNER, (user_id,))


async def ensure_learner(tx: Tx, user_id: int, now: datetime, prefs: ReminderPrefs) -> None:
    """Inside a write: create the learner with `prefs` unless they already exist."""
    await tx.execute(_INSERT + " ON CONFLICT (user_id) DO NOTHING", _new_row(user_id, now, prefs))


class Learners:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def get(self, user_id: int) -> Learner | None:
        async with self._db.read_one() as tx:
            row = await tx.fetchone(_GET, (user_id,))
        return None if row is None else learner_from_row(row)

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, Learner]:
        """Learners by id, in one query (a sweep batch reads hundreds at once)."""
        if not user_ids:
            return {}
        marks = ",".join("?" * len(user_ids))
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(
                f"SELECT * FROM learners WHERE user_id IN ({marks})",  # noqa: S608 - only ?s
                tuple(user_ids),
            )
        return {row["user_id"]: learner_from_row(row) for row in rows}

    async def ensure(
        self, user_id: int, now: datetime, prefs: ReminderPrefs | None = None
    ) -> Learner:
        """Return the learner, creating them with `prefs` (or the defaults) if new."""
        async with self._db.write() as tx:
            await ensure_learner(tx, user_id, now, prefs or ReminderPrefs())
            row = await tx.fetchrow(_GET, (user_id,))
        return learner_from_row(row)

    async def set_prefs(self, user_id: int, prefs: ReminderPrefs, now: datetime) -> Learner:
        return await self._upsert(_SET_PREFS, _new_row(user_id, now, prefs))

    async def set_dm_channel(self, user_id: int, channel_id: int | None, now: datetime) -> Learner:
        """Cache the DM channel so a reminder costs one request instead of two."""
        return await self._upsert(_SET_DM_CHANNEL, (*self._defaults(user_id, now), channel_id))

    async def without_dm_channel(
        self, due_from: datetime, due_until: datetime, limit: int
    ) -> list[int]:
        """Learners with a reminder due in [due_from, due_until) whose DM channel is unknown
        (and whose DMs are not known to be closed): the ones to warm up before the fan-out."""
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(
                _WITHOUT_DM_CHANNEL, (codec.instant(due_from), codec.instant(due_until), limit)
            )
        return [int(r[0]) for r in rows]

    async def set_dm_channels(self, pairs: Sequence[tuple[int, int]]) -> None:
        """Record many learned DM channels (user id, channel id) in one transaction."""
        if not pairs:
            return
        async with self._db.write() as tx:
            await tx.executemany(
                "UPDATE learners SET dm_channel_id = ? WHERE user_id = ?",
                [(channel_id, user_id) for user_id, channel_id in pairs],
            )

    async def set_dm_blocked(self, user_id: int, since: datetime) -> Learner:
        """Record a 403/50007: stop DMing them (never retry) until they come back."""
        return await self._upsert(
            _SET_DM_BLOCKED, (*self._defaults(user_id, since), codec.instant(since))
        )

    async def clear_dm_blocked(self, user_id: int, now: datetime) -> Learner:
        """A DM got through: their DMs are open again, and a later closure is told anew."""
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE learners SET dm_blocked_since = NULL, dm_closed_told_at = NULL"
                " WHERE user_id = ?",
                (user_id,),
            )
            await ensure_learner(tx, user_id, now, ReminderPrefs())
            row = await tx.fetchrow(_GET, (user_id,))
        return learner_from_row(row)

    async def mark_dm_closed_told(self, user_id: int, now: datetime) -> bool:
        """Record that the learner was told their DMs are closed; False if they already were
        (or their DMs are not closed), so two commands at once tell them once."""
        async with self._db.write() as tx:
            changed = await tx.execute(
                "UPDATE learners SET dm_closed_told_at = ? WHERE user_id = ?"
                " AND dm_blocked_since IS NOT NULL AND dm_closed_told_at IS NULL",
                (codec.instant(now), user_id),
            )
        return bool(changed)

    async def claim_dm_notice(self, user_id: int, now: datetime) -> bool:
        """Claim the one channel notice a learner with closed DMs may ever get: True once."""
        async with self._db.write() as tx:
            changed = await tx.execute(
                "UPDATE learners SET dm_notice_posted_at = ? WHERE user_id = ?"
                " AND dm_notice_posted_at IS NULL",
                (codec.instant(now), user_id),
            )
        return bool(changed)

    async def set_visibility(self, user_id: int, visibility: Visibility, now: datetime) -> Learner:
        return await self._upsert(
            _SET_VISIBILITY, (*self._defaults(user_id, now), visibility.value)
        )

    @staticmethod
    def _defaults(user_id: int, now: datetime) -> tuple[int, str, int, str, int]:
        return _new_row(user_id, now, ReminderPrefs())

    async def _upsert(self, sql: str, params: Params) -> Learner:
        async with self._db.write() as tx:
            row = await tx.fetchrow(sql, params)
        return learner_from_row(row)
