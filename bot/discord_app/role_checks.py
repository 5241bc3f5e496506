"""What Discord requires before the bot can give a role, checked at `/setup milestone-role`:
the Manage Roles permission, and the role below the bot's highest role (`is_assignable`).
Each refusal says exactly what to change."""

from __future__ import annotations

from typing import Any

import discord

from bot.core.errors import Forbidden, InvalidInput
from bot.discord_app.render_roles import (
    EVERYONE,
    missing_manage_roles,
    role_managed,
    role_too_high,
)


async def bot_member(interaction: discord.Interaction[Any]) -> discord.Member:
    guild = interaction.guild
    if guild is None:
        raise Forbidden("Milestone roles can only be set in a server.")
    me = guild.me
    if me is None:
        me = await guild.fetch_member(interaction.client.user.id)
    return me


async def check_assignable(interaction: discord.Interaction[Any], role: discord.Role) -> None:
    """Raise with the exact fix when the bot could not give `role` now."""
    me = await bot_member(interaction)
    top = me.top_role
    top_name = None if top.is_default() else top.name
    if role.is_default():
        raise InvalidInput(EVERYONE)
    if role.managed:
        raise InvalidInput(role_managed(role.name))
    if not me.guild_permissions.manage_roles:
        raise Forbidden(missing_manage_roles(top_name))
    if not role.is_assignable():
        raise Forbidden(role_too_high(role.name, top_name))
