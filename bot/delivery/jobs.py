"""The bot's few fixed delivery jobs, and when each runs: one place for the timing.

Every scheduler tick runs, in order: the sender check (whether this process is the one that
sends; see sender_role.py), the heartbeat (proof the scheduler is alive; what it writes is
the adapter's business), and then, in the sender only, the reminder sweep (handing a backlog
to the drainer), the digest check (at most once per `digest_check_seconds`) and the DM
warm-up (only while no backlog drains, so it never competes with a fan-out), and the outbox
pruning (finished rows past OUTBOX_RETENTION_DAYS, a few small batches a tick, also never
during a drain).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

from bot.clock import Clock
from bot.core.registry import Pathways
from bot.delivery.digests import DigestSender
from bot.delivery.drain import Drainer
from bot.delivery.ports import Notifier
from bot.delivery.reminders import ReminderSender
from bot.delivery.retry import LEASE
from bot.delivery.scheduler import DeliveryScheduler
from bot.delivery.sender_role import Role, SenderRole
from bot.delivery.sweep_report import SweepReport
from bot.delivery.warm_dms import ChannelOpener, DmWarmer
from bot.store.sender_lock import SenderLock
from bot.store.store import Store

log = logging.getLogger(__name__)

#: Outbox rows deleted per transaction, and transactions per tick: 2,000 rows a tick (a
#: 30 s tick: 240,000 an hour) clear any backlog soon while each commit stays short.
# A sweep after a lease ends waits this much past its end, so the row is surely free.
LEASE_MARGIN_S = 0.5
PRUNE_BATCH = 500
PRUNE_BATCHES = 4


class SweepMetrics(Protocol):
    def sweep(self, seconds: float) -> None: ...

    def sweep_report(self, report: SweepReport) -> None: ...

    def delivery_lag(self, seconds: float) -> None: ...


class DeliveryNotifier(Notifier, ChannelOpener, Protocol):
    """The adapter's notifier: sends, and opens DM channels ahead of time."""


class DeliveryJobs:
    def __init__(
        self,
        store: Store,
        registry: Pathways,
        notifier: DeliveryNotifier,
        clock: Clock,
        *,
        interval: float,
        retry_base: float,
        digest_check_seconds: float,
        metrics: Callable[[], SweepMetrics],
        heartbeat: Callable[[], Awaitable[None]],
        lock: SenderLock | None = None,
        on_role: Callable[[Role], None] | None = None,
        retention_days: float = 30.0,
    ) -> None:
        """`lock` decides whether this process sends (default: the store's sender lock);
        `on_role` hears each change of this process's role; finished outbox rows older
        than `retention_days` (OUTBOX_RETENTION_DAYS) are pruned by the sender."""
        self.clock = clock
        self.scheduler = DeliveryScheduler(interval)
        self.reminders = ReminderSender(store, registry, notifier, clock, retry_base=retry_base)
        self.digests = DigestSender(store, registry, notifier, clock)
        self.drainer = Drainer(self.sweep_once)
        self.warmer = DmWarmer(store, notifier)
        self._metrics = metrics
        self._heartbeat = heartbeat
        self._digest_every = digest_check_seconds
        self._last_digest_check = float("-inf")
        self.store = store
        self.retention = timedelta(days=retention_days)
        self._on_role = on_role
        self._follow: asyncio.Task[int] | None = None
        self.role = SenderRole(
            lock or store.sender_lock(), on_lost=self._lost, on_change=self._role_changed
        )

        self.scheduler.add("sender", self.role.refresh)
        self.scheduler.add("health", self._heartbeat)
        self.scheduler.add("reminders", self.sweep_reminders)
        self.scheduler.add("digests", self.sweep_digests)
        self.scheduler.add("warm-dms", self.warm_dms)
        self.scheduler.add("prune", self.prune)

    def start(self) -> None:
        """Idempotent: a second call (a reconnect, a repeated on_ready) starts nothing."""
        if self.scheduler.running:
            return
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop sweeping and hand the sender lock on, so a standby need not wait for it."""
        await self.scheduler.stop()
        await self._stop_following()
        await self.drainer.stop()
        await self.role.release()

    def _role_changed(self, role: Role) -> None:
        if role is Role.SENDER:
            self._follow = asyncio.get_running_loop().create_task(self.follow_leases())
        if self._on_role is not None:
            self._on_role(role)

    async def _lost(self) -> None:
        await self._stop_following()
        await self.drainer.stop()

    async def _stop_following(self) -> None:
        task, self._follow = self._follow, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def follow_leases(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> int:
        """Run by a process that has just become the sender: sweep again as each row it
        finds leased comes free, until every lease it could have inherited has ended.

        A sender that died (SIGKILL, a lost host) leaves its claimed rows leased for up to
        LEASE. Left to the ticks, the new sender would send them up to LEASE plus one
        interval after the death (45 + 30 s); this sends them as the leases end. Bounded
        by LEASE from now, plus a sweep per row that came due in it. Returns the sweeps run.
        """
        horizon = self.clock.now() + LEASE
        deadline = time.monotonic() + LEASE.total_seconds() + 2 * LEASE_MARGIN_S
        sweeps = 0
        try:
            while self.role.sending and time.monotonic() < deadline:
                now = self.clock.now()
                due = await self.store.deliveries.next_due_after(now)
                if due is None or due > horizon:
                    break
                await sleep((due - now).total_seconds() + LEASE_MARGIN_S)
                if not self.role.sending:
                    break
                await self.drainer.tick()
                sweeps += 1
        except Exception:  # the ticks still send them; this only makes it sooner
            log.exception("following the leases of a previous sender failed")
        return sweeps

    async def sweep_reminders(self) -> None:
        if self.role.sending:
            await self.drainer.tick()

    async def sweep_once(self) -> SweepReport:
        """One budgeted reminder sweep, measured and logged."""
        started = time.perf_counter()
        report = await self.reminders.sweep(budget=max(5.0, self.scheduler.interval))
        metrics = self._metrics()
        metrics.sweep(time.perf_counter() - started)
        metrics.sweep_report(report)
        for lag in report.lag_seconds:
            metrics.delivery_lag(lag)
        if report.sent or report.failed or report.skipped or report.errors:
            log.info(
                "reminder sweep: %d sent (%d late), %d skipped, %d failed, %d fallbacks,"
                " %d retried",
                report.sent,
                report.late,
                report.skipped,
                report.failed,
                report.fallbacks,
                report.retried,
            )
        return report

    async def sweep_digests(self) -> None:
        """Digests are weekly: checking once a minute (DIGEST_CHECK_SECONDS) is plenty."""
        if not self.role.sending:
            return
        now = time.monotonic()
        if now - self._last_digest_check < self._digest_every:
            return
        self._last_digest_check = now
        posted = await self.digests.sweep()
        if posted:
            log.info("posted %d channel digest(s)", posted)

    async def prune(self, batches: int = PRUNE_BATCHES) -> int:
        """Delete outbox rows finished more than the retention ago: a few small batches a
        tick, never while a backlog drains. Returns how many rows went."""
        if not self.role.sending or self.drainer.draining:
            return 0
        before = self.clock.now() - self.retention
        pruned = 0
        for _ in range(batches):
            n = await self.store.deliveries.prune(before, limit=PRUNE_BATCH)
            pruned += n
            if n < PRUNE_BATCH:
                break
        if pruned:
            log.info("pruned %d finished outbox row(s) older than %s", pruned, before.date())
        return pruned

    async def warm_dms(self) -> None:
        # never compete with a fan-out under way
        if self.role.sending and not self.drainer.draining:
            await self.warmer.warm(self.clock.now())
