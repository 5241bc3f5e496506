"""Completions: the pieces of /done's and /undo's units of work (lock, insert, insert with
the rank change, remove), idempotent recording, listing, and the totals the triggers keep."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import Completion, CompletionSource, EnrolmentStatus
from bot.store import Store
from bot.store.backend import Dialect
from bot.store.completions import Locked

from .backends import BACKENDS, fresh_target
from .counting import CountingBackend
from .values import NOW, START, Enrol, complete, uncomplete

MINUTE = timedelta(minutes=1)


async def test_lock_reads_the_enrolment_its_points_and_completions_in_one_statement(
    enrol: Enrol, store: Store
) -> None:
    e = await enrol(1)
    other = await enrol(2)
    assert await store.completions.lock(e.id + 99) is None
    locked = await store.completions.lock(e.id)
    assert locked is not None and locked == Locked(e, 0, ())
    for minutes, item in [(3, "c"), (1, "a"), (2, "b")]:
        await complete(store, e.id, item, NOW + minutes * MINUTE, points=minutes)
    await complete(store, other.id, "z", NOW)
    counting = CountingBackend(store.db)
    locked = await Store(counting).completions.lock(e.id)
    assert counting.statements == 1
    assert locked is not None and locked.enrolment == e and locked.points == 6
    assert locked.completions == tuple(
        Completion(e.id, item, NOW + m * MINUTE, CompletionSource.COMMAND, m)
        for m, item in [(1, "a"), (2, "b"), (3, "c")]
    )
    assert list(locked.completions) == await store.completions.list_for_enrolment(e.id)


async def test_insert_round_trip(enrol: Enrol, store: Store) -> None:
    e = await enrol(1, None)
    inserted = await store.completions.insert(e.id, "read-guide", NOW, CompletionSource.SELECT, 15)
    assert inserted == Completion(e.id, "read-guide", NOW, CompletionSource.SELECT, 15)
    assert await store.completions.list_for_enrolment(e.id) == [inserted]


@pytest.mark.parametrize("in_group", [False, True], ids=["pathway", "group"])
async def test_insert_ranked_is_insert_and_rank_change(
    enrol: Enrol, store: Store, in_group: bool
) -> None:
    e = await enrol(1)
    rival = await enrol(2)
    if in_group:
        group = await store.groups.create(100, "Owls", "data-analyst", START, NOW)
        for user in (1, 2):
            await store.groups.join(group.id, user, NOW)
    await complete(store, rival.id, "a", NOW, points=10)
    locked = await store.completions.lock(e.id)
    assert locked is not None
    assert (locked.group is not None) == in_group
    counting = CountingBackend(store.db)
    async with Store(counting).unit() as unit:
        inserted, rank = await unit.completions.insert_ranked(
            locked, "read-guide", NOW, CompletionSource.BUTTON, 15
        )
    assert counting.statements == (1 if store.db.dialect is Dialect.POSTGRES else 2)
    assert inserted == Completion(e.id, "read-guide", NOW, CompletionSource.BUTTON, 15)
    assert rank == await store.leaderboards.rank_change(
        e.id, 100, "data-analyst", locked.group, 0, 15
    )
    assert (rank.group_name, rank.before, rank.after) == ("Owls" if in_group else None, 2, 1)
    again, same = await store.completions.insert_ranked(
        locked, "read-guide", NOW + MINUTE, CompletionSource.COMMAND, 99
    )
    assert again is None and (same.before, same.after) == (2, 1)
    assert await store.completions.list_for_enrolment(e.id) == [inserted]
    in_dm = await store.completions.lock((await enrol(3, None)).id)
    assert in_dm is not None
    with pytest.raises(ValueError, match="no rank"):
        await store.completions.insert_ranked(in_dm, "a", NOW, CompletionSource.COMMAND, 1)


async def test_a_second_completion_is_already_done_and_changes_nothing(
    enrol: Enrol, store: Store
) -> None:
    e = await enrol(1)
    first = await complete(store, e.id, "read-guide", NOW, CompletionSource.BUTTON, 10)
    again = await complete(store, e.id, "read-guide", NOW + MINUTE, CompletionSource.COMMAND, 99)
    assert first.created and not again.created
    assert again.completion == first.completion
    assert await store.completions.list_for_enrolment(e.id) == [first.completion]
    assert (
        await store.completions.insert(e.id, "read-guide", NOW, CompletionSource.COMMAND, 1) is None
    )
    assert await store.completions.list_for_enrolment(e.id) == [first.completion]


async def test_nothing_is_recorded_for_a_left_or_missing_enrolment(
    enrol: Enrol, store: Store
) -> None:
    e = await enrol(1)
    await store.enrolments.leave(e.id, NOW)
    locked = await store.completions.lock(e.id)
    assert locked is not None and locked.enrolment.status is EnrolmentStatus.LEFT
    for enrolment_id in (e.id, e.id + 1):
        assert (
            await store.completions.insert(
                enrolment_id, "read-guide", NOW, CompletionSource.COMMAND, 1
            )
            is None
        )
    inserted, _ = await store.completions.insert_ranked(
        locked, "read-guide", NOW, CompletionSource.COMMAND, 1
    )
    assert inserted is None
    assert await store.completions.list_for_enrolment(e.id) == []


async def test_paused_learners_may_still_tick_items(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    await store.enrolments.pause(e.id, NOW)
    assert (await complete(store, e.id, "read-guide", NOW)).created


async def test_remove(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    await complete(store, e.id, "a", NOW)
    await complete(store, e.id, "b", NOW + MINUTE)
    assert await uncomplete(store, e.id, "a")
    assert not await uncomplete(store, e.id, "a")
    assert [c.item_id for c in await store.completions.list_for_enrolment(e.id)] == ["b"]
    assert (await complete(store, e.id, "a", NOW + 2 * MINUTE)).created


async def test_list_is_in_completion_order(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    other = await enrol(2)
    for minutes, item in [(3, "c"), (1, "a"), (2, "b")]:
        await complete(store, e.id, item, NOW + minutes * MINUTE)
    await complete(store, other.id, "z", NOW)
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
                    await complete(store, e.id, item, NOW + minutes * MINUTE, points=points)
                else:
                    await uncomplete(store, e.id, item)
            done = await store.completions.list_for_enrolment(e.id)
            [totals] = await store.leaderboards.for_group(group.id)
            [summed] = await store.leaderboards.for_group(group.id, since=NOW - MINUTE)
            assert totals == summed
            assert totals.points == sum(c.points for c in done)
            assert totals.completions == len(done)
            assert totals.reached_at == max((c.completed_at for c in done), default=None)
            assert await store.db.integrity_check() == ["ok"]
