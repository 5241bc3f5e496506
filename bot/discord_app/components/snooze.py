"""The reminder's snooze buttons, and cancelling a pending snooze."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.core.cadence import ItemStatus
from bot.core.snooze import SnoozeChoice, SnoozeKind
from bot.core.timeparse import parse_zone
from bot.discord_app import formatting, limits
from bot.discord_app.components.base import Answered, bot_of, item_label
from bot.discord_app.components.items import DoneButton
from bot.discord_app.components.stateless import stateless_view
from bot.discord_app.render_reminders import reminders_text, snoozed_text
from bot.service.account import RemindersView

_SNOOZE_KINDS = "|".join(k.value for k in SnoozeKind)


_SNOOZE_LABELS = {
    SnoozeKind.EVENING: "This evening",
    SnoozeKind.DAY: "Tomorrow, same time",
    SnoozeKind.WEEKEND: "Saturday",
}


class SnoozeButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"pb:snooze:(?P<eid>[0-9]{{1,20}}):(?P<span>{_SNOOZE_KINDS})",
):
    """One snooze choice on a reminder DM. The choice is checked again when pressed (the
    button may be days old), then the reply says when the reminder comes and how to cancel."""

    def __init__(self, enrolment_id: int, span: SnoozeKind, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=formatting.shorten(label or _SNOOZE_LABELS[span], limits.BUTTON_LABEL),
                emoji="💤",
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:snooze:{enrolment_id}:{span.value}",
            )
        )
        self.enrolment_id = enrolment_id
        self.span = span

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SnoozeButton:
        return cls(int(match["eid"]), SnoozeKind(match["span"]))

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        snoozed = await bot.snoozing.snooze(self.enrolment_id, interaction.user.id, self.span.value)
        view = stateless_view()
        view.add_item(
            CancelSnoozeButton(snoozed.enrolment_id, snoozed.delivery_id, "Cancel this snooze")
        )
        await interaction.response.send_message(
            snoozed_text(snoozed.at, snoozed.next_regular), view=view, ephemeral=True
        )


def reminder_controls(
    enrolment_id: int, urgent: Sequence[ItemStatus], snooze: Sequence[SnoozeChoice] = ()
) -> discord.ui.View:
    """A ✅ button per focus item, then the snooze choices that fit this moment."""
    view = stateless_view()
    for s in urgent[:5]:
        view.add_item(DoneButton(enrolment_id, s.item.id, item_label(s, 40)))
    for choice in snooze:
        view.add_item(SnoozeButton(enrolment_id, choice.kind, choice.label))
    return view


class CancelSnoozeButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"pb:unsnooze:(?P<eid>[0-9]{1,20}):(?P<did>[0-9]{1,20})",
):
    """Cancels one pending snooze. Offered where a snooze is shown: the reply to the snooze
    itself and `/reminders show`; only the learner whose enrolment it is can press it."""

    def __init__(self, enrolment_id: int, delivery_id: int, label: str = "Cancel snooze") -> None:
        super().__init__(
            discord.ui.Button(
                label=formatting.shorten(label, limits.BUTTON_LABEL),
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:unsnooze:{enrolment_id}:{delivery_id}",
                emoji="🔕",
            )
        )
        self.enrolment_id = enrolment_id
        self.delivery_id = delivery_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CancelSnoozeButton:
        return cls(int(match["eid"]), int(match["did"]))

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        view = await bot_of(interaction).account.cancel_snooze(
            interaction.user.id, self.enrolment_id, self.delivery_id
        )
        await interaction.response.edit_message(
            content="🔕 Snooze cancelled.\n"
            + reminders_text(view.learner, view.enrolments, view.snoozes, view.names),
            view=snooze_controls(view),
        )


MAX_CANCEL_BUTTONS = 20


def snooze_controls(view: RemindersView) -> discord.ui.View | None:
    """A cancel button per pending snooze, labelled with its time in the learner's zone."""
    if not view.snoozes:
        return None
    zone = parse_zone(view.learner.prefs.tz)
    pathways = {e.id: e.pathway_id for e in view.enrolments}
    several = len({s.enrolment_id for s in view.snoozes}) > 1
    controls = stateless_view()
    for snooze in view.snoozes[:MAX_CANCEL_BUTTONS]:
        local = snooze.at.astimezone(zone)
        label = f"Cancel snooze: {local:%a} {local.day} {local:%b %H:%M}"
        if several:
            label += f" ({pathways.get(snooze.enrolment_id, '?')})"
        controls.add_item(CancelSnoozeButton(snooze.enrolment_id, snooze.delivery_id, label))
    return controls
