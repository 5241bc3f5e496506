"""Conversions between domain values and the column encodings chosen in 001-init.sql.

Instants are stored as integer microseconds since the Unix epoch: compact, index-friendly,
ordered like time, and exact for Python datetimes, so a value read back equals the one stored.
Everything read back is a timezone-aware UTC datetime; a naive datetime is refused on the way
in, because guessing its zone is how reminders end up an hour off.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from bot.core.models import ReminderPrefs

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

# Sentinels for open-ended ranges, so one SQL text serves bounded and unbounded queries.
MIN_INSTANT = -(2**63)
MAX_INSTANT = 2**63 - 1


def instant(value: datetime) -> int:
    """Encode an aware datetime; raise ValueError for a naive one (a programming error)."""
    if value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware instant")
    return (value - _EPOCH) // _MICROSECOND


def opt_instant(value: datetime | None) -> int | None:
    return None if value is None else instant(value)


def from_instant(value: int) -> datetime:
    return _EPOCH + value * _MICROSECOND


def opt_from_instant(value: int | None) -> datetime | None:
    return None if value is None else from_instant(value)


def day(value: date) -> str:
    return value.isoformat()


def from_day(value: str) -> date:
    return date.fromisoformat(value)


def wall_time(value: time) -> str:
    """Encode a local wall time; it must be naive because its zone is stored beside it."""
    if value.tzinfo is not None:
        raise ValueError(f"reminder time {value!r} must be naive: its zone is stored separately")
    return value.isoformat()


@lru_cache(maxsize=4096)
def prefs_from_columns(tz: str, weekday: int, at: str) -> ReminderPrefs:
    """Cached: learners share few distinct preferences, and ReminderPrefs is immutable."""
    return ReminderPrefs(tz=tz, weekday=weekday, at=time.fromisoformat(at))
