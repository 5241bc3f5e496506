"""The weekly reminder sweep: due enrolments -> compose -> claim -> send -> mark -> advance.

Guarantees, all through the outbox row (kind, target, period) that is unique in the database:
- One reminder per learner per local week. A second process, or a restart after a crash, finds
  the row and does not send again; a pending row whose sender vanished is resent with the same
  nonce, and Discord returns the earlier message for a repeated nonce, so nothing posts twice.
- After downtime, one late reminder for the current week; missed weeks are recorded as skipped.
- Closed DMs (50007): the learner is marked dm_blocked and never DMed again until they interact;
  a mention without task details goes to their group's channel or the server's digest channel.
- Other failures retry with exponential backoff up to MAX_ATTEMPTS, then the row is failed with
  its error. Nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.core import cadence
from bot.core.cadence import ReminderSlot, Schedule
from bot.core.errors import PathwayError
from bot.core.models import Delivery, DeliveryKind, DeliveryStatus, Enrolment, EnrolmentStatus
from bot.core.reminder import ReminderContent, compose
from bot.core.timeparse import parse_zone
from bot.delivery.notifier import DmClosed, Notifier, SendFailed
from bot.service.learning import Learning
from bot.store.deliveries import enrolment_target
from bot.store.store import Store

log = logging.getLogger(__name__)

BATCH = 200
MAX_ATTEMPTS = 5
# A claim not marked by then counts as abandoned (its sender crashed) and is resent with the
# same nonce; should the sender merely be slow, Discord returns its message instead of a copy.
ABANDON_AFTER = timedelta(seconds=10)
MAX_SKIPPED_RECORDS = 52
CONCURRENCY = 16


def backoff(attempts: int, base: float = 30.0) -> timedelta:
    """base, 2 x base, 4 x base, ... capped at an hour (30 s, 1 min, 2 min by default)."""
    return timedelta(seconds=min(3600.0, base * 2 ** max(0, attempts)))


@dataclass(slots=True)
class SweepReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    fallbacks: int = 0
    late: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: SweepReport) -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed += other.failed
        self.retried += other.retried
        self.fallbacks += other.fallbacks
        self.late += other.late
        self.errors += other.errors


def latest_slot(enrolment: Enrolment, now: datetime) -> ReminderSlot:
    """The most recent reminder slot at or before `now`, starting from next_reminder_at."""
    assert enrolment.next_reminder_at is not None  # noqa: S101 - due enrolments have one
    first = enrolment.next_reminder_at
    zone = parse_zone(enrolment.prefs.tz)
    local = first.astimezone(zone).date()
    slot = ReminderSlot(first, local, cadence.period_key(local))
    while True:
        following = cadence.next_reminder(slot.at, enrolment.prefs)
        if following.at > now:
            return slot
        slot = following


def missed_slots(enrolment: Enrolment, until: ReminderSlot) -> list[ReminderSlot]:
    """Slots from next_reminder_at up to (not including) `until`: weeks the bot was down."""
    assert enrolment.next_reminder_at is not None  # noqa: S101
    out: list[ReminderSlot] = []
    zone = parse_zone(enrolment.prefs.tz)
    local = enrolment.next_reminder_at.astimezone(zone).date()
    slot = ReminderSlot(enrolment.next_reminder_at, local, cadence.period_key(local))
    while slot.at < until.at and len(out) < MAX_SKIPPED_RECORDS:
        if slot.period_key != until.period_key:
            out.append(slot)
        slot = cadence.next_reminder(slot.at, enrolment.prefs)
    return out


class ReminderSender:
    def __init__(
        self,
        store: Store,
        learning: Learning,
        notifier: Notifier,
        clock: Clock,
        retry_base: float = 30.0,
    ) -> None:
        self.retry_base = retry_base
        self.store = store
        self.learning = learning
        self.notifier = notifier
        self.clock = clock
        self._gate = asyncio.Semaphore(CONCURRENCY)

    # --- the sweep ---------------------------------------------------------------------------

    async def sweep(self, max_batches: int = 50, budget: float | None = None) -> SweepReport:
        """Handle due enrolments in bounded batches, yielding to the loop between them.

        `budget` (seconds of real time) stops fetching further batches once spent, so one tick
        never runs for long: a large fan-out simply continues on the next tick.
        """
        report = SweepReport()
        now = self.clock.now()
        loop = asyncio.get_running_loop()
        stop_at = None if budget is None else loop.time() + budget
        after: tuple[datetime, int] | None = None
        for _ in range(max_batches):
            if stop_at is not None and loop.time() > stop_at:
                break
            batch = await self.store.enrolments.due(now, limit=BATCH, after=after)
            if not batch:
                break
            results = await asyncio.gather(*(self._guarded(e, now) for e in batch))
            for r in results:
                report.add(r)
            last = batch[-1]
            assert last.next_reminder_at is not None  # noqa: S101
            after = (last.next_reminder_at, last.id)
            await asyncio.sleep(0)
        report.add(await self.retry_due())
        await self.resume_due(now)
        return report

    async def resume_due(self, now: datetime) -> int:
        """Pauses with an end date (`/reminders pause until:`) end by themselves."""
        resumed = 0
        for enrolment in await self.store.enrolments.paused_due(now, limit=BATCH):
            await self.store.enrolments.resume(enrolment.id, now)
            await self._advance(enrolment, now)
            resumed += 1
        return resumed

    async def _guarded(self, enrolment: Enrolment, now: datetime) -> SweepReport:
        async with self._gate:
            try:
                return await self.handle_due(enrolment, now)
            except PathwayError as exc:  # e.g. the pathway was removed from pathways/
                log.warning("reminder for enrolment %s skipped: %s", enrolment.id, exc.user_message)
                await self._advance(enrolment, now)
                return SweepReport(skipped=1)
            except Exception:
                log.exception("reminder for enrolment %s failed unexpectedly", enrolment.id)
                return SweepReport(errors=[f"enrolment {enrolment.id}"])

    async def handle_due(self, enrolment: Enrolment, now: datetime) -> SweepReport:
        report = SweepReport()
        slot = latest_slot(enrolment, now)
        target = enrolment_target(enrolment.id)
        for missed in missed_slots(enrolment, slot):
            claim = await self.store.deliveries.claim(
                DeliveryKind.REMINDER, target, missed.period_key, now
            )
            if claim.claimed:
                await self.store.deliveries.skip(claim.delivery.id, now, "missed while offline")
                report.skipped += 1
        claim = await self.store.deliveries.claim(
            DeliveryKind.REMINDER, target, slot.period_key, now, abandon_after=now + ABANDON_AFTER
        )
        delivery = claim.delivery
        if not claim.claimed:
            if delivery.status is not DeliveryStatus.PENDING:
                await self._advance(enrolment, now)  # someone already finished this period
                return report
            if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
                return report  # another sender holds it, or its retry is not due yet
        report.add(await self.deliver(enrolment, delivery, slot.at, now, advance=True))
        return report

    async def retry_due(self) -> SweepReport:
        """Pending reminder rows whose time has come: retries, abandoned claims, snoozes."""
        report = SweepReport()
        now = self.clock.now()
        for delivery in await self.store.deliveries.due_for_retry(now, limit=BATCH):
            if delivery.kind is not DeliveryKind.REMINDER or not delivery.target.startswith(
                "enrolment:"
            ):
                continue
            enrolment = await self.store.enrolments.get(int(delivery.target.split(":", 1)[1]))
            if enrolment is None or enrolment.status is not EnrolmentStatus.ACTIVE:
                await self.store.deliveries.skip(delivery.id, now, "no longer following")
                report.skipped += 1
                continue
            regular = ":snooze" not in delivery.period_key
            async with self._gate:
                result = await self.deliver(enrolment, delivery, None, now, advance=regular)
            result.retried += 1
            report.add(result)
        return report

    # --- one delivery -------------------------------------------------------------------------

    async def content_for(
        self, enrolment: Enrolment, now: datetime, scheduled_at: datetime | None
    ) -> ReminderContent:
        view = await self.learning.view(enrolment, now)
        schedule = Schedule(enrolment.start_date, enrolment.prefs, enrolment.pauses)
        previous = now - timedelta(days=7)
        previous_at = previous if previous > schedule.start else None
        return compose(view.pathway, view.plan, previous_at, view.streak, scheduled_at)

    async def deliver(
        self,
        enrolment: Enrolment,
        delivery: Delivery,
        scheduled_at: datetime | None,
        now: datetime,
        *,
        advance: bool,
    ) -> SweepReport:
        report = SweepReport()
        learner = await self.store.learners.get(enrolment.user_id)
        if learner is None:
            await self.store.deliveries.skip(delivery.id, now, "learner deleted")
            return SweepReport(skipped=1)
        if learner.dm_blocked:
            await self.store.deliveries.skip(delivery.id, now, "DMs closed (50007)")
            report.skipped += 1
            report.add(await self._fallback(enrolment, delivery.period_key, now))
            if advance:
                await self._advance(enrolment, now)
            return report
        content = await self.content_for(enrolment, now, scheduled_at)
        try:
            sent = await self.notifier.send_reminder(learner, enrolment.id, content, delivery.nonce)
        except DmClosed:
            await self.store.learners.set_dm_blocked(learner.user_id, now)
            await self.store.deliveries.skip(delivery.id, now, "DMs closed (50007)")
            report.skipped += 1
            report.add(await self._fallback(enrolment, delivery.period_key, now))
            if advance:
                await self._advance(enrolment, now)
            return report
        except SendFailed as exc:
            limit = 1 if exc.permanent else MAX_ATTEMPTS
            row = await self.store.deliveries.mark_failed(
                delivery.id, str(exc), now, limit, now + backoff(delivery.attempts, self.retry_base)
            )
            if row.status is DeliveryStatus.FAILED:
                log.warning("reminder %s failed for good: %s", delivery.id, exc)
                report.failed += 1
                if advance:
                    await self._advance(enrolment, now)
            return report
        if learner.dm_channel_id != sent.channel_id:
            await self.store.learners.set_dm_channel(learner.user_id, sent.channel_id, now)
        await self.store.deliveries.mark_sent(delivery.id, sent.message_id, now)
        report.sent += 1
        if content.late_by is not None:
            report.late += 1
        if advance:
            await self._advance(enrolment, now)
        return report

    async def _advance(self, enrolment: Enrolment, now: datetime) -> None:
        slot = cadence.next_reminder(now, enrolment.prefs)
        await self.store.enrolments.set_next_reminder_at(enrolment.id, slot.at, now)

    async def _fallback(self, enrolment: Enrolment, period_key: str, now: datetime) -> SweepReport:
        """Mention the learner where their group (or server) gathers; no task details."""
        if enrolment.guild_id is None:
            return SweepReport()
        channel_id: int | None = None
        group = await self.store.groups.group_of(
            enrolment.user_id, enrolment.guild_id, enrolment.pathway_id
        )
        if group is not None and group.channel_id is not None:
            channel_id = group.channel_id
        else:
            channel_id = (await self.store.guilds.get(enrolment.guild_id)).digest_channel_id
        if channel_id is None:
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
        title = self.learning.ctx.registry.get(enrolment.pathway_id).title
        try:
            sent = await self.notifier.post_fallback(
                channel_id, enrolment.user_id, title, claim.delivery.nonce
            )
        except (SendFailed, DmClosed) as exc:
            await self.store.deliveries.mark_failed(
                claim.delivery.id,
                str(exc),
                now,
                MAX_ATTEMPTS,
                now + backoff(claim.delivery.attempts, self.retry_base),
            )
            return SweepReport()
        await self.store.deliveries.mark_sent(claim.delivery.id, sent.message_id, now)
        return SweepReport(fallbacks=1)

    async def snooze(self, enrolment_id: int, user_id: int, until: datetime) -> Delivery:
        """Queue one extra reminder at `until` (a day later, or the weekend)."""
        enrolment = await self.learning.owned_enrolment(enrolment_id, user_id)
        now = self.clock.now()
        zone = parse_zone(enrolment.prefs.tz)
        key = f"{cadence.period_key(now.astimezone(zone).date())}:snooze:{int(until.timestamp())}"
        claim = await self.store.deliveries.claim(
            DeliveryKind.REMINDER, enrolment_target(enrolment.id), key, now, abandon_after=until
        )
        return claim.delivery
