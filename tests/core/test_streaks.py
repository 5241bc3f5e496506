from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.cadence import ItemState, ItemStatus
from bot.core.models import Pause
from bot.core.pathway import CheckableItem, ItemKind
from bot.core.points import points_for
from bot.core.streaks import current_streak

NY = ZoneInfo("America/New_York")
MON = datetime(2026, 6, 1, 15, tzinfo=UTC)  # a Monday


def test_consecutive_weeks() -> None:
    done = [MON, MON + timedelta(days=7), MON + timedelta(days=15)]
    assert current_streak(done, NY, MON + timedelta(days=16)) == 3
    # this week empty so far: the streak still runs to last week
    assert current_streak(done, NY, MON + timedelta(days=22)) == 3
    # a whole empty week breaks it
    assert current_streak(done, NY, MON + timedelta(days=29)) == 0


def test_weeks_are_local_not_utc() -> None:
    # Sunday 23:30 in New York is Monday 03:30 UTC: it belongs to the local week before.
    sunday_late = datetime(2026, 6, 8, 3, 30, tzinfo=UTC)
    previous_week = datetime(2026, 6, 1, 15, tzinfo=UTC)
    now = datetime(2026, 6, 8, 12, tzinfo=UTC)
    assert current_streak([sunday_late, previous_week], NY, now) == 1
    assert current_streak([sunday_late, previous_week], ZoneInfo("UTC"), now) == 2


def test_paused_week_does_not_break() -> None:
    done = [MON, MON + timedelta(days=14)]
    now = MON + timedelta(days=15)
    assert current_streak(done, NY, now) == 1
    pause = Pause(MON + timedelta(days=7), MON + timedelta(days=9))
    assert current_streak(done, NY, now, pauses=[pause]) == 2
    assert current_streak([], NY, now, started=date(2026, 6, 1)) == 0


def test_points_and_on_time_bonus() -> None:
    item = CheckableItem("x", ItemKind.TASK, "X", 20)
    due = MON + timedelta(days=3)
    status = ItemStatus(item, ItemState.OPEN, MON, due)
    assert points_for(status, due - timedelta(seconds=1)) == 30
    assert points_for(status, due) == 20
    skill = ItemStatus(CheckableItem("s", ItemKind.SKILL, "S", 30), ItemState.OPEN, MON, None)
    assert points_for(skill, MON) == 30
