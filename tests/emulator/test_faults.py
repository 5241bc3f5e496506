"""Fault injection: 5xx answers and dropped connections."""

from __future__ import annotations

import aiohttp
import discord
import pytest

from bot.emulator import Emulator
from tests.emulator.probe_bot import ProbeBot
from tests.emulator.world import World

SEND = "POST /channels/{channel_id}/messages"


async def test_discord_py_retries_after_a_500(emu: Emulator, world: World, bot: ProbeBot) -> None:
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    emu.faults.fail_next(1, "500", route=SEND)
    sent = await channel.send("survived")  # discord.py sleeps 1 s, then retries
    assert [r.status for r in emu.requests if r.route == SEND] == [500, 200]
    assert [m.id for m in emu.channel_messages(world.channel)] == [sent.id]
    assert emu.counters.faults_injected == 1


async def test_dropped_connection_surfaces_to_the_caller(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    emu.faults.fail_next(1, "drop", route=SEND)
    # discord.py only retries ECONNRESET on BSD/Windows errnos; on Linux the error reaches the bot.
    with pytest.raises(aiohttp.ClientError):
        await channel.send("lost")
    assert emu.channel_messages(world.channel) == []
    await channel.send("second try")
    assert [m.content for m in emu.channel_messages(world.channel)] == ["second try"]
    assert [f.kind for f in emu.faults.injected] == ["drop"]


async def test_share_of_requests_fails_deterministically(emu: Emulator, world: World) -> None:
    def run() -> list[str]:
        return [f.kind for f in emu.faults.injected]

    async def burst(http: aiohttp.ClientSession) -> list[int | str]:
        outcomes: list[int | str] = []
        # POST, because aiohttp transparently retries idempotent requests on a dropped connection.
        for _ in range(30):
            try:
                async with http.post(
                    f"{emu.api_base}/users/@me/channels",
                    json={"recipient_id": str(world.alice.id)},
                    headers={"Authorization": f"Bot {emu.token}"},
                ) as resp:
                    outcomes.append(resp.status)
            except aiohttp.ClientError:
                outcomes.append("dropped")
        return outcomes

    emu.set_route_rate_limit("POST /users/@me/channels", limit=1000, window=1)
    emu.faults.configure(0.5, kinds=("500", "502", "drop"), seed=7)
    async with aiohttp.ClientSession() as http:
        first = await burst(http)
        first_kinds = run()
        emu.faults.injected.clear()
        emu.faults.configure(0.5, kinds=("500", "502", "drop"), seed=7)
        second = await burst(http)
    assert first == second, "same seed, same faults"
    assert {500, 502, "dropped", 200} <= set(first)
    assert len(first_kinds) == sum(1 for o in first if o != 200)
    emu.faults.disable()
    async with aiohttp.ClientSession() as http, http.get(f"{emu.api_base}/gateway") as resp:
        assert resp.status == 200


async def test_route_filter_limits_faults(emu: Emulator, world: World) -> None:
    emu.faults.configure(1.0, kinds=("502",), routes=lambda route: route == "GET /gateway/bot")
    headers = {"Authorization": f"Bot {emu.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.api_base}/gateway/bot", headers=headers) as resp:
            assert resp.status == 502
            assert (await resp.json())["message"] == "502: Bad Gateway"
        async with http.get(f"{emu.api_base}/users/@me", headers=headers) as resp:
            assert resp.status == 200
