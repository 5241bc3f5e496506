"""Snowflake and token generation.

Discord ids are snowflakes: a millisecond timestamp since the Discord epoch shifted left by 22 bits,
plus worker/process/increment bits. discord.py derives ``created_at`` from them, so the emulator
mints real-looking ones instead of small counters. Ids are strictly increasing so ordering by id
equals ordering by creation, which Discord's pagination (before/after) relies on.
"""

from __future__ import annotations

import secrets
import time

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeFactory:
    """Mints unique, strictly increasing snowflakes for one emulator instance."""

    def __init__(self, worker_id: int = 1) -> None:
        self._worker_bits = (worker_id & 0x1F) << 17
        self._last = 0

    def next(self) -> int:
        """Return a fresh snowflake whose timestamp part is the current wall-clock time."""
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (millis << 22) | self._worker_bits
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """A fresh snowflake whose guild would live on ``shard_id`` of ``shard_count``: Discord
        puts guild ``g`` on shard ``(g >> 22) % count``, so the timestamp part is nudged a few
        milliseconds forward until it lands there (still strictly increasing)."""
        first = self.next()
        millis = first >> 22
        delta = (shard_id - millis) % shard_count
        if delta == 0:
            return first
        candidate = ((millis + delta) << 22) | self._worker_bits
        self._last = candidate
        return candidate


def snowflake_time_ms(snowflake: int) -> int:
    """Unix time in milliseconds encoded in ``snowflake``."""
    return (snowflake >> 22) + DISCORD_EPOCH_MS


def new_token(prefix: str = "aW50ZXJhY3Rpb24") -> str:
    """An opaque, URL-safe interaction/webhook token (Discord's are long base64-ish strings)."""
    return f"{prefix}:{secrets.token_urlsafe(48)}"


def new_session_id() -> str:
    """A gateway session id (Discord uses 32 hex characters)."""
    return secrets.token_hex(16)
