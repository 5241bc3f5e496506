"""/done's unit of work under concurrent clicks, on SQLite and PostgreSQL.

Every ✅ of one learner's pathway clicked at once (and one of them twice): on PostgreSQL the
units run side by side on the pool and queue on the enrolment's row lock, so most of them
wait for it and must then read the completions committed meanwhile (Completions.lock reads
again); on SQLite they queue behind the single writer and share commits. Either way each
item is recorded once, the counters are exact, the pathway ends completed, and a click on
someone else's plan is refused and writes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.core.errors import ErrorCode, Forbidden
from bot.core.models import CompletionSource, EnrolmentStatus
from bot.pathway_files import PathwayRegistry
from bot.service.context import Context
from bot.service.learning import Learning
from bot.store import Store
from bot.store.backend import Dialect
from tests.harness import PATHWAYS, SEED
from tests.store.backends import BACKENDS, fresh_target
from tests.store.counting import CountingBackend

GUILD = 100
BUTTON = CompletionSource.BUTTON


@pytest.fixture(params=BACKENDS)
async def learning(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Learning]:
    async with (
        fresh_target(str(request.param), tmp_path / "db.sqlite3") as target,
        await target.open() as store,
    ):
        clock = FixedClock(datetime(2026, 12, 7, 10, tzinfo=UTC))
        yield Learning(Context(store, PathwayRegistry(PATHWAYS), clock))


async def test_every_item_clicked_at_once_completes_the_pathway_exactly_once(
    learning: Learning,
) -> None:
    store = learning.ctx.store
    enrolment = (await learning.enroll(1, GUILD, SEED)).view.enrolment
    await learning.enroll(2, GUILD, SEED)
    items = [item.id for item in learning.ctx.registry.get(SEED).items()]
    clicks = [*items, items[0]]  # a double click on the first
    outcomes = await asyncio.gather(
        *(learning.done_by_id(enrolment.id, 1, item, BUTTON) for item in clicks)
    )
    assert sum(o.created for o in outcomes) == len(items)
    first = [o for o, item in zip(outcomes, clicks, strict=True) if item == items[0]]
    assert sorted(o.created for o in first) == [False, True]
    assert first[0].points == first[1].points and first[0].completed_at == first[1].completed_at
    # A click that saw every item done replied with the pathway completed: the unit that
    # completed it, or one after it (a unit that missed a completion another had committed
    # would see the pathway unfinished, and nobody would complete it).
    assert any(o.view.progress.complete for o in outcomes)
    assert all(
        o.view.enrolment.status is EnrolmentStatus.COMPLETED
        for o in outcomes
        if o.view.progress.complete
    )
    stored = await store.enrolments.get(enrolment.id)
    assert stored is not None and stored.status is EnrolmentStatus.COMPLETED
    assert stored.next_reminder_at is None
    done = await store.completions.list_for_enrolment(enrolment.id)
    assert sorted(c.item_id for c in done) == sorted(items)
    stored_points = {c.item_id: c.points for c in done}
    for item, outcome in zip(clicks, outcomes, strict=True):
        assert outcome.points == stored_points[item]
    locked = await store.completions.lock(enrolment.id)
    assert locked is not None and locked.points == sum(c.points for c in done)
    board = await store.leaderboards.for_pathway(GUILD, SEED)
    [mine] = [row for row in board if row.enrolment_id == enrolment.id]
    assert (mine.points, mine.completions) == (locked.points, len(items))
    assert await store.db.integrity_check() == ["ok"]


async def test_a_click_on_another_learners_plan_writes_nothing(learning: Learning) -> None:
    store = learning.ctx.store
    enrolment = (await learning.enroll(1, GUILD, SEED)).view.enrolment
    item = learning.ctx.registry.get(SEED).items()[0].id
    with pytest.raises(Forbidden) as refused:
        await learning.done_by_id(enrolment.id, 2, item, BUTTON)
    assert refused.value.code is ErrorCode.NOT_YOUR_PLAN
    assert await store.completions.list_for_enrolment(enrolment.id) == []


async def test_round_trips_of_one_click(learning: Learning) -> None:
    """The ✅ button's unit of work: the locked read, then the insert with the rank read,
    one statement on PostgreSQL (each statement is a round trip there, as are BEGIN and
    COMMIT) and two on SQLite (no round trips: statements run inline)."""
    store = learning.ctx.store
    enrolment = (await learning.enroll(1, GUILD, SEED)).view.enrolment
    items = [item.id for item in learning.ctx.registry.get(SEED).items()]
    counting = CountingBackend(store.db)
    counted = Learning(Context(Store(counting), learning.ctx.registry, learning.ctx.clock))
    outcome = await counted.done_by_id(enrolment.id, 1, items[0], BUTTON)
    assert outcome.created and outcome.rank is not None
    postgres = store.db.dialect is Dialect.POSTGRES
    assert len(counting.writes) == 1 and counting.reads == []
    assert counting.statements == (2 if postgres else 3), counting.log
    counting.reset()
    again = await counted.done(1, GUILD, items[0])
    assert not again.created and again.rank is not None
    assert counting.statements == 3, counting.log  # the learner's enrolments, lock, rank
