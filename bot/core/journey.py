"""A simulated learner's year of reminders, without Discord: what `preview` prints.

Two learners are simulated. `idle` never checks anything off. `on-time` completes every item
on the day before it is due (at noon of that day, counting days as the deadline rule does),
which is the learner the pathway's deadlines are written for. Each reminder is composed by
the same core code as the real DM, so the preview shows what a learner would be sent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core.cadence import ReminderSlot, Schedule, build_plan, first_reminder, next_reminder
from bot.core.layout import timeline_days
from bot.core.pathway import Pathway
from bot.core.reminder import ReminderContent, compose

ON_TIME_LEAD = timedelta(hours=36)  # noon on the day before the day a deadline ends


class Learner(enum.StrEnum):
    IDLE = "idle"
    ON_TIME = "on-time"


@dataclass(frozen=True, slots=True)
class SimulatedReminder:
    slot: ReminderSlot
    content: ReminderContent
    done: frozenset[str]


def default_weeks(pathway: Pathway, schedule: Schedule) -> int:
    """Enough reminders to cover the whole timeline, and one more past its end."""
    days = timeline_days(pathway, schedule.pace, schedule.start_date)
    return -(-days // 7) + 1


def completion_times(pathway: Pathway, schedule: Schedule) -> dict[str, datetime]:
    """When the on-time learner checks each item off."""
    plan = build_plan(pathway, schedule, (), schedule.start)
    out: dict[str, datetime] = {}
    for s in plan.statuses:
        if s.due_at is not None:
            out[s.item.id] = max(s.opens_at, s.due_at - ON_TIME_LEAD)
    return out


def simulate(
    pathway: Pathway, schedule: Schedule, weeks: int, learner: Learner = Learner.IDLE
) -> list[SimulatedReminder]:
    times = completion_times(pathway, schedule) if learner is Learner.ON_TIME else {}
    out: list[SimulatedReminder] = []
    slot = first_reminder(schedule, schedule.start - timedelta(seconds=1))
    previous: datetime | None = None
    for _ in range(weeks):
        done = frozenset(i for i, at in times.items() if at <= slot.at)
        plan = build_plan(pathway, schedule, done, slot.at)
        content = compose(pathway, plan, previous, streak=0)
        out.append(SimulatedReminder(slot, content, done))
        previous = slot.at
        slot = next_reminder(slot.at, schedule.prefs)
    return out


def as_json(reminders: list[SimulatedReminder], schedule: Schedule) -> list[dict[str, object]]:
    """One object per reminder: the contract `preview --json` prints (see the README)."""
    zone = schedule.zone
    rows: list[dict[str, object]] = []
    for r in reminders:
        c = r.content
        rows.append(
            {
                "week": c.week,
                "local": r.slot.at.astimezone(zone).isoformat(),
                "utc": r.slot.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "period": r.slot.period_key,
                "phase": c.phase_number,
                "phase_week": list(c.phase_week) if c.phase_week else None,
                "focus": [s.item.id for s in c.focus],
                "due": [s.item.id for s in c.due],
                "overdue": [s.item.id for s in c.overdue],
                "milestones": list(c.milestones),
                "status": c.status.value,
                "done": len(r.done),
            }
        )
    return rows
