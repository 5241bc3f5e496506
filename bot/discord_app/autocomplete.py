"""Autocomplete shared by several commands. Answers come from memory (Discord allows 3 s
and 25 choices)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.core import matching
from bot.core.layout import default_pace, pace_description, paces
from bot.core.timeparse import search_zones
from bot.discord_app import formatting, limits

Choice = app_commands.Choice


async def zone_choices(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    return [Choice(name=z, value=z) for z in search_zones(current)]


async def pathway_choices(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    """Pathways by their full title when it fits the 100-character choice, else by their
    short name; the id is only the value the command receives."""
    q = current.strip().lower()
    out = []
    for lp in interaction.client.registry.all():
        p = lp.pathway
        if q in p.id or q in p.title.lower() or q in p.name.lower():
            label = p.title if len(p.title) <= limits.CHOICE_NAME else p.name
            out.append(Choice(name=formatting.shorten(label, limits.CHOICE_NAME), value=p.id))
    return out[: limits.AUTOCOMPLETE_CHOICES]


async def pace_choices(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    """The chosen pathway's paces, its default first marked as such (all paces when no
    pathway is typed yet, so the option never looks empty)."""
    typed = str(getattr(interaction.namespace, "pathway", "") or "").strip()
    registry = interaction.client.registry
    found = registry.find(typed) if typed else None
    pathways = [found.pathway] if found is not None else [lp.pathway for lp in registry.all()]
    out: list[Choice[str]] = []
    seen: set[str] = set()
    q = current.strip().lower()
    for p in pathways:
        default = default_pace(p)
        for pace in paces(p):
            if pace in seen or (q and q not in pace):
                continue
            seen.add(pace)
            label = pace_description(p, pace) + (" (default)" if pace == default else "")
            out.append(Choice(name=formatting.shorten(label, 100), value=pace))
    return out[: limits.AUTOCOMPLETE_CHOICES]


async def group_choices(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    """This server's study groups, best match first by the rule a typed name resolves by:
    `/group join`, `/group leave`, `/group info` and `/enroll group:` all offer these."""
    if interaction.guild_id is None:
        return []
    groups = await interaction.client.store.groups.list_for_guild(interaction.guild_id)
    return [
        Choice(name=formatting.shorten(g.name, 100), value=g.name[:100])
        for g in matching.ranked(current, groups, lambda g: (g.name,))
    ][: limits.AUTOCOMPLETE_CHOICES]
