"""How clients reach the emulator: the patch helper and the /gateway/bot path a real bot uses."""

from __future__ import annotations

import asyncio
import contextlib

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.emulator import Emulator
from bot.emulator.client_support import gateway_url_for, point_discord_at
from tests.emulator.world import World


def test_point_discord_at_patches_and_restores() -> None:
    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    with point_discord_at("http://127.0.0.1:1234"):
        assert Route.BASE == "http://127.0.0.1:1234/api/v10"
        assert yarl.URL("ws://127.0.0.1:1234/gateway") == DiscordWebSocket.DEFAULT_GATEWAY
        assert Route("GET", "/users/@me").url == "http://127.0.0.1:1234/api/v10/users/@me"
    with point_discord_at("http://127.0.0.1:1234/api/v10/"):
        assert Route.BASE == "http://127.0.0.1:1234/api/v10"
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    assert gateway_url_for("https://example.test/api/v10") == "wss://example.test/gateway"


async def test_auto_sharded_client_finds_the_gateway_via_gateway_bot(
    emu: Emulator, world: World
) -> None:
    """The real bot only knows DISCORD_API_BASE_URL; GET /gateway/bot tells it where to connect."""
    previous = Route.BASE
    Route.BASE = emu.api_base  # deliberately *not* patching DEFAULT_GATEWAY
    client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    runner = asyncio.create_task(client.start(emu.token))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 10)
        assert "GET /gateway/bot" in [r.route for r in emu.requests]
        session = emu.sessions[0]
        assert session.shard == (0, 1)
        assert client.get_guild(world.guild.id) is not None
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(runner, 10)
        Route.BASE = previous
    assert yarl.URL("wss://gateway.discord.gg/") == DiscordWebSocket.DEFAULT_GATEWAY
