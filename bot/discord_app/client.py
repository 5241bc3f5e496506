"""The Bot subclass: async set-up in setup_hook (never on_ready, which fires on every reconnect)."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.config import Settings
from bot.core.errors import ConfigError
from bot.core.loader import LoadResult
from bot.discord_app.gateway import apply_api_base, discover_gateway

log = logging.getLogger(__name__)


class PathwayBot(commands.Bot):
    def __init__(self, settings: Settings, loaded: LoadResult) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, help_command=None)
        self.settings = settings
        self.loaded = loaded

    async def setup_hook(self) -> None:
        await discover_gateway(
            self.http, self.settings.discord_api_base_url, self.settings.discord_gateway_url
        )


async def serve(
    settings: Settings,
    token: str,
    loaded: LoadResult,
    *,
    sync_only: bool = False,
    sync_guild: int | None = None,
) -> int:
    apply_api_base(settings.discord_api_base_url)
    bot = PathwayBot(settings, loaded)
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        raise ConfigError(
            "DISCORD_TOKEN was rejected by Discord: reset it in the Developer Portal"
        ) from None
    return 0
