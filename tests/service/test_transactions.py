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
DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
# The rows of the budget table in docs/architecture.md, by the use case each test runs.
ROWS = {
    "done": "`/done` (and",
    "done_button": "✅ button",
    "done_last_item": "`/done` of the last item",
    "undo": "`/undo` |",
    "undo_reopens": "`/undo` of a completed",
    "enroll": "`/enroll` (a new learner)",
    "enroll_with_group": "`/enroll group:`",
    "pause": "`/reminders pause`",
    "resume": "`/reminders resume`",
    "reminders": "`/reminders set`",
    "snooze": "snooze button",
    "leave": "`/leave`",
    "erasure": "erasure",
}


def _budgets() -> dict[str, int]:
    lines = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    out: dict[str, int] = {}
    for use_case, start in ROWS.items():
        (row,) = [line for line in lines if line.startswith("| " + start)]
        out[use_case] = int(row.rstrip(" |").rsplit("|", 1)[1])
    return out


BUDGET = _budgets()


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
        yield World(store, counting, Learning(ctx), Account(ctx), Social(ctx), Snoozing(ctx), clock)
    finally:
        await store.close()


def check(world: World, use_case: str) -> None:
    counting = world.counting
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
    outcome = await world.learning.done_by_id(enrolment.id, 1, second, CompletionSource.BUTTON)
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


async def test_enroll(world: World) -> None:
    world.counting.reset()
    outcome = await world.learning.enroll(1, GUILD, SEED)
    assert not outcome.already and outcome.view.next_reminder is not None
    check(world, "enroll")


async def test_enroll_with_its_group_join(world: World) -> None:
    await world.learning.enroll(2, GUILD, SEED)
    await world.social.create_group(GUILD, 2, True, "Owls", SEED, None, None)
    world.counting.reset()
    outcome = await world.learning.enroll(1, GUILD, SEED, group="Owls")
    assert outcome.view.group is not None and outcome.view.group.name == "Owls"
    check(world, "enroll_with_group")


async def test_a_bad_group_writes_nothing(world: World) -> None:
    """Validation comes before any write: the unit rolls back whole."""
    world.counting.reset()
    with pytest.raises(Exception, match="no study group"):
        await world.learning.enroll(1, GUILD, SEED, group="Nobody")
    assert await world.store.learners.get(1) is None
    assert await world.store.enrolments.list_for_user(1) == []


async def test_pause_resume_reminders_leave(world: World) -> None:
    enrolment = (await world.learning.enroll(1, GUILD, SEED)).view.enrolment
    world.counting.reset()
    await world.account.pause(1, None)
    check(world, "pause")
    world.counting.reset()
    await world.account.resume(1)
    check(world, "resume")
    world.counting.reset()
    await world.account.set_reminders(1, "friday", "18:00", None)
    check(world, "reminders")
    world.counting.reset()
    await world.snoozing.snooze(enrolment.id, 1, "day")
    check(world, "snooze")
    world.counting.reset()
    await world.learning.leave(enrolment.id, 1)
    check(world, "leave")


async def test_erasure(world: World) -> None:
    enrolment = (await world.learning.enroll(1, GUILD, SEED)).view.enrolment
    await world.learning.done_by_id(enrolment.id, 1, items(world)[0], CompletionSource.BUTTON)
    world.counting.reset()
    await world.account.delete(1)
    check(world, "erasure")


def test_the_documented_budgets_keep_the_contract() -> None:
    """The issue's contract: /done at most 6 statements, /enroll at most 8."""
    assert BUDGET["done"] <= 6 and BUDGET["done_button"] <= 6 and BUDGET["done_last_item"] <= 6
    assert BUDGET["enroll"] <= 8


async def test_bad_input_is_refused_in_words_and_writes_nothing(world: World) -> None:
    from bot.core.errors import ErrorCode, PathwayError
    from bot.discord_app.wording import describe

    outcome = await world.learning.enroll(1, GUILD, SEED)
    before = await world.store.completions.list_for_enrolment(outcome.view.enrolment.id)
    with pytest.raises(PathwayError) as unknown:
        await world.learning.done(1, GUILD, "no such item [x](https://e.vil)")
    assert unknown.value.code is ErrorCode.ITEM_UNKNOWN
    text = describe(unknown.value)
    assert text.startswith("No item in your pathway matches “") and "](" not in text
    first = items(world)[0]
    with pytest.raises(PathwayError) as not_done:
        await world.learning.undo(1, GUILD, first)
    assert not_done.value.code is ErrorCode.NOT_DONE_YET
    assert describe(not_done.value).endswith("is not marked done, so there is nothing to undo.")
    assert await world.store.completions.list_for_enrolment(outcome.view.enrolment.id) == before
