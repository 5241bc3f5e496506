"""How the outbox retries: one rule for reminders, fallbacks and digests alike."""

from __future__ import annotations

from datetime import timedelta

MAX_ATTEMPTS = 5
# A claim not marked by then counts as abandoned (its sender crashed) and is resent with the
# same nonce; should the sender merely be slow, Discord returns its message instead of a copy.
ABANDON_AFTER = timedelta(seconds=10)


def backoff(attempts: int, base: float = 30.0) -> timedelta:
    """base, 2 x base, 4 x base, ... capped at an hour (30 s, 1 min, 2 min by default)."""
    return timedelta(seconds=min(3600.0, base * 2 ** max(0, attempts)))
