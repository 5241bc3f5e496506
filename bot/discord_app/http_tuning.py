"""Two adjustments to discord.py's HTTP client for bulk DMs.

discord.py keeps a rate-limit bucket per route and channel, and once it holds 256 buckets it
scans all of them for stale ones every time it creates another. A weekly fan-out creates one
bucket per learner's DM channel, so that scan makes a fan-out quadratic: 10,000 reminders
cost about 50 million checks. We run the same cleanup at most once per 256 new buckets, which
keeps memory bounded the same way and the fan-out linear. This touches a private method of
discord.py 2.7 (pinned in pyproject.toml); if it disappears, the bot falls back to stock.

And the answers' rate-limit headers feed our own pacing (`pace_from_answers`): the per-route
buckets of the requests we bulk-send (bot/delivery/buckets.py), and a global 429 stops our
throttle too, not only the request discord.py retries.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from types import SimpleNamespace

import aiohttp
import discord

from bot.delivery.buckets import RouteBuckets
from bot.delivery.throttle import Throttle, in_slot

log = logging.getLogger(__name__)


def amortise_bucket_cleanup(http: discord.http.HTTPClient, every: int = 256) -> bool:
    original = getattr(http, "_try_clear_expired_ratelimits", None)
    if original is None:
        log.info("discord.py has no bucket cleanup hook; leaving its HTTP client as it is")
        return False
    created = 0

    def cleanup() -> None:
        nonlocal created
        created += 1
        if created >= every:
            created = 0
            original()

    http._try_clear_expired_ratelimits = cleanup  # type: ignore[method-assign]
    return True


#: Routes that use the interaction's or webhook's token: Discord exempts them from the
#: global limit ("interaction endpoints are not bound to the global rate limit").
GLOBAL_EXEMPT = ("interactions", "webhooks")

#: The pacing bucket (`RouteBuckets` key) of the request being made in this task, if any:
#: set by the notifier around a paced request, read by the answer hook below.
PACED_BUCKET: ContextVar[str | None] = ContextVar("paced_bucket", default=None)


def _seconds(value: str | None, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def pace_from_answers(
    http: discord.http.HTTPClient, throttle: Throttle, buckets: RouteBuckets
) -> None:
    """Feed the pacing objects from every answer, through aiohttp's public trace hooks
    (discord.py's HTTPClient takes them as `http_trace`). Must run before login: the
    session reads the trace when it is made.

    - A paced request's answer (PACED_BUCKET set) gives its bucket's X-RateLimit-Limit,
      -Remaining and -Reset-After to `buckets`; a 429 on that bucket blocks it for its
      Reset-After (or Retry-After).
    - A REST request made outside the throttle (an edit after a ✅ click, a member fetch)
      still counts toward the global limit: it holds a throttle slot while in flight and
      for a second after, like a paced one, so the bulk sends make room for it. Interaction
      and webhook routes are exempt from the global limit and are not counted.
    - A global 429 (X-RateLimit-Global, or X-RateLimit-Scope: global: another process spent
      the token's budget) holds the throttle: it hands out nothing until it is over, while
      discord.py sleeps and retries the request itself. The wait is Retry-After (whole
      seconds, rounded up): the JSON body's exact figure is read after this hook, and
      waiting up to a second too long once is cheaper than a second 429.
    """
    trace = http.http_trace or aiohttp.TraceConfig()

    async def request_start(
        _session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        path = params.url.path
        if in_slot() or "/api/" not in path:
            return  # paced already, or not a REST call (the gateway, the CDN)
        if any(f"/{prefix}/" in path for prefix in GLOBAL_EXEMPT):
            return
        context.unpaced = True
        throttle.unpaced_started()

    async def request_done(
        _session: aiohttp.ClientSession, context: SimpleNamespace, _params: object
    ) -> None:
        if getattr(context, "unpaced", False):
            context.unpaced = False
            throttle.unpaced_ended()

    async def request_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        await request_done(session, context, params)
        response = params.response
        headers = response.headers
        if response.status == 429 and (
            headers.get("X-RateLimit-Scope") == "global"
            or headers.get("X-RateLimit-Global", "").lower() == "true"
        ):
            throttle.hold(_seconds(headers.get("Retry-After"), 1.0))
            return
        key = PACED_BUCKET.get()
        if key is None or "X-RateLimit-Limit" not in headers:
            return
        reset_after = _seconds(headers.get("X-RateLimit-Reset-After"), 0.0)
        remaining = int(_seconds(headers.get("X-RateLimit-Remaining"), 0.0))
        if response.status == 429:
            remaining = 0
            reset_after = max(reset_after, _seconds(headers.get("Retry-After"), 1.0))
        limit = int(_seconds(headers.get("X-RateLimit-Limit"), 0.0))
        buckets.observe(key, limit, remaining, reset_after)

    trace.on_request_start.append(request_start)
    trace.on_request_end.append(request_end)
    trace.on_request_exception.append(request_done)
    http.http_trace = trace
