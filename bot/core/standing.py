"""A learner's standing on one enrolment at one instant: plan, progress, streak and points.

The one place that combines the cadence, progress and streak rules, so a reply, a reminder
and a digest never disagree about where a learner stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.cadence import Plan, Schedule, build_plan
from bot.core.models import Completion, Enrolment
from bot.core.pathway import Pathway
from bot.core.progress import Progress, progress
from bot.core.streaks import current_streak


@dataclass(frozen=True, slots=True)
class Standing:
    schedule: Schedule
    plan: Plan
    progress: Progress
    streak: int
    points: int


def standing(
    pathway: Pathway, enrolment: Enrolment, completions: Sequence[Completion], at: datetime
) -> Standing:
    schedule = Schedule(enrolment.start_date, enrolment.prefs, enrolment.pauses, enrolment.pace)
    plan = build_plan(pathway, schedule, {c.item_id for c in completions}, at)
    streak = current_streak(
        [c.completed_at for c in completions],
        schedule.zone,
        at,
        enrolment.pauses,
        enrolment.start_date,
    )
    return Standing(
        schedule, plan, progress(pathway, plan), streak, sum(c.points for c in completions)
    )
