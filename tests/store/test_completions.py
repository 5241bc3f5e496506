"""Completions: idempotent recording, undo, listing, and the totals the triggers keep."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import NotEnrolled
from bot.core.models import Completion, CompletionSource
from bot.store import Store

from .backends import BACKENDS, fresh_target
from .values import NOW, START, Enrol

MINUTE = timedelta(minutes=1)


async def test_record_round_trip(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    result = await store.completions.record(e.id, "read-guide", NOW, CompletionSource.SELECT, 15)
    assert result.created
    assert result.completion == Completion(e.id, "read-guide", NOW, CompletionSource.SELECT, 15)
    assert await store.completions.list_for_enrolment(e.id) == [result.completion]


async def test_second_record_is_already_done_and_changes_nothing(
    enrol: Enrol, store: Store
) -> None:
    e = await enrol(1)
    first = await store.completions.record(e.id, "read-guide", NOW, CompletionSource.BUTTON, 10)
    again = await store.completions.record(
        e.id, "read-guide", NOW + MINUTE, CompletionSource.COMMAND, 99
    )
    assert not again.created
    assert again.completion == first.completion
    assert await store.completions.list_for_enrolment(e.id) == [first.completion]


async def test_record_refused_for_left_or_missing_enrolment(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    await store.enrolments.leave(e.id, NOW)
    with pytest.raises(NotEnrolled):
        await store.completions.record(e.id, "read-guide", NOW)
    with pytest.raises(NotEnrolled):
        await store.completions.record(e.id + 1, "read-guide", NOW)


async def test_paused_learners_may_still_tick_items(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    await store.enrolments.pause(e.id, NOW)
    assert (await store.completions.record(e.id, "read-guide", NOW)).created


async def test_undo(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    await store.completions.record(e.id, "a", NOW)
    await store.completions.record(e.id, "b", NOW + MINUTE)
    assert await store.completions.undo(e.id, "a")
    assert not await store.completions.undo(e.id, "a")
    assert [c.item_id for c in await store.completions.list_for_enrolment(e.id)] == ["b"]
    assert (await store.completions.record(e.id, "a", NOW + 2 * MINUTE)).created


async def test_list_is_in_completion_order(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    other = await enrol(2)
    for minutes, item in [(3, "c"), (1, "a"), (2, "b")]:
        await store.completions.record(e.id, item, NOW + minutes * MINUTE)
    await store.completions.record(other.id, "z", NOW)
    assert [c.item_id for c in await store.completions.list_for_enrolment(e.id)] == ["a", "b", "c"]


operations = st.lists(
    st.tuples(st.booleans(), st.sampled_from("abcdef"), st.integers(0, 100), st.integers(0, 500)),
    max_size=30,
)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=25, deadline=None)
@given(operations)
async def test_totals_kept_by_triggers_match_the_completions(
    backend: str, ops: list[tuple[bool, str, int, int]]
) -> None:
    """The all-time board reads trigger-kept totals; a window sums rows. They must agree."""
    with tempfile.TemporaryDirectory() as tmp:
        async with (
            fresh_target(backend, Path(tmp) / "db.sqlite3") as target,
            await target.open() as store,
        ):
            e = (await store.enrolments.enrol(1, 100, "p", "h", START, NOW)).enrolment
            group = await store.groups.create(100, "g", "p", START, NOW)
            await store.groups.join(group.id, 1, NOW)
            for record, item, points, minutes in ops:
                if record:
                    await store.completions.record(
                        e.id, item, NOW + minutes * MINUTE, points=points
                    )
                else:
                    await store.completions.undo(e.id, item)
            done = await store.completions.list_for_enrolment(e.id)
            [totals] = await store.leaderboards.for_group(group.id)
            [summed] = await store.leaderboards.for_group(group.id, since=NOW - MINUTE)
            assert totals == summed
            assert totals.points == sum(c.points for c in done)
            assert totals.completions == len(done)
            assert totals.reached_at == max((c.completed_at for c in done), default=None)
            assert await store.db.integrity_check() == ["ok"]
