"""Rendering of `python -m bot preview`: a simulated learner's reminders, as text or JSON."""

from __future__ import annotations

import json
from datetime import UTC, date

from bot.core.cadence import ItemStatus, Schedule
from bot.core.deadlines import last_day
from bot.core.journey import LearnerKind, as_json, default_weeks, simulate
from bot.core.layout import AS_WRITTEN, pace_label
from bot.core.models import ReminderPrefs
from bot.core.pathway import Pathway
from bot.core.timeparse import weekday_name


def _run(
    pathway: Pathway, start: date, prefs: ReminderPrefs, weeks: int | None, pace: str
) -> tuple[Schedule, int]:
    """The simulated enrolment, and how many reminders to show (default: the timeline)."""
    schedule = Schedule(start, prefs, pace=pace)
    return schedule, weeks or default_weeks(pathway, schedule)


def render_preview_json(
    pathway: Pathway,
    start: date,
    prefs: ReminderPrefs,
    weeks: int | None,
    pace: str = AS_WRITTEN,
    learner: str = "idle",
) -> str:
    schedule, n = _run(pathway, start, prefs, weeks, pace)
    return json.dumps(
        as_json(simulate(pathway, schedule, n, LearnerKind.parse(learner)), schedule), indent=1
    )


def _due(s: ItemStatus, schedule: Schedule) -> str:
    if s.due_at is None:
        return "no deadline"
    return f"by end of {last_day(s.due_at, schedule.zone).strftime('%a %Y-%m-%d')}"


def render_preview(
    pathway: Pathway,
    start: date,
    prefs: ReminderPrefs,
    weeks: int | None,
    pace: str = AS_WRITTEN,
    learner: str = "idle",
) -> str:
    schedule, n = _run(pathway, start, prefs, weeks, pace)
    zone = schedule.zone
    lines = [
        f"{pathway.title} [{pathway.id}]",
        f"Start {start.isoformat()} in {prefs.tz}; reminders on {weekday_name(prefs.weekday)}s "
        f"at {prefs.at.strftime('%H:%M')}; pace {pace_label(pace)}; {learner} learner; "
        f"{n} weeks shown.",
        "",
    ]
    for i, r in enumerate(simulate(pathway, schedule, n, LearnerKind.parse(learner)), start=1):
        c = r.content
        local = r.slot.at.astimezone(zone)
        utc = r.slot.at.astimezone(UTC)
        if c.phase_number is not None and c.phase_week is not None:
            k, of = c.phase_week
            phase = f"phase {c.phase_number}: {c.phase_title} (week {k} of {of})"
        else:
            phase = "timeline finished" if c.week > 1 else "before the roadmap"
        lines.append(
            f"Reminder {i} ({r.slot.period_key}, pathway week {c.week}): "
            f"{local.strftime('%a %Y-%m-%d %H:%M %Z')} local, "
            f"{utc.strftime('%Y-%m-%dT%H:%M:%SZ')} UTC; {phase}; {c.status.value}"
        )
        for m in c.milestones:
            lines.append(f"    milestone: {m}")
        if c.review is not None:
            lines.append(f"    review: {c.review.kind}")
        if c.offers:
            lines.append(f"    offers: {', '.join(c.offers)}")
        for line in c.lines:
            s = line.status
            tag = (
                "start with"
                if line is c.start_with
                else "overdue"
                if s in c.overdue
                else ("opens soon" if s.opens_at > r.slot.at else "focus")
            )
            cue = f"; week {line.progress[0]} of {line.progress[1]}" if line.progress else ""
            linked = f" (linked: {', '.join(line.linked)})" if line.linked else ""
            lines.append(
                f"    [{tag}] {s.item.id}: {s.item.text} ({_due(s, schedule)}{cue}){linked}"
            )
        if not c.focus:
            lines.append("    nothing open: every item is done")
    return "\n".join(lines)
