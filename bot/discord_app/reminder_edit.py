"""A ✅ pressed on a weekly reminder DM edits that DM in place, so the conversation shows it.

The click itself is answered privately first (the ✅ Done reply, within Discord's 3 s); then
the reminder is edited once, with a PATCH of that message: the item reads done (struck
through) and loses its button, while the week's title, the other items with their buttons
and the snooze choices stay. The message is the record of which items it named: they are
read back from its focus lines, so an item done earlier (whose button is gone) is still
shown, and every named item shows its state now, whether it was checked off here, by
`/done` or undone since.

Only the reminder DM is edited: the ✅ buttons on the /enroll and /tasks replies sit on
ephemeral messages, which a bot cannot PATCH.

Quick clicks on two items of one DM must not undo each other: edits of one message are made
one at a time, each from the states read inside that turn, so the last edit shows them all.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

import discord

from bot.core.cadence import ItemState, ItemStatus
from bot.core.coach_message import status_text
from bot.core.models import EnrolmentStatus
from bot.core.reminder import compose
from bot.discord_app.components.base import bot_of, item_label
from bot.discord_app.components.done_look import DONE_PREFIX, done_button
from bot.discord_app.components.stateless import stateless_view
from bot.discord_app.render_delivery import (
    MAX_REMINDER_BUTTONS,
    focus_item_ids,
    is_focus_field,
    reminder_with_states,
)
from bot.service.outcomes import LearnerPlan

log = logging.getLogger(__name__)

# One lock per message being edited; an entry lives only while someone holds or awaits it.
_EDITING: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


def is_reminder(message: discord.Message | None) -> bool:
    """A reminder DM: a message of ours that persists (not ephemeral) and names a focus."""
    if message is None or message.flags.ephemeral or not message.embeds:
        return False
    return any(is_focus_field(f.name) for f in message.embeds[0].fields)


def _custom_id(item: discord.ui.Item[Any]) -> str | None:
    custom_id = getattr(item, "custom_id", None)
    return custom_id if isinstance(custom_id, str) else None


def button_item_ids(message: discord.Message, enrolment_id: int) -> list[str]:
    """The items whose ✅ buttons for this enrolment are still on the message, in order."""
    prefix = f"{DONE_PREFIX}{enrolment_id}:"
    out: list[str] = []
    for row in message.components:
        for component in getattr(row, "children", ()):
            custom_id = getattr(component, "custom_id", None)
            if isinstance(custom_id, str) and custom_id.startswith(prefix):
                out.append(custom_id.removeprefix(prefix))
    return out


def controls_now(
    message: discord.Message, enrolment_id: int, focus: list[ItemStatus]
) -> discord.ui.View:
    """A ✅ button for each named item still open, then the message's other components
    (the snooze choices) as they were."""
    view = stateless_view()
    open_items = [s for s in focus if s.state is not ItemState.DONE]
    for s in open_items[:MAX_REMINDER_BUTTONS]:
        view.add_item(done_button(enrolment_id, s.item.id, item_label(s, 40)))
    for item in discord.ui.View.from_message(message, timeout=None).children:
        custom_id = _custom_id(item)
        if custom_id is not None and custom_id.startswith(DONE_PREFIX):
            continue
        item.row = None
        view.add_item(item)
    return view


async def show_done(
    interaction: discord.Interaction[Any], enrolment_id: int, seen: LearnerPlan | None = None
) -> None:
    """Edit the clicked reminder DM to show its items' states now; anything else is left.
    `seen`: the plan the click's own use case returned, so nothing is read again."""
    message = interaction.message
    if message is None or not is_reminder(message):
        return
    bot = bot_of(interaction)
    lock = _EDITING.setdefault(message.id, asyncio.Lock())
    async with lock:
        try:
            if seen is None:
                enrolment = await bot.learning.owned_enrolment(enrolment_id, interaction.user.id)
                state = await bot.learning.standing_of(enrolment)
                plan, progress, streak = state.plan, state.progress, state.streak
                pathway = bot.registry.get(enrolment.pathway_id)
            else:
                enrolment, pathway = seen.enrolment, seen.pathway
                plan, progress, streak = seen.plan, seen.progress, seen.streak
            # The standing in the coach's own words, as a reminder sent now would say it.
            paused = enrolment.status is EnrolmentStatus.PAUSED
            standing = status_text(compose(pathway, plan, None, streak, paused=paused))
            statuses = {s.item.id: s for s in plan.statuses}
            named = focus_item_ids(message.embeds[0], plan.statuses)
            named += [i for i in button_item_ids(message, enrolment_id) if i not in named]
            focus = [statuses[i] for i in named if i in statuses]
            embed = reminder_with_states(message.embeds[0], focus, progress, standing, plan.zone)
            await message.edit(
                embed=embed,
                view=controls_now(message, enrolment_id, focus),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except Exception:  # the click was answered already; a stale DM is only cosmetic
            log.exception("could not update reminder message %s", message.id)
