"""Milestones: what an admin may type, and that each is reached by doing its work."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.cadence import Schedule, build_plan
from bot.core.errors import InvalidInput
from bot.core.milestones import Milestone, MilestoneKind, choices, from_key, parse_milestone
from bot.core.pathway import Pathway
from bot.core.progress import progress


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("first week", "first-week"),
        ("First-Month", "first-month"),
        (" day  90 ", "day-90"),
        ("phase 3", "phase-3"),
        ("phase-5", "phase-5"),
        ("pathway complete", "pathway-complete"),
    ],
)
def test_typed_names_parse_and_round_trip(typed: str, key: str) -> None:
    m = parse_milestone(typed, max_phase=5)
    assert m.key == key and from_key(key) == m and parse_milestone(m.label, 5) == m


@pytest.mark.parametrize("typed", ["phase 6", "phase 0", "week 2", "", "done"])
def test_unknown_milestones_are_refused_with_the_choices(typed: str) -> None:
    with pytest.raises(InvalidInput):
        parse_milestone(typed, max_phase=5)


def test_choices_list_every_phase_between_the_horizons_and_completion() -> None:
    labels = [m.label for m in choices(3)]
    assert labels == [
        "first week",
        "first month",
        "day 90",
        "phase 1",
        "phase 2",
        "phase 3",
        "pathway complete",
    ]


def test_reached_by_doing_the_work_not_by_the_calendar(seed: Pathway) -> None:
    schedule = Schedule(date(2026, 1, 5))
    late = datetime(2026, 3, 1, tzinfo=UTC)  # long past the first week's deadline
    week = Milestone(MilestoneKind.FIRST_WEEK)
    idle = progress(seed, build_plan(seed, schedule, (), late))
    assert not week.reached(idle)
    first_week = {t.id for t in seed.action_plan.this_week}
    busy = progress(seed, build_plan(seed, schedule, first_week, late))
    assert week.reached(busy) and not Milestone(MilestoneKind.FIRST_MONTH).reached(busy)
    phase1 = {t.id for t in seed.roadmap.phases[0].tasks}
    both = progress(seed, build_plan(seed, schedule, phase1, late))
    assert Milestone(MilestoneKind.PHASE, 1).reached(both)
    assert not Milestone(MilestoneKind.PHASE, 2).reached(both)
    assert not Milestone(MilestoneKind.PHASE, 9).reached(both)  # no such phase: never
    everything = progress(seed, build_plan(seed, schedule, {i.id for i in seed.items()}, late))
    assert Milestone(MilestoneKind.COMPLETE).reached(everything)
