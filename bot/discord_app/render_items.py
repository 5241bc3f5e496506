"""Shared pieces of the learner replies: item lines, deadlines, colours and the status line.

Deadlines read "by end of Sun 6 Dec" in the learner's zone, with a Discord timestamp beside
them so every viewer also sees the instant in their own time. Long lists are summarised
("…and 4 more"), never cut in the middle of an item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.core.cadence import ItemState, ItemStatus
from bot.core.deadlines import end_of_day
from bot.core.models import Enrolment
from bot.core.progress import Track
from bot.core.timeparse import weekday_name
from bot.discord_app import limits
from bot.discord_app.formatting import fit_lines, shorten, ts
from bot.service.outcomes import LearnerPlan

GREEN = discord.Colour.from_rgb(59, 165, 93)


AMBER = discord.Colour.from_rgb(250, 166, 26)


RED = discord.Colour.from_rgb(237, 66, 69)


BLURPLE = discord.Colour.from_rgb(88, 101, 242)


STATE_ICON = {
    ItemState.DONE: "✅",
    ItemState.OVERDUE: "⚠️",
    ItemState.DUE_SOON: "⏳",
    ItemState.OPEN: "▫️",
    ItemState.NOT_OPEN: "🔒",
}


TRACK_COLOUR = {
    Track.ON_TRACK: GREEN,
    Track.AHEAD: GREEN,
    Track.BEHIND: AMBER,
    Track.JUST_STARTED: BLURPLE,
}


FIELD_BUDGET = limits.FIELD_VALUE - 24


ITEM_TEXT = 200  # an item's text in a list line


def prefs_line(enrolment: Enrolment) -> str:
    p = enrolment.prefs
    return f"{weekday_name(p.weekday)}s at {p.at.strftime('%H:%M')} ({p.tz})"


def deadline_text(s: ItemStatus, zone: ZoneInfo | None, now: datetime | None = None) -> str:
    """'by end of Sun 6 Dec (in 3 days)': the day in the learner's zone, plus a Discord
    timestamp so a viewer in another zone still sees the instant in their own time."""
    if s.due_at is None:
        return ""
    if zone is None:
        return f"due {ts(s.due_at)}"
    verb = "was due" if s.state is ItemState.OVERDUE else "by"
    return f"{verb} end of {end_of_day(s.due_at, zone, now)} ({ts(s.due_at)})"


def item_line(s: ItemStatus, *, zone: ZoneInfo | None = None, now: datetime | None = None) -> str:
    """One item as a reader knows it: by its name, never its id (autocomplete and the menus
    take names too, so an id is never something a learner needs to read)."""
    icon = STATE_ICON[s.state]
    due = ""
    if s.state is ItemState.NOT_OPEN:
        due = f" · opens {ts(s.opens_at)}"
    elif s.due_at is not None and s.state is not ItemState.DONE:
        due = f" · {deadline_text(s, zone, now)}"
    return f"{icon} {shorten(s.item.text, ITEM_TEXT)}{due}"


def _lines_field(
    embed: discord.Embed, name: str, lines: Sequence[str], budget: int = FIELD_BUDGET
) -> None:
    if lines:
        embed.add_field(name=name, value=fit_lines(lines, budget), inline=False)


def _status_line(view: LearnerPlan) -> str:
    parts = [
        f"**{view.progress.describe()}**",
        f"{view.progress.overall.done}/{view.progress.overall.total} items",
        f"{view.points} points",
    ]
    if view.streak > 0:  # no streak yet is no failure worth printing
        parts.append(f"🔥 {view.streak}-week streak")
    return " · ".join(parts)
