"""The composition root: run the bot, and open what it stands on (the database, and the
services over it) from Settings, in one place.

The Discord adapter asks `open_services` for its services rather than opening the store
itself, so nothing in bot/discord_app imports bot/store (an import-linter contract).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock
from bot.config import Settings
from bot.core.loader import LoadResult
from bot.core.registry import Pathways
from bot.logging_setup import configure_logging
from bot.service.account import Account
from bot.service.admin import Admin
from bot.service.context import Context
from bot.service.learning import Learning
from bot.service.replan import CatchingUp
from bot.service.snoozing import Snoozing
from bot.service.social import Social
from bot.store.store import Store, open_store

__all__ = ["Services", "Store", "open_services", "run_bot"]

log = logging.getLogger("bot")


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the adapter and delivery use, over one open store (close it on shutdown)."""

    store: Store
    learning: Learning
    account: Account
    snoozing: Snoozing
    catching_up: CatchingUp
    admin: Admin
    social: Social


async def open_services(settings: Settings, registry: Pathways, clock: Clock) -> Services:
    """Open the database (PostgreSQL at DATABASE_URL, else the SQLite file), upgrade its
    schema, and build the services over it. Raises ConfigError when it cannot be opened."""
    store = await open_store(Path(settings.database_path), settings.database_url_value())
    ctx = Context(store, registry, clock)
    return Services(
        store=store,
        learning=Learning(ctx),
        account=Account(ctx),
        snoozing=Snoozing(ctx),
        catching_up=CatchingUp(ctx),
        admin=Admin(ctx),
        social=Social(ctx),
    )


#: How long a thread may keep the GIL while another waits for it. SQLite runs in aiosqlite's
#: worker threads; at the default 5 ms, a busy event loop kept a worker whose query had its
#: answer up to 5 ms per statement before it could hand it back. Measured: two store reads
#: beside three tasks that keep the loop busy in 2 ms slices, 300 times; p90 100-117 ms and
#: p99 170-178 ms at 5 ms, 50-62 and 74-97 ms at 1 ms. The cost is more frequent GIL
#: hand-overs, which only happen while two threads both want to run Python.
GIL_SWITCH_S = 0.001


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
    sys.setswitchinterval(GIL_SWITCH_S)
    # Loaded by name: the adapter imports this module (open_services), and this module must
    # not import the adapter back.
    serve = importlib.import_module("bot.discord_app.serve").serve
    return int(
        asyncio.run(serve(settings, token, loaded, sync_only=sync_only, sync_guild=sync_guild))
    )
