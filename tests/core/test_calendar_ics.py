"""/me calendar's file: parses back with icalendar, one event per open deadline on its
last local day (across DST), phases spanning their weeks, the weekly slot in the IANA zone."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from bot.core.cadence import ItemState, Schedule, build_plan, next_reminder
from bot.core.calendar_entries import entries_for
from bot.core.calendar_ics import to_ics
from bot.core.deadlines import last_day
from bot.core.models import Pause, ReminderPrefs
from bot.core.pathway import Pathway

ZONE = "America/New_York"
PREFS = ReminderPrefs(tz=ZONE, weekday=2, at=time(18, 30))


def _export(seed: Pathway, schedule: Schedule, at: datetime, done: set[str]) -> bytes:
    plan = build_plan(seed, schedule, done, at)
    entries = entries_for(
        seed,
        7,
        plan,
        next_reminder=next_reminder(at, schedule.prefs).at,
        reminder_at=schedule.prefs.at,
        tz=schedule.prefs.tz,
    )
    return to_ics([entries], name="test", stamp=at)


def _deadlines(cal: icalendar.Calendar) -> dict[str, date]:
    out: dict[str, date] = {}
    uids = Counter()
    for ev in cal.walk("VEVENT"):
        if "Deadline" in str(ev.get("categories").to_ical()):
            uid = str(ev["uid"])
            uids[uid] += 1
            start = ev.decoded("dtstart")
            assert type(start) is date  # an all-day event, not a timed one
            assert ev.decoded("dtend") == start + timedelta(days=1)
            out[uid] = start
    assert all(n == 1 for n in uids.values()), uids
    return out


def test_every_open_deadline_once_on_its_local_day_across_dst(seed: Pathway) -> None:
    # Start in late October: the first deadlines straddle the 1 Nov 2026 fall-back change.
    schedule = Schedule(date(2026, 10, 26), PREFS)
    at = datetime(2026, 10, 27, 15, tzinfo=UTC)
    done = {"week-jupyter-setup"}
    cal = icalendar.Calendar.from_ical(_export(seed, schedule, at, done))
    plan = build_plan(seed, schedule, done, at)
    zone = ZoneInfo(ZONE)
    expected = {
        f"item.{s.item.id}.e7@pathway-bot": last_day(s.due_at, zone)
        for s in plan.statuses
        if s.state is not ItemState.DONE and s.due_at is not None
    }
    assert expected and "item.week-jupyter-setup.e7@pathway-bot" not in expected
    assert _deadlines(cal) == expected
    # The first week's items end on Sunday 1 Nov, the DST day itself, not Monday 2 Nov.
    assert date(2026, 11, 1) in expected.values()
    # Phases span their weeks, back to back.
    phases = sorted(
        (ev.decoded("dtstart"), ev.decoded("dtend"))
        for ev in cal.walk("VEVENT")
        if "Phase" in str(ev.get("categories").to_ical())
    )
    assert len(phases) == len(seed.roadmap.phases)
    assert phases[0][0] == date(2026, 10, 26)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(phases))


def test_weekly_reminder_recurs_in_the_learners_zone(seed: Pathway) -> None:
    at = datetime(2026, 10, 27, 15, tzinfo=UTC)
    raw = _export(seed, Schedule(date(2026, 10, 26), PREFS), at, set())
    cal = icalendar.Calendar.from_ical(raw)
    (weekly,) = [e for e in cal.walk("VEVENT") if "RRULE" in e]
    start = weekly.decoded("dtstart")
    assert start.tzinfo is not None and str(start.tzinfo) == ZONE
    assert (start.date(), start.time()) == (date(2026, 10, 28), time(18, 30))
    assert weekly["rrule"]["FREQ"] == ["WEEKLY"] and weekly["rrule"]["BYDAY"] == ["WE"]
    assert b"TZID=America/New_York" in raw
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == [ZONE]


def test_a_pause_moves_the_deadlines(seed: Pathway) -> None:
    start = date(2026, 1, 5)
    at = datetime(2026, 2, 20, 12, tzinfo=UTC)
    plain = _deadlines(
        icalendar.Calendar.from_ical(_export(seed, Schedule(start, PREFS), at, set()))
    )
    pause = Pause(datetime(2026, 2, 1, 12, tzinfo=UTC), datetime(2026, 2, 15, 12, tzinfo=UTC))
    paused = _deadlines(
        icalendar.Calendar.from_ical(_export(seed, Schedule(start, PREFS, (pause,)), at, set()))
    )
    assert plain.keys() == paused.keys()
    # Pauses shift by elapsed time: past the March DST change a shifted deadline is 01:00
    # local, so its last day is one later. Either way it moved by the two weeks away.
    moved = [uid for uid in plain if (paused[uid] - plain[uid]).days in (14, 15)]
    unmoved = [uid for uid in plain if paused[uid] == plain[uid]]
    assert moved and len(moved) + len(unmoved) == len(plain)
    assert all(plain[uid] < date(2026, 2, 1) for uid in unmoved)
