"""What a test gets back from an interaction it started: the bot's response, as it evolves.

A reply starts empty and fills in as the bot acknowledges (callback), edits ``@original`` and sends
follow-ups. Properties read the *current* state; ``wait_*`` methods block (event driven) until the
next stage exists. Typical use::

    reply = await emu.run_command(alice, "enroll", guild=guild)   # first response arrived
    assert reply.deferred and reply.ephemeral
    final = await reply.wait_final()                                # edit/follow-up arrived
    assert "enrolled" in final.content
"""

# The waiting helpers take a ``timeout`` on purpose: it is a failure budget that turns a hang into
# a readable test failure, not a cancellation scope the caller could wrap instead.
# ruff: noqa: ASYNC109

from __future__ import annotations

from typing import Any

from .errors import EmulatorUsageError
from .interactions import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
    UPDATE_MESSAGE,
    InteractionRecord,
)
from .models import JSON, Attachment, Message
from .notifier import Notifier
from .state import EmulatorState


class InteractionFailedError(AssertionError):
    """The bot did not acknowledge the interaction in time (Discord shows "interaction failed")."""


class InteractionReply:
    """The bot's answer to one interaction (command, click, modal submit or autocomplete)."""

    def __init__(
        self,
        state: EmulatorState,
        notifier: Notifier,
        record: InteractionRecord,
        *,
        timeout: float,
        deadline: float,
    ) -> None:
        self._state = state
        self._notifier = notifier
        self.record = record
        self.timeout = timeout
        self._deadline = deadline

    def __repr__(self) -> str:
        return (
            f"<InteractionReply id={self.record.id} type={self.response_type} "
            f"content={self.content!r} followups={len(self.followups)} failed={self.failed}>"
        )

    # ------------------------------------------------------------------ current state

    @property
    def response_type(self) -> int | None:
        """The callback type the bot used first (4 message, 5 defer, 6/7 update, 8, 9 modal)."""
        return self.record.response_type

    @property
    def acknowledged(self) -> bool:
        return self.record.acknowledged

    @property
    def failed(self) -> bool:
        """True once Discord would have shown "This interaction failed"."""
        return self.record.failed

    @property
    def deferred(self) -> bool:
        return self.response_type in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE)

    @property
    def message(self) -> Message | None:
        """``@original``: the response message, or the clicked message for update responses."""
        message_id = self.record.original_message_id
        if message_id is None:
            return None
        message = self._state.messages.get(message_id)
        return None if message is None or message.deleted else message

    @property
    def ephemeral(self) -> bool:
        message = self.message
        return bool(message is not None and message.ephemeral)

    @property
    def content(self) -> str:
        message = self.message
        return message.content if message is not None else ""

    @property
    def embeds(self) -> list[JSON]:
        message = self.message
        return message.embeds if message is not None else []

    @property
    def components(self) -> list[JSON]:
        message = self.message
        return message.components if message is not None else []

    @property
    def attachments(self) -> list[Attachment]:
        message = self.message
        return message.attachments if message is not None else []

    @property
    def followups(self) -> list[Message]:
        """Follow-up messages (not counting one that replaced a "thinking" placeholder)."""
        found = (self._state.messages.get(m) for m in self.record.followup_ids)
        return [m for m in found if m is not None and not m.deleted]

    @property
    def messages(self) -> list[Message]:
        """``@original`` (if any) followed by the follow-ups."""
        first = [self.message] if self.message is not None else []
        return first + self.followups

    @property
    def modal(self) -> JSON | None:
        """The modal the bot opened (callback type 9), to pass to ``emu.submit_modal``."""
        return self.record.modal

    @property
    def choices(self) -> list[JSON] | None:
        """Autocomplete choices (callback type 8)."""
        return self.record.choices

    # ------------------------------------------------------------------ waiting

    async def _wait(self, predicate: Any, what: str, timeout: float | None) -> Any:
        return await self._notifier.wait_for(
            predicate, self.timeout if timeout is None else timeout, description=what
        )

    async def wait_first(self, timeout: float | None = None) -> InteractionReply:
        """Wait for the first callback; raise :class:`InteractionFailedError` if it never came."""
        budget = max(self.timeout if timeout is None else timeout, self._deadline + 1.0)
        await self._wait(
            lambda: self.record.acknowledged or self.record.failed,
            f"the first response to interaction {self.record.id}",
            budget,
        )
        if self.record.failed and not self.record.acknowledged:
            raise InteractionFailedError(
                f"interaction {self.record.id}"
                f" ({self.record.command_name or self.record.custom_id})"
                f" was not acknowledged within {self._deadline}s"
            )
        return self

    async def wait_final(self, timeout: float | None = None) -> Message:
        """The message the user finally sees: for defers, wait for the edit or first follow-up."""
        await self.wait_first(timeout)
        kind = self.response_type
        if kind in (AUTOCOMPLETE_RESULT, MODAL):
            raise EmulatorUsageError(f"callback type {kind} has no message; use .choices/.modal")
        if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            return self._require_message()
        if kind == DEFERRED_CHANNEL_MESSAGE:
            await self._wait(
                lambda: self.message is None or not self.message.loading or self.followups,
                "the deferred response to be completed",
                timeout,
            )
        else:
            await self._wait(
                lambda: (
                    self.followups
                    or (
                        self.message is not None
                        and self.message.edit_count > self.record.edits_at_ack
                    )
                ),
                "the deferred update to be completed",
                timeout,
            )
        message = self.message
        if message is not None and not message.loading:
            return message
        if self.followups:
            return self.followups[0]
        raise EmulatorUsageError("the deferred response was deleted without a final message")

    async def wait_followup(self, count: int = 1, timeout: float | None = None) -> Message:
        """Wait until at least ``count`` follow-ups exist; return the ``count``-th."""
        await self._wait(
            lambda: len(self.followups) >= count, f"{count} follow-up message(s)", timeout
        )
        return self.followups[count - 1]

    async def wait_edit(self, timeout: float | None = None) -> Message:
        """Wait for the next edit of ``@original`` after now; return the message."""
        message = self._require_message()
        seen = message.edit_count
        await self._wait(lambda: message.edit_count > seen, "an edit of @original", timeout)
        return message

    def _require_message(self) -> Message:
        message = self.message
        if message is None:
            raise EmulatorUsageError(f"interaction {self.record.id} has no response message")
        return message
