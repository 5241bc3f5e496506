"""How a deadline reads to a person: the end of a local day, never "midnight of the next".

A deadline instant is the local midnight that ends the last day (see bot/core/cadence.py).
Shown as a date, that midnight belongs to the *next* day, which is how "due November 27"
came to mean the end of November 26. Everything user-facing names the last day instead.

One date style everywhere: "Sun 6 Dec", with the year added whenever the day is not in the
current year ("Sun 28 Nov 2027"). The core has no clock, so a caller passes `now`; without it
the year is always shown, which is never wrong.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_JUST_BEFORE = timedelta(seconds=1)


def last_day(due_at: datetime, zone: ZoneInfo) -> date:
    """The local calendar day a deadline ends: the day whose end is `due_at`."""
    return (due_at - _JUST_BEFORE).astimezone(zone).date()


def day_text(day: date, now: datetime | None = None, zone: ZoneInfo | None = None) -> str:
    """'Sun 6 Dec', or 'Sun 6 Dec 2027' when the day is not in the current year (`now`, in
    `zone`; always with the year when `now` is not given)."""
    text = f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"
    this_year = None if now is None else (now.astimezone(zone) if zone else now).year
    return text if day.year == this_year else f"{text} {day.year}"


def end_of_day(due_at: datetime, zone: ZoneInfo, now: datetime | None = None) -> str:
    """'Sun 6 Dec': the day the learner has until the end of (with the year when needed)."""
    return day_text(last_day(due_at, zone), now, zone)


def by_end_of(due_at: datetime, zone: ZoneInfo, now: datetime | None = None) -> str:
    return f"by end of {end_of_day(due_at, zone, now)}"
