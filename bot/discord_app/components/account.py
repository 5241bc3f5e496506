"""Confirmations: leaving a pathway, erasing your data, applying /enroll settings."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

import discord

from bot.core.errors import Forbidden
from bot.core.models import ReminderPrefs
from bot.discord_app.components.base import Answered, bot_of
from bot.discord_app.components.items import plan_controls
from bot.discord_app.components.stateless import stateless_view
from bot.discord_app.render_account import count
from bot.discord_app.render_plan import plan_embed


class LeaveButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"pb:leave:(?P<eid>[0-9]{1,20})",
):
    def __init__(self, enrolment_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Yes, leave this pathway",
                style=discord.ButtonStyle.danger,
                custom_id=f"pb:leave:{enrolment_id}",
            )
        )
        self.enrolment_id = enrolment_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> LeaveButton:
        return cls(int(match["eid"]))

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        left = await bot.learning.leave(self.enrolment_id, interaction.user.id)
        found = bot.registry.find(left.pathway_id)
        name = found.pathway.name if found else left.pathway_id
        await interaction.response.edit_message(
            content=(
                f"You left **{name}**. Reminders have stopped. Your progress is kept: "
                "`/enroll` it again here to restore it."
            ),
            embed=None,
            view=None,
        )


class ForgetButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"pb:forget:(?P<uid>[0-9]{1,20})",
):
    def __init__(self, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Yes, delete everything about me",
                style=discord.ButtonStyle.danger,
                custom_id=f"pb:forget:{user_id}",
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ForgetButton:
        return cls(int(match["uid"]))

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.user_id:
            raise Forbidden("Only the person who asked can confirm deleting their own data.")
        gone = await bot_of(interaction).account.delete(self.user_id)
        await interaction.response.edit_message(
            content=(
                "Deleted everything stored about you: "
                f"{count(gone.enrolments, 'enrolment')}, "
                f"{count(gone.completions, 'completion')}, "
                f"{count(gone.memberships, 'group membership')}, "
                f"{count(gone.deliveries, 'delivery record')}."
            ),
            view=None,
        )


class ApplySettingsButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=(
        r"pb:apply:(?P<eid>[0-9]{1,20}):(?P<wd>[0-6]):(?P<hm>[0-9]{4}):"
        r"(?P<start>[0-9]{4}-[0-9]{2}-[0-9]{2}|-):(?P<tz>[A-Za-z0-9_+\-/]{1,40})"
        r"(?:;(?P<pace>[a-z0-9\-]{1,20}))?"
    ),
):
    """Applies every change a repeated `/enroll` offered (reminders, start, pace); the
    offer itself saved nothing. Buttons made before pace was offered have no `;pace`."""

    def __init__(
        self, enrolment_id: int, prefs: ReminderPrefs, start: str | None, pace: str | None = None
    ) -> None:
        hm = prefs.at.strftime("%H%M")
        tail = f";{pace}" if pace else ""
        super().__init__(
            discord.ui.Button(
                label="Apply these settings",
                style=discord.ButtonStyle.primary,
                custom_id=(
                    f"pb:apply:{enrolment_id}:{prefs.weekday}:{hm}:{start or '-'}:{prefs.tz}{tail}"
                ),
            )
        )
        self.enrolment_id = enrolment_id
        self.prefs = prefs
        self.start = start
        self.pace = pace

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ApplySettingsButton:
        hm = match["hm"]
        prefs = ReminderPrefs(match["tz"], int(match["wd"]), time(int(hm[:2]), int(hm[2:])))
        start = None if match["start"] == "-" else match["start"]
        return cls(int(match["eid"]), prefs, start, match["pace"])

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        view = await bot_of(interaction).learning.apply_settings(
            self.enrolment_id, interaction.user.id, self.prefs, self.start, self.pace
        )
        await interaction.response.edit_message(
            content="Changes applied: your reminders and plan are updated.",
            embed=plan_embed(view),
            view=plan_controls(view.enrolment.id, view.plan),
        )


class CancelButton(Answered, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pb:cancel"):
    """Dismisses a confirmation; changes nothing, whoever presses it."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label="Cancel", style=discord.ButtonStyle.secondary, custom_id="pb:cancel"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CancelButton:
        return cls()

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.edit_message(
            content="Cancelled. Nothing changed.", embed=None, view=None
        )


def confirm_view(confirm: discord.ui.Item[Any]) -> discord.ui.View:
    view = stateless_view()
    view.add_item(confirm)
    view.add_item(CancelButton())
    return view
