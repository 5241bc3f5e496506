"""One use case, one write transaction, within a stated statement budget.

The store's connection is wrapped (tests/store/counting.py) and each use case run once:
every statement it sends, reads included, must come inside exactly one write transaction,
and no more statements than the budget docs/architecture.md states for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.core.models import CompletionSource
from bot.pathway_files import PathwayRegistry
from bot.service.account import Account
from bot.service.context import Context
from bot.service.learning import Learning
from bot.service.snoozing import Snoozing
from bot.service.social import Social
from bot.store import Store
from tests.harness import PATHWAYS, SEED
from tests.store.counting import CountingBackend

GUILD = 100
# The budgets docs/architecture.md states (statements per use case, reads included).
BUDGET = {
    "done": 6,
    "done_button": 6,
    "done_last_item": 6,
    "undo": 7,
    "undo_reopens": 8,
    "enroll": 8,
    "enroll_with_group": 10,
    "pause": 8,
    "resume": 8,
    "leave": 4,
    "reminders": 6,
    "snooze": 4,
    "erasure": 12,
}


@dataclass
class World:
    store: Store
    counting: CountingBackend
    learning: Learning
    account: Account
    social: Social
    snoozing: Snoozing
    clock: FixedClock


@pytest.fixture
async def world(tmp_path: Path, clock: FixedClock) -> AsyncIterator[World]:
    opened = await Store.open(tmp_path / "db.sqlite3")
    counting = CountingBackend(opened.db)
    store = Store(counting)
    ctx = Context(store, PathwayRegistry(PATHWAYS), clock)
    try:
        yield World(
            store, counting, Learning(ctx), Account(ctx), Social(ctx), Snoozing(ctx), clock
        )
    finally:
        await store.close()


def check(world: World, use_case: str) -> None:
    counting = world.counting
    print(f"COUNT {use_case}: {counting.statements}")
    shown = "\n".join(f"{t.kind}: {s}" for t in counting.log for s in t.statements)
    assert len(counting.writes) == 1, f"{use_case}: one write transaction\n{shown}"
    assert counting.reads == [], f"{use_case}: every read inside it\n{shown}"
    assert counting.statements <= BUDGET[use_case], (
        f"{use_case}: {counting.statements} statements > {BUDGET[use_case]}\n{shown}"
    )


def items(world: World) -> list[str]:
    return [i.id for i in world.learning.ctx.registry.get(SEED).items()]


async def test_done_command_and_button(world: World) -> None:
    await world.learning.enroll(1, GUILD, SEED)
    first, second = items(world)[:2]
    world.counting.reset()
    outcome = await world.learning.done(1, GUILD, first)
    assert outcome.created and outcome.rank is not None
    check(world, "done")
    enrolment = outcome.view.enrolment
    world.counting.reset()
    outcome = await world.learning.done_by_id(
        enrolment.id, 1, second, CompletionSource.BUTTON
    )
    assert outcome.created
    check(world, "done_button")
    world.counting.reset()
    again = await world.learning.done(1, GUILD, first)
    assert not again.created
    check(world, "done")


async def test_done_of_the_last_item_completes_in_the_same_transaction(world: World) -> None:
    outcome = await world.learning.enroll(1, GUILD, SEED)
    enrolment = outcome.view.enrolment
    everything = items(world)
    for item in everything[:-1]:
        await world.learning.done_by_id(enrolment.id, 1, item, CompletionSource.BUTTON)
    world.counting.reset()
    last = await world.learning.done(1, GUILD, everything[-1])
    check(world, "done_last_item")
    assert last.view.progress.complete
    assert last.view.enrolment.status.value == "completed"
    stored = await world.store.enrolments.get(enrolment.id)
    assert stored is not None and stored.status.value == "completed"
    assert stored.next_reminder_at is None

    world.counting.reset()
    undone = await world.learning.undo(1, GUILD, everything[-1])
    check(world, "undo_reopens")
    assert undone.removed and undone.view.enrolment.status.value == "active"
    stored = await world.store.enrolments.get(enrolment.id)
    assert stored is not None and stored.status.value == "active"
    assert stored.next_reminder_at is not None  # reopened with its next reminder, at once


async def test_undo(world: World) -> None:
    await world.learning.enroll(1, GUILD, SEED)
    first = items(world)[0]
    await world.learning.done(1, GUILD, first)
    world.counting.reset()
    undone = await world.learning.undo(1, GUILD, first)
    assert undone.removed
    check(world, "undo")
