"""The IDENTIFY hook: discord.py's own wait, then the cross-process gate with the right bucket;
and the database's gate itself, with a fake clock."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, cast

import pytest

from bot.config import Settings
from bot.core.errors import ErrorCode, StorageError
from bot.discord_app.client import PathwayBot
from bot.discord_app.identify import (
    IDENTIFY_MARGIN_SECONDS,
    IDENTIFY_WINDOW_SECONDS,
    DatabaseIdentifyGate,
    identify_bucket,
)
from bot.pathway_files import PathwayRegistry
from bot.store import Store
from tests.harness import PATHWAYS

TURN = IDENTIFY_WINDOW_SECONDS + IDENTIFY_MARGIN_SECONDS


class RecordingGate:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    async def wait_turn(self, shard_id: int, bucket: int) -> None:
        self.calls.append((shard_id, bucket))


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(
        discord_token="t",
        database_path=tmp_path / "db.sqlite3",
        pathways_dir=PATHWAYS,
        _env_file=None,  # type: ignore[call-arg]
        **values,  # type: ignore[arg-type]
    )


def test_buckets_follow_discord() -> None:
    assert [identify_bucket(s, 1) for s in range(4)] == [0, 0, 0, 0]
    assert [identify_bucket(s, 2) for s in range(4)] == [0, 1, 0, 1]
    assert identify_bucket(5, 0) == 0  # a nonsense limit is read as 1


async def test_the_gate_hears_every_identify_with_its_bucket(tmp_path: Path) -> None:
    gate = RecordingGate()
    bot = PathwayBot(
        settings(tmp_path, shard_count=4, shard_ids=(2, 3)),
        PathwayRegistry(PATHWAYS),
        identify_gate=gate,
    )
    bot.max_concurrency = 2
    # initial=True: discord.py does not sleep before a process's first IDENTIFY, and the gate
    # is asked all the same, because another process may be identifying right now.
    await bot.before_identify_hook(3, initial=True)
    await bot.before_identify_hook(2, initial=True)
    assert gate.calls == [(3, 1), (2, 0)]
    assert (bot.shard_count, bot.shard_ids) == (4, [2, 3])


async def test_without_settings_the_bot_leaves_the_count_to_discord(tmp_path: Path) -> None:
    bot = PathwayBot(settings(tmp_path), PathwayRegistry(PATHWAYS))
    assert bot.shard_count is None and bot.shard_ids is None
    assert bot.identify_gate is None  # the database's gate is built once the store is open


class FakeTime:
    """Wall-clock seconds that move only when the gate sleeps."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_the_database_gate_spaces_one_bucket_across_processes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.discord_app.identify")
    time = FakeTime(1_700_000_000.0)
    path = tmp_path / "shared.sqlite3"
    async with await Store.open(path) as a, await Store.open(path) as b:  # two processes
        gate_a = DatabaseIdentifyGate(a, time.clock, time.sleep)
        gate_b = DatabaseIdentifyGate(b, time.clock, time.sleep)
        await gate_a.wait_turn(0, 0)  # the bucket's first IDENTIFY goes at once
        assert time.sleeps == []
        await gate_b.wait_turn(2, 0)  # same bucket, other process, same instant: a turn later
        assert time.sleeps == [TURN]
        await gate_b.wait_turn(1, 1)  # another bucket is free
        assert time.sleeps == [TURN]
        time.now += 1.0  # bucket 0 frees up TURN after the second IDENTIFY: 1 s gone
        await gate_a.wait_turn(0, 0)
        assert time.sleeps == [TURN, TURN - 1.0]
        assert await a.identify_slots.next_at(0) == time.now + TURN  # taken just now
    waits = [r.getMessage() for r in caplog.records if "IDENTIFY turn" in r.getMessage()]
    assert waits == [
        "shard 0 (bucket 0) waited 0.00 s for its IDENTIFY turn",
        "shard 2 (bucket 0) waited 5.50 s for its IDENTIFY turn",
        "shard 1 (bucket 1) waited 0.00 s for its IDENTIFY turn",
        "shard 0 (bucket 0) waited 4.50 s for its IDENTIFY turn",
    ]


async def test_a_gate_that_loses_the_freed_turn_waits_again(tmp_path: Path) -> None:
    """Two processes wait for the same freed bucket: the one that claims it second sleeps
    another turn instead of going along."""
    time = FakeTime(1_700_000_000.0)
    async with await Store.open(tmp_path / "shared.sqlite3") as store:
        assert await store.identify_slots.claim(0, time.now, TURN) is None  # another process
        start = time.now

        rival_waiting = True

        async def rival_claims_first(seconds: float) -> None:
            nonlocal rival_waiting
            await time.sleep(seconds)
            if rival_waiting:  # the other waiter wakes a hair earlier, once
                rival_waiting = False
                assert await store.identify_slots.claim(0, time.now, TURN) is None

        gate = DatabaseIdentifyGate(store, time.clock, rival_claims_first)
        await asyncio.wait_for(gate.wait_turn(5, 0), 5)
        assert time.sleeps == [TURN, TURN]
        assert await store.identify_slots.next_at(0) == start + 3 * TURN  # ours, two on


class BrokenSlots:
    async def claim(self, bucket: int, now: float, window: float) -> float | None:
        raise StorageError(code=ErrorCode.STORAGE_FAILED)


class HangingSlots:
    async def claim(self, bucket: int, now: float, window: float) -> float | None:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class FakeStore:
    def __init__(self, slots: object) -> None:
        self.identify_slots = slots


@pytest.mark.parametrize(
    ("slots", "reason"),
    [(BrokenSlots(), "storage-failed"), (HangingSlots(), "no answer in 0.05 s")],
    ids=["failing", "hanging"],
)
async def test_without_the_database_the_gate_waits_one_window(
    slots: object, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    time = FakeTime(1_700_000_000.0)
    store = cast(Any, FakeStore(slots))
    gate = DatabaseIdentifyGate(store, time.clock, time.sleep, timeout=0.05)
    await gate.wait_turn(3, 1)
    assert time.sleeps == [IDENTIFY_WINDOW_SECONDS]
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.getMessage() == (
        f"shard 3: cannot claim an IDENTIFY turn in the database ({reason}); waiting 5 s instead"
    )
