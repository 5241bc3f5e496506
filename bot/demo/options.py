"""What the page typed, turned into the option values Discord's client would send.

Discord's client never sends an option of the wrong type, a value outside a choice list or
bounds, or a command without its required options: it refuses in the composer with a short
message. These checks give the page those same messages (`ComposerError`), before the bot
sees anything; the emulator checks again behind them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.emulator.command_options import (
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    USER,
)
from bot.emulator.models import JSON, AppCommand, Guild
from bot.emulator.state import EmulatorState

_MENTION = re.compile(r"^<[@#][!&]?(\d+)>$")


class ComposerError(Exception):
    """Input the Discord client itself would refuse; the message is shown as it is."""


def leaf_options(command: AppCommand, subcommand: str | None) -> list[JSON]:
    """The option definitions under `subcommand` ("sub" or "group sub")."""
    level = command.options
    for word in (subcommand or "").split():
        match = next(
            (
                o
                for o in level
                if o["name"] == word and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
            ),
            None,
        )
        if match is None:
            raise ComposerError(f"/{command.name} has no subcommand `{word}`.")
        level = match.get("options") or []
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in level):
        subs = ", ".join(
            f"`{o['name']}`" for o in level if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
        )
        raise ComposerError(f"Pick a subcommand of /{command.name}: {subs}.")
    return list(level)


def _choice(spec: JSON, text: str) -> Any:
    for choice in spec["choices"]:
        if (
            text in (str(choice["value"]), choice["name"])
            or text.casefold() == str(choice["name"]).casefold()
        ):
            return choice["value"]
    names = ", ".join(f"`{c['name']}`" for c in spec["choices"])
    raise ComposerError(f"`{spec['name']}` must be one of the choices: {names}.")


def _number(spec: JSON, text: str, whole: bool) -> int | float:
    try:
        value: int | float = int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ComposerError(f"`{spec['name']}` must be {kind}.") from None
    low, high = spec.get("min_value"), spec.get("max_value")
    if low is not None and value < low:
        raise ComposerError(f"`{spec['name']}` must be at least {low}.")
    if high is not None and value > high:
        raise ComposerError(f"`{spec['name']}` must be at most {high}.")
    return value


def _entity(state: EmulatorState, guild: Guild | None, spec: JSON, text: str) -> int:
    kind = spec["type"]
    wanted = text.strip().lstrip("@#").casefold()
    match = _MENTION.match(text.strip())
    if match or text.strip().isdigit():
        return int(match.group(1) if match else text.strip())
    if kind == CHANNEL:
        if guild is not None:
            for channel_id in guild.channel_ids:
                channel = state.channels[channel_id]
                if (channel.name or "").casefold() == wanted:
                    return channel.id
        shown = text.strip().lstrip("#")
        raise ComposerError(f"`{spec['name']}`: there is no channel #{shown} here.")
    if kind in (USER, MENTIONABLE) and guild is not None:
        for member_id in guild.members:
            user = state.users[member_id]
            names = {user.username.casefold(), (user.global_name or "").casefold()}
            if wanted in names:
                return user.id
    if kind in (ROLE, MENTIONABLE) and guild is not None:
        for role in guild.roles.values():
            if role.name.casefold() == wanted:
                return role.id
    what = "member" if kind == USER else "role" if kind == ROLE else "member or role"
    raise ComposerError(f"`{spec['name']}`: there is no {what} called {text.strip()} here.")


def convert_options(
    state: EmulatorState,
    command: AppCommand,
    subcommand: str | None,
    typed: Mapping[str, str],
    guild: Guild | None,
) -> dict[str, Any]:
    """Typed text per option name -> values for `Emulator.start_command`; empty means unset."""
    specs = {s["name"]: s for s in leaf_options(command, subcommand)}
    where = " ".join(["/" + command.name, *(subcommand or "").split()])
    values: dict[str, Any] = {}
    for name, raw in typed.items():
        spec = specs.get(name)
        if spec is None:
            raise ComposerError(f"{where} has no option `{name}`.")
        text = str(raw).strip()
        if not text:
            continue
        kind = spec["type"]
        if kind == STRING:
            limit = spec.get("max_length", 6000)
            if len(text) > limit:
                raise ComposerError(f"`{name}` must be {limit} characters or fewer.")
            if len(text) < spec.get("min_length", 0):
                raise ComposerError(f"`{name}` must be at least {spec['min_length']} characters.")
            values[name] = _choice(spec, text) if spec.get("choices") else text
        elif kind in (INTEGER, NUMBER):
            value = _choice(spec, text) if spec.get("choices") else None
            values[name] = value if value is not None else _number(spec, text, kind == INTEGER)
        elif kind == BOOLEAN:
            lowered = text.casefold()
            if lowered not in ("true", "false"):
                raise ComposerError(f"`{name}` must be True or False.")
            values[name] = lowered == "true"
        elif kind in (USER, CHANNEL, ROLE, MENTIONABLE):
            values[name] = _entity(state, guild, spec, text)
        else:
            raise ComposerError(f"`{name}` cannot be given from this page.")
    missing = [n for n, s in specs.items() if s.get("required") and n not in values]
    if missing:
        raise ComposerError(missing_message(missing))
    return values


def missing_message(missing: list[str]) -> str:
    """Discord's composer marks each empty required option; this says the same in one line."""
    names = ", ".join(f"`{n}`" for n in missing)
    return (
        f"This field is required: {names}."
        if len(missing) == 1
        else (f"These fields are required: {names}.")
    )
