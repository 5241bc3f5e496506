"""Point discord.py at the right REST base and gateway.

discord.py builds REST URLs from `discord.http.Route.BASE` but connects to a hard-coded
gateway (`DiscordWebSocket.DEFAULT_GATEWAY`) without asking the API. When DISCORD_API_BASE_URL
is not Discord's own, we ask that base for GET /gateway/bot and connect where it says: through
a REST rate-limit proxy that is Discord's real gateway, against the test emulator it is the
emulator's. DISCORD_GATEWAY_URL overrides the answer.
"""

from __future__ import annotations

import logging

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.config import DEFAULT_API_BASE

log = logging.getLogger(__name__)


def apply_api_base(base_url: str) -> None:
    """Must run before the client makes its first request."""
    discord.http.Route.BASE = base_url.rstrip("/")


async def discover_gateway(
    http: discord.http.HTTPClient, base_url: str, explicit: str | None
) -> None:
    """Set the gateway URL for this process; a no-op against Discord itself."""
    if explicit:
        url = explicit
    elif base_url.rstrip("/") != DEFAULT_API_BASE:
        _shards, url, _limits = await http.get_bot_gateway()
    else:
        return
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    log.info("gateway set to %s", url)
