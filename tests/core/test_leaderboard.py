from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.cadence import ItemState, Plan, Schedule, build_plan
from bot.core.leaderboard import (
    Entry,
    ahead_of,
    expected_by_now,
    rank,
    schedule_phrase,
    window,
)
from bot.core.models import ReminderPrefs
from bot.core.pathway import Pathway

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def test_ties_share_a_rank_and_first_to_reach_leads() -> None:
    entries = [
        Entry(1, 50, T0 + timedelta(hours=3)),
        Entry(2, 80, T0),
        Entry(3, 50, T0 + timedelta(hours=1)),
        Entry(4, 10, T0),
    ]
    ranked = rank(entries)
    assert [(r.rank, r.entry.user_id) for r in ranked] == [(1, 2), (2, 3), (2, 1), (4, 4)]


def test_viewer_sees_themselves_outside_the_top() -> None:
    ranked = rank([Entry(i, 100 - i, T0) for i in range(30)])
    head, mine = window(ranked, viewer=25)
    assert len(head) == 10 and mine is not None and mine.rank == 26
    head, mine = window(ranked, viewer=3)
    assert mine is None


def _ratio(plan: Plan) -> float:
    """What the on-schedule board computes: items done minus items expected by now."""
    done = sum(1 for s in plan.statuses if s.state is ItemState.DONE)
    return ahead_of(done, expected_by_now(plan))


def test_late_joiner_can_lead_on_schedule(seed: Pathway) -> None:
    now = datetime(2026, 9, 1, 12, tzinfo=UTC)
    spring = Schedule(date(2026, 3, 2), ReminderPrefs())
    late = Schedule(date(2026, 8, 27), ReminderPrefs())
    spring_done = [i.id for i in seed.items() if i.kind.value != "skill"][:12]
    spring_plan = build_plan(seed, spring, spring_done, now)
    late_plan = build_plan(seed, late, ["week-enroll-andrew-ng", "week-jupyter-setup"], now)
    spring_ratio, late_ratio = _ratio(spring_plan), _ratio(late_plan)
    assert late_ratio > spring_ratio
    ranked = rank([Entry(1, spring_ratio, T0), Entry(2, late_ratio, T0)])
    assert ranked[0].entry.user_id == 2


def test_on_schedule_reads_as_a_phrase_never_a_percentage() -> None:
    assert [schedule_phrase(x) for x in (2.0, 0.0, -1.0, 0.4, -0.4)] == [
        "2 ahead",
        "on schedule",
        "1 behind",
        "on schedule",
        "on schedule",
    ]
    assert ahead_of(5, 3.4) == 2.0 and ahead_of(1, 1.6) == -1.0
