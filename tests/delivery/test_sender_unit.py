"""The reminder sender over a real SQLite file with a fake notifier.

A fake is enough here: the end-to-end tests keep the real Discord notifier. These pin the
sender's own rules: one reminder per period, closed DMs marked and never retried, a
failure retried with backoff, and nothing sent twice when a sweep runs again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.core.models import Learner
from bot.core.reminder import ReminderContent
from bot.delivery import reminders
from bot.delivery.ports import DigestContent, DmClosed, SendFailed, Sent, WelcomeContent
from bot.delivery.reminders import ReminderSender
from bot.pathway_files import PathwayRegistry
from bot.service.context import Context
from bot.service.learning import Learning
from bot.store import Store
from tests.harness import PATHWAYS, SEED


class FakeNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []  # (user, nonce)
        self.closed: set[int] = set()
        self.failing: dict[int, int] = {}  # user -> failures left
        self.fallbacks: list[int] = []

    async def send_reminder(
        self, learner: Learner, enrolment_id: int, content: ReminderContent, nonce: str
    ) -> Sent:
        if learner.user_id in self.closed:
            raise DmClosed("50007")
        if self.failing.get(learner.user_id, 0) > 0:
            self.failing[learner.user_id] -= 1
            raise SendFailed("503")
        assert content.focus, "a reminder always names a focus"
        self.sent.append((learner.user_id, nonce))
        return Sent(len(self.sent), 9000 + learner.user_id)

    async def post_fallback(
        self, channel_id: int, user_id: int, pathway_title: str, nonce: str
    ) -> Sent:
        self.fallbacks.append(user_id)
        return Sent(1, channel_id)

    async def post_digest(self, channel_id: int, digest: DigestContent, nonce: str) -> Sent:
        return Sent(1, channel_id)

    async def send_welcome(self, learner: Learner, content: WelcomeContent) -> Sent:
        return Sent(1, 9000 + learner.user_id)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 12, 7, 10, tzinfo=UTC))


@pytest.fixture
async def world(
    tmp_path: Path, clock: FixedClock
) -> AsyncIterator[tuple[Store, Learning, ReminderSender, FakeNotifier]]:
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        registry = PathwayRegistry(PATHWAYS)
        learning = Learning(Context(store, registry, clock))
        notifier = FakeNotifier()
        sender = ReminderSender(store, registry, notifier, clock, retry_base=1.0)
        yield store, learning, sender, notifier


async def test_one_reminder_per_period_and_the_dm_channel_learned(
    world: tuple[Store, Learning, ReminderSender, FakeNotifier], clock: FixedClock
) -> None:
    store, learning, sender, notifier = world
    for user in (1, 2, 3):
        await learning.enroll(user, 100, SEED)
    clock.advance(timedelta(days=7))
    report = await sender.sweep()
    assert report.sent == 3 and sorted(u for u, _ in notifier.sent) == [1, 2, 3]
    again = await sender.sweep()  # the same week: nothing more
    assert again.sent == 0 and len(notifier.sent) == 3
    learners = await store.learners.get_many([1, 2, 3])
    assert all(learners[u].dm_channel_id == 9000 + u for u in (1, 2, 3))


async def test_closed_dms_are_kept_on_record_until_a_dm_gets_through(
    world: tuple[Store, Learning, ReminderSender, FakeNotifier], clock: FixedClock
) -> None:
    store, learning, sender, notifier = world
    await learning.enroll(4, 100, SEED)
    notifier.closed.add(4)
    clock.advance(timedelta(days=7))
    await sender.sweep()
    learner = await store.learners.get(4)
    assert learner is not None and learner.dm_blocked
    since = learner.dm_blocked_since
    clock.advance(timedelta(days=7))
    await sender.sweep()  # still closed: the record stays, from when it began
    learner = await store.learners.get(4)
    assert learner is not None and learner.dm_blocked_since == since
    assert notifier.sent == []
    notifier.closed.discard(4)  # they opened their DMs: the next week's reminder arrives
    clock.advance(timedelta(days=7))
    await sender.sweep()
    assert [u for u, _ in notifier.sent] == [4]
    learner = await store.learners.get(4)
    assert learner is not None and not learner.dm_blocked


async def test_a_failure_is_retried_with_the_same_nonce(
    world: tuple[Store, Learning, ReminderSender, FakeNotifier], clock: FixedClock
) -> None:
    _, learning, sender, notifier = world
    await learning.enroll(5, 100, SEED)
    notifier.failing[5] = 1
    clock.advance(timedelta(days=7))
    first = await sender.sweep()
    assert first.sent == 0 and notifier.sent == []
    clock.advance(timedelta(seconds=5))  # past the backoff
    retried = await sender.sweep()
    assert retried.sent == 1 and [u for u, _ in notifier.sent] == [5]


class HeldNotifier(FakeNotifier):
    """Holds learner 1's reminder until a reminder of the second batch has started (or
    `patience` runs out), and records whether that ever happened."""

    def __init__(
        self, second_batch: set[int], patience: float = 10.0, stuck: frozenset[int] = frozenset()
    ) -> None:
        super().__init__()
        self.second_batch = second_batch
        self.patience = patience
        self.stuck = stuck  # learners whose sends never end (until cancelled)
        self.second_started = asyncio.Event()
        self.overlapped = False

    async def send_reminder(
        self, learner: Learner, enrolment_id: int, content: ReminderContent, nonce: str
    ) -> Sent:
        if learner.user_id in self.second_batch:
            self.second_started.set()
        if learner.user_id in self.stuck:
            await asyncio.Event().wait()
        if learner.user_id == 1:
            try:
                await asyncio.wait_for(self.second_started.wait(), self.patience)
                self.overlapped = True
            except TimeoutError:
                pass
        return await super().send_reminder(learner, enrolment_id, content, nonce)


async def test_the_next_batch_starts_while_the_last_sends_of_one_finish(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fan-out must not idle at every batch boundary: once a batch's last sends are all
    under way, the next batch is claimed and started. Learner 1's send waits for one of the
    second batch: with batches run one after another it would wait in vain."""
    monkeypatch.setattr(reminders, "BATCH", 40)
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        registry = PathwayRegistry(PATHWAYS)
        learning = Learning(Context(store, registry, clock))
        for user in range(1, 81):
            await learning.enroll(user, 100, SEED)
        notifier = HeldNotifier(second_batch=set(range(41, 81)))
        sender = ReminderSender(store, registry, notifier, clock, retry_base=1.0)
        clock.advance(timedelta(days=7))
        report = await sender.sweep()
        assert notifier.overlapped, "the second batch only started after the first had ended"
        assert report.sent == 80
        assert sorted(u for u, _ in notifier.sent) == list(range(1, 81))
        again = await sender.sweep()
        assert again.sent == 0 and len(notifier.sent) == 80


async def test_stopping_with_two_batches_in_hand_records_or_hands_back_every_claim(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelled while the tail of one batch and the start of the next are both in hand:
    what was sent is recorded, every other claim is handed back at once, and the next sweep
    sends exactly the rest."""
    monkeypatch.setattr(reminders, "BATCH", 40)
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        registry = PathwayRegistry(PATHWAYS)
        learning = Learning(Context(store, registry, clock))
        for user in range(1, 81):
            await learning.enroll(user, 100, SEED)
        notifier = HeldNotifier(second_batch=set(range(41, 81)), stuck=frozenset({1, 80}))
        sender = ReminderSender(store, registry, notifier, clock, retry_base=1.0)
        clock.advance(timedelta(days=7))
        sweep = asyncio.create_task(sender.sweep())
        await asyncio.wait_for(notifier.second_started.wait(), 10.0)
        await asyncio.sleep(0.05)  # let some of the second batch go out too
        sweep.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sweep
        first = sorted(u for u, _ in notifier.sent)
        assert 1 not in first and 80 not in first and any(u > 40 for u in first)
        notifier.stuck = frozenset()  # the restarted sweep holds nobody
        notifier.second_batch = set()
        notifier.patience = 0.0
        report = await sender.sweep()
        users = sorted(u for u, _ in notifier.sent)
        assert users == list(range(1, 81)), "each learner reminded exactly once"
        assert report.sent == 80 - len(first)
