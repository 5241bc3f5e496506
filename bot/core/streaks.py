"""Streaks: consecutive local weeks with at least one completion.

Weeks are the learner's ISO weeks in their own zone, not UTC. A week with any paused time
neither breaks nor extends a streak. The current week only counts once it has a completion:
until then it is still in progress and the streak runs up to last week.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.models import Pause


def _week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _week_touches_pause(
    monday: date, zone: ZoneInfo, pauses: Sequence[Pause], now: datetime
) -> bool:
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    for p in pauses:
        p_end = p.end if p.end is not None else now
        if p.start < end and p_end > start:
            return True
    return False


def current_streak(
    completed_at: Iterable[datetime],
    zone: ZoneInfo,
    now: datetime,
    pauses: Sequence[Pause] = (),
    started: date | None = None,
) -> int:
    """Weeks in the current run, counted back from this week (or last, if this one is empty)."""
    weeks = {_week_start(t.astimezone(zone).date()) for t in completed_at}
    if not weeks:
        return 0
    week = _week_start(now.astimezone(zone).date())
    earliest = min(weeks)
    floor = min(earliest, _week_start(started)) if started is not None else earliest
    streak = 0
    if week in weeks:
        streak += 1
    week -= timedelta(days=7)
    while week >= floor:
        if week in weeks:
            streak += 1
        elif not _week_touches_pause(week, zone, pauses, now):
            break
        week -= timedelta(days=7)
    return streak
