"""A pause moves deadlines by whole local calendar days (issue 22, point 1).

The days counted are those from the pause's local date to the resume's local date, so a
deadline still ends at the end of a local day, also across a DST change, and a pause resumed
on the day it began moves nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.cadence import Schedule, build_plan, pause_days, resolve_local
from bot.core.models import Pause, ReminderPrefs
from bot.core.pathway import Pathway

PAUSE = timedelta(days=3, hours=5)


def _dues(seed: Pathway, sched: Schedule, at: datetime) -> dict[str, datetime]:
    plan = build_plan(seed, sched, set(), at)
    return {s.item.id: s.due_at for s in plan.statuses if s.due_at is not None}


@pytest.mark.parametrize(
    ("zone", "start_day", "pause_local"),
    [
        # Europe/London leaves summer time on Sun 25 Oct 2026: the pause spans it.
        (
            "Europe/London",
            date(2026, 10, 19),
            datetime(2026, 10, 23, 21, 0, tzinfo=ZoneInfo("Europe/London")),
        ),
        (
            "Asia/Tokyo",
            date(2026, 11, 30),
            datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")),
        ),
        (
            "America/New_York",
            date(2026, 10, 26),
            datetime(2026, 10, 30, 22, 30, tzinfo=ZoneInfo("America/New_York")),
        ),
    ],
)
def test_pause_moves_deadlines_by_local_calendar_days(
    seed: Pathway, zone: str, start_day: date, pause_local: datetime
) -> None:
    tz = ZoneInfo(zone)
    prefs = ReminderPrefs(zone)
    began = pause_local
    ended = began + PAUSE
    days = (ended.astimezone(tz).date() - began.astimezone(tz).date()).days
    assert days in (3, 4)
    plain = Schedule(start_day, prefs)
    paused = Schedule(start_day, prefs, (Pause(began, ended),))
    at = ended + timedelta(minutes=1)
    before, after = _dues(seed, plain, at), _dues(seed, paused, at)
    moved = 0
    for item_id, due in before.items():
        shifted = after[item_id]
        local = shifted.astimezone(tz)
        assert (local.hour, local.minute, local.second) == (0, 0, 0), (item_id, local)
        if due <= began:
            assert shifted == due
            continue
        moved += 1
        expected = resolve_local(due.astimezone(tz).date() + timedelta(days=days), time(0), tz)
        assert shifted == expected, item_id
    assert moved > 5


def test_same_day_pause_and_resume_moves_nothing(seed: Pathway) -> None:
    tz = ZoneInfo("Europe/London")
    plain = Schedule(date(2026, 12, 28), ReminderPrefs("Europe/London"))
    began = datetime(2027, 1, 4, 15, 0, tzinfo=tz)
    for length in (timedelta(seconds=1), timedelta(hours=8, minutes=59)):
        paused = Schedule(plain.start_date, plain.prefs, (Pause(began, began + length),))
        at = began + length + timedelta(seconds=1)
        assert _dues(seed, paused, at) == _dues(seed, plain, at)


def test_running_pause_counts_whole_days_so_far() -> None:
    tz = ZoneInfo("Asia/Tokyo")
    began = datetime(2026, 12, 1, 23, 0, tzinfo=tz)
    running = Pause(began)
    assert pause_days(running, began + timedelta(hours=0, minutes=30), tz) == 0
    assert pause_days(running, began + timedelta(hours=1, minutes=1), tz) == 1
    assert pause_days(running, began + PAUSE, tz) == 4
