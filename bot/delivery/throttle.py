"""A token bucket that keeps our REST traffic under Discord's global limit.

discord.py only reacts to a global 429 after it happens, and 429s count toward the invalid
request ban; so bulk sends wait here first. The default 48/s, without bursts, leaves room
under 50/s for the few other calls the bot makes meanwhile (interaction callbacks do not
count toward the global limit).
"""

from __future__ import annotations

import asyncio
import time


class Throttle:
    def __init__(self, rate: float = 48.0, burst: int | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        # No burst by default: a bucket of one keeps any one-second window at most rate + 1.
        self.capacity = float(burst if burst is not None else 1)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    def set_rate(self, rate: float) -> None:
        """Change the rate from now on (a process becoming sender or standby); sends already
        waiting finish at the rate they started with."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)
