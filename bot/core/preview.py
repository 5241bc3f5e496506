"""The learner's calendar without Discord: what each weekly reminder would list.

Authors use it (through `python -m bot preview`) to check a pathway's cadence; the weekly
reminder DM uses `reminder_sections` for the same new / due-soon / overdue split, so the
preview shows exactly what learners will be sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.cadence import (
    WEEK,
    ItemState,
    ItemStatus,
    Plan,
    ReminderSlot,
    Schedule,
    build_plan,
    first_reminder,
    next_reminder,
)
from bot.core.pathway import Pathway


@dataclass(frozen=True, slots=True)
class ReminderSections:
    new: list[ItemStatus]  # opened since the previous reminder
    due_soon: list[ItemStatus]  # open, with a deadline within the next 7 days
    overdue: list[ItemStatus]  # deadline passed, not done


@dataclass(frozen=True, slots=True)
class PreviewWeek:
    slot: ReminderSlot
    plan: Plan
    sections: ReminderSections


def reminder_sections(plan: Plan, previous_at: datetime | None) -> ReminderSections:
    """Split a plan into what a reminder at `plan.at` lists; `previous_at` None: the first."""
    new: list[ItemStatus] = []
    due_soon: list[ItemStatus] = []
    overdue: list[ItemStatus] = []
    for s in plan.statuses:
        if s.state in (ItemState.DONE, ItemState.NOT_OPEN):
            continue
        if previous_at is None or s.opens_at > previous_at:
            new.append(s)
        if s.state is ItemState.OVERDUE:
            overdue.append(s)
        elif s.due_at is not None and s.due_at - plan.at <= WEEK:
            due_soon.append(s)
    return ReminderSections(new, due_soon, overdue)


def calendar(
    pathway: Pathway, schedule: Schedule, weeks: int, done: frozenset[str] = frozenset()
) -> list[PreviewWeek]:
    """The first `weeks` reminders of an enrolment starting on `schedule.start_date`."""
    out: list[PreviewWeek] = []
    slot = first_reminder(schedule, schedule.start - timedelta(seconds=1))
    previous: datetime | None = None
    for _ in range(weeks):
        plan = build_plan(pathway, schedule, done, slot.at)
        out.append(PreviewWeek(slot, plan, reminder_sections(plan, previous)))
        previous = slot.at
        slot = next_reminder(slot.at, schedule.prefs)
    return out
