"""When a server's weekly digests post: at its default reminder weekday, time and zone, or
Monday 09:00 UTC when it set none.

One rule, used by the digest sweep (bot/delivery/digests.py) and by the replies that tell an
admin when the next digest comes, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core import cadence
from bot.core.models import GuildSettings, ReminderPrefs

DEFAULT_DIGEST = ReminderPrefs()  # Monday 09:00 UTC
#: A digest whose slot passed longer ago than this waits for next week's slot (after setting
#: up a digest channel mid-week, or after a long outage) instead of arriving days late.
CATCH_UP = timedelta(days=1)


def digest_prefs(settings: GuildSettings) -> ReminderPrefs:
    """The weekday, time and zone a server's digests follow: its reminder defaults."""
    return settings.default_prefs or DEFAULT_DIGEST


def current_slot(prefs: ReminderPrefs, now: datetime) -> cadence.ReminderSlot:
    """The most recent weekly slot at or before `now`."""
    return cadence.next_reminder(now - timedelta(days=7), prefs)


def is_due(slot: cadence.ReminderSlot, now: datetime) -> bool:
    """Whether this week's digests may still go out: the slot has come, not long ago."""
    return slot.at <= now and now - slot.at <= CATCH_UP


@dataclass(frozen=True, slots=True)
class DigestTiming:
    """What to tell an admin about a server's digests at one instant."""

    prefs: ReminderPrefs
    next_at: datetime  # the next weekly slot strictly after now
    # This week's slot passed less than CATCH_UP ago (its instant): a digest not yet posted
    # for it goes out at the sweep's next check, before `next_at`.
    catching_up: datetime | None


def digest_timing(settings: GuildSettings, now: datetime) -> DigestTiming:
    prefs = digest_prefs(settings)
    slot = current_slot(prefs, now)
    return DigestTiming(
        prefs=prefs,
        next_at=cadence.next_reminder(now, prefs).at,
        catching_up=slot.at if is_due(slot, now) else None,
    )
