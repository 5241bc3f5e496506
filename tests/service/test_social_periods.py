"""Leaderboard periods are local weeks and months, not UTC ones."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.leaderboard import Period
from bot.service.social import period_window


def test_week_starts_on_local_monday() -> None:
    # Sunday 23:30 in New York is already Monday in UTC
    now = datetime(2026, 3, 9, 3, 30, tzinfo=UTC)
    since, until = period_window(Period.WEEK, now, "America/New_York")
    assert since == datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # Mon 00:00 EST
    assert until == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)  # Mon 00:00 EDT, after the change
    since_utc, _ = period_window(Period.WEEK, now, "UTC")
    assert since_utc == datetime(2026, 3, 9, tzinfo=UTC)


def test_month_at_the_date_line() -> None:
    now = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)  # already 1 February in Auckland
    since, until = period_window(Period.MONTH, now, "Pacific/Auckland")
    assert since == datetime(2026, 1, 31, 11, 0, tzinfo=UTC)
    assert until == datetime(2026, 2, 28, 11, 0, tzinfo=UTC)
    assert period_window(Period.ALL, now, "UTC") == (None, None)
