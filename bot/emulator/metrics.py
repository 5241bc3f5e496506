"""Counters and request log that tests read to assert on *how* the bot talked to Discord.

Discord punishes bots for behaviour, not only for results: hitting 429s, making many invalid
(401/403/429) requests (10,000 in 10 minutes gets an IP ban), re-syncing commands on every start.
These counters make such behaviour assertable.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestRecord:
    """One REST request as the emulator saw it."""

    method: str
    path: str
    template: str | None
    status: int = 0
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    #: Decoded JSON the emulator answered with (None for empty or non-JSON responses).
    response: Any = None
    #: The X-Audit-Log-Reason header, URL-decoded as Discord does (None when absent).
    audit_log_reason: str | None = None
    #: When it arrived (time.monotonic()): tests check no request came before a retry_after.
    at: float = field(default_factory=time.monotonic)

    @property
    def route(self) -> str:
        """``"METHOD /template"`` (or the raw path for unknown routes)."""
        return f"{self.method} {self.template or self.path}"


@dataclass
class Counters:
    """Running totals; read them directly (``emu.counters.rate_limited_global``)."""

    requests: int = 0
    by_route: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0
    rate_limited_global: int = 0
    rate_limited_route: int = 0
    invalid_requests: int = 0
    schema_violations: int = 0
    faults_injected: int = 0
    unknown_routes: int = 0
    gateway_connections: int = 0
    gateway_identifies: int = 0
    gateway_resumes: int = 0
    gateway_invalid_sessions: int = 0
    gateway_heartbeats: int = 0
    gateway_dispatches: int = 0
    gateway_forced_disconnects: int = 0
    interactions_dispatched: int = 0
    interactions_failed: int = 0
    late_callbacks: int = 0
    global_command_syncs: int = 0
    guild_command_syncs: Counter[int] = field(default_factory=Counter)

    @property
    def command_syncs(self) -> int:
        """Bulk overwrites of commands, global and guild together."""
        return self.global_command_syncs + sum(self.guild_command_syncs.values())
