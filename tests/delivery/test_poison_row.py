"""A row that always raises never wedges the outbox.

One learner's reminder raises on every try (a bug in composing or sending it, whatever it
is); another learner's stored preferences cannot even be read. The 1,000 others are sent in
the same sweep as if nothing were wrong; the bad rows count an attempt each time and back
off, are parked as failed after their last attempt with an error id in the log and
`reminders_failed_total` counted, and those learners' next weeks go on as usual.

Real SQLite file, the real sender; a fake notifier (the end-to-end tests keep the real one).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.core.models import DeliveryStatus, Learner
from bot.core.reminder import ReminderContent
from bot.delivery.ports import DigestContent, Sent, WelcomeContent
from bot.delivery.reminders import ReminderSender
from bot.delivery.retry import MAX_ATTEMPTS
from bot.metrics import Metrics
from bot.pathway_files import PathwayRegistry
from bot.store import Store
from tests import bulk_load as bulk
from tests.harness import PATHWAYS, SEED

OTHERS = 1000
POISON = 1  # user id whose reminder always raises
CORRUPT = 2  # user id whose stored time zone is garbage
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class PoisonNotifier:
    """Sends everything, except to POISON while `poisoned` holds."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.tries: dict[int, int] = {}
        self.poisoned = True

    async def send_reminder(
        self, learner: Learner, enrolment_id: int, content: ReminderContent, nonce: str
    ) -> Sent:
        self.tries[learner.user_id] = self.tries.get(learner.user_id, 0) + 1
        if learner.user_id == POISON and self.poisoned:
            raise KeyError("a bug nobody foresaw")
        self.sent.append(learner.user_id)
        return Sent(len(self.sent), 9000 + learner.user_id)

    async def post_fallback(
        self, channel_id: int, user_id: int, pathway_title: str, nonce: str
    ) -> Sent:
        raise AssertionError("no closed DMs here")

    async def post_digest(self, channel_id: int, digest: DigestContent, nonce: str) -> Sent:
        raise AssertionError("no digests here")

    async def send_welcome(self, learner: Learner, content: WelcomeContent) -> Sent:
        raise AssertionError("no welcomes here")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Store, ReminderSender, PoisonNotifier]]:
    clock = FixedClock(MONDAY + timedelta(minutes=1))
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        users = list(range(1, OTHERS + 3))  # POISON, CORRUPT, then the others
        await bulk.load_learners(store.db, users, MONDAY - timedelta(days=30))
        start = date(2026, 11, 23)
        await bulk.load_enrolments(
            store.db,
            [(u, u, 100, SEED, start, MONDAY) for u in users],
            MONDAY - timedelta(days=14),
        )
        async with store.db.write() as tx:
            await tx.execute("UPDATE learners SET tz = 'Not/A_Zone' WHERE user_id = ?", (CORRUPT,))
        notifier = PoisonNotifier()
        sender = ReminderSender(store, PathwayRegistry(PATHWAYS), notifier, clock, retry_base=0.01)
        yield store, sender, notifier


async def row_of(store: Store, enrolment_id: int, period: str = "2026-W50") -> tuple[object, ...]:
    async with store.db.read() as tx:
        row = await tx.fetchone(
            "SELECT status, attempts, last_error FROM deliveries"
            " WHERE target = ? AND kind = 'reminder' AND period_key = ?",
            (f"enrolment:{enrolment_id}", period),
        )
    assert row is not None, f"no outbox row for enrolment {enrolment_id} in {period}"
    return tuple(row)


async def test_a_poison_row_is_parked_and_never_holds_up_the_others(
    world: tuple[Store, ReminderSender, PoisonNotifier], caplog: pytest.LogCaptureFixture
) -> None:
    store, sender, notifier = world
    clock = sender.clock
    assert isinstance(clock, FixedClock)
    metrics = Metrics()

    first = await sender.sweep()
    metrics.sweep_report(first)
    # Everyone else went in this first sweep, on time: the bad rows held nobody up.
    assert sorted(notifier.sent) == list(range(CORRUPT + 1, OTHERS + 3))
    assert first.sent == OTHERS and first.failed == 0
    assert (await row_of(store, POISON))[:2] == ("pending", 1)
    assert (await row_of(store, CORRUPT))[:2] == ("pending", 1)

    # Each later sweep past the backoff counts one more attempt, never more.
    for attempt in range(2, MAX_ATTEMPTS + 1):
        clock.advance(timedelta(minutes=5))
        with caplog.at_level(logging.ERROR, logger="bot.delivery.reminders"):
            report = await sender.sweep()
        metrics.sweep_report(report)
        assert report.sent == 0
        assert (await row_of(store, POISON))[1] == attempt
    assert notifier.tries[POISON] == MAX_ATTEMPTS

    for user in (POISON, CORRUPT):
        status, attempts, error = await row_of(store, user)
        assert (status, attempts) == ("failed", MAX_ATTEMPTS)
        assert isinstance(error, str) and error.startswith("error id ")
        eid = error.split()[2].rstrip(":")
        assert any(
            "parked as failed" in r.getMessage() and eid in r.getMessage() for r in caplog.records
        ), f"the error id {eid} is in the log"
    exposed = metrics.render().decode()
    assert "reminders_failed_total 2.0" in exposed

    # Parked: more sweeps leave it alone.
    clock.advance(timedelta(hours=2))
    await sender.sweep()
    assert notifier.tries[POISON] == MAX_ATTEMPTS

    # Their later reminders are scheduled as usual: next Monday, and it arrives.
    poison = await store.enrolments.get(POISON)
    assert poison is not None and poison.next_reminder_at == MONDAY + timedelta(days=7)
    corrupt = await store.enrolments.get(CORRUPT)
    assert corrupt is not None and corrupt.next_reminder_at is not None
    assert corrupt.next_reminder_at > clock.now()
    notifier.poisoned = False
    notifier.sent.clear()
    clock.set(MONDAY + timedelta(days=7, minutes=1))
    week_two = await sender.sweep()
    assert POISON in notifier.sent and week_two.sent == OTHERS + 1
    assert (await row_of(store, POISON, "2026-W51"))[0] == DeliveryStatus.SENT.value
