"""What the page asks the emulator to do, as one member in one channel: run a command, fill
in an autocomplete, click a component, type a message, move the clock.

Each action answers at once (the bot's reply arrives later, pushed like any change) or raises
`PageError` with the line the page shows, in the words Discord's client would use.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.demo.options import ComposerError, convert_options, leaf_options
from bot.demo.session import NO_RESPONSE, PageError, PageSession
from bot.demo.world import DemoWorld
from bot.emulator.errors import (
    CommandNotAvailableError,
    ComponentError,
    EmulatorUsageError,
    UnknownCommandError,
)
from bot.emulator.models import AppCommand, Channel, User
from bot.emulator.notifier import EmulatorTimeout
from bot.emulator.replies import InteractionFailedError, InteractionReply

MAX_MESSAGE = 2000
CLOCK_MOVES = ("day", "week", "next")

ClockMover = Callable[[str, User], Awaitable[str]]
Spawn = Callable[[Coroutine[Any, Any, None]], None]


class PageActions:
    def __init__(self, world: DemoWorld, move_clock: ClockMover, spawn: Spawn) -> None:
        """`spawn` runs a watcher in the background (the page's server owns those tasks)."""
        self.world = world
        self.move_clock = move_clock
        self._spawn = spawn

    async def act(self, session: PageSession, data: dict[str, Any]) -> dict[str, Any]:
        """One action (not "view": the server does that); the fields of its answer."""
        op = data.get("op")
        if op == "command":
            return self._command(session, data)
        if op == "autocomplete":
            return await self._autocomplete(session, data)
        if op == "click":
            return self._click(session, data)
        if op == "say":
            return await self._say(session, data)
        if op == "clock":
            kind = str(data.get("kind", ""))
            if kind not in CLOCK_MOVES:
                raise PageError("Pick +1 day, +1 week or next reminder.")
            said = await self.move_clock(kind, session.viewer)
            self.world.emu.state.changed()
            return {"said": said}
        raise PageError("The page asked for something the demo does not do.")

    def person(self, value: object) -> User:
        for user in self.world.people:
            if str(user.id) == str(value):
                return user
        raise PageError("There is no such member in the demo server.")

    def channel_for(self, viewer: User, value: object) -> Channel:
        emu = self.world.emu
        if value in (None, "", "dm"):
            return emu.dm_channel(viewer)
        try:
            channel = emu.state.channels[int(str(value))]
        except (KeyError, ValueError):
            raise PageError("That channel does not exist.") from None
        if channel.is_dm and channel.recipient_id != viewer.id:
            return emu.dm_channel(viewer)
        if channel.guild_id is not None and channel.guild_id != self.world.guild.id:
            raise PageError("That channel does not exist.")
        return channel

    def _command_of(self, data: dict[str, Any]) -> tuple[AppCommand, str | None]:
        name = str(data.get("name", "")).strip().lstrip("/")
        sub = data.get("subcommand") or None
        command = self.world.emu.command(name)
        if command is None:
            raise PageError(f"There is no /{name} command here. Pick one from the list.")
        return command, (str(sub).strip() or None) if sub else None

    def _command(self, session: PageSession, data: dict[str, Any]) -> dict[str, Any]:
        emu = self.world.emu
        command, sub = self._command_of(data)
        name = command.name
        typed = data.get("options") or {}
        if not isinstance(typed, dict):
            raise PageError("Options must be given by name.")
        channel = session.channel
        guild = self.world.guild if channel.guild_id is not None else None
        values = convert_options(
            emu.state, command, sub, {str(k): str(v) for k, v in typed.items()}, guild
        )
        try:
            reply = emu.start_command(
                session.viewer, name, channel=channel, options=values, subcommand=sub
            )
        except CommandNotAvailableError:
            raise PageError(f"You can't use /{name} here.") from None
        except UnknownCommandError as exc:
            raise PageError(f"/{name}: {exc}") from None
        except EmulatorUsageError as exc:
            raise PageError(str(exc)) from None
        self._watch(session, reply)
        return {"interaction": str(reply.record.id)}

    async def _autocomplete(self, session: PageSession, data: dict[str, Any]) -> dict[str, Any]:
        emu = self.world.emu
        command, sub = self._command_of(data)
        name = command.name
        option = str(data.get("option", ""))
        specs = {s["name"]: s for s in leaf_options(command, sub)}
        if option not in specs or not specs[option].get("autocomplete"):
            return {"choices": []}
        channel = session.channel
        guild = self.world.guild if channel.guild_id is not None else None
        others: dict[str, Any] = {}
        for key, text in (data.get("options") or {}).items():
            if key == option or key not in specs or not str(text).strip():
                continue
            with contextlib.suppress(ComposerError):
                others.update(convert_options(emu.state, command, sub, {key: str(text)}, guild))
        try:
            choices = await emu.autocomplete(
                session.viewer,
                name,
                option,
                str(data.get("value", ""))[:100],
                channel=channel,
                options=others,
                subcommand=sub,
                timeout=3.5,
            )
        except (InteractionFailedError, EmulatorTimeout):
            return {"choices": [], "note": "Loading options failed"}
        except EmulatorUsageError:
            return {"choices": []}
        return {"choices": choices}

    def _click(self, session: PageSession, data: dict[str, Any]) -> dict[str, Any]:
        emu = self.world.emu
        values = data.get("values")
        if values is not None and not isinstance(values, list):
            raise PageError("Pick from the menu.")
        try:
            message_id = int(str(data.get("message")))
        except ValueError:
            raise PageError("That message no longer exists.") from None
        try:
            reply = emu.start_click(
                session.viewer, message_id, str(data.get("custom_id", "")), values
            )
        except ComponentError as exc:
            text = str(exc)
            if "no longer exists" in text:
                raise PageError("That message no longer exists.") from None
            if "disabled" in text:
                raise PageError("That button is disabled.") from None
            raise PageError("This interaction failed") from None
        except EmulatorUsageError:
            raise PageError("This interaction failed") from None
        self._watch(session, reply)
        return {"interaction": str(reply.record.id)}

    async def _say(self, session: PageSession, data: dict[str, Any]) -> dict[str, Any]:
        content = str(data.get("content", ""))
        if not content.strip():
            raise PageError("Type a message first.")
        if len(content) > MAX_MESSAGE:
            raise PageError(f"Your message is too long ({len(content)}/{MAX_MESSAGE} characters).")
        message = await self.world.emu.send_user_message(
            session.viewer, content, channel=session.channel
        )
        return {"message": str(message.id)}

    def _watch(self, session: PageSession, reply: InteractionReply) -> None:
        """Tell the page when the bot let the interaction fail, as Discord's client does."""

        async def watch() -> None:
            try:
                await reply.wait_first(10.0)
            except (InteractionFailedError, EmulatorTimeout):
                await session.send(
                    {
                        "type": "failed",
                        "interaction": str(reply.record.id),
                        "channel": str(reply.record.channel_id),
                        "error": NO_RESPONSE,
                    }
                )

        self._spawn(watch())
