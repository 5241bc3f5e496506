"""A crash after any statement of /undo, /enroll, /done or the reminder send leaves the
database sound.

The store's connection is wrapped (tests/store/counting.py) to raise after its n-th
statement, for every n the use case reaches, one run each on a fresh database. The process
then "restarts": a new Store on the same file, a sweep once every lease has run out. After
that the invariants hold:

- every active enrolment has a next reminder;
- no completion without its enrolment;
- outbox rows are pending, sent, skipped or failed, and none is left claimed past its lease;
- every learner due a reminder got it, with one nonce (no visible duplicate).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.core.models import CompletionSource
from bot.delivery.reminders import ReminderSender
from bot.delivery.retry import LEASE
from bot.pathway_files import PathwayRegistry
from bot.service.context import Context
from bot.service.learning import Learning
from bot.service.social import Social
from bot.store import Store
from tests.delivery.test_sender_unit import FakeNotifier
from tests.harness import PATHWAYS, SEED
from tests.store.counting import CountingBackend, InjectedCrash

GUILD = 100
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
REGISTRY = PathwayRegistry(PATHWAYS)
ITEMS = [i.id for i in REGISTRY.get(SEED).items()]
Setup = Callable[[Learning, Social], Awaitable[None]]
UseCase = Callable[[Learning, ReminderSender, FixedClock], Awaitable[object]]


async def invariants(store: Store, now: datetime) -> None:
    async with store.db.read() as tx:
        (active_without,) = await tx.fetchrow(
            "SELECT COUNT(*) FROM enrolments WHERE status = 'active' AND next_reminder_at IS NULL"
        )
        (orphans,) = await tx.fetchrow(
            "SELECT COUNT(*) FROM completions AS c LEFT JOIN enrolments AS e"
            " ON e.id = c.enrolment_id WHERE e.id IS NULL"
        )
        statuses = {r[0] for r in await tx.fetchall("SELECT DISTINCT status FROM deliveries")}
        (stuck,) = await tx.fetchrow(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"
            " AND (next_attempt_at IS NULL OR next_attempt_at < ?)",
            (int(now.timestamp() * 1_000_000),),
        )
    assert active_without == 0, "an active enrolment without a next reminder"
    assert orphans == 0, "a completion without its enrolment"
    assert statuses <= {"pending", "sent", "skipped", "failed"}, statuses
    assert stuck == 0, "an outbox row claimed past its lease after the restart"


async def crash_every_statement(
    tmp_path: Path, setup: Setup, use_case: UseCase, reminded: set[int] | None = None
) -> int:
    """Run `use_case` once per statement it reaches, crashing after that statement; check
    the invariants after a restart each time. Returns how many crash points there were."""
    n = 0
    while True:
        n += 1
        path = tmp_path / f"run{n}" / "db.sqlite3"
        clock = FixedClock(MONDAY)
        opened = await Store.open(path)
        counting = CountingBackend(opened.db)
        store = Store(counting)
        ctx = Context(store, REGISTRY, clock)
        learning, social = Learning(ctx), Social(ctx)
        notifier = FakeNotifier()
        sender = ReminderSender(store, REGISTRY, notifier, clock, retry_base=1.0)
        try:
            await setup(learning, social)
            counting.reset()
            counting.fail_after = n
            with contextlib.suppress(InjectedCrash):
                await use_case(learning, sender, clock)
            crashed = counting.fail_after is None
        finally:
            await store.close()
        # the restart: a fresh process on the same file, after every lease has run out
        clock.advance(LEASE + timedelta(seconds=1))
        async with await Store.open(path) as again:
            restarted = ReminderSender(again, REGISTRY, notifier, clock, retry_base=1.0)
            await restarted.sweep()
            await invariants(again, clock.now())
            nonces: dict[int, set[str]] = {}
            for user, nonce in notifier.sent:
                nonces.setdefault(user, set()).add(nonce)
            assert all(len(n) == 1 for n in nonces.values()), "a reminder sent twice"
            if reminded is not None:
                assert set(nonces) == reminded, f"crash after statement {n}: {sorted(nonces)}"
        if not crashed:
            return n - 1


async def three_learners(learning: Learning, social: Social) -> None:
    for user in (1, 2, 3):
        await learning.enroll(user, GUILD, SEED)


async def all_but_one_done(learning: Learning, social: Social) -> None:
    await three_learners(learning, social)
    for item in ITEMS[:-1]:
        await learning.done_by_id(1, 1, item, CompletionSource.BUTTON)


async def everything_done(learning: Learning, social: Social) -> None:
    await all_but_one_done(learning, social)
    await learning.done_by_id(1, 1, ITEMS[-1], CompletionSource.BUTTON)


async def with_a_group(learning: Learning, social: Social) -> None:
    await three_learners(learning, social)
    await social.create_group(GUILD, 1, True, "Owls", SEED, None, None)


async def test_crash_in_done(tmp_path: Path) -> None:
    async def done(learning: Learning, _s: ReminderSender, _c: FixedClock) -> object:
        return await learning.done(1, GUILD, ITEMS[0])

    assert await crash_every_statement(tmp_path, three_learners, done) >= 4


async def test_crash_in_done_of_the_last_item(tmp_path: Path) -> None:
    async def done(learning: Learning, _s: ReminderSender, _c: FixedClock) -> object:
        return await learning.done(1, GUILD, ITEMS[-1])

    assert await crash_every_statement(tmp_path, all_but_one_done, done) >= 4


async def test_crash_in_undo_reopening_a_completed_pathway(tmp_path: Path) -> None:
    async def undo(learning: Learning, _s: ReminderSender, _c: FixedClock) -> object:
        return await learning.undo(1, GUILD, ITEMS[-1])

    assert await crash_every_statement(tmp_path, everything_done, undo) >= 5


async def test_crash_in_enroll_with_its_group_join(tmp_path: Path) -> None:
    async def enroll(learning: Learning, _s: ReminderSender, _c: FixedClock) -> object:
        return await learning.enroll(4, GUILD, SEED, group="Owls")

    assert await crash_every_statement(tmp_path, with_a_group, enroll) >= 7


@pytest.mark.parametrize("closed", [False, True], ids=["dms-open", "dms-closed"])
async def test_crash_in_the_reminder_send(tmp_path: Path, closed: bool) -> None:
    async def sweep(_l: Learning, sender: ReminderSender, clock: FixedClock) -> object:
        if closed:
            sender.notifier.closed.add(2)  # type: ignore[attr-defined]
        clock.advance(timedelta(days=7))
        return await sender.sweep()

    points = await crash_every_statement(
        tmp_path, three_learners, sweep, reminded={1, 3} if closed else {1, 2, 3}
    )
    assert points >= 5
