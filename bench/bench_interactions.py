"""Interaction benchmark: what users feel, through the emulator, with the bot as a subprocess.

    python -m bench.bench_interactions [--scale 1.0] [--database-url URL]
                                       [--only acks|fanout|fanout100k|rate200 ...]

SQLite by default; with --database-url the bot runs on a scratch PostgreSQL database
created on that server (and dropped after). At scale 1:
- acks: one server with 10,000 enrolled learners, all in one study group (1,000,000
  completions in the database in all: theirs and those of 40,000 learners in other
  servers). Ack latency, as the emulator sees it (from dispatching the interaction to the
  bot's first response), of /done, /enroll, /tasks, /leaderboard (ranking the caller's
  10,000-member group) and /done's autocomplete, 10 in flight at once. `floor_pathways_ack`
  is a command answered from memory with no database read: the rig's own floor.
- fanout: 10,000 (and 2,000) learners enrol through /enroll, each getting the welcome DM
  that records their DM channel; all their first reminders fall due at the same minute,
  and the bot (as users run it, with its own scheduler, a 5 s sweep) sends them.
- fanout100k: 100,000 learners bulk-loaded with their DM channels known (no welcome DMs,
  so the run is the fan-out: some 35 minutes at 47/s), all due the same minute; the bot
  process's RSS is sampled throughout.
- rate200: 10,000 learners bulk-loaded likewise, the token granted 200 requests/s by the
  emulator and the bot SEND_RATE=200.
Each fan-out reports the rate over the sending (from the first reminder's creation time to
the last's) against the limit, requests per reminder, 429s, learners never reminded
(`lost`), reminders sent more than once (`duplicated`; a DM is a reminder by its embed, so a
welcome still going out after the due minute is neither), and the first and last reminder's
lateness from the due minute. Targets: issue 26's, from bench/report.py.

The emulator runs in this process with its schema checks off (they cost more CPU than the
bot's work and would be measured as the bot's latency); its per-route limit on opening DM
channels is lifted, because Discord publishes none and the figure here is the bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench import bench_delivery, postgres, report
from bot.store import Store
from tests import bulk_load as bulk

ROOT = Path(__file__).resolve().parent.parent
PATHWAYS = ROOT / "pathways"
SEED = "backend-to-ml-engineer"
LIMIT = 50
IN_FLIGHT = 10
# Issue 26's (bench/report.py), and the budget for the last learner of a fan-out.
TARGETS = dict(report.targets_for("interactions"))
for _tag in ("2k", "10k", "100k", "rate200"):
    TARGETS |= report.fanout_targets(_tag) | {f"fanout_{_tag}_last_late_vs_budget": ("<=", 1.0)}
PARTS = ("acks", "fanout", "fanout100k", "rate200")


def _percentiles(name: str, samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        f"{name}_p50_ms": statistics.median(ordered) * 1000,
        f"{name}_p99_ms": p99 * 1000,
        f"{name}_max_ms": ordered[-1] * 1000,
    }


@contextlib.contextmanager
def rig_collector_paused() -> Iterator[None]:
    """No cyclic garbage collection in this process (the emulator's) while a figure is taken.

    The emulator stands in for Discord, and with 10,000 members (100,000 in the big fan-out)
    in its heap, one full collection stalled its event loop for 110 to 200 ms (measured with
    gc.callbacks during the acks): every command in flight then looked that much slower, and
    every fan-out request held its pacing slot that much longer. Those are the rig's pauses,
    not the bot's; the bot process keeps its collector as shipped. The heap built so far is
    frozen, and the garbage made meanwhile is collected afterwards."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
        gc.collect()


async def _in_flight(jobs: Sequence[Callable[[], Awaitable[object]]]) -> list[float]:
    """Run the jobs `IN_FLIGHT` at a time; each one's latency in seconds."""
    gate = asyncio.Semaphore(IN_FLIGHT)
    times: list[float] = []

    async def one(job: Callable[[], Awaitable[object]]) -> None:
        async with gate:
            t = time.perf_counter()
            await job()
            times.append(time.perf_counter() - t)

    await asyncio.gather(*(one(j) for j in jobs))
    return times


@dataclass(frozen=True)
class Database:
    """Where one run's data lives: how this benchmark opens it, and the bot's settings for it."""

    open: Callable[[], Awaitable[Store]]
    env: dict[str, str]


@contextlib.asynccontextmanager
async def database(workdir: Path, name: str, url: str | None) -> AsyncIterator[Database]:
    """A SQLite file in `workdir`, or (with `url`, a server we may create databases on) a
    scratch PostgreSQL database, dropped on exit."""
    if url is None:
        path = workdir / f"{name}.sqlite3"
        yield Database(lambda: Store.open(path), {"DATABASE_PATH": str(path)})
        return
    async with postgres.scratch_database(url) as scratch:
        env = {"DATABASE_URL": scratch, "DATABASE_PATH": str(workdir / f"{name}-unused.sqlite3")}
        yield Database(lambda: Store.open_postgres(scratch), env)


@contextlib.asynccontextmanager
async def bot_process(emu: Any, db: Database, workdir: Path, **env: str) -> AsyncIterator[Any]:
    environ = {
        **os.environ,
        "DISCORD_TOKEN": emu.token,
        "DISCORD_API_BASE_URL": emu.api_base,
        "PATHWAYS_DIR": str(PATHWAYS),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
        **db.env,
        **env,
    }
    if "DATABASE_URL" not in db.env:  # SQLite: not a server from the caller's environment
        environ.pop("DATABASE_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=environ,
        cwd=str(workdir),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=(workdir / "bot.log").open("ab"),
    )
    try:
        await emu.wait_until_connected(timeout=120)
        yield proc
    finally:
        proc.terminate()
        await proc.wait()


def rss_mb(pid: int) -> float:
    """The process's resident set now, in MB (0 when it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def _populate(
    db: Database, guild_id: int, users: Sequence[tuple[int, int]], others: int
) -> None:
    """`users` (id, DM channel) enrolled in the guild with 20 completions each, all in one
    study group; `others` learners in other servers with 20 each, so the database holds
    the full volume."""
    now = datetime.now(UTC)
    store = await db.open()
    try:
        from bot.pathway_files import load_directory

        items = [i.id for i in load_directory(PATHWAYS).pathways[SEED].pathway.items()]
        done = items[:20]
        other_ids = range(10**12, 10**12 + others)
        await bulk.load_learners(store.db, [u for u, _ in users], now)
        await bulk.load_learners(store.db, other_ids, now)
        start = date.today() - timedelta(days=60)  # noqa: DTZ011 - any recent date
        later = now + timedelta(days=3)
        rows = [(i + 1, u, guild_id, SEED, start, later) for i, (u, _) in enumerate(users)]
        rows += [
            (len(users) + i + 1, u, 10_000 + i % 500, SEED, start, later)
            for i, u in enumerate(other_ids)
        ]
        await bulk.load_enrolments(store.db, rows, now)
        step = 50_000
        pending: list[tuple[int, str, datetime, int]] = []
        for eid in range(1, len(rows) + 1):
            pending += [(eid, item, now - timedelta(days=1), 10) for item in done]
            if len(pending) >= step:
                await bulk.load_completions(store.db, pending)
                pending = []
        await bulk.load_completions(store.db, pending)
        # Everyone in the server is in one study group: /leaderboard ranks the caller's group.
        group = await store.groups.create(guild_id, "Bench", SEED, start, now)
        await bulk.load_memberships(store.db, group.id, range(1, len(users) + 1), now)
        await store.deliveries.finish_batch([], [], list(users), now)
    finally:
        await store.close()


async def _preload(
    db: Database, guild_id: int, users: Sequence[tuple[int, int]], due: datetime
) -> None:
    """`users` (id, DM channel) enrolled with their first reminder at `due`, their DM
    channels known (as their welcome DMs would have recorded them)."""
    now = datetime.now(UTC)
    store = await db.open()
    try:
        await bulk.load_learners(store.db, [u for u, _ in users], now)
        start = date.today() - timedelta(days=1)  # noqa: DTZ011 - any recent date
        rows = [(i + 1, u, guild_id, SEED, start, due) for i, (u, _) in enumerate(users)]
        await bulk.load_enrolments(store.db, rows, now)
        await store.deliveries.finish_batch([], [], list(users), now)
    finally:
        await store.close()


async def acks(n: int, workdir: Path, url: str | None = None) -> dict[str, float]:
    """Ack latencies of the commands, 10 in flight, on SQLite or (with `url`) PostgreSQL."""
    async with database(workdir, "acks", url) as db:
        return await _acks(n, workdir, db)


async def _acks(n: int, workdir: Path, db: Database) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from bot.emulator.driver import Emulator

    async with Emulator(timeout=60, validate_schemas=False) as emu:
        emu.set_global_rate_limit(1_000_000)
        guild = emu.add_guild("Bench", emu.add_user("owner"))
        users = []
        for i in range(n):
            user = emu.add_user(f"u{i}")
            emu.add_member(guild, user)
            users.append(user)
        newcomers = []
        for i in range(300):
            user = emu.add_user(f"new{i}")
            emu.add_member(guild, user)
            newcomers.append(user)
        t = time.perf_counter()
        await _populate(db, guild.id, [(u.id, emu.dm_channel(u).id) for u in users], 4 * n)
        setup = time.perf_counter() - t
        figures: dict[str, float] = {"learners_in_server": float(n), "setup_s": setup}
        async with (
            bot_process(emu, db, workdir, SWEEP_INTERVAL_SECONDS="3600"),
            contextlib.AsyncExitStack() as paused,
        ):
            await emu.run_command(users[0], "tasks", guild=guild)  # warm the first path
            paused.enter_context(rig_collector_paused())
            item_ids = [
                "p2-framework-fundamentals",
                "p2-train-neural-networks",
                "p3-deploy-rest-api",
            ]

            def done_job(i: int) -> Callable[[], Awaitable[object]]:
                user, item = users[i % n], item_ids[i // n % len(item_ids)]
                return lambda: emu.run_command(user, "done", guild=guild, options={"task": item})

            # The rig's floor: a command the bot answers from memory, with no database read.
            figures |= _percentiles(
                "floor_pathways_ack",
                await _in_flight(
                    [
                        (lambda u=users[i * 3 % n]: emu.run_command(u, "pathways", guild=guild))
                        for i in range(300)
                    ]
                ),
            )
            figures |= _percentiles("done_ack", await _in_flight([done_job(i) for i in range(300)]))
            figures |= _percentiles(
                "enroll_ack",
                await _in_flight(
                    [
                        (
                            lambda u=u: emu.run_command(
                                u, "enroll", guild=guild, options={"pathway": SEED}
                            )
                        )
                        for u in newcomers
                    ]
                ),
            )
            figures |= _percentiles(
                "tasks_ack",
                await _in_flight(
                    [
                        (lambda u=users[i * 7 % n]: emu.run_command(u, "tasks", guild=guild))
                        for i in range(300)
                    ]
                ),
            )
            figures |= _percentiles(
                "leaderboard_ack",
                await _in_flight(
                    [
                        (lambda u=users[i * 13 % n]: emu.run_command(u, "leaderboard", guild=guild))
                        for i in range(100)
                    ]
                ),
            )
            figures |= _percentiles(
                "autocomplete",
                await _in_flight(
                    [
                        (
                            lambda u=users[i * 11 % n]: emu.autocomplete(
                                u, "done", "task", "learn", guild=guild
                            )
                        )
                        for i in range(300)
                    ]
                ),
            )
        return figures


async def fanout(
    n: int,
    workdir: Path,
    tag: str,
    url: str | None = None,
    *,
    preload: bool = False,
    send_rate: float | None = None,
) -> dict[str, float]:
    """`n` learners' first reminders fall due together; the bot's own scheduler sends them.

    By default the learners enrol through /enroll first (their welcome DMs record their DM
    channels). With `preload` they are bulk-loaded, DM channels known, so a large run spends
    its time on the fan-out, not on n welcome DMs at the send rate. With `send_rate` the
    token is granted that global limit (the emulator's) and the bot `SEND_RATE` to match.
    """
    async with database(workdir, f"fanout-{tag}", url) as db:
        return await _fanout(n, workdir, tag, db, preload, send_rate)


async def _fanout(
    n: int, workdir: Path, tag: str, db: Database, preload: bool, send_rate: float | None
) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from bot.emulator.driver import Emulator

    limit = send_rate or LIMIT
    metrics_port = _free_port()
    env = {"SWEEP_INTERVAL_SECONDS": "5", "METRICS_PORT": str(metrics_port)}
    async with Emulator(timeout=120, validate_schemas=False) as emu:  # 50 requests/s
        emu.set_route_rate_limit("POST /users/@me/channels", 1_000_000, 1.0)
        if send_rate is not None:
            emu.set_global_rate_limit(int(send_rate))
            env["SEND_RATE"] = f"{send_rate:g}"
        guild = emu.add_guild("Bench", emu.add_user("owner"))
        users = []
        for i in range(n):
            user = emu.add_user(f"u{i}")
            emu.add_member(guild, user)
            users.append(user)
        if preload:
            # The due minute: after loading and the bot's start (about a minute).
            lead = 90 + n / 1000
            due = (datetime.now(UTC) + timedelta(seconds=lead)).replace(second=0, microsecond=0)
            due += timedelta(minutes=1)
            await _preload(db, guild.id, [(u.id, emu.dm_channel(u).id) for u in users], due)
        async with bot_process(emu, db, workdir, **env) as proc:
            rss = rss_mb(proc.pid)
            if not preload:
                # The due minute: after every welcome DM has gone out at the send rate.
                lead = n / (limit * 0.96) * 1.6 + 150  # enrolling n at 10 in flight, welcomes
                due = (datetime.now(UTC) + timedelta(seconds=lead)).replace(second=0, microsecond=0)
                due += timedelta(minutes=1)
                options = {
                    "pathway": SEED,
                    "timezone": "UTC",
                    "day": due.strftime("%a").lower(),
                    "time": due.strftime("%H:%M"),
                }
                await _in_flight(
                    [
                        (lambda u=u: emu.run_command(u, "enroll", guild=guild, options=options))
                        for u in users
                    ]
                )
                while sum(1 for u in users if emu.dms(u)) < n:  # every welcome delivered
                    if datetime.now(UTC) > due:
                        break
                    await asyncio.sleep(2.0)  # polling is the emulator's CPU: keep it light
            welcomed = sum(1 for u in users if emu.dms(u))
            with rig_collector_paused():  # from the due minute to the last reminder
                await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
                before_requests = emu.counters.requests
                before_limited = emu.counters.rate_limited
                deadline = due + timedelta(seconds=n / limit * 3 + 120)
                poll = 1.0 if n <= 10_000 else 5.0  # polling is the emulator's CPU: keep it light
                pending = list(users)
                while pending and datetime.now(UTC) < deadline:
                    rss = max(rss, rss_mb(proc.pid))
                    await asyncio.sleep(poll)
                    pending = [u for u in pending if not reminders_of(emu.dms(u))]
                await asyncio.sleep(10.0)  # anything sent twice arrives meanwhile
                rss = max(rss, rss_mb(proc.pid))
                due_queries, due_query_s = await _due_query_totals(metrics_port)
                requests = emu.counters.requests - before_requests
                limited = emu.counters.rate_limited - before_limited
        # When each DM was sent: its message's creation time (its snowflake).
        sent_at, duplicated = tally(
            {u.id: [m.created_at.timestamp() for m in reminders_of(emu.dms(u))] for u in users}
        )
    reminded = len(sent_at)
    first = min(sent_at, default=due.timestamp())
    last = max(sent_at, default=due.timestamp())
    seconds = max(0.001, last - due.timestamp())
    sending = max(0.001, last - first)
    budget = n / (limit * 0.96) + 30
    return {
        f"fanout_{tag}_learners": float(n),
        f"fanout_{tag}_welcomed_before_due": float(welcomed),
        f"fanout_{tag}_reminded": float(reminded),
        f"fanout_{tag}_lost": float(n - reminded),
        f"fanout_{tag}_duplicated": float(duplicated),
        f"fanout_{tag}_last_reminded_after_due_s": seconds,
        f"fanout_{tag}_first_reminded_after_due_s": first - due.timestamp(),
        f"fanout_{tag}_rate_per_s": reminded / sending,
        f"fanout_{tag}_limit_per_s": float(limit),
        f"fanout_{tag}_fraction_of_limit": reminded / sending / limit,
        f"fanout_{tag}_requests_per_reminder": requests / max(1, reminded),
        f"fanout_{tag}_429s": float(limited),
        f"fanout_{tag}_last_late_vs_budget": seconds / budget,
        f"fanout_{tag}_max_rss_mb": rss,
        # The sweep's query for a full due batch (500), over the bot's whole run: its cost.
        f"fanout_{tag}_due_batch_queries": due_queries,
        f"fanout_{tag}_due_batch_query_mean_ms": due_query_s / max(1.0, due_queries) * 1000,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _due_query_totals(port: int) -> tuple[float, float]:
    """(count, seconds) of the bot's due-batch queries, from its /metrics."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        body = await response.text()
    found = {"_count": 0.0, "_sum": 0.0}
    for line in body.splitlines():
        for suffix in found:
            if line.startswith(f"pathway_due_batch_query_seconds{suffix} "):
                found[suffix] = float(line.split()[-1])
    return found["_count"], found["_sum"]


def reminders_of(dms: Sequence[Any]) -> list[Any]:
    """A learner's reminder DMs, oldest first. A reminder always carries its embed and a
    welcome never does, so a welcome still going out after the due minute (enrolling took
    longer than the lead time) is not counted as a reminder, nor as a second one."""
    return [m for m in dms if m.embeds]


def tally(reminder_times: Mapping[int, Sequence[float]]) -> tuple[list[float], int]:
    """From each learner's reminder DMs (send times, oldest first): when each reminded
    learner's first reminder went out, and how many reminders went out more than once. A
    learner missing from the first list was never reminded."""
    first: list[float] = []
    duplicated = 0
    for times in reminder_times.values():
        if times:
            first.append(times[0])
            duplicated += len(times) - 1
    return first, duplicated


def show(figures: dict[str, float]) -> None:
    bench_delivery.show(figures, TARGETS)


def measure(scale: float, which: Sequence[str], url: str | None = None) -> dict[str, float]:
    """The chosen parts (`PARTS`) at `scale`, on SQLite or (with `url`) PostgreSQL.

    At scale 1: acks in a server of 10,000 learners; fan-outs of 2,000 and 10,000 learners
    who enrolled through /enroll ("fanout"); one of 100,000 bulk-loaded ("fanout100k": some
    35 minutes of sending at 47/s); one of 10,000 bulk-loaded with SEND_RATE 200 and the
    token's global limit 200/s ("rate200").
    """
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-interactions-") as tmp:
        work = Path(tmp)
        if "acks" in which:
            figures |= asyncio.run(acks(max(200, int(10_000 * scale)), work, url))
            show(figures)
        runs: list[tuple[str, int, bool, float | None]] = []
        if "fanout" in which:
            runs += [("2k", 2_000, False, None), ("10k", 10_000, False, None)]
        if "fanout100k" in which:
            runs.append(("100k", 100_000, True, None))
        if "rate200" in which:
            runs.append(("rate200", 10_000, True, 200.0))
        for tag, size, preload, rate in runs:
            n = max(100, int(size * scale))
            part = asyncio.run(fanout(n, work, tag, url, preload=preload, send_rate=rate))
            show(part)
            figures |= part
    return figures


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--only", choices=PARTS, action="append")
    parser.add_argument(
        "--database-url",
        default=None,
        help="run on PostgreSQL: a server to create a scratch database on (default: SQLite)",
    )
    args = parser.parse_args(argv)
    return measure(args.scale, args.only or PARTS, args.database_url)


if __name__ == "__main__":
    main()
