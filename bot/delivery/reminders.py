"""The weekly reminder sweep: due enrolments -> compose -> claim -> send -> mark -> advance.

Guarantees, all through the outbox row (kind, target, period) that is unique in the database:
- One reminder per learner per local week. A second process, or a restart after a crash, finds
  the row and does not send again; a pending row whose sender vanished is resent with the same
  nonce, and Discord returns the earlier message for a repeated nonce, so nothing posts twice.
- After downtime, one late reminder for the current week; missed weeks are recorded as skipped.
- Closed DMs (50007): the learner is marked dm_blocked until a DM gets through again (each
  weekly reminder still tries once). They are told privately at their next command; a channel
  mention without task details is posted at most once per learner, ever, and only where an
  admin turned it on (`/setup dm-notice`), in their group's channel or the digest channel.
- Other failures retry with exponential backoff up to MAX_ATTEMPTS, then the row is failed with
  its error. Nothing is dropped silently.

Work happens in batches of BATCH enrolments: one read for the batch, one transaction for its
claims, concurrent sends, and one transaction that marks the sent rows and advances their
enrolments together. A batch's last sends overlap the next batch's reads and claims, so the
pacer never idles at a boundary. The rare paths (closed DMs, failures, skips) write one row at
a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from asyncio import FIRST_COMPLETED
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.core import cadence
from bot.core.cadence import ReminderSlot
from bot.core.errors import PathwayError
from bot.core.models import (
    Completion,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Enrolment,
    EnrolmentStatus,
    Learner,
)
from bot.core.registry import Pathways
from bot.core.reminder import ReminderContent, compose
from bot.core.snooze import (
    is_snooze_key,
    snooze_offer,
)
from bot.core.standing import standing
from bot.core.timeparse import parse_zone
from bot.delivery.ports import DmClosed, Notifier, SendFailed
from bot.delivery.retry import LEASE, MAX_ATTEMPTS, MIN_UNEXPECTED_BACKOFF, SEND_WINDOW, backoff
from bot.delivery.sweep_report import Outcome, Result, SweepReport
from bot.store.deliveries import enrolment_of, enrolment_target
from bot.store.store import Store

log = logging.getLogger(__name__)

BATCH = 200
MAX_SKIPPED_RECORDS = 52
CONCURRENCY = 32


def _slot_at(enrolment: Enrolment, at: datetime) -> ReminderSlot:
    local = at.astimezone(parse_zone(enrolment.prefs.tz)).date()
    return ReminderSlot(at, local, cadence.period_key(local))


def latest_slot(enrolment: Enrolment, now: datetime) -> ReminderSlot:
    """The most recent reminder slot at or before `now`, starting from next_reminder_at."""
    assert enrolment.next_reminder_at is not None  # noqa: S101 - due enrolments have one
    slot = _slot_at(enrolment, enrolment.next_reminder_at)
    while True:
        following = cadence.next_reminder(slot.at, enrolment.prefs)
        if following.at > now:
            return slot
        slot = following


def _fallback_slot(enrolment: Enrolment) -> ReminderSlot:
    """The slot of a row whose learner's preferences cannot be read: its UTC week, so the
    failure still has an outbox row to count its attempts on."""
    assert enrolment.next_reminder_at is not None  # noqa: S101 - due enrolments have one
    at = enrolment.next_reminder_at
    return ReminderSlot(at, at.date(), cadence.period_key(at.date()))


def missed_slots(enrolment: Enrolment, until: ReminderSlot) -> list[ReminderSlot]:
    """Slots from next_reminder_at up to (not including) `until`: weeks the bot was down."""
    assert enrolment.next_reminder_at is not None  # noqa: S101
    out: list[ReminderSlot] = []
    slot = _slot_at(enrolment, enrolment.next_reminder_at)
    while slot.at < until.at and len(out) < MAX_SKIPPED_RECORDS:
        if slot.period_key != until.period_key:
            out.append(slot)
        slot = cadence.next_reminder(slot.at, enrolment.prefs)
    return out


class ReminderSender:
    def __init__(
        self,
        store: Store,
        registry: Pathways,
        notifier: Notifier,
        clock: Clock,
        retry_base: float = 30.0,
    ) -> None:
        self.retry_base = retry_base
        self.store = store
        self.registry = registry
        self.notifier = notifier
        self.clock = clock
        self._gate = asyncio.Semaphore(CONCURRENCY)

    # --- the sweep ---------------------------------------------------------------------------

    async def sweep(self, max_batches: int = 50, budget: float | None = None) -> SweepReport:
        """Handle due enrolments in bounded batches, yielding to the loop between them.

        `budget` (seconds of real time) stops fetching further batches once spent, so one call
        never runs for long; `report.more` then says due work is left, and the caller drains
        it at once with further calls (see `Drainer`) rather than waiting for the next tick.

        Batches overlap by their tail: once a batch has no more than CONCURRENCY sends left
        (they all fit in the gate), the next batch is read, claimed and composed while they
        finish. Without that, every batch boundary left the pacer idle for the length of a
        batch's bookkeeping (record the results, read, claim, read learners and
        completions), which cost a fan-out about a twentieth of Discord's rate. At most two
        batches are ever in hand, and a claim is taken at most a gate's worth of sends
        before its own send, well inside SEND_WINDOW.
        """
        report = SweepReport()
        now = self.clock.now()
        loop = asyncio.get_running_loop()
        stop_at = None if budget is None else loop.time() + budget
        after: tuple[datetime, int] | None = None
        in_hand: list[asyncio.Task[SweepReport]] = []  # the batch before, and this one
        try:
            for n in range(max_batches):
                if stop_at is not None and loop.time() > stop_at:
                    report.more = True
                    break
                asked = loop.time()
                batch = await self.store.enrolments.due(now, limit=BATCH, after=after)
                if len(batch) == BATCH:  # full batches only: an empty sweep costs next to nothing
                    report.due_query_seconds.append(loop.time() - asked)
                if not batch:
                    break
                if n == max_batches - 1 and len(batch) == BATCH:
                    report.more = True
                tail = asyncio.Event()
                in_hand.append(asyncio.create_task(self.handle_batch(batch, now, tail=tail)))
                if len(in_hand) > 1:
                    report.add(await in_hand[0])
                    del in_hand[0]
                last = batch[-1]
                assert last.next_reminder_at is not None  # noqa: S101
                after = (last.next_reminder_at, last.id)
                if len(batch) < BATCH:
                    break  # that was the last of the due rows
                # This batch's end, or its tail: then the next batch may start.
                tail_reached = asyncio.ensure_future(tail.wait())
                try:
                    await asyncio.wait((in_hand[0], tail_reached), return_when=FIRST_COMPLETED)
                finally:
                    tail_reached.cancel()
            while in_hand:
                report.add(await in_hand[0])
                del in_hand[0]
        finally:
            # Cancelled (the bot is stopping): each batch in hand records what it sent and
            # hands its other claims back (see _send_all) before the cancellation goes on.
            for task in in_hand:
                task.cancel()
            for task in in_hand:
                with contextlib.suppress(BaseException):
                    await task
        report.add(await self.retry_due())
        await self.resume_due(now)
        return report

    async def handle_batch(
        self, batch: Sequence[Enrolment], now: datetime, tail: asyncio.Event | None = None
    ) -> SweepReport:
        """Claim, send and record one batch. `tail` is set once no more than CONCURRENCY of
        its sends are left unfinished (or it has none): the sweep then starts the next."""
        report = SweepReport()
        slots: list[ReminderSlot] = []
        broken: dict[int, BaseException] = {}  # enrolment id -> why its slot could not be found
        for enrolment in batch:
            try:
                slot = latest_slot(enrolment, now)
                report.skipped += await self._skip_missed(enrolment, slot, now)
            except Exception as exc:  # one learner's bad data must not stop the batch
                broken[enrolment.id] = exc
                slot = _fallback_slot(enrolment)
            slots.append(slot)
        claims = await self.store.deliveries.claim_many(
            DeliveryKind.REMINDER,
            [(enrolment_target(e.id), s.period_key) for e, s in zip(batch, slots, strict=True)],
            now,
            abandon_after=now + LEASE,
        )
        leased_at = asyncio.get_running_loop().time()
        advance: list[tuple[int, datetime | None]] = []
        work: list[tuple[Enrolment, Delivery, datetime]] = []
        for enrolment, slot, claim in zip(batch, slots, claims, strict=True):
            if claim.claimed:
                work.append((enrolment, claim.delivery, slot.at))
            elif claim.delivery.status is not DeliveryStatus.PENDING:
                advance.append((enrolment.id, self._next_at(enrolment, now)))
            # else: another sender holds its lease, or its retry is not due yet
        learners = await self.store.learners.get_many(list({e.user_id for e, _, _ in work}))
        completions = await self.store.completions.for_enrolments([e.id for e, _, _ in work])
        results = await self._send_all(
            [(e, d) for e, d, _ in work],
            [
                self._guarded(
                    e,
                    d,
                    at,
                    learners.get(e.user_id),
                    completions[e.id],
                    now,
                    leased_at,
                    broken.get(e.id),
                )
                for e, d, at in work
            ],
            advance,
            now,
            tail,
        )
        report.add(
            await self._finish(
                [(e, not is_snooze_key(d.period_key)) for e, d, _ in work], results, advance, now
            )
        )
        return report

    async def _send_all(
        self,
        work: Sequence[tuple[Enrolment, Delivery]],
        sends: Sequence[Coroutine[Any, Any, Result]],
        advance: list[tuple[int, datetime | None]],
        now: datetime,
        tail: asyncio.Event | None = None,
    ) -> list[Result]:
        """The batch's sends, concurrently. Cancelled (the bot is stopping), it records what
        was sent and hands the other claims back at once, so a restart need not wait out
        their lease; then it lets the cancellation through. `tail` is set once no more than
        CONCURRENCY sends are left."""
        finished: dict[int, Result] = {}
        if tail is not None and len(sends) <= CONCURRENCY:
            tail.set()

        async def one(i: int, send: Coroutine[Any, Any, Result]) -> Result:
            finished[i] = result = await send
            if tail is not None and len(sends) - len(finished) <= CONCURRENCY:
                tail.set()
            return result

        try:
            return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(sends))))
        except asyncio.CancelledError:
            done = sorted(finished)
            settle = self._settle_cancelled(work, finished, done, advance, now)
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(settle), 2.0)
            raise

    async def _settle_cancelled(
        self,
        work: Sequence[tuple[Enrolment, Delivery]],
        finished: dict[int, Result],
        done: Sequence[int],
        advance: list[tuple[int, datetime | None]],
        now: datetime,
    ) -> None:
        await self._finish(
            [(work[i][0], not is_snooze_key(work[i][1].period_key)) for i in done],
            [finished[i] for i in done],
            advance,
            now,
        )
        unsent = [d.id for i, (_, d) in enumerate(work) if i not in finished]
        await self.store.deliveries.release(unsent, now)
        log.info(
            "stopping: %d sent reminder(s) recorded, %d claim(s) released", len(done), len(unsent)
        )

    async def _finish(
        self,
        work: Sequence[tuple[Enrolment, bool]],
        results: Sequence[Result],
        advance: list[tuple[int, datetime | None]],
        now: datetime,
    ) -> SweepReport:
        """Record a batch's results in one transaction. `work` pairs each enrolment with
        whether its row was the week's regular reminder (a snooze never moves the week on)."""
        report = SweepReport()
        sent: list[tuple[int, int]] = []
        channels: list[tuple[int, int]] = []
        for (enrolment, regular), result in zip(work, results, strict=True):
            report.add(result.report)
            if result.outcome is Outcome.SENT:
                sent.append((result.delivery_id, result.message_id))
            if result.dm_channel is not None:
                channels.append(result.dm_channel)
            if not regular:
                continue
            if result.outcome in (Outcome.SENT, Outcome.HANDLED):
                advance.append((enrolment.id, self._next_at(enrolment, now)))
            elif result.outcome is Outcome.STOP:
                advance.append((enrolment.id, None))
        await self.store.deliveries.finish_batch(sent, advance, channels, now)
        return report

    async def _skip_missed(self, enrolment: Enrolment, slot: ReminderSlot, now: datetime) -> int:
        skipped = 0
        for missed in missed_slots(enrolment, slot):
            claim = await self.store.deliveries.claim(
                DeliveryKind.REMINDER, enrolment_target(enrolment.id), missed.period_key, now
            )
            if claim.claimed:
                await self.store.deliveries.skip(claim.delivery.id, now, "missed while offline")
                skipped += 1
        return skipped

    async def retry_due(self) -> SweepReport:
        """Pending rows whose time has come: retries, abandoned claims, snoozes, fallbacks.

        Reminder rows (retries and snoozes alike) go as one batch, the way a sweep batch
        goes: one claim, one read of what they need, concurrent sends, one transaction for
        the results. Fallback mentions (closed DMs: rare) go one at a time.
        """
        report = SweepReport()
        now = self.clock.now()
        # Leased, not merely read: should a second process sweep at the same moment (the
        # sender lock changing hands), each row still goes to one of them.
        retries = await self.store.deliveries.claim_retries(
            now,
            lease_until=now + LEASE,
            limit=BATCH,
            kinds=(DeliveryKind.REMINDER, DeliveryKind.FALLBACK),  # digests: the digest sweep's
        )
        leased_at = asyncio.get_running_loop().time()
        if not retries:
            return report
        ids = {d.id: e for d in retries if (e := enrolment_of(d.target)) is not None}
        enrolments = await self.store.enrolments.get_many(list(set(ids.values())))
        work: list[tuple[Enrolment, Delivery]] = []
        for delivery in retries:
            enrolment = enrolments.get(ids.get(delivery.id, 0))
            if enrolment is None or enrolment.status is not EnrolmentStatus.ACTIVE:
                await self.store.deliveries.skip(delivery.id, now, "no longer following")
                report.skipped += 1
            elif delivery.kind is DeliveryKind.FALLBACK:
                report.add(await self._retry_fallback(enrolment, delivery, now))
            else:
                work.append((enrolment, delivery))
        if not work:
            return report
        learners = await self.store.learners.get_many(list({e.user_id for e, _ in work}))
        completions = await self.store.completions.for_enrolments(list({e.id for e, _ in work}))
        results = await self._send_all(
            work,
            [
                self._guarded(
                    e, d, None, learners.get(e.user_id), completions[e.id], now, leased_at
                )
                for e, d in work
            ],
            [],
            now,
        )
        for result in results:
            result.report.retried += 1
        report.add(
            await self._finish(
                [(e, not is_snooze_key(d.period_key)) for e, d in work], results, [], now
            )
        )
        return report

    async def _retry_fallback(
        self, enrolment: Enrolment, delivery: Delivery, now: datetime
    ) -> SweepReport:
        try:
            channel_id = await self.fallback_channel(enrolment)
            if channel_id is None:
                await self.store.deliveries.skip(delivery.id, now, "no channel to post in")
                return SweepReport(skipped=1)
            return await self._post_fallback(enrolment, delivery, channel_id, now)
        except Exception as exc:
            return (await self._unexpected(enrolment, delivery, exc, now)).report

    async def resume_due(self, now: datetime) -> int:
        """Pauses with an end date (`/reminders pause until:`) end by themselves."""
        resumed = 0
        for enrolment in await self.store.enrolments.paused_due(now, limit=BATCH):
            # one transaction: resumed and given its next reminder together
            await self.store.enrolments.resume(enrolment.id, now, self._next_at(enrolment, now))
            resumed += 1
        return resumed

    # --- one delivery -------------------------------------------------------------------------

    @staticmethod
    def _next_at(enrolment: Enrolment, now: datetime) -> datetime:
        """The next regular slot after `now`; a week on should the learner's preferences be
        unreadable, so one broken row still moves on instead of coming due every sweep."""
        try:
            return cadence.next_reminder(now, enrolment.prefs).at
        except Exception:
            log.exception("enrolment %s: no next slot from its preferences", enrolment.id)
            return now + timedelta(days=7)

    def compose_for(
        self,
        enrolment: Enrolment,
        completions: Sequence[Completion],
        now: datetime,
        scheduled_at: datetime | None,
    ) -> ReminderContent:
        """The reminder content, from data already read (no I/O)."""
        pathway = self.registry.get(enrolment.pathway_id)
        state = standing(pathway, enrolment, completions, now)
        previous = now - timedelta(days=7)
        previous_at = previous if previous > state.schedule.start else None
        return compose(pathway, state.plan, previous_at, state.streak, scheduled_at)

    async def content_for(
        self, enrolment: Enrolment, now: datetime, scheduled_at: datetime | None
    ) -> ReminderContent:
        done = await self.store.completions.list_for_enrolment(enrolment.id)
        return self.compose_for(enrolment, done, now, scheduled_at)

    async def _guarded(
        self,
        enrolment: Enrolment,
        delivery: Delivery,
        scheduled_at: datetime | None,
        learner: Learner | None,
        completions: Sequence[Completion],
        now: datetime,
        leased_at: float,
        broken: BaseException | None = None,
    ) -> Result:
        """`deliver`, with whatever goes wrong for this one row kept to this row.

        The send must end within SEND_WINDOW of the claim (`leased_at`, loop time), well
        inside the row's LEASE: past that, another sweep may take the row, so a send still
        running then is abandoned and counted as a failed attempt instead.
        """
        if broken is not None:
            return await self._unexpected(enrolment, delivery, broken, now)
        deadline = leased_at + SEND_WINDOW.total_seconds()
        try:
            async with asyncio.timeout_at(deadline):
                async with self._gate:
                    return await self.deliver(
                        enrolment, delivery, scheduled_at, learner, completions, now
                    )
        except PathwayError as exc:  # e.g. the pathway was removed from pathways/
            log.warning("reminder for enrolment %s skipped: %s", enrolment.id, exc.user_message)
            try:
                await self.store.deliveries.skip(delivery.id, now, exc.user_message)
            except Exception as again:
                return await self._unexpected(enrolment, delivery, again, now)
            return Result(Outcome.HANDLED, SweepReport(skipped=1))
        except Exception as exc:  # TimeoutError included
            return await self._unexpected(enrolment, delivery, exc, now)

    async def _unexpected(
        self, enrolment: Enrolment, delivery: Delivery, exc: BaseException, now: datetime
    ) -> Result:
        """Count a failed attempt for an error nobody foresaw, and back off.

        After MAX_ATTEMPTS the row is parked as failed (HANDLED: the learner's next week is
        scheduled as usual), so a row that always raises never blocks its learner for good,
        nor takes a place in every sweep.
        """
        eid = secrets.token_hex(4)
        log.error(
            "reminder %s for enrolment %s failed unexpectedly (error id %s, attempt %d of %d)",
            delivery.id,
            enrolment.id,
            eid,
            delivery.attempts + 1,
            MAX_ATTEMPTS,
            exc_info=exc,
            extra={"error_id": eid},
        )
        error = f"error id {eid}: {type(exc).__name__}: {exc}"
        report = SweepReport(errors=[f"enrolment {enrolment.id}: error id {eid}"])
        try:
            row = await self.store.deliveries.mark_failed(
                delivery.id,
                error,
                now,
                MAX_ATTEMPTS,
                now + max(backoff(delivery.attempts, self.retry_base), MIN_UNEXPECTED_BACKOFF),
            )
        except Exception:
            log.exception("could not count the failed attempt of reminder %s", delivery.id)
            return Result(Outcome.RETRY, report)  # its lease runs out; the next sweep counts it
        if row.status is DeliveryStatus.FAILED:
            log.error(
                "reminder %s for enrolment %s parked as failed after %d attempts (error id %s)",
                delivery.id,
                enrolment.id,
                row.attempts,
                eid,
                extra={"error_id": eid},
            )
            report.failed += 1
            return Result(Outcome.HANDLED, report)
        return Result(Outcome.RETRY, report)

    async def deliver(
        self,
        enrolment: Enrolment,
        delivery: Delivery,
        scheduled_at: datetime | None,
        learner: Learner | None,
        completions: Sequence[Completion],
        now: datetime,
    ) -> Result:
        """Send one reminder; the caller records SENT results (and advances) in a batch."""
        if learner is None:
            await self.store.deliveries.skip(delivery.id, now, "learner deleted")
            return Result(Outcome.STOP, SweepReport(skipped=1))
        content = self.compose_for(enrolment, completions, now, scheduled_at)
        content = replace(content, snooze=snooze_offer(enrolment, now))
        if content.progress.complete:
            await self.store.deliveries.skip(delivery.id, now, "pathway complete")
            return Result(Outcome.STOP, SweepReport(skipped=1))
        try:
            sent = await self.notifier.send_reminder(learner, enrolment.id, content, delivery.nonce)
        except DmClosed:
            if not learner.dm_blocked:
                await self.store.learners.set_dm_blocked(learner.user_id, now)
            return await self._blocked(enrolment, delivery, now)
        except SendFailed as exc:
            limit = 1 if exc.permanent else MAX_ATTEMPTS
            row = await self.store.deliveries.mark_failed(
                delivery.id, str(exc), now, limit, now + backoff(delivery.attempts, self.retry_base)
            )
            if row.status is DeliveryStatus.FAILED:
                log.warning("reminder %s failed for good: %s", delivery.id, exc)
                return Result(Outcome.HANDLED, SweepReport(failed=1))
            return Result(Outcome.RETRY, SweepReport())
        if learner.dm_blocked:  # their DMs are open again
            await self.store.learners.clear_dm_blocked(learner.user_id, now)
        report = SweepReport(sent=1, late=int(content.late_by is not None))
        if scheduled_at is not None:
            report.lag_seconds.append(max(0.0, (now - scheduled_at).total_seconds()))
        learned = (
            (learner.user_id, sent.channel_id) if learner.dm_channel_id != sent.channel_id else None
        )
        return Result(Outcome.SENT, report, delivery.id, sent.message_id, learned)

    async def _blocked(self, enrolment: Enrolment, delivery: Delivery, now: datetime) -> Result:
        await self.store.deliveries.skip(delivery.id, now, "DMs closed (50007)")
        report = SweepReport(skipped=1)
        report.add(await self._fallback(enrolment, delivery.period_key, now))
        return Result(Outcome.HANDLED, report)

    async def _fallback(self, enrolment: Enrolment, period_key: str, now: datetime) -> SweepReport:
        """Mention the learner where their group (or server) gathers, no task details: only
        where the admin turned closed-DM notices on, and once per learner, ever."""
        if enrolment.guild_id is None:
            return SweepReport()
        if not (await self.store.guilds.get(enrolment.guild_id)).dm_closed_notice:
            return SweepReport()
        channel_id = await self.fallback_channel(enrolment)
        if channel_id is None:
            return SweepReport()
        if not await self.store.learners.claim_dm_notice(enrolment.user_id, now):
            return SweepReport()
        claim = await self.store.deliveries.claim(
            DeliveryKind.FALLBACK,
            enrolment_target(enrolment.id),
            period_key,
            now,
            abandon_after=now + LEASE,
        )
        if not claim.claimed:  # posted already, or another sender holds it
            return SweepReport()
        return await self._post_fallback(enrolment, claim.delivery, channel_id, now)

    async def _post_fallback(
        self, enrolment: Enrolment, delivery: Delivery, channel_id: int, now: datetime
    ) -> SweepReport:
        title = self.registry.get(enrolment.pathway_id).name
        try:
            sent = await self.notifier.post_fallback(
                channel_id, enrolment.user_id, title, delivery.nonce
            )
        except (SendFailed, DmClosed) as exc:
            permanent = isinstance(exc, SendFailed) and exc.permanent
            await self.store.deliveries.mark_failed(
                delivery.id,
                f"channel {channel_id}: {exc}",
                now,
                1 if permanent else MAX_ATTEMPTS,
                now + backoff(delivery.attempts, self.retry_base),
            )
            return SweepReport()
        await self.store.deliveries.mark_sent(delivery.id, sent.message_id, now)
        return SweepReport(fallbacks=1)

    async def fallback_channel(self, enrolment: Enrolment) -> int | None:
        """Where a learner with closed DMs is mentioned instead: group channel, else digests."""
        if enrolment.guild_id is None:
            return None
        group = await self.store.groups.group_of(
            enrolment.user_id, enrolment.guild_id, enrolment.pathway_id
        )
        if group is not None and group.channel_id is not None:
            return group.channel_id
        return (await self.store.guilds.get(enrolment.guild_id)).digest_channel_id
