"""Many writers at once: the single writer serialises them without 'database is locked'."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.store import Store
from tests import bulk_load as bulk

from .values import NOW, START

LEARNERS = 500


async def _enrol_many(store: Store) -> None:
    users = range(1, LEARNERS + 1)
    await bulk.load_learners(store.db, users, NOW)
    await bulk.load_enrolments(store.db, ((u, u, 100, "p", START, None) for u in users), NOW)


async def test_500_concurrent_completions_all_stored(store: Store) -> None:
    await _enrol_many(store)
    results = await asyncio.gather(
        *(store.completions.record(u, "read-guide", NOW, points=10) for u in range(1, 501))
    )
    assert all(r.created for r in results)
    board = await store.leaderboards.for_pathway(100, "p")
    assert sum(row.completions for row in board) == LEARNERS
    assert all(row.points == 10 for row in board)


async def test_two_processes_worth_of_writers_share_the_file(store: Store, db_path: Path) -> None:
    """A second Store on the same file (as a second process would) waits, never fails."""
    await _enrol_many(store)
    async with await Store.open(db_path) as second:
        results = await asyncio.gather(
            *(
                (store if u % 2 else second).completions.record(u, "read-guide", NOW)
                for u in range(1, LEARNERS + 1)
            )
        )
    assert all(r.created for r in results)
    board = await store.leaderboards.for_pathway(100, "p")
    assert sum(row.completions for row in board) == LEARNERS
