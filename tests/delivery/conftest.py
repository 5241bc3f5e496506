"""In-process bot with a fake clock, for tests that must control time.

These tests say so: the bot runs in the test's event loop (not as a subprocess) so a
FixedClock can stand in for time, and the sweep is driven directly instead of by APScheduler.
It still talks to the emulator over loopback through the real discord.py HTTP client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket

from bot.clock import FixedClock
from bot.config import Settings
from bot.discord_app.client import PathwayBot
from bot.discord_app.gateway import apply_api_base
from bot.emulator.driver import Emulator
from bot.pathway_files import PathwayRegistry
from tests.harness import PATHWAYS


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(timeout=20) as e:
        e.set_global_rate_limit(10_000)
        yield e


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))


@pytest.fixture
async def inproc(emu: Emulator, clock: FixedClock, tmp_path: Path) -> AsyncIterator[PathwayBot]:
    settings = Settings(
        discord_token=emu.token,
        discord_api_base_url=emu.api_base,
        database_path=tmp_path / "db.sqlite3",
        pathways_dir=PATHWAYS,
        send_rate=5000,
        retry_base_seconds=0.01,
        _env_file=None,  # type: ignore[call-arg]
    )
    # The bot points discord.py's process-wide REST base and gateway at the emulator; put
    # them back afterwards so other in-process tests see discord.py's defaults.
    saved = (discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    apply_api_base(emu.api_base)
    bot = PathwayBot(settings, PathwayRegistry(PATHWAYS), clock=clock, run_scheduler=False)
    try:
        await bot.login(emu.token)
        yield bot
    finally:
        await bot.close()
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
