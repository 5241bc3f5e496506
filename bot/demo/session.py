"""One open page's state on the server, and the error type whose text the page shows."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.emulator.models import Channel, User

#: Discord's own words when a bot does not answer an interaction within 3 seconds.
NO_RESPONSE = "The application did not respond"


class PageError(Exception):
    """Shown in the page as it is."""


@dataclass(eq=False)
class PageSession:
    """One open page: who it acts as, which channel it shows, what it has been sent."""

    ws: web.WebSocketResponse
    viewer: User
    channel: Channel
    sent: dict[int, tuple[int, int, bool]] = field(default_factory=dict)
    commands_key: str = ""
    clock_offset: float | None = None
    latest: dict[str, str] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, payload: dict[str, Any]) -> None:
        """Send unless the page has gone (a closed tab is not an error)."""
        async with self.lock:
            if self.ws.closed:
                return
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.send_str(json.dumps(payload, separators=(",", ":")))
