"""Prometheus metrics and an optional HTTP endpoint (`/metrics`, `/healthz`), off by default.

METRICS_PORT turns the endpoint on. Everything here is plain Python plus prometheus-client and
aiohttp: no discord import, so `bot/delivery` can record metrics too. Each `Metrics` owns a
private `CollectorRegistry` (never the process-wide default), so tests can build as many as
they like without "Duplicated timeseries" errors.

Label values come from fixed sets: an outcome or scope outside its set is a programming error
(ValueError); a command name outside the set given to `Metrics(commands=...)` is counted as
"other", so user input can never create new time series.

429s: discord.py retries rate-limited requests itself and only logs them (logger
`discord.http`, WARNING). `Metrics.watch_discord_http()` attaches a logging handler that counts
those records, which keeps this module free of discord and needs no patching.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable
from typing import Final, Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

log = logging.getLogger(__name__)

REMINDER_OUTCOMES: Final = ("sent", "failed", "skipped", "late", "fallback")
INTERACTION_OUTCOMES: Final = ("ok", "user_error", "error")
RATE_LIMIT_SCOPES: Final = ("global", "route", "cloudflare")
OTHER: Final = "other"

# How late a reminder went out after its slot: from a normal sweep interval (seconds) up to a
# long outage (days; after one, a single late reminder goes out for the current week).
LAG_BUCKETS: Final = (
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
    7200.0, 21600.0, 43200.0, 86400.0, 172800.0, 259200.0,
)  # fmt: skip
# One sweep tick: milliseconds when idle, up to its time budget (30 s by default) under load.
SWEEP_BUCKETS: Final = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
)  # fmt: skip
# One due-batch query (500 enrolments by an index range scan): about a millisecond.
DUE_QUERY_BUCKETS: Final = (
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
)  # fmt: skip

DISCORD_HTTP_LOGGER: Final = "discord.http"
_ROUTE_429 = "We are being rate limited."
_GLOBAL_429 = "Global rate limit has been hit."


class SweepCounts(Protocol):
    """What `Metrics.sweep_report` reads; `bot.delivery.reminders.SweepReport` has it."""

    sent: int
    failed: int
    skipped: int
    late: int
    fallbacks: int
    due_query_seconds: list[float]


def _status_label(status: int | None) -> str:
    """A bounded label for a failed Discord REST call: the statuses that matter, else a class."""
    if status is None:
        return "network"
    if status in (400, 401, 403, 404, 429):
        return str(status)
    if 400 <= status < 500:
        return "4xx"
    if 500 <= status < 600:
        return "5xx"
    return OTHER


class Metrics:
    def __init__(self, commands: Iterable[str] = ()) -> None:
        """`commands`: every command name the bot can report (anything else becomes "other")."""
        self.registry = CollectorRegistry(auto_describe=True)
        self.commands: frozenset[str] = frozenset(commands) | {OTHER}
        r = self.registry
        self._reminders = Counter(
            "pathway_reminders",
            "Reminder deliveries by outcome. 'late' is also counted in 'sent'; 'fallback' is a"
            " channel mention sent instead of a DM (closed DMs).",
            ["outcome"],
            registry=r,
        )
        # The name the runbook alerts on: reminders parked as failed after their last attempt
        # (a rate above zero means a learner missed a week's reminder).
        self._failed = Counter(
            "reminders_failed",
            "Reminders parked as failed after their last attempt (their error ids are in the"
            ' log); the same count as pathway_reminders_total{outcome="failed"}.',
            registry=r,
        )
        self._lag = Histogram(
            "pathway_delivery_lag_seconds",
            "How long after its scheduled slot a reminder was sent.",
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self._interactions = Counter(
            "pathway_interactions",
            "Interactions handled, by command and outcome.",
            ["command", "outcome"],
            registry=r,
        )
        self._rate_limited = Counter(
            "pathway_http_429",
            "Discord 429 responses: global (the 50/s bot limit), route (a per-route bucket),"
            " cloudflare (no Via header; an IP-level limit).",
            ["scope"],
            registry=r,
        )
        self._http_errors = Counter(
            "pathway_discord_http_errors",
            "Failed Discord REST calls seen by the bot, by status (401/403/429 count toward"
            " Discord's 10,000 invalid requests per 10 minutes).",
            ["status"],
            registry=r,
        )
        self._latency = Gauge(
            "pathway_gateway_latency_seconds",
            "Gateway heartbeat latency (NaN before the first heartbeat).",
            registry=r,
        )
        self._connected = Gauge(
            "pathway_gateway_connected", "1 while the gateway is connected, else 0.", registry=r
        )
        self._sweep = Histogram(
            "pathway_sweep_duration_seconds",
            "Wall time of one reminder sweep.",
            buckets=SWEEP_BUCKETS,
            registry=r,
        )
        self._due_query = Histogram(
            "pathway_due_batch_query_seconds",
            "Wall time of one sweep's query that returned a full batch of due enrolments.",
            buckets=DUE_QUERY_BUCKETS,
            registry=r,
        )
        self._last_tick = Gauge(
            "pathway_scheduler_last_tick_timestamp_seconds",
            "Unix time of the delivery scheduler's last finished tick.",
            registry=r,
        )
        # Create every series up front, so a rate() over them starts at zero instead of absent.
        for outcome in REMINDER_OUTCOMES:
            self._reminders.labels(outcome=outcome)
        for scope in RATE_LIMIT_SCOPES:
            self._rate_limited.labels(scope=scope)
        for command in self.commands:
            for outcome in INTERACTION_OUTCOMES:
                self._interactions.labels(command=command, outcome=outcome)
        self._latency.set(math.nan)
        self._handler: _RateLimitLogHandler | None = None
        self._handler_logger = DISCORD_HTTP_LOGGER

    # --- recording ----------------------------------------------------------------------------

    def reminder(self, outcome: str, n: int = 1) -> None:
        if outcome not in REMINDER_OUTCOMES:
            raise ValueError(f"unknown reminder outcome {outcome!r}")
        if n > 0:
            self._reminders.labels(outcome=outcome).inc(n)
            if outcome == "failed":
                self._failed.inc(n)

    def sweep_report(self, report: SweepCounts) -> None:
        """Count one SweepReport's outcomes (sent includes late)."""
        self.reminder("sent", report.sent)
        self.reminder("failed", report.failed)
        self.reminder("skipped", report.skipped)
        self.reminder("late", report.late)
        self.reminder("fallback", report.fallbacks)
        for seconds in report.due_query_seconds:
            self._due_query.observe(max(0.0, seconds))

    def delivery_lag(self, seconds: float) -> None:
        self._lag.observe(max(0.0, seconds))

    def interaction(self, command: str, outcome: str) -> None:
        if outcome not in INTERACTION_OUTCOMES:
            raise ValueError(f"unknown interaction outcome {outcome!r}")
        name = command if command in self.commands else OTHER
        self._interactions.labels(command=name, outcome=outcome).inc()

    def rate_limited(self, scope: str) -> None:
        if scope not in RATE_LIMIT_SCOPES:
            raise ValueError(f"unknown rate-limit scope {scope!r}")
        self._rate_limited.labels(scope=scope).inc()

    def http_error(self, status: int | None) -> None:
        """A Discord REST call that failed: its HTTP status, or None for a network error."""
        self._http_errors.labels(status=_status_label(status)).inc()

    def gateway(self, latency: float | None, connected: bool) -> None:
        """`latency` in seconds, as discord.py's `Client.latency` (inf/NaN/None: unknown)."""
        if latency is None or not math.isfinite(latency):
            latency = math.nan
        self._latency.set(latency)
        self._connected.set(1 if connected else 0)

    def sweep(self, duration: float) -> None:
        self._sweep.observe(max(0.0, duration))

    def tick(self, ts: float | None = None) -> None:
        """Record a finished scheduler tick at unix time `ts` (default: now)."""
        self._last_tick.set(time.time() if ts is None else ts)

    def render(self) -> bytes:
        """The Prometheus text exposition format (0.0.4)."""
        return generate_latest(self.registry)

    # --- discord.py's 429 log lines -------------------------------------------------------------

    def watch_discord_http(self, logger_name: str = DISCORD_HTTP_LOGGER) -> None:
        """Count the 429s discord.py handles internally, from its WARNING log records.

        Idempotent. The logger must let WARNING through (the default); the records still
        reach the bot's own log handlers as before.
        """
        if self._handler is None:
            self._handler = _RateLimitLogHandler(self)
            logging.getLogger(logger_name).addHandler(self._handler)
            self._handler_logger = logger_name

    def close(self) -> None:
        """Detach the log handler (tests build many Metrics; a process builds one)."""
        if self._handler is not None:
            self._handler.flush_pending()
            logging.getLogger(self._handler_logger).removeHandler(self._handler)
            self._handler = None


class _RateLimitLogHandler(logging.Handler):
    """Turn discord.py's 429 warnings into counts.

    For every 429 it retries, discord.py logs "We are being rate limited. ..." and, when the
    429 was global, "Global rate limit has been hit. ..." right after it with no await in
    between. So the first record is held and counted as "route" on the next loop iteration
    unless the global record claims it first: each 429 is counted once, in one scope.
    """

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(level=logging.WARNING)
        self._metrics = metrics
        self._pending = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = str(record.msg)
            if message.startswith(_GLOBAL_429):
                self._pending = False  # the route record just before was this same 429
                self._metrics.rate_limited("global")
            elif message.startswith(_ROUTE_429):
                self.flush_pending()  # an earlier one that nothing claimed
                self._pending = True
                try:
                    asyncio.get_running_loop().call_soon(self.flush_pending)
                except RuntimeError:  # no loop in this thread: count it now
                    self.flush_pending()
        except Exception:
            self.handleError(record)

    def flush_pending(self) -> None:
        if self._pending:
            self._pending = False
            self._metrics.rate_limited("route")


# --- the HTTP endpoint ------------------------------------------------------------------------

HealthCheck = Callable[[], list[str]]
#: One line saying what this process runs ("shards 0-1 of 2"), or "" when there is nothing to say.
HealthSummary = Callable[[], str]


def metrics_app(
    metrics: Metrics, health: HealthCheck, summary: HealthSummary | None = None
) -> web.Application:
    async def get_metrics(_request: web.Request) -> web.Response:
        return web.Response(
            body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4}
        )

    async def get_healthz(_request: web.Request) -> web.Response:
        try:
            problems = health()
        except Exception as exc:
            log.exception("health check failed")
            problems = [f"health check failed: {type(exc).__name__}"]
        # Several processes share a token; the extra line tells a prober which one answered.
        extra = summary() if summary is not None else ""
        lines = (problems or ["ok"]) + ([extra] if extra else [])
        return web.Response(status=503 if problems else 200, text="\n".join(lines) + "\n")

    app = web.Application()
    app.router.add_get("/metrics", get_metrics)
    app.router.add_get("/healthz", get_healthz)
    return app


async def start_metrics_server(
    metrics: Metrics,
    port: int,
    health: HealthCheck,
    host: str = "0.0.0.0",  # noqa: S104 - in a container the scraper connects from outside
    summary: HealthSummary | None = None,
) -> web.AppRunner:
    """Serve GET /metrics and GET /healthz on host:port; stop with `await runner.cleanup()`.

    Port 0 picks a free port: read it back from `runner.addresses`. No access log: a scrape
    every 15 s would otherwise be most of the bot's log.
    """
    runner = web.AppRunner(metrics_app(metrics, health, summary), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    log.info("metrics endpoint on http://%s:%d/metrics", host, bound_port(runner))
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The port the runner actually listens on (useful after asking for port 0)."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise RuntimeError("the metrics server is not listening on a TCP port")
