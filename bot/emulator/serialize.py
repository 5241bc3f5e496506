"""Render emulator entities as Discord JSON.

Shapes follow Discord's API reference and the response schemas of the vendored OpenAPI spec (the
emulator's own tests validate REST responses against those schemas). discord.py indexes some keys
without ``.get`` (for example ``member['flags']`` or ``interaction['attachment_size_limit']``), so
omitting a field here can crash the real client; keep payloads complete.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .clock import iso
from .models import (
    DM,
    JSON,
    AppCommand,
    Attachment,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
)

if TYPE_CHECKING:
    from .state import EmulatorState


def user_json(user: User) -> JSON:
    """A public user object."""
    data: JSON = {
        "id": str(user.id),
        "username": user.username,
        "global_name": user.global_name,
        "avatar": user.avatar,
        "discriminator": "0",
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if user.bot:
        data["bot"] = True
    return data


def self_user_json(user: User) -> JSON:
    """``GET /users/@me`` for a bot: the public object plus private fields."""
    data = user_json(user)
    data.update(
        {
            "bot": True,
            "mfa_enabled": False,
            "verified": True,
            "email": None,
            "locale": "en-US",
            "premium_type": 0,
        }
    )
    return data


def role_json(role: Role) -> JSON:
    data: JSON = {
        "id": str(role.id),
        "name": role.name,
        "description": None,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": role.mentionable,
        "flags": 0,
    }
    if role.bot_id is not None:
        data["tags"] = {"bot_id": str(role.bot_id)}
    return data


def member_json(
    state: EmulatorState,
    member: Member,
    *,
    include_user: bool = True,
    permissions: int | None = None,
) -> JSON:
    """A guild member; interactions add ``permissions`` (channel-level, as a string)."""
    data: JSON = {
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in member.role_ids],
        "joined_at": iso(member.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
        "collectibles": None,
    }
    if include_user:
        data["user"] = user_json(state.users[member.user_id])
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def channel_json(state: EmulatorState, channel: Channel) -> JSON:
    """A full channel object (guild text/voice/category or DM)."""
    last = str(channel.last_message_id) if channel.last_message_id else None
    if channel.type == DM:
        assert channel.recipient_id is not None
        return {
            "id": str(channel.id),
            "type": DM,
            "last_message_id": last,
            "flags": 0,
            "recipients": [user_json(state.users[channel.recipient_id])],
        }
    return {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": [
            {
                "id": str(o.target_id),
                "type": o.kind,
                "allow": str(o.allow),
                "deny": str(o.deny),
            }
            for o in channel.overwrites
        ],
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "topic": channel.topic,
        "nsfw": False,
        "last_message_id": last,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def partial_channel_json(channel: Channel, permissions: int) -> JSON:
    """The partial channel Discord puts in ``resolved.channels`` of an interaction."""
    data: JSON = {
        "id": str(channel.id),
        "name": channel.name or "",
        "type": channel.type,
        "permissions": str(permissions),
        "position": channel.position,
    }
    if channel.guild_id is not None:
        data["guild_id"] = str(channel.guild_id)
    if channel.parent_id is not None:
        data["parent_id"] = str(channel.parent_id)
    return data


def guild_json(state: EmulatorState, guild: Guild) -> JSON:
    """``GET /guilds/{id}``: the guild without members and channels."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "description": None,
        "home_header": None,
        "splash": None,
        "discovery_splash": None,
        "features": [],
        "banner": None,
        "owner_id": str(guild.owner_id),
        "application_id": None,
        "region": "deprecated",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 0,
        "roles": [role_json(r) for r in sorted(guild.roles.values(), key=lambda r: r.position)],
        "default_message_notifications": 0,
        "mfa_level": 0,
        "explicit_content_filter": 0,
        "max_presences": None,
        "max_members": 500000,
        "max_stage_video_channel_users": 50,
        "max_video_channel_users": 25,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.locale,
        "rules_channel_id": None,
        "safety_alerts_channel_id": None,
        "public_updates_channel_id": None,
        "premium_progress_bar_enabled": False,
        "nsfw": False,
        "nsfw_level": 0,
        "emojis": [],
        "stickers": [],
        "incidents_data": None,
        "inventory_settings": None,
        "embed_enabled": False,
        "embed_channel_id": None,
    }


def guild_create_json(
    state: EmulatorState, guild: Guild, *, with_members: bool, joined_now: bool = False
) -> JSON:
    """The GUILD_CREATE payload: guild plus channels, members and gateway-only fields.

    Without the GUILD_MEMBERS intent Discord only includes the bot's own member, so the emulator
    does the same; discord.py then fetches members over REST or by chunking. ``unavailable: false``
    marks a guild announced as unavailable in READY; a guild the bot just joined has no
    ``unavailable`` key, which is how discord.py tells ``guild_available`` from ``guild_join``.
    """
    data = guild_json(state, guild)
    members = list(guild.members.values())
    if not with_members:
        members = [m for m in members if m.user_id == state.bot_user.id]
    data.update(
        {
            "joined_at": iso(guild.joined_at),
            "large": False,
            "member_count": len(guild.members),
            "voice_states": [],
            "members": [member_json(state, m) for m in members],
            "channels": [channel_json(state, state.channels[cid]) for cid in guild.channel_ids],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "lazy": True,
            "application_command_counts": {},
        }
    )
    if not joined_now:
        data["unavailable"] = False
    return data


def attachment_json(attachment: Attachment) -> JSON:
    data: JSON = {
        "id": str(attachment.id),
        "filename": attachment.filename,
        "size": attachment.size,
        "url": attachment.url,
        "proxy_url": attachment.url,
    }
    if attachment.content_type:
        data["content_type"] = attachment.content_type
    if attachment.description is not None:
        data["description"] = attachment.description
    if attachment.title is not None:
        data["title"] = attachment.title
    if attachment.ephemeral:
        data["ephemeral"] = True
    return data


def message_json(state: EmulatorState, message: Message, *, gateway: bool = False) -> JSON:
    """A message object; gateway events additionally carry ``guild_id`` and ``member``."""
    author = state.users[message.author_id]
    data: JSON = {
        "id": str(message.id),
        "type": message.type,
        "channel_id": str(message.channel_id),
        "author": user_json(author),
        "content": message.content,
        "timestamp": iso(message.created_at),
        "edited_timestamp": iso(message.edited_at) if message.edited_at else None,
        "tts": message.tts,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [attachment_json(a) for a in message.attachments],
        "embeds": message.embeds,
        "pinned": False,
        "flags": message.flags,
        "components": message.components,
    }
    if message.nonce is not None:
        data["nonce"] = message.nonce
    if message.webhook_id is not None:
        data["webhook_id"] = str(message.webhook_id)
    if message.application_id is not None:
        data["application_id"] = str(message.application_id)
    if message.interaction_metadata is not None:
        data["interaction_metadata"] = message.interaction_metadata
    if message.message_reference is not None:
        data["message_reference"] = message.message_reference
    if gateway and message.guild_id is not None:
        data["guild_id"] = str(message.guild_id)
        guild = state.guilds[message.guild_id]
        member = guild.members.get(message.author_id)
        if member is not None and message.webhook_id is None:
            data["member"] = member_json(state, member, include_user=False)
    return data


def command_json(command: AppCommand) -> JSON:
    """An application command as Discord returns it after registration."""
    data: JSON = {
        "id": str(command.id),
        "application_id": str(command.application_id),
        "version": str(command.version),
        "type": command.type,
        "name": command.name,
        "name_localizations": command.name_localizations,
        "description": command.description,
        "description_localizations": command.description_localizations,
        "default_member_permissions": (
            str(command.default_member_permissions)
            if command.default_member_permissions is not None
            else None
        ),
        "dm_permission": command.dm_permission if command.dm_permission is not None else True,
        "contexts": command.contexts,
        "integration_types": command.integration_types or [0],
        "nsfw": command.nsfw,
    }
    if command.options:
        data["options"] = command.options
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    return data


def application_json(state: EmulatorState) -> JSON:
    """``GET /applications/@me``: enough for discord.py's ``AppInfo`` and nothing more exotic."""
    bot = state.bot_user
    owner = state.users[state.owner_id]
    return {
        "id": str(state.application_id),
        "name": bot.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "is_monetized": False,
        "is_verified": False,
        "is_discoverable": False,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "flags_new": "0",
        "explicit_content_filter": 0,
        "eligible_oauth2_scopes": ["applications.commands", "bot"],
        "approximate_user_authorization_count": 0,
        "hook": True,
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": user_json(owner),
        "team": None,
        "bot": user_json(bot),
        "approximate_guild_count": len(state.guilds),
        "approximate_user_install_count": 0,
        "tags": [],
        "integration_types_config": {"0": {}},
    }
