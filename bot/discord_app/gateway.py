"""Point discord.py at the right REST base and gateway.

discord.py builds REST URLs from `discord.http.Route.BASE` but connects to a hard-coded
gateway (`DiscordWebSocket.DEFAULT_GATEWAY`) without asking the API. When DISCORD_API_BASE_URL
is not Discord's own, we ask that base for GET /gateway/bot and connect where it says: through
a REST rate-limit proxy that is Discord's real gateway, against the test emulator it is the
emulator's. DISCORD_GATEWAY_URL overrides the answer.

The same answer carries the recommended shard count and `session_start_limit.max_concurrency`,
so it is asked for exactly once per start, whatever the settings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.config import DEFAULT_API_BASE

log = logging.getLogger(__name__)


def apply_api_base(base_url: str) -> None:
    """Must run before the client makes its first request."""
    discord.http.Route.BASE = base_url.rstrip("/")


@dataclass(frozen=True, slots=True)
class GatewayInfo:
    """What GET /gateway/bot said: where to connect, Discord's recommended shard count, and
    how many shards may IDENTIFY per 5 s (bucketed by shard_id % max_concurrency)."""

    url: str
    recommended_shards: int
    max_concurrency: int


async def discover_gateway(
    http: discord.http.HTTPClient, base_url: str, explicit: str | None
) -> GatewayInfo:
    """Ask GET /gateway/bot once; point discord.py's gateway there unless it is Discord's own
    (already discord.py's default) or DISCORD_GATEWAY_URL says otherwise."""
    shards, answered, limits = await http.get_bot_gateway()
    info = GatewayInfo(
        url=explicit or answered,
        recommended_shards=max(1, int(shards)),
        max_concurrency=max(1, int(limits.get("max_concurrency", 1))),
    )
    if explicit or base_url.rstrip("/") != DEFAULT_API_BASE:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(info.url)
        log.info("gateway set to %s", info.url)
    return info
