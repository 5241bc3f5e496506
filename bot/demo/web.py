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
from collections.abc import Coroutine
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from bot.demo.actions import ClockMover, PageActions
from bot.demo.clock import DemoClock
from bot.demo.options import ComposerError
from bot.demo.session import PageError, PageSession
from bot.demo.view import (
    commands_json,
    message_json,
    message_signature,
    visible_messages,
    world_json,
)
from bot.demo.world import DemoWorld
from bot.emulator.models import User
from bot.emulator.notifier import EmulatorTimeout

log = logging.getLogger(__name__)

STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


def _static(name: str) -> bytes:
    return resources.files("bot.demo").joinpath("static", name).read_bytes()


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
        self.actions = PageActions(world, move_clock, self._spawn)
        self.port = 0

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background, kept until done and cancelled at stop."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
                self._spawn(self._handle(session, msg.data))
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
        return await self.actions.act(session, data)

    async def _view(self, session: PageSession, data: dict[str, Any]) -> dict[str, Any]:
        viewer = self.actions.person(data.get("member") or session.viewer.id)
        channel = self.actions.channel_for(viewer, data.get("channel"))
        changed = viewer.id != session.viewer.id or channel.id != session.channel.id
        session.viewer, session.channel = viewer, channel
        if changed:
            session.sent.clear()
            session.commands_key = ""
            session.latest.clear()
        await self._sync(session, full=changed)
        return {"member": str(viewer.id), "channel": str(channel.id)}

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
