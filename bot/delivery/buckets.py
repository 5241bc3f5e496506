"""Per-route pacing: never send on a bucket Discord said was empty, and never more than its
limit in any of its windows, however late Discord counts each request.

Discord answers every request with X-RateLimit-Limit, -Remaining and -Reset-After for its
bucket (a route and its major parameter: one DM channel's messages; opening DM channels).
discord.py reads them too, but its count goes wrong when several requests share a bucket:
each answer resets "remaining" to what Discord had left when it handled that request, not
counting the ones we sent since, so a fan-out opening DM channels 32 at a time meets 429s.
So this keeps its own count, the way `Throttle` keeps the global one: a request holds a slot
from the moment it may go until a window after its answer, and a bucket lets at most
`limit` slots be held. Whatever window Discord counts in, every request of ours it counted
there held a slot when the newest one left. A bucket whose last answer said none remain also
waits until that answer's reset. Until a bucket's first answer, one request at a time goes.

Plain numbers in, waits out: the adapter feeds `observe` from the answers' headers.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

PRUNE_EVERY = 256  # buckets created between sweeps for idle ones


@dataclass
class _Bucket:
    limit: int | None = None  # None until an answer announced it
    window: float = 0.0  # the longest Reset-After announced: the bucket's window
    blocked_until: float = 0.0  # an answer said none remain until then (monotonic)
    in_flight: int = 0
    answered: deque[float] = field(default_factory=deque)  # when the slots ended
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def held(self, now: float) -> int:
        answered = self.answered
        while answered and now - answered[0] >= self.window:
            answered.popleft()
        return self.in_flight + len(answered)

    def idle(self, now: float) -> bool:
        return self.held(now) == 0 and now >= self.blocked_until


class RouteBuckets:
    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._created = 0

    def __len__(self) -> int:
        return len(self._buckets)

    @asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        """Hold a slot of bucket `key` for the request made inside (until it ends)."""
        bucket = self._bucket(key)
        await self._take(bucket)
        try:
            yield
        finally:
            bucket.in_flight -= 1
            bucket.answered.append(time.monotonic())
            bucket.changed.set()

    def announced(self, key: str) -> tuple[int | None, float]:
        """What the answers said of bucket `key`: its limit (None: not yet) and window."""
        bucket = self._buckets.get(key)
        return (None, 0.0) if bucket is None else (bucket.limit, bucket.window)

    def observe(self, key: str, limit: int, remaining: int, reset_after: float) -> None:
        """An answer on bucket `key` announced `limit`, `remaining` and `reset_after` seconds
        (a 429 on the bucket: remaining 0 and its retry_after)."""
        bucket = self._bucket(key)
        now = time.monotonic()
        if limit > 0:
            bucket.limit = limit
        bucket.window = max(bucket.window, reset_after)
        if remaining <= 0:
            bucket.blocked_until = max(bucket.blocked_until, now + reset_after)
        bucket.changed.set()

    def _bucket(self, key: str) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            self._created += 1
            if self._created >= PRUNE_EVERY:
                self._created = 0
                now = time.monotonic()
                for stale in [k for k, b in self._buckets.items() if b.idle(now)]:
                    del self._buckets[stale]
            bucket = self._buckets[key] = _Bucket()
        return bucket

    @staticmethod
    async def _take(bucket: _Bucket) -> None:
        while True:
            now = time.monotonic()
            if now < bucket.blocked_until:
                await asyncio.sleep(bucket.blocked_until - now)
                continue
            held = bucket.held(now)
            limit = bucket.limit if bucket.limit is not None else 1
            if held < limit:
                bucket.in_flight += 1
                return
            bucket.changed.clear()
            if bucket.answered and bucket.limit is not None:
                wait = bucket.window - (now - bucket.answered[0])
                with suppress(TimeoutError):
                    await asyncio.wait_for(bucket.changed.wait(), timeout=max(0.0, wait))
            else:  # in flight, or the first answer has not come: wait for news
                await bucket.changed.wait()
