"""The delivery outbox: at most one message per (kind, target, period), sent idempotently.

A sender claims the row first. The row holds a random nonce; Discord returns the earlier
message for a repeated nonce, so if we crash between sending and `mark_sent`, resending the
still-pending row with the same nonce cannot post twice. A pending row carries
`next_attempt_at`: when a retry is due, or, right after a claim, when the claim counts as
abandoned (a crash before marking) and `due_for_retry` should offer it again.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.core.errors import ErrorCode, NotFound
from bot.core.models import Delivery, DeliveryKind, DeliveryStatus
from bot.core.snooze import SNOOZE_MARKER, PendingSnooze
from bot.store import codec
from bot.store.backend import Backend, Row, Sql, Tx
from bot.store.results import ClaimResult

_BY_ID = "SELECT * FROM deliveries WHERE id = ?"
_BY_KEY = "SELECT * FROM deliveries WHERE target = ? AND kind = ? AND period_key = ?"
_CLAIM = (
    "INSERT INTO deliveries (kind, target, period_key, nonce, status, next_attempt_at,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)"
    " ON CONFLICT (target, kind, period_key) DO NOTHING RETURNING *"
)
# Re-leasing a pending row whose lease (or backoff) ran out before `now`.
_RELEASE = (
    "UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE target = ? AND kind = ?"
    " AND period_key = ? AND status = 'pending' AND next_attempt_at < ? RETURNING *"
)
_DUE_FOR_RETRY = (
    "SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?"
    " ORDER BY next_attempt_at, id LIMIT ?"
)
# The first pending row to come due after `now` (a lease ending, a retry, a snooze): one
# step into the deliveries_retry index.
_NEXT_DUE = (
    "SELECT next_attempt_at FROM deliveries WHERE status = 'pending' AND next_attempt_at > ?"
    " ORDER BY next_attempt_at, id LIMIT 1"
)
# A snooze made again after it was cancelled (the same choice, the same minute) re-arms its
# row with a fresh nonce; a row sent or failed has passed its time and is never revived.
_SNOOZE = (
    "INSERT INTO deliveries (kind, target, period_key, nonce, status, next_attempt_at,"
    " created_at, updated_at) VALUES ('reminder', ?, ?, ?, 'pending', ?, ?, ?)"
    " ON CONFLICT (target, kind, period_key) DO UPDATE SET status = 'pending',"
    " nonce = excluded.nonce, attempts = 0, last_error = NULL,"
    " next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at"
    " WHERE deliveries.status = 'skipped'"
)
# "period_key contains the snooze marker": SQLite says instr(), PostgreSQL strpos().
_IS_SNOOZE = Sql(sqlite=" AND instr(period_key, ?) > 0", postgres=" AND strpos(period_key, ?) > 0")
_PENDING_SNOOZES = (
    "SELECT id, target, next_attempt_at FROM deliveries WHERE target IN ({targets})"  # noqa: S608
    " AND kind = 'reminder' AND status = 'pending'" + _IS_SNOOZE + " ORDER BY next_attempt_at, id"
)
_CANCEL_SNOOZE = (
    "UPDATE deliveries SET status = 'skipped', last_error = 'snooze cancelled',"  # noqa: S608
    " next_attempt_at = NULL, updated_at = ? WHERE id = ? AND target = ? AND kind = 'reminder'"
    " AND status = 'pending'" + _IS_SNOOZE
)
# Claiming due retries: the rows are read, then leased (next_attempt_at moved to the lease's
# end) in the same transaction. On PostgreSQL, where senders in other processes claim at the
# same moment, FOR UPDATE SKIP LOCKED hands each row to one of them and lets the others take
# the next rows instead of waiting; SQLite's single writer already hands each row out once.
_DUE_OF_KINDS = (
    "SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?"
    " AND kind IN ({kinds}) ORDER BY next_attempt_at, id LIMIT ?"
)
_CLAIM_RETRIES = Sql(
    sqlite=_DUE_OF_KINDS,
    postgres=_DUE_OF_KINDS + " FOR UPDATE SKIP LOCKED",
)
# The subquery walks the deliveries_finished index (migration 011) from the oldest row.
# Role grants are kept: their sent rows are the record of which roles a learner was given
# (bot/store/milestone_roles.py reads them), not messages whose sending is over.
_PRUNE = (
    "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries"
    " WHERE status <> 'pending' AND updated_at < ? AND kind <> 'role-grant'"
    " ORDER BY updated_at, id LIMIT ?)"
)
_MAX_ERROR_CHARS = 500  # enough to diagnose; an HTML error page must not bloat the outbox


def _first(pair: tuple[int, object]) -> int:
    return pair[0]


def enrolment_target(enrolment_id: int) -> str:
    """The target string for messages about one enrolment (reminders, fallbacks)."""
    return f"enrolment:{enrolment_id}"


def enrolment_of(target: str) -> int | None:
    """The enrolment id a target names, or None for any other target (a group's)."""
    kind, _, ident = target.partition(":")
    return int(ident) if kind == "enrolment" and ident.isdigit() else None


def group_target(group_id: int) -> str:
    """The target string for messages to a study group (digests)."""
    return f"group:{group_id}"


def new_nonce() -> str:
    """96 random bits as 24 hex characters: within Discord's 25-character nonce limit."""
    return secrets.token_hex(12)


def delivery_from_row(row: Row) -> Delivery:
    return Delivery(
        id=row["id"],
        kind=DeliveryKind(row["kind"]),
        target=row["target"],
        period_key=row["period_key"],
        nonce=row["nonce"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        message_id=row["message_id"],
        created_at=codec.from_instant(row["created_at"]),
        updated_at=codec.from_instant(row["updated_at"]),
        next_attempt_at=codec.opt_from_instant(row["next_attempt_at"]),
    )


async def _read(tx: Tx, delivery_id: int) -> Delivery:
    row = await tx.fetchone(_BY_ID, (delivery_id,))
    if row is None:
        raise NotFound(code=ErrorCode.DELIVERY_GONE, delivery_id=delivery_id)
    return delivery_from_row(row)


class Deliveries:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def claim(
        self,
        kind: DeliveryKind,
        target: str,
        period_key: str,
        now: datetime,
        abandon_after: datetime | None = None,
    ) -> ClaimResult:
        """Create the pending row for this period and lease it until `abandon_after`, or
        re-lease the pending row already there when its lease has run out; else return the
        row as it stands.

        `claimed` is True only for the caller that holds the lease now: only that caller may
        send. A row still leased (another sender is sending it, or its retry is not due), or
        already sent, failed or skipped, comes back with `claimed` False. `abandon_after`
        (default `now`) is when the lease ends and another sweep may take the row.
        """
        return (await self.claim_many(kind, [(target, period_key)], now, abandon_after))[0]

    async def claim_many(
        self,
        kind: DeliveryKind,
        keys: Sequence[tuple[str, str]],
        now: datetime,
        abandon_after: datetime | None = None,
    ) -> list[ClaimResult]:
        """`claim` for many (target, period_key) pairs in one transaction, in order."""
        ts = codec.instant(now)
        lease = codec.instant(abandon_after or now)
        out: list[ClaimResult] = []
        async with self._db.write() as tx:
            for target, period_key in keys:
                row = await tx.fetchone(
                    _CLAIM, (kind.value, target, period_key, new_nonce(), lease, ts, ts)
                )
                if row is None:
                    # An expired lease is taken over with a new one before anybody resends,
                    # so two senders (a lock handover) never hold the same row at once.
                    row = await tx.fetchone(
                        _RELEASE, (lease, ts, target, kind.value, period_key, ts)
                    )
                if row is not None:
                    out.append(ClaimResult(claimed=True, delivery=delivery_from_row(row)))
                else:
                    existing = await tx.fetchrow(_BY_KEY, (target, kind.value, period_key))
                    out.append(ClaimResult(claimed=False, delivery=delivery_from_row(existing)))
        return out

    async def finish_batch(
        self,
        sent: Sequence[tuple[int, int]],
        advance: Sequence[tuple[int, datetime | None]],
        dm_channels: Sequence[tuple[int, int]],
        now: datetime,
    ) -> None:
        """One transaction for a sweep batch's outcome: rows sent (delivery id, message id),
        enrolments advanced (id, next reminder), and DM channels learned (user, channel).

        Marking and advancing together means a crash can never leave a sent row whose
        enrolment still looks due; batching them keeps a fan-out at one commit per batch.
        Rows are updated in id order, so two processes finishing overlapping batches on
        PostgreSQL take their row locks in one order and never deadlock.
        """
        ts = codec.instant(now)
        async with self._db.write() as tx:
            if sent:
                await tx.executemany(
                    "UPDATE deliveries SET status = 'sent', message_id = ?,"
                    " attempts = attempts + 1, next_attempt_at = NULL, updated_at = ?"
                    " WHERE id = ? AND status = 'pending'",
                    [(message_id, ts, delivery_id) for delivery_id, message_id in sorted(sent)],
                )
            if advance:
                await tx.executemany(
                    "UPDATE enrolments SET next_reminder_at = ?, updated_at = ? WHERE id = ?",
                    [(codec.opt_instant(at), ts, eid) for eid, at in sorted(advance, key=_first)],
                )
            if dm_channels:
                await tx.executemany(
                    "UPDATE learners SET dm_channel_id = ? WHERE user_id = ?",
                    [(channel_id, user_id) for user_id, channel_id in sorted(dm_channels)],
                )

    async def open_targets(
        self, kind: DeliveryKind, period_key: str, targets: Sequence[str], now: datetime
    ) -> set[str]:
        """Which of `targets` may still be claimed for this period: no row yet, or a pending
        row whose lease or backoff has run out. One read, no writes: a sweep that finds
        nothing open touches nothing else (the digest check runs every minute)."""
        if not targets:
            return set()
        sql = (
            "SELECT target FROM deliveries WHERE kind = ? AND period_key = ?"  # noqa: S608
            f" AND target IN ({', '.join('?' * len(targets))})"
            " AND (status <> 'pending' OR next_attempt_at >= ?)"
        )
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(sql, (kind.value, period_key, *targets, codec.instant(now)))
        closed = {row[0] for row in rows}
        return {t for t in targets if t not in closed}

    async def release(self, delivery_ids: Sequence[int], now: datetime) -> None:
        """End this sender's lease on pending rows it will not send after all (it is
        stopping): the next sweep, here or in another process, may take them at once."""
        if not delivery_ids:
            return
        ids = sorted(delivery_ids)
        async with self._db.write() as tx:
            await tx.executemany(
                "UPDATE deliveries SET next_attempt_at = ?, updated_at = ?"
                " WHERE id = ? AND status = 'pending'",
                [(codec.instant(now), codec.instant(now), i) for i in ids],
            )

    async def prune(self, before: datetime, limit: int = 500) -> int:
        """Delete up to `limit` finished messages (sent, skipped, failed reminders, digests
        and fallbacks) last changed before `before`, oldest first; return how many went.
        Pending rows are never touched, nor role grants (the record of roles given).

        A finished row is no longer needed once its period can never be claimed again (the
        sweeps only claim this week's and later periods), so the outbox stays the size of a
        few weeks' traffic. Small batches keep each transaction, and so every other writer's
        wait, short; the sender calls this on each tick until nothing is left.
        """
        if limit < 1:
            raise ValueError(f"limit must be positive, not {limit}")
        async with self._db.write() as tx:
            return await tx.execute(_PRUNE, (codec.instant(before), limit))

    async def get(self, delivery_id: int) -> Delivery | None:
        async with self._db.read_one() as tx:
            row = await tx.fetchone(_BY_ID, (delivery_id,))
        return None if row is None else delivery_from_row(row)

    # The marks below change only a pending row; on a row already sent, failed or skipped they
    # change nothing and return it as stored, so repeating one after a crash is harmless.

    async def mark_sent(self, delivery_id: int, message_id: int, now: datetime) -> Delivery:
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE deliveries SET status = 'sent', message_id = ?, attempts = attempts + 1,"
                " next_attempt_at = NULL, updated_at = ? WHERE id = ? AND status = 'pending'",
                (message_id, codec.instant(now), delivery_id),
            )
            return await _read(tx, delivery_id)

    async def mark_failed(
        self,
        delivery_id: int,
        error: str,
        now: datetime,
        max_attempts: int,
        retry_at: datetime,
    ) -> Delivery:
        """Count a failed attempt: failed for good at `max_attempts`, else retry at `retry_at`."""
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?,"
                " status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END,"
                " next_attempt_at = CASE WHEN attempts + 1 >= ? THEN NULL ELSE CAST(? AS BIGINT)"
                " END,"
                " updated_at = ? WHERE id = ? AND status = 'pending'",
                (
                    error[:_MAX_ERROR_CHARS],
                    max_attempts,
                    max_attempts,
                    codec.instant(retry_at),
                    codec.instant(now),
                    delivery_id,
                ),
            )
            return await _read(tx, delivery_id)

    async def skip(self, delivery_id: int, now: datetime, reason: str | None = None) -> Delivery:
        """Give up on purpose (DMs closed, learner paused): nothing will retry it."""
        note = None if reason is None else reason[:_MAX_ERROR_CHARS]
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE deliveries SET status = 'skipped', last_error = ?, next_attempt_at = NULL,"
                " updated_at = ? WHERE id = ? AND status = 'pending'",
                (note, codec.instant(now), delivery_id),
            )
            return await _read(tx, delivery_id)

    async def claim_retries(
        self,
        now: datetime,
        lease_until: datetime,
        limit: int = 100,
        kinds: Sequence[DeliveryKind] = tuple(DeliveryKind),
    ) -> list[Delivery]:
        """Take up to `limit` pending rows of `kinds` whose next attempt is due, oldest first,
        for this caller alone until `lease_until`: no other caller (in this process or
        another) gets them before then. A row not marked by then is offered again, still with
        its nonce, so a sender that crashed mid-send is covered and Discord drops the
        duplicate. Ask only for the kinds you will handle: a leased row waits out its lease.
        """
        if limit < 1:
            raise ValueError(f"limit must be positive, not {limit}")
        if not kinds:
            return []
        ts, lease = codec.instant(now), codec.instant(lease_until)
        sql = _CLAIM_RETRIES.format(kinds=", ".join("?" * len(kinds)))
        async with self._db.write() as tx:
            rows = await tx.fetchall(sql, (ts, *(k.value for k in kinds), limit))
            await tx.executemany(
                "UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE id = ?",
                [(lease, ts, row["id"]) for row in rows],
            )
        return [
            replace(delivery_from_row(row), next_attempt_at=lease_until, updated_at=now)
            for row in rows
        ]

    async def due_for_retry(self, now: datetime, limit: int = 100) -> list[Delivery]:
        """Pending rows whose next attempt is due: retries and abandoned claims, oldest first."""
        if limit < 1:
            raise ValueError(f"limit must be positive, not {limit}")
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(_DUE_FOR_RETRY, (codec.instant(now), limit))
        return [delivery_from_row(row) for row in rows]

    async def next_due_after(self, now: datetime) -> datetime | None:
        """When the first pending row not yet due comes due: a lease that ends (a sender
        died holding it), a retry's backoff, a snooze. None when there is none."""
        async with self._db.read_one() as tx:
            row = await tx.fetchone(_NEXT_DUE, (codec.instant(now),))
        return None if row is None else codec.from_instant(row[0])

    # --- snoozes: extra reminder rows, due at the chosen time ---------------------------------

    async def snooze(
        self, enrolment_id: int, period_key: str, at: datetime, now: datetime
    ) -> Delivery:
        """Queue a snoozed reminder due at `at` (idempotent per period key).

        The row waits as a pending claim whose `next_attempt_at` is `at`, so the sweep's
        `due_for_retry` sends it then. Snoozing again after cancelling re-arms the row.
        """
        target = enrolment_target(enrolment_id)
        async with self._db.write() as tx:
            await tx.execute(
                _SNOOZE,
                (
                    target,
                    period_key,
                    new_nonce(),
                    codec.instant(at),
                    codec.instant(now),
                    codec.instant(now),
                ),
            )
            row = await tx.fetchrow(_BY_KEY, (target, DeliveryKind.REMINDER.value, period_key))
        return delivery_from_row(row)

    async def pending_snoozes(self, enrolment_ids: Sequence[int]) -> list[PendingSnooze]:
        """Snoozed reminders still to come for these enrolments, soonest first."""
        if not enrolment_ids:
            return []
        targets = [enrolment_target(e) for e in enrolment_ids]
        sql = _PENDING_SNOOZES.format(targets=", ".join("?" * len(targets)))
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(sql, (*targets, SNOOZE_MARKER))
        out: list[PendingSnooze] = []
        for row in rows:
            enrolment_id = enrolment_of(row["target"])
            at = codec.opt_from_instant(row["next_attempt_at"])
            if enrolment_id is not None and at is not None:
                out.append(PendingSnooze(row["id"], enrolment_id, at))
        return out

    async def cancel_snooze(self, enrolment_id: int, delivery_id: int, now: datetime) -> bool:
        """Mark one pending snooze of this enrolment skipped; False if there was none to cancel
        (already sent, cancelled, or not a snooze of this enrolment: a regular reminder row is
        never touched)."""
        async with self._db.write() as tx:
            changed = await tx.execute(
                _CANCEL_SNOOZE,
                (codec.instant(now), delivery_id, enrolment_target(enrolment_id), SNOOZE_MARKER),
            )
        return changed == 1
