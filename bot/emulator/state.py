"""The emulator's in-memory world and the rules that keep it consistent.

REST handlers and the test driver both change the world only through :class:`EmulatorState`, which
(1) assigns snowflakes, (2) notifies waiters and (3) emits the gateway dispatch Discord would send
for the change (MESSAGE_CREATE for a new message, GUILD_MEMBER_ADD for a new member, ...). Keeping
that in one place means a message created by the bot over REST and a message "typed" by a test user
both reach the bot's gateway exactly as on Discord.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .clock import EmulatorClock
from .errors import ApiError, field_error, invalid_form_body, merge_errors
from .ids import SnowflakeFactory
from .models import (
    DM,
    GUILD_TEXT,
    JSON,
    AppCommand,
    Attachment,
    AuditLogEntry,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
)
from .notifier import Notifier
from .permissions import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE,
    DM_PERMISSIONS,
    Overwrite,
    apply_overwrites,
    base_permissions,
)
from .serialize import (
    channel_json,
    guild_create_json,
    member_json,
    message_json,
    role_json,
)

# Gateway intents that gate dispatches (https://discord.com/developers/docs/events/gateway#gateway-intents)
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

#: A payload, or a function of the receiving session's intents returning the payload.
Payload = JSON | Callable[[int], JSON]
#: Receives (event name, payload, intents required to receive it; 0 means always sent).
DispatchSink = Callable[[str, Payload, int], None]

#: How long Discord remembers an enforced nonce (docs: "a few minutes").
NONCE_WINDOW_SECONDS = 300.0


class EmulatorState:
    """Users, guilds, channels, messages and application commands, with event emission."""

    def __init__(
        self,
        *,
        token: str,
        bot_name: str,
        clock: EmulatorClock,
        notifier: Notifier,
        ids: SnowflakeFactory | None = None,
    ) -> None:
        self.token = token
        self.clock = clock
        self.notifier = notifier
        self.ids = ids or SnowflakeFactory()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.attachments: dict[int, Attachment] = {}
        self._channel_message_ids: dict[int, list[int]] = {}
        self.dm_channels: dict[int, int] = {}
        #: Audit log entries, oldest first (role grants and removals by the bot).
        self.audit_log: list[AuditLogEntry] = []
        self.commands: dict[int | None, dict[tuple[str, int], AppCommand]] = {}
        self._nonces: dict[tuple[int, int, str], tuple[int, float]] = {}
        #: Off: an enforced nonce no longer returns the earlier message (a test proving the
        #: bot never sends twice without Discord's help).
        self.nonce_dedupe = True
        self._sinks: list[DispatchSink] = []
        self.public_base_url = ""
        #: Per guild, commands its admins opened to every member (Server Settings >
        #: Integrations), whatever their default_member_permissions.
        self.command_overrides: dict[int, set[str]] = {}

        self.bot_user = self._new_user(bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.owner_id = self._new_user(f"{bot_name}-owner").id

    # ------------------------------------------------------------------ plumbing

    def add_sink(self, sink: DispatchSink) -> None:
        """Register a gateway dispatcher (the gateway manager does this at start-up)."""
        self._sinks.append(sink)

    def emit(self, event: str, payload: Payload, intents: int = 0) -> None:
        """Send a dispatch to every connected bot session and wake waiters."""
        for sink in self._sinks:
            sink(event, payload, intents)
        self.notifier.notify()

    def changed(self) -> None:
        """Wake waiters after a change that has no gateway event."""
        self.notifier.notify()

    # ------------------------------------------------------------------ users

    def _new_user(self, username: str, **kwargs: Any) -> User:
        user = User(id=self.ids.next(), username=username, **kwargs)
        self.users[user.id] = user
        return user

    def add_user(
        self,
        username: str,
        *,
        global_name: str | None = None,
        dms_open: bool = True,
        locale: str = "en-US",
        bot: bool = False,
    ) -> User:
        user = self._new_user(
            username, global_name=global_name, dms_open=dms_open, locale=locale, bot=bot
        )
        self.changed()
        return user

    def user(self, user_id: int) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise ApiError(404, 10013, "Unknown User") from None

    # ------------------------------------------------------------------ guilds

    def add_guild(
        self,
        name: str,
        owner_id: int,
        *,
        locale: str = "en-US",
        everyone_permissions: int = DEFAULT_EVERYONE,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """Create a guild the bot is already in (as Discord would after an invite).

        ``shard=(id, count)`` picks a guild id whose events go to that shard.
        """
        now = self.clock.now()
        guild_id = self.ids.next_on_shard(*shard) if shard is not None else self.ids.next()
        guild = Guild(id=guild_id, name=name, owner_id=owner_id, joined_at=now, locale=locale)
        guild.roles[guild.id] = Role(
            id=guild.id, guild_id=guild.id, name="@everyone", permissions=everyone_permissions
        )
        bot_role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=self.bot_user.username,
            permissions=bot_permissions,
            position=1,
            managed=True,
            bot_id=self.bot_user.id,
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[self.bot_user.id] = Member(
            guild_id=guild.id, user_id=self.bot_user.id, role_ids=[bot_role.id], joined_at=now
        )
        if owner_id != self.bot_user.id:
            guild.members[owner_id] = Member(
                guild_id=guild.id, user_id=owner_id, role_ids=[], joined_at=now
            )
        self.guilds[guild.id] = guild
        self.emit(
            "GUILD_CREATE",
            lambda intents: guild_create_json(
                self, guild, with_members=bool(intents & INTENT_GUILD_MEMBERS), joined_now=True
            ),
            INTENT_GUILDS,
        )
        return guild

    def guild(self, guild_id: int) -> Guild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise ApiError(404, 10004, "Unknown Guild") from None

    def bot_role(self, guild: Guild) -> Role:
        return next(r for r in guild.roles.values() if r.bot_id == self.bot_user.id)

    def add_role(
        self, guild: Guild, name: str, permissions: int, *, position: int | None = None
    ) -> Role:
        role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            permissions=permissions,
            position=position if position is not None else len(guild.roles),
        )
        guild.roles[role.id] = role
        self.emit(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild.id), "role": role_json(role)},
            INTENT_GUILDS,
        )
        return role

    def set_role_position(self, role: Role, position: int) -> None:
        """Move a role in the hierarchy (as dragging it in Server Settings does)."""
        role.position = position
        self.emit(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(role.guild_id), "role": role_json(role)},
            INTENT_GUILDS,
        )

    def set_role_permissions(self, role: Role, permissions: int) -> None:
        role.permissions = permissions
        self.emit(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(role.guild_id), "role": role_json(role)},
            INTENT_GUILDS,
        )

    def add_member(
        self,
        guild: Guild,
        user: User,
        *,
        role_ids: Iterable[int] = (),
        nick: str | None = None,
    ) -> Member:
        member = Member(
            guild_id=guild.id,
            user_id=user.id,
            role_ids=list(role_ids),
            joined_at=self.clock.now(),
            nick=nick,
        )
        guild.members[user.id] = member
        payload = member_json(self, member)
        payload["guild_id"] = str(guild.id)
        self.emit("GUILD_MEMBER_ADD", payload, INTENT_GUILD_MEMBERS)
        return member

    def set_member_roles(self, guild: Guild, user: User, role_ids: Iterable[int]) -> Member:
        member = self.member(guild, user.id)
        member.role_ids = list(role_ids)
        payload = member_json(self, member)
        payload["guild_id"] = str(guild.id)
        self.emit("GUILD_MEMBER_UPDATE", payload, INTENT_GUILD_MEMBERS)
        return member

    def member(self, guild: Guild, user_id: int) -> Member:
        try:
            return guild.members[user_id]
        except KeyError:
            raise ApiError(404, 10007, "Unknown Member") from None

    # ------------------------------------------------------------------ channels

    def add_channel(
        self,
        guild: Guild,
        name: str,
        *,
        type: int = GUILD_TEXT,
        topic: str | None = None,
        parent_id: int | None = None,
        overwrites: Iterable[Overwrite] = (),
    ) -> Channel:
        channel = Channel(
            id=self.ids.next(),
            type=type,
            name=name,
            guild_id=guild.id,
            position=len(guild.channel_ids),
            topic=topic,
            parent_id=parent_id,
            overwrites=list(overwrites),
        )
        self.channels[channel.id] = channel
        guild.channel_ids.append(channel.id)
        self._channel_message_ids[channel.id] = []
        self.emit("CHANNEL_CREATE", channel_json(self, channel), INTENT_GUILDS)
        return channel

    def channel(self, channel_id: int) -> Channel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise ApiError(404, 10003, "Unknown Channel") from None

    def dm_channel(self, user_id: int) -> Channel:
        """The bot's DM channel with ``user_id`` (POST /users/@me/channels), created once."""
        self.user(user_id)
        channel_id = self.dm_channels.get(user_id)
        if channel_id is not None:
            return self.channels[channel_id]
        channel = Channel(id=self.ids.next(), type=DM, recipient_id=user_id)
        self.channels[channel.id] = channel
        self._channel_message_ids[channel.id] = []
        self.dm_channels[user_id] = channel.id
        self.changed()
        return channel

    # ------------------------------------------------------------------ permissions

    def guild_permissions(self, guild: Guild, user_id: int) -> int:
        member = self.member(guild, user_id)
        return base_permissions(
            is_owner=guild.owner_id == user_id,
            everyone_permissions=guild.everyone_role.permissions,
            role_permissions=(guild.roles[r].permissions for r in member.role_ids),
        )

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        """``user_id``'s permissions in ``channel`` (DM channels have a fixed set)."""
        if channel.guild_id is None:
            return DM_PERMISSIONS
        guild = self.guilds[channel.guild_id]
        member = self.member(guild, user_id)
        return apply_overwrites(
            self.guild_permissions(guild, user_id),
            guild_id=guild.id,
            member_id=user_id,
            member_role_ids=member.role_ids,
            overwrites=channel.overwrites,
        )

    # ------------------------------------------------------------------ messages

    def channel_messages(
        self, channel_id: int, *, include_ephemeral: bool = False
    ) -> list[Message]:
        """Messages in a channel, oldest first, without deleted ones."""
        result = []
        for message_id in self._channel_message_ids.get(channel_id, []):
            message = self.messages[message_id]
            if message.deleted or (message.ephemeral and not include_ephemeral):
                continue
            result.append(message)
        return result

    def message(self, channel_id: int, message_id: int) -> Message:
        message = self.messages.get(message_id)
        if message is None or message.channel_id != channel_id or message.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    def make_attachment(
        self,
        channel_id: int,
        filename: str,
        data: bytes,
        *,
        content_type: str | None = None,
        description: str | None = None,
        title: str | None = None,
        ephemeral: bool = False,
    ) -> Attachment:
        attachment_id = self.ids.next()
        attachment = Attachment(
            id=attachment_id,
            filename=filename,
            data=data,
            content_type=content_type,
            url=f"{self.public_base_url}/attachments/{channel_id}/{attachment_id}/{filename}",
            description=description,
            title=title,
            ephemeral=ephemeral,
        )
        self.attachments[attachment_id] = attachment
        return attachment

    def create_message(self, channel: Channel, author_id: int, **fields: Any) -> Message:
        """Store a message and dispatch MESSAGE_CREATE (ephemeral messages are not dispatched)."""
        message = Message(
            id=self.ids.next(),
            channel_id=channel.id,
            author_id=author_id,
            created_at=self.clock.now(),
            guild_id=channel.guild_id,
            **fields,
        )
        self.messages[message.id] = message
        self._channel_message_ids.setdefault(channel.id, []).append(message.id)
        if not message.ephemeral:
            channel.last_message_id = message.id
            self.emit("MESSAGE_CREATE", self._message_payload(message), _message_intent(channel))
        else:
            self.changed()
        return message

    def edit_message(self, message: Message, **changes: Any) -> Message:
        for key, value in changes.items():
            setattr(message, key, value)
        message.edited_at = self.clock.now()
        message.edit_count += 1
        channel = self.channels[message.channel_id]
        if not message.ephemeral:
            self.emit("MESSAGE_UPDATE", self._message_payload(message), _message_intent(channel))
        else:
            self.changed()
        return message

    def delete_message(self, message: Message) -> None:
        message.deleted = True
        channel = self.channels[message.channel_id]
        payload: JSON = {"id": str(message.id), "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            payload["guild_id"] = str(channel.guild_id)
        if not message.ephemeral:
            self.emit("MESSAGE_DELETE", payload, _message_intent(channel))
        else:
            self.changed()

    def _message_payload(self, message: Message) -> Callable[[int], JSON]:
        def render(intents: int) -> JSON:
            data = message_json(self, message, gateway=True)
            if not self._content_visible(message, intents):
                data.update(content="", embeds=[], attachments=[], components=[])
            return data

        return render

    def _content_visible(self, message: Message, intents: int) -> bool:
        """Discord hides guild message content from bots lacking the MESSAGE_CONTENT intent."""
        if intents & INTENT_MESSAGE_CONTENT or message.guild_id is None:
            return True
        return message.author_id == self.bot_user.id or self.bot_user.mention in message.content

    # ------------------------------------------------------------------ nonces

    def recall_nonce(self, channel_id: int, author_id: int, nonce: int | str) -> Message | None:
        """The message an enforced nonce already produced within the window, if any."""
        if not self.nonce_dedupe:
            return None
        key = (channel_id, author_id, str(nonce))
        entry = self._nonces.get(key)
        if entry is None:
            return None
        message_id, stamp = entry
        if self.clock.monotonic() - stamp > NONCE_WINDOW_SECONDS:
            del self._nonces[key]
            return None
        return self.messages.get(message_id)

    def remember_nonce(self, message: Message) -> None:
        assert message.nonce is not None
        key = (message.channel_id, message.author_id, str(message.nonce))
        self._nonces[key] = (message.id, self.clock.monotonic())

    # ------------------------------------------------------------------ commands

    def list_commands(self, guild_id: int | None) -> list[AppCommand]:
        return list(self.commands.get(guild_id, {}).values())

    def find_command(self, name: str, guild_id: int | None, type: int = 1) -> AppCommand | None:
        """A command as the client would see it: guild command first, then global."""
        if guild_id is not None:
            found = self.commands.get(guild_id, {}).get((name, type))
            if found is not None:
                return found
        return self.commands.get(None, {}).get((name, type))

    def command_by_id(self, guild_id: int | None, command_id: int) -> AppCommand:
        for command in self.commands.get(guild_id, {}).values():
            if command.id == command_id:
                return command
        raise ApiError(404, 10063, "Unknown application command")

    def bulk_overwrite_commands(
        self, guild_id: int | None, payloads: list[JSON]
    ) -> list[AppCommand]:
        """PUT semantics: replace the whole set, keeping ids of commands that still exist."""
        seen: dict[tuple[str, int], int] = {}
        errors: JSON = {}
        for index, payload in enumerate(payloads):
            key = (payload["name"], int(payload.get("type") or 1))
            if key in seen:
                merge_errors(
                    errors,
                    field_error(
                        [index, "name"],
                        "APPLICATION_COMMANDS_DUPLICATE_NAME",
                        f"Application command names must be unique ({payload['name']})",
                    ),
                )
            seen[key] = index
        if errors:
            raise invalid_form_body(errors)
        previous = self.commands.get(guild_id, {})
        current: dict[tuple[str, int], AppCommand] = {}
        for payload in payloads:
            command = self._command_from_payload(guild_id, payload)
            old = previous.get((command.name, command.type))
            if old is not None:
                command.id = old.id
                if old.definition() == command.definition():
                    command.version = old.version
            current[(command.name, command.type)] = command
        self.commands[guild_id] = current
        self.changed()
        return list(current.values())

    def upsert_command(self, guild_id: int | None, payload: JSON) -> tuple[AppCommand, bool]:
        """POST semantics: create, or overwrite the command with the same name and type."""
        command = self._command_from_payload(guild_id, payload)
        bucket = self.commands.setdefault(guild_id, {})
        old = bucket.get((command.name, command.type))
        if old is not None:
            command.id = old.id
        bucket[(command.name, command.type)] = command
        self.changed()
        return command, old is None

    def delete_command(self, guild_id: int | None, command_id: int) -> None:
        command = self.command_by_id(guild_id, command_id)
        del self.commands[guild_id][(command.name, command.type)]
        self.changed()

    def _command_from_payload(self, guild_id: int | None, payload: JSON) -> AppCommand:
        perms = payload.get("default_member_permissions")
        return AppCommand(
            id=self.ids.next(),
            application_id=self.application_id,
            name=payload["name"],
            type=int(payload.get("type") or 1),
            description=payload.get("description") or "",
            version=self.ids.next(),
            guild_id=guild_id,
            options=list(payload.get("options") or []),
            default_member_permissions=int(perms) if perms is not None else None,
            dm_permission=payload.get("dm_permission"),
            contexts=payload.get("contexts"),
            integration_types=payload.get("integration_types"),
            nsfw=bool(payload.get("nsfw") or False),
            name_localizations=payload.get("name_localizations"),
            description_localizations=payload.get("description_localizations"),
        )


def _message_intent(channel: Channel) -> int:
    return INTENT_DIRECT_MESSAGES if channel.guild_id is None else INTENT_GUILD_MESSAGES
