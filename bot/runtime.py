"""Run the bot: build resources from Settings, run until stopped, close everything in order."""

from __future__ import annotations

import asyncio
import logging

from bot.config import Settings
from bot.core.loader import LoadResult
from bot.logging_setup import configure_logging

log = logging.getLogger("bot")


def run_bot(
    settings: Settings,
    token: str,
    loaded: LoadResult,
    *,
    sync_only: bool = False,
    sync_guild: int | None = None,
) -> int:
    """Blocking entry point used by `python -m bot`; returns the process exit status."""
    configure_logging(settings.log_level, settings.log_format.value, [token])
    from bot.discord_app.serve import serve

    return asyncio.run(serve(settings, token, loaded, sync_only=sync_only, sync_guild=sync_guild))
