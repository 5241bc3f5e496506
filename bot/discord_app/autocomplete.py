"""Autocomplete shared by several commands. Answers come from memory (Discord allows 3 s
and 25 choices)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.core.timeparse import search_zones
from bot.discord_app import limits

Choice = app_commands.Choice


async def zone_choices(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    return [Choice(name=z, value=z) for z in search_zones(current)]


async def pathway_choices(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    q = current.strip().lower()
    out = []
    for lp in interaction.client.registry.all():
        p = lp.pathway
        if q in p.id or q in p.title.lower():
            out.append(Choice(name=limits.shorten(f"{p.title} ({p.id})", 100), value=p.id))
    return out[: limits.AUTOCOMPLETE_CHOICES]
