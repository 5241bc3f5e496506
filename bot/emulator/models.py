"""In-memory entities the emulator keeps (users, guilds, channels, messages, commands).

These are plain mutable dataclasses, deliberately not Discord JSON: JSON shapes change per endpoint
(REST vs gateway, member with or without ``user``), so :mod:`serialize` renders them on demand.
Tests receive these objects (for example :class:`Message`) and may read them freely; they should
change state only through the :class:`~bot.emulator.driver.Emulator` methods so the
emulator can dispatch the matching gateway events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .permissions import Overwrite

JSON = dict[str, Any]

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types)
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
GUILD_FORUM = 15

# Message flags used by the emulator.
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7


@dataclass(eq=False)
class User:
    """A Discord user (a test persona, or the bot itself)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_open: bool = True
    locale: str = "en-US"
    avatar: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class Role:
    """A guild role; the @everyone role has the guild's id."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False
    bot_id: int | None = None


@dataclass(frozen=True)
class AuditLogEntry:
    """One entry of a guild's audit log (only what the emulator records: role changes)."""

    guild_id: int
    action_type: int  # 25 = MEMBER_ROLE_UPDATE
    user_id: int  # who acted (the bot)
    target_id: int  # the member
    changes: tuple[tuple[str, int], ...]  # ("$add" | "$remove", role id)
    reason: str | None


#: Audit log event MEMBER_ROLE_UPDATE (Discord's documented value).
MEMBER_ROLE_UPDATE = 25


@dataclass(eq=False)
class Member:
    """A user's membership of a guild."""

    guild_id: int
    user_id: int
    role_ids: list[int]
    joined_at: dt.datetime
    nick: str | None = None


@dataclass(eq=False)
class Channel:
    """A guild channel or a DM channel (``recipient_id`` set, ``guild_id`` None)."""

    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    recipient_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    last_message_id: int | None = None

    @property
    def is_dm(self) -> bool:
        return self.type == DM

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass(eq=False)
class Guild:
    """A guild with its roles, members and channel ids."""

    id: int
    name: str
    owner_id: int
    joined_at: dt.datetime
    locale: str = "en-US"
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)

    @property
    def everyone_role(self) -> Role:
        return self.roles[self.id]


@dataclass(eq=False)
class Attachment:
    """An uploaded file; the bytes are kept so tests can inspect what the bot sent."""

    id: int
    filename: str
    data: bytes
    content_type: str | None
    url: str
    description: str | None = None
    title: str | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    def text(self, encoding: str = "utf-8") -> str:
        """The attachment decoded as text (handy for CSV/ICS/Markdown exports)."""
        return self.data.decode(encoding)


@dataclass(eq=False)
class Message:
    """A message as stored by the emulator (channel message, DM, or interaction response)."""

    id: int
    channel_id: int
    author_id: int
    created_at: dt.datetime
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    guild_id: int | None = None
    nonce: int | str | None = None
    tts: bool = False
    edited_at: dt.datetime | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_metadata: JSON | None = None
    message_reference: JSON | None = None
    deleted: bool = False
    edit_count: int = 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """True for the "Bot is thinking..." placeholder of a deferred interaction."""
        return bool(self.flags & FLAG_LOADING)

    def iter_components(self) -> Iterator[JSON]:
        """Every component in the message, depth first (rows, containers, sections...)."""
        yield from iter_components(self.components)

    def find_component(self, custom_id: str) -> JSON | None:
        """The interactive component with ``custom_id``, or None."""
        for component in self.iter_components():
            if component.get("custom_id") == custom_id:
                return component
        return None

    @property
    def custom_ids(self) -> list[str]:
        """custom_ids of all interactive components, in display order."""
        return [c["custom_id"] for c in self.iter_components() if "custom_id" in c]

    @property
    def embed_text(self) -> str:
        """All human-visible embed text joined by newlines, for substring assertions."""
        parts: list[str] = []
        for embed in self.embeds:
            parts.extend(str(embed[k]) for k in ("title", "description") if embed.get(k))
            for fld in embed.get("fields") or []:
                parts.extend((str(fld.get("name", "")), str(fld.get("value", ""))))
            footer = embed.get("footer") or {}
            if footer.get("text"):
                parts.append(str(footer["text"]))
        return "\n".join(parts)


def iter_components(components: list[JSON]) -> Iterator[JSON]:
    """Walk a component tree (action rows, containers, sections, labels) depth first."""
    for component in components:
        yield component
        yield from iter_components(component.get("components") or [])
        accessory = component.get("accessory")
        if isinstance(accessory, dict):
            yield accessory
        inner = component.get("component")
        if isinstance(inner, dict):
            yield from iter_components([inner])


@dataclass(eq=False)
class AppCommand:
    """An application command as registered by the bot (global when ``guild_id`` is None)."""

    id: int
    application_id: int
    name: str
    type: int
    description: str
    version: int
    guild_id: int | None = None
    options: list[JSON] = field(default_factory=list)
    default_member_permissions: int | None = None
    dm_permission: bool | None = None
    contexts: list[int] | None = None
    integration_types: list[int] | None = None
    nsfw: bool = False
    name_localizations: JSON | None = None
    description_localizations: JSON | None = None

    def definition(self) -> JSON:
        """The fields that define the command, used to keep ids stable across re-syncs."""
        return {
            "type": self.type,
            "description": self.description,
            "options": self.options,
            "default_member_permissions": self.default_member_permissions,
            "dm_permission": self.dm_permission,
            "contexts": self.contexts,
            "integration_types": self.integration_types,
            "nsfw": self.nsfw,
        }
