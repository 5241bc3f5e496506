"""The weekly DM's buttons, built from the message the core decided (bot/core/coach_message):
✅ per focus line, the snooze choices, and behind mode's offers (slower pace, pause,
re-plan from today)."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.core.coach_message import WeeklyMessage
from bot.core.snooze import SnoozeKind
from bot.discord_app import formatting, limits
from bot.discord_app.components.base import Answered, bot_of
from bot.discord_app.components.items import DoneButton
from bot.discord_app.components.snooze import SnoozeButton
from bot.discord_app.components.stateless import stateless_view
from bot.discord_app.render_catchup import caught_up_text


class OfferButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"pb:offer:(?P<eid>[0-9]{1,20}):(?P<what>pause|replan|pace:[a-z0-9-]{1,24})",
):
    """One of behind mode's offers; pressed, it is checked again and answered privately."""

    def __init__(self, enrolment_id: int, what: str, label: str = "Re-plan from today") -> None:
        super().__init__(
            discord.ui.Button(
                label=formatting.shorten(label, limits.BUTTON_LABEL),
                style=discord.ButtonStyle.primary,
                custom_id=f"pb:offer:{enrolment_id}:{what}",
            )
        )
        self.enrolment_id = enrolment_id
        self.what = what

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> OfferButton:
        return cls(int(match["eid"]), match["what"])

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        service = bot_of(interaction).catching_up
        user = interaction.user.id
        if self.what == "pause":
            done = await service.pause(self.enrolment_id, user)
        elif self.what == "replan":
            done = await service.replan_from_today(self.enrolment_id, user)
        else:
            done = await service.slow_down(self.enrolment_id, user, self.what.split(":", 1)[1])
        await interaction.response.send_message(caught_up_text(done), ephemeral=True)


def weekly_controls(enrolment_id: int, message: WeeklyMessage) -> discord.ui.View:
    """The buttons the message lists, in its order and with its labels."""
    view = stateless_view()
    for b in message.buttons:
        if b.kind == "done":
            view.add_item(DoneButton(enrolment_id, b.arg, b.label))
        elif b.kind == "snooze":
            view.add_item(SnoozeButton(enrolment_id, SnoozeKind(b.arg), b.label))
        else:
            view.add_item(OfferButton(enrolment_id, b.arg, b.label))
    return view
