"""Autocomplete for `/enroll`'s day, time and timezone: the value that applies when the
option is left empty comes first, marked with where it comes from.

A slash command's option description is the same in every server, so it cannot say what
this server's default is; the suggestions can, because they are computed per user and
server as the learner types (two indexed reads, well within Discord's 3 seconds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.core.errors import InvalidInput
from bot.core.models import ReminderPrefs
from bot.core.timeparse import WEEKDAYS, parse_time, search_zones
from bot.discord_app import formatting, limits
from bot.service.outcomes import PrefsSource

if TYPE_CHECKING:
    from bot.discord_app.client import PathwayBot

Choice = app_commands.Choice

SOURCE_NOTE = {
    PrefsSource.LEARNER: "your saved setting",
    PrefsSource.GUILD: "this server's default",
    PrefsSource.DEFAULT: "the default",
}
WEEKDAY_ABBR = tuple(day[:3] for day in WEEKDAYS)  # the values: "mon", what parse_weekday reads
#: Reminder times offered before the learner types anything, besides the default.
COMMON_TIMES = (*(f"{h:02d}:00" for h in range(6, 23)), "07:30", "12:30", "18:30")


async def _defaults(interaction: discord.Interaction[Any]) -> tuple[ReminderPrefs, str]:
    bot: PathwayBot = interaction.client
    prefs, source = await bot.learning.enrol_defaults(interaction.user.id, interaction.guild_id)
    return prefs, SOURCE_NOTE[source]


def _choices(
    default: str, default_label: str, note: str, others: list[tuple[str, str]]
) -> list[Choice[str]]:
    out = [Choice(name=formatting.shorten(f"{default_label} ({note})", 100), value=default)]
    out += [Choice(name=label, value=value) for value, label in others if value != default]
    return out[: limits.AUTOCOMPLETE_CHOICES]


async def day_choices(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    prefs, note = await _defaults(interaction)
    q = current.strip().lower()
    days = [
        (abbr, name.capitalize())
        for abbr, name in zip(WEEKDAY_ABBR, WEEKDAYS, strict=True)
        if not q or name.startswith(q)
    ]
    default = WEEKDAY_ABBR[prefs.weekday]
    if q and not WEEKDAYS[prefs.weekday].startswith(q):
        return [Choice(name=label, value=value) for value, label in days]
    return _choices(default, WEEKDAYS[prefs.weekday].capitalize(), note, days)


async def time_choices(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    prefs, note = await _defaults(interaction)
    default = prefs.at.strftime("%H:%M")
    q = current.strip()
    others: list[tuple[str, str]] = []
    if q:
        try:  # what the learner typed, as the time it means ("7pm" -> 19:00)
            typed = parse_time(q).strftime("%H:%M")
            others.append((typed, typed))
        except InvalidInput:
            pass
    others += [(t, t) for t in sorted(COMMON_TIMES) if t.startswith(q) and (t, t) not in others]
    if q and not default.startswith(q):
        return [Choice(name=label, value=value) for value, label in others][:25]
    return _choices(default, default, note, others)


async def zone_choices_with_default(
    interaction: discord.Interaction[Any], current: str
) -> list[Choice[str]]:
    prefs, note = await _defaults(interaction)
    zones = [(z, z) for z in search_zones(current)]
    q = current.strip().lower().replace(" ", "_")
    if q and q not in prefs.tz.lower():
        return [Choice(name=z, value=z) for z, _ in zones]
    return _choices(prefs.tz, prefs.tz, note, zones)
