"""/setup: server settings for admins (Manage Server), checked again when each command runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import Forbidden
from bot.discord_app import formatting, limits
from bot.discord_app.autocomplete import zone_choices
from bot.discord_app.render_admin import (
    defaults_text,
    digest_channel_text,
    dm_notice_text,
    member_groups_text,
    settings_summary,
)
from bot.discord_app.render_reload import describe_reload
from bot.discord_app.render_roles import mapped_text, mappings_text, removed_text
from bot.discord_app.role_checks import check_assignable
from bot.service.context import Context
from bot.service.milestones import MilestoneRolesService

if TYPE_CHECKING:
    from bot.discord_app.client import PathwayBot

Choice = app_commands.Choice


def require_manage_guild(interaction: discord.Interaction[Any]) -> int:
    """The default_member_permissions only hide the command; this enforces it."""
    if interaction.guild_id is None:
        raise Forbidden("Server settings can only be changed in a server.")
    if not interaction.permissions.manage_guild:
        raise Forbidden("You need the **Manage Server** permission to change server settings.")
    return interaction.guild_id


class AdminCog(commands.Cog):
    setup_group = app_commands.Group(
        name="setup",
        description="Server settings for pathway-bot (Manage Server)",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: PathwayBot) -> None:
        self.bot = bot

    @setup_group.command(name="digest-channel", description="Where weekly group digests are posted")
    @app_commands.describe(channel="The channel for digests; leave empty to turn digests off")
    async def digest_channel(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel | None = None
    ) -> None:
        guild_id = require_manage_guild(interaction)
        settings = await self.bot.admin.set_digest_channel(
            guild_id, channel.id if channel else None
        )
        text = digest_channel_text(settings, self.bot.admin.digest_timing(settings))
        await interaction.response.send_message(text, ephemeral=True)

    @setup_group.command(
        name="defaults", description="Default reminder day, time and zone; digests post then too"
    )
    @app_commands.describe(
        day="Default weekday, e.g. mon (empty: keep the current one; mon if none was set)",
        time="Default local time, HH:MM 24-hour (empty: keep the current; 09:00 if none)",
        timezone="Default IANA time zone, e.g. Europe/Berlin (empty: keep the current; UTC)",
    )
    async def defaults(
        self,
        interaction: discord.Interaction[Any],
        day: str | None = None,
        time: str | None = None,
        timezone: str | None = None,
    ) -> None:
        guild_id = require_manage_guild(interaction)
        settings = await self.bot.admin.set_defaults(guild_id, day, time, timezone)
        changed = not (day is None and time is None and timezone is None)
        await interaction.response.send_message(
            defaults_text(settings, self.bot.admin.digest_timing(settings), changed),
            ephemeral=True,
        )

    defaults.autocomplete("timezone")(zone_choices)

    @setup_group.command(
        name="member-groups", description="Whether members may create study groups"
    )
    @app_commands.describe(allowed="True: anyone may /group create; False: admins only")
    async def member_groups(self, interaction: discord.Interaction[Any], allowed: bool) -> None:
        guild_id = require_manage_guild(interaction)
        await self.bot.admin.set_member_groups(guild_id, allowed)
        await interaction.response.send_message(member_groups_text(allowed), ephemeral=True)

    @setup_group.command(
        name="dm-notice",
        description="Mention a learner whose DMs are closed once in a channel (default: off)",
    )
    @app_commands.describe(
        enabled=(
            "True: one channel mention per learner, ever (their group's channel, else the "
            "digest channel); False: they are only told privately"
        )
    )
    async def dm_notice(self, interaction: discord.Interaction[Any], enabled: bool) -> None:
        guild_id = require_manage_guild(interaction)
        await self.bot.admin.set_dm_notice(guild_id, enabled)
        await interaction.response.send_message(dm_notice_text(enabled), ephemeral=True)

    @setup_group.command(
        name="show", description="This server's settings and learner counts (only you see it)"
    )
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = require_manage_guild(interaction)
        summary = await self.bot.admin.summary(guild_id)
        await interaction.response.send_message(settings_summary(summary), ephemeral=True)

    @setup_group.command(
        name="milestone-role", description="Give a role when a learner reaches a milestone"
    )
    @app_commands.describe(
        milestone="first week, first month, day 90, phase N or pathway complete",
        role="The role to give (leave empty to stop giving one for this milestone)",
    )
    async def milestone_role(
        self,
        interaction: discord.Interaction[Any],
        milestone: str,
        role: discord.Role | None = None,
    ) -> None:
        guild_id = require_manage_guild(interaction)
        service = MilestoneRolesService(Context(self.bot.store, self.bot.registry, self.bot.clock))
        chosen = service.parse(milestone)
        if role is None:
            removed = await service.remove(guild_id, chosen)
            text = removed_text(chosen.label, removed.role_id if removed else None)
        else:
            await check_assignable(interaction, role)
            await service.set_role(guild_id, chosen, role.id, interaction.user.id)
            text = mapped_text(chosen.label, chosen.meaning, role.id)
        now = [
            (m.milestone.label, m.mapping.role_id, m.mapping.enabled)
            for m in await service.mappings(guild_id)
        ]
        text += "\n" + mappings_text(now)
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    @milestone_role.autocomplete("milestone")
    async def milestone_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[Choice[str]]:
        service = MilestoneRolesService(Context(self.bot.store, self.bot.registry, self.bot.clock))
        q = current.strip().lower()
        return [Choice(name=m.label, value=m.label) for m in service.choices() if q in m.label][
            : limits.AUTOCOMPLETE_CHOICES
        ]

    @setup_group.command(
        name="reload-pathways", description="Re-read pathway files (bot owner only)"
    )
    async def reload_pathways(self, interaction: discord.Interaction[Any]) -> None:
        if not await self.bot.is_owner(interaction.user):
            raise Forbidden("Only the bot's owner can reload pathway files.")
        report = await self.bot.reload_pathways()
        await interaction.response.send_message(
            formatting.fit_lines(describe_reload(report).splitlines(), limits.CONTENT),
            ephemeral=True,
        )


async def setup(bot: PathwayBot) -> None:
    await bot.add_cog(AdminCog(bot))
