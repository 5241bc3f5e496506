"""A bot run as a separate process, configured only through the environment.

It mirrors how the real bot (``python -m bot`` with ``DISCORD_API_BASE_URL``) reaches the emulator:
read the base URL, ask ``GET /gateway/bot`` for the gateway URL, point discord.py at both, log in,
sync commands. ``test_subprocess_bot.py`` runs it to prove that path end to end.

Run: ``DISCORD_API_BASE_URL=http://127.0.0.1:PORT/api/v10 DISCORD_TOKEN=... \
python -m tests.emulator.subprocess_bot``
"""

from __future__ import annotations

import asyncio
import os

import aiohttp
import discord
from discord import app_commands

from bot.emulator.client_support import configure_discord


async def discover_gateway(api_base: str, token: str) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{api_base}/gateway/bot", headers={"Authorization": f"Bot {token}"}) as resp,
    ):
        resp.raise_for_status()
        data = await resp.json()
    return str(data["url"])


async def main() -> None:
    api_base = os.environ["DISCORD_API_BASE_URL"]
    token = os.environ["DISCORD_TOKEN"]
    configure_discord(api_base, await discover_gateway(api_base, token))
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)

    @tree.command(description="Answer from another process")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"pong from pid {os.getpid()}")

    @client.event
    async def setup_hook() -> None:
        await tree.sync()

    async with client:
        await client.start(token)


if __name__ == "__main__":
    asyncio.run(main())
