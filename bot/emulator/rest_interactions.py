"""Interaction callback and interaction-webhook endpoints (follow-ups, @original edits).

Semantics reproduced from Discord:
- One callback per interaction (40060 otherwise), only types valid for the interaction type, and
  only within the deadline (404 10062 after it).
- Type 4 creates the original response; type 5 creates a "thinking" placeholder (LOADING flag)
  whose first edit or first follow-up replaces it; types 6/7 make ``@original`` the message whose
  component was used (7 edits it immediately); 8 returns autocomplete choices; 9 opens a modal.
- ``?with_response=true`` returns the InteractionCallbackResponse that discord.py 2.5+ parses.
"""

from __future__ import annotations

from aiohttp import web

from .bodies import ParsedBody
from .context import EmulatorContext
from .errors import ApiError, field_error
from .interactions import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
    UPDATE_MESSAGE,
    InteractionRecord,
)
from .message_bodies import create_fields, edit_fields
from .models import FLAG_EPHEMERAL, FLAG_LOADING, JSON, Message
from .rest_common import Route, body_of, ctx_of, json_response, no_content, snowflake
from .serialize import message_json, user_json

#: Message type Discord gives responses to slash commands, and to everything else.
CHAT_INPUT_COMMAND_MESSAGE = 20
DEFAULT_MESSAGE = 0


def _metadata(ctx: EmulatorContext, record: InteractionRecord) -> JSON:
    owners = {"0": str(record.guild_id) if record.guild_id else "0"}
    data: JSON = {
        "id": str(record.id),
        "type": record.type,
        "user": user_json(ctx.state.users[record.user_id]),
        "authorizing_integration_owners": owners,
    }
    if record.type == APPLICATION_COMMAND and record.command_name:
        data["name"] = record.command_name
        data["command_type"] = 1
    if record.source_message_id is not None:
        data["interacted_message_id"] = str(record.source_message_id)
    return data


def _new_response_message(ctx: EmulatorContext, record: InteractionRecord, fields: JSON) -> Message:
    state = ctx.state
    channel = state.channels[record.channel_id]
    return state.create_message(
        channel,
        state.bot_user.id,
        type=CHAT_INPUT_COMMAND_MESSAGE if record.type == APPLICATION_COMMAND else DEFAULT_MESSAGE,
        webhook_id=state.application_id,
        application_id=state.application_id,
        interaction_id=record.id,
        interaction_metadata=_metadata(ctx, record),
        **fields,
    )


def _bad_callback_type(value: object) -> ApiError:
    return ApiError(
        400,
        50035,
        "Invalid Form Body",
        field_error(
            ["type"], "INTERACTION_CALLBACK_TYPE_INVALID", f"Invalid callback type {value}"
        ),
    )


async def interaction_callback(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    state = ctx.state
    record = ctx.interactions.for_callback(
        snowflake(request, "interaction_id", "interaction"), request.match_info["interaction_token"]
    )
    body = body_of(request)
    payload = body.json if isinstance(body.json, dict) else {}
    cb_type = payload.get("type")
    data: JSON = payload.get("data") or {}
    allowed = set(ALLOWED_CALLBACKS.get(record.type, frozenset()))
    if record.source_message_id is None:
        allowed -= {DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE}
    if not isinstance(cb_type, int) or cb_type not in allowed:
        raise _bad_callback_type(cb_type)
    message: Message | None = None
    # The message part of a callback is its ``data``; uploaded files stay on the request.
    data_body = ParsedBody(json=data, files=body.files, multipart=body.multipart)
    if cb_type == CHANNEL_MESSAGE:
        fields = create_fields(state, record.channel_id, data_body, allow_ephemeral=True)
        message = _new_response_message(ctx, record, fields)
        record.original_message_id = message.id
    elif cb_type == DEFERRED_CHANNEL_MESSAGE:
        ephemeral = int(data.get("flags") or 0) & FLAG_EPHEMERAL
        message = _new_response_message(ctx, record, {"flags": FLAG_LOADING | ephemeral})
        record.original_message_id = message.id
    elif cb_type in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
        assert record.source_message_id is not None
        message = state.messages[record.source_message_id]
        record.original_message_id = message.id
        record.edits_at_ack = message.edit_count
        if cb_type == UPDATE_MESSAGE:
            state.edit_message(message, **edit_fields(state, message, data_body))
            record.edits_at_ack = message.edit_count
    elif cb_type == AUTOCOMPLETE_RESULT:
        record.choices = list(data.get("choices") or [])
    elif cb_type == MODAL:
        record.modal = data
    ctx.interactions.acknowledge(record, cb_type, data)
    if request.query.get("with_response", "").lower() not in ("1", "true"):
        return no_content()
    return json_response(_callback_response(ctx, record, cb_type, message))


def _callback_response(
    ctx: EmulatorContext, record: InteractionRecord, cb_type: int, message: Message | None
) -> JSON:
    """InteractionCallbackResponse: ``resource`` only for types 4 and 7, as in the spec."""
    interaction: JSON = {
        "id": str(record.id),
        "type": record.type,
        "channel_id": str(record.channel_id),
    }
    if record.guild_id is not None:
        interaction["guild_id"] = str(record.guild_id)
    result: JSON = {"interaction": interaction}
    if message is not None:
        interaction["response_message_id"] = str(message.id)
        interaction["response_message_loading"] = message.loading
        interaction["response_message_ephemeral"] = message.ephemeral
        if cb_type in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            result["resource"] = {"type": cb_type, "message": message_json(ctx.state, message)}
    return result


def _record(request: web.Request) -> InteractionRecord:
    ctx = ctx_of(request)
    return ctx.interactions.for_webhook(
        snowflake(request, "webhook_id", "webhook"), request.match_info["webhook_token"]
    )


def _target(request: web.Request, record: InteractionRecord) -> Message:
    """``@original`` or a follow-up id belonging to this interaction."""
    state = ctx_of(request).state
    raw = request.match_info.get("message_id", "@original")
    if raw == "@original":
        message_id = record.original_message_id
    else:
        message_id = int(raw) if raw.isdigit() else None
        if message_id not in record.followup_ids and message_id != record.original_message_id:
            message_id = None
    message = state.messages.get(message_id) if message_id is not None else None
    if message is None or message.deleted:
        raise ApiError(404, 10008, "Unknown Message")
    return message


async def create_followup(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    state = ctx.state
    record = _record(request)
    body = body_of(request)
    original = state.messages.get(record.original_message_id or 0)
    if (
        record.response_type == DEFERRED_CHANNEL_MESSAGE
        and original is not None
        and original.loading
        and not original.deleted
    ):
        # Discord: the first follow-up after a "thinking" defer replaces the placeholder and keeps
        # the defer's ephemerality.
        fields = create_fields(state, record.channel_id, body, allow_ephemeral=True)
        fields["flags"] = (fields["flags"] & ~FLAG_EPHEMERAL) | (original.flags & FLAG_EPHEMERAL)
        fields.pop("tts", None)
        state.edit_message(original, **fields)
        return json_response(message_json(state, original))
    fields = create_fields(state, record.channel_id, body, allow_ephemeral=True)
    message = _new_response_message(ctx, record, fields)
    record.followup_ids.append(message.id)
    state.changed()
    return json_response(message_json(state, message))


async def get_webhook_message(request: web.Request) -> web.Response:
    record = _record(request)
    return json_response(message_json(ctx_of(request).state, _target(request, record)))


async def edit_webhook_message(request: web.Request) -> web.Response:
    state = ctx_of(request).state
    record = _record(request)
    message = _target(request, record)
    changes = edit_fields(state, message, body_of(request))
    if message.loading:
        changes["flags"] = changes.get("flags", message.flags) & ~FLAG_LOADING
    state.edit_message(message, **changes)
    return json_response(message_json(state, message))


async def delete_webhook_message(request: web.Request) -> web.Response:
    state = ctx_of(request).state
    record = _record(request)
    state.delete_message(_target(request, record))
    return no_content()


_WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"

ROUTES: list[Route] = [
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", interaction_callback),
    ("POST", _WEBHOOK, create_followup),
    ("GET", _WEBHOOK + "/messages/@original", get_webhook_message),
    ("PATCH", _WEBHOOK + "/messages/@original", edit_webhook_message),
    ("DELETE", _WEBHOOK + "/messages/@original", delete_webhook_message),
    ("GET", _WEBHOOK + "/messages/{message_id}", get_webhook_message),
    ("PATCH", _WEBHOOK + "/messages/{message_id}", edit_webhook_message),
    ("DELETE", _WEBHOOK + "/messages/{message_id}", delete_webhook_message),
]
