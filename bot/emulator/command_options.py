"""Check test-supplied command options against what the bot registered, and encode them.

The Discord client only lets a user send options the command declares, with the declared type,
choices and bounds; it resolves users/channels/roles into ``data.resolved``. The emulator enforces
the same so a test cannot "send" something Discord never would, and so a mismatch between the bot's
registration and its handler (renamed option, wrong type) fails loudly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import OptionError, UnknownCommandError
from .models import JSON, AppCommand, Attachment, Channel, Guild, Member, Role, User
from .serialize import attachment_json, member_json, partial_channel_json, role_json, user_json
from .state import EmulatorState

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11

TYPE_NAMES = {
    STRING: "string",
    INTEGER: "integer",
    BOOLEAN: "boolean",
    USER: "user",
    CHANNEL: "channel",
    ROLE: "role",
    MENTIONABLE: "mentionable",
    NUMBER: "number",
    ATTACHMENT: "attachment",
}
#: Discord's integer range for INTEGER options.
MAX_SAFE_INTEGER = 2**53


@dataclass(frozen=True)
class Upload:
    """A file for an ATTACHMENT option (``options={"file": Upload("a.csv", b"...")}``)."""

    filename: str
    data: bytes
    content_type: str | None = None


@dataclass
class EncodedOptions:
    options: list[JSON]
    resolved: JSON = field(default_factory=dict)
    #: The subcommand path actually used, e.g. ["task", "done"].
    path: list[str] = field(default_factory=list)


class _Resolver:
    """Collects ``data.resolved`` entries while options are encoded."""

    def __init__(
        self, state: EmulatorState, guild: Guild | None, channel: Channel, invoker_id: int
    ) -> None:
        self.state = state
        self.guild = guild
        self.channel = channel
        self.invoker_id = invoker_id
        self.resolved: dict[str, dict[str, JSON]] = {}

    def _put(self, kind: str, key: int, value: JSON) -> None:
        self.resolved.setdefault(kind, {})[str(key)] = value

    def user(self, user: User) -> None:
        self._put("users", user.id, user_json(user))
        if self.guild is not None and user.id in self.guild.members:
            member = self.guild.members[user.id]
            target = self.channel
            perms = self.state.permissions_in(target, user.id)
            self._put(
                "members",
                user.id,
                member_json(self.state, member, include_user=False, permissions=perms),
            )

    def channel_(self, channel: Channel) -> None:
        perms = self.state.permissions_in(channel, self.invoker_id)
        self._put("channels", channel.id, partial_channel_json(channel, perms))

    def role(self, role: Role) -> None:
        self._put("roles", role.id, role_json(role))

    def attachment(self, attachment: Attachment) -> None:
        self._put("attachments", attachment.id, attachment_json(attachment))


def _describe(options: list[JSON]) -> str:
    names = [f"{o['name']}({TYPE_NAMES.get(o['type'], o['type'])})" for o in options]
    return ", ".join(names) or "none"


def _subcommand_path(command: AppCommand, subcommand: str | None) -> tuple[list[str], list[JSON]]:
    """Walk ``"group sub"`` through the registered options; return path and leaf option defs."""
    level = command.options
    path: list[str] = []
    words = subcommand.split() if subcommand else []
    for word in words:
        match = next(
            (
                o
                for o in level
                if o["name"] == word and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
            ),
            None,
        )
        if match is None:
            subs = [o["name"] for o in level if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
            raise UnknownCommandError(
                f"/{command.name} has no subcommand {' '.join([*path, word])!r}; registered: {subs}"
            )
        path.append(word)
        level = match.get("options") or []
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in level):
        subs = [o["name"] for o in level if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        where = " ".join([command.name, *path])
        raise UnknownCommandError(f"/{where} needs a subcommand, one of {subs}")
    return path, level


def _entity_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, (User, Channel, Role, Attachment)):
        return value.id
    if isinstance(value, Member):
        return value.user_id
    return None


def _check_choice(spec: JSON, value: Any) -> None:
    choices = spec.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        allowed = [c["value"] for c in choices]
        raise OptionError(f"option {spec['name']!r}: {value!r} is not one of the choices {allowed}")


def _check_bounds(spec: JSON, value: float) -> None:
    low, high = spec.get("min_value"), spec.get("max_value")
    if low is not None and value < low:
        raise OptionError(f"option {spec['name']!r}: {value} is below min_value {low}")
    if high is not None and value > high:
        raise OptionError(f"option {spec['name']!r}: {value} is above max_value {high}")


def _encode_value(spec: JSON, value: Any, resolver: _Resolver) -> Any:
    kind = spec["type"]
    name = spec["name"]
    wrong = OptionError(
        f"option {name!r} is a {TYPE_NAMES.get(kind, kind)} option;"
        f" got {type(value).__name__} {value!r}"
    )
    state = resolver.state
    if kind == STRING:
        if not isinstance(value, str):
            raise wrong
        low, high = spec.get("min_length"), spec.get("max_length", 6000)
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise OptionError(f"option {name!r}: length {len(value)} outside [{low}, {high}]")
        _check_choice(spec, value)
        return value
    if kind == INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong
        if abs(value) > MAX_SAFE_INTEGER:
            raise OptionError(f"option {name!r}: {value} outside Discord's integer range")
        _check_bounds(spec, value)
        _check_choice(spec, value)
        return value
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong
        _check_bounds(spec, value)
        _check_choice(spec, value)
        return value
    if kind == BOOLEAN:
        if not isinstance(value, bool):
            raise wrong
        return value
    if kind in (USER, MENTIONABLE) and isinstance(value, (User, Member, int)):
        user_id = _entity_id(value)
        user = state.users.get(user_id or 0)
        if user is not None:
            resolver.user(user)
            return str(user.id)
        if kind == USER:
            raise OptionError(f"option {name!r}: no user with id {value!r}")
    if kind in (ROLE, MENTIONABLE) and isinstance(value, (Role, int)):
        role_id = _entity_id(value)
        guild = resolver.guild
        if guild is not None and role_id in guild.roles:
            resolver.role(guild.roles[role_id])
            return str(role_id)
        raise OptionError(f"option {name!r}: no role {value!r} in this guild")
    if kind == CHANNEL and isinstance(value, (Channel, int)) and not isinstance(value, bool):
        channel = state.channels.get(_entity_id(value) or 0)
        if channel is None:
            raise OptionError(f"option {name!r}: no channel {value!r}")
        allowed_types = spec.get("channel_types")
        if allowed_types and channel.type not in allowed_types:
            raise OptionError(
                f"option {name!r}: channel type {channel.type} not in channel_types {allowed_types}"
            )
        resolver.channel_(channel)
        return str(channel.id)
    if kind == ATTACHMENT and isinstance(value, Upload):
        attachment = state.make_attachment(
            resolver.channel.id, value.filename, value.data, content_type=value.content_type
        )
        resolver.attachment(attachment)
        return str(attachment.id)
    raise wrong


def encode_options(
    state: EmulatorState,
    command: AppCommand,
    *,
    subcommand: str | None,
    options: Mapping[str, Any],
    guild: Guild | None,
    channel: Channel,
    invoker_id: int,
    focused: str | None = None,
) -> EncodedOptions:
    """Validate ``options`` and build ``data.options`` (nested under subcommands) + resolved.

    With ``focused`` (autocomplete), that option's value is the partial text the user typed and
    required options may be missing, as in Discord's autocomplete interactions.
    """
    path, specs = _subcommand_path(command, subcommand)
    by_name = {s["name"]: s for s in specs}
    resolver = _Resolver(state, guild, channel, invoker_id)
    encoded: list[JSON] = []
    for name, value in options.items():
        spec = by_name.get(name)
        if spec is None:
            where = " ".join([command.name, *path])
            raise OptionError(f"/{where} has no option {name!r}; registered: {_describe(specs)}")
        if name == focused:
            if not spec.get("autocomplete"):
                raise OptionError(f"option {name!r} does not have autocomplete enabled")
            encoded.append({"name": name, "type": spec["type"], "value": value, "focused": True})
            continue
        encoded.append(
            {"name": name, "type": spec["type"], "value": _encode_value(spec, value, resolver)}
        )
    if focused is not None and focused not in options:
        spec = by_name.get(focused)
        if spec is None or not spec.get("autocomplete"):
            raise OptionError(
                f"option {focused!r} is not an autocomplete option of /{command.name}"
            )
        encoded.append({"name": focused, "type": spec["type"], "value": "", "focused": True})
    if focused is None:
        missing = [s["name"] for s in specs if s.get("required") and s["name"] not in options]
        if missing:
            raise OptionError(f"/{' '.join([command.name, *path])} requires options {missing}")
    nested = encoded
    for depth in range(len(path), 0, -1):
        name = path[depth - 1]
        kind = SUB_COMMAND if depth == len(path) else SUB_COMMAND_GROUP
        nested = [{"name": name, "type": kind, "options": nested}]
    return EncodedOptions(options=nested, resolved=resolver.resolved, path=path)
