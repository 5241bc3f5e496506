"""A token bucket that keeps our REST traffic under Discord's global limit.

discord.py only reacts to a global 429 after it happens, and 429s count toward the invalid
request ban; so bulk sends wait here first. Interaction callbacks do not count toward the
global limit, so the default 47/s leaves room under 50/s for the few other calls the bot
makes meanwhile and for the timing jitter between our clock and Discord's.

A bucket of one token would lose every oversleep of `asyncio.sleep` and every pause between
sweep batches for good (measured: 46.8/s for a rate of 48). A bucket of two makes up for them,
and so would let two sends through at once; so the throttle also remembers its last `rate`
sends and never lets a one-second window hold more. Processes that split the 50/s between
them (the sender's 47 and a standby's share) then add up, whatever their buckets hold.

Sends have two priorities. Reminders, fallbacks and digests are on a schedule the learner
sees; a welcome DM after /enroll is not urgent: the /enroll reply already said everything.
So a background send waits while any foreground send is waiting: when a thousand people
enrol in the minute a fan-out is due, the reminders go first and the welcomes follow.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque

WINDOW_S = 1.0  # Discord counts the global limit per second


class Throttle:
    def __init__(self, rate: float = 47.0, burst: int | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        # Two tokens make up for oversleeps; the window below keeps any second at the rate.
        self.capacity = float(burst if burst is not None else 2)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()
        self._recent: deque[float] = deque(maxlen=self._window_cap(rate))  # last sends' times
        self._foreground = 0  # foreground sends waiting or taking a token right now
        self._idle = asyncio.Event()  # set while no foreground send waits
        self._idle.set()

    def set_rate(self, rate: float) -> None:
        """Change the rate from now on (a process becoming sender or standby); sends already
        waiting finish at the rate they started with."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._recent = deque(self._recent, maxlen=self._window_cap(rate))

    @staticmethod
    def _window_cap(rate: float) -> int:
        """Sends allowed in any one-second window: the rate, rounded down, at least one."""
        return max(1, math.floor(rate * WINDOW_S))

    async def acquire(self, *, background: bool = False) -> None:
        """Wait for a token. `background` sends (welcome DMs) yield to every foreground send
        waiting; only a background send already waiting for its token goes first."""
        if not background:
            self._foreground += 1
            self._idle.clear()
            try:
                async with self._lock:
                    await self._take()
            finally:
                self._foreground -= 1
                if self._foreground == 0:
                    self._idle.set()
            return
        while True:
            await self._idle.wait()
            async with self._lock:
                if not self._idle.is_set():
                    continue  # a foreground send arrived while this one queued: it goes first
                await self._take()
                return

    async def _take(self) -> None:
        """One token; the caller holds the lock."""
        while True:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            recent = self._recent
            if len(recent) == recent.maxlen and now - recent[0] < WINDOW_S:
                await asyncio.sleep(WINDOW_S - (now - recent[0]))
                continue
            if self._tokens >= 1:
                self._tokens -= 1
                recent.append(now)
                return
            await asyncio.sleep((1 - self._tokens) / self.rate)
