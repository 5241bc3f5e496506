"""Discord-style rate limiting: a global limit plus per-route buckets.

Discord documents the mechanics this reproduces: every response carries X-RateLimit-Limit /
Remaining / Reset / Reset-After / Bucket; a bucket is a route shape combined with its "major
parameter" (channel, guild or webhook id+token); exceeding it yields 429 with a JSON
``retry_after`` and X-RateLimit-Scope; the global limit (50 requests/s per bot) yields 429 with
``global: true`` and X-RateLimit-Global. Interaction callbacks and interaction webhooks are not
subject to the global limit. discord.py reads these headers to pre-emptively wait, and retries
after a 429 only if a ``Via`` header is present (otherwise it assumes a Cloudflare ban), so the
emulator sends one.

Windows are fixed windows on the real monotonic clock because discord.py waits in real time.
With ``jitter`` set, each request reaches the limiter a random moment late, as the network and
Discord's edge make it: a client that spaces its sends evenly still sees some of them counted
together. The
default per-route window is shorter than Discord's so end-to-end tests stay fast; tests that need
the real numbers can set them with :meth:`RateLimiter.set_route_limit`.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RouteLimit:
    limit: int
    window: float


@dataclass
class RateLimitConfig:
    """Limits; change them on ``emu.ratelimits.config`` before or during a test."""

    global_limit: int = 50
    global_window: float = 1.0
    default_route: RouteLimit = RouteLimit(limit=5, window=1.0)
    routes: dict[str, RouteLimit] = field(default_factory=dict)
    #: Each request reaches the limiter up to this many seconds late (uniformly at random):
    #: the network and Discord's edge, which bunch up requests a client sent evenly.
    jitter: float = 0.0


@dataclass
class Decision:
    """Outcome of a rate-limit check: allowed or a 429, plus headers for the response."""

    allowed: bool
    headers: dict[str, str]
    retry_after: float = 0.0
    scope: str | None = None

    @property
    def is_global(self) -> bool:
        return self.scope == "global"

    def body(self) -> dict[str, object]:
        return {
            "message": "You are being rate limited.",
            "retry_after": round(self.retry_after, 3),
            "global": self.is_global,
            "code": 0,
        }


@dataclass
class _Window:
    count: int = 0
    reset_at: float = 0.0


def bucket_hash(route_key: str) -> str:
    """A stable opaque bucket id per route shape, like Discord's X-RateLimit-Bucket."""
    return hashlib.blake2b(route_key.encode(), digest_size=16).hexdigest()


class RateLimiter:
    """Tracks the global window and per-bucket windows and decides allow/429."""

    def __init__(self, config: RateLimitConfig | None = None) -> None:
        self.config = config or RateLimitConfig()
        self._global = _Window()
        self._buckets: dict[tuple[str, str], _Window] = {}
        self._shared: dict[tuple[str, str], _Window] = {}
        self._random = random.Random(0)  # noqa: S311 - timing noise, not secrets

    def set_jitter(self, seconds: float, seed: int = 0) -> None:
        """Delay each request's arrival at the limiter by up to ``seconds`` (0: off)."""
        self.config.jitter = seconds
        self._random = random.Random(seed)  # noqa: S311 - timing noise, not secrets

    def delay(self) -> float:
        """How late the next request reaches the limiter (0 when jitter is off)."""
        jitter = self.config.jitter
        return self._random.uniform(0.0, jitter) if jitter > 0 else 0.0

    def set_route_limit(self, route_key: str, limit: int, window: float) -> None:
        """Override the bucket size for ``"METHOD /template"``."""
        self.config.routes[route_key] = RouteLimit(limit, window)

    def route_limit(self, route_key: str) -> RouteLimit:
        return self.config.routes.get(route_key, self.config.default_route)

    def exhaust(
        self, route_key: str, major: str, retry_after: float, *, shared: bool = False
    ) -> None:
        """Use up a bucket as if another client (a second bot process) had just spent it.

        The next request on that bucket gets a genuine per-route 429 with scope ``user`` (or
        ``shared`` if ``shared``), which is how a well-behaved client still meets a 429.
        """
        window = _Window(
            count=self.route_limit(route_key).limit, reset_at=time.monotonic() + retry_after
        )
        (self._shared if shared else self._buckets)[(bucket_hash(route_key), major)] = window

    def check_global(self, now: float | None = None) -> Decision | None:
        """Count one request against the global limit; a 429 Decision if it is exceeded."""
        now = time.monotonic() if now is None else now
        window = self._global
        if now >= window.reset_at:
            window.count = 0
            window.reset_at = now + self.config.global_window
        if window.count >= self.config.global_limit:
            retry = window.reset_at - now
            return Decision(
                allowed=False,
                retry_after=retry,
                scope="global",
                headers={
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                    "Retry-After": str(max(1, math.ceil(retry))),
                    "Via": "1.1 google",
                },
            )
        window.count += 1
        return None

    def check_route(self, route_key: str, major: str, now: float | None = None) -> Decision:
        """Count one request against its bucket and return headers (or a 429 Decision)."""
        now = time.monotonic() if now is None else now
        spec = self.route_limit(route_key)
        bucket = bucket_hash(route_key)
        shared = self._shared.get((bucket, major))
        if shared is not None and now < shared.reset_at:
            return self._limited(spec, bucket, shared, now, scope="shared")
        window = self._buckets.setdefault((bucket, major), _Window())
        if now >= window.reset_at:
            window.count = 0
            window.reset_at = now + spec.window
        if window.count >= spec.limit:
            return self._limited(spec, bucket, window, now, scope="user")
        window.count += 1
        return Decision(allowed=True, headers=self._headers(spec, bucket, window, now))

    def _limited(
        self, spec: RouteLimit, bucket: str, window: _Window, now: float, *, scope: str
    ) -> Decision:
        retry = window.reset_at - now
        headers = self._headers(spec, bucket, window, now)
        headers.update(
            {
                "X-RateLimit-Scope": scope,
                "Retry-After": str(max(1, math.ceil(retry))),
                "Via": "1.1 google",
            }
        )
        return Decision(allowed=False, retry_after=retry, scope=scope, headers=headers)

    @staticmethod
    def _headers(spec: RouteLimit, bucket: str, window: _Window, now: float) -> dict[str, str]:
        reset_after = max(0.0, window.reset_at - now)
        return {
            "X-RateLimit-Limit": str(spec.limit),
            "X-RateLimit-Remaining": str(max(0, spec.limit - window.count)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }
