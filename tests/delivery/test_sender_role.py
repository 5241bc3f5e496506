"""One sender among the processes: the lock holder sweeps, a standby sweeps nothing and
takes over when the sender lets go or dies.

Two DeliveryJobs over two Store objects on one SQLite file stand for two processes; the
real file lock decides. (The PostgreSQL lock has its own contract tests in tests/store, and
the end-to-end failover runs two bot processes: tests/discord_app/test_failover.py.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.delivery.jobs import DeliveryJobs
from bot.delivery.sender_role import Role
from bot.metrics import Metrics
from bot.pathway_files import PathwayRegistry
from bot.service.context import Context
from bot.service.learning import Learning
from bot.store import Store
from tests.delivery.test_sender_unit import FakeNotifier
from tests.harness import PATHWAYS, SEED


class Opener(FakeNotifier):
    async def open_dm(self, user_id: int) -> int | None:
        return 9000 + user_id


class Process:
    """What one bot process holds for delivery: its own store handle, jobs and notifier."""

    def __init__(self, store: Store, clock: FixedClock) -> None:
        self.store = store
        self.notifier = Opener()
        self.metrics = Metrics()
        self.roles_heard: list[Role] = []
        self.jobs = DeliveryJobs(
            store,
            PathwayRegistry(PATHWAYS),
            self.notifier,
            clock,
            interval=30,
            retry_base=1.0,
            digest_check_seconds=0,
            metrics=lambda: self.metrics,
            heartbeat=self._beat,
            on_role=self.roles_heard.append,
        )
        self.beats = 0

    async def _beat(self) -> None:
        self.beats += 1

    async def tick(self) -> None:
        await self.jobs.scheduler.run_once()
        await self.jobs.drainer.wait()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 12, 7, 10, tzinfo=UTC))


@pytest.fixture
async def two(tmp_path: Path, clock: FixedClock) -> AsyncIterator[tuple[Process, Process]]:
    path = tmp_path / "db.sqlite3"
    async with AsyncExitStack() as stack:
        a = Process(await stack.enter_async_context(await Store.open(path)), clock)
        b = Process(await stack.enter_async_context(await Store.open(path)), clock)
        learning = Learning(Context(a.store, PathwayRegistry(PATHWAYS), clock))
        for user in (1, 2, 3):
            await learning.enroll(user, 100, SEED)
        yield a, b
        for p in (a, b):
            await p.jobs.stop()


async def test_only_the_lock_holder_sends(two: tuple[Process, Process], clock: FixedClock) -> None:
    a, b = two
    await a.tick()  # a takes the lock; nothing is due yet
    clock.advance(timedelta(days=7))
    await b.tick()  # the standby ticks first in the due minute, and still sends nothing
    assert b.notifier.sent == []
    await a.tick()
    assert (a.jobs.role.role, b.jobs.role.role) == (Role.SENDER, Role.STANDBY)
    assert sorted(u for u, _ in a.notifier.sent) == [1, 2, 3]
    assert a.beats == 2 and b.beats == 1  # a standby still proves it is alive
    # each heard its role once (the adapter sets its share of the REST budget from it)
    assert (a.roles_heard, b.roles_heard) == ([Role.SENDER], [Role.STANDBY])


async def test_a_standby_takes_over_when_the_sender_stops(
    two: tuple[Process, Process], clock: FixedClock
) -> None:
    a, b = two
    await a.tick()
    await b.tick()
    await a.jobs.stop()  # a clean shutdown hands the lock on at once
    clock.advance(timedelta(days=7))
    await b.tick()
    assert b.jobs.role.role is Role.SENDER
    assert b.roles_heard == [Role.STANDBY, Role.SENDER]
    assert sorted(u for u, _ in b.notifier.sent) == [1, 2, 3]
    assert a.notifier.sent == []


class FlakyLock:
    """Held, then lost (the session cut): what a sender sees when the database fails over."""

    def __init__(self, answers: list[bool]) -> None:
        self.answers = answers
        self.released = False

    async def hold(self) -> bool:
        return self.answers.pop(0)

    async def release(self) -> None:
        self.released = True


async def test_a_sender_that_loses_the_lock_stops_sending(
    two: tuple[Process, Process], clock: FixedClock
) -> None:
    a, _ = two
    a.jobs.role._lock = FlakyLock([True, False])
    await a.tick()
    assert a.jobs.role.role is Role.SENDER
    clock.advance(timedelta(days=7))
    await a.tick()
    assert a.jobs.role.role is Role.STANDBY
    assert a.notifier.sent == []  # the week came, but this process no longer sends


async def test_the_sender_prunes_the_outbox_past_its_retention(
    two: tuple[Process, Process], clock: FixedClock
) -> None:
    """Weeks of reminders later, rows finished more than OUTBOX_RETENTION_DAYS (30) ago are
    gone, in the sender's ticks; the standby never deletes anything."""
    a, b = two
    await a.tick()
    for _ in range(8):  # eight weekly reminders each
        clock.advance(timedelta(days=7))
        await b.tick()
        await a.tick()
    assert len(a.notifier.sent) == 24
    async with a.store.db.read() as tx:
        rows = await tx.fetchall("SELECT updated_at FROM deliveries ORDER BY updated_at")
    cutoff = clock.now() - timedelta(days=30)
    kept = [r for r in rows if r[0] >= int(cutoff.timestamp() * 1_000_000)]
    assert 0 < len(rows) <= 3 * 5, "only about the last 30 days' rows remain"
    assert len(kept) == len(rows)
    assert await b.jobs.prune() == 0  # a standby prunes nothing
