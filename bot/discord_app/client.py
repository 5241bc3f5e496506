"""The Bot subclass: async set-up in setup_hook (never on_ready, which fires on every reconnect).

It is an AutoShardedBot even for one shard: SHARD_COUNT/SHARD_IDS pick this process's shards,
and with neither set it runs the count GET /gateway/bot recommends.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import discord
from aiohttp import web
from discord.ext import commands

from bot import health
from bot.clock import Clock, clock_from_setting
from bot.config import Settings
from bot.core.errors import ConfigError
from bot.core.registry import ReloadReport
from bot.delivery.buckets import RouteBuckets
from bot.delivery.jobs import DeliveryJobs
from bot.delivery.scheduler import DeliveryScheduler
from bot.delivery.sender_role import Role
from bot.delivery.throttle import Throttle, sender_budget
from bot.delivery.welcome import Welcomer
from bot.discord_app.components.registry import DYNAMIC_ITEMS
from bot.discord_app.discord_notifier import DiscordNotifier
from bot.discord_app.gateway import GatewayInfo, discover_gateway
from bot.discord_app.http_tuning import amortise_bucket_cleanup, pace_from_answers
from bot.discord_app.identify import DatabaseIdentifyGate, IdentifyGate, identify_bucket
from bot.discord_app.render_account import dms_closed_notice
from bot.discord_app.render_reload import describe_reload
from bot.discord_app.role_granter import install_role_grants
from bot.discord_app.sync import sync_if_changed
from bot.discord_app.tree import PathwayTree, reply
from bot.metrics import Metrics, start_metrics_server
from bot.pathway_files import PathwayRegistry
from bot.runtime import Store, open_services
from bot.service.context import Context
from bot.shards import ShardStatus, describe_shards

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.discord_app.cogs.learning",
    "bot.discord_app.cogs.me",
    "bot.discord_app.cogs.admin",
    "bot.discord_app.cogs.groups",
    "bot.discord_app.cogs.cohort",
)


class PathwayBot(commands.AutoShardedBot):
    """Holds the services; cogs and components reach them through `interaction.client`."""

    def __init__(
        self,
        settings: Settings,
        registry: PathwayRegistry,
        clock: Clock | None = None,
        *,
        sync_only: bool = False,
        sync_guild: int | None = None,
        run_scheduler: bool = True,
        identify_gate: IdentifyGate | None = None,
    ) -> None:
        """`run_scheduler=False` is for in-process tests that drive sweeps with a fake clock.
        `identify_gate` paces IDENTIFY across processes (see `identify.py`); None: the
        database's gate, built once the store is open."""
        intents = discord.Intents.none()
        intents.guilds = True
        # Unset: discord.py asks GET /gateway/bot (here, setup_hook does) and runs every shard.
        shards: dict[str, Any] = {}
        if settings.shard_count is not None:
            shards["shard_count"] = settings.shard_count
        if settings.shard_ids is not None:
            shards["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            tree_cls=PathwayTree,
            # Nothing the bot sends pings anyone unless that one message says whom: text that
            # echoes what members typed must never notify a user, a role or everyone.
            allowed_mentions=discord.AllowedMentions.none(),
            **shards,
        )
        self.settings = settings
        self.registry = registry
        self.clock: Clock = clock or clock_from_setting(settings.clock_file)
        self.sync_only = sync_only
        self.run_scheduler = run_scheduler
        self.sync_guild = sync_guild
        amortise_bucket_cleanup(self.http)
        self.throttle = Throttle(
            settings.send_rate, budget=sender_budget(settings.send_rate, settings.standby_send_rate)
        )
        self.buckets = RouteBuckets()
        pace_from_answers(self.http, self.throttle, self.buckets)
        self._store: Store | None = None
        self.synced: bool | None = None
        # Built once, by DeliveryJobs in setup_hook (None until then, and in sync-only runs).
        self.scheduler: DeliveryScheduler | None = None
        self._background: set[asyncio.Task[Any]] = set()  # owned tasks: cancelled on close
        self.identify_gate = identify_gate
        self.max_concurrency = 1  # from GET /gateway/bot in setup_hook
        self.shard_status = ShardStatus()  # which shards this process runs, which are up
        self.started_at = time.time()
        self.health_file = health.health_path(Path(settings.database_path), settings.shard_ids)
        self._last_tick: float | None = None
        self.metrics_runner: web.AppRunner | None = None
        self._close_task: asyncio.Future[None] | None = None
        self._sigterm: asyncio.Future[None] | None = None
        self.metrics = Metrics()  # replaced in setup_hook once the command names are known

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store is opened in setup_hook")
        return self._store

    @property
    def gateway_connected(self) -> bool:
        """Every shard this process runs is connected."""
        return self.shard_status.all_up

    async def setup_hook(self) -> None:
        self._assign_shards(
            await discover_gateway(
                self.http, self.settings.discord_api_base_url, self.settings.discord_gateway_url
            )
        )
        services = await open_services(self.settings, self.registry, self.clock)
        self._store = services.store
        if self.identify_gate is None:
            self.identify_gate = DatabaseIdentifyGate(self._store)
        self.learning = services.learning
        self.account = services.account
        self.snoozing = services.snoozing
        self.catching_up = services.catching_up
        self.admin = services.admin
        self.social = services.social
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        for ext in EXTENSIONS:
            await self.load_extension(ext)
        guild = self.sync_guild if self.sync_only else self.settings.dev_guild_id
        if self.sync_only and self.sync_guild is None:
            guild = None
        self.synced = await sync_if_changed(self.tree, self.store, guild, force=self.sync_only)
        self.notifier = DiscordNotifier(self, self.throttle, self.buckets)
        self.jobs = DeliveryJobs(
            self.store,
            self.registry,
            self.notifier,
            self.clock,
            interval=self.settings.sweep_interval_seconds,
            retry_base=self.settings.retry_base_seconds,
            digest_check_seconds=self.settings.digest_check_seconds,
            metrics=lambda: self.metrics,
            heartbeat=self._tick_health,
            on_role=self._take_role,
            retention_days=self.settings.outbox_retention_days,
        )
        self.role_grants = install_role_grants(
            self,
            Context(self.store, self.registry, self.clock),
            self.jobs,
            self.throttle,
            self.settings.retry_base_seconds,
        )
        self.scheduler = self.jobs.scheduler
        self.reminders = self.jobs.reminders
        self.digests = self.jobs.digests
        self.drainer = self.jobs.drainer
        self.dm_warmer = self.jobs.warmer
        self.welcomer = Welcomer(self.store, self.registry, self.notifier)
        self.metrics = Metrics(
            commands=[c.qualified_name for c in self.tree.walk_commands()] + ["component"]
        )
        self.metrics.watch_discord_http()
        port = self.settings.metrics_port
        if port is not None and not self.sync_only:
            try:
                self.metrics_runner = await start_metrics_server(
                    self.metrics, port, self.health_problems, summary=self.health_summary
                )
            except OSError as exc:
                raise ConfigError(f"METRICS_PORT {port}: {exc.strerror}") from None
            log.info("metrics and /healthz on port %d", port)
        if not self.sync_only and self.run_scheduler:
            self._install_signals()
            self.start_delivery()
        # Everything built so far lives as long as the process: keep it out of the cyclic
        # collector's full passes, which otherwise stall the loop for tens of milliseconds.
        gc.freeze()

    def _assign_shards(self, info: GatewayInfo) -> None:
        """Fix this process's shards before connecting, so health reports them from the start.
        Setting the count here also stops launch_shards from asking /gateway/bot again (and
        from ignoring DISCORD_GATEWAY_URL, which it does when it asks itself)."""
        if self.shard_count is None:
            self.shard_count = info.recommended_shards
        ids = self.shard_ids if self.shard_ids is not None else range(self.shard_count)
        self.shard_status.assign(ids, self.shard_count)
        self.max_concurrency = info.max_concurrency
        log.info(
            "running %s (max_concurrency %d)",
            describe_shards(self.shard_status.ids, self.shard_count),
            info.max_concurrency,
        )

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py's own wait first (5 s before every IDENTIFY but this process's first:
        within one process that keeps to any max_concurrency), then the cross-process gate."""
        await super().before_identify_hook(shard_id, initial=initial)
        if self.identify_gate is not None:
            shard = shard_id or 0
            await self.identify_gate.wait_turn(shard, identify_bucket(shard, self.max_concurrency))

    def start_delivery(self) -> None:
        """Idempotent: setup_hook runs once per process, and this guards against a second call."""
        self.jobs.start()

    def _health(self) -> health.Health:
        status = self.shard_status
        return health.Health(
            pid=os.getpid(),
            gateway_connected=self.gateway_connected,
            last_tick=self._last_tick,
            interval=self.settings.sweep_interval_seconds,
            started=self.started_at,
            ticks=(self.scheduler.ticks if self.scheduler is not None else 0)
            + (self._last_tick is not None),
            shard_ids=list(status.ids),
            shard_count=status.count,
            shards_down=status.down,
            role=self._role(),
        )

    def _take_role(self, role: Role) -> None:
        """The sender spends the token's REST budget on fan-outs; a standby keeps to a small
        share of it for its welcome DMs, so the processes together stay under 50/s."""
        settings = self.settings
        if role is Role.SENDER:
            budget = sender_budget(settings.send_rate, settings.standby_send_rate)
            self.throttle.set_rate(settings.send_rate, budget)
        else:
            self.throttle.set_rate(settings.standby_send_rate)

    def _role(self) -> str | None:
        jobs = getattr(self, "jobs", None)  # set in setup_hook
        role = jobs.role.role if jobs is not None and self.run_scheduler else None
        return None if role is None else role.value

    def health_problems(self) -> list[str]:
        return self._health().problems(time.time())

    def health_summary(self) -> str:
        return self._health().summary()

    async def on_app_command_completion(
        self, interaction: discord.Interaction[Any], command: object
    ) -> None:
        """Count the success. A learner whose DMs are closed is told so once, privately, at
        their next command, with how to open them; the record of the closure stays until a
        DM gets through. This runs after the reply, off the 3-second path."""
        name = getattr(command, "qualified_name", "other")
        self.metrics.interaction(name, "ok")
        learner = await self.store.learners.get(interaction.user.id)
        if learner is None or not learner.dm_blocked or learner.dm_closed_told_at is not None:
            return
        if not await self.store.learners.mark_dm_closed_told(learner.user_id, self.clock.now()):
            return
        await reply(interaction, dms_closed_notice(), ephemeral=True)

    async def _tick_health(self) -> None:
        """The scheduler's first job each tick: proof that the scheduler is alive."""
        self._last_tick = time.time()
        self.metrics.tick(self._last_tick)
        self.metrics.gateway(self.latency, self.gateway_connected)
        await self._write_health()

    async def _write_health(self) -> None:
        """The file is written on a worker thread: a slow disk must not stall the loop."""
        try:
            await asyncio.to_thread(health.write, self.health_file, self._health())
        except OSError as exc:
            log.warning("cannot write health file %s: %s", self.health_file, exc)

    async def on_ready(self) -> None:
        # Fires again after every reconnect: only records, never starts anything.
        self.shard_status.mark_all(True)
        self.metrics.gateway(self.latency, True)
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))

    async def on_shard_connect(self, shard_id: int) -> None:
        # The shard's READY arrived (on_ready comes later, after the guild-chunking wait).
        await self._shard_changed(shard_id, True)

    async def on_shard_resumed(self, shard_id: int) -> None:
        await self._shard_changed(shard_id, True)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        await self._shard_changed(shard_id, False)

    async def _shard_changed(self, shard_id: int, connected: bool) -> None:
        self.shard_status.mark(shard_id, connected)
        up = self.gateway_connected
        self.metrics.gateway(self.latency if up else None, up)
        if self.scheduler is not None and self.scheduler.running:
            await self._write_health()

    def _install_signals(self) -> None:
        """SIGHUP reloads pathways; SIGTERM (docker stop) closes cleanly. As PID 1 in a
        container, the process would otherwise ignore SIGTERM until Docker's SIGKILL."""
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGHUP, self._reload_on_signal)
            loop.add_signal_handler(signal.SIGTERM, self._terminate)
        except (NotImplementedError, AttributeError):  # not on this platform
            log.info("signal handlers are not available on this platform")

    def _terminate(self) -> None:
        log.info("SIGTERM: closing")
        self._sigterm = asyncio.ensure_future(self.close())

    def _reload_on_signal(self) -> None:
        self.spawn(self.reload_pathways())

    def spawn(self, work: Coroutine[Any, Any, object]) -> asyncio.Task[Any]:
        """Run `work` in the background, owned by the bot: close() cancels it (a welcome DM,
        a reload), so nothing outlives the store it uses."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _cancel_background(self, grace: float = 2.0) -> None:
        tasks = [t for t in self._background if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=grace)

    async def reload_pathways(self) -> ReloadReport:
        """Re-read the pathway files off the event loop (SIGHUP, /setup reload-pathways)."""
        report = await self.registry.reload_async()
        for line in describe_reload(report).splitlines():
            (log.warning if report.problems else log.info)("reload: %s", line)
        return report

    async def close(self) -> None:
        """SIGTERM and the `async with bot` exit may both call this: every caller waits for
        the one shutdown to finish, so none returns while the store is still closing."""
        if self._close_task is None:
            self._close_task = asyncio.ensure_future(self._close_once())
        await asyncio.shield(self._close_task)

    async def _close_once(self) -> None:
        jobs = getattr(self, "jobs", None)
        if jobs is not None:
            await jobs.stop()
        await self._cancel_background()
        self.shard_status.mark_all(False)
        if self.scheduler is not None and self.scheduler.ticks:
            await self._write_health()  # a stopped bot must not look healthy
        runner, self.metrics_runner = self.metrics_runner, None
        if runner is not None:
            await runner.cleanup()
        await super().close()
        store, self._store = self._store, None
        if store is not None:
            await store.close()
        self.metrics.close()
