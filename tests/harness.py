"""Run the real bot the way users run it: `python -m bot` in a subprocess, against the emulator.

Configuration goes through environment variables only. Logs go to a file in the test's temp
directory so a failing test can show them and the token-leak test can read them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import signal
import sqlite3
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import write_clock_offset
from bot.emulator.driver import Emulator
from bot.health import health_path
from bot.shards import parse_shard_ids

ROOT = Path(__file__).resolve().parent.parent
PATHWAYS = ROOT / "pathways"
SEED = "backend-to-ml-engineer"

#: The calendar every bot a test starts runs on, unless the test pins another: a Wednesday
#: at noon UTC, a day and more from the default Monday 09:00 reminder and digest slots, so
#: nothing falls due on the real calendar and a test's outcome never depends on today's
#: date. The bot's clock (CLOCK_FILE) starts here and runs forward at real speed.
PINNED_NOW = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)


#: Every bot process a test started; the autouse fixture in tests/conftest.py kills leftovers
#: so a failing test never leaves an orphaned `python -m bot` running.
RUNNING: list[BotProcess] = []


async def poll(predicate: Callable[[], object], within: float = 15.0, what: str = "") -> None:
    """Wait for a condition the emulator cannot announce (a database change, say)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what or predicate}")
        await asyncio.sleep(0.05)


def db_snapshot(db_path: Path) -> list[Any]:
    """Every row a user's input could change, to prove that bad input stored nothing.

    Leaves out the outbox, meta and the IDENTIFY turns, and the learner's cached DM channel
    id, which the welcome DM records in the background after an /enroll.
    """
    with sqlite3.connect(db_path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out: list[Any] = []
        for t in tables:
            if t in {"meta", "deliveries", "identify_slots"}:
                continue
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
            keep = ", ".join(c for c in columns if c != "dm_channel_id")
            rows = db.execute(f"SELECT {keep} FROM {t}").fetchall()  # noqa: S608
            out.append((t, sorted(rows, key=repr)))
        return out


def is_reminder(message: object) -> bool:
    """A weekly reminder DM (they open with "Week N of …"), not the welcome at enrolment."""
    return str(getattr(message, "content", "")).startswith("Week ")


def reminder_dms(emu: object, user: object) -> list[Any]:
    return [m for m in emu.dms(user) if is_reminder(m)]  # type: ignore[attr-defined]


def custom_ids(components: list[dict[str, object]]) -> list[str]:
    """Every custom_id on a message's component rows, in order."""
    return [c["custom_id"] for row in components for c in row["components"]]  # type: ignore[index,union-attr]


def _pg_sql(url: str, query: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
    """One statement on PostgreSQL from synchronous test code, running loop or not: on a
    thread of its own, with its own event loop."""
    import asyncpg

    from bot.store.backend import numbered

    async def run() -> list[tuple[object, ...]]:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await conn.fetch(numbered(query), *params)]
        finally:
            await conn.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=30)


class BotClock:
    """The calendar of the bot processes on one database: a CLOCK_FILE they all read."""

    def __init__(self, path: Path, start: datetime) -> None:
        self.path = path
        self._offset = timedelta(0)
        self.pin(start)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def pin(self, instant: datetime) -> None:
        self._offset = instant - datetime.now(UTC)
        write_clock_offset(self.path, self._offset)


#: One calendar per database (its URL or resolved file path), shared by every process on it.
_CLOCKS: dict[str, BotClock] = {}


class BotProcess:
    def __init__(
        self, emu: Emulator, data_dir: Path, *, now: datetime = PINNED_NOW, **env: str
    ) -> None:
        self.emu = emu
        self.data_dir = data_dir
        self.db_path = data_dir / "pathway-bot.sqlite3"
        self.log_path = data_dir / "bot.log"
        self.env = {
            "DISCORD_TOKEN": emu.token,
            "DISCORD_API_BASE_URL": emu.api_base,
            "DATABASE_PATH": str(self.db_path),
            "PATHWAYS_DIR": str(PATHWAYS),
            "SWEEP_INTERVAL_SECONDS": "0.5",
            "LOG_LEVEL": "INFO",
            **env,
        }
        # Processes that share a database share one calendar, or one's make_due would be
        # another's distant future.
        where = self.env.get("DATABASE_URL") or str(Path(self.env["DATABASE_PATH"]).resolve())
        if where not in _CLOCKS:
            _CLOCKS[where] = BotClock(data_dir / "clock", now)
        self.clock = _CLOCKS[where]
        self.env["CLOCK_FILE"] = str(self.clock.path)
        shard_ids = self.env.get("SHARD_IDS")
        #: Where this process writes its health (beside its database, named after SHARD_IDS).
        self.health_file = health_path(
            Path(self.env["DATABASE_PATH"]), parse_shard_ids(shard_ids) if shard_ids else None
        )
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        RUNNING.append(self)

    def now(self) -> datetime:
        """The bot's now: the pinned calendar, moved on by real time and `advance`."""
        return self.clock.now()

    def pin(self, instant: datetime) -> None:
        """Put the bot's calendar at `instant` now (a running bot sees it at once)."""
        self.clock.pin(instant)

    def advance(self, delta: timedelta) -> None:
        """Move the bot's calendar forward, as if `delta` had passed."""
        self.clock.pin(self.now() + delta)

    async def start(self, *, wait: bool = True, extra_env: Mapping[str, str] | None = None) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
        env = {**base, **self.env, **(extra_env or {}), "PYTHONPATH": str(ROOT)}
        self.health_file.unlink(missing_ok=True)
        log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=env, cwd=str(self.data_dir), stdout=log, stderr=log
        )
        log.close()
        self.starts += 1
        if wait:
            await self.wait_ready()
            await self.emu.wait_until_connected(timeout=30)

    async def wait_ready(self) -> None:
        """The bot is ready once its setup_hook finished: the health file appears."""
        health = self.health_file
        for _ in range(300):
            if health.exists() and self.proc is not None and self.proc.returncode is None:
                return
            if self.proc is not None and self.proc.returncode is not None:
                raise AssertionError(f"bot exited with {self.proc.returncode}:\n{self.logs()}")
            await asyncio.sleep(0.05)
        raise AssertionError(f"bot did not become ready:\n{self.logs()}")

    def ticks(self) -> int:
        """Scheduler ticks the running bot has begun, from its health file."""
        health = self.health_file
        try:
            return int(json.loads(health.read_text()).get("ticks", 0))
        except (OSError, ValueError):
            return 0

    async def wait_ticks(self, n: int = 2, within: float = 30.0) -> None:
        """Until `n` whole scheduler ticks (every job in them) have run from now: proof
        that "nothing more happens" without guessing a sleep."""
        target = self.ticks() + n + 1  # a tick is whole once the next one has begun
        await poll(lambda: self.ticks() >= target, within, f"{n} scheduler ticks")

    async def stop(self) -> int | None:
        if self.proc is None or self.proc.returncode is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    def kill_now(self) -> None:
        """Synchronous last resort for fixture teardown."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()

    def logs(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except FileNotFoundError:
            return "(no log)"

    def sql(self, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Read or adjust the bot's database directly (the database is the source of truth):
        its SQLite file, or its PostgreSQL database when DATABASE_URL is set (`?` as there)."""
        url = self.env.get("DATABASE_URL")
        if url:
            return _pg_sql(url, query, params)
        with sqlite3.connect(self.db_path, timeout=10) as db:
            rows = db.execute(query, params).fetchall()
            db.commit()
        return rows

    def make_due(self, seconds_ago: float = 1.0) -> None:
        """Move the bot's clock to just past the latest next reminder of the active
        enrolments, so every one of them is due (and whatever else that instant brings)."""
        ((latest,),) = self.sql(
            "SELECT MAX(next_reminder_at) FROM enrolments WHERE status = 'active'"
        )
        if latest is None:
            raise AssertionError("no active enrolment has a next reminder")
        due = datetime.fromtimestamp(int(latest) / 1_000_000, UTC) + timedelta(seconds=seconds_ago)
        if due > self.now():
            self.pin(due)
