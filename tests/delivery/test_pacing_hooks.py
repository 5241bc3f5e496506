"""The adapter's hooks that feed the pacing objects, in process with the real discord.py
client against the emulator: what the answers say reaches the throttle and the buckets."""

from __future__ import annotations

import asyncio

from bot.discord_app.client import PathwayBot
from bot.discord_app.discord_notifier import OPEN_DM_BUCKET
from bot.emulator.driver import Emulator


async def test_a_call_made_outside_the_throttle_still_holds_a_slot(
    inproc: PathwayBot, emu: Emulator
) -> None:
    user = emu.add_user("someone")
    before = inproc.throttle.occupied()
    await inproc.fetch_user(user.id)  # as a command handler would: no throttle
    assert inproc.throttle.occupied() == before + 1  # answered, counted for a second


async def test_a_throttled_request_is_counted_once(inproc: PathwayBot, emu: Emulator) -> None:
    user = emu.add_user("learner")
    before = inproc.throttle.occupied()
    await inproc.notifier.open_dm(user.id)
    assert inproc.throttle.occupied() == before + 1


async def test_the_buckets_learn_what_the_answers_announce(
    inproc: PathwayBot, emu: Emulator
) -> None:
    emu.set_route_rate_limit("POST /users/@me/channels", 2, 2.0)
    assert inproc.buckets.announced(OPEN_DM_BUCKET) == (None, 0.0)
    users = [emu.add_user(name) for name in "abc"]
    await asyncio.gather(*(inproc.notifier.open_dm(u.id) for u in users))
    limit, window = inproc.buckets.announced(OPEN_DM_BUCKET)
    assert limit == 2 and 1.5 < window <= 2.0
    assert sum(1 for r in emu.requests if r.route == OPEN_DM_BUCKET) == 3
    assert emu.counters.rate_limited == 0


async def test_a_global_429_holds_the_throttle(inproc: PathwayBot, emu: Emulator) -> None:
    emu.set_global_rate_limit(1, window=5.0)
    await inproc.fetch_user(emu.add_user("x").id)
    retried = asyncio.create_task(inproc.fetch_user(emu.add_user("y").id))  # a global 429
    await asyncio.sleep(0.5)  # the 429 came back; discord.py sleeps before it retries
    assert emu.counters.rate_limited_global >= 1
    waiting = asyncio.create_task(inproc.throttle.acquire())
    await asyncio.sleep(0.2)
    assert not waiting.done(), "a slot was handed out during the global 429's wait"
    waiting.cancel()
    retried.cancel()
