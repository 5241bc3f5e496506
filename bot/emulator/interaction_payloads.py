"""Build INTERACTION_CREATE payloads exactly as discord.py expects them.

discord.py's ``Interaction`` reads ``application_id``, ``token``, ``version``,
``attachment_size_limit`` and (for guilds) ``member`` with a ``permissions`` string without
fallbacks; app-command dispatch needs ``data.guild_id`` for guild commands and ``data.resolved``
for user/channel options; component dispatch needs the full ``message``. Everything the invoking
user's client would send is derived from emulator state so permissions stay consistent.
"""

from __future__ import annotations

from .context import EmulatorConfig
from .errors import EmulatorUsageError
from .models import JSON, AppCommand, Channel, Message, User
from .permissions import DM_PERMISSIONS
from .serialize import channel_json, member_json, message_json, user_json
from .state import EmulatorState

CONTEXT_GUILD = 0
CONTEXT_BOT_DM = 1


def base_payload(
    state: EmulatorState,
    config: EmulatorConfig,
    *,
    interaction_id: int,
    token: str,
    interaction_type: int,
    user: User,
    channel: Channel,
) -> JSON:
    """Fields common to every interaction type, for a guild channel or the bot's DM."""
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(state.application_id),
        "type": interaction_type,
        "token": token,
        "version": 1,
        "channel_id": str(channel.id),
        "channel": channel_json(state, channel),
        "locale": user.locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": config.attachment_size_limit,
    }
    if channel.guild_id is None:
        if channel.recipient_id != user.id:
            raise EmulatorUsageError("a DM interaction must happen in the user's DM with the bot")
        payload.update(
            {
                "user": user_json(user),
                "app_permissions": str(DM_PERMISSIONS),
                "context": CONTEXT_BOT_DM,
                "authorizing_integration_owners": {"0": "0"},
            }
        )
        return payload
    guild = state.guilds[channel.guild_id]
    member = guild.members.get(user.id)
    if member is None:
        raise EmulatorUsageError(f"{user.username} is not a member of guild {guild.name!r}")
    payload.update(
        {
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
            "guild_locale": guild.locale,
            "member": member_json(
                state, member, permissions=state.permissions_in(channel, user.id)
            ),
            "app_permissions": str(state.permissions_in(channel, state.bot_user.id)),
            "context": CONTEXT_GUILD,
            "authorizing_integration_owners": {"0": str(guild.id)},
        }
    )
    return payload


def command_data(command: AppCommand, options: list[JSON], resolved: JSON) -> JSON:
    data: JSON = {
        "id": str(command.id),
        "name": command.name,
        "type": command.type,
    }
    if options:
        data["options"] = options
    if resolved:
        data["resolved"] = resolved
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    return data


def component_data(component: JSON, values: list[str] | None, resolved: JSON | None) -> JSON:
    data: JSON = {"custom_id": component["custom_id"], "component_type": component["type"]}
    if values is not None:
        data["values"] = values
    if resolved:
        data["resolved"] = resolved
    return data


def with_message(state: EmulatorState, payload: JSON, message: Message) -> JSON:
    payload["message"] = message_json(state, message)
    return payload
