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
its answer came back, and at most `budget` slots are held at once (the rate rounded down;
the sender gets two more, `sender_budget`).
Whatever second Discord counts in, every request it handled in that second was in flight or
answered less than a second before the newest one left, so held a slot when the newest took
its own: no second ever holds more than `budget` of ours, whatever the jitter. The sends are
paced at `rate`; with the budget at the rate, the round trip would cost rate (47 slots held
a second longer than each 5 ms request: 46.8/s), and a stall where Discord (here: the
emulator's busy process) holds requests unanswered would cost all of its length. So the
sender keeps two slots of slack above its rate: the two requests a second the shares always
left of Discord's 50 "for timing jitter", now spent on jitter only when it comes.

Within that, a token bucket at `rate` spaces the sends out. A bucket of one token would lose
every oversleep of `asyncio.sleep` and every pause between sweep batches for good (measured:
46.8/s for a rate of 48); a bucket of two makes up for them, and the slots keep any second at
the budget. Processes that split the 50/s between them (the sender's 47 and a standby's
share) then add up, whatever their buckets hold.

Requests that do not wait here (an edit after a click, made while a user waits) are
counted all the same (`unpaced_started`/`unpaced_ended`), so the bulk sends make room for
them. A 429 that comes anyway (another process shares the token) names how long to wait:
`hold` stops handing out slots until then.

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
from contextvars import ContextVar

WINDOW_S = 1.0  # Discord counts the global limit per second
DISCORD_GLOBAL_LIMIT = 50  # requests per second per bot token, unless Discord granted more
JITTER_SLOTS = 2  # what the documented shares leave of the 50 (47 + 1): the sender's slack


def sender_budget(send_rate: float, standby_rate: float) -> int:
    """The slots of the process that sends the fan-outs: its rate, plus the two requests a
    second that the shares leave of Discord's 50 (SEND_RATE 47 + a standby's 1, or in
    general SEND_RATE + standbys' shares <= 48, docs/scaling.md), never so many that it and
    one standby would pass 50. Paced at 47 with 49 slots, a second of Discord's that counts
    some requests late still holds at most 49: the late ones cost no rate, and none is
    refused. A rate above 48 (a token granted more than 50/s) gets no slack: keep
    SEND_RATE at or under what Discord granted."""
    own = max(1, math.floor(send_rate * WINDOW_S))
    room = DISCORD_GLOBAL_LIMIT - math.ceil(standby_rate * WINDOW_S)
    return max(own, min(own + JITTER_SLOTS, room))


_IN_SLOT: ContextVar[bool] = ContextVar("throttle_in_slot", default=False)


def in_slot() -> bool:
    """Whether this task's request is being made inside a `Throttle.slot` (so whoever
    counts the requests that bypass the throttle must not count it twice)."""
    return _IN_SLOT.get()


class Throttle:
    def __init__(
        self, rate: float = 47.0, burst: int | None = None, budget: int | None = None
    ) -> None:
        """`rate`: sends per second; `budget`: slots (the most requests Discord may count
        in any one second), the rate rounded down unless given."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._burst = burst
        self.budget = budget if budget is not None else self._window_cap(rate)
        self.capacity = self._capacity()
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()
        self._in_flight = 0  # slots taken whose request has not been answered yet
        self._answered: deque[float] = deque()  # when the slots of the last second ended
        self._ended = asyncio.Event()  # a slot ended: one may free up a second later
        self._held_until = 0.0  # a 429 asked us to wait until then (monotonic)
        self._foreground = 0  # foreground sends waiting or taking a token right now
        self._idle = asyncio.Event()  # set while no foreground send waits
        self._idle.set()

    def set_rate(self, rate: float, budget: int | None = None) -> None:
        """Change the rate (and slots: the rate rounded down unless given) from now on, for
        a process becoming sender or standby; sends already waiting finish at the rate they
        started with."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.budget = budget if budget is not None else self._window_cap(rate)
        self.capacity = self._capacity()
        self._tokens = min(self._tokens, self.capacity)

    def _capacity(self) -> float:
        """Two tokens make up for oversleeps; each slot of slack above the rate buys two
        more, to make up for the pauses between sweep batches: the slots keep any second
        at the budget whatever the bucket lets through."""
        if self._burst is not None:
            return float(self._burst)
        return float(2 + 2 * max(0, self.budget - self._window_cap(self.rate)))

    @staticmethod
    def _window_cap(rate: float) -> int:
        """Requests Discord may count in any one second: the rate, rounded down, at least one."""
        return max(1, math.floor(rate * WINDOW_S))

    def hold(self, seconds: float) -> None:
        """A 429 said to wait `seconds`: hand out no slot before then (sends already out are
        discord.py's to retry)."""
        if seconds > 0:
            self._held_until = max(self._held_until, time.monotonic() + seconds)

    def unpaced_started(self) -> None:
        """A request that did not wait here (an edit after a click) went out: it counts as
        a slot all the same, in flight until `unpaced_ended`, so bulk sends make room."""
        self._in_flight += 1

    def unpaced_ended(self) -> None:
        self._end()

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
        token = _IN_SLOT.set(True)
        try:
            yield
        finally:
            _IN_SLOT.reset(token)
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
