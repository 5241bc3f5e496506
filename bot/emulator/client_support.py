"""Point a discord.py 2.7 client at the emulator instead of discord.com.

discord.py has no public "base URL" option. What it does have:

* ``discord.http.Route.BASE`` — a class attribute every REST route (including interaction
  callbacks and webhooks, which use the same ``Route``) is built from.
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` — where a plain ``Client``/``Bot`` opens
  the gateway (``Client.connect`` -> ``DiscordWebSocket.from_client(gateway=None)``), and where
  *any* client falls back after an INVALID_SESSION. ``AutoShardedClient`` instead connects to the
  ``url`` from ``GET /gateway/bot``, which the emulator answers with its own address.

After READY, discord.py reconnects to ``resume_gateway_url`` from the READY payload, which the
emulator also sets to itself. So patching the two class attributes is sufficient and is the
narrowest change; :func:`point_discord_at` does it reversibly. A bot that reads
``DISCORD_API_BASE_URL`` can do the same at start-up (see :func:`configure_discord`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


def gateway_url_for(api_base: str) -> str:
    """``http://host:port/api/v10`` -> ``ws://host:port/gateway`` (the emulator's layout)."""
    url = yarl.URL(api_base)
    scheme = "wss" if url.scheme == "https" else "ws"
    return str(url.with_scheme(scheme).with_path("/gateway"))


def configure_discord(api_base: str, gateway_url: str | None = None) -> tuple[str, yarl.URL]:
    """Patch discord.py globally; returns the previous (Route.BASE, DEFAULT_GATEWAY).

    ``api_base`` is e.g. ``http://127.0.0.1:PORT/api/v10``; ``gateway_url`` defaults to the
    emulator's ``/gateway`` (pass the ``url`` from ``GET /gateway/bot`` for a real deployment).
    """
    previous = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE = api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url or gateway_url_for(api_base))
    return previous


@contextlib.contextmanager
def point_discord_at(base_url: str) -> Iterator[None]:
    """Route discord.py's REST and gateway traffic to the emulator for the ``with`` block.

    ``base_url`` may be the emulator root (``emu.url``) or its API base (``emu.api_base``).
    """
    root = base_url.rstrip("/")
    api_base = root if root.endswith("/api/v10") else f"{root}/api/v10"
    previous_base, previous_gateway = configure_discord(api_base)
    try:
        yield
    finally:
        Route.BASE = previous_base
        DiscordWebSocket.DEFAULT_GATEWAY = previous_gateway
