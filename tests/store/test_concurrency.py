"""Many writers at once: none fails or is lost, on either engine.

SQLite serialises them behind its single writer; PostgreSQL runs them in parallel, with a
row lock where one transaction reads then writes. Either way every write lands.
"""

from __future__ import annotations

import asyncio

from bot.store import Store
from tests import bulk_load as bulk

from .backends import Target
from .values import NOW, START, complete

LEARNERS = 500


async def _enrol_many(store: Store) -> None:
    users = range(1, LEARNERS + 1)
    await bulk.load_learners(store.db, users, NOW)
    await bulk.load_enrolments(store.db, ((u, u, 100, "p", START, None) for u in users), NOW)


async def test_500_concurrent_completions_all_stored(store: Store) -> None:
    await _enrol_many(store)
    results = await asyncio.gather(
        *(complete(store, u, "read-guide", NOW, points=10) for u in range(1, 501))
    )
    assert all(r.created for r in results)
    board = await store.leaderboards.for_pathway(100, "p")
    assert sum(row.completions for row in board) == LEARNERS
    assert all(row.points == 10 for row in board)


async def test_two_processes_worth_of_writers_share_the_database(
    store: Store, database: Target
) -> None:
    """A second Store on the same database (as a second process would) waits, never fails."""
    await _enrol_many(store)
    async with await database.open() as second:
        results = await asyncio.gather(
            *(
                complete(store if u % 2 else second, u, "read-guide", NOW)
                for u in range(1, LEARNERS + 1)
            )
        )
    assert all(r.created for r in results)
    board = await store.leaderboards.for_pathway(100, "p")
    assert sum(row.completions for row in board) == LEARNERS


async def test_concurrent_records_on_one_enrolment_finish_it_exactly_once(store: Store) -> None:
    """The last two items ticked at once (two processes, two clicks): one of the two writes
    sees both completions and completes the enrolment; the totals count both. On
    PostgreSQL the units queue on the enrolment's row lock, and a unit that waited must
    read the completions committed meanwhile (Completions.lock reads again)."""
    await _enrol_many(store)
    items = [f"item-{n}" for n in range(20)]
    results = await asyncio.gather(
        *(
            complete(store, 1, item, NOW, points=1, finishes=lambda done: done >= set(items))
            for item in items
        )
    )
    assert all(r.created for r in results)
    finished = [
        r for r in results if r.enrolment is not None and r.enrolment.status.value == "completed"
    ]
    assert len(finished) == 1 and len(finished[0].completions) == len(items)
    assert sorted(r.points_before for r in results) == list(range(len(items)))
    [row] = [r for r in await store.leaderboards.for_pathway(100, "p") if r.enrolment_id == 1]
    assert (row.points, row.completions) == (len(items), len(items))


async def test_concurrent_enrols_of_one_learner_make_one_enrolment(store: Store) -> None:
    """Two /enroll at once for one pathway in two places: one enrols, the other is told
    it already follows the pathway; never a storage error."""
    from bot.core.errors import AlreadyExists

    outcomes = await asyncio.gather(
        *(store.enrolments.enrol(7, guild, "p", "h", START, NOW) for guild in (100, 200, None)),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    assert all(isinstance(o, AlreadyExists) for o in outcomes if isinstance(o, BaseException))
    assert len(await store.enrolments.list_for_user(7)) == 1
