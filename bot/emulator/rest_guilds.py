"""User, DM-channel and guild endpoints a bot typically needs (read guild, members, roles).

Role assignment follows Discord's rule that the bot needs MANAGE_ROLES and its highest role must be
above the role it hands out; otherwise 403 50013, a frequent surprise after deployment.
"""

from __future__ import annotations

from aiohttp import web

from .context import RECORD_KEY
from .errors import ApiError, missing_permissions
from .models import MEMBER_ROLE_UPDATE, AuditLogEntry, Guild
from .permissions import Permission
from .rest_common import (
    Route,
    body_of,
    ctx_of,
    json_response,
    no_content,
    require_body_object,
    snowflake,
)
from .serialize import channel_json, guild_json, member_json, role_json, user_json


async def get_user(request: web.Request) -> web.Response:
    state = ctx_of(request).state
    return json_response(user_json(state.user(snowflake(request, "user_id", "user"))))


async def create_dm(request: web.Request) -> web.Response:
    state = ctx_of(request).state
    payload = require_body_object(body_of(request))
    try:
        recipient_id = int(str(payload["recipient_id"]))
    except (KeyError, ValueError):
        raise ApiError(400, 50035, "Invalid Form Body") from None
    return json_response(channel_json(state, state.dm_channel(recipient_id)))


def _guild(request: web.Request) -> Guild:
    state = ctx_of(request).state
    guild = state.guild(snowflake(request, "guild_id", "guild"))
    if state.bot_user.id not in guild.members:
        raise ApiError(403, 50001, "Missing Access")
    return guild


async def get_guild(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    guild = _guild(request)
    data = guild_json(ctx.state, guild)
    if request.query.get("with_counts") in ("true", "True", "1"):
        data["approximate_member_count"] = len(guild.members)
        data["approximate_presence_count"] = 0
    return json_response(data)


async def get_member(request: web.Request) -> web.Response:
    state = ctx_of(request).state
    guild = _guild(request)
    member = state.member(guild, snowflake(request, "user_id", "member"))
    return json_response(member_json(state, member))


async def list_members(request: web.Request) -> web.Response:
    state = ctx_of(request).state
    guild = _guild(request)
    try:
        limit = min(1000, max(1, int(request.query.get("limit", "1"))))
        after = int(request.query.get("after", "0"))
    except ValueError:
        raise ApiError(400, 50035, "Invalid Form Body") from None
    members = sorted(
        (m for m in guild.members.values() if m.user_id > after), key=lambda m: m.user_id
    )[:limit]
    return json_response([member_json(state, m) for m in members])


async def list_channels(request: web.Request) -> web.Response:
    state = ctx_of(request).state
    guild = _guild(request)
    return json_response([channel_json(state, state.channels[c]) for c in guild.channel_ids])


async def list_roles(request: web.Request) -> web.Response:
    guild = _guild(request)
    return json_response([role_json(r) for r in guild.roles.values()])


def _check_role_management(request: web.Request, guild: Guild, role_id: int) -> None:
    state = ctx_of(request).state
    if role_id not in guild.roles:
        raise ApiError(404, 10011, "Unknown Role")
    bot_id = state.bot_user.id
    if not state.guild_permissions(guild, bot_id) & Permission.MANAGE_ROLES:
        raise missing_permissions()
    bot_member = guild.members[bot_id]
    top = max((guild.roles[r].position for r in bot_member.role_ids), default=0)
    if guild.owner_id != bot_id and guild.roles[role_id].position >= top:
        raise missing_permissions()


def _audit(request: web.Request, guild: Guild, target_id: int, change: str, role_id: int) -> None:
    """Discord logs a member's role change in the guild's audit log, with the request's
    X-Audit-Log-Reason; a change that changed nothing is not logged."""
    state = ctx_of(request).state
    record = request.get(RECORD_KEY)
    state.audit_log.append(
        AuditLogEntry(
            guild_id=guild.id,
            action_type=MEMBER_ROLE_UPDATE,
            user_id=state.bot_user.id,
            target_id=target_id,
            changes=((change, role_id),),
            reason=record.audit_log_reason if record is not None else None,
        )
    )


async def add_member_role(request: web.Request) -> web.Response:
    state = ctx_of(request).state
    guild = _guild(request)
    member = state.member(guild, snowflake(request, "user_id", "member"))
    role_id = snowflake(request, "role_id", "role")
    _check_role_management(request, guild, role_id)
    if role_id not in member.role_ids:
        state.set_member_roles(guild, state.users[member.user_id], [*member.role_ids, role_id])
        _audit(request, guild, member.user_id, "$add", role_id)
    return no_content()


async def remove_member_role(request: web.Request) -> web.Response:
    state = ctx_of(request).state
    guild = _guild(request)
    member = state.member(guild, snowflake(request, "user_id", "member"))
    role_id = snowflake(request, "role_id", "role")
    _check_role_management(request, guild, role_id)
    if role_id in member.role_ids:
        remaining = [r for r in member.role_ids if r != role_id]
        state.set_member_roles(guild, state.users[member.user_id], remaining)
        _audit(request, guild, member.user_id, "$remove", role_id)
    return no_content()


ROUTES: list[Route] = [
    ("POST", "/users/@me/channels", create_dm),
    ("GET", "/users/{user_id}", get_user),
    ("GET", "/guilds/{guild_id}", get_guild),
    ("GET", "/guilds/{guild_id}/members", list_members),
    ("GET", "/guilds/{guild_id}/members/{user_id}", get_member),
    ("GET", "/guilds/{guild_id}/channels", list_channels),
    ("GET", "/guilds/{guild_id}/roles", list_roles),
    ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", add_member_role),
    ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", remove_member_role),
]
