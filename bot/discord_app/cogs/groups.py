"""/group and /leaderboard: study groups and fair rankings. Group-facing replies are public."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import Forbidden
from bot.core.leaderboard import Metric, Period
from bot.core.untrusted import escape_text
from bot.discord_app.autocomplete import group_choices, pathway_choices
from bot.discord_app.render_social import (
    board_embed,
    group_info_embed,
    group_list_embed,
    my_rank_text,
)
from bot.discord_app.tree import defer_publicly, reply

if TYPE_CHECKING:
    from bot.discord_app.client import PathwayBot

Choice = app_commands.Choice


def _guild(interaction: discord.Interaction[Any]) -> int:
    if interaction.guild_id is None:
        raise Forbidden("Study groups and leaderboards live in servers.")
    return interaction.guild_id


NO_MENTIONS = discord.AllowedMentions.none()


class GroupsCog(commands.Cog):
    group = app_commands.Group(
        name="group", description="Study groups in this server", guild_only=True
    )

    def __init__(self, bot: PathwayBot) -> None:
        self.bot = bot

    async def group_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[Choice[str]]:
        return await group_choices(interaction, current)

    @group.command(
        name="create", description="Create a study group (admins, or members where allowed)"
    )
    @app_commands.describe(
        name="The group's name, unique in this server",
        pathway="The pathway the group follows",
        channel="A channel for the group's digests and mentions (optional)",
        cohort_start="The cohort's start date, YYYY-MM-DD (default today)",
    )
    async def create(
        self,
        interaction: discord.Interaction[Any],
        name: str,
        pathway: str,
        channel: discord.TextChannel | None = None,
        cohort_start: str | None = None,
    ) -> None:
        guild_id = _guild(interaction)
        created = await self.bot.social.create_group(
            guild_id,
            interaction.user.id,
            interaction.permissions.manage_guild,
            name,
            pathway,
            channel.id if channel else None,
            cohort_start,
        )
        name = escape_text(created.name, 80)
        pathway_name = self.bot.registry.get(created.pathway_id).name
        await interaction.response.send_message(
            f"Study group **{name}** created for **{pathway_name}**. Join with `/group join` "
            "or `/enroll … group:`, picking it by name.",
            allowed_mentions=NO_MENTIONS,
        )

    create.autocomplete("pathway")(pathway_choices)

    @group.command(name="join", description="Join a study group for a pathway you follow")
    @app_commands.describe(name="The group to join")
    async def join(self, interaction: discord.Interaction[Any], name: str) -> None:
        joined = await self.bot.social.join(_guild(interaction), interaction.user.id, name)
        await interaction.response.send_message(
            f"You joined **{escape_text(joined.name, 80)}**.", ephemeral=True
        )

    join.autocomplete("name")(group_choices)

    @group.command(name="leave", description="Leave a study group (your progress is kept)")
    @app_commands.describe(name="The group to leave")
    async def leave(self, interaction: discord.Interaction[Any], name: str) -> None:
        left = await self.bot.social.leave(_guild(interaction), interaction.user.id, name)
        await interaction.response.send_message(
            f"You left **{escape_text(left.name, 80)}**. Your progress is kept.", ephemeral=True
        )

    leave.autocomplete("name")(group_choices)

    @group.command(name="list", description="The study groups in this server")
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        groups = await self.bot.social.list_groups(_guild(interaction))
        await interaction.response.send_message(
            embed=group_list_embed(groups), allowed_mentions=NO_MENTIONS
        )

    @group.command(name="info", description="One study group: pathway, cohort and members")
    @app_commands.describe(name="The group")
    async def info(self, interaction: discord.Interaction[Any], name: str) -> None:
        info = await self.bot.social.info(_guild(interaction), name)
        await interaction.response.send_message(
            embed=group_info_embed(info), allowed_mentions=NO_MENTIONS
        )

    info.autocomplete("name")(group_choices)

    @app_commands.command(name="leaderboard", description="Who's ahead: points or on-schedule")
    @app_commands.guild_only()
    @app_commands.describe(
        group="A study group (default: yours, else everyone on your pathway here)",
        period="week, month or all time (default all)",
        metric="points, or on-schedule (done vs. expected from each learner's own start)",
    )
    @app_commands.choices(
        period=[Choice(name=p.value, value=p.value) for p in Period],
        metric=[Choice(name=m.value, value=m.value) for m in Metric],
    )
    async def leaderboard(
        self,
        interaction: discord.Interaction[Any],
        group: str | None = None,
        period: Choice[str] | None = None,
        metric: Choice[str] | None = None,
    ) -> None:
        chosen = Metric(metric.value) if metric else Metric.POINTS
        # Check the options first: a mistake must be answered privately, and after a public
        # deferral Discord would post the first follow-up (the error) in the channel.
        where = await self.bot.social.board_scope(_guild(interaction), interaction.user.id, group)
        if chosen is Metric.ON_SCHEDULE:
            # Builds every member's plan: may take longer than Discord's 3 s for big groups.
            await defer_publicly(interaction)
        board = await self.bot.social.board_in(
            where, interaction.user.id, Period(period.value) if period else Period.ALL, chosen
        )
        await reply(
            interaction, embed=board_embed(board), ephemeral=False, allowed_mentions=NO_MENTIONS
        )
        mine = my_rank_text(board)
        if mine:
            await reply(interaction, mine, ephemeral=True)

    leaderboard.autocomplete("group")(group_choices)


async def setup(bot: PathwayBot) -> None:
    await bot.add_cog(GroupsCog(bot))
