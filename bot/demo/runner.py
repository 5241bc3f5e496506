"""Start the demo in order (emulator, world, seed, web page, bot), run until Ctrl-C, stop.

The bot is the real `PathwayBot`, in this process, with the demo's `DemoClock` injected: the
page's clock buttons move that clock and then run the bot's own scheduler tick once, so what
falls due is delivered at once instead of at the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
import webbrowser
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.core.errors import ConfigError
from bot.core.loader import LoadResult
from bot.demo.clock import DemoClock
from bot.demo.seed import seed
from bot.demo.session import PageError
from bot.demo.web import DemoWeb
from bot.demo.world import DemoWorld, WorldIds, build_world
from bot.emulator.driver import Emulator
from bot.emulator.models import User
from bot.emulator.ratelimit import RouteLimit
from bot.logging_setup import configure_logging
from bot.pathway_files import PathwayRegistry
from bot.store.store import Store

log = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
#: Beside a database the demo created: it may be opened (and written) by the demo again.
MARK_SUFFIX = ".demo"
#: Reminders stopped at on the way through one clock move, at most.
MAX_STOPS = 50
NO_LOGIN_WARNING = (
    "warning: --host {host} makes the demo reachable from other machines, and the demo has "
    "no login: anyone who can reach it can act as any member. Use it on a trusted network only."
)


@dataclass(frozen=True)
class DemoOptions:
    port: int = 8765
    host: str = "127.0.0.1"
    db: Path | None = None
    open_browser: bool = False
    pathways_dir: Path = Path("pathways")


def _settings(emu: Emulator, db_path: Path, pathways_dir: Path) -> Settings:
    """Every setting given here, so nothing in the environment or a .env file can point the
    demo at a real Discord, PostgreSQL or shards."""
    return Settings(
        _env_file=None,  # pydantic-settings' init-only option: ignore any .env file
        discord_token=emu.token,
        database_path=db_path,
        database_url=None,
        pathways_dir=pathways_dir,
        discord_api_base_url=emu.api_base,
        discord_gateway_url=None,
        dev_guild_id=None,
        log_level=os.environ.get("LOG_LEVEL", "WARNING"),
        metrics_port=None,
        shard_count=None,
        shard_ids=None,
        clock_file=None,  # the demo injects its own clock object
        sweep_interval_seconds=5.0,
        # Digests are checked on every tick, so a moved clock posts them at once.
        digest_check_seconds=0.01,
    )


class Demo:
    def __init__(self, options: DemoOptions, loaded: LoadResult) -> None:
        self.options = options
        self.loaded = loaded
        if options.db is not None:
            claim_database(options.db.expanduser())
        self.clock = DemoClock()
        self._tmp: Path | None = None
        self._stop = asyncio.Event()
        self._moving = asyncio.Lock()  # one clock move at a time, whichever page asks

    async def run(self) -> int:
        started = time.perf_counter()
        options = self.options
        if options.db is not None:
            db_path = options.db.expanduser()
        else:
            self._tmp = Path(tempfile.mkdtemp(prefix="pathway-demo-"))
            db_path = self._tmp / "demo.sqlite3"
        ids = WorldIds()
        # The tests hold every request the bot makes to Discord's schema; the demo runs the
        # same bot and spends that CPU on answering instead (a third of a reply's time here).
        emu = Emulator(ids=ids, timeout=10.0, validate_schemas=False)
        # One person clicking fast should never wait on Discord's per-route buckets here.
        emu.ratelimits.config.default_route = RouteLimit(limit=50, window=1.0)
        await emu.start("127.0.0.1", 0)
        self.clock.on_advance(lambda delta: emu.advance_time(delta.total_seconds()))
        web: DemoWeb | None = None
        try:
            world = build_world(emu, ids)
            self.world = world
            settings = _settings(emu, db_path, options.pathways_dir)
            configure_logging(settings.log_level, settings.log_format.value, [emu.token])
            registry = PathwayRegistry(options.pathways_dir, self.loaded)
            await self._prepare_database(db_path, registry, world)
            web = DemoWeb(world, self.clock, self.move_clock)
            try:
                port = await web.start(options.host, options.port)
            except OSError as exc:
                raise ConfigError(
                    f"cannot serve the demo page on {options.host}:{options.port}: "
                    f"{exc.strerror or exc}; pick another with --port"
                ) from None
            return await self._run_bot(settings, registry, emu, web, port, started)
        finally:
            if web is not None:
                await web.stop()
            await emu.stop()
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)

    async def _prepare_database(
        self, db_path: Path, registry: PathwayRegistry, world: DemoWorld
    ) -> None:
        """Open (or create) the demo's database and seed it once."""
        try:
            store = await Store.open(db_path)
        except Exception as exc:
            raise ConfigError(f"--db {db_path}: cannot open it as a database: {exc}") from None
        try:
            await seed(store, registry, world, self.clock.now())
            # A kept database remembers syncing its commands to the last run's emulator;
            # this emulator is new and needs them registered again.
            for key in ("command_tree_hash:global",):
                current = await store.meta.get(key)
                if current is not None:
                    await store.meta.replace(key, current, None)
        finally:
            await store.close()

    async def _run_bot(
        self,
        settings: Settings,
        registry: PathwayRegistry,
        emu: Emulator,
        web: DemoWeb,
        port: int,
        started: float,
    ) -> int:
        from bot.discord_app.client import PathwayBot
        from bot.discord_app.gateway import apply_api_base

        apply_api_base(settings.discord_api_base_url)
        bot = PathwayBot(settings, registry, clock=self.clock)
        self.bot = bot
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, self._stop.set)
        async with bot:
            await bot.login(settings.token())
            # The bot's setup_hook took SIGTERM for itself (a clean close, as in production);
            # the demo wants it back, to stop the page and the emulator in order too.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signal.SIGTERM, self._stop.set)
            connect = asyncio.create_task(bot.connect(reconnect=True))
            stop = asyncio.create_task(self._stop.wait())
            ready = asyncio.create_task(self._ready(emu))
            done, _ = await asyncio.wait({connect, ready}, return_when=asyncio.FIRST_COMPLETED)
            if connect in done:
                ready.cancel()
                connect.result()  # the bot stopped before it was ready: say why
                return 1
            ready.result()
            self._announce(port, time.perf_counter() - started)
            await asyncio.wait({connect, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            print("pathway-bot demo: stopping", file=sys.stderr, flush=True)
            # A sweep caught mid-way by the stop ends in a cancellation or a closed database:
            # expected at Ctrl-C, and not worth a traceback on the way out.
            for name in ("apscheduler", "bot.delivery"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
            await bot.close()
            with contextlib.suppress(Exception):
                await connect
        return 0

    async def _ready(self, emu: Emulator) -> None:
        """Usable: the bot registered its commands and its gateway session is live, so
        interactions reach it. (discord.py's own "ready" comes up to 2 s later: it waits
        that long for more servers to arrive, and the page need not.)"""
        await emu.wait_for_command_sync(timeout=30)
        await emu.wait_until_connected(timeout=30)

    def _announce(self, port: int, seconds: float) -> None:
        host = self.options.host
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}/"
        if host not in LOOPBACK:
            print(NO_LOGIN_WARNING.format(host=host), file=sys.stderr, flush=True)
            if host in ("0.0.0.0", "::"):  # noqa: S104 - only named in the address shown
                url = f"http://127.0.0.1:{port}/"
        where = "kept in " + str(self.options.db) if self.options.db else "temporary"
        print(
            f"pathway-bot demo ready in {seconds:.1f}s: open {url}\n"
            f"  a local Discord with the real bot; no token, no network; database {where}.\n"
            "  Press Ctrl-C to stop.",
            flush=True,
        )
        if self.options.open_browser and not webbrowser.open(url):
            print(f"  (no browser could be opened here: open {url} yourself)", flush=True)

    # ------------------------------------------------------------------ the clock panel

    async def move_clock(self, kind: str, viewer: User) -> str:
        """+1 day, +1 week, or to the next reminder due (the viewer's, else anyone's), with
        the bot's scheduler run once at every reminder passed on the way and once at the end:
        each reminder arrives as if its moment had come, not late."""
        async with self._moving:
            return await self._move(kind, viewer)

    async def _move(self, kind: str, viewer: User) -> str:
        if kind == "next":
            at = await self._next_reminder(viewer)
            if at is None:
                raise PageError("No reminder is coming: nobody follows a pathway. Try /enroll.")
            await self._tick_at(at + timedelta(seconds=1))
        else:
            target = self.clock.now() + (timedelta(days=1) if kind == "day" else timedelta(weeks=1))
            for _ in range(MAX_STOPS):
                at = await self._next_reminder(viewer, anyone=True)
                if at is None or at >= target:
                    break
                await self._tick_at(at + timedelta(seconds=1))
            await self._tick_at(target)
        return self.clock.now().strftime("%a %d %b %Y %H:%M UTC")

    async def _tick_at(self, instant: datetime) -> None:
        self.clock.advance_to(instant)
        scheduler = self.bot.scheduler
        assert scheduler is not None, "built in setup_hook"  # noqa: S101
        await scheduler.run_once()
        await self.bot.drainer.wait()

    async def _next_reminder(self, viewer: User, *, anyone: bool = False) -> datetime | None:
        """The viewer's next reminder, else the earliest of the others' (`anyone`: the
        earliest of all)."""
        store = self.bot.store
        found: list[datetime] = []
        people = [viewer] + [p for p in self.world.people if p.id != viewer.id]
        for person in people:
            found += [
                e.next_reminder_at
                for e in await store.enrolments.list_for_user(person.id)
                if e.next_reminder_at is not None and e.next_reminder_at > self.clock.now()
            ]
            if found and not anyone:
                return min(found)
        return min(found) if found else None


def claim_database(path: Path) -> None:
    """Let the demo use `path`: a new file, or one an earlier demo made (a `.demo` marker
    beside it says so). Any other file, a real bot's database say, is refused untouched: the
    demo would write its made-up server into it."""
    mark = path.with_name(path.name + MARK_SUFFIX)
    if path.exists() and path.stat().st_size > 0 and not mark.exists():
        raise ConfigError(
            f"--db {path} is not a database the demo made, and the demo would write its "
            "made-up server into it; give a new file, or one an earlier demo kept"
        )
    try:
        mark.write_text("A database made by `python -m bot demo`; it may reuse it.\n")
    except OSError as exc:
        raise ConfigError(f"--db {path}: cannot write beside it: {exc.strerror}") from None


def run_demo(options: DemoOptions, loaded: LoadResult) -> int:
    """Blocking: run the demo until Ctrl-C; the exit status."""
    return asyncio.run(Demo(options, loaded).run())
