"""Embeds for the weekly reminder DM, the closed-DM fallback and channel digests."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import discord

from bot.core import coach_message
from bot.core.cadence import ItemState, ItemStatus
from bot.core.coach_message import WeeklyMessage, weekly_message
from bot.core.progress import Progress
from bot.core.reminder import ReminderContent
from bot.discord_app import limits
from bot.discord_app.formatting import fit_lines, shorten, ts
from bot.discord_app.render_items import (
    FIELD_BUDGET,
    ITEM_TEXT,
    STATE_ICON,
    TRACK_COLOUR,
    item_line,
)

MAX_REMINDER_BUTTONS = 5
FOCUS_FIELD = coach_message.FOCUS_FIELD


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


def reminder_embed(c: ReminderContent, message: WeeklyMessage | None = None) -> discord.Embed:
    """The weekly DM's embed: the core's words (bot/core/coach_message.py), nothing added,
    so the DM is exactly what `preview --json` prints as `message`."""
    msg = message or weekly_message(c)
    embed = discord.Embed(
        title=shorten(msg.title, limits.EMBED_TITLE),
        colour=TRACK_COLOUR[c.progress.on_track.track],
        description=msg.description,
    )
    for name, value in msg.fields[: limits.EMBED_FIELDS]:
        embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text=msg.footer)
    return embed


# --- a reminder brought up to date after a ✅ click ------------------------------------------

_BAR = re.compile(r"`[█░]+` \d+/\d+")


def is_focus_field(name: str | None) -> bool:
    return bool(name) and str(name).startswith(FOCUS_FIELD)


START_WITH = "**Start with:** "
WIDTHS = (ITEM_TEXT, coach_message.ITEM_CHARS, 60, 48, 36, 24)


def _body(line: str) -> tuple[str, str, str] | None:
    """(prefix, icon, rest) of an item row of a focus field; None for other rows."""
    prefix = START_WITH if line.startswith(START_WITH) else ""
    icon, sep, rest = line[len(prefix) :].partition(" ")
    icons = {*STATE_ICON.values(), *coach_message.STATE_ICON.values()}
    if not sep or icon not in icons:
        return None
    return prefix, icon, rest


def _width(line: str, text: str) -> int | None:
    """The width an item's text was shortened to on this row, or None if it is not named."""
    parts = _body(line)
    if parts is None:
        return None
    body = parts[2]
    for width in WIDTHS:
        short = shorten(text, width)
        if body in (short, f"~~{short}~~") or body.startswith(f"{short} · "):
            return width
    return None


def _names(line: str, text: str) -> bool:
    """Whether a focus row names the item with this text (at any width the DM uses)."""
    return _width(line, text) is not None


def focus_item_ids(embed: discord.Embed, statuses: Sequence[ItemStatus]) -> list[str]:
    """The items a sent reminder's focus names, in its order, read back from its lines.

    The message itself is the record of what it named: recomputing the focus now would give
    a different list once items are done. `max` on (length, id) keeps the choice
    deterministic when one item's text begins with another's.
    """
    out: list[str] = []
    for f in embed.fields:
        if not is_focus_field(f.name):
            continue
        for line in (f.value or "").splitlines():
            found = [
                (len(s.item.text), s.item.id)
                for s in statuses
                if s.item.id not in out and _names(line, s.item.text)
            ]
            if found:
                out.append(max(found)[1])
    return out


def _focus_now(value: str, focus: Sequence[ItemStatus], zone: ZoneInfo | None) -> str:
    """A sent focus field with each named item's row showing its state now; a done item
    loses the how/progress row under it."""
    rows: list[str] = []
    skip_cue = False
    for line in value.splitlines():
        if line.startswith("↳ ") and skip_cue:
            continue
        skip_cue = False
        for s in focus:
            width = _width(line, s.item.text)
            if width is None:
                continue
            prefix = START_WITH if line.startswith(START_WITH) else ""
            line = prefix + coach_message.item_line(s, zone, width)
            skip_cue = s.state is ItemState.DONE
            break
        rows.append(line)
    return "\n".join(rows)


def reminder_with_states(
    sent: discord.Embed,
    focus: Sequence[ItemStatus],
    prog: Progress,
    standing: str,
    zone: ZoneInfo | None,
) -> discord.Embed:
    """A sent reminder with its focus items and standing brought up to date.

    What belongs to the week it was sent (title, phase, milestones, review, offers, footer)
    is kept as sent; the focus rows show each item's state now (done ones struck through),
    and the status line (`standing`, the coach's words for now) and colour show where the
    learner stands now.
    """
    embed = discord.Embed.from_dict(copy.deepcopy(sent.to_dict()))  # copy() shares fields
    embed.clear_fields()
    embed.colour = TRACK_COLOUR[prog.on_track.track]
    lines = (sent.description or "").split("\n")
    if _BAR.search(lines[-1]):
        lines[-1] = standing
        embed.description = "\n".join(lines)
    for f in sent.fields:
        value = f.value or ""
        if is_focus_field(f.name):
            value = _focus_now(value, focus, zone)
        embed.add_field(name=f.name, value=value, inline=bool(f.inline))
    return embed


__all__ = [
    "FOCUS_FIELD",
    "focus_item_ids",
    "reminder_embed",
    "reminder_with_states",
    "ts",
]
