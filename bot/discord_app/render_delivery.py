"""Embeds for the weekly reminder DM, the closed-DM fallback and channel digests."""

from __future__ import annotations

import discord

from bot.core.cadence import ItemStatus
from bot.core.reminder import ReminderContent
from bot.delivery.notifier import DigestContent
from bot.discord_app import limits
from bot.discord_app.limits import bar, fit_lines, shorten, ts
from bot.discord_app.render import FIELD_BUDGET, TRACK_COLOUR, item_line

MAX_REMINDER_BUTTONS = 5


def _field(embed: discord.Embed, name: str, items: list[ItemStatus]) -> None:
    """One section, spread over as many fields as it needs while the embed stays in limits.

    When the 6,000-character embed budget runs out, the rest of the section is summarised
    as "…and N more": whole items are never cut.
    """
    if not items:
        return
    lines = [item_line(s) for s in items]
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


def reminder_embed(c: ReminderContent) -> discord.Embed:
    prog = c.progress
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
        lines.append(f"**Phase {c.phase_number}: {c.phase_title}**")
        if c.phase_focus:
            lines.append(f"Focus: {c.phase_focus}")
    lines.append(
        f"{prog.on_track.describe()} · {bar(prog.overall.done, prog.overall.total)} · "
        f"streak {c.streak} week{'s' if c.streak != 1 else ''}"
    )
    embed.description = fit_lines(lines, 1500)
    if c.milestones:
        embed.add_field(
            name="🏁 Milestones",
            value=fit_lines([f"• {m}" for m in c.milestones], FIELD_BUDGET),
            inline=False,
        )
    _field(embed, "⚠️ Overdue", c.overdue)
    _field(embed, "⏳ Due in the coming week", c.due_soon)
    new_only = [s for s in c.new if s not in c.due_soon and s not in c.overdue]
    _field(embed, "🆕 New this week", new_only)
    _field(embed, "🔜 Opens next week", c.opens_next_week)
    embed.set_footer(text=f"{c.pathway_id} · /tasks for everything · /reminders to change timing")
    return embed


def urgent_items(c: ReminderContent) -> list[ItemStatus]:
    seen: set[str] = set()
    out = []
    for s in [*c.overdue, *c.due_soon, *c.new]:
        if s.item.id not in seen and s.due_at is not None:
            seen.add(s.item.id)
            out.append(s)
    return out[:MAX_REMINDER_BUTTONS]


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


__all__ = ["digest_embed", "fallback_text", "reminder_embed", "ts", "urgent_items"]
