"""The send throttle: its rate, and reminders ahead of welcome DMs."""

from __future__ import annotations

import asyncio
import time

from bot.delivery.throttle import Throttle


async def test_sends_keep_to_the_rate() -> None:
    throttle = Throttle(rate=200)  # the default bucket of two: at most one send early
    started = time.monotonic()
    for _ in range(41):
        await throttle.acquire()
    # 41 sends at 200/s, two of them from the full bucket: at least 0.195 s
    assert time.monotonic() - started >= 0.19


async def test_waiting_reminders_go_before_queued_welcomes() -> None:
    throttle = Throttle(rate=100, burst=1)
    await throttle.acquire()  # the bucket is empty now: everyone below waits
    order: list[str] = []

    async def send(name: str, background: bool) -> None:
        await throttle.acquire(background=background)
        order.append(name)

    welcomes = [asyncio.create_task(send(f"welcome-{n}", True)) for n in range(3)]
    await asyncio.sleep(0)  # the welcomes queue first
    reminders = [asyncio.create_task(send(f"reminder-{n}", False)) for n in range(5)]
    await asyncio.gather(*welcomes, *reminders)
    # At most the one welcome that already held the lock goes before the reminders.
    first_reminder = order.index("reminder-0")
    assert first_reminder <= 1, order
    assert order[first_reminder : first_reminder + 5] == [f"reminder-{n}" for n in range(5)]
    assert sorted(order) == sorted(
        [f"welcome-{n}" for n in range(3)] + [f"reminder-{n}" for n in range(5)]
    )


async def test_the_rate_can_change_for_a_new_role() -> None:
    throttle = Throttle(rate=1000, burst=1)
    throttle.set_rate(50)
    await throttle.acquire()
    started = time.monotonic()
    for _ in range(5):
        await throttle.acquire()
    assert time.monotonic() - started >= 0.09  # 5 tokens at 50/s, not at 1000/s


async def test_no_one_second_window_holds_more_than_the_rate() -> None:
    """A bucket alone lets its burst plus a second's refills into one window; the shares of
    50/s that processes split must add up whatever the bucket holds."""
    throttle = Throttle(rate=20, burst=5)
    times = []
    for _ in range(45):
        await throttle.acquire()
        times.append(time.monotonic())
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 20, busiest
