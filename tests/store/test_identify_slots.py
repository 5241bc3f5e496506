"""IDENTIFY turns on both engines: a bucket is held by one claim per window, even when several
processes (each with a Store of its own on the database) claim it at the same instant."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise

from bot.store import Store

from .backends import Target

NOW = 1_700_000_000.0  # wall-clock Unix seconds; binary-exact sums below
WINDOW = 5.5


async def test_claims_in_one_bucket_are_a_window_apart(store: Store) -> None:
    slots = store.identify_slots
    assert await slots.next_at(0) is None
    assert await slots.claim(0, NOW, WINDOW) is None  # free: taken
    assert await slots.claim(0, NOW, WINDOW) == NOW + WINDOW  # held: come back then
    assert await slots.claim(0, NOW + WINDOW - 0.5, WINDOW) == NOW + WINDOW
    assert await slots.next_at(0) == NOW + WINDOW  # waiting claims stored nothing
    assert await slots.claim(0, NOW + WINDOW, WINDOW) is None
    assert await slots.next_at(0) == NOW + 2 * WINDOW


async def test_a_bucket_idle_past_its_window_is_free_at_once(store: Store) -> None:
    slots = store.identify_slots
    assert await slots.claim(0, NOW, WINDOW) is None
    later = NOW + 60
    assert await slots.claim(0, later, WINDOW) is None
    assert await slots.next_at(0) == later + WINDOW


async def test_different_buckets_do_not_wait_on_each_other(store: Store) -> None:
    slots = store.identify_slots
    assert await slots.claim(0, NOW, WINDOW) is None
    assert await slots.claim(1, NOW, WINDOW) is None
    assert await slots.claim(0, NOW, WINDOW) == NOW + WINDOW
    assert await slots.claim(2, NOW, WINDOW) is None
    assert await slots.next_at(1) == NOW + WINDOW


async def test_of_ten_processes_claiming_at_once_exactly_one_wins(database: Target) -> None:
    """On PostgreSQL the advisory lock is what makes this hold: without it several
    transactions read "no row yet" together and all take the bucket."""
    stores = [await database.open() for _ in range(10)]
    try:
        got = await asyncio.gather(*(s.identify_slots.claim(0, NOW, WINDOW) for s in stores))
        assert sorted(got, key=lambda x: x or 0) == [None] + [NOW + WINDOW] * 9
    finally:
        for s in stores:
            await s.close()


async def test_ten_processes_waiting_their_turns_get_distinct_turns_a_window_apart(
    database: Target,
) -> None:
    """Each process claims, sleeps until the bucket frees up, and claims again, as the gate
    does, on the real clock with a short window: every turn is taken once, a window apart."""
    window = 0.1
    stores = [await database.open() for _ in range(10)]

    async def take_a_turn(store: Store) -> float:
        while True:
            now = time.time()
            free_at = await store.identify_slots.claim(0, now, window)
            if free_at is None:
                return now
            await asyncio.sleep(free_at - now)

    try:
        turns = sorted(await asyncio.gather(*(take_a_turn(s) for s in stores)))
        gaps = [b - a for a, b in pairwise(turns)]
        assert len(set(turns)) == 10
        assert min(gaps) >= window, gaps
    finally:
        for s in stores:
            await s.close()


async def test_claims_in_other_buckets_at_once_all_win(database: Target) -> None:
    stores = [await database.open() for _ in range(4)]
    try:
        got = await asyncio.gather(
            *(s.identify_slots.claim(bucket, NOW, WINDOW) for bucket, s in enumerate(stores))
        )
        assert got == [None] * 4
    finally:
        for s in stores:
            await s.close()


async def test_a_restart_reads_the_stored_turn(database: Target) -> None:
    async with await database.open() as first:
        assert await first.identify_slots.claim(0, NOW, WINDOW) is None
    # the process restarts a second later: it waits for the window its predecessor took
    async with await database.open() as second:
        assert await second.identify_slots.next_at(0) == NOW + WINDOW
        assert await second.identify_slots.claim(0, NOW + 1, WINDOW) == NOW + WINDOW
