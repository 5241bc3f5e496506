"""The learner's plan and the /enroll reply."""

from __future__ import annotations

import discord

from bot.core.deadlines import end_of_day
from bot.core.focus import weekly_focus
from bot.core.layout import pace_label
from bot.core.models import EnrolmentStatus
from bot.core.timeparse import weekday_name
from bot.core.untrusted import escape_text
from bot.discord_app import limits
from bot.discord_app.formatting import shorten, ts
from bot.discord_app.render_account import settings_offer
from bot.discord_app.render_items import (
    TRACK_COLOUR,
    _lines_field,
    _status_line,
    item_line,
    prefs_line,
)
from bot.service.outcomes import EnrollOutcome, LearnerPlan, PrefsSource


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


def enroll_message(outcome: EnrollOutcome, where: str | None = None) -> tuple[str, discord.Embed]:
    """`where`: the name of the server the enrolment lives in, when it is not this one."""
    view = outcome.view
    p = view.enrolment.prefs
    if outcome.lives_in is not None:
        place = f"in **{where}**" if where else "in another server"
        content = (
            f"You already follow this pathway {place}: one "
            "enrolment, one weekly reminder. Your reminders, `/tasks`, `/done` and `/progress` "
            "also work here in your DMs with the bot."
        )
        return content, plan_embed(view)
    if outcome.already:
        if outcome.proposed_prefs is not None:
            content = settings_offer(outcome)
        else:
            content = (
                "You're already enrolled here. Here is your plan; change reminders with "
                "`/reminders set`."
            )
        return content, plan_embed(view)
    source = {
        PrefsSource.GIVEN: "the time zone you chose",
        PrefsSource.LEARNER: "your saved time zone",
        PrefsSource.GUILD: "this server's default time zone",
        PrefsSource.DEFAULT: "the default, UTC, because neither you nor this server set one",
    }[outcome.prefs_source]
    head = (
        "Welcome back! Your earlier progress is restored."
        if outcome.restored
        else "You're enrolled!"
    )
    content = (
        f"{head} Your pace: **{pace_label(view.enrolment.pace)}** (ends "
        f"{end_of_day(view.plan.timeline_end or view.plan.at, view.plan.zone, view.plan.at)}). "
        f"Reminders come by DM on {weekday_name(p.weekday)}s at "
        f"{p.at.strftime('%H:%M')} in **{p.tz}** ({source}). Change them any time with "
        "`/reminders set day time timezone`."
    )
    return content, plan_embed(view, title=f"Your plan: {view.pathway.name}")
