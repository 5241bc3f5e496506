"""/enroll /tasks /done /undo /progress /leave /pathways: the learner's day-to-day commands."""

from __future__ import annotations

import asyncio
import io
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import matching
from bot.core.cadence import Plan
from bot.core.models import Enrolment
from bot.discord_app import formatting, limits
from bot.discord_app.autocomplete import group_choices, pace_choices, pathway_choices
from bot.discord_app.autocomplete_prefs import (
    day_choices,
    time_choices,
    zone_choices_with_default,
)
from bot.discord_app.card import render_progress_card
from bot.discord_app.components.account import ApplySettingsButton, LeaveButton, confirm_view
from bot.discord_app.components.items import plan_controls
from bot.discord_app.components.pages import page_controls
from bot.discord_app.components.tasks import tasks_controls
from bot.discord_app.render_account import dms_closed_at_enroll
from bot.discord_app.render_enroll import enroll_reply
from bot.discord_app.render_pathway import pathway_list, pathway_pages
from bot.discord_app.render_progress import (
    card_alt_text,
    card_data,
    done_message,
    progress_embed,
    undo_message,
)
from bot.discord_app.render_tasks import tasks_embed
from bot.discord_app.role_granter import kept_roles_note
from bot.discord_app.tree import in_time, reply
from bot.service.context import Context

if TYPE_CHECKING:
    from bot.discord_app.client import PathwayBot

log = logging.getLogger(__name__)
Choice = app_commands.Choice


def _guild(interaction: discord.Interaction[Any]) -> int | None:
    return interaction.guild_id


class LearningCog(commands.Cog):
    def __init__(self, bot: PathwayBot) -> None:
        self.bot = bot

    def _ctx(self) -> Context:
        return Context(self.bot.store, self.bot.registry, self.bot.clock)

    # --- autocomplete ---------------------------------------------------------------------

    async def _item_choices(
        self, interaction: discord.Interaction[Any], current: str, *, done: bool
    ) -> list[Choice[str]]:
        items = await self.bot.learning.open_items(
            interaction.user.id, _guild(interaction), done=done
        )
        several = len({e.id for e, _ in items}) > 1
        out = []
        # The same rule a submitted text resolves by (bot/core/matching.py): what is offered
        # first here is what typing the text and sending it would pick.
        for enrolment, s in matching.ranked(current, items, lambda es: (es[1].item.text,)):
            value = f"{enrolment.pathway_id}/{s.item.id}" if several else s.item.id
            tag = {"overdue": "⚠️ ", "due-soon": "⏳ ", "not-open": "🔒 "}.get(s.state.value, "")
            where = f" · {self._home(enrolment)}" if several else ""
            label = formatting.shorten(f"{tag}{s.item.text}", 100 - len(where)) + where
            out.append(Choice(name=label[:100], value=value[:100]))
            if len(out) == limits.AUTOCOMPLETE_CHOICES:
                break
        return out

    def _home(self, enrolment: Enrolment) -> str:
        """'Backend → ML Engineer (Learners)': which enrolment, for choices made in DMs."""
        pathway = self.bot.registry.find(enrolment.pathway_id)
        name = pathway.pathway.name if pathway is not None else enrolment.pathway_id
        if enrolment.guild_id is None:
            return f"{name} (DMs)"
        guild = self.bot.get_guild(enrolment.guild_id)
        return f"{name} ({guild.name if guild is not None else 'a server'})"

    async def open_item_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[Choice[str]]:
        return await self._item_choices(interaction, current, done=False)

    async def done_item_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[Choice[str]]:
        return await self._item_choices(interaction, current, done=True)

    # --- commands -------------------------------------------------------------------------

    @app_commands.command(
        name="enroll", description="Start a pathway: your plan, on your own calendar"
    )
    @app_commands.describe(
        pathway="The pathway to follow (see /pathways)",
        group="A study group in this server to join at the same time",
        timezone=(
            "IANA time zone, e.g. Europe/London "
            "(default: your saved zone, else this server's, else UTC)"
        ),
        day="Weekday for your reminder DM (default: your saved day, else this server's, else mon)",
        time="Local time, HH:MM 24-hour (default: your saved time, else this server's, else 09:00)",
        start="Start date YYYY-MM-DD (default today)",
        pace="Your timeline: as-written, 9-months or 12-months (default: the shortest stated)",
    )
    async def enroll(
        self,
        interaction: discord.Interaction[Any],
        pathway: str,
        group: str | None = None,
        timezone: str | None = None,
        day: str | None = None,
        time: str | None = None,
        start: str | None = None,
        pace: str | None = None,
    ) -> None:
        outcome = await self.bot.learning.enroll(
            interaction.user.id,
            _guild(interaction),
            pathway,
            group=group,
            timezone=timezone,
            day=day,
            time=time,
            start=start,
            pace=pace,
        )
        where = None
        if outcome.lives_in is not None:
            home = self.bot.get_guild(outcome.lives_in)
            where = home.name if home is not None else None
        content, embed = enroll_reply(outcome, where)
        view = plan_controls(outcome.view.enrolment.id, outcome.view.plan, select=False)
        if outcome.proposed_prefs is not None:
            view = confirm_view(
                ApplySettingsButton(
                    outcome.view.enrolment.id,
                    outcome.proposed_prefs,
                    outcome.proposed_start,
                    outcome.proposed_pace,
                )
            )
        await interaction.response.send_message(content, embed=embed, view=view, ephemeral=True)
        if not outcome.already:
            self.bot.spawn(self._welcome(interaction, outcome.view.enrolment, outcome.view.plan))

    async def _welcome(
        self, interaction: discord.Interaction[Any], enrolment: Enrolment, plan: Plan
    ) -> None:
        """After the reply (never on the 3-second path): the welcome DM, or, when DMs are
        closed, a private follow-up saying so and where reminders will appear instead."""
        try:
            result = await self.bot.welcomer.welcome(
                enrolment,
                self.bot.clock.now(),
                partial(self.bot.reminders.fallback_channel, enrolment),
                plan,
            )
            if result.dms_closed:
                await interaction.followup.send(
                    dms_closed_at_enroll(result.fallback_channel_id), ephemeral=True
                )
        except Exception:  # the enrolment stands; a lost welcome is only logged
            log.exception("welcome for enrolment %s failed", enrolment.id)

    enroll.autocomplete("pathway")(pathway_choices)
    enroll.autocomplete("group")(group_choices)
    enroll.autocomplete("timezone")(zone_choices_with_default)
    enroll.autocomplete("day")(day_choices)
    enroll.autocomplete("time")(time_choices)
    enroll.autocomplete("pace")(pace_choices)

    @app_commands.command(
        name="tasks", description="This week's focus, with a button that shows everything"
    )
    @app_commands.describe(horizon="Which items to show (default: this week's focus)")
    @app_commands.choices(
        horizon=[
            Choice(name="Due in the next 7 days", value="week"),
            Choice(name="Due in the next 30 days", value="month"),
            Choice(name="Due in the next 90 days", value="90d"),
            Choice(name="Current roadmap phase", value="phase"),
            Choice(name="Everything", value="all"),
        ]
    )
    async def tasks(
        self, interaction: discord.Interaction[Any], horizon: Choice[str] | None = None
    ) -> None:
        value = horizon.value if horizon else None
        views = await self.bot.learning.tasks(interaction.user.id, _guild(interaction), value)
        await interaction.response.send_message(
            embeds=tasks_embed(views, value),
            view=tasks_controls(views, value),
            ephemeral=True,
        )

    @app_commands.command(name="done", description="Check off an item in your pathway")
    @app_commands.describe(task="The item you finished (start typing to pick)")
    async def done(self, interaction: discord.Interaction[Any], task: str) -> None:
        outcome = await in_time(
            interaction, self.bot.learning.done(interaction.user.id, _guild(interaction), task)
        )
        await reply(interaction, done_message(outcome), ephemeral=True)

    done.autocomplete("task")(open_item_choices)

    @app_commands.command(name="undo", description="Reopen an item you marked done by mistake")
    @app_commands.describe(task="The item to reopen (start typing to pick)")
    async def undo(self, interaction: discord.Interaction[Any], task: str) -> None:
        outcome = await in_time(
            interaction, self.bot.learning.undo(interaction.user.id, _guild(interaction), task)
        )
        kept = await kept_roles_note(self._ctx(), outcome.view.enrolment, "undoing an item")
        await reply(
            interaction,
            undo_message(outcome) + kept,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    undo.autocomplete("task")(done_item_choices)

    @app_commands.command(name="progress", description="Your progress card and a short summary")
    @app_commands.describe(
        member="Someone else here (if they chose /me visibility shown, or share your study group)"
    )
    async def progress(
        self, interaction: discord.Interaction[Any], member: discord.User | None = None
    ) -> None:
        target = member or interaction.user
        outcome = await self.bot.learning.progress_of(
            interaction.user.id, target.id, _guild(interaction)
        )
        who = None if target.id == interaction.user.id else target.display_name
        views = outcome.views[:10]
        embeds = [progress_embed(v, who) for v in views]
        # Rendering takes tens of milliseconds: do it off the event loop.
        pngs = await asyncio.gather(
            *(asyncio.to_thread(render_progress_card, card_data(v, who)) for v in views)
        )
        files = []
        for i, (view, embed, png) in enumerate(zip(views, embeds, pngs, strict=True)):
            name = f"progress-{i + 1}.png"
            embed.set_image(url=f"attachment://{name}")
            alt = card_alt_text(view, who)
            files.append(discord.File(io.BytesIO(png), filename=name, description=alt))
        await interaction.response.send_message(embeds=embeds, files=files, ephemeral=True)

    @app_commands.command(name="pathways", description="Browse the available pathways")
    @app_commands.describe(pathway="Show one pathway in full (overview, skills, phases, FAQ)")
    async def pathways(
        self, interaction: discord.Interaction[Any], pathway: str | None = None
    ) -> None:
        if pathway is None:
            await interaction.response.send_message(
                embed=pathway_list(self.bot.registry.all()), ephemeral=True
            )
            return
        found = self.bot.registry.get(pathway.strip())
        pages = pathway_pages(found)
        await interaction.response.send_message(
            embed=pages[0], view=page_controls(found.id, 0, len(pages)), ephemeral=True
        )

    pathways.autocomplete("pathway")(pathway_choices)

    @app_commands.command(name="leave", description="Stop following a pathway (progress is kept)")
    @app_commands.describe(pathway="The pathway to leave")
    async def leave(self, interaction: discord.Interaction[Any], pathway: str) -> None:
        enrolment = await self.bot.learning.leaving(
            interaction.user.id, _guild(interaction), pathway
        )
        found = self.bot.registry.find(enrolment.pathway_id)
        name = found.pathway.name if found else enrolment.pathway_id
        await interaction.response.send_message(
            f"Leave **{name}**? Reminders stop. Your progress is kept, and enrolling again "
            "here restores it." + await kept_roles_note(self._ctx(), enrolment, "leaving"),
            view=confirm_view(LeaveButton(enrolment.id)),
            ephemeral=True,
        )

    leave.autocomplete("pathway")(pathway_choices)


async def setup(bot: PathwayBot) -> None:
    await bot.add_cog(LearningCog(bot))
