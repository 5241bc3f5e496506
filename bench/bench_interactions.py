"""Interaction benchmark: what users feel, through the emulator, with the bot as a subprocess.

    python -m bench.bench_interactions [--scale 1.0] [--only acks|fanout]

At scale 1:
- acks: one server with 10,000 enrolled learners (1,000,000 completions in the database in
  all: theirs and those of 40,000 learners in other servers). Ack latency, as the emulator
  sees it (from dispatching the interaction to the bot's first response), of /done, /enroll,
  /tasks, /leaderboard and /done's autocomplete, 10 in flight at once. Targets: /done and
  /enroll p99 <= 50 ms, autocomplete p99 <= 30 ms. `floor_pathways_ack` is a command
  answered from memory with no database read: the rig's own floor at 10 in flight.
- fanout: 10,000 (and 2,000) learners enrol through /enroll, each getting the welcome DM
  that records their DM channel; all their first reminders fall due at the same minute,
  and the bot (as users run it, with its own scheduler) sends them. Targets: >= 0.9 of the
  50 requests/s limit, 1.0 REST request per reminder, no 429s, the last learner reminded
  within N/48 + 30 s of the due minute.

The emulator runs in this process with its schema checks off (they cost more CPU than the
bot's work and would be measured as the bot's latency); its per-route limit on opening DM
channels is lifted, because Discord publishes none and the figure here is the bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import bench_delivery
from bot.store import Store
from tests import bulk_load as bulk

ROOT = Path(__file__).resolve().parent.parent
PATHWAYS = ROOT / "pathways"
SEED = "backend-to-ml-engineer"
LIMIT = 50
IN_FLIGHT = 10
TARGETS = {
    "done_ack_p99_ms": ("<=", 50.0),
    "enroll_ack_p99_ms": ("<=", 50.0),
    "autocomplete_p99_ms": ("<=", 30.0),
}
for _tag in ("2k", "10k"):
    TARGETS |= {
        f"fanout_{_tag}_fraction_of_limit": (">=", 0.9),
        f"fanout_{_tag}_requests_per_reminder": ("<=", 1.0),
        f"fanout_{_tag}_429s": ("<=", 0.0),
        f"fanout_{_tag}_last_late_vs_budget": ("<=", 1.0),
    }


def _percentiles(name: str, samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        f"{name}_p50_ms": statistics.median(ordered) * 1000,
        f"{name}_p99_ms": p99 * 1000,
        f"{name}_max_ms": ordered[-1] * 1000,
    }


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


@contextlib.asynccontextmanager
async def bot_process(emu: Any, db: Path, workdir: Path, **env: str) -> AsyncIterator[Any]:
    environ = {
        **os.environ,
        "DISCORD_TOKEN": emu.token,
        "DISCORD_API_BASE_URL": emu.api_base,
        "DATABASE_PATH": str(db),
        "PATHWAYS_DIR": str(PATHWAYS),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
        **env,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=environ,
        cwd=str(workdir),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=(workdir / "bot.log").open("wb"),
    )
    try:
        await emu.wait_until_connected(timeout=120)
        yield proc
    finally:
        proc.terminate()
        await proc.wait()


async def _populate(db: Path, guild_id: int, users: Sequence[tuple[int, int]], others: int) -> None:
    """`users` (id, DM channel) enrolled in the guild with 20 completions each; `others`
    learners in other servers with 20 each, so the database holds the full volume."""
    now = datetime.now(UTC)
    store = await Store.open(db)
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
        await store.deliveries.finish_batch([], [], list(users), now)
    finally:
        await store.close()


async def acks(n: int, workdir: Path) -> dict[str, float]:
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
        db = workdir / "acks.sqlite3"
        t = time.perf_counter()
        await _populate(db, guild.id, [(u.id, emu.dm_channel(u).id) for u in users], 4 * n)
        setup = time.perf_counter() - t
        figures: dict[str, float] = {"learners_in_server": float(n), "setup_s": setup}
        async with bot_process(emu, db, workdir, SWEEP_INTERVAL_SECONDS="3600"):
            await emu.run_command(users[0], "tasks", guild=guild)  # warm the first path
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


async def fanout(n: int, workdir: Path, tag: str) -> dict[str, float]:
    """`n` learners enrol through /enroll, then their first reminders fall due together."""
    sys.path.insert(0, str(ROOT))
    from bot.emulator.driver import Emulator

    async with Emulator(timeout=120, validate_schemas=False) as emu:  # 50 requests/s
        emu.set_route_rate_limit("POST /users/@me/channels", 1_000_000, 1.0)
        guild = emu.add_guild("Bench", emu.add_user("owner"))
        users = []
        for i in range(n):
            user = emu.add_user(f"u{i}")
            emu.add_member(guild, user)
            users.append(user)
        db = workdir / f"fanout-{tag}.sqlite3"
        async with bot_process(emu, db, workdir, SWEEP_INTERVAL_SECONDS="5"):
            # The due minute: after every welcome DM has gone out at the send rate.
            lead = n / 48 * 1.6 + 150  # enrolling n at 10 in flight, then n welcome DMs
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
            await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
            before_requests = emu.counters.requests
            before_limited = emu.counters.rate_limited
            last = due
            first: datetime | None = None
            deadline = due + timedelta(seconds=n / 48 * 3 + 120)
            reminded: set[int] = set()
            while len(reminded) < n and datetime.now(UTC) < deadline:
                for u in users:
                    if u.id not in reminded and len(emu.dms(u)) >= 2:
                        reminded.add(u.id)
                        last = datetime.now(UTC)
                        first = first or last
                await asyncio.sleep(1.0)  # lateness to within a second; polling stays light
            requests = emu.counters.requests - before_requests
            limited = emu.counters.rate_limited - before_limited
        seconds = max(0.001, (last - due).total_seconds())
        sending = max(0.001, (last - (first or due)).total_seconds())
        budget = n / 48 + 30
        return {
            f"fanout_{tag}_learners": float(n),
            f"fanout_{tag}_welcomed_before_due": float(welcomed),
            f"fanout_{tag}_reminded": float(len(reminded)),
            f"fanout_{tag}_last_reminded_after_due_s": seconds,
            f"fanout_{tag}_first_reminded_after_due_s": ((first or due) - due).total_seconds(),
            f"fanout_{tag}_rate_per_s": len(reminded) / sending,
            f"fanout_{tag}_fraction_of_limit": len(reminded) / sending / LIMIT,
            f"fanout_{tag}_requests_per_reminder": requests / max(1, len(reminded)),
            f"fanout_{tag}_429s": float(limited),
            f"fanout_{tag}_last_late_vs_budget": seconds / budget,
        }


def show(figures: dict[str, float]) -> None:
    bench_delivery.show(figures, TARGETS)


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--only", choices=["acks", "fanout"], action="append")
    args = parser.parse_args(argv)
    which = args.only or ["acks", "fanout"]
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-interactions-") as tmp:
        work = Path(tmp)
        if "acks" in which:
            figures |= asyncio.run(acks(max(200, int(10_000 * args.scale)), work))
            show(figures)
        if "fanout" in which:
            for tag, size in (("2k", 2_000), ("10k", 10_000)):
                part = asyncio.run(fanout(max(100, int(size * args.scale)), work, tag))
                show(part)
                figures |= part
    return figures


if __name__ == "__main__":
    main()
