"""The cadence engine: reminder schedule properties across DST, deadlines, pauses, states."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.cadence import (
    ItemState,
    Schedule,
    build_plan,
    first_reminder,
    next_reminder,
    period_key,
    resolve_local,
)
from bot.core.models import Pause, ReminderPrefs
from bot.core.pathway import Horizon, Pathway
from bot.core.progress import Track, on_track, progress

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Sao_Paulo",
    "UTC",
]
# Wall times that fall in DST gaps or overlaps in at least one of the zones above.
TRICKY_TIMES = [
    time(0, 0),
    time(0, 30),
    time(1, 30),
    time(2, 0),
    time(2, 15),
    time(2, 30),
    time(2, 45),
    time(3, 0),
    time(3, 30),
    time(23, 59),
]

times = st.one_of(
    st.sampled_from(TRICKY_TIMES),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59])),
)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by design
    max_value=datetime(2030, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


@settings(max_examples=60, deadline=None)
@given(zone=st.sampled_from(ZONES), weekday=st.integers(0, 6), at=times, start=instants)
def test_one_reminder_per_local_week_for_two_years(
    zone: str, weekday: int, at: time, start: datetime
) -> None:
    prefs = ReminderPrefs(zone, weekday, at)
    z = ZoneInfo(zone)
    slots = []
    after = start
    for _ in range(105):  # two years of weeks
        slot = next_reminder(after, prefs)
        assert slot.at > after  # strictly after
        slots.append(slot)
        after = slot.at
    # strictly increasing, exactly one per local week: intended dates 7 days apart
    for a, b in pairwise(slots):
        assert b.at > a.at
        assert b.local_date - a.local_date == timedelta(days=7)
    assert len({s.period_key for s in slots}) == len(slots)
    # none skipped before the first one
    assert slots[0].local_date - start.astimezone(z).date() <= timedelta(days=7)
    for s in slots:
        assert s.local_date.weekday() == weekday
        assert s.at.tzinfo is not None and s.at.utcoffset() == timedelta(0)
        wall = _wall(s.at, z)
        wanted = datetime.combine(s.local_date, at)
        if wall != wanted:
            # only allowed when the wanted wall time does not exist: we are at the first valid
            # minute after it, and a minute earlier the clock was still before it
            assert wall > wanted
            assert _wall(s.at - timedelta(minutes=1), z) < wanted
            assert wall - wanted <= timedelta(hours=1)
        assert s.period_key == period_key(s.local_date)


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected_local"),
    [
        ("America/New_York", date(2026, 3, 8), time(2, 30), "2026-03-08 03:00 -0400"),
        ("America/New_York", date(2026, 11, 1), time(1, 30), "2026-11-01 01:30 -0400"),
        ("Europe/London", date(2026, 3, 29), time(1, 15), "2026-03-29 02:00 +0100"),
        ("Europe/London", date(2026, 10, 25), time(1, 15), "2026-10-25 01:15 +0100"),
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 15), "2026-10-04 02:30 +1100"),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(1, 45), "2026-04-05 01:45 +1100"),
        ("Pacific/Chatham", date(2026, 9, 27), time(3, 0), "2026-09-27 03:45 +1345"),
        ("Asia/Kolkata", date(2026, 3, 8), time(2, 30), "2026-03-08 02:30 +0530"),
    ],
)
def test_gap_and_overlap_resolution(zone: str, day: date, wall: time, expected_local: str) -> None:
    z = ZoneInfo(zone)
    got = resolve_local(day, wall, z).astimezone(z).strftime("%Y-%m-%d %H:%M %z")
    assert got == expected_local


def test_naive_instant_is_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_reminder(datetime(2026, 1, 1), ReminderPrefs())  # noqa: DTZ001


def test_first_reminder_on_start_day_when_time_is_ahead() -> None:
    sched = Schedule(date(2026, 1, 5), ReminderPrefs("Europe/London", 0, time(9, 0)))
    enrolled = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert first_reminder(sched, enrolled).at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    late = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert first_reminder(sched, late).at == datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


def _at(sched: Schedule, days: float) -> datetime:
    return sched.start + timedelta(days=days)


def test_deadlines_follow_the_rules(seed: Pathway) -> None:
    sched = Schedule(date(2026, 3, 2), ReminderPrefs("America/New_York", 0, time(9, 0)))
    plan = build_plan(seed, sched, set(), _at(sched, 1))
    z = ZoneInfo("America/New_York")

    def due(item_id: str) -> str:
        s = plan.status(item_id)
        assert s is not None and s.due_at is not None
        return s.due_at.astimezone(z).strftime("%Y-%m-%d %H:%M")

    assert due("week-jupyter-setup") == "2026-03-09 00:00"  # 7 days, across the DST change
    assert due("month-join-ml-community") == "2026-04-01 00:00"  # 30 days
    assert plan.horizon_deadlines[Horizon.QUARTER].astimezone(z).strftime("%m-%d") == "05-31"
    # 90 days at every pace (issue 21): the seed's promise "starting today"; phase 3's
    # pipeline, the bigger version it starts, is due when phase 3 ends
    assert due("q-kaggle-competition") == "2026-05-31 00:00"
    assert due("p3-complete-ml-pipeline") == "2026-07-20 00:00"
    assert due("p1-andrew-ng-course") == "2026-04-13 00:00"  # phase 1 ends after 6 weeks
    # the file gives the Python libraries 3 weeks of effort, the framework basics 4
    assert due("p1-python-libraries") == "2026-03-23 00:00"
    assert due("p2-framework-fundamentals") == "2026-05-11 00:00"
    s = plan.status("p2-framework-fundamentals")
    assert s is not None and s.state is ItemState.NOT_OPEN
    skill = plan.status("skill-mlops")  # a study window: phase 4, which practises it
    assert skill is not None and skill.state is ItemState.NOT_OPEN
    assert due("skill-mlops") == due("p4-monitoring-logging")
    assert plan.week == 1 and plan.phase_index == 0
    assert plan.horizon_deadlines[Horizon.WEEK].astimezone(z).day == 9


def test_states_over_time(seed: Pathway) -> None:
    sched = Schedule(date(2026, 1, 5), ReminderPrefs())
    assert build_plan(seed, sched, set(), _at(sched, -1)).week == 0
    plan = build_plan(seed, sched, {"week-enroll-andrew-ng"}, _at(sched, 2))
    assert plan.status("week-enroll-andrew-ng").state is ItemState.DONE  # type: ignore[union-attr]
    assert plan.status("week-jupyter-setup").state is ItemState.DUE_SOON  # type: ignore[union-attr]
    # a month item on its own opens three weeks before its deadline (issue 21); a step
    # of bigger work opens with it
    assert plan.status("month-join-ml-community").state is ItemState.NOT_OPEN  # type: ignore[union-attr]
    assert plan.status("month-linear-regression-model").state is ItemState.OPEN  # type: ignore[union-attr]
    later = build_plan(seed, sched, {"week-enroll-andrew-ng"}, _at(sched, 8))
    assert later.status("week-jupyter-setup").state is ItemState.OVERDUE  # type: ignore[union-attr]
    assert later.week == 2
    track = on_track(later)
    assert track.track is Track.BEHIND and track.missing == 2 and track.due == 3
    end = build_plan(seed, sched, set(), _at(sched, 7 * 28 + 1))
    assert end.phase_index is None and end.roadmap_finished


def test_everything_done_is_complete_and_ahead(seed: Pathway) -> None:
    sched = Schedule(date(2026, 1, 5), ReminderPrefs())
    plan = build_plan(seed, sched, {i.id for i in seed.items()}, _at(sched, 3))
    prog = progress(seed, plan)
    assert prog.complete and prog.overall.done == 30
    assert prog.on_track.track is Track.AHEAD
    assert [t.total for t in prog.by_phase] == [3, 3, 3, 3, 3]
    assert prog.skills.total == 6


def test_pause_shifts_not_yet_due_deadlines(seed: Pathway) -> None:
    """Back from a two-week break, a learner is not shown as behind."""
    base = Schedule(date(2026, 1, 5), ReminderPrefs())
    start = base.start
    pause = Pause(start + timedelta(days=3), start + timedelta(days=17))
    sched = Schedule(base.start_date, base.prefs, (pause,))
    at = start + timedelta(days=18)
    unpaused = build_plan(seed, base, set(), at)
    paused = build_plan(seed, sched, set(), at)
    assert unpaused.status("week-jupyter-setup").state is ItemState.OVERDUE  # type: ignore[union-attr]
    s = paused.status("week-jupyter-setup")
    assert s is not None and s.state is ItemState.DUE_SOON
    assert s.due_at == start + timedelta(days=21)
    # three weeks in, but only one of them active: nothing has fallen due yet
    assert on_track(paused).track is Track.JUST_STARTED
    # the week counter only counts unpaused time: 18 days - 14 paused = week 1
    assert paused.week == 1


def test_running_pause_keeps_deadlines_ahead(seed: Pathway) -> None:
    base = Schedule(date(2026, 1, 5), ReminderPrefs())
    sched = Schedule(base.start_date, base.prefs, (Pause(base.start + timedelta(days=2)),))
    for days in (5, 30, 200):
        plan = build_plan(seed, sched, set(), base.start + timedelta(days=days))
        assert [s for s in plan.statuses if s.state is ItemState.OVERDUE] == []


def test_deadline_already_passed_is_not_shifted(seed: Pathway) -> None:
    base = Schedule(date(2026, 1, 5), ReminderPrefs())
    pause = Pause(base.start + timedelta(days=10), base.start + timedelta(days=12))
    sched = Schedule(base.start_date, base.prefs, (pause,))
    s = build_plan(seed, sched, set(), base.start + timedelta(days=13)).status("week-jupyter-setup")
    assert s is not None and s.due_at == base.start + timedelta(days=7)
    month = build_plan(seed, sched, set(), base.start + timedelta(days=13)).status(
        "month-join-ml-community"
    )
    assert month is not None and month.due_at == base.start + timedelta(days=32)
