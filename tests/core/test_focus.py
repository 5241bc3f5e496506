"""The weekly plan: every reminder of the timeline names a focus, and nobody is falsely behind.

Properties over the seed at every pace, in zones with DST gaps and odd offsets, from any
start date and reminder weekday: the contract that `preview --json` and the DM both follow.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.cadence import ItemState, Schedule, build_plan
from bot.core.focus import FOCUS_LIMIT, weekly_focus
from bot.core.journey import Learner, completion_times, default_weeks, simulate
from bot.core.layout import paces
from bot.core.models import ReminderPrefs
from bot.core.pathway import Pathway
from bot.core.reminder import Status

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"]
PACES = ["as-written", "9-months", "12-months"]


def _schedule(start: date, zone: str, weekday: int, pace: str) -> Schedule:
    return Schedule(start, ReminderPrefs(zone, weekday, time(9, 0)), pace=pace)


@settings(max_examples=40, deadline=None)
@given(
    start=st.dates(date(2026, 1, 1), date(2028, 12, 31)),
    zone=st.sampled_from(ZONES),
    pace=st.sampled_from(PACES),
)
def test_on_time_learner_always_has_a_focus_and_is_never_behind(
    seed: Pathway, start: date, zone: str, pace: str
) -> None:
    schedule = _schedule(start, zone, start.weekday(), pace)
    reminders = simulate(seed, schedule, default_weeks(seed, schedule), Learner.ON_TIME)
    due_at = {s.item.id: s.due_at for s in build_plan(seed, schedule, (), schedule.start).statuses}
    first_focus: dict[str, object] = {}
    end = reminders[0].content.timeline_end
    assert end is not None
    for r in reminders:
        c = r.content
        assert c.status is not Status.BEHIND, (r.slot, c.overdue)
        assert len(c.focus) <= FOCUS_LIMIT
        if r.slot.at < end and not c.progress.complete:
            assert c.focus, f"week {c.week} names nothing"
        # Linked work (issue 21) shows as one line: an item is named by its line or its links.
        for line in c.lines:
            for item_id in (line.id, *line.linked):
                first_focus.setdefault(item_id, r.slot.at)
    for item in seed.items():
        assert item.id in first_focus, item.id
        assert first_focus[item.id] < due_at[item.id]  # type: ignore[operator]
    assert reminders[-1].content.status is Status.COMPLETE
    # the last phase ends within a week of the chosen timeline's end (here: exactly on it)
    last_phase_end = build_plan(seed, schedule, (), schedule.start).phase_windows[-1][1]
    assert abs(last_phase_end - end) <= timedelta(days=7)


@settings(max_examples=30, deadline=None)
@given(
    start=st.dates(date(2026, 1, 1), date(2028, 12, 31)),
    zone=st.sampled_from(ZONES),
    weekday=st.integers(0, 6),
    pace=st.sampled_from(PACES),
)
def test_idle_learner_is_behind_only_after_a_deadline(
    seed: Pathway, start: date, zone: str, weekday: int, pace: str
) -> None:
    schedule = _schedule(start, zone, weekday, pace)
    reminders = simulate(seed, schedule, default_weeks(seed, schedule), Learner.IDLE)
    first = reminders[0].content
    assert 1 <= len(first.focus) <= FOCUS_LIMIT
    assert first.status is Status.JUST_STARTED
    deadlines = sorted(
        s.due_at for s in build_plan(seed, schedule, (), schedule.start).statuses if s.due_at
    )
    for r in reminders:
        behind = r.content.status is Status.BEHIND
        assert behind == (r.slot.at >= deadlines[0]), r.slot
        assert r.content.focus  # an idle learner always has something to do


def test_focus_puts_two_overdue_first_then_what_is_current(seed: Pathway) -> None:
    schedule = _schedule(date(2026, 12, 7), "UTC", 0, "9-months")
    plan = build_plan(seed, schedule, (), schedule.start + timedelta(days=70))
    focus = weekly_focus(plan)
    assert [s.state for s in focus[:2]] == [ItemState.OVERDUE] * 2
    assert focus[2].state is not ItemState.OVERDUE  # the current phase still shows


def test_focus_offers_a_head_start_when_everything_open_is_done(seed: Pathway) -> None:
    schedule = _schedule(date(2026, 12, 7), "UTC", 0, "as-written")
    at = schedule.start + timedelta(days=40)
    opened = {s.item.id for s in build_plan(seed, schedule, (), at).statuses if s.opens_at <= at}
    plan = build_plan(seed, schedule, opened, at)
    focus = weekly_focus(plan)
    assert focus and all(s.state is ItemState.NOT_OPEN for s in focus)
    phase_two = plan.phase_windows[1][0]  # day 42: phase 2 and the skills it practises
    assert {s.opens_at for s in focus} == {phase_two}


def test_focus_is_empty_only_when_everything_is_done(seed: Pathway) -> None:
    schedule = _schedule(date(2026, 12, 7), "UTC", 0, "as-written")
    plan = build_plan(seed, schedule, {i.id for i in seed.items()}, schedule.start)
    assert weekly_focus(plan) == []


def test_on_time_learner_completes_the_day_before_each_deadline(seed: Pathway) -> None:
    schedule = _schedule(date(2026, 12, 7), "Europe/Berlin", 0, "9-months")
    times = completion_times(seed, schedule)
    week_item = times["week-jupyter-setup"].astimezone(schedule.zone)
    assert week_item.date() == date(2026, 12, 12)  # due by end of Sun 13 Dec


def test_every_pace_is_offered_and_simulated(seed: Pathway) -> None:
    assert paces(seed) == PACES
