"""APScheduler 3 with a few fixed jobs: the reminder sweep and the digest sweep.

There is never a job per learner: the database says what is due. The jobs are in-memory
(persistent job stores pickle jobs and cannot be shared between processes), started once from
setup_hook, and guarded so a reconnect or a repeated on_ready can never start a second one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]
#: How long `stop` waits for a cancelled tick to unwind (SIGTERM must end within 10 s).
STOP_GRACE = 3.0


class DeliveryScheduler:
    def __init__(self, interval: float = 30.0) -> None:
        self.interval = interval
        self._scheduler: AsyncIOScheduler | None = None
        self._jobs: dict[str, Job] = {}
        self.last_tick_wall: datetime | None = None
        self.ticks = 0
        self._ticking: asyncio.Task[object] | None = None  # the tick under way, if any

    def add(self, name: str, job: Job) -> None:
        self._jobs[name] = job

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def start(self) -> bool:
        """Start once; later calls are no-ops and return False."""
        if self._scheduler is not None:
            return False
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self.interval, timezone=UTC),
            id="delivery-sweep",
            max_instances=1,  # a slow sweep is never overlapped by the next
            coalesce=True,  # after a stall, run once, not once per missed interval
            misfire_grace_time=max(1, int(self.interval)),
            next_run_time=datetime.now(UTC),
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("delivery scheduler started: sweeping every %g s", self.interval)
        return True

    async def run_once(self) -> None:
        """Every job once, in order, as one tick runs them: for callers that drive time
        themselves (tests, a one-shot run)."""
        await self._tick()

    async def _tick(self) -> None:
        self._ticking = asyncio.current_task()
        try:
            await self._run_jobs()
        finally:
            self._ticking = None

    async def _run_jobs(self) -> None:
        for name, job in self._jobs.items():
            try:
                await job()
            except Exception:
                log.exception("delivery job %s failed; it runs again next tick", name)
        self.ticks += 1
        self.last_tick_wall = datetime.now(UTC)

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop ticking and end the tick under way: cancelled (a sweep mid-send leaves its
        claims to run out their lease) and waited for, at most `grace` seconds."""
        self.shutdown()
        ticking, self._ticking = self._ticking, None
        if ticking is not None and ticking is not asyncio.current_task() and not ticking.done():
            ticking.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(ticking), grace)
