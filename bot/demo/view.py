"""The emulator's state as the page sees it: one viewer's channels, commands and messages.

Everything here is plain JSON for the browser. Ephemeral messages are shown only to the member
whose interaction they answer, as Discord does; message text goes to the page raw and the page
escapes it before rendering markdown.
"""

from __future__ import annotations

from typing import Any

from bot.demo.world import DemoWorld
from bot.emulator.command_options import SUB_COMMAND, SUB_COMMAND_GROUP
from bot.emulator.models import GUILD_TEXT, JSON, AppCommand, Attachment, Channel, Message, User
from bot.emulator.permissions import ALL_PERMISSIONS, Permission

#: Avatar colours, one per person, in the switcher's order (the bot has its own).
COLOURS = ("#5865f2", "#eb459e", "#3ba55c", "#faa61a", "#ed4245", "#9b59b6")
BOT_COLOUR = "#23a55a"


def display_name(user: User) -> str:
    return user.global_name or user.username


def attachment_url(attachment: Attachment) -> str:
    return f"/attachments/{attachment.id}/{attachment.filename}"


def world_json(world: DemoWorld) -> JSON:
    """The server, its text channels, the people to switch between and everyone's names."""
    emu = world.emu
    channels = [
        {"id": str(c.id), "name": c.name, "topic": c.topic}
        for c in emu.channels(world.guild)
        if c.type == GUILD_TEXT
    ]
    people = [
        {
            "id": str(u.id),
            "name": display_name(u),
            "username": u.username,
            "admin": world.is_admin(u),
            "colour": COLOURS[i % len(COLOURS)],
            "dm": str(emu.dm_channel(u).id),
        }
        for i, u in enumerate(world.people)
    ]
    bot = emu.bot_user
    names = {str(u.id): display_name(u) for u in emu.state.users.values()}
    roles = {str(r.id): r.name for r in world.guild.roles.values()}
    return {
        "guild": {"id": str(world.guild.id), "name": world.guild.name},
        "channels": channels,
        "people": people,
        "bot": {"id": str(bot.id), "name": display_name(bot), "colour": BOT_COLOUR},
        "users": names,
        "roles": roles,
        "channel_names": {str(c.id): c.name for c in emu.channels(world.guild)},
    }


def _owner_of(world: DemoWorld, message: Message) -> int | None:
    """Who may see an ephemeral message: the member whose interaction it answers."""
    if message.interaction_id is None:
        return None
    record = world.emu.interactions.records.get(message.interaction_id)
    return record.user_id if record is not None else None


def visible_messages(world: DemoWorld, channel: Channel, viewer: User) -> list[Message]:
    emu = world.emu
    if channel.is_dm and channel.recipient_id != viewer.id:
        return []
    shown = []
    for message in emu.state.channel_messages(channel.id, include_ephemeral=True):
        if message.ephemeral and _owner_of(world, message) != viewer.id:
            continue
        shown.append(message)
    return shown


def message_signature(message: Message) -> tuple[int, int, bool]:
    """Changes whenever the page must redraw the message."""
    return (message.edit_count, message.flags, message.deleted)


def message_json(world: DemoWorld, message: Message) -> JSON:
    state = world.emu.state
    author = state.users.get(message.author_id)
    used: JSON | None = None
    meta = message.interaction_metadata
    if meta is not None:
        who = state.users.get(int(meta["user"]["id"]))
        used = {
            "id": str(meta["id"]),
            "user": display_name(who) if who else "someone",
            "user_id": meta["user"]["id"],
            "command": meta.get("name"),
        }
    return {
        "id": str(message.id),
        "channel_id": str(message.channel_id),
        "author": {
            "id": str(message.author_id),
            "name": display_name(author) if author else "Unknown",
            "bot": bool(author and author.bot),
        },
        "created_at": message.created_at.timestamp() * 1000,
        "edited_at": message.edited_at.timestamp() * 1000 if message.edited_at else None,
        "content": message.content,
        "embeds": message.embeds,
        "components": message.components,
        "attachments": [
            {
                "id": str(a.id),
                "filename": a.filename,
                "url": attachment_url(a),
                "content_type": a.content_type or "",
                "size": a.size,
                "description": a.description,
                "image": (a.content_type or "").startswith("image/")
                or a.filename.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".webp")),
            }
            for a in message.attachments
        ],
        "ephemeral": message.ephemeral,
        "loading": message.loading,
        "interaction": used,
    }


def _can_use(world: DemoWorld, command: AppCommand, viewer: User, channel: Channel) -> bool:
    """Discord's client lists only the commands a member may use where they are typing."""
    if channel.is_dm:
        if command.contexts is not None:
            return 1 in command.contexts
        return command.dm_permission is not False
    if command.contexts is not None and 0 not in command.contexts:
        return False
    required = command.default_member_permissions
    if required is None or command.name in world.emu.state.command_overrides.get(
        world.guild.id, ()
    ):
        return True
    perms = world.emu.state.permissions_in(channel, viewer.id)
    if perms == ALL_PERMISSIONS or perms & Permission.ADMINISTRATOR:
        return True
    return required != 0 and perms & required == required


def _option_json(option: JSON) -> JSON:
    out: dict[str, Any] = {
        "name": option["name"],
        "description": option.get("description", ""),
        "type": option["type"],
        "required": bool(option.get("required")),
        "autocomplete": bool(option.get("autocomplete")),
        "choices": option.get("choices") or [],
    }
    if option.get("channel_types"):
        out["channel_types"] = option["channel_types"]
    return out


def commands_json(world: DemoWorld, viewer: User, channel: Channel) -> list[JSON]:
    """Each usable command and subcommand as one entry ("reminders set"), with its options."""
    entries: list[JSON] = []
    for command in sorted(world.emu.commands(), key=lambda c: c.name):
        if command.type != 1 or not _can_use(world, command, viewer, channel):
            continue
        subs = [o for o in command.options if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not subs:
            entries.append(_entry(command.name, None, command.description, command.options))
            continue
        for sub in subs:
            if sub["type"] == SUB_COMMAND:
                description = sub.get("description", "")
                entries.append(_entry(command.name, sub["name"], description, sub.get("options")))
                continue
            for leaf in sub.get("options") or []:
                entries.append(
                    _entry(
                        command.name,
                        f"{sub['name']} {leaf['name']}",
                        leaf.get("description", ""),
                        leaf.get("options"),
                    )
                )
    return entries


def _entry(name: str, sub: str | None, description: str, options: list[JSON] | None) -> JSON:
    return {
        "name": name,
        "subcommand": sub,
        "full": f"{name} {sub}" if sub else name,
        "description": description,
        "options": [_option_json(o) for o in options or []],
    }
