"""Embeds for the weekly reminder DM, the closed-DM fallback and channel digests."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import discord

from bot.core.cadence import ItemStatus
from bot.core.deadlines import end_of_day
from bot.core.layout import pace_label
from bot.core.reminder import ReminderContent
from bot.delivery.notifier import DigestContent, WelcomeContent
from bot.discord_app import limits
from bot.discord_app.limits import bar, fit_lines, shorten, ts
from bot.discord_app.render import FIELD_BUDGET, TRACK_COLOUR, item_line

MAX_REMINDER_BUTTONS = 5


def _field(
    embed: discord.Embed, name: str, items: list[ItemStatus], zone: ZoneInfo | None = None
) -> None:
    """One section, spread over as many fields as it needs while the embed stays in limits.

    When the 6,000-character embed budget runs out, the rest of the section is summarised
    as "…and N more": whole items are never cut.
    """
    if not items:
        return
    lines = [item_line(s, zone=zone) for s in items]
    part = 0
    while lines:
        title = f"{name} ({len(items)})" if part == 0 else f"{name} (continued)"
        room = limits.EMBED_TOTAL - 200 - len(embed) - len(title)
        if room < 120 or len(embed.fields) >= limits.EMBED_FIELDS - 1:
            break
        budget = min(FIELD_BUDGET, room)
        chunk: list[str] = []
        used = 0
        for line in lines:
            if used + len(line) + 1 > budget:
                break
            chunk.append(line)
            used += len(line) + 1
        if not chunk:
            break
        lines = lines[len(chunk) :]
        if lines and (len(embed) + used + len(title) + 200 > limits.EMBED_TOTAL - 300):
            embed.add_field(name=title, value=fit_lines([*chunk, *lines], budget), inline=False)
            return
        embed.add_field(name=title, value="\n".join(chunk), inline=False)
        part += 1
    if lines:
        embed.add_field(
            name=f"{name} (more)", value=f"…and {len(lines)} more: see `/tasks`", inline=False
        )


def _streak(n: int) -> str | None:
    """A streak of 0 is no failure worth printing; only a running streak is shown."""
    return f"🔥 {n}-week streak" if n > 0 else None


def reminder_summary(c: ReminderContent) -> str:
    """One plain line before the embed: what a phone's notification preview shows."""
    head = f"Week {c.week} of {c.pathway_title}"
    if c.focus:
        first = c.focus[0]
        more = f" (+{len(c.focus) - 1} more)" if len(c.focus) > 1 else ""
        return shorten(f"{head}: {first.item.text}{more}", 300)
    if c.progress.complete:
        return f"{head}: every item is done. 🎓"
    return f"{head}: everything open is done."


def reminder_embed(c: ReminderContent) -> discord.Embed:
    prog = c.progress
    zone = c.zone
    embed = discord.Embed(
        title=shorten(f"Week {c.week} · {c.pathway_title}", limits.EMBED_TITLE),
        colour=TRACK_COLOUR[prog.on_track.track],
    )
    lines = []
    if c.late_by is not None:
        hours = int(c.late_by.total_seconds() // 3600)
        lines.append(
            f"⏰ This reminder should have arrived {hours} hour{'s' if hours != 1 else ''} ago; "
            "the bot was offline. Sorry for the delay."
        )
    if c.phase_number is not None and c.phase_title:
        where = f"**Phase {c.phase_number}: {c.phase_title}**"
        if c.phase_week is not None:
            where += f" · week {c.phase_week[0]} of {c.phase_week[1]}"
        lines.append(where)
        if c.phase_focus:
            lines.append(f"Focus: {c.phase_focus}")
    status = [prog.describe(), bar(prog.overall.done, prog.overall.total)]
    streak = _streak(c.streak)
    if streak:
        status.append(streak)
    lines.append(" · ".join(status))
    embed.description = fit_lines(lines, 1500)
    if c.milestones:
        embed.add_field(
            name="🏁 Milestones",
            value=fit_lines([f"• {m}" for m in c.milestones], FIELD_BUDGET),
            inline=False,
        )
    if c.focus:
        _field(embed, "🎯 This week's focus", list(c.focus), zone)
    elif c.progress.complete:
        embed.add_field(
            name="🎓 Pathway complete",
            value="Every item is done. Congratulations! Reminders stop here.",
            inline=False,
        )
    else:
        nxt = (
            f"Next: **{shorten(c.next_up.item.text, 200)}** opens {ts(c.next_up.opens_at)}."
            if c.next_up is not None
            else "Nothing else is scheduled."
        )
        embed.add_field(name="✅ Everything open is done", value=f"Nice work. {nxt}", inline=False)
    rest = len(c.overdue) - sum(1 for s in c.focus if s in c.overdue)
    if rest > 0:
        embed.add_field(
            name="Also overdue",
            value=f"{rest} more item{'s' if rest != 1 else ''}: see `/tasks`.",
            inline=False,
        )
    if c.phase_resources:
        embed.add_field(
            name="📚 Resources for this phase",
            value=fit_lines(
                [
                    f"• {shorten(r.title, 150)}" + (f" ({r.url})" if r.url else "")
                    for r in c.phase_resources
                ],
                FIELD_BUDGET,
            ),
            inline=False,
        )
    embed.set_footer(text="/tasks for the full list · /reminders to change timing")
    return embed


def urgent_items(c: ReminderContent) -> list[ItemStatus]:
    """The items the reminder offers a ✅ button for: this week's focus."""
    return [s for s in c.focus][:MAX_REMINDER_BUTTONS]


def welcome_text(w: WelcomeContent) -> str:
    """The welcome DM: short, plain text (it is also the notification preview)."""
    pace = pace_label(w.pace)
    ends = f", ending {end_of_day(w.timeline_end, w.zone)}" if w.timeline_end else ""
    lines = [f"👋 Welcome to **{w.pathway_name}**! You're on the {pace} pace{ends}."]
    if w.first_reminder_at is not None:
        lines.append(
            f"Your first weekly reminder comes {ts(w.first_reminder_at, 'F')} "
            f"({ts(w.first_reminder_at)}). Each one names that week's focus, with a ✅ button "
            "per item."
        )
    if w.focus:
        lines.append("This week's focus:")
        lines += [f"• {shorten(text, 120)}" for text in w.focus]
    lines.append(
        "`/tasks`, `/done` and `/progress` work right here in this DM too; "
        "`/reminders set` changes when reminders come."
    )
    return fit_lines(lines, limits.CONTENT)


def dms_closed_text(fallback_channel_id: int | None) -> str:
    """The private follow-up to /enroll when the welcome DM bounced (403/50007)."""
    where = (
        f"a short mention in <#{fallback_channel_id}> (without your tasks)"
        if fallback_channel_id is not None
        else "nowhere until you open them: run `/tasks` to see your week"
    )
    return (
        "📭 I couldn't DM you: your DMs are closed to this bot. Weekly reminders will appear as "
        f"{where}. To get them by DM, open your DMs: right-click this server's icon → "
        "Privacy Settings → turn on Direct Messages, then run any command here."
    )


def fallback_text(user_id: int, pathway_title: str) -> str:
    return (
        f"<@{user_id}>, your weekly reminder for **{shorten(pathway_title, 150)}** is ready, "
        "but your DMs are closed to this bot. Run `/tasks` here to see it privately, or open "
        "your DMs (Privacy Settings → Direct Messages) to get reminders there."
    )


def digest_embed(d: DigestContent) -> discord.Embed:
    embed = discord.Embed(title=shorten(d.title, limits.EMBED_TITLE), colour=limits_colour())
    embed.description = shorten(d.pathway_title, 300)
    if d.week_focus:
        embed.add_field(
            name="This week's focus",
            value=fit_lines([f"• {x}" for x in d.week_focus], FIELD_BUDGET),
            inline=False,
        )
    if d.milestones:
        embed.add_field(
            name="🏁 Milestones",
            value=fit_lines([f"• {m}" for m in d.milestones], FIELD_BUDGET),
            inline=False,
        )
    if d.leaderboard:
        rows = [f"**#{rank}** <@{uid}> · {score:g}" for rank, uid, score in d.leaderboard]
        embed.add_field(name="Leaderboard", value=fit_lines(rows, FIELD_BUDGET), inline=False)
    hidden = f" ({d.hidden_members} prefer not to be listed)" if d.hidden_members else ""
    embed.set_footer(text=f"{d.members} learner{'s' if d.members != 1 else ''}{hidden}")
    return embed


def limits_colour() -> discord.Colour:
    return discord.Colour.from_rgb(88, 101, 242)


__all__ = [
    "digest_embed",
    "fallback_text",
    "reminder_embed",
    "reminder_summary",
    "ts",
    "urgent_items",
    "welcome_text",
]
