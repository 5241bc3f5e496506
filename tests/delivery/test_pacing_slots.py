"""The pacing objects on their own: requests that Discord counts late, against a fixed-window
server (the emulator's own limiter), never exceed a window; a 429's wait is kept.

No timing is asserted: the tests count what the server would have refused.
"""

from __future__ import annotations

import asyncio
import random
import time

from bot.delivery.buckets import PRUNE_EVERY, RouteBuckets
from bot.delivery.throttle import Throttle, sender_budget
from bot.emulator.ratelimit import RateLimitConfig, RateLimiter, RouteLimit

ROUTE = "POST /users/@me/channels"


async def test_late_counted_requests_never_fill_a_second_past_the_budget() -> None:
    """Each request is counted by Discord anywhere between leaving and its answer (here up
    to 300 ms late, answered up to 100 ms after that); 32 go at once, as the sender does.
    Sends spaced at the rate alone would put more than the budget into some second."""
    throttle = Throttle(rate=20)
    rng = random.Random(26)
    counted: list[float] = []

    async def request(late: float, answer: float) -> None:
        async with throttle.slot():
            await asyncio.sleep(late)
            counted.append(time.monotonic())
            await asyncio.sleep(answer)

    gate = asyncio.Semaphore(32)

    async def one() -> None:
        async with gate:
            await request(rng.uniform(0, 0.3), rng.uniform(0, 0.1))

    await asyncio.gather(*(one() for _ in range(70)))
    assert len(counted) == 70
    busiest = max(sum(1 for t in counted if start <= t < start + 1.0) for start in counted)
    assert busiest <= throttle.budget, busiest


async def test_instant_acquires_keep_the_old_one_second_window() -> None:
    throttle = Throttle(rate=10, burst=5)
    times = []
    for _ in range(25):
        await throttle.acquire()
        times.append(time.monotonic())
    assert throttle.occupied() <= throttle.budget
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 10, busiest


async def test_a_global_429_holds_every_slot_until_its_retry_after() -> None:
    throttle = Throttle(rate=1000)
    throttle.hold(30.0)
    waiting = asyncio.create_task(throttle.acquire())
    await asyncio.sleep(0.2)
    assert not waiting.done(), "a slot was handed out during the 429's wait"
    waiting.cancel()
    fresh = Throttle(rate=1000)
    fresh.hold(0.0)  # nothing to wait for
    await asyncio.wait_for(fresh.acquire(), timeout=5)


async def jittered_bucket_run(limit: int, window: float, requests: int) -> tuple[int, int]:
    """`requests` requests on one bucket through `RouteBuckets`, against the emulator's own
    limiter for a bucket of `limit` per `window` s; each reaches the limiter up to 100 ms
    late, 32 at a time. (requests the limiter allowed, 429s)."""
    limiter = RateLimiter(RateLimitConfig(routes={ROUTE: RouteLimit(limit=limit, window=window)}))
    buckets = RouteBuckets()
    rng = random.Random(5)
    gate = asyncio.Semaphore(32)
    allowed = refused = 0

    async def one() -> None:
        nonlocal allowed, refused
        async with gate, buckets.slot(ROUTE):
            await asyncio.sleep(rng.uniform(0, 0.1))
            decision = limiter.check_route(ROUTE, "")
            headers = decision.headers
            await asyncio.sleep(rng.uniform(0, 0.02))
            if decision.allowed:
                allowed += 1
                remaining = int(headers["X-RateLimit-Remaining"])
                reset_after = float(headers["X-RateLimit-Reset-After"])
            else:
                refused += 1
                remaining, reset_after = 0, decision.retry_after
            buckets.observe(ROUTE, int(headers["X-RateLimit-Limit"]), remaining, reset_after)

    await asyncio.gather(*(one() for _ in range(requests)))
    return allowed, refused


async def test_a_small_route_bucket_is_kept_whatever_the_jitter() -> None:
    allowed, refused = await jittered_bucket_run(limit=4, window=0.4, requests=30)
    assert (allowed, refused) == (30, 0)


async def test_a_bucket_announced_empty_waits_for_its_reset() -> None:
    buckets = RouteBuckets()
    buckets.observe(ROUTE, limit=5, remaining=0, reset_after=30.0)
    waiting = asyncio.create_task(buckets.slot(ROUTE).__aenter__())
    await asyncio.sleep(0.2)
    assert not waiting.done(), "sent on a bucket announced empty"
    waiting.cancel()


async def test_one_request_at_a_time_until_a_bucket_announces_its_limit() -> None:
    buckets = RouteBuckets()
    first = buckets.slot(ROUTE)
    await first.__aenter__()
    second = asyncio.create_task(buckets.slot(ROUTE).__aenter__())
    await asyncio.sleep(0.1)
    assert not second.done(), "a second request went before the first answer"
    buckets.observe(ROUTE, limit=5, remaining=4, reset_after=1.0)
    await first.__aexit__(None, None, None)
    await asyncio.wait_for(second, timeout=5)


async def test_one_bucket_per_dm_channel_does_not_pile_up() -> None:
    """A fan-out sends once to each of thousands of DM channels: a bucket each, dropped
    once idle, so memory stays bounded."""
    buckets = RouteBuckets()
    for channel in range(3 * PRUNE_EVERY):
        key = f"POST /channels/{channel}/messages"
        async with buckets.slot(key):
            buckets.observe(key, limit=5, remaining=4, reset_after=0.0)
    assert len(buckets) <= PRUNE_EVERY + 1


def test_the_sender_gets_the_two_spare_slots_a_standby_does_not_need() -> None:
    assert sender_budget(47, 1) == 49  # paced at 47; late-counted requests use the 2 spare
    assert sender_budget(45, 1) == 47  # SEND_RATE + standbys <= 48: the sum stays <= 50
    assert sender_budget(48, 2) == 48  # never so many that it and a standby pass 50
    assert sender_budget(200, 1) == 200  # a granted limit: SEND_RATE is all of it
    assert Throttle(47).budget == 47 and Throttle(1).budget == 1
