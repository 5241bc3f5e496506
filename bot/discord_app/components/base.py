"""What every persistent component shares.

They work after a restart because everything they need is in the custom_id (discord.py
DynamicItem), and every click is checked against the clicking user. `Answered` carries the
error handling once: whatever goes wrong, the click gets a private answer.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord

from bot.core.cadence import ItemStatus
from bot.core.errors import Forbidden
from bot.discord_app import formatting
from bot.discord_app.tree import report_error
from bot.pathway_files import PathwayRegistry
from bot.service.account import Account
from bot.service.learning import Learning
from bot.service.replan import CatchingUp
from bot.service.snoozing import Snoozing


class Services(Protocol):
    """What components reach through `interaction.client`: the bot (client.py) has these.
    A protocol, not the bot's class, so components and the client do not import each other."""

    learning: Learning
    account: Account
    snoozing: Snoozing
    catching_up: CatchingUp
    registry: PathwayRegistry


def bot_of(interaction: discord.Interaction[Any]) -> Services:
    return interaction.client  # type: ignore[no-any-return]


def item_label(s: ItemStatus, limit: int) -> str:
    return formatting.shorten(s.item.text, limit)


class Answered:
    """Mixin for every DynamicItem: `on_click` does the work, and any error it raises is
    answered privately (domain errors in words, anything else with an error id) instead of
    leaving the user with "This interaction failed". Put it first among the bases."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self.on_click(interaction)
        except Exception as exc:  # every click gets an answer
            await report_error(interaction, exc)

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        # Every component overrides this; a class that forgot would answer the click with
        # an error id (through callback above) rather than leave it hanging.
        raise NotImplementedError(f"{type(self).__name__} must define on_click")


def require_owner(interaction: discord.Interaction[Any], user_id: int) -> None:
    """For controls that name their user in the custom_id (the others are checked by the
    service against the enrolment's owner)."""
    if interaction.user.id != user_id:
        raise Forbidden("These controls belong to someone else. Use the command yourself.")
