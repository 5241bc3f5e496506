"""Command sync: once per change of the command tree, even when processes start together."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.discord_app.sync import sync_if_changed
from bot.store import Store


class FakeTree:
    """The parts of a CommandTree that sync_if_changed uses; sync takes a while, as over HTTP,
    which leaves room for a second process to look at the hash meanwhile."""

    def __init__(self, fail: bool = False) -> None:
        self.syncs = 0
        self.fail = fail

    def get_commands(self, guild: object = None) -> list[Any]:
        return []

    def copy_global_to(self, guild: object) -> None:
        pass

    async def sync(self, guild: object = None) -> list[Any]:
        self.syncs += 1
        await asyncio.sleep(0.05)
        if self.fail:
            raise OSError("Discord unreachable")
        return []


async def test_processes_starting_together_sync_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    trees = [FakeTree(), FakeTree()]
    async with await Store.open(path) as a, await Store.open(path) as b:
        synced = await asyncio.gather(
            sync_if_changed(trees[0], a, None),  # type: ignore[arg-type]
            sync_if_changed(trees[1], b, None),  # type: ignore[arg-type]
        )
        assert sorted(synced) == [False, True]
        assert sum(t.syncs for t in trees) == 1
        again = await sync_if_changed(trees[0], a, None)  # type: ignore[arg-type]
        assert again is False and trees[0].syncs + trees[1].syncs == 1


async def test_a_failed_sync_is_tried_again_on_the_next_start(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        with pytest.raises(OSError):
            await sync_if_changed(FakeTree(fail=True), store, None)  # type: ignore[arg-type]
        assert await store.meta.get("command_tree_hash:global") is None
        tree = FakeTree()
        assert await sync_if_changed(tree, store, None) is True  # type: ignore[arg-type]
        assert tree.syncs == 1
