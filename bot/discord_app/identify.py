"""When a shard may IDENTIFY: discord.py's pacing within a process, and the database's across
processes.

Discord lets `session_start_limit.max_concurrency` shards IDENTIFY per 5 seconds, one per
bucket `shard_id % max_concurrency`; faster, and the session is refused.

Within one process discord.py already keeps to that. `AutoShardedClient.launch_shards`
launches the shards one after another, and its default `before_identify_hook` sleeps 5 s
before every IDENTIFY except the process's first. Re-IDENTIFYs (after an invalid session)
come off one queue, one at a time, and sleep too. So one process never IDENTIFYs twice within
5 s, which keeps to any max_concurrency of 1 or more. This is slower than the limit allows
when max_concurrency is above 1, but it never breaks it, and `tests/discord_app/test_shards.py`
checks it against the emulator's recorded IDENTIFY times.

Across processes it does not: each process's first IDENTIFY skips the sleep, so two processes
started together (or one restarted within 5 s) would IDENTIFY at once, in the same bucket when
max_concurrency is 1. `DatabaseIdentifyGate` closes that gap, and `PathwayBot` always uses it
(one small write per IDENTIFY). It runs after discord.py's own wait, before every IDENTIFY,
first ones included: in one write transaction, holding a PostgreSQL advisory lock keyed by the
bucket (SQLite's single writer serialises by itself), it claims the bucket if it is free now
and holds it for one window (`store.identify_slots`). If another process holds it, the gate
sleeps until it frees up, outside the transaction, so no lock is held while it waits, and
claims again. A turn is only ever held by a process about to IDENTIFY: one killed while
waiting leaves nothing behind, so restarts in a crash loop never queue up turns.

The window carries a small margin: the gate runs before discord.py opens the websocket, and
the IDENTIFY leaves once the server's HELLO has arrived, a little later in one process than in
another. The turns are wall-clock Unix seconds, as the processes share no other clock; hosts
must keep their clocks in step (NTP does, well inside the margin).

If the database fails, the gate logs a warning and waits one window instead: a database blip
must never hold the gateway back for good.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.core.errors import StorageError

log = logging.getLogger(__name__)

#: Discord's window: each bucket may IDENTIFY once per this many seconds.
IDENTIFY_WINDOW_SECONDS = 5.0
#: Added to the window between two processes' turns, for the time between the gate and the
#: IDENTIFY itself (websocket connect, HELLO), which differs a little between processes.
IDENTIFY_MARGIN_SECONDS = 0.5
#: How long one claim may take before the gate gives up on the database.
CLAIM_TIMEOUT_SECONDS = 15.0


class IdentifyGate(Protocol):
    """Holds a shard back until its bucket may IDENTIFY, across every process of the bot."""

    async def wait_turn(self, shard_id: int, bucket: int) -> None:
        """Return once shard `shard_id` (in bucket `bucket`) may send IDENTIFY now."""


class IdentifySlots(Protocol):
    async def claim(self, bucket: int, now: float, window: float) -> float | None: ...


class HasIdentifySlots(Protocol):
    """What the gate needs of the store (the runtime opens it): its IDENTIFY slots."""

    @property
    def identify_slots(self) -> IdentifySlots: ...


class DatabaseIdentifyGate:
    """The gate every process of the bot shares through its database (see the module doc)."""

    def __init__(
        self,
        store: HasIdentifySlots,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        *,
        window: float = IDENTIFY_WINDOW_SECONDS + IDENTIFY_MARGIN_SECONDS,
        timeout: float = CLAIM_TIMEOUT_SECONDS,
    ) -> None:
        """`clock` is wall-clock Unix seconds (shared across processes and hosts)."""
        self._store = store
        self._clock = clock
        self._sleep = sleep
        self._window = window
        self._timeout = timeout

    async def wait_turn(self, shard_id: int, bucket: int) -> None:
        started = self._clock()
        while True:
            now = self._clock()
            try:
                free_at = await asyncio.wait_for(
                    self._store.identify_slots.claim(bucket, now, self._window), self._timeout
                )
            except (StorageError, TimeoutError) as exc:
                self._warn(shard_id, exc)
                await self._sleep(IDENTIFY_WINDOW_SECONDS)
                return
            if free_at is None:
                break
            await self._sleep(free_at - now)
        log.debug(
            "shard %d (bucket %d) waited %.2f s for its IDENTIFY turn",
            shard_id,
            bucket,
            self._clock() - started,
        )

    def _warn(self, shard_id: int, exc: Exception) -> None:
        reason = f"no answer in {self._timeout:g} s" if isinstance(exc, TimeoutError) else exc
        log.warning(
            "shard %d: cannot claim an IDENTIFY turn in the database (%s); waiting %g s instead",
            shard_id,
            reason,
            IDENTIFY_WINDOW_SECONDS,
        )


def identify_bucket(shard_id: int, max_concurrency: int) -> int:
    """Discord's rate-limit bucket for a shard's IDENTIFY."""
    return shard_id % max(1, max_concurrency)
