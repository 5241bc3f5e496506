"""How a deadline reads to a person: the end of a local day, never "midnight of the next".

A deadline instant is the local midnight that ends the last day (see bot/core/cadence.py).
Shown as a date, that midnight belongs to the *next* day, which is how "due November 27"
came to mean the end of November 26. Everything user-facing names the last day instead.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_JUST_BEFORE = timedelta(seconds=1)


def last_day(due_at: datetime, zone: ZoneInfo) -> date:
    """The local calendar day a deadline ends: the day whose end is `due_at`."""
    return (due_at - _JUST_BEFORE).astimezone(zone).date()


def end_of_day(due_at: datetime, zone: ZoneInfo) -> str:
    """'Sun 6 Dec': the day the learner has until the end of (add the year when needed)."""
    day = last_day(due_at, zone)
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"


def by_end_of(due_at: datetime, zone: ZoneInfo) -> str:
    return f"by end of {end_of_day(due_at, zone)}"
