"""What Discord requires before the bot can give a role, checked at `/setup milestone-role`:
the Manage Roles permission, and the role below the bot's highest role (`is_assignable`).
Each refusal says exactly what to change.

The gateway cache answers first. It can lag a change just made in Server Settings, so
before refusing, the bot asks Discord for the roles and its own member (two reads, only on
that path) and decides from those.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from bot.core.errors import Forbidden, InvalidInput
from bot.discord_app.render_roles import (
    EVERYONE,
    missing_manage_roles,
    role_managed,
    role_too_high,
)

ADMINISTRATOR = 1 << 3
MANAGE_ROLES = 1 << 28


@dataclass(frozen=True, slots=True)
class _Standing:
    manage_roles: bool
    can_give: bool
    top_name: str | None  # the bot's highest role, None when it has only @everyone


def _above(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Role order as Discord (and discord.py) sorts it: position, then the older id."""
    (pa, ida), (pb, idb) = a, b
    return pa > pb or (pa == pb and ida < idb)


def _cached(me: discord.Member, role: discord.Role) -> _Standing:
    top = me.top_role
    return _Standing(
        me.guild_permissions.manage_roles,
        role.is_assignable(),
        None if top.is_default() else top.name,
    )


async def _fresh(
    http: discord.http.HTTPClient, guild: discord.Guild, me_id: int, role_id: int
) -> _Standing:
    roles = {int(r["id"]): r for r in await http.get_roles(guild.id)}
    member = await http.get_member(guild.id, me_id)
    mine = [roles[int(r)] for r in member.get("roles", []) if int(r) in roles]
    everyone = roles.get(guild.id)
    perms = int(everyone["permissions"]) if everyone else 0
    for r in mine:
        perms |= int(r["permissions"])
    owner = guild.owner_id == me_id
    manage = owner or bool(perms & (ADMINISTRATOR | MANAGE_ROLES))
    top = max(mine, key=lambda r: (int(r["position"]), -int(r["id"])), default=None)
    target = roles.get(role_id)
    can_give = target is not None and (
        owner
        or (
            top is not None
            and _above(
                (int(top["position"]), int(top["id"])),
                (int(target["position"]), int(target["id"])),
            )
        )
    )
    return _Standing(manage, can_give, str(top["name"]) if top else None)


async def check_assignable(interaction: discord.Interaction[Any], role: discord.Role) -> None:
    """Raise with the exact fix when the bot could not give `role` now."""
    guild = interaction.guild
    if guild is None:
        raise Forbidden("Milestone roles can only be set in a server.")
    if role.is_default():
        raise InvalidInput(EVERYONE)
    if role.managed:
        raise InvalidInput(role_managed(role.name))
    me_id = interaction.client.user.id if interaction.client.user else 0
    me = guild.me
    standing = _cached(me, role) if me is not None else None
    if standing is None or not (standing.manage_roles and standing.can_give):
        standing = await _fresh(interaction.client.http, guild, me_id, role.id)
    if not standing.manage_roles:
        raise Forbidden(missing_manage_roles(standing.top_name))
    if not standing.can_give:
        raise Forbidden(role_too_high(role.name, standing.top_name))
