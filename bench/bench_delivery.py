"""Delivery benchmark: reminders through the emulator, throttled and unthrottled, and memory.

    python -m bench.bench_delivery [--scale 0.2]

At scale 1:
- fan-out: 10,000 due reminders through the emulator at its default 50 requests/s, DM
  channels already cached. Targets: at least 0.93 of the limit, 1.0 REST request per reminder,
  zero 429s. Also the longest event-loop stall seen meanwhile.
- ceiling: the same with the emulator's limits lifted and its schema checks off, the emulator
  in its own process, so the figure is the bot's own rate. Target (issue 26): 1,500 reminders/s.
- memory: RSS of `python -m bot` running with 100,000 active enrolments. Target: < 150 MB.

The bot runs in this process for the first two (so the sweep can be timed); for memory it
runs as users run it. Prints figures beside targets; main() returns them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import report
from bot.clock import SystemClock
from bot.config import Settings
from bot.discord_app.client import PathwayBot
from bot.discord_app.gateway import apply_api_base
from bot.pathway_files import PathwayRegistry
from bot.store import Store
from tests import bulk_load as bulk

ROOT = Path(__file__).resolve().parent.parent
PATHWAYS = ROOT / "pathways"
SEED = "backend-to-ml-engineer"
LIMIT = 50
TARGETS = {
    "fanout_fraction_of_limit": (">=", report.FANOUT_FRACTION),
    "fanout_requests_per_reminder": ("<=", 1.0),
    "fanout_429s": ("<=", 0.0),
    "rss_mb_100k_enrolments": ("<", 150.0),
    **report.targets_for("delivery"),  # issue 26: the ceiling
}


async def populate(db_path: Path, guild_id: int, users: Sequence[tuple[int, int | None]]) -> None:
    """Everyone enrolled on the seed pathway, due a minute ago, DM channels cached."""
    now = datetime.now(UTC)
    store = await Store.open(db_path)
    try:
        await bulk.load_learners(store.db, [u for u, _ in users], now)
        start = date.today() - timedelta(days=10)  # noqa: DTZ011 - any recent date
        rows = [
            (i + 1, u, guild_id, SEED, start, now - timedelta(minutes=1))
            for i, (u, _) in enumerate(users)
        ]
        await bulk.load_enrolments(store.db, rows, now)
        channels = [(u, c) for u, c in users if c is not None]
        await store.deliveries.finish_batch([], [], channels, now)
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def running_bot(
    api_base: str, token: str, db_path: Path, rate: float
) -> AsyncIterator[PathwayBot]:
    settings = Settings(
        discord_token=token,
        discord_api_base_url=api_base,
        database_path=db_path,
        pathways_dir=PATHWAYS,
        send_rate=rate,
        _env_file=None,  # type: ignore[call-arg]
    )
    apply_api_base(api_base)
    bot = PathwayBot(settings, PathwayRegistry(PATHWAYS), clock=SystemClock(), run_scheduler=False)
    await bot.login(token)
    try:
        yield bot
    finally:
        await bot.close()


async def drain(bot: PathwayBot, total: int) -> tuple[int, float, float]:
    """Sweep until `total` reminders are sent; returns (sent, seconds, longest loop stall)."""
    stall = 0.0
    stop = asyncio.Event()

    async def watch() -> None:
        nonlocal stall
        while not stop.is_set():
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            stall = max(stall, time.perf_counter() - t - 0.01)

    watcher = asyncio.create_task(watch())
    sent = 0
    t0 = time.perf_counter()
    while sent < total:
        report = await bot.reminders.sweep(budget=5.0)
        sent += report.sent
        if not report.sent and not report.retried:
            await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - t0
    stop.set()
    await watcher
    return sent, elapsed, stall


async def fanout(n: int, workdir: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from bot.emulator.driver import Emulator

    async with Emulator(timeout=60) as emu:  # Discord's default: 50 requests/s
        guild = emu.add_guild("Bench", emu.add_user("owner"))
        users = []
        for i in range(n):
            user = emu.add_user(f"u{i}")
            emu.add_member(guild, user)
            users.append((user.id, emu.dm_channel(user).id))
        db = workdir / "fanout.sqlite3"
        await populate(db, guild.id, users)
        async with running_bot(emu.api_base, emu.token, db, rate=48.0) as bot:
            before, limited = emu.counters.requests, emu.counters.rate_limited
            sent, elapsed, stall = await drain(bot, n)
            requests = emu.counters.requests - before
            return {
                "fanout_reminders": float(sent),
                "fanout_seconds": elapsed,
                "fanout_rate_per_s": sent / elapsed,
                "fanout_fraction_of_limit": sent / elapsed / LIMIT,
                "fanout_requests_per_reminder": requests / max(1, sent),
                "fanout_429s": float(emu.counters.rate_limited - limited),
                "fanout_max_loop_stall_ms": stall * 1000,
            }


async def ceiling(n: int, workdir: Path) -> dict[str, float]:
    info = workdir / "emulator.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.emulator_proc",
        str(info),
        str(n),
        "--no-schema",
        "--global-limit",
        "1000000",
        env=env,
        cwd=str(ROOT),
    )
    try:
        for _ in range(int(n / 20) + 600):
            if info.exists():
                break
            await asyncio.sleep(0.1)
        data = json.loads(info.read_text())
        db = workdir / "ceiling.sqlite3"
        await populate(db, data["guild_id"], [(u, c) for u, c in data["users"]])
        async with running_bot(data["api_base"], data["token"], db, rate=1_000_000.0) as bot:
            sent, elapsed, stall = await drain(bot, n)
    finally:
        proc.terminate()
        await proc.wait()
    counters = json.loads(Path(f"{info}.counters").read_text())
    return {
        "ceiling_reminders": float(sent),
        "ceiling_reminders_per_s": sent / elapsed,
        "ceiling_max_loop_stall_ms": stall * 1000,
        "ceiling_429s": float(counters["rate_limited"]),
    }


async def memory(n: int, workdir: Path) -> dict[str, float]:
    """RSS of the real bot process with `n` active enrolments (none due)."""
    sys.path.insert(0, str(ROOT))
    from bot.emulator.driver import Emulator

    async with Emulator(timeout=60) as emu:
        guild = emu.add_guild("Bench", emu.add_user("owner"))
        db = workdir / "memory.sqlite3"
        now = datetime.now(UTC)
        store = await Store.open(db)
        try:
            await bulk.load_learners(store.db, range(1, n + 1), now)
            rows = [
                (i, i, guild.id, SEED, date.today(), now + timedelta(days=3))  # noqa: DTZ011
                for i in range(1, n + 1)
            ]
            await bulk.load_enrolments(store.db, rows, now)
        finally:
            await store.close()
        env = {
            **os.environ,
            "DISCORD_TOKEN": emu.token,
            "DISCORD_API_BASE_URL": emu.api_base,
            "DATABASE_PATH": str(db),
            "PATHWAYS_DIR": str(PATHWAYS),
            "SWEEP_INTERVAL_SECONDS": "1",
            "PYTHONPATH": str(ROOT),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            env=env,
            cwd=str(workdir),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await emu.wait_until_connected(timeout=60)
            await asyncio.sleep(5)  # a few sweeps over the 100k enrolments
            rss_kb = 0
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss_kb = int(line.split()[1])
        finally:
            proc.terminate()
            await proc.wait()
    return {"rss_mb_100k_enrolments": rss_kb / 1024}


def show(figures: dict[str, float], targets: dict[str, tuple[str, float]] | None = None) -> None:
    """Print each figure beside its target (this module's targets by default)."""
    for name, value in figures.items():
        target = (TARGETS if targets is None else targets).get(name)
        mark = ""
        if target:
            verdict = "met" if report.met(value, target) else "MISSED"
            mark = f"   target {target[0]} {target[1]:g}  {verdict}"
        print(f"{name:34} {value:12.3f}{mark}")


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--only", choices=["fanout", "ceiling", "memory"], action="append")
    args = parser.parse_args(argv)
    which = args.only or ["fanout", "ceiling", "memory"]
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-delivery-") as tmp:
        work = Path(tmp)
        if "fanout" in which:
            figures |= asyncio.run(fanout(max(100, int(10_000 * args.scale)), work))
        if "ceiling" in which:
            figures |= asyncio.run(ceiling(max(200, int(10_000 * args.scale)), work))
        if "memory" in which:
            figures |= asyncio.run(memory(max(1000, int(100_000 * args.scale)), work))
    show(figures)
    return figures


if __name__ == "__main__":
    main()
