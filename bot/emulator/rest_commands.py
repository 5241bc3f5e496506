"""Application command registration: bulk overwrite (PUT), create, list, get, edit, delete.

The emulator keeps exactly what the bot registered so that test-driven interactions can be checked
against it (unknown command or wrong option type fails the test, as the Discord client would never
send it). Bulk overwrites are counted per scope because re-syncing on every start is a classic bot
bug that burns the (very small) command-create rate limit.
"""

from __future__ import annotations

from aiohttp import web

from .errors import ApiError
from .rest_common import (
    Route,
    body_of,
    ctx_of,
    json_response,
    no_content,
    require_body_object,
    snowflake,
)
from .serialize import command_json


def _scope(request: web.Request) -> int | None:
    ctx = ctx_of(request)
    if snowflake(request, "application_id", "application") != ctx.state.application_id:
        raise ApiError(403, 50001, "Missing Access")
    if "guild_id" not in request.match_info:
        return None
    guild_id = snowflake(request, "guild_id", "guild")
    ctx.state.guild(guild_id)
    return guild_id


async def list_commands(request: web.Request) -> web.Response:
    scope = _scope(request)
    commands = ctx_of(request).state.list_commands(scope)
    return json_response([command_json(c) for c in commands])


async def bulk_overwrite(request: web.Request) -> web.Response:
    scope = _scope(request)
    ctx = ctx_of(request)
    payloads = body_of(request).json
    if payloads is None:
        payloads = []
    if not isinstance(payloads, list):
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {"_errors": [{"code": "BASE_TYPE_BAD_TYPE", "message": "Must be an array."}]},
        )
    commands = ctx.state.bulk_overwrite_commands(scope, payloads)
    if scope is None:
        ctx.counters.global_command_syncs += 1
    else:
        ctx.counters.guild_command_syncs[scope] += 1
    return json_response([command_json(c) for c in commands])


async def create_command(request: web.Request) -> web.Response:
    scope = _scope(request)
    payload = require_body_object(body_of(request))
    command, created = ctx_of(request).state.upsert_command(scope, payload)
    return json_response(command_json(command), status=201 if created else 200)


async def get_command(request: web.Request) -> web.Response:
    scope = _scope(request)
    command_id = snowflake(request, "command_id", "application command")
    return json_response(command_json(ctx_of(request).state.command_by_id(scope, command_id)))


async def edit_command(request: web.Request) -> web.Response:
    scope = _scope(request)
    state = ctx_of(request).state
    command = state.command_by_id(scope, snowflake(request, "command_id", "application command"))
    merged = command_json(command)
    merged.update(require_body_object(body_of(request)))
    updated, _ = state.upsert_command(scope, merged)
    return json_response(command_json(updated))


async def delete_command(request: web.Request) -> web.Response:
    scope = _scope(request)
    command_id = snowflake(request, "command_id", "application command")
    ctx_of(request).state.delete_command(scope, command_id)
    return no_content()


_GLOBAL = "/applications/{application_id}/commands"
_GUILD = "/applications/{application_id}/guilds/{guild_id}/commands"

ROUTES: list[Route] = [
    ("GET", _GLOBAL, list_commands),
    ("PUT", _GLOBAL, bulk_overwrite),
    ("POST", _GLOBAL, create_command),
    ("GET", _GLOBAL + "/{command_id}", get_command),
    ("PATCH", _GLOBAL + "/{command_id}", edit_command),
    ("DELETE", _GLOBAL + "/{command_id}", delete_command),
    ("GET", _GUILD, list_commands),
    ("PUT", _GUILD, bulk_overwrite),
    ("POST", _GUILD, create_command),
    ("GET", _GUILD + "/{command_id}", get_command),
    ("PATCH", _GUILD + "/{command_id}", edit_command),
    ("DELETE", _GUILD + "/{command_id}", delete_command),
]
