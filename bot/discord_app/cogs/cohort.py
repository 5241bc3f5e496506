"""/cohort: organisers' view of how a server's learners are doing (Manage Server)."""

from __future__ import annotations

import asyncio
import io
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.cohort_csv import cohort_csv
from bot.core.errors import Forbidden
from bot.core.timeparse import parse_zone
from bot.discord_app import formatting, limits
from bot.discord_app.autocomplete import pathway_choices
from bot.discord_app.render_cohort import (
    CHART_CSV,
    CHART_PNG,
    alt_text,
    cohort_text,
)
from bot.discord_app.render_cohort_chart import chart_png
from bot.service.cohort import CohortService
from bot.service.context import Context

if TYPE_CHECKING:
    from bot.discord_app.client import PathwayBot

Choice = app_commands.Choice

#: Display names are fetched one member at a time (listing members needs a privileged
#: intent); past this many listed learners the CSV gives user ids only.
MAX_NAME_LOOKUPS = 100
#: A fetched name is reused this long, so organisers re-running /cohort cost no requests.
NAME_TTL = 600.0


class CohortCog(commands.Cog):
    def __init__(self, bot: PathwayBot) -> None:
        self.bot = bot
        self._names_seen: dict[tuple[int, int], tuple[str, float]] = {}

    def _service(self) -> CohortService:
        return CohortService(Context(self.bot.store, self.bot.registry, self.bot.clock))

    async def group_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[Choice[str]]:
        if interaction.guild_id is None:
            return []
        q = current.strip().lower()
        groups = await self.bot.store.groups.list_for_guild(interaction.guild_id)
        return [
            Choice(name=formatting.shorten(g.name, 100), value=g.name[:100])
            for g in groups
            if q in g.name.lower()
        ][: limits.AUTOCOMPLETE_CHOICES]

    @app_commands.command(
        name="cohort", description="How learners here are doing: a chart and a CSV (private)"
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(
        group="A study group (default: everyone on the pathway in this server)",
        pathway="The pathway (default: the group's, else this server's)",
    )
    async def cohort(
        self,
        interaction: discord.Interaction[Any],
        group: str | None = None,
        pathway: str | None = None,
    ) -> None:
        if interaction.guild_id is None:
            raise Forbidden("`/cohort` works in a server.")
        if not interaction.permissions.manage_guild:
            raise Forbidden("You need the **Manage Server** permission to see the cohort.")
        service = self._service()
        where = await service.scope(interaction.guild_id, group, pathway)
        await interaction.response.defer(ephemeral=True, thinking=True)
        summary = await service.report(where)
        names = await self._names(interaction, [r.user_id for r in summary.visible])
        settings = await self.bot.store.guilds.get(interaction.guild_id)
        zone = parse_zone(settings.default_prefs.tz if settings.default_prefs else "UTC")
        png = await asyncio.to_thread(chart_png, summary)
        csv_bytes = cohort_csv(summary, names, zone).encode("utf-8")
        await interaction.followup.send(
            cohort_text(summary),
            files=[
                discord.File(io.BytesIO(png), filename=CHART_PNG, description=alt_text(summary)),
                discord.File(io.BytesIO(csv_bytes), filename=CHART_CSV),
            ],
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    cohort.autocomplete("group")(group_choices)
    cohort.autocomplete("pathway")(pathway_choices)

    async def _names(
        self, interaction: discord.Interaction[Any], user_ids: list[int]
    ) -> dict[int, str]:
        """Server display names of listed (visible) learners only; hidden ones are never
        looked up. Cached members first, then one REST read each, a few at a time."""
        guild = interaction.guild
        if guild is None:
            return {}
        names: dict[int, str] = {}
        missing: list[int] = []
        now = time.monotonic()
        if len(self._names_seen) > 5000:  # keep the cache bounded: drop what has expired
            self._names_seen = {k: v for k, v in self._names_seen.items() if v[1] > now}
        for uid in user_ids:
            member = guild.get_member(uid)
            seen = self._names_seen.get((guild.id, uid))
            if member is not None:
                names[uid] = member.display_name
            elif seen is not None and seen[1] > now:
                names[uid] = seen[0]
            elif len(missing) < MAX_NAME_LOOKUPS:
                missing.append(uid)
        gate = asyncio.Semaphore(4)

        async def fetch(uid: int) -> None:
            async with gate:
                try:
                    member = await guild.fetch_member(uid)
                except discord.HTTPException:
                    return  # left the server: the row keeps its user id
                names[uid] = member.display_name
                self._names_seen[guild.id, uid] = (member.display_name, time.monotonic() + NAME_TTL)

        await asyncio.gather(*(fetch(uid) for uid in missing))
        return names


async def setup(bot: PathwayBot) -> None:
    await bot.add_cog(CohortCog(bot))
