"""The learner's plan (after Apply, and wherever the full plan is shown); the /enroll reply
is render_enroll.py."""

from __future__ import annotations

import discord

from bot.core.deadlines import end_of_day
from bot.core.focus import weekly_focus
from bot.core.layout import pace_label
from bot.core.models import EnrolmentStatus
from bot.core.untrusted import escape_text
from bot.discord_app import limits
from bot.discord_app.formatting import shorten, ts
from bot.discord_app.render_items import (
    TRACK_COLOUR,
    _lines_field,
    _status_line,
    item_line,
    prefs_line,
)
from bot.service.outcomes import LearnerPlan


def plan_embed(view: LearnerPlan, title: str | None = None) -> discord.Embed:
    """The learner's plan: this week, the horizons, the current phase and the next reminder."""
    plan = view.plan
    e = view.enrolment
    embed = discord.Embed(
        title=shorten(title or view.pathway.name, limits.EMBED_TITLE),
        colour=TRACK_COLOUR[view.progress.on_track.track],
    )
    week = f"Week {plan.week}" if plan.week else f"Starts {ts(plan.phase_windows[0][0], 'D')}"
    embed.description = f"{week} · {_status_line(view)}"
    if e.status is EnrolmentStatus.PAUSED:
        embed.description += "\n⏸️ Paused: reminders are off and deadlines wait for you."
    focus = weekly_focus(plan)
    _lines_field(
        embed, "🎯 This week's focus", [item_line(s, zone=plan.zone, now=plan.at) for s in focus]
    )
    index = plan.phase_index if plan.phase_index is not None else (0 if plan.week == 0 else None)
    if index is not None:
        phase = view.pathway.roadmap.phases[index]
        ends = plan.phase_windows[index][1]
        k_of_n = plan.phase_week(index)
        week = f"week {k_of_n[0]} of {k_of_n[1]}, " if k_of_n and plan.week else ""
        head = (
            f"**Phase {index + 1} of {len(plan.phase_windows)}: {phase.title}** "
            f"({week}ends {end_of_day(ends, plan.zone, plan.at)}, {ts(ends)})"
        )
        _lines_field(embed, "Roadmap", [head, f"Pace: {pace_label(plan.pace)}"])
    elif plan.roadmap_finished:
        _lines_field(embed, "Roadmap", ["Your timeline is over: finish what's left!"])
    if view.next_reminder is not None:
        reminder = (
            f"{ts(view.next_reminder.at, 'F')} ({ts(view.next_reminder.at)}) · {prefs_line(e)}"
        )
    elif e.status is EnrolmentStatus.PAUSED:
        reminder = "Paused. `/reminders resume` turns reminders back on."
    else:
        reminder = "None scheduled."
    embed.add_field(name="Next reminder", value=reminder, inline=False)
    if view.group is not None:
        embed.add_field(name="Study group", value=escape_text(view.group.name, 100), inline=True)
    embed.set_footer(text="/tasks to see everything · /done to check items off")
    return embed
