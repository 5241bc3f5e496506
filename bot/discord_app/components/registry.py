"""Every persistent component, for the client to register at start."""

from __future__ import annotations

from typing import Any

import discord

from bot.discord_app.components.account import (
    ApplySettingsButton,
    CancelButton,
    ForgetButton,
    LeaveButton,
)
from bot.discord_app.components.items import DoneButton, TaskSelect
from bot.discord_app.components.offers import OfferButton
from bot.discord_app.components.pages import PageButton
from bot.discord_app.components.snooze import CancelSnoozeButton, SnoozeButton
from bot.discord_app.components.tasks import TASK_ITEMS

DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    *TASK_ITEMS,
    SnoozeButton,
    CancelSnoozeButton,
    CancelButton,
    DoneButton,
    TaskSelect,
    PageButton,
    LeaveButton,
    ForgetButton,
    ApplySettingsButton,
    OfferButton,
)
