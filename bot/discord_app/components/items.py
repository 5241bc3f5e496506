"""Checking items off: the ✅ buttons and the task menu.

Like /done, a click waits on the database at most about a second before it is deferred
privately ("thinking"), so a slow write (another connection holding SQLite's lock) never
misses Discord's 3-second deadline; the answer then follows up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.core.cadence import ItemState, Plan
from bot.core.focus import weekly_focus
from bot.core.models import CompletionSource
from bot.discord_app import formatting, limits
from bot.discord_app.components.base import Answered, bot_of, item_label
from bot.discord_app.components.done_look import DONE_TEMPLATE, done_button
from bot.discord_app.components.stateless import stateless_view
from bot.discord_app.reminder_edit import show_done
from bot.discord_app.render_progress import done_message
from bot.discord_app.tree import in_time, reply
from bot.service.outcomes import DoneOutcome


class DoneButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=DONE_TEMPLATE,
):
    def __init__(self, enrolment_id: int, item_id: str, label: str = "Mark done") -> None:
        super().__init__(done_button(enrolment_id, item_id, label))
        self.enrolment_id = enrolment_id
        self.item_id = item_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DoneButton:
        return cls(int(match["eid"]), match["item"])

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        outcome = await in_time(
            interaction,
            bot.learning.done_by_id(
                self.enrolment_id, interaction.user.id, self.item_id, CompletionSource.BUTTON
            ),
        )
        await reply(interaction, done_message(outcome), ephemeral=True)
        await show_done(interaction, self.enrolment_id, outcome.view)


class TaskSelect(
    Answered,
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"pb:sel:(?P<eid>[0-9]{1,20})",
):
    def __init__(self, enrolment_id: int, options: Sequence[discord.SelectOption] = ()) -> None:
        opts = list(options)[: limits.SELECT_OPTIONS] or [
            discord.SelectOption(label="(nothing open)", value="-")
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"pb:sel:{enrolment_id}",
                placeholder="Check off items…",
                min_values=1,
                max_values=len(opts),
                options=opts,
            )
        )
        self.enrolment_id = enrolment_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TaskSelect:
        return cls(int(match["eid"]))

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        values = [v for v in self.item.values if v != "-"]
        if not values:
            await interaction.response.send_message("Nothing selected.", ephemeral=True)
            return

        async def check_off() -> list[DoneOutcome]:
            return [
                await bot.learning.done_by_id(
                    self.enrolment_id, interaction.user.id, str(item_id), CompletionSource.SELECT
                )
                for item_id in values[: limits.SELECT_OPTIONS]
            ]

        lines = []
        for outcome in await in_time(interaction, check_off()):
            text = formatting.shorten(outcome.status.item.text, 120)
            if outcome.created:
                lines.append(f"✅ {text} (+{outcome.points})")
            else:
                lines.append(f"☑️ {text} (already done)")
        last = outcome.view
        lines.append(
            f"Progress {formatting.bar(last.progress.overall.done, last.progress.overall.total)}"
            f" · {last.progress.describe()} · {last.points} points"
        )
        await reply(interaction, "\n".join(lines), ephemeral=True)


def plan_controls(
    enrolment_id: int, plan: Plan, buttons: int = 5, *, select: bool = True
) -> discord.ui.View:
    """A task select of the open items, most urgent first, plus a ✅ button for each item of
    the week's focus: the same items the reminder DM offers."""
    statuses = plan.statuses
    open_items = [
        s for s in statuses if s.state in (ItemState.OVERDUE, ItemState.DUE_SOON, ItemState.OPEN)
    ]
    order = {ItemState.OVERDUE: 0, ItemState.DUE_SOON: 1, ItemState.OPEN: 2}
    open_items.sort(
        key=lambda s: (order[s.state], s.due_at is None, s.due_at.timestamp() if s.due_at else 0.0)
    )
    view = stateless_view()
    if not open_items:
        return view
    options = [
        discord.SelectOption(
            label=item_label(s, limits.SELECT_LABEL),
            value=s.item.id,
            # The state only: the label names the item, and its id is for the bot alone.
            description={
                ItemState.OVERDUE: "Overdue",
                ItemState.DUE_SOON: "Due within 7 days",
            }.get(s.state, "Open"),
        )
        for s in open_items[: limits.SELECT_OPTIONS]
    ]
    if select:
        view.add_item(TaskSelect(enrolment_id, options))
    for s in weekly_focus(plan)[:buttons]:
        view.add_item(DoneButton(enrolment_id, s.item.id, item_label(s, 40)))
    return view
