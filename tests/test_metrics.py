"""bot.metrics: counters through a real HTTP endpoint on loopback, parsed as Prometheus text."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics, bound_port, start_metrics_server

HOST = "127.0.0.1"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def parse(text: str) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


class Served:
    def __init__(self, metrics: Metrics, base: str, problems: list[str]) -> None:
        self.metrics = metrics
        self.base = base
        self.problems = problems

    async def get(self, path: str) -> tuple[int, str, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.base + path) as response,
        ):
            return response.status, response.headers["Content-Type"], await response.text()

    async def scrape(self) -> Samples:
        status, _, body = await self.get("/metrics")
        assert status == 200
        return parse(body)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    metrics = Metrics(commands=["enroll", "done", "reminders set"])
    problems: list[str] = []
    port = free_port()
    runner = await start_metrics_server(metrics, port, lambda: list(problems), host=HOST)
    try:
        assert bound_port(runner) == port
        yield Served(metrics, f"http://{HOST}:{port}", problems)
    finally:
        await runner.cleanup()
        metrics.close()


async def test_metrics_endpoint_serves_prometheus_text(served: Served) -> None:
    status, content_type, body = await served.get("/metrics")
    assert status == 200
    assert content_type.startswith("text/plain")
    assert "version=0.0.4" in content_type
    names = {family.name for family in text_string_to_metric_families(body)}
    assert {
        "pathway_reminders",
        "pathway_delivery_lag_seconds",
        "pathway_interactions",
        "pathway_http_429",
        "pathway_discord_http_errors",
        "pathway_gateway_latency_seconds",
        "pathway_gateway_connected",
        "pathway_sweep_duration_seconds",
        "pathway_scheduler_last_tick_timestamp_seconds",
    } <= names


async def test_series_exist_at_zero_before_anything_happens(served: Served) -> None:
    samples = await served.scrape()
    for outcome in ("sent", "failed", "skipped", "late", "fallback"):
        assert value(samples, "pathway_reminders_total", outcome=outcome) == 0
    for scope in ("global", "route", "cloudflare"):
        assert value(samples, "pathway_http_429_total", scope=scope) == 0
    assert value(samples, "pathway_interactions_total", command="done", outcome="error") == 0
    assert math.isnan(value(samples, "pathway_gateway_latency_seconds"))
    assert value(samples, "pathway_gateway_connected") == 0


async def test_recorded_values_appear_in_the_scrape(served: Served) -> None:
    m = served.metrics
    m.reminder("sent", 3)
    m.reminder("failed")
    m.reminder("skipped", 0)  # a no-op, not an error
    m.delivery_lag(2.0)
    m.delivery_lag(7200.0)
    m.delivery_lag(-1.0)  # clock skew clamps to zero rather than going negative
    m.interaction("done", "ok")
    m.interaction("done", "ok")
    m.interaction("enroll", "user_error")
    m.interaction("reminders set", "error")
    m.rate_limited("global")
    m.http_error(403)
    m.http_error(418)
    m.http_error(None)
    m.gateway(0.042, connected=True)
    m.sweep(0.2)
    m.tick(1_700_000_000.0)

    s = await served.scrape()
    assert value(s, "pathway_reminders_total", outcome="sent") == 3
    assert value(s, "pathway_reminders_total", outcome="failed") == 1
    assert value(s, "pathway_reminders_total", outcome="skipped") == 0
    assert value(s, "pathway_delivery_lag_seconds_count") == 3
    assert value(s, "pathway_delivery_lag_seconds_sum") == 7202.0
    assert value(s, "pathway_delivery_lag_seconds_bucket", le="1.0") == 1  # the clamped one
    assert value(s, "pathway_delivery_lag_seconds_bucket", le="5.0") == 2
    assert value(s, "pathway_delivery_lag_seconds_bucket", le="3600.0") == 2
    assert value(s, "pathway_delivery_lag_seconds_bucket", le="7200.0") == 3
    assert value(s, "pathway_delivery_lag_seconds_bucket", le="259200.0") == 3
    assert value(s, "pathway_interactions_total", command="done", outcome="ok") == 2
    assert value(s, "pathway_interactions_total", command="enroll", outcome="user_error") == 1
    assert value(s, "pathway_interactions_total", command="reminders set", outcome="error") == 1
    assert value(s, "pathway_http_429_total", scope="global") == 1
    assert value(s, "pathway_http_429_total", scope="route") == 0
    assert value(s, "pathway_discord_http_errors_total", status="403") == 1
    assert value(s, "pathway_discord_http_errors_total", status="4xx") == 1
    assert value(s, "pathway_discord_http_errors_total", status="network") == 1
    assert value(s, "pathway_gateway_latency_seconds") == pytest.approx(0.042)
    assert value(s, "pathway_gateway_connected") == 1
    assert value(s, "pathway_sweep_duration_seconds_count") == 1
    assert value(s, "pathway_sweep_duration_seconds_bucket", le="0.25") == 1
    assert value(s, "pathway_sweep_duration_seconds_bucket", le="0.1") == 0
    assert value(s, "pathway_scheduler_last_tick_timestamp_seconds") == 1_700_000_000.0


async def test_unknown_commands_become_other_and_cardinality_stays_fixed(served: Served) -> None:
    before = await served.scrape()
    for i in range(50):
        served.metrics.interaction(f"attacker-{i}", "ok")
    after = await served.scrape()
    assert value(after, "pathway_interactions_total", command="other", outcome="ok") == 50
    assert len(after) == len(before)


def test_unknown_outcomes_and_scopes_are_programming_errors() -> None:
    m = Metrics()
    with pytest.raises(ValueError):
        m.reminder("delivered")
    with pytest.raises(ValueError):
        m.interaction("done", "maybe")
    with pytest.raises(ValueError):
        m.rate_limited("bucket")


async def test_sweep_report_counts_each_outcome(served: Served) -> None:
    from bot.delivery.sweep_report import SweepReport

    served.metrics.sweep_report(SweepReport(sent=5, skipped=2, failed=1, late=2, fallbacks=1))
    s = await served.scrape()
    assert value(s, "pathway_reminders_total", outcome="sent") == 5
    assert value(s, "pathway_reminders_total", outcome="late") == 2
    assert value(s, "pathway_reminders_total", outcome="skipped") == 2
    assert value(s, "pathway_reminders_total", outcome="failed") == 1
    assert value(s, "pathway_reminders_total", outcome="fallback") == 1


async def test_each_due_batch_query_is_timed(served: Served) -> None:
    """The sweep's cost per batch, which the 100,000-learner benchmark reads off /metrics."""
    from bot.delivery.sweep_report import SweepReport

    first = SweepReport(sent=1, due_query_seconds=[0.0008, 0.003])
    first.add(SweepReport(due_query_seconds=[0.02]))
    served.metrics.sweep_report(first)
    s = await served.scrape()
    assert value(s, "pathway_due_batch_query_seconds_count") == 3
    assert value(s, "pathway_due_batch_query_seconds_sum") == pytest.approx(0.0238)
    assert value(s, "pathway_due_batch_query_seconds_bucket", le="0.001") == 1
    assert value(s, "pathway_due_batch_query_seconds_bucket", le="0.005") == 2


async def test_unknown_gateway_latency_is_nan(served: Served) -> None:
    served.metrics.gateway(0.1, connected=True)
    served.metrics.gateway(float("inf"), connected=False)  # discord.py before a heartbeat
    s = await served.scrape()
    assert math.isnan(value(s, "pathway_gateway_latency_seconds"))
    assert value(s, "pathway_gateway_connected") == 0


async def test_healthz_is_ok_when_there_are_no_problems(served: Served) -> None:
    assert await served.get("/healthz") == (200, "text/plain; charset=utf-8", "ok\n")


async def test_healthz_lists_problems_with_503(served: Served) -> None:
    served.problems += ["gateway disconnected", "scheduler last ticked 400 s ago"]
    status, _, body = await served.get("/healthz")
    assert status == 503
    assert body.splitlines() == ["gateway disconnected", "scheduler last ticked 400 s ago"]


async def test_healthz_reports_a_failing_check_as_unhealthy() -> None:
    def broken() -> list[str]:
        raise OSError("disk gone")

    metrics = Metrics()
    runner = await start_metrics_server(metrics, 0, broken, host=HOST)
    try:
        url = f"http://{HOST}:{bound_port(runner)}/healthz"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 503
            assert "OSError" in await response.text()
    finally:
        await runner.cleanup()


async def test_unknown_paths_are_404(served: Served) -> None:
    status, _, _ = await served.get("/")
    assert status == 404


async def test_two_instances_do_not_clash() -> None:
    # The same metric names twice in one process: fine, because each has its own registry.
    a, b = Metrics(commands=["done"]), Metrics(commands=["done"])
    runners = [await start_metrics_server(m, 0, lambda: [], host=HOST) for m in (a, b)]
    try:
        a.reminder("sent", 7)
        b.interaction("done", "ok")
        scraped = []
        async with aiohttp.ClientSession() as session:
            for runner in runners:
                url = f"http://{HOST}:{bound_port(runner)}/metrics"
                async with session.get(url) as response:
                    scraped.append(parse(await response.text()))
        sa, sb = scraped
        assert value(sa, "pathway_reminders_total", outcome="sent") == 7
        assert value(sb, "pathway_reminders_total", outcome="sent") == 0
        assert value(sa, "pathway_interactions_total", command="done", outcome="ok") == 0
        assert value(sb, "pathway_interactions_total", command="done", outcome="ok") == 1
    finally:
        for runner in runners:
            await runner.cleanup()


async def test_a_taken_port_raises_and_leaves_nothing_running() -> None:
    metrics = Metrics()
    first = await start_metrics_server(metrics, 0, lambda: [], host=HOST)
    try:
        with pytest.raises(OSError):
            await start_metrics_server(metrics, bound_port(first), lambda: [], host=HOST)
    finally:
        await first.cleanup()


# --- 429s counted from discord.py's own log records, against a loopback "Discord" -----------


def discord_json(body: dict[str, Any], status: int = 200, **headers: str) -> web.Response:
    """discord.py parses a body only when Content-Type is exactly application/json."""
    headers["Content-Type"] = "application/json"
    return web.Response(body=json.dumps(body).encode(), status=status, headers=headers)


class FakeDiscord:
    """Answers /users/@me, and rate-limits GET /probe `limited` times before answering 200."""

    def __init__(self, *, limited: int, is_global: bool) -> None:
        self.limited = limited
        self.is_global = is_global

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/users/@me", self.me)
        app.router.add_get("/probe", self.probe)
        return app

    async def me(self, _request: web.Request) -> web.Response:
        return discord_json(
            {"id": "1", "username": "bot", "discriminator": "0", "avatar": None, "bot": True}
        )

    async def probe(self, _request: web.Request) -> web.Response:
        if self.limited > 0:
            self.limited -= 1
            headers = {"Via": "1.1 google"}
            if self.is_global:
                headers["X-RateLimit-Global"] = "true"
                headers["X-RateLimit-Scope"] = "global"
            body: dict[str, Any] = {
                "message": "You are being rate limited.",
                "retry_after": 0.01,
                "global": self.is_global,
            }
            return discord_json(body, status=429, **headers)
        return discord_json({"ok": True})


@pytest.mark.parametrize(("is_global", "scope"), [(False, "route"), (True, "global")])
async def test_discord_py_429s_are_counted_once_in_their_scope(
    monkeypatch: pytest.MonkeyPatch, is_global: bool, scope: str
) -> None:
    fake = FakeDiscord(limited=2, is_global=is_global)
    runner = web.AppRunner(fake.app())
    await runner.setup()
    await web.TCPSite(runner, HOST, 0).start()
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://{HOST}:{bound_port(runner)}")
    metrics = Metrics()
    metrics.watch_discord_http()
    http_log = logging.getLogger("discord.http")
    level = http_log.level
    http_log.setLevel(logging.WARNING)  # whatever other tests configured, WARNING gets through
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login("not-a-real-token")
        assert await http.request(discord.http.Route("GET", "/probe")) == {"ok": True}
        metrics.close()  # flushes a pending route count, detaches the handler
        samples = parse(metrics.render().decode())
        other = "global" if scope == "route" else "route"
        assert value(samples, "pathway_http_429_total", scope=scope) == 2
        assert value(samples, "pathway_http_429_total", scope=other) == 0
    finally:
        http_log.setLevel(level)
        metrics.close()
        await http.close()
        await runner.cleanup()


async def test_closed_metrics_stop_counting_log_records() -> None:
    metrics = Metrics()
    metrics.watch_discord_http(logger_name="test.metrics.http")
    metrics.watch_discord_http(logger_name="test.metrics.http")  # idempotent: one handler
    http_log = logging.getLogger("test.metrics.http")
    http_log.warning("Global rate limit has been hit. Retrying in %.2f seconds.", 1.0)
    metrics.close()
    http_log.warning("Global rate limit has been hit. Retrying in %.2f seconds.", 1.0)
    samples = parse(metrics.render().decode())
    assert value(samples, "pathway_http_429_total", scope="global") == 1


async def test_healthz_names_the_shards_this_process_runs() -> None:
    problems: list[str] = []
    metrics = Metrics()
    runner = await start_metrics_server(
        metrics, 0, lambda: list(problems), host=HOST, summary=lambda: "shards 0-1 of 4"
    )
    url = f"http://{HOST}:{bound_port(runner)}/healthz"
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                assert (response.status, await response.text()) == (200, "ok\nshards 0-1 of 4\n")
            problems.append("gateway disconnected on shard 1")
            async with session.get(url) as response:
                assert response.status == 503
                assert await response.text() == (
                    "gateway disconnected on shard 1\nshards 0-1 of 4\n"
                )
    finally:
        await runner.cleanup()
        metrics.close()
