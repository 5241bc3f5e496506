"""Pacing for our REST traffic, so that Discord's global limit never answers 429.

discord.py only reacts to a global 429 after it happens, and 429s count toward the invalid
request ban; so bulk sends wait here first. Interaction callbacks do not count toward the
global limit, so the default 47/s leaves room under 50/s for the few other calls the bot
makes meanwhile.

Discord counts a request in the second it *handles* it, which is some time after we send it
and before its answer reaches us; how long varies (the network, Discord's edge, and on this
machine the emulator's busy event loop). A throttle that only spaces its sends 1/rate apart
therefore still meets 429s: sends spread over 1.1 s of our clock can land in one second of
Discord's. So every request holds a *slot* from the moment it may go until one second after
its answer came back, and at most `budget` (the rate, rounded down) slots are held at once.
Whatever second Discord counts in, every request it handled in that second was in flight or
answered less than a second before the newest one left, so held a slot when the newest took
its own: no second ever holds more than `budget` of ours, whatever the jitter. The price is
the round trip: the sustained rate is `budget / (1 + round trip)`, 46.8/s for 47 at 5 ms.

Within that, a token bucket at `rate` spaces the sends out. A bucket of one token would lose
every oversleep of `asyncio.sleep` and every pause between sweep batches for good (measured:
46.8/s for a rate of 48); a bucket of two makes up for them, and the slots keep any second at
the budget. Processes that split the 50/s between them (the sender's 47 and a standby's
share) then add up, whatever their buckets hold.

A 429 that comes anyway (another process shares the token) names how long to wait: `hold`
stops handing out slots until then.

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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

WINDOW_S = 1.0  # Discord counts the global limit per second


class Throttle:
    def __init__(self, rate: float = 47.0, burst: int | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        # Two tokens make up for oversleeps; the slots below keep any second at the budget.
        self.capacity = float(burst if burst is not None else 2)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()
        self.budget = self._window_cap(rate)
        self._in_flight = 0  # slots taken whose request has not been answered yet
        self._answered: deque[float] = deque()  # when the slots of the last second ended
        self._ended = asyncio.Event()  # a slot ended: one may free up a second later
        self._held_until = 0.0  # a 429 asked us to wait until then (monotonic)
        self._foreground = 0  # foreground sends waiting or taking a token right now
        self._idle = asyncio.Event()  # set while no foreground send waits
        self._idle.set()

    def set_rate(self, rate: float) -> None:
        """Change the rate from now on (a process becoming sender or standby); sends already
        waiting finish at the rate they started with."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.budget = self._window_cap(rate)

    @staticmethod
    def _window_cap(rate: float) -> int:
        """Requests Discord may count in any one second: the rate, rounded down, at least one."""
        return max(1, math.floor(rate * WINDOW_S))

    def hold(self, seconds: float) -> None:
        """A 429 said to wait `seconds`: hand out no slot before then (sends already out are
        discord.py's to retry)."""
        if seconds > 0:
            self._held_until = max(self._held_until, time.monotonic() + seconds)

    def occupied(self) -> int:
        """Slots held now: requests in flight, and those answered less than a second ago."""
        return self._prune(time.monotonic())

    async def acquire(self, *, background: bool = False) -> None:
        """Wait for a slot for a request that is as good as answered at once: it counts for
        the second after it was let through. Prefer `slot()` around the request itself."""
        await self._turn(background)
        self._end()

    @asynccontextmanager
    async def slot(self, *, background: bool = False) -> AsyncIterator[None]:
        """Hold a slot for the request made inside: from now until a second after it ends
        (answered, failed or retried by discord.py, all the same). `background` sends
        (welcome DMs) yield to every foreground send waiting; only a background send already
        waiting for its token goes first."""
        await self._turn(background)
        try:
            yield
        finally:
            self._end()

    async def _turn(self, background: bool) -> None:
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

    def _end(self) -> None:
        self._in_flight -= 1
        self._answered.append(time.monotonic())
        self._ended.set()

    def _prune(self, now: float) -> int:
        answered = self._answered
        while answered and now - answered[0] >= WINDOW_S:
            answered.popleft()
        return self._in_flight + len(answered)

    async def _take(self) -> None:
        """One token and one slot; the caller holds the lock."""
        while True:
            now = time.monotonic()
            if now < self._held_until:
                await asyncio.sleep(self._held_until - now)
                continue
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._prune(now) >= self.budget:
                if self._answered:  # the oldest answer stops counting a second after it came
                    await asyncio.sleep(WINDOW_S - (now - self._answered[0]))
                else:  # every slot is in flight: wait for one to be answered
                    self._ended.clear()
                    await self._ended.wait()
                continue
            if self._tokens >= 1:
                self._tokens -= 1
                self._in_flight += 1
                return
            await asyncio.sleep((1 - self._tokens) / self.rate)
