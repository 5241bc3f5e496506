"""Endpoints a client calls to log in: current user, gateway discovery, application info."""

from __future__ import annotations

from aiohttp import web

from .rest_common import Route, ctx_of, json_response
from .serialize import application_json, self_user_json


async def get_me(request: web.Request) -> web.Response:
    return json_response(self_user_json(ctx_of(request).state.bot_user))


async def get_gateway(request: web.Request) -> web.Response:
    return json_response({"url": ctx_of(request).gateway.url})


async def get_gateway_bot(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    return json_response(
        {
            "url": ctx.gateway.url,
            "shards": ctx.config.shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": max(0, 1000 - ctx.counters.gateway_identifies),
                "reset_after": 14_400_000,
                "max_concurrency": ctx.config.max_concurrency,
            },
        }
    )


async def get_application(request: web.Request) -> web.Response:
    return json_response(application_json(ctx_of(request).state))


ROUTES: list[Route] = [
    ("GET", "/users/@me", get_me),
    ("GET", "/gateway", get_gateway),
    ("GET", "/gateway/bot", get_gateway_bot),
    ("GET", "/applications/@me", get_application),
    ("GET", "/oauth2/applications/@me", get_application),
]
