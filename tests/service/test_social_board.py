"""On-schedule boards through the service with a real store and a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.clock import FixedClock
from bot.core.leaderboard import Metric, Period
from bot.core.models import CompletionSource, Visibility
from bot.pathway_files import PathwayRegistry
from bot.service.context import Context
from bot.service.social import Social
from bot.store import Store
from tests.harness import PATHWAYS, SEED
from tests.store.values import complete

GUILD = 100


async def test_a_late_joiner_leads_on_schedule_but_not_on_points(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 12, tzinfo=UTC))
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        ctx = Context(store, PathwayRegistry(PATHWAYS), clock)
        spring = (
            await store.enrolments.enrol(1, GUILD, SEED, "h", date(2026, 3, 2), clock.now())
        ).enrolment
        late = (
            await store.enrolments.enrol(2, GUILD, SEED, "h", date(2026, 5, 28), clock.now())
        ).enrolment
        pathway = ctx.registry.get(SEED)
        dated = [i.id for i in pathway.items() if i.kind.value != "skill"]
        for item in dated[:10]:
            await complete(store, spring.id, item, clock.now(), CompletionSource.COMMAND, 20)
        for item in dated[:2]:
            await complete(store, late.id, item, clock.now(), CompletionSource.COMMAND, 20)
        for user in (1, 2):  # server-wide boards list only learners who opted in
            await store.learners.set_visibility(user, Visibility.SHOWN, clock.now())
        social = Social(ctx)
        points = await social.board(GUILD, 2, None, Period.ALL, Metric.POINTS)
        assert [r.entry.user_id for r in points.public] == [1, 2]
        schedule = await social.board(GUILD, 2, None, Period.ALL, Metric.ON_SCHEDULE)
        assert [r.entry.user_id for r in schedule.public] == [2, 1]
        assert schedule.mine is not None and schedule.mine.rank == 1
        # the on-schedule score reads as whole items ahead (+) or behind (-)
        assert all(r.entry.score == int(r.entry.score) for r in schedule.public)
        assert schedule.public[0].entry.score > schedule.public[1].entry.score
