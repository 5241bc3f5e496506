"""The /enroll reply: short (900 characters at most, embed included), because the welcome DM
and `/tasks` carry the rest.

It says the pace and when the timeline ends, when reminders come and where that setting came
from, who sees the learner's progress, and the first few items of this week's focus. A
repeated /enroll lists the changes it offers (nothing changes before Apply).
"""

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
from bot.discord_app.render_account import SHOWN_WHERE, settings_offer
from bot.discord_app.render_items import STATE_ICON, TRACK_COLOUR
from bot.service.outcomes import EnrollOutcome, LearnerPlan, PrefsSource

FOCUS_SHOWN = 3
ITEM_TEXT = 70

SOURCE = {
    PrefsSource.GIVEN: "as you chose",
    PrefsSource.LEARNER: "your saved setting",
    PrefsSource.GUILD: "this server's default",
    PrefsSource.DEFAULT: "the default",
}


def enroll_embed(view: LearnerPlan, title: str | None = None) -> discord.Embed:
    """A compact plan: the week, the status, and the first items of this week's focus."""
    plan = view.plan
    prog = view.progress
    embed = discord.Embed(
        title=shorten(title or view.pathway.name, limits.EMBED_TITLE),
        colour=TRACK_COLOUR[prog.on_track.track],
    )
    embed.description = (
        f"Week {plan.week} · **{prog.describe()}** · {prog.overall.done}/{prog.overall.total} items"
    )
    index = plan.phase_index if plan.phase_index is not None else (0 if plan.week == 0 else None)
    if index is not None:
        phase = view.pathway.roadmap.phases[index]
        embed.description += f"\nPhase {index + 1} of {len(plan.phase_windows)}: {phase.title}"
    if view.group is not None:
        embed.description += f"\nStudy group: **{escape_text(view.group.name, 80)}**"
    if view.enrolment.status is EnrolmentStatus.PAUSED:
        embed.description += "\n⏸️ Paused: `/reminders resume` when ready."
    focus = weekly_focus(plan)
    lines = []
    for s in focus[:FOCUS_SHOWN]:
        due = (
            f" · by end of {end_of_day(s.due_at, plan.zone, plan.at)} ({ts(s.due_at)})"
            if s.due_at is not None
            else ""
        )
        lines.append(f"{STATE_ICON[s.state]} {shorten(s.item.text, ITEM_TEXT)}{due}")
    if len(focus) > FOCUS_SHOWN:
        lines.append(f"…and {len(focus) - FOCUS_SHOWN} more in `/tasks`")
    if lines:
        embed.add_field(name="🎯 This week's focus", value="\n".join(lines), inline=False)
    return embed


def enroll_reply(outcome: EnrollOutcome, where: str | None = None) -> tuple[str, discord.Embed]:
    """`where`: the name of the server the enrolment lives in, when it is not this one."""
    view = outcome.view
    e = view.enrolment
    if outcome.lives_in is not None:
        place = f"in **{where}**" if where else "in another server"
        content = (
            f"You already follow this pathway {place}: one enrolment, one weekly reminder. "
            "Your reminders, `/tasks`, `/done` and `/progress` also work in your DMs with me."
        )
        return content, enroll_embed(view)
    if outcome.already:
        if outcome.proposed_prefs is not None:
            return settings_offer(outcome), enroll_embed(view)
        content = (
            "You're already enrolled here. Here is your plan; change reminders with "
            "`/reminders set`."
        )
        return content, enroll_embed(view)
    head = (
        "Welcome back! Your earlier progress is restored."
        if outcome.restored
        else ("You're enrolled!")
    )
    p = e.prefs
    ends = end_of_day(view.plan.timeline_end or view.plan.at, view.plan.zone, view.plan.at)
    content = (
        f"{head} Pace: **{pace_label(e.pace)}**, ending {ends}. Reminders come by DM on "
        f"{weekday_name(p.weekday)}s at {p.at.strftime('%H:%M')} in **{p.tz}**, "
        f"{SOURCE[outcome.prefs_source]}: `/reminders set` changes them.\n{SHOWN_WHERE}"
    )
    return content, enroll_embed(view, title=f"Your plan: {view.pathway.name}")
