"""One adjustment to discord.py's HTTP client for bulk DMs.

discord.py keeps a rate-limit bucket per route and channel, and once it holds 256 buckets it
scans all of them for stale ones every time it creates another. A weekly fan-out creates one
bucket per learner's DM channel, so that scan makes a fan-out quadratic: 10,000 reminders
cost about 50 million checks. We run the same cleanup at most once per 256 new buckets, which
keeps memory bounded the same way and the fan-out linear. This touches a private method of
discord.py 2.7 (pinned in pyproject.toml); if it disappears, the bot falls back to stock.
"""

from __future__ import annotations

import logging

import discord

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
