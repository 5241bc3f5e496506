"""Each digest reads its board once, when it is posted; a posted week costs one read a check.

The digest check runs every minute for the day a weekly slot stays due. It used to re-read
every board and write a claim on each check. Here the store is wrapped to count what it is
asked, and a day of checks is run against a group and a cohort.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.clock import FixedClock
from bot.core.models import GuildSettings
from bot.delivery.digests import DigestSender
from bot.pathway_files import PathwayRegistry
from bot.store import Store
from tests.delivery.test_sender_unit import FakeNotifier
from tests.harness import PATHWAYS, SEED
from tests.store.counting import CountingBackend

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # the default digest slot


class Posts(FakeNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.digests: list[tuple[int, str, int]] = []

    async def post_digest(self, channel_id, digest, nonce):  # type: ignore[no-untyped-def]
        self.digests.append((channel_id, digest.title, digest.members))
        return await super().post_digest(channel_id, digest, nonce)


async def test_a_day_of_digest_checks_reads_each_board_once(tmp_path: Path) -> None:
    clock = FixedClock(MONDAY_9 - timedelta(days=7))
    opened = await Store.open(tmp_path / "db.sqlite3")
    counting = CountingBackend(opened.db)
    store = Store(counting)
    try:
        await store.guilds.set(GuildSettings(100, digest_channel_id=555))
        for user in range(1, 7):
            await store.enrolments.enrol(
                user, 100, SEED, "sha256:x", date(2026, 11, 30), clock.now()
            )
        group = await store.groups.create(100, "Night owls", SEED, date(2026, 11, 30), clock.now())
        for user in (1, 2, 3):
            await store.groups.join(group.id, user, clock.now())
        notifier = Posts()
        digests = DigestSender(store, PathwayRegistry(PATHWAYS), notifier, clock)
        clock.set(MONDAY_9)

        counting.reset()
        assert await digests.sweep() == 2
        assert sorted(notifier.digests) == sorted(
            [
                (555, "Weekly digest · Night owls", 3),
                (555, f"Weekly digest · {PathwayRegistry(PATHWAYS).get(SEED).name}", 3),
            ]
        )
        first = [s for t in counting.log for s in t.statements]
        boards = [s for s in first if "points_total" in s]
        assert len(boards) == 2, boards  # one board per digest

        counting.reset()
        for _ in range(24 * 60 - 1):  # the rest of the day the slot stays due, once a minute
            clock.advance(timedelta(minutes=1))
            assert await digests.sweep() == 0
        assert counting.writes == [], "a posted week writes nothing more"
        later = [s for t in counting.log for s in t.statements]
        assert not [s for s in later if "points_total" in s], "no board is read again"
        assert len(notifier.digests) == 2
    finally:
        await store.close()


async def test_a_digest_that_always_raises_is_parked_and_holds_up_nothing(
    tmp_path: Path,
) -> None:
    clock = FixedClock(MONDAY_9 - timedelta(days=7))
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        await store.guilds.set(GuildSettings(100, digest_channel_id=555))
        for user in range(1, 5):
            await store.enrolments.enrol(
                user, 100, SEED, "sha256:x", date(2026, 11, 30), clock.now()
            )
        group = await store.groups.create(100, "Broken", SEED, date(2026, 11, 30), clock.now())
        await store.groups.join(group.id, 1, clock.now())
        notifier = Posts()
        digests = DigestSender(store, PathwayRegistry(PATHWAYS), notifier, clock)
        real = digests.compose

        async def compose(target, slot_at, now):  # type: ignore[no-untyped-def]
            if target.group is not None:
                raise ZeroDivisionError("a bug in one digest")
            return await real(target, slot_at, now)

        digests.compose = compose  # type: ignore[method-assign]
        clock.set(MONDAY_9)
        assert await digests.sweep() == 1  # the cohort's digest went regardless
        for _ in range(24 * 60):
            clock.advance(timedelta(minutes=1))
            await digests.sweep()
        async with store.db.read() as tx:
            row = await tx.fetchrow(
                "SELECT status, attempts, last_error FROM deliveries WHERE target = ?",
                (f"group:{group.id}",),
            )
        assert (row[0], row[1]) == ("failed", 5)
        assert str(row[2]).startswith("error id ")
        assert len(notifier.digests) == 1
