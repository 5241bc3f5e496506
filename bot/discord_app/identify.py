"""When a shard may IDENTIFY: discord.py's pacing within a process, and the hook for pacing
across processes.

Discord lets `session_start_limit.max_concurrency` shards IDENTIFY per 5 seconds, one per
bucket `shard_id % max_concurrency`; faster, and the session is refused.

Within one process discord.py already keeps to that. `AutoShardedClient.launch_shards`
launches the shards one after another, and its default `before_identify_hook` sleeps 5 s
before every IDENTIFY except the process's first. Re-IDENTIFYs (after an invalid session)
come off one queue, one at a time, and sleep too. So one process never IDENTIFYs twice within
5 s, which keeps to any max_concurrency of 1 or more. This is slower than the limit allows
when max_concurrency is above 1, but it never breaks it, and `tests/discord_app/test_shards.py`
checks it against the emulator's recorded IDENTIFY times.

Across processes it does not. Each process's first IDENTIFY skips the sleep, so two processes
started together IDENTIFY at once, in the same bucket when max_concurrency is 1. An
`IdentifyGate` closes that gap. `PathwayBot` awaits it after discord.py's own wait, before
every IDENTIFY, first ones included. The intended implementation takes a PostgreSQL advisory
lock keyed by the bucket, waits until 5 s after the bucket's last IDENTIFY (kept in the
database), records the new time and releases the lock. No gate is the default: one process,
or processes started at least 5 s apart, need none.
"""

from __future__ import annotations

from typing import Protocol

#: Discord's window: each bucket may IDENTIFY once per this many seconds.
IDENTIFY_WINDOW_SECONDS = 5.0


class IdentifyGate(Protocol):
    """Holds a shard back until its bucket may IDENTIFY, across every process of the bot."""

    async def wait_turn(self, shard_id: int, bucket: int) -> None:
        """Return once shard `shard_id` (in bucket `bucket`) may send IDENTIFY now."""


def identify_bucket(shard_id: int, max_concurrency: int) -> int:
    """Discord's rate-limit bucket for a shard's IDENTIFY."""
    return shard_id % max(1, max_concurrency)
