"""The aiohttp application: REST routes under /api/v10, the gateway, and an attachment CDN.

Only wiring lives here; endpoint behaviour is in the ``rest_*`` modules and :mod:`gateway`. The
server binds to loopback on an ephemeral port so parallel test runs never collide.
"""

from __future__ import annotations

from aiohttp import web

from . import rest_channels, rest_commands, rest_core, rest_guilds, rest_interactions
from .context import CTX, EmulatorContext
from .middleware import api_middleware
from .rest_common import register


async def _attachment(request: web.Request) -> web.Response:
    """Serve uploaded bytes at the ``url`` the emulator put in attachment objects."""
    state = request.app[CTX].state
    raw = request.match_info["attachment_id"]
    attachment = state.attachments.get(int(raw)) if raw.isdigit() else None
    if attachment is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=attachment.data,
        content_type=attachment.content_type or "application/octet-stream",
    )


def build_app(ctx: EmulatorContext) -> web.Application:
    app = web.Application(middlewares=[api_middleware], client_max_size=64 * 1024 * 1024)
    app[CTX] = ctx
    for module in (rest_core, rest_commands, rest_interactions, rest_channels, rest_guilds):
        register(app.router, module.ROUTES)
    app.router.add_get("/gateway", ctx.gateway.handle)
    app.router.add_get("/gateway/", ctx.gateway.handle)
    app.router.add_get("/resume-gateway", ctx.gateway.handle)
    app.router.add_get("/resume-gateway/", ctx.gateway.handle)
    app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", _attachment)
    return app


class EmulatorServer:
    """Starts and stops the aiohttp app on a loopback port."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.host = "127.0.0.1"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; returns the base URL (``http://127.0.0.1:PORT``)."""
        app = build_app(self.ctx)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.host = host
        self.port = int(runner.addresses[0][1])
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self.ctx.gateway.close_all()
            await self._runner.cleanup()
            self._runner = None
