"""How the outbox retries and leases: one rule for reminders, fallbacks and digests alike."""

from __future__ import annotations

from datetime import timedelta

MAX_ATTEMPTS = 5
# A claim is a lease: nobody else sends the row before it ends. A sender gives each send at
# most SEND_WINDOW from the claim (a slow send past it is abandoned and counted as a failed
# attempt), so a lease that runs out means its sender is gone (crashed, killed, lost the
# sender lock): the next sweep takes a new lease on the row and sends it again, with the same
# nonce. The margin covers recording the batch after its sends.
SEND_WINDOW = timedelta(seconds=30)
LEASE = timedelta(seconds=45)
#: Kept for callers that name the lease by its old meaning: when a claim counts as abandoned.
ABANDON_AFTER = LEASE
#: An error nobody foresaw is not retried at once, whatever RETRY_BASE_SECONDS says: the same
#: row raising on every sweep must not crowd out the others.
MIN_UNEXPECTED_BACKOFF = timedelta(seconds=1)


def backoff(attempts: int, base: float = 30.0) -> timedelta:
    """base, 2 x base, 4 x base, ... capped at an hour (30 s, 1 min, 2 min by default)."""
    return timedelta(seconds=min(3600.0, base * 2 ** max(0, attempts)))
