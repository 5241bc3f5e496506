"""Interaction lifecycle: dispatch, the 3-second acknowledgement deadline, token lookup.

Discord fails an interaction ("This interaction failed") when the first callback does not arrive
within 3 seconds; a later callback gets 404 Unknown interaction (10062). The registry arms a loop
timer at dispatch and records such failures, so a bot that does slow work before deferring fails a
test deterministically instead of flaking in production. After acknowledgement the interaction
token works for follow-ups and edits for 15 minutes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .errors import ApiError
from .ids import new_token
from .metrics import Counters
from .models import JSON
from .state import EmulatorState

# Interaction types
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Callback types
PONG = 1
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

#: Which callback types Discord accepts for each interaction type.
ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    PING: frozenset({PONG}),
    APPLICATION_COMMAND: frozenset({CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL}),
    MESSAGE_COMPONENT: frozenset(
        {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, MODAL}
    ),
    AUTOCOMPLETE: frozenset({AUTOCOMPLETE_RESULT}),
    MODAL_SUBMIT: frozenset(
        {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE}
    ),
}


@dataclass(eq=False)
class InteractionRecord:
    """One interaction the test started, and everything the bot answered to it."""

    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    guild_id: int | None
    payload: JSON = field(repr=False)
    command_name: str | None = None
    custom_id: str | None = None
    #: The message holding the clicked component (component / modal-from-component).
    source_message_id: int | None = None
    dispatched_at: float = 0.0
    created_clock: float = 0.0
    response_type: int | None = None
    response_data: JSON | None = field(default=None, repr=False)
    failed: bool = False
    late_callbacks: int = 0
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    modal: JSON | None = None
    choices: list[JSON] | None = None
    edits_at_ack: int = 0
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None


class InteractionRegistry:
    """Creates interaction ids/tokens, dispatches them and enforces timing rules."""

    def __init__(
        self,
        state: EmulatorState,
        counters: Counters,
        *,
        deadline: float,
        token_lifetime: float,
    ) -> None:
        self.state = state
        self.counters = counters
        self.deadline = deadline
        self.token_lifetime = token_lifetime
        self.records: dict[int, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self.failed: list[InteractionRecord] = []

    def new_identity(self) -> tuple[int, str]:
        return self.state.ids.next(), new_token()

    def dispatch(self, record: InteractionRecord) -> None:
        """Send INTERACTION_CREATE and start the acknowledgement deadline."""
        loop = asyncio.get_running_loop()
        record.dispatched_at = loop.time()
        record.created_clock = self.state.clock.monotonic()
        record.timer = loop.call_later(self.deadline, self._expire, record)
        self.records[record.id] = record
        self._by_token[record.token] = record
        self.counters.interactions_dispatched += 1
        self.state.emit("INTERACTION_CREATE", record.payload)

    def _expire(self, record: InteractionRecord) -> None:
        record.timer = None
        if record.acknowledged or record.failed:
            return
        record.failed = True
        self.failed.append(record)
        self.counters.interactions_failed += 1
        self.state.changed()

    def cancel_timers(self) -> None:
        for record in self.records.values():
            if record.timer is not None:
                record.timer.cancel()
                record.timer = None

    def for_callback(self, interaction_id: int, token: str) -> InteractionRecord:
        """The record a callback refers to, enforcing the deadline and single acknowledgement."""
        record = self.records.get(interaction_id)
        if record is None or record.token != token:
            raise ApiError(404, 10062, "Unknown interaction")
        late = asyncio.get_running_loop().time() - record.dispatched_at > self.deadline
        if record.failed or (late and not record.acknowledged):
            record.late_callbacks += 1
            self.counters.late_callbacks += 1
            if not record.failed:
                self._expire(record)
            self.state.changed()
            raise ApiError(404, 10062, "Unknown interaction")
        if record.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        return record

    def for_webhook(self, application_id: int, token: str) -> InteractionRecord:
        """The record behind an interaction webhook (follow-ups/edits), if still valid."""
        record = self._by_token.get(token)
        if record is None or application_id != self.state.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        if self.state.clock.monotonic() - record.created_clock > self.token_lifetime:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        if not record.acknowledged:
            raise ApiError(404, 10015, "Unknown Webhook")
        return record

    def acknowledge(self, record: InteractionRecord, response_type: int, data: JSON | None) -> None:
        record.response_type = response_type
        record.response_data = data
        if record.timer is not None:
            record.timer.cancel()
            record.timer = None
        self.state.changed()
