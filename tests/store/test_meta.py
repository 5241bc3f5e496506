"""`meta.replace`: a compare-and-set that exactly one of several racing writers wins."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.store import Store


async def test_replace_only_when_the_value_is_still_the_expected_one(store: Store) -> None:
    assert await store.meta.replace("k", None, "a")  # absent -> a
    assert not await store.meta.replace("k", None, "b")  # no longer absent
    assert not await store.meta.replace("k", "b", "c")
    assert await store.meta.get("k") == "a"
    assert await store.meta.replace("k", "a", "b")
    assert await store.meta.replace("k", "b", None)  # None deletes
    assert await store.meta.get("k") is None


async def test_of_two_processes_racing_one_wins(db_path: Path) -> None:
    async with await Store.open(db_path) as first, await Store.open(db_path) as second:
        won = await asyncio.gather(
            *(s.meta.replace("hash", None, f"from-{i}") for i, s in enumerate((first, second)))
        )
        assert sorted(won) == [False, True]
        assert await first.meta.get("hash") == f"from-{won.index(True)}"
