"""Embeds for the weekly reminder DM, the closed-DM fallback and channel digests."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import discord

from bot.core.cadence import ItemState, ItemStatus
from bot.core.deadlines import end_of_day
from bot.core.layout import pace_label
from bot.core.progress import Progress
from bot.core.reminder import ReminderContent
from bot.delivery.ports import DigestContent, WelcomeContent
from bot.discord_app import limits
from bot.discord_app.formatting import bar, fit_lines, shorten, ts
from bot.discord_app.render_items import (
    FIELD_BUDGET,
    ITEM_TEXT,
    STATE_ICON,
    TRACK_COLOUR,
    item_line,
)

MAX_REMINDER_BUTTONS = 5
FOCUS_FIELD = "🎯 This week's focus"


def _field(embed: discord.Embed, name: str, lines: list[str]) -> None:
    """One section, spread over as many fields as it needs while the embed stays in limits.

    When the 6,000-character embed budget runs out, the rest of the section is summarised
    as "…and N more": whole items are never cut.
    """
    if not lines:
        return
    count = len(lines)
    part = 0
    while lines:
        title = f"{name} ({count})" if part == 0 else f"{name} (continued)"
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


def focus_line(s: ItemStatus, zone: ZoneInfo | None) -> str:
    """A focus item: done ones are struck through (a reminder edited after a ✅ click)."""
    if s.state is ItemState.DONE:
        return f"{STATE_ICON[ItemState.DONE]} ~~{shorten(s.item.text, ITEM_TEXT)}~~"
    return item_line(s, zone=zone)


def _streak(n: int) -> str | None:
    """A streak of 0 is no failure worth printing; only a running streak is shown."""
    return f"🔥 {n}-week streak" if n > 0 else None


def status_line(prog: Progress, streak: int) -> str:
    """Where the learner stands: the last line of a reminder's description."""
    parts = [prog.describe(), bar(prog.overall.done, prog.overall.total)]
    running = _streak(streak)
    if running:
        parts.append(running)
    return " · ".join(parts)


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
    lines.append(status_line(prog, c.streak))
    embed.description = fit_lines(lines, 1500)
    if c.milestones:
        embed.add_field(
            name="🏁 Milestones",
            value=fit_lines([f"• {m}" for m in c.milestones], FIELD_BUDGET),
            inline=False,
        )
    if c.focus:
        _field(embed, FOCUS_FIELD, [focus_line(s, zone) for s in c.focus])
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


# --- a reminder brought up to date after a ✅ click ------------------------------------------

_BAR = re.compile(r"`[█░]+` \d+/\d+")


def is_focus_field(name: str | None) -> bool:
    return bool(name) and str(name).startswith(FOCUS_FIELD)


def _names(line: str, text: str) -> bool:
    """Whether a focus line (as `focus_line` renders it) names the item with this text."""
    icon, sep, body = line.partition(" ")
    if not sep or icon not in STATE_ICON.values():
        return False
    return body in (text, f"~~{text}~~") or body.startswith(f"{text} · ")


def focus_item_ids(embed: discord.Embed, statuses: Sequence[ItemStatus]) -> list[str]:
    """The items a sent reminder's focus names, in its order, read back from its lines.

    The message itself is the record of what it named: recomputing the focus now would give
    a different list once items are done. Lines are matched against every item's text as
    `focus_line` renders it, so an item shown done (and no longer carrying a button) is
    still found. `max` on (length, id) keeps the choice deterministic.
    """
    texts = [(s.item.id, shorten(s.item.text, ITEM_TEXT)) for s in statuses]
    out: list[str] = []
    for f in embed.fields:
        if not is_focus_field(f.name):
            continue
        for line in (f.value or "").splitlines():
            found = [(len(t), i) for i, t in texts if i not in out and _names(line, t)]
            if found:  # the longest match: another item's text may begin with this one's
                out.append(max(found)[1])
    return out


def reminder_with_states(
    sent: discord.Embed,
    focus: Sequence[ItemStatus],
    prog: Progress,
    streak: int,
    zone: ZoneInfo | None,
) -> discord.Embed:
    """A sent reminder with its focus items and standing brought up to date.

    What belongs to the week it was sent (title, phase, milestones, resources, footer) is
    kept as sent; the focus lines show each item's state now (done ones struck through), and
    the status line and colour show where the learner stands now.
    """
    embed = discord.Embed.from_dict(copy.deepcopy(sent.to_dict()))  # copy() shares fields
    embed.clear_fields()
    embed.colour = TRACK_COLOUR[prog.on_track.track]
    lines = (sent.description or "").split("\n")
    if _BAR.search(lines[-1]):
        lines[-1] = status_line(prog, streak)
        embed.description = "\n".join(lines)
    placed = False
    for f in sent.fields:
        if is_focus_field(f.name):
            if not placed:
                _field(embed, FOCUS_FIELD, [focus_line(s, zone) for s in focus])
                placed = True
            continue
        embed.add_field(name=f.name, value=f.value, inline=bool(f.inline))
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
    "FOCUS_FIELD",
    "digest_embed",
    "fallback_text",
    "focus_item_ids",
    "reminder_embed",
    "reminder_summary",
    "reminder_with_states",
    "ts",
    "urgent_items",
    "welcome_text",
]
