"""Channel and message endpoints: read channels, list/get/create/edit/delete messages, typing.

Rules reproduced because bots get them wrong in production:
- DMs to a user who closed them (or to another bot) answer 403 code 50007.
- Sending in a guild channel needs VIEW_CHANNEL + SEND_MESSAGES (+ ATTACH_FILES for files),
  otherwise 403 50001/50013.
- ``enforce_nonce``: the same nonce on the same channel within the window returns the earlier
  message instead of creating a duplicate (safe retries).
- Only the author may edit; deleting someone else's message needs MANAGE_MESSAGES.
"""

from __future__ import annotations

from aiohttp import web

from .context import EmulatorContext
from .errors import ApiError, cannot_dm, missing_access, missing_permissions
from .message_bodies import create_fields, edit_fields
from .models import Channel
from .permissions import Permission
from .rest_common import Route, body_of, ctx_of, json_response, no_content, snowflake
from .serialize import channel_json, message_json


def _visible_channel(ctx: EmulatorContext, request: web.Request) -> Channel:
    """The channel from the path, as far as the bot can see it."""
    channel = ctx.state.channel(snowflake(request, "channel_id", "channel"))
    if channel.is_dm:
        return channel
    if not ctx.state.permissions_in(channel, ctx.state.bot_user.id) & Permission.VIEW_CHANNEL:
        raise missing_access()
    return channel


def _require(ctx: EmulatorContext, channel: Channel, needed: int) -> None:
    if channel.is_dm:
        return
    if ctx.state.permissions_in(channel, ctx.state.bot_user.id) & needed != needed:
        raise missing_permissions()


async def get_channel(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    return json_response(channel_json(ctx.state, _visible_channel(ctx, request)))


async def list_messages(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    channel = _visible_channel(ctx, request)
    _require(ctx, channel, Permission.READ_MESSAGE_HISTORY)
    try:
        limit = min(100, max(1, int(request.query.get("limit", "50"))))
        before = int(request.query["before"]) if "before" in request.query else None
        after = int(request.query["after"]) if "after" in request.query else None
    except ValueError:
        raise ApiError(400, 50035, "Invalid Form Body") from None
    messages = ctx.state.channel_messages(channel.id)
    if before is not None:
        messages = [m for m in messages if m.id < before]
    if after is not None:
        messages = [m for m in messages if m.id > after][:limit]
    newest_first = list(reversed(messages))[:limit]
    return json_response([message_json(ctx.state, m) for m in newest_first])


async def get_message(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    channel = _visible_channel(ctx, request)
    _require(ctx, channel, Permission.READ_MESSAGE_HISTORY)
    message = ctx.state.message(channel.id, snowflake(request, "message_id", "message"))
    if message.ephemeral:
        raise ApiError(404, 10008, "Unknown Message")
    return json_response(message_json(ctx.state, message))


async def create_message(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    state = ctx.state
    channel = _visible_channel(ctx, request)
    body = body_of(request)
    if channel.is_dm:
        assert channel.recipient_id is not None
        recipient = state.users[channel.recipient_id]
        if not recipient.dms_open or recipient.bot:
            raise cannot_dm()
    else:
        needed = Permission.SEND_MESSAGES
        if body.files:
            needed |= Permission.ATTACH_FILES
        _require(ctx, channel, needed)
    payload = body.json if isinstance(body.json, dict) else {}
    nonce = payload.get("nonce")
    enforce = bool(payload.get("enforce_nonce")) and nonce is not None
    if enforce:
        assert nonce is not None
        earlier = state.recall_nonce(channel.id, state.bot_user.id, nonce)
        if earlier is not None:
            return json_response(message_json(state, earlier))
    fields = create_fields(state, channel.id, body, allow_ephemeral=False)
    message = state.create_message(channel, state.bot_user.id, nonce=nonce, **fields)
    if enforce:
        state.remember_nonce(message)
    return json_response(message_json(state, message))


async def edit_message(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    channel = _visible_channel(ctx, request)
    message = ctx.state.message(channel.id, snowflake(request, "message_id", "message"))
    if message.author_id != ctx.state.bot_user.id or message.webhook_id is not None:
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    changes = edit_fields(ctx.state, message, body_of(request))
    ctx.state.edit_message(message, **changes)
    return json_response(message_json(ctx.state, message))


async def delete_message(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    channel = _visible_channel(ctx, request)
    message = ctx.state.message(channel.id, snowflake(request, "message_id", "message"))
    if message.author_id != ctx.state.bot_user.id:
        if channel.is_dm:
            raise ApiError(403, 50003, "Cannot execute action on a DM channel")
        _require(ctx, channel, Permission.MANAGE_MESSAGES)
    ctx.state.delete_message(message)
    return no_content()


async def trigger_typing(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    channel = _visible_channel(ctx, request)
    _require(ctx, channel, Permission.SEND_MESSAGES)
    return no_content()


_MESSAGES = "/channels/{channel_id}/messages"

ROUTES: list[Route] = [
    ("GET", "/channels/{channel_id}", get_channel),
    ("GET", _MESSAGES, list_messages),
    ("POST", _MESSAGES, create_message),
    ("GET", _MESSAGES + "/{message_id}", get_message),
    ("PATCH", _MESSAGES + "/{message_id}", edit_message),
    ("DELETE", _MESSAGES + "/{message_id}", delete_message),
    ("POST", "/channels/{channel_id}/typing", trigger_typing),
]
