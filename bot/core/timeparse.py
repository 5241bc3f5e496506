"""Parse what users type for zones, weekdays, times and dates, with helpful errors.

Everything here raises `InvalidInput` with a message a learner can act on, because these
values arrive straight from slash-command options and CLI flags.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from datetime import date, time, timedelta

from bot.core.errors import InvalidInput
from bot.core.models import ReminderPrefs
from bot.core.untrusted import quote_input

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: How far from today a start date may be: further is almost certainly a typo.
MAX_START_OFFSET = timedelta(days=366)


@functools.cache
def all_zones() -> tuple[str, ...]:
    """Every IANA zone name tzdata knows, sorted; cached because the scan reads many files."""
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))


@functools.cache
def _zones_by_lower() -> dict[str, str]:
    return {z.lower(): z for z in all_zones()}


def parse_zone(name: str) -> zoneinfo.ZoneInfo:
    """An IANA zone by name, case-insensitively; suggests close names when unknown."""
    cleaned = name.strip().replace(" ", "_")
    canonical = _zones_by_lower().get(cleaned.lower())
    if canonical is None:
        close = difflib.get_close_matches(cleaned.lower(), list(_zones_by_lower()), n=3, cutoff=0.6)
        hint = (
            " Did you mean " + " or ".join(f"`{_zones_by_lower()[c]}`" for c in close) + "?"
            if close
            else " Use an IANA name such as `Europe/London` or `America/New_York`."
        )
        raise InvalidInput(f"Unknown time zone {quote_input(name, 60)}.{hint}")
    return zoneinfo.ZoneInfo(canonical)


def search_zones(query: str, limit: int = 25) -> list[str]:
    """Zone names for autocomplete: prefix matches on any path segment first, then substrings."""
    q = query.strip().lower().replace(" ", "_")
    zones = all_zones()
    if not q:
        popular = (
            "UTC",
            "Europe/London",
            "Europe/Berlin",
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "Asia/Kolkata",
            "Asia/Tokyo",
            "Australia/Sydney",
            "America/Sao_Paulo",
        )
        return list(popular[:limit])
    starts = [z for z in zones if any(part.startswith(q) for part in z.lower().split("/"))]
    starts.sort(key=lambda z: (not z.lower().startswith(q), len(z), z))
    rest = [z for z in zones if q in z.lower() and z not in starts]
    return (starts + rest)[:limit]


def parse_weekday(text: str) -> int:
    """0 = Monday. Accepts 'mon', 'Monday', 'MON', or a digit 1-7 (ISO, Monday = 1)."""
    t = text.strip().lower()
    if t.isascii() and t.isdigit() and 1 <= int(t) <= 7:
        return int(t) - 1
    for i, name in enumerate(WEEKDAYS):
        if len(t) >= 2 and name.startswith(t):
            return i
    raise InvalidInput(
        f"{quote_input(text, 20)} is not a day of the week. "
        "Use mon, tue, wed, thu, fri, sat or sun."
    )


_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?$")


def parse_time(text: str) -> time:
    """A wall-clock time: '09:00', '9:30', '21.15', '7pm', '7:30 am'."""
    t = text.strip().lower()
    m = _TIME_RE.match(t)
    if m:
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        suffix = m.group(3)
        if suffix:
            if not 1 <= hour <= 12:
                hour = 99
            elif suffix == "am":
                hour = 0 if hour == 12 else hour
            else:
                hour = 12 if hour == 12 else hour + 12
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            return time(hour, minute)
    raise InvalidInput(
        f"{quote_input(text, 20)} is not a time of day. "
        "Use 24-hour HH:MM such as `09:00` or `18:30`."
    )


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{quote_input(text, 20)} is not a date. Use YYYY-MM-DD, for example `2026-01-05`."
        ) from None


def check_start_date(start: date, today: date) -> date:
    """A start date must be within a year of today either way; further is a typo."""
    if abs(start - today) > MAX_START_OFFSET:
        raise InvalidInput(
            f"A start date of {start.isoformat()} is more than a year from today "
            f"({today.isoformat()}). Pick a date within a year."
        )
    return start


def override_prefs(
    base: ReminderPrefs, day: str | None, at: str | None, timezone: str | None
) -> ReminderPrefs:
    """`base` with whichever of day, time and zone the user typed; every value is checked
    before anything is built, so a bad one changes nothing."""
    return ReminderPrefs(
        tz=parse_zone(timezone).key if timezone else base.tz,
        weekday=parse_weekday(day) if day else base.weekday,
        at=parse_time(at) if at else base.at,
    )


def weekday_name(weekday: int) -> str:
    return WEEKDAYS[weekday].capitalize()
