"""Text rendering of `python -m bot preview`: a pathway's calendar, one block per reminder."""

from __future__ import annotations

from datetime import UTC, date

from bot.core.cadence import ItemStatus, Schedule
from bot.core.models import ReminderPrefs
from bot.core.pathway import Pathway
from bot.core.preview import calendar
from bot.core.timeparse import weekday_name


def render_preview(pathway: Pathway, start: date, prefs: ReminderPrefs, weeks: int) -> str:
    schedule = Schedule(start, prefs)
    zone = schedule.zone
    lines = [
        f"{pathway.title} [{pathway.id}]",
        f"Start {start.isoformat()} in {prefs.tz}; reminders on {weekday_name(prefs.weekday)}s "
        f"at {prefs.at.strftime('%H:%M')}; {weeks} weeks shown.",
        "",
    ]
    for n, week in enumerate(calendar(pathway, schedule, weeks), start=1):
        local = week.slot.at.astimezone(zone)
        utc = week.slot.at.astimezone(UTC)
        phase = (
            f"phase {week.plan.phase_index + 1}: "
            f"{pathway.roadmap.phases[week.plan.phase_index].title}"
            if week.plan.phase_index is not None
            else ("roadmap finished" if week.plan.roadmap_finished else "before the roadmap")
        )
        lines.append(
            f"Reminder {n} ({week.slot.period_key}, pathway week {week.plan.week}): "
            f"{local.strftime('%a %Y-%m-%d %H:%M %Z')} local, "
            f"{utc.strftime('%Y-%m-%dT%H:%M:%SZ')} UTC; {phase}"
        )
        sections = week.sections
        labels: dict[str, list[str]] = {}
        order: list[ItemStatus] = []
        for label, items in (
            ("new", sections.new),
            ("due within the week", sections.due_soon),
            ("overdue", sections.overdue),
        ):
            for s in items:
                if s.item.id not in labels:
                    labels[s.item.id] = []
                    order.append(s)
                labels[s.item.id].append(label)
        for s in order:
            due = (
                f"due {s.due_at.astimezone(zone).strftime('%a %Y-%m-%d %H:%M')}"
                if s.due_at is not None
                else "no deadline"
            )
            tag = ", ".join(labels[s.item.id])
            lines.append(f"    [{tag}] {s.item.id}: {s.item.text} ({due})")
        if not (sections.new or sections.due_soon or sections.overdue):
            lines.append("    nothing new, due or overdue")
    return "\n".join(lines)
