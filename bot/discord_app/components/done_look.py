"""The ✅ button as Discord shows it: label, style, emoji and custom_id.

`DoneButton` (components/items.py) answers its clicks; the reminder-DM editor
(reminder_edit.py) redraws the buttons still open with this alone, so neither module imports
the other's: the click handler calls the editor, and the editor only draws.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.discord_app import formatting, limits

DONE_PREFIX = "pb:done:"
#: The custom_id template DoneButton is dispatched by (discord.py DynamicItem).
DONE_TEMPLATE = r"pb:done:(?P<eid>[0-9]{1,20}):(?P<item>[a-z0-9-]{1,48})"


def done_button(
    enrolment_id: int, item_id: str, label: str = "Mark done"
) -> discord.ui.Button[Any]:
    """A ✅ button for one item of one enrolment; a click reaches `DoneButton` by its id."""
    return discord.ui.Button(
        label=formatting.shorten(label, limits.BUTTON_LABEL),
        style=discord.ButtonStyle.success,
        custom_id=f"{DONE_PREFIX}{enrolment_id}:{item_id}",
        emoji="✅",
    )
