"""Run one bot process until it stops: log in, connect, shut down in order.

The adapter's entry point (`bot.runtime.run_bot` calls it); Discord's own failures at start
(an unreachable API, a rejected token) leave as ConfigErrors that say what to fix.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import discord

from bot.config import Settings
from bot.core.errors import ConfigError
from bot.core.loader import LoadResult
from bot.discord_app.client import PathwayBot
from bot.discord_app.gateway import apply_api_base
from bot.pathway_files import PathwayRegistry


async def serve(
    settings: Settings,
    token: str,
    loaded: LoadResult,
    *,
    sync_only: bool = False,
    sync_guild: int | None = None,
) -> int:
    apply_api_base(settings.discord_api_base_url)
    registry = PathwayRegistry(Path(settings.pathways_dir), loaded)
    bot = PathwayBot(settings, registry, sync_only=sync_only, sync_guild=sync_guild)
    try:
        async with bot:
            try:
                await bot.login(token)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                raise ConfigError(
                    f"cannot reach Discord at {settings.discord_api_base_url}: {exc}"
                ) from None
            if sync_only:
                print("synced" if bot.synced else "unchanged")
                return 0
            await bot.connect(reconnect=True)
        # discord.py's __aexit__ skips close() once closing has begun (after SIGTERM), and
        # asyncio.run would then cancel our shutdown halfway; wait for it to finish here.
        await bot.close()
    except discord.LoginFailure:
        raise ConfigError(
            "DISCORD_TOKEN was rejected by Discord: reset it in the Developer Portal"
        ) from None
    return 0
