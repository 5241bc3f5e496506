"""The unit of work, on both engines: one transaction for every repository call made in it,
committed whole or rolled back whole, joined by the store's own repositories and by a
nested unit, and left alone by work that outlives it."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.errors import AlreadyExists
from bot.core.models import CompletionSource, DeliveryKind
from bot.store import Store

from .values import NOW, Enrol


async def test_everything_in_a_unit_commits_together(store: Store, enrol: Enrol) -> None:
    async with store.unit() as tx:
        e = await enrol(1)
        await tx.completions.insert(
            e.id, "read-guide", NOW, points=10, source=CompletionSource.COMMAND
        )
        # reads inside the unit see its own writes, through either handle
        assert [c.item_id for c in await store.completions.list_for_enrolment(e.id)] == [
            "read-guide"
        ]
        assert (await tx.enrolments.get(e.id)) is not None
    assert [c.item_id for c in await store.completions.list_for_enrolment(e.id)] == ["read-guide"]


async def test_an_error_rolls_the_whole_unit_back(store: Store, enrol: Enrol) -> None:
    with pytest.raises(AlreadyExists):
        async with store.unit():
            await enrol(1)
            await store.deliveries.claim(DeliveryKind.REMINDER, "enrolment:1", "w", NOW)
            await enrol(1)  # the second enrolment is refused: nothing of the unit stays
    assert await store.enrolments.list_for_user(1) == []
    assert await store.learners.get(1) is None
    assert await store.deliveries.due_for_retry(NOW) == []


async def test_a_nested_unit_joins_the_outer_one(store: Store, enrol: Enrol) -> None:
    with pytest.raises(RuntimeError):
        async with store.unit() as outer:
            async with store.unit() as inner:
                assert inner is outer
                await enrol(1)
            raise RuntimeError("the outer unit fails after the inner one ended")
    assert await store.enrolments.list_for_user(1) == []


async def test_a_task_that_outlives_its_unit_writes_on_its_own(store: Store, enrol: Enrol) -> None:
    started = asyncio.Event()
    go = asyncio.Event()

    async def later() -> None:
        started.set()
        await go.wait()
        await enrol(2)  # the unit is over: this is a transaction of its own

    async with store.unit():
        task = asyncio.create_task(later())
        await started.wait()
    go.set()
    await task
    assert len(await store.enrolments.list_for_user(2)) == 1
