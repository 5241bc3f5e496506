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
enrolments together. The rare paths (closed DMs, failures, skips) write one row at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

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
from bot.delivery.retry import ABANDON_AFTER, MAX_ATTEMPTS, backoff
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
        """
        report = SweepReport()
        now = self.clock.now()
        loop = asyncio.get_running_loop()
        stop_at = None if budget is None else loop.time() + budget
        after: tuple[datetime, int] | None = None
        for n in range(max_batches):
            if stop_at is not None and loop.time() > stop_at:
                report.more = True
                break
            batch = await self.store.enrolments.due(now, limit=BATCH, after=after)
            if not batch:
                break
            if n == max_batches - 1 and len(batch) == BATCH:
                report.more = True
            report.add(await self.handle_batch(batch, now))
            last = batch[-1]
            assert last.next_reminder_at is not None  # noqa: S101
            after = (last.next_reminder_at, last.id)
            await asyncio.sleep(0)
        report.add(await self.retry_due())
        await self.resume_due(now)
        return report

    async def handle_batch(self, batch: Sequence[Enrolment], now: datetime) -> SweepReport:
        report = SweepReport()
        slots = [latest_slot(e, now) for e in batch]
        for enrolment, slot in zip(batch, slots, strict=True):
            report.skipped += await self._skip_missed(enrolment, slot, now)
        claims = await self.store.deliveries.claim_many(
            DeliveryKind.REMINDER,
            [(enrolment_target(e.id), s.period_key) for e, s in zip(batch, slots, strict=True)],
            now,
            abandon_after=now + ABANDON_AFTER,
        )
        advance: list[tuple[int, datetime | None]] = []
        work: list[tuple[Enrolment, Delivery, datetime]] = []
        for enrolment, slot, claim in zip(batch, slots, claims, strict=True):
            delivery = claim.delivery
            if not claim.claimed:
                if delivery.status is not DeliveryStatus.PENDING:
                    advance.append((enrolment.id, self._next_at(enrolment, now)))
                    continue  # someone already finished this period
                if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
                    continue  # another sender holds it, or its retry is not due yet
            work.append((enrolment, delivery, slot.at))
        learners = await self.store.learners.get_many(list({e.user_id for e, _, _ in work}))
        completions = await self.store.completions.for_enrolments([e.id for e, _, _ in work])
        results = await asyncio.gather(
            *(
                self._guarded(e, d, at, learners.get(e.user_id), completions[e.id], now)
                for e, d, at in work
            )
        )
        sent: list[tuple[int, int]] = []
        channels: list[tuple[int, int]] = []
        for (enrolment, _, _), result in zip(work, results, strict=True):
            report.add(result.report)
            if result.outcome is Outcome.SENT:
                sent.append((result.delivery_id, result.message_id))
            if result.dm_channel is not None:
                channels.append(result.dm_channel)
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
        """Pending reminder rows whose time has come: retries, abandoned claims, snoozes."""
        report = SweepReport()
        now = self.clock.now()
        # Leased, not merely read: should a second process sweep at the same moment (the
        # sender lock changing hands), each row still goes to one of them.
        retries = await self.store.deliveries.claim_retries(
            now,
            lease_until=now + ABANDON_AFTER,
            limit=BATCH,
            kinds=(DeliveryKind.REMINDER, DeliveryKind.FALLBACK),  # digests: the digest sweep's
        )
        for delivery in retries:
            enrolment_id = enrolment_of(delivery.target)
            if enrolment_id is None:
                continue
            enrolment = await self.store.enrolments.get(enrolment_id)
            if enrolment is None or enrolment.status is not EnrolmentStatus.ACTIVE:
                await self.store.deliveries.skip(delivery.id, now, "no longer following")
                report.skipped += 1
                continue
            if delivery.kind is DeliveryKind.FALLBACK:
                channel_id = await self.fallback_channel(enrolment)
                if channel_id is None:
                    await self.store.deliveries.skip(delivery.id, now, "no channel to post in")
                    report.skipped += 1
                else:
                    report.add(await self._post_fallback(enrolment, delivery, channel_id, now))
                continue
            regular = not is_snooze_key(delivery.period_key)
            learner = await self.store.learners.get(enrolment.user_id)
            done = await self.store.completions.list_for_enrolment(enrolment.id)
            result = await self._guarded(enrolment, delivery, None, learner, done, now)
            result.report.retried += 1
            report.add(result.report)
            sent = (
                [(result.delivery_id, result.message_id)] if result.outcome is Outcome.SENT else []
            )
            channels = [result.dm_channel] if result.dm_channel else []
            advance: list[tuple[int, datetime | None]] = []
            if regular and result.outcome in (Outcome.SENT, Outcome.HANDLED):
                advance.append((enrolment.id, self._next_at(enrolment, now)))
            await self.store.deliveries.finish_batch(sent, advance, channels, now)
        return report

    async def resume_due(self, now: datetime) -> int:
        """Pauses with an end date (`/reminders pause until:`) end by themselves."""
        resumed = 0
        for enrolment in await self.store.enrolments.paused_due(now, limit=BATCH):
            await self.store.enrolments.resume(enrolment.id, now)
            await self.store.enrolments.set_next_reminder_at(
                enrolment.id, self._next_at(enrolment, now), now
            )
            resumed += 1
        return resumed

    # --- one delivery -------------------------------------------------------------------------

    @staticmethod
    def _next_at(enrolment: Enrolment, now: datetime) -> datetime:
        return cadence.next_reminder(now, enrolment.prefs).at

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
    ) -> Result:
        async with self._gate:
            try:
                return await self.deliver(
                    enrolment, delivery, scheduled_at, learner, completions, now
                )
            except PathwayError as exc:  # e.g. the pathway was removed from pathways/
                log.warning("reminder for enrolment %s skipped: %s", enrolment.id, exc.user_message)
                await self.store.deliveries.skip(delivery.id, now, exc.user_message)
                return Result(Outcome.HANDLED, SweepReport(skipped=1))
            except Exception:
                log.exception("reminder for enrolment %s failed unexpectedly", enrolment.id)
                return Result(Outcome.RETRY, SweepReport(errors=[f"enrolment {enrolment.id}"]))

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
            abandon_after=now + ABANDON_AFTER,
        )
        if not claim.claimed and claim.delivery.status is not DeliveryStatus.PENDING:
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
