"""Drain a reminder backlog at once, instead of one budgeted sweep per scheduler tick.

A sweep stops when its time budget is spent, so one tick never runs for long (the health
heartbeat and digests share the tick). Left at that, a 10,000-learner fan-out waited up to
a whole interval between bursts. The drainer runs further sweeps back to back, as a task of
its own, for as long as each one ends with due work left and made progress; the throttle
keeps the sends smooth at the configured rate meanwhile. Only one drain runs at a time, and
the tick's own sweep stands aside while it does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.delivery.sweep_report import SweepReport

log = logging.getLogger(__name__)

Sweep = Callable[[], Awaitable[SweepReport]]


class Drainer:
    def __init__(self, sweep: Sweep) -> None:
        self._sweep = sweep
        self._task: asyncio.Task[None] | None = None
        self._sweeping = asyncio.Lock()  # the scheduler's tick and a lease follow-up take turns

    @property
    def draining(self) -> bool:
        return self._task is not None and not self._task.done()

    async def tick(self) -> SweepReport | None:
        """The scheduler's job: one sweep, then a drain in the background if work is left.
        None when a drain is already under way (it covers this tick's work)."""
        if self.draining:
            return None
        async with self._sweeping:
            if self.draining:
                return None
            report = await self._sweep()
        if report.more and report.progressed and not self.draining:
            self._task = asyncio.create_task(self._drain())
        return report

    async def _drain(self) -> None:
        rounds = 0
        while True:
            try:
                report = await self._sweep()
            except Exception:
                log.exception("draining the reminder backlog failed; the next tick resumes it")
                return
            rounds += 1
            if not (report.more and report.progressed):
                log.info("reminder backlog drained in %d more sweep(s)", rounds)
                return

    async def wait(self) -> None:
        """Until the drain under way (if any) has finished."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # shutting down
                await self._task
