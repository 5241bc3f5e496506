"""The REST request pipeline shared by every endpoint.

Order matters and mirrors Discord's edge: route lookup (unknown route -> 404), fault injection,
authentication (401), the limiter's jitter (a random delay, off by default), global limit,
per-route bucket (429), body parsing and schema validation
(400/50035), then the handler. Every response gets rate-limit headers and is counted, so tests
can assert on 429s and invalid requests no matter which endpoint produced them.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import Awaitable, Callable

from aiohttp import web

from .bodies import read_body
from .context import API_PREFIX, BODY_KEY, CTX, RECORD_KEY, EmulatorContext
from .errors import ApiError, invalid_form_body, not_found_route, unauthorized
from .metrics import RequestRecord
from .ratelimit import Decision
from .schema import SchemaViolation, check_request

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Routes authenticated by the token in the URL instead of the bot token; Discord also exempts
#: them from the global rate limit ("interaction endpoints are not bound to the global limit").
TOKEN_ROUTES_PREFIXES = ("/interactions/", "/webhooks/")
#: Routes that need no authentication at all.
PUBLIC_ROUTES = frozenset({"GET /gateway"})


def json_response(
    data: object, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json``.

    discord.py only decodes bodies whose header equals that string (no ``charset`` suffix), so
    aiohttp's ``json_response``/``content_type=`` helpers would make it see plain text.
    """
    merged = {"Content-Type": "application/json"}
    merged.update(headers or {})
    return web.Response(body=json.dumps(data).encode(), status=status, headers=merged)


def _template(request: web.Request) -> str | None:
    resource = request.match_info.route.resource
    if resource is None or request.match_info.http_exception is not None:
        return None
    canonical = resource.canonical
    return canonical[len(API_PREFIX) :] if canonical.startswith(API_PREFIX) else canonical


def _major(request: web.Request) -> str:
    info = request.match_info
    for key in ("channel_id", "guild_id"):
        if key in info:
            return info[key]
    if "webhook_id" in info:
        return f"{info['webhook_id']}+{info.get('webhook_token', '')}"
    if "interaction_id" in info:
        return f"{info['interaction_id']}+{info.get('interaction_token', '')}"
    return ""


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run one REST request through the Discord-like pipeline (non-API paths pass through)."""
    if not request.path.startswith(API_PREFIX + "/"):
        return await handler(request)
    ctx = request.app[CTX]
    template = _template(request)
    record = RequestRecord(
        method=request.method,
        path=request.path[len(API_PREFIX) :],
        template=template,
        query=dict(request.query),
    )
    reason = request.headers.get("X-Audit-Log-Reason")
    record.audit_log_reason = urllib.parse.unquote(reason) if reason is not None else None
    ctx.requests.append(record)
    ctx.counters.requests += 1
    ctx.counters.by_route[record.route] += 1
    request[RECORD_KEY] = record
    decision: Decision | None = None
    fault: str | None = None
    try:
        if template is None:
            ctx.counters.unknown_routes += 1
            ctx.unknown_routes.append(record.route)
            raise not_found_route()
        fault = ctx.faults.pick(record.route, record.path)
        if fault is not None:
            ctx.counters.faults_injected += 1
            if not fault.endswith("-after"):
                return _fault_response(request, record, fault)
        token_route = template.startswith(TOKEN_ROUTES_PREFIXES)
        needs_auth = not token_route and record.route not in PUBLIC_ROUTES
        if needs_auth and request.headers.get("Authorization") != f"Bot {ctx.config.token}":
            raise unauthorized()
        delay = ctx.ratelimiter.delay()
        if delay:
            await asyncio.sleep(delay)
        if not token_route:
            limited = ctx.ratelimiter.check_global()
            if limited is not None:
                return _rate_limited(ctx, record, limited)
        decision = ctx.ratelimiter.check_route(record.route, _major(request))
        if not decision.allowed:
            return _rate_limited(ctx, record, decision)
        body = await read_body(request)
        record.body = body.json
        request[BODY_KEY] = body
        _validate(ctx, record, template, body.json)
        response = await handler(request)
        hold = ctx.holds.get(record.route)
        if hold is not None:
            ctx.held.append(record)
            ctx.notifier.notify()
            await hold.wait()
    except ApiError as exc:
        response = json_response(exc.body(), status=exc.status, headers=exc.headers)
    if fault is not None and fault.endswith("-after") and response.status < 400:
        # carried out; the answer is what gets lost
        return _fault_response(request, record, fault.removesuffix("-after"))
    if decision is not None:
        for key, value in decision.headers.items():
            response.headers.setdefault(key, value)
    if (
        isinstance(response, web.Response)
        and isinstance(response.body, bytes)
        and response.body
        and response.headers.get("Content-Type") == "application/json"
    ):
        record.response = json.loads(response.body)
    _finish(ctx, record, response.status)
    return response


def _validate(ctx: EmulatorContext, record: RequestRecord, template: str, body: object) -> None:
    if not ctx.config.validate_schemas or body is None:
        return
    errors, messages = check_request(record.method, template, body)
    if not errors:
        return
    ctx.schema_violations.append(
        SchemaViolation(
            method=record.method,
            path=record.path,
            template=template,
            errors=errors,
            messages=messages,
            body=body,
        )
    )
    ctx.counters.schema_violations += 1
    raise invalid_form_body(errors)


def _finish(ctx: EmulatorContext, record: RequestRecord, status: int) -> None:
    record.status = status
    ctx.counters.by_status[status] += 1
    if status in (401, 403):
        ctx.counters.invalid_requests += 1
    ctx.notifier.notify()


def _rate_limited(ctx: EmulatorContext, record: RequestRecord, decision: Decision) -> web.Response:
    ctx.counters.rate_limited += 1
    if decision.is_global:
        ctx.counters.rate_limited_global += 1
    else:
        ctx.counters.rate_limited_route += 1
    # Discord does not count "shared" 429s as invalid requests.
    if decision.scope != "shared":
        ctx.counters.invalid_requests += 1
    response = json_response(decision.body(), status=429, headers=decision.headers)
    record.status = 429
    ctx.counters.by_status[429] += 1
    ctx.notifier.notify()
    return response


def _fault_response(request: web.Request, record: RequestRecord, fault: str) -> web.Response:
    ctx = request.app[CTX]
    if fault == "drop":
        transport = request.transport
        if transport is not None:
            transport.abort()
        record.status = -1
        ctx.notifier.notify()
        return web.Response(status=500)
    status = int(fault)
    text = "500: Internal Server Error" if status == 500 else "502: Bad Gateway"
    response = json_response({"message": text, "code": 0}, status=status)
    _finish(ctx, record, status)
    return response
