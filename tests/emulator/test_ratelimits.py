"""Rate limits: headers, per-route and global 429s that discord.py backs off from, exemptions."""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from bot.emulator import Emulator
from tests.emulator.probe_bot import ProbeBot
from tests.emulator.world import World

SEND = "POST /channels/{channel_id}/messages"


async def test_every_response_carries_bucket_headers(emu: Emulator, world: World) -> None:
    headers = {"Authorization": f"Bot {emu.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.api_base}/users/@me", headers=headers) as first:
            assert first.status == 200
            limit = int(first.headers["X-RateLimit-Limit"])
            assert int(first.headers["X-RateLimit-Remaining"]) == limit - 1
            assert float(first.headers["X-RateLimit-Reset-After"]) > 0
            assert float(first.headers["X-RateLimit-Reset"]) > 1_600_000_000
            bucket = first.headers["X-RateLimit-Bucket"]
        async with http.get(f"{emu.api_base}/users/@me", headers=headers) as second:
            assert second.headers["X-RateLimit-Bucket"] == bucket
            assert int(second.headers["X-RateLimit-Remaining"]) == limit - 2


async def test_route_bucket_429_shape(emu: Emulator, world: World) -> None:
    emu.set_route_rate_limit("GET /users/@me", limit=2, window=60)
    headers = {"Authorization": f"Bot {emu.token}"}
    async with aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(3):
            async with http.get(f"{emu.api_base}/users/@me", headers=headers) as resp:
                statuses.append(resp.status)
                last_headers, last_body = resp.headers, await resp.json()
    assert statuses == [200, 200, 429]
    assert last_headers["X-RateLimit-Scope"] == "user"
    assert last_headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Global" not in last_headers
    assert last_headers["Via"]  # discord.py ignores 429s without it (Cloudflare bans)
    assert last_body["global"] is False and 0 < last_body["retry_after"] <= 60
    assert emu.counters.rate_limited_route == 1
    assert emu.counters.invalid_requests == 1


async def test_discord_py_waits_out_a_route_429_and_retries(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    # Another process sharing the token just spent this channel's bucket.
    emu.exhaust_route(SEND, world.channel.id, retry_after=0.3)
    sent = await channel.send("after the wait")
    assert [m.id for m in emu.channel_messages(world.channel)] == [sent.id]
    attempts = [r.status for r in emu.requests if r.route == SEND]
    assert attempts == [429, 200]
    assert emu.counters.rate_limited_route == 1
    assert emu.counters.rate_limited_global == 0


async def test_discord_py_honours_preemptive_bucket_exhaustion(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    emu.set_route_rate_limit(SEND, limit=2, window=0.3)
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    for index in range(5):
        await channel.send(f"message {index}")
    assert len(emu.channel_messages(world.channel)) == 5
    # discord.py read X-RateLimit-Remaining: 0 and waited instead of hitting 429.
    assert emu.counters.rate_limited == 0


async def test_discord_py_backs_off_on_the_global_limit(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    channels = [emu.add_channel(world.guild, f"room-{i}") for i in range(6)]
    emu.set_global_rate_limit(3, window=0.25)
    # Six different channels are six buckets, so only the global limit can stop them.
    params = [discord.http.handle_message_parameters(content="hi") for _ in channels]
    results = await asyncio.gather(
        *(bot.http.send_message(c.id, params=p) for c, p in zip(channels, params, strict=True))
    )
    assert len(results) == 6
    assert all(len(emu.channel_messages(c)) == 1 for c in channels)
    assert emu.counters.rate_limited_global >= 1
    limited = [r for r in emu.requests if r.status == 429]
    assert limited and all(r.route == SEND for r in limited)


async def test_global_429_shape_and_interaction_exemption(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    emu.set_global_rate_limit(0, window=60)
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{emu.api_base}/users/@me", headers={"Authorization": f"Bot {emu.token}"}
        ) as resp,
    ):
        assert resp.status == 429
        assert resp.headers["X-RateLimit-Global"] == "true"
        assert resp.headers["X-RateLimit-Scope"] == "global"
        body = await resp.json()
        assert body["global"] is True and body["retry_after"] > 0
    # Interaction callbacks and follow-ups are not bound by the global limit.
    reply = await emu.run_command(
        world.alice, "echo", guild=world.guild, options={"text": "hi", "followup": True}
    )
    final = await reply.wait_final()
    assert final.content == "hi"
    assert emu.counters.rate_limited_global == 1


async def test_invalid_requests_are_counted(emu: Emulator, world: World) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{emu.api_base}/users/@me", headers={"Authorization": "Bot wrong"}
        ) as resp:
            assert resp.status == 401
            assert (await resp.json()) == {"message": "401: Unauthorized", "code": 0}
        async with http.get(f"{emu.api_base}/users/@me") as resp:
            assert resp.status == 401
    assert emu.counters.invalid_requests == 2
    assert emu.counters.by_status[401] == 2
