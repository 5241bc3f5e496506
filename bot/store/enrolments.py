"""Enrolments: one learner on one pathway in one guild (or a DM), and its life cycle.

Status moves active <-> paused, either -> completed, any -> left, and left -> active again
when the learner re-enrols. Leaving keeps the row and its completions, and opens a pause
(unless one is already open); re-enrolling reactivates the same row and closes that pause.
So a returning learner gets their progress back and, since the cadence engine discounts
paused intervals, their schedule resumes where they stopped instead of jumping ahead by the
time they were away. The start date and pathway hash stay as first enrolled; change them
explicitly with `set_start_date` if the learner wants a fresh start.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import date, datetime

from bot.core import lifecycle
from bot.core.errors import AlreadyExists, ErrorCode, NotFound
from bot.core.models import Enrolment, EnrolmentStatus, Pause, ReminderPrefs
from bot.store import codec
from bot.store.backend import Backend, Row, Sql, Tx
from bot.store.guilds import read_settings
from bot.store.learners import ensure_learner, lock_learner
from bot.store.results import EnrolResult

# The learner's prefs are joined in so the cadence engine needs nothing else; pauses come as
# a JSON array kept on the enrolment's row by migration 013's triggers (a correlated subquery
# per row cost half a sweep batch's SQL). The array is NULL when there are no pauses (most
# enrolments), saving a parse per row. Columns are in the order enrolment_from_row unpacks.
_COLUMNS = """
SELECT e.id, e.user_id, e.guild_id, e.pathway_id, e.pathway_hash, e.start_date, e.status,
       e.next_reminder_at, e.created_at, e.updated_at, l.tz, l.weekday, l.remind_at, e.pace,
"""
_FROM = """
  FROM enrolments AS e JOIN learners AS l ON l.user_id = e.user_id
"""
SELECT = _COLUMNS + "       e.pauses" + _FROM
#: How many leading columns of SELECT (and of a select_with row) enrolment_from_row reads.
COLUMNS = 15


def select_with(extra: Sql, joins: str = "") -> Sql:
    """SELECT's enrolment columns, then `extra` (", col, ..." over `e`, the enrolment, `l`,
    its learner, and whatever `joins` adds to the FROM): a caller reads the extra columns
    from position COLUMNS on and hands the first COLUMNS to enrolment_from_row."""
    head = _COLUMNS + "       e.pauses"
    return Sql(
        sqlite=head + extra.sqlite + _FROM + joins,
        postgres=head + extra.postgres + _FROM + joins,
    )


_BY_ID = SELECT + " WHERE e.id = ?"
# CAST: PostgreSQL would type a bare COALESCE(?, 0) as a 32-bit integer, too small for a
# guild id; SQLite reads the CAST as a no-op.
_BY_KEY = SELECT + (
    " WHERE e.user_id = ? AND COALESCE(e.guild_id, 0) = COALESCE(CAST(? AS BIGINT), 0)"
    " AND e.pathway_id = ?"
)
_OF_PATHWAY = SELECT + " WHERE e.user_id = ? AND e.pathway_id = ?"
_FOR_USER = SELECT + (
    " WHERE e.user_id = ? AND (CAST(? AS BIGINT) IS NULL OR e.guild_id = ?) ORDER BY e.id"
)
# Keyset pagination over the partial index enrolments_due: (next_reminder_at, id) > cursor.
_DUE = SELECT + (
    " WHERE e.status = 'active' AND e.next_reminder_at <= ?"
    " AND (e.next_reminder_at, e.id) > (?, ?)"
    " ORDER BY e.next_reminder_at, e.id LIMIT ?"
)
# A pause with an end date keeps its resume time in next_reminder_at (migration 004 indexes it).
_PAUSED_DUE = SELECT + (
    " WHERE e.status = 'paused' AND e.next_reminder_at <= ?"
    " ORDER BY e.next_reminder_at, e.id LIMIT ?"
)
_CHUNK = 5000  # well under SQLite's limit on bound parameters
_STATUS = {status.value: status for status in EnrolmentStatus}
_day = functools.lru_cache(maxsize=4096)(codec.from_day)  # learners share start dates
_instant = codec.from_instant


def _pauses(encoded: str | None) -> tuple[Pause, ...]:
    if encoded is None:
        return ()
    return tuple(
        Pause(codec.from_instant(start), codec.opt_from_instant(end))
        for start, end in sorted(json.loads(encoded), key=lambda pause: pause[0])
    )


def enrolment_from_row(row: Row) -> Enrolment:
    """Positional, not by name, and the dataclass filled positionally too: a sweep converts
    every due row, and keywords cost a 13-field frozen dataclass nearly half its build.
    Exactly COLUMNS columns: pass a select_with() row's first COLUMNS."""
    (id_, user_id, guild_id, pathway_id, pathway_hash, start_date, status, next_reminder_at,
     created_at, updated_at, tz, weekday, remind_at, pace, pauses) = row  # fmt: skip
    return Enrolment(
        id_,
        user_id,
        guild_id,
        pathway_id,
        pathway_hash,
        _day(start_date),
        codec.prefs_from_columns(tz, weekday, remind_at),
        _STATUS[status],
        () if pauses is None else _pauses(pauses),
        None if next_reminder_at is None else _instant(next_reminder_at),
        _instant(created_at),
        _instant(updated_at),
        pace,
    )


async def read_enrolment(tx: Tx, enrolment_id: int) -> Enrolment:
    row = await tx.fetchone(_BY_ID, (enrolment_id,))
    if row is None:
        raise NotFound(code=ErrorCode.ENROLMENT_GONE)
    return enrolment_from_row(row)


# Read-then-write methods read the status under a row lock on PostgreSQL, where writers run
# in parallel; SQLite's single writer already keeps them apart.
_STATUS_FOR_UPDATE = Sql(
    sqlite="SELECT status FROM enrolments WHERE id = ?",
    postgres="SELECT status FROM enrolments WHERE id = ? FOR UPDATE",
)
_CLOSE_PAUSE = Sql(
    sqlite="UPDATE enrolment_pauses SET end_at = MAX(start_at, ?)"
    " WHERE enrolment_id = ? AND end_at IS NULL",
    postgres="UPDATE enrolment_pauses SET end_at = GREATEST(start_at, ?)"
    " WHERE enrolment_id = ? AND end_at IS NULL",
)


async def _status(tx: Tx, enrolment_id: int) -> EnrolmentStatus:
    """Inside a write: the status, with the row locked until the transaction ends."""
    row = await tx.fetchone(_STATUS_FOR_UPDATE, (enrolment_id,))
    if row is None:
        raise NotFound(code=ErrorCode.ENROLMENT_GONE)
    return EnrolmentStatus(row["status"])


async def _open_pause(tx: Tx, enrolment_id: int, now: datetime) -> None:
    await tx.execute(
        "INSERT INTO enrolment_pauses (enrolment_id, start_at) VALUES (?, ?)",
        (enrolment_id, codec.instant(now)),
    )


async def _close_pause(tx: Tx, enrolment_id: int, now: datetime) -> None:
    # MAX(): a caller's clock a little behind the pause start must not violate end >= start.
    await tx.execute(_CLOSE_PAUSE, (codec.instant(now), enrolment_id))


async def apply_step(
    tx: Tx,
    enrolment_id: int,
    step: lifecycle.Step,
    now: datetime,
    next_reminder_at: datetime | None = None,
) -> None:
    """Write one life-cycle step (bot/core/lifecycle.py) already checked against the status:
    the status, the next reminder as the step says (SET with no time given leaves it to the
    caller, in the same unit of work), and the pause log."""
    sets = "status = ?, updated_at = ?"
    params: list[int | str | None] = [step.status.value, codec.instant(now)]
    if step.reminder is lifecycle.Reminder.CLEAR:
        sets += ", next_reminder_at = NULL"
    elif step.reminder is lifecycle.Reminder.SET and next_reminder_at is not None:
        sets += ", next_reminder_at = ?"
        params.append(codec.instant(next_reminder_at))
    await tx.execute(
        f"UPDATE enrolments SET {sets} WHERE id = ?",  # noqa: S608 - constant pieces
        (*params, enrolment_id),
    )
    if step.pause is lifecycle.PauseLog.OPEN:
        await _open_pause(tx, enrolment_id, now)
    elif step.pause is lifecycle.PauseLog.CLOSE:
        await _close_pause(tx, enrolment_id, now)


async def transition(
    tx: Tx,
    enrolment_id: int,
    change: lifecycle.Transition,
    now: datetime,
    next_reminder_at: datetime | None = None,
) -> lifecycle.Step:
    """Read the status under a row lock, check `change` against it, and write it."""
    step = lifecycle.step(change, await _status(tx, enrolment_id))
    await apply_step(tx, enrolment_id, step, now, next_reminder_at)
    return step


async def complete_enrolment(tx: Tx, enrolment_id: int, now: datetime) -> None:
    """Every item done: the enrolment is completed and its weekly reminders stop (a no-op
    on one that is not active or paused)."""
    row = await tx.fetchone(_STATUS_FOR_UPDATE, (enrolment_id,))
    if row is None:
        return
    current = EnrolmentStatus(row["status"])
    if current in (EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED):
        await apply_step(
            tx, enrolment_id, lifecycle.step(lifecycle.Transition.COMPLETE, current), now
        )


class Enrolments:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def enrol(
        self,
        user_id: int,
        guild_id: int | None,
        pathway_id: str,
        pathway_hash: str,
        start_date: date,
        now: datetime,
        next_reminder_at: datetime | None = None,
        pace: str = "as-written",
        prefs: ReminderPrefs | None = None,
    ) -> EnrolResult:
        """Enrol, or reactivate the enrolment the learner left (`restored=True`).

        Raises AlreadyExists when they are still enrolled (active, paused or completed): a
        second enrolment would split their progress. A learner first seen here starts with
        `prefs`, or else the guild's default reminder preferences, if it has any.
        """
        async with self._db.write() as tx:
            await lock_learner(tx, user_id)
            # This pathway's rows of the learner (one a server, at most): the one here, and
            # whether it is followed somewhere else, in one statement.
            rows = await tx.fetchall(_OF_PATHWAY, (user_id, pathway_id))
            existing = next((r for r in rows if r[2] == guild_id), None)
            if any(r[2] != guild_id and r[6] != "left" for r in rows):
                raise AlreadyExists(code=ErrorCode.FOLLOWED_ELSEWHERE)
            if existing is None:
                if prefs is None and guild_id is not None:
                    prefs = (await read_settings(tx, guild_id)).default_prefs
                await ensure_learner(tx, user_id, now, prefs or ReminderPrefs())
                row = await tx.fetchrow(
                    "INSERT INTO enrolments (user_id, guild_id, pathway_id, pathway_hash,"
                    " start_date, status, next_reminder_at, created_at, updated_at, pace)"
                    " VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?) RETURNING id",
                    (
                        user_id,
                        guild_id,
                        pathway_id,
                        pathway_hash,
                        codec.day(start_date),
                        codec.opt_instant(next_reminder_at),
                        codec.instant(now),
                        codec.instant(now),
                        pace,
                    ),
                )
                return EnrolResult(await read_enrolment(tx, row["id"]), restored=False)
            enrolment = enrolment_from_row(existing)
            step = lifecycle.step(lifecycle.enrol_transition(enrolment.status), enrolment.status)
            await apply_step(tx, enrolment.id, step, now, next_reminder_at)
            return EnrolResult(await read_enrolment(tx, enrolment.id), restored=True)

    async def get(self, enrolment_id: int) -> Enrolment | None:
        async with self._db.read_one() as tx:
            row = await tx.fetchone(_BY_ID, (enrolment_id,))
        return None if row is None else enrolment_from_row(row)

    async def get_many(self, enrolment_ids: Sequence[int]) -> dict[int, Enrolment]:
        """Enrolments by id, a few statements for any number (an on-schedule board of a big
        group reads thousands)."""
        out: dict[int, Enrolment] = {}
        ids = list(enrolment_ids)
        async with self._db.read() as tx:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = await tx.fetchall(
                    SELECT + f" WHERE e.id IN ({marks})",
                    tuple(chunk),
                )
                for row in rows:
                    enrolment = enrolment_from_row(row)
                    out[enrolment.id] = enrolment
        return out

    async def find(self, user_id: int, guild_id: int | None, pathway_id: str) -> Enrolment | None:
        """The enrolment for (user, guild, pathway), whatever its status; guild None is a DM."""
        async with self._db.read_one() as tx:
            row = await tx.fetchone(_BY_KEY, (user_id, guild_id, pathway_id))
        return None if row is None else enrolment_from_row(row)

    async def list_for_user(self, user_id: int, guild_id: int | None = None) -> list[Enrolment]:
        """All of a user's enrolments (every status), or only those in `guild_id`."""
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(_FOR_USER, (user_id, guild_id, guild_id))
        return [enrolment_from_row(row) for row in rows]

    async def following_in_guild(self, guild_id: int) -> list[Enrolment]:
        """Every active or paused enrolment in a server (for `/setup show`'s counts)."""
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(
                SELECT + " WHERE e.guild_id = ? AND e.status IN ('active', 'paused')",
                (guild_id,),
            )
        return [enrolment_from_row(row) for row in rows]

    async def set_start_date(self, enrolment_id: int, start_date: date, now: datetime) -> Enrolment:
        async with self._db.write() as tx:
            await _status(tx, enrolment_id)
            await tx.execute(
                "UPDATE enrolments SET start_date = ?, updated_at = ? WHERE id = ?",
                (codec.day(start_date), codec.instant(now), enrolment_id),
            )
            return await read_enrolment(tx, enrolment_id)

    async def move_to_guild(self, enrolment_id: int, guild_id: int, now: datetime) -> Enrolment:
        """Bring an enrolment made in a DM into a server, where boards and groups can see it.

        A row the learner left in that server is removed first: the unique key is one row
        per (user, guild, pathway), and the one being moved carries the progress.
        """
        async with self._db.write() as tx:
            moving = await read_enrolment(tx, enrolment_id)
            await lock_learner(tx, moving.user_id)
            await tx.execute(
                "DELETE FROM enrolments WHERE user_id = ? AND guild_id = ? AND pathway_id = ?"
                " AND status = 'left'",
                (moving.user_id, guild_id, moving.pathway_id),
            )
            await tx.execute(
                "UPDATE enrolments SET guild_id = ?, updated_at = ? WHERE id = ?",
                (guild_id, codec.instant(now), enrolment_id),
            )
            return await read_enrolment(tx, enrolment_id)

    async def set_pace(self, enrolment_id: int, pace: str, now: datetime) -> Enrolment:
        """Change the pace: deadlines move with it, completions stay as they are."""
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE enrolments SET pace = ?, updated_at = ? WHERE id = ?",
                (pace, codec.instant(now), enrolment_id),
            )
            return await read_enrolment(tx, enrolment_id)

    async def set_next_reminder_at(
        self, enrolment_id: int, at: datetime | None, now: datetime
    ) -> None:
        """Advance (or clear) the reminder; returns nothing so a sweep pays one statement."""
        async with self._db.write() as tx:
            changed = await tx.execute(
                "UPDATE enrolments SET next_reminder_at = ?, updated_at = ? WHERE id = ?",
                (codec.opt_instant(at), codec.instant(now), enrolment_id),
            )
        if not changed:
            raise NotFound(code=ErrorCode.ENROLMENT_GONE)

    async def pause(self, enrolment_id: int, now: datetime) -> Enrolment:
        async with self._db.write() as tx:
            await transition(tx, enrolment_id, lifecycle.Transition.PAUSE, now)
            return await read_enrolment(tx, enrolment_id)

    async def resume(
        self, enrolment_id: int, now: datetime, next_reminder_at: datetime | None = None
    ) -> Enrolment:
        """Active again; pass the next reminder, or set it in the same unit of work."""
        async with self._db.write() as tx:
            await transition(tx, enrolment_id, lifecycle.Transition.RESUME, now, next_reminder_at)
            return await read_enrolment(tx, enrolment_id)

    async def apply(
        self,
        enrolment: Enrolment,
        change: lifecycle.Transition,
        now: datetime,
        next_reminder_at: datetime | None = None,
    ) -> Enrolment:
        """Apply a life-cycle change to an enrolment this unit of work has read (and locked:
        `completions.lock`), checked against the status it read: one statement, or
        two with the pause log. Returns the enrolment as it now stands."""
        step = lifecycle.step(change, enrolment.status)
        async with self._db.write() as tx:
            await apply_step(tx, enrolment.id, step, now, next_reminder_at)
        return lifecycle.applied(enrolment, step, now, next_reminder_at)

    async def mark_completed(self, enrolment_id: int, now: datetime) -> Enrolment:
        async with self._db.write() as tx:
            await transition(tx, enrolment_id, lifecycle.Transition.COMPLETE, now)
            return await read_enrolment(tx, enrolment_id)

    async def reopen(
        self, enrolment_id: int, now: datetime, next_reminder_at: datetime | None = None
    ) -> Enrolment:
        """A completed enrolment becomes active again (an item was undone); pass its next
        reminder, or set it in the same unit of work."""
        async with self._db.write() as tx:
            await transition(tx, enrolment_id, lifecycle.Transition.REOPEN, now, next_reminder_at)
            return await read_enrolment(tx, enrolment_id)

    async def paused_due(self, now: datetime, limit: int = 500) -> list[Enrolment]:
        """Paused enrolments whose planned resume time (next_reminder_at) has come."""
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(_PAUSED_DUE, (codec.instant(now), limit))
        return [enrolment_from_row(row) for row in rows]

    async def leave(self, enrolment_id: int, now: datetime) -> Enrolment:
        """Leave, keeping progress for a later re-enrol (see the module docstring)."""
        async with self._db.write() as tx:
            await transition(tx, enrolment_id, lifecycle.Transition.LEAVE, now)
            return await read_enrolment(tx, enrolment_id)

    async def due(
        self, now: datetime, limit: int = 500, after: tuple[datetime, int] | None = None
    ) -> list[Enrolment]:
        """Active enrolments with next_reminder_at <= now, oldest first, at most `limit`.

        Pass the last row's `(next_reminder_at, id)` as `after` for the next batch: rows the
        caller could not advance are then not returned again in the same sweep.
        """
        if limit < 1:
            raise ValueError(f"limit must be positive, not {limit}")
        after_at, after_id = (
            (codec.MIN_INSTANT, 0) if after is None else (codec.instant(after[0]), after[1])
        )
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(_DUE, (codec.instant(now), after_at, after_id, limit))
        return [enrolment_from_row(row) for row in rows]
