"""/reminders and /me: a learner's schedule, pauses, privacy, export and deletion."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.deadlines import day_text
from bot.discord_app.autocomplete import zone_choices
from bot.discord_app.components.account import ForgetButton, confirm_view
from bot.discord_app.components.snooze import snooze_controls
from bot.discord_app.render_account import (
    EVIDENCE_TXT,
    EXPORT_JSON,
    evidence_text,
    export_message,
    visibility_text,
)
from bot.discord_app.render_calendar import calendar_text
from bot.discord_app.render_reminders import reminders_text
from bot.service.calendar import CalendarService
from bot.service.context import Context

if TYPE_CHECKING:
    from bot.discord_app.client import PathwayBot

Choice = app_commands.Choice


class MeCog(commands.Cog):
    reminders = app_commands.Group(name="reminders", description="Your weekly reminder DM")
    me = app_commands.Group(name="me", description="Your data and privacy")

    def __init__(self, bot: PathwayBot) -> None:
        self.bot = bot

    @reminders.command(name="show", description="When your next reminders come")
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        view = await self.bot.account.reminders(interaction.user.id)
        text = reminders_text(view.learner, view.enrolments, view.snoozes, view.names)
        controls = snooze_controls(view)
        if controls is None:
            await interaction.response.send_message(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, view=controls, ephemeral=True)

    @reminders.command(name="set", description="Change the day, time or time zone of reminders")
    @app_commands.describe(
        day="Weekday, e.g. mon or friday",
        time="Local time, HH:MM 24-hour, e.g. 18:30",
        timezone="IANA time zone, e.g. America/New_York",
    )
    async def set_(
        self,
        interaction: discord.Interaction[Any],
        day: str | None = None,
        time: str | None = None,
        timezone: str | None = None,
    ) -> None:
        view = await self.bot.account.set_reminders(interaction.user.id, day, time, timezone)
        await interaction.response.send_message(
            "Updated. " + reminders_text(view.learner, view.enrolments, names=view.names),
            ephemeral=True,
        )

    set_.autocomplete("timezone")(zone_choices)

    @reminders.command(
        name="pause", description="Pause reminders; deadlines move by the time paused"
    )
    @app_commands.describe(until="Resume automatically on this date, YYYY-MM-DD (optional)")
    async def pause(self, interaction: discord.Interaction[Any], until: str | None = None) -> None:
        view, resume_on = await self.bot.account.pause(interaction.user.id, until)
        when = f" until {day_text(resume_on)}" if resume_on else " until you `/reminders resume`"
        await interaction.response.send_message(
            f"⏸️ Paused{when}. Deadlines not yet reached move later by the days you are away, "
            "so you won't come back behind.\n"
            + reminders_text(view.learner, view.enrolments, names=view.names),
            ephemeral=True,
        )

    @reminders.command(name="resume", description="Turn reminders back on")
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        view = await self.bot.account.resume(interaction.user.id)
        await interaction.response.send_message(
            "▶️ Welcome back! " + reminders_text(view.learner, view.enrolments, names=view.names),
            ephemeral=True,
        )

    @me.command(name="export", description="Download everything stored about you")
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.bot.account.export(interaction.user.id)
        data = json.dumps(result.data, indent=2, ensure_ascii=False, default=str).encode()
        await interaction.followup.send(
            export_message(result),
            files=[
                discord.File(io.BytesIO(data), filename=EXPORT_JSON),
                discord.File(io.BytesIO(evidence_text(result).encode()), filename=EVIDENCE_TXT),
            ],
            ephemeral=True,
        )

    @me.command(name="delete", description="Delete everything stored about you (asks to confirm)")
    async def delete(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(
            "This deletes your enrolments, completions, group memberships and settings in every "
            "server. It cannot be undone. Consider `/me export` first.",
            view=confirm_view(ForgetButton(interaction.user.id)),
            ephemeral=True,
        )

    @me.command(
        name="visibility",
        description="Opt in to server-wide leaderboards, digests and others' /progress",
    )
    @app_commands.describe(
        mode="shown: listed server-wide; hidden (the default): only your study group sees you"
    )
    @app_commands.choices(
        mode=[Choice(name="shown", value="shown"), Choice(name="hidden", value="hidden")]
    )
    async def visibility(self, interaction: discord.Interaction[Any], mode: Choice[str]) -> None:
        learner = await self.bot.account.set_visibility(interaction.user.id, mode.value)
        await interaction.response.send_message(visibility_text(learner.visibility), ephemeral=True)

    @me.command(name="calendar", description="Your deadlines as a calendar file (.ics) to import")
    async def calendar(self, interaction: discord.Interaction[Any]) -> None:
        service = CalendarService(Context(self.bot.store, self.bot.registry, self.bot.clock))
        export = await service.export(interaction.user.id, interaction.guild_id)
        await interaction.response.send_message(
            calendar_text(export),
            file=discord.File(io.BytesIO(export.ics), filename=export.filename),
            ephemeral=True,
        )


async def setup(bot: PathwayBot) -> None:
    await bot.add_cog(MeCog(bot))
