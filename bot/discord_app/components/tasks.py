"""The "Show everything" button under `/tasks`: the short reply lists the week's focus, and
this button sends the full list privately, for whoever owns the plan.

Kept apart from views.py so the task list's controls change in one small module. Like every
persistent component, everything it needs is in its custom_id (the enrolment id), so it
keeps working after a restart, and each click is checked against the clicking user.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.discord_app import formatting, limits
from bot.discord_app.components.base import Answered, bot_of
from bot.discord_app.components.items import plan_controls
from bot.discord_app.render_tasks import tasks_embed
from bot.service.outcomes import LearnerPlan

SHOW_ALL = "Show everything"


class ShowAllButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"pb:all:(?P<eid>[0-9]{1,20})",
):
    def __init__(self, enrolment_id: int, label: str = SHOW_ALL) -> None:
        super().__init__(
            discord.ui.Button(
                label=formatting.shorten(label, limits.BUTTON_LABEL),
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:all:{enrolment_id}",
                emoji="📋",
            )
        )
        self.enrolment_id = enrolment_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ShowAllButton:
        return cls(int(match["eid"]))

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        enrolment = await bot.learning.owned_enrolment(self.enrolment_id, interaction.user.id)
        view = await bot.learning.view(enrolment)
        await interaction.response.send_message(
            embeds=tasks_embed([view], "all"),
            view=plan_controls(enrolment.id, view.plan, buttons=0),
            ephemeral=True,
        )


def tasks_controls(views: Sequence[LearnerPlan], horizon: str | None) -> discord.ui.View:
    """The `/tasks` reply's components: the check-off menu of the first plan, and a "Show
    everything" button per plan (named by the pathway's short name when there are several),
    unless the reply already lists everything of its only plan."""
    first = views[0]
    view = plan_controls(first.enrolment.id, first.plan, buttons=0)
    several = len(views) > 1
    if horizon == "all" and not several:
        return view
    for v in views[: limits.BUTTONS_PER_ROW]:
        label = f"{SHOW_ALL}: {v.pathway.name}" if several else SHOW_ALL
        view.add_item(ShowAllButton(v.enrolment.id, label))
    return view


TASK_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (ShowAllButton,)
