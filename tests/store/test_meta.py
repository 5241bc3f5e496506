"""`meta.replace`: a compare-and-set that exactly one of several racing writers wins."""

from __future__ import annotations

import asyncio

from bot.store import Store

from .backends import Target


async def test_replace_only_when_the_value_is_still_the_expected_one(store: Store) -> None:
    assert await store.meta.replace("k", None, "a")  # absent -> a
    assert not await store.meta.replace("k", None, "b")  # no longer absent
    assert not await store.meta.replace("k", "b", "c")
    assert await store.meta.get("k") == "a"
    assert await store.meta.replace("k", "a", "b")
    assert await store.meta.replace("k", "b", None)  # None deletes
    assert await store.meta.get("k") is None


async def test_of_two_processes_racing_one_wins(database: Target) -> None:
    async with await database.open() as first, await database.open() as second:
        won = await asyncio.gather(
            *(s.meta.replace("hash", None, f"from-{i}") for i, s in enumerate((first, second)))
        )
        assert sorted(won) == [False, True]
        assert await first.meta.get("hash") == f"from-{won.index(True)}"


async def test_of_many_racing_writers_exactly_one_wins(store: Store, database: Target) -> None:
    """Absent key (nothing to lock yet) and present key, with writers on two pools."""
    async with await database.open() as other:
        for expected in (None, "from-start"):
            if expected is not None:
                await store.meta.set("race", expected)
            won = await asyncio.gather(
                *(
                    (store if i % 2 else other).meta.replace("race", expected, f"w{i}")
                    for i in range(16)
                )
            )
            assert sum(won) == 1, won
