"""/reminders show and the snooze reply."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.core.models import Enrolment, EnrolmentStatus, Learner
from bot.core.snooze import PendingSnooze
from bot.core.timeparse import weekday_name
from bot.discord_app.formatting import ts


def reminders_text(
    learner: Learner,
    enrolments: Sequence[Enrolment],
    snoozes: Sequence[PendingSnooze] = (),
    names: Mapping[str, str] | None = None,
) -> str:
    """`names`: each pathway's short title by id (a learner never reads a raw id)."""
    p = learner.prefs

    def name(e: Enrolment) -> str:
        return f"**{(names or {}).get(e.pathway_id, 'Your pathway')}**"

    lines = [
        f"Weekly reminders: **{weekday_name(p.weekday)}s at {p.at.strftime('%H:%M')}** "
        f"in **{p.tz}**."
    ]
    if learner.dm_blocked:
        lines.append(
            "⚠️ Your DMs are closed to this bot, so reminders can't reach you. Open your DMs "
            "(Privacy Settings → Direct Messages) to get them."
        )
    for e in enrolments:
        if e.status is EnrolmentStatus.PAUSED:
            resume = f", resumes {ts(e.next_reminder_at, 'D')}" if e.next_reminder_at else ""
            lines.append(f"⏸️ {name(e)}: paused{resume}.")
        elif e.next_reminder_at is not None:
            at = e.next_reminder_at
            lines.append(f"▶️ {name(e)}: next {ts(at, 'F')} ({ts(at)}).")
        paused = e.status is EnrolmentStatus.PAUSED
        for s in snoozes:
            if s.enrolment_id == e.id:
                held = " (only if you resume before then)" if paused else ""
                lines.append(f"💤 {name(e)}: snoozed reminder {ts(s.at, 'F')} ({ts(s.at)}){held}.")
    if not enrolments:
        lines.append("You are not following any pathway right now.")
    if snoozes:
        lines.append("Cancel a snooze with its button below.")
    return "\n".join(lines)


def snoozed_text(at: datetime, next_regular: datetime) -> str:
    """The private reply to a snooze: when it comes, and how to take it back."""
    return (
        f"💤 Snoozed: I'll remind you again {ts(at, 'F')} ({ts(at)}), before your next weekly "
        f"reminder {ts(next_regular, 'F')}.\nChanged your mind? Press **Cancel this snooze** "
        "below, or cancel it later from `/reminders show`."
    )
