"""A token bucket that keeps our REST traffic under Discord's global limit.

discord.py only reacts to a global 429 after it happens, and 429s count toward the invalid
request ban; so bulk sends wait here first. The default 45/s leaves headroom under 50/s for
the interaction responses and other calls the bot makes meanwhile.
"""

from __future__ import annotations

import asyncio
import time


class Throttle:
    def __init__(self, rate: float = 45.0, burst: int | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = float(burst if burst is not None else max(1, int(rate // 5)))
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

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
