"""One sender among the processes: the lock holder sweeps, a standby sweeps nothing and
takes over when the sender lets go or dies.

Two DeliveryJobs over two Store objects on one SQLite file stand for two processes; the
real file lock decides. (The PostgreSQL lock has its own contract tests in tests/store, and
the end-to-end failover runs two bot processes: tests/discord_app/test_failover.py.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.core.models import Learner
from bot.core.reminder import ReminderContent
from bot.delivery.jobs import DeliveryJobs
from bot.delivery.ports import Sent
from bot.delivery.retry import LEASE
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


class Hung(Opener):
    """A sender's Discord calls that never return: the process is about to die mid-send."""

    def __init__(self) -> None:
        super().__init__()
        self.started = 0
        self.all_started = asyncio.Event()

    async def send_reminder(
        self, learner: Learner, enrolment_id: int, content: ReminderContent, nonce: str
    ) -> Sent:
        self.started += 1
        if self.started == 3:
            self.all_started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_new_sender_sends_what_a_dead_one_held_as_its_leases_end(
    two: tuple[Process, Process], clock: FixedClock
) -> None:
    """A sender SIGKILLed mid-send leaves its rows leased (LEASE, 45 s); the standby that
    takes over sends them as the leases end, not at the first tick after (up to 30 s more)."""
    a, b = two
    hung = Hung()
    a.jobs.reminders.notifier = hung
    await a.tick()  # a is the sender
    clock.advance(timedelta(days=7))
    sweep = asyncio.create_task(a.jobs.scheduler.run_once())
    await asyncio.wait_for(hung.all_started.wait(), 10)

    async def no_hand_back(*args: object) -> None:  # a dead process hands nothing back
        return None

    a.store.deliveries.release = no_hand_back  # type: ignore[method-assign]
    sweep.cancel()
    await asyncio.gather(sweep, return_exceptions=True)
    await a.jobs.drainer.stop()
    await a.jobs.role._lock.release()  # its session is gone, and the lock with it

    await b.tick()  # takes over; every due row is still leased by the dead sender
    assert b.jobs.role.role is Role.SENDER and b.notifier.sent == []
    follow = b.jobs._follow
    assert follow is not None and not follow.done(), "taking over starts following the leases"
    await b.jobs._stop_following()  # run it again here, with a sleep that moves the clock

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(timedelta(seconds=seconds))

    assert await b.jobs.follow_leases(sleep) == 1
    assert sorted(u for u, _ in b.notifier.sent) == [1, 2, 3]
    assert slept == [pytest.approx(LEASE.total_seconds() + 0.5)]  # the lease's end, no tick
    assert a.notifier.sent == []
