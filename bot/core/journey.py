"""A simulated learner's year of reminders, without Discord: what `preview` prints.

Three kinds of learner are simulated. `idle` never checks anything off. `on-time` completes
every item on the day before it is due (at noon of that day, counting days as the deadline
rule does), which is the learner the pathway's deadlines are written for. `stops-after:N` is
on time for its first N weeks, then does nothing. Each reminder is composed and rendered by
the same core code as the real DM (snooze choices included), so `message` is what a learner
would be sent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.core.cadence import (
    WEEK,
    ReminderSlot,
    Schedule,
    build_plan,
    first_reminder,
    next_reminder,
)
from bot.core.coach_message import weekly_message
from bot.core.errors import InvalidInput
from bot.core.layout import timeline_days
from bot.core.pathway import Pathway
from bot.core.reminder import ReminderContent, compose
from bot.core.snooze import snooze_choices
from bot.core.streaks import current_streak

ON_TIME_LEAD = timedelta(hours=36)  # noon on the day before the day a deadline ends


class Learner(enum.StrEnum):
    IDLE = "idle"
    ON_TIME = "on-time"


@dataclass(frozen=True, slots=True)
class LearnerKind:
    """A simulated learner: on time until `stops_after` weeks (None: always; 0: idle)."""

    stops_after: int | None

    @classmethod
    def parse(cls, value: str) -> LearnerKind:
        """`idle`, `on-time` or `stops-after:N`; a domain error naming them otherwise."""
        text = value.strip().lower()
        if text == Learner.IDLE:
            return cls(0)
        if text == Learner.ON_TIME:
            return cls(None)
        if text.startswith("stops-after:") and text[12:].isdigit():
            return cls(int(text[12:]))
        raise InvalidInput("--learner must be idle, on-time or stops-after:N (N weeks, e.g. 4).")


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
    pathway: Pathway,
    schedule: Schedule,
    weeks: int,
    learner: Learner | LearnerKind | str = Learner.IDLE,
) -> list[SimulatedReminder]:
    kind = learner if isinstance(learner, LearnerKind) else LearnerKind.parse(str(learner))
    times = completion_times(pathway, schedule) if kind.stops_after != 0 else {}
    if kind.stops_after:
        until = schedule.start + kind.stops_after * WEEK
        times = {i: at for i, at in times.items() if at < until}
    out: list[SimulatedReminder] = []
    slot = first_reminder(schedule, schedule.start - timedelta(seconds=1))
    previous: datetime | None = None
    for _ in range(weeks):
        done = frozenset(i for i, at in times.items() if at <= slot.at)
        plan = build_plan(pathway, schedule, done, slot.at)
        # The streak as the bot counts it from the same check-offs (bot/core/standing.py).
        streak = current_streak(
            [at for at in times.values() if at <= slot.at],
            schedule.zone,
            slot.at,
            schedule.pauses,
            schedule.start_date,
        )
        content = compose(pathway, plan, previous, streak=streak)
        # What the sender adds at send time: the snooze choices that fit this moment.
        following = next_reminder(slot.at, schedule.prefs)
        content = replace(
            content, snooze=tuple(snooze_choices(schedule.prefs, slot.at, following.at))
        )
        out.append(SimulatedReminder(slot, content, done))
        previous = slot.at
        slot = following
    return out


def focus_detail(c: ReminderContent) -> list[dict[str, object]]:
    """One object per focus line: what it is, how to do it, how far along, what it links."""
    out: list[dict[str, object]] = []
    for line in c.lines:
        res = line.resource
        out.append(
            {
                "id": line.id,
                "title": line.status.item.text,
                "how": line.how,
                "resource": res.title if res is not None else None,
                "url": res.url if res is not None else None,
                "progress": (
                    {"week": line.progress[0], "of": line.progress[1]} if line.progress else None
                ),
                "linked": list(line.linked),
            }
        )
    return out


def review_json(c: ReminderContent) -> dict[str, object] | None:
    if c.review is None:
        return None
    return {
        "kind": c.review.kind,
        "items": [
            {"id": i.status.item.id, "state": i.status.state.value, "due": i.due.isoformat()}
            for i in c.review.items
        ],
    }


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
                "message": weekly_message(c).text(),
                "focus_detail": focus_detail(c),
                "offers": list(c.offers),
                "review": review_json(c),
            }
        )
    return rows
