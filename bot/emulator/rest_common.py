"""Small helpers shared by the REST endpoint modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from .bodies import ParsedBody
from .context import API_PREFIX, BODY_KEY, CTX, EmulatorContext
from .errors import ApiError, unknown
from .middleware import json_response

RestHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Route = tuple[str, str, RestHandler]

__all__ = ["body_of", "ctx_of", "json_response", "no_content", "register", "snowflake"]


def ctx_of(request: web.Request) -> EmulatorContext:
    return request.app[CTX]


def body_of(request: web.Request) -> ParsedBody:
    return request.get(BODY_KEY) or ParsedBody()


def snowflake(request: web.Request, name: str, entity: str) -> int:
    """Path parameter ``name`` as an int; a malformed id is an unknown ``entity`` (404)."""
    raw = request.match_info[name]
    if not raw.isdigit():
        raise unknown(entity)
    return int(raw)


def require_body_object(body: ParsedBody) -> dict[str, object]:
    if not isinstance(body.json, dict):
        raise ApiError(400, 50109, "The request body contains invalid JSON.")
    return body.json


def no_content() -> web.Response:
    return web.Response(status=204)


def register(router: web.UrlDispatcher, routes: Iterable[Route]) -> None:
    """Add ``(method, template, handler)`` routes under the API prefix, in order."""
    for method, template, handler in routes:
        router.add_route(method, API_PREFIX + template, handler)
