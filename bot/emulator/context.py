"""Configuration and the shared context every HTTP/gateway handler reaches via the app.

One :class:`EmulatorContext` per emulator instance; handlers fetch it with ``request.app[CTX]``.
It only wires components together; behaviour lives in the component modules.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from .bodies import ParsedBody
from .clock import EmulatorClock
from .faults import FaultInjector
from .metrics import Counters, RequestRecord
from .notifier import Notifier
from .ratelimit import RateLimitConfig, RateLimiter
from .schema import SchemaViolation
from .state import EmulatorState

if TYPE_CHECKING:
    from .gateway import GatewayManager
    from .interactions import InteractionRegistry

API_PREFIX = "/api/v10"


@dataclass
class EmulatorConfig:
    """Knobs a test may change before ``start()``."""

    token: str = "emulator-bot-token"
    bot_name: str = "PathwayBot"
    heartbeat_interval_ms: int = 41_250
    #: Discord fails an interaction not acknowledged within 3 seconds.
    interaction_deadline: float = 3.0
    #: Interaction tokens (follow-ups, edits) stay valid for 15 minutes.
    interaction_token_lifetime: float = 15 * 60
    validate_schemas: bool = True
    ratelimits: RateLimitConfig = field(default_factory=RateLimitConfig)
    #: Largest upload accepted (Discord's default attachment limit is 10 MiB).
    attachment_size_limit: int = 10 * 1024 * 1024
    #: GET /gateway/bot's recommended shard count.
    shards: int = 1
    #: GET /gateway/bot's session_start_limit.max_concurrency (IDENTIFY buckets per 5 s).
    max_concurrency: int = 1


@dataclass(eq=False)
class EmulatorContext:
    config: EmulatorConfig
    clock: EmulatorClock
    notifier: Notifier
    state: EmulatorState
    counters: Counters
    ratelimiter: RateLimiter
    faults: FaultInjector
    interactions: InteractionRegistry
    gateway: GatewayManager
    requests: list[RequestRecord] = field(default_factory=list)
    schema_violations: list[SchemaViolation] = field(default_factory=list)
    unknown_routes: list[str] = field(default_factory=list)
    base_url: str = ""
    #: Routes ("METHOD /template") whose answers are held back after Discord acted, until
    #: the event is set: how a test crashes a client between Discord's change and its reply.
    holds: dict[str, asyncio.Event] = field(default_factory=dict)
    held: list[RequestRecord] = field(default_factory=list)


CTX: web.AppKey[EmulatorContext] = web.AppKey("discord_emulator.ctx", EmulatorContext)
BODY_KEY: web.RequestKey[ParsedBody] = web.RequestKey("discord_emulator.body", ParsedBody)
RECORD_KEY: web.RequestKey[RequestRecord] = web.RequestKey("discord_emulator.record", RequestRecord)
