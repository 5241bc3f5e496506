"""The demo page's server: static files, attachments, and one WebSocket per open page.

The page sends actions (run a command, ask for autocomplete, click, type, move the clock,
switch member or channel) as JSON with a request id; each is answered once, with an error
message the page shows as it is. Changes are pushed: after every emulator change the viewer's
open channel is compared with what the page has and only the difference is sent.

Only the page's own origin may open the WebSocket, so another site open in the same browser
cannot drive the demo.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from bot.demo.clock import DemoClock
from bot.demo.options import ComposerError, convert_options, leaf_options
from bot.demo.view import (
    commands_json,
    message_json,
    message_signature,
    visible_messages,
    world_json,
)
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

log = logging.getLogger(__name__)

#: Discord's own words when a bot does not answer an interaction within 3 seconds.
NO_RESPONSE = "The application did not respond"
STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
MAX_MESSAGE = 2000

ClockMover = Callable[[str, User], Awaitable[str]]


class PageError(Exception):
    """Shown in the page as it is."""


def _static(name: str) -> bytes:
    return resources.files("bot.demo").joinpath("static", name).read_bytes()


@dataclass(eq=False)
class PageSession:
    """One open page: who it acts as, which channel it shows, what it has been sent."""

    ws: web.WebSocketResponse
    viewer: User
    channel: Channel
    sent: dict[int, tuple[int, int, bool]] = field(default_factory=dict)
    commands_key: str = ""
    clock_offset: float | None = None
    latest: dict[str, str] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, payload: dict[str, Any]) -> None:
        """Send unless the page has gone (a closed tab is not an error)."""
        async with self.lock:
            if self.ws.closed:
                return
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.send_str(json.dumps(payload, separators=(",", ":")))


class DemoWeb:
    def __init__(self, world: DemoWorld, clock: DemoClock, move_clock: ClockMover) -> None:
        self.world = world
        self.clock = clock
        self.move_clock = move_clock
        self.sessions: set[PageSession] = set()
        self.app = web.Application()
        self.app.router.add_get("/", self._index)
        self.app.router.add_get("/static/{name}", self._static_file)
        self.app.router.add_get("/attachments/{attachment_id}/{filename}", self._attachment)
        self.app.router.add_get("/ws", self._socket)
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str, port: int) -> int:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        return self.port

    async def stop(self) -> None:
        for session in list(self.sessions):
            await session.ws.close()
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ plain routes

    async def _index(self, request: web.Request) -> web.Response:
        return web.Response(body=_static("index.html"), content_type="text/html")

    async def _static_file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        suffix = name[name.rfind(".") :] if "." in name else ""
        if "/" in name or suffix not in STATIC_TYPES:
            raise web.HTTPNotFound()
        try:
            body = _static(name)
        except (FileNotFoundError, OSError):
            raise web.HTTPNotFound() from None
        return web.Response(body=body, content_type=STATIC_TYPES[suffix])

    async def _attachment(self, request: web.Request) -> web.Response:
        try:
            attachment = self.world.emu.state.attachments[int(request.match_info["attachment_id"])]
        except (KeyError, ValueError):
            raise web.HTTPNotFound() from None
        disposition = "attachment" if request.query.get("download") else "inline"
        return web.Response(
            body=attachment.data,
            content_type=attachment.content_type or "application/octet-stream",
            headers={
                "Content-Disposition": f'{disposition}; filename="{attachment.filename}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    # ------------------------------------------------------------------ the socket

    def _same_origin(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser page (a script or a test client)
        return urlsplit(origin).netloc == request.host

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        if not self._same_origin(request):
            raise web.HTTPForbidden(text="the demo accepts its own page only")
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        world = self.world
        session = PageSession(ws, world.you, world.general)
        self.sessions.add(session)
        pusher = asyncio.create_task(self._push_loop(session))
        try:
            await session.send({"type": "world", "world": world_json(world)})
            await self._sync(session, full=True)
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                task = asyncio.create_task(self._handle(session, msg.data))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:
            pusher.cancel()
            self.sessions.discard(session)
        return ws

    async def _handle(self, session: PageSession, raw: str) -> None:
        request_id: Any = None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise PageError("The page sent something the demo does not understand.")
            request_id = data.get("id")
            result = await self._act(session, data)
            await session.send({"type": "result", "id": request_id, "ok": True, **result})
        except (PageError, ComposerError) as exc:
            await session.send({"type": "result", "id": request_id, "ok": False, "error": str(exc)})
        except json.JSONDecodeError:
            await session.send(
                {"type": "result", "id": request_id, "ok": False, "error": "Not JSON."}
            )
        except Exception:
            log.exception("demo page action failed")
            await session.send(
                {
                    "type": "result",
                    "id": request_id,
                    "ok": False,
                    "error": "Something went wrong. Please try again.",
                }
            )

    async def _act(self, session: PageSession, data: dict[str, Any]) -> dict[str, Any]:
        op = data.get("op")
        if op == "view":
            return await self._view(session, data)
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
            if kind not in ("day", "week", "next"):
                raise PageError("Pick +1 day, +1 week or next reminder.")
            said = await self.move_clock(kind, session.viewer)
            self.world.emu.state.changed()
            return {"said": said}
        raise PageError("The page asked for something the demo does not do.")

    # ------------------------------------------------------------------ actions

    def _person(self, value: object) -> User:
        for user in self.world.people:
            if str(user.id) == str(value):
                return user
        raise PageError("There is no such member in the demo server.")

    def _channel_for(self, viewer: User, value: object) -> Channel:
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

    async def _view(self, session: PageSession, data: dict[str, Any]) -> dict[str, Any]:
        viewer = self._person(data.get("member") or session.viewer.id)
        channel = self._channel_for(viewer, data.get("channel"))
        changed = viewer.id != session.viewer.id or channel.id != session.channel.id
        session.viewer, session.channel = viewer, channel
        if changed:
            session.sent.clear()
            session.commands_key = ""
            session.latest.clear()
        await self._sync(session, full=changed)
        return {"member": str(viewer.id), "channel": str(channel.id)}

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

        task = asyncio.create_task(watch())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ pushing changes

    async def _push_loop(self, session: PageSession) -> None:
        notifier = self.world.emu.notifier
        while not session.ws.closed:
            generation = notifier.generation
            try:
                await self._sync(session)
            except (ConnectionError, RuntimeError):
                return

            def moved(seen: int = generation) -> bool:
                return notifier.generation != seen

            with contextlib.suppress(EmulatorTimeout):
                await notifier.wait_for(moved, 15.0)

    async def _sync(self, session: PageSession, *, full: bool = False) -> None:
        """Send what changed in the open channel (everything with `full`), the commands if
        they changed, the clock if it moved, and which other channels have news."""
        world = self.world
        out: dict[str, Any] = {"type": "sync", "channel": str(session.channel.id)}
        shown = visible_messages(world, session.channel, session.viewer)
        upserts = []
        current: dict[int, tuple[int, int, bool]] = {}
        for message in shown:
            signature = message_signature(message)
            current[message.id] = signature
            if full or session.sent.get(message.id) != signature:
                upserts.append(message_json(world, message))
        deletes = [str(i) for i in session.sent if i not in current]
        session.sent = current
        if upserts or full:
            out["upserts"] = upserts
        if deletes:
            out["deletes"] = deletes
        if full:
            out["full"] = True
        commands = commands_json(world, session.viewer, session.channel)
        key = json.dumps(commands, sort_keys=True)
        if key != session.commands_key:
            session.commands_key = key
            out["commands"] = commands
        offset = self.clock.offset.total_seconds()
        if offset != session.clock_offset or full:
            session.clock_offset = offset
            out["clock"] = {"now": self.clock.now().timestamp() * 1000}
        latest = self._latest(session.viewer)
        if latest != session.latest:
            session.latest = latest
            out["latest"] = latest
        if len(out) > 2:
            await session.send(out)

    def _latest(self, viewer: User) -> dict[str, str]:
        """The newest message id the viewer can see in each channel (for unread marks)."""
        emu = self.world.emu
        channels = [c for c in emu.channels(self.world.guild) if c.type == 0]
        channels.append(emu.dm_channel(viewer))
        latest = {}
        for channel in channels:
            shown = visible_messages(self.world, channel, viewer)
            if shown:
                latest[str(channel.id)] = str(shown[-1].id)
        return latest
