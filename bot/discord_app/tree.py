"""The CommandTree subclass: one place that turns errors into replies.

Domain errors (`PathwayError`) become ephemeral replies, worded from their code and data by
`wording.py` (the service and the store hold no sentences). Anything else is unexpected: it
is logged with a short error id, and the user sees the id so a maintainer can find the log
line. Every interaction gets an answer either way, and an error is
always private: after a public "thinking" deferral, Discord makes the first follow-up *be* the
public placeholder whatever its flags, so `reply` removes the placeholder first.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.core.errors import PathwayError
from bot.discord_app.wording import describe

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Every expected-problem reply starts with this, so it reads as a warning at a glance.
WARNING = "⚠️"


#: Set while an interaction's public "thinking" placeholder waits for its first follow-up.
PUBLIC_PLACEHOLDER = "pathway_public_placeholder"

#: What a placeholder that cannot be deleted is replaced with: nothing the user typed.
WITHDRAWN = "This reply could not be shown here."


def error_id() -> str:
    return secrets.token_hex(4)


async def defer_publicly(interaction: discord.Interaction[Any]) -> None:
    """Show a public "thinking…" placeholder. Call it only once every option was checked."""
    await interaction.response.defer(thinking=True)
    interaction.extras[PUBLIC_PLACEHOLDER] = True


async def _withdraw_placeholder(interaction: discord.Interaction[Any]) -> None:
    """Delete the public placeholder so that a private message can follow. If it cannot be
    deleted, empty it instead; if that fails too, the caller's message is not sent at all."""
    try:
        await interaction.delete_original_response()
    except discord.NotFound:
        pass  # already gone
    except discord.HTTPException:
        await interaction.edit_original_response(
            content=WITHDRAWN, embeds=[], attachments=[], view=None
        )


async def reply(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    ephemeral: bool = True,
    **kwargs: Any,
) -> None:
    """Respond, or follow up when the interaction was already answered or deferred.

    A private reply after a public deferral never fills the public placeholder: that is
    withdrawn first and the reply goes out as a new ephemeral follow-up.
    """
    if not interaction.response.is_done():
        await interaction.response.send_message(content, ephemeral=ephemeral, **kwargs)
        return
    if interaction.extras.pop(PUBLIC_PLACEHOLDER, False) and ephemeral:
        await _withdraw_placeholder(interaction)
    body = content if content is not None else discord.utils.MISSING
    await interaction.followup.send(body, ephemeral=ephemeral, **kwargs)


#: A use case still running after this long (the database waiting on another writer's lock)
#: gets a private "thinking" deferral first, so Discord's 3-second deadline is always met.
DEFER_AFTER = 1.0


async def in_time(
    interaction: discord.Interaction[Any], work: Awaitable[T], after: float = DEFER_AFTER
) -> T:
    """Await `work`, deferring the interaction privately should it take longer than `after`
    seconds. Answer with `reply` afterwards: it follows up when the response was deferred."""
    task = asyncio.ensure_future(work)
    finished, _ = await asyncio.wait({task}, timeout=after)
    if not finished and not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)
    return await task


def unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        inner = error.__cause__ or getattr(error, "original", None)
        if inner is None or inner is error:
            break
        error = inner
    return error


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Shared by the tree and by component callbacks (which the tree does not see)."""
    error = unwrap(error)
    metrics = getattr(interaction.client, "metrics", None)
    command = interaction.command.qualified_name if interaction.command else "component"
    expected = isinstance(error, PathwayError | app_commands.CheckFailure)
    if metrics is not None:
        metrics.interaction(command, "user_error" if expected else "error")
    if isinstance(error, PathwayError):
        message = f"{WARNING} {describe(error)}"
    elif isinstance(error, app_commands.MissingPermissions):
        message = f"{WARNING} You need the **Manage Server** permission to use this command."
    elif isinstance(error, app_commands.NoPrivateMessage):
        message = f"{WARNING} This command only works in a server."
    elif isinstance(error, app_commands.CommandOnCooldown):
        message = f"{WARNING} Slow down: try again in {error.retry_after:.0f} s."
    elif isinstance(error, app_commands.CheckFailure):
        message = f"{WARNING} You are not allowed to use this command here."
    else:
        eid = error_id()
        log.error(
            "unexpected error %s in %s for user %s",
            eid,
            command,
            interaction.user.id,
            exc_info=error,
            extra={"error_id": eid, "user_id": interaction.user.id, "command": command},
        )
        message = (
            f"❌ Something went wrong on our side (error id `{eid}`). Please try again; if it "
            "keeps happening, give this id to a server admin."
        )
    try:
        await reply(interaction, message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply to user %s", interaction.user.id)


class PathwayTree(app_commands.CommandTree[Any]):
    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)
