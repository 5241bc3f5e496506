"""Bulk loading for benchmarks: the rows land, and the triggers still keep the totals."""

from __future__ import annotations

from datetime import timedelta

from bot.store import Store
from tests import bulk_load as bulk

from .values import NOW, START


async def test_bulk_loaded_rows_are_readable_and_totalled(store: Store) -> None:
    await bulk.load_learners(store.db, [1, 2], NOW)
    await bulk.load_enrolments(
        store.db, [(10, 1, 100, "p", START, NOW), (11, 2, 100, "p", START, None)], NOW
    )
    await bulk.load_completions(
        store.db, [(10, "a", NOW, 5), (10, "b", NOW + timedelta(hours=1), 7), (11, "a", NOW, 1)]
    )
    group = await store.groups.create(100, "g", "p", START, NOW)
    await bulk.load_memberships(store.db, group.id, [10, 11], NOW)

    assert [e.id for e in await store.enrolments.due(NOW)] == [10]
    assert [m.user_id for m in await store.groups.members(group.id)] == [1, 2]
    rows = sorted(await store.leaderboards.for_group(group.id))
    assert [(r.enrolment_id, r.points, r.completions) for r in rows] == [(10, 12, 2), (11, 1, 1)]
    assert rows[0].reached_at == NOW + timedelta(hours=1)
