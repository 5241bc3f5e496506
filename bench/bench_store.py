"""Storage benchmark: the queries the bot runs hot, on a database of realistic size.

    python -m bench.bench_store [--scale 0.1] [--path DIR]

At scale 1: 100,000 enrolments (one per learner, ten pathways in one guild), 1,000,000
completions (ten per enrolment over the last 90 days), half the enrolments due, and a
study group of 10,000 members. Setup bulk-loads through bot.store.bulk; every measured
figure goes through the public Store API. Prints figures beside their targets and returns
them from main() so a collecting runner can use them. No assertions: timing is for people.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.core.models import CompletionSource
from bot.store import Store
from tests import bulk_load as bulk

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
GUILD = 1
PATHWAYS = 10
COMPLETIONS_PER_ENROLMENT = 10
DUE_BATCH = 500
TARGETS = {
    "due_batch_p50_ms": ("<", 5.0),
    "due_batch_p99_ms": ("<", 5.0),
    "completions_per_s": (">=", 1000.0),
    "leaderboard_p50_ms": ("<", 20.0),
    "leaderboard_p99_ms": ("<", 20.0),
}


def _percentiles(samples_ms: Sequence[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return statistics.median(samples_ms), cuts[98]


async def _timed(runs: int, call: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    for _ in range(3):  # warm the page cache and the statement cache
        await call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return _percentiles(samples)


async def _load(store: Store, enrolments: int, rng: random.Random) -> int:
    """Fill the database; return the id of the study group with one pathway's learners."""
    users = range(1, enrolments + 1)
    await bulk.load_learners(store.db, users, NOW)
    week = 7 * 24 * 3600
    await bulk.load_enrolments(
        store.db,
        (
            (
                uid,
                uid,
                GUILD,
                f"p{uid % PATHWAYS}",
                date(2026, 1, 5),
                NOW + timedelta(seconds=rng.randint(-week, week)),
            )
            for uid in users
        ),
        NOW,
    )
    quarter = 90 * 24 * 3600
    await bulk.load_completions(
        store.db,
        (
            (uid, f"item-{n:02d}", NOW - timedelta(seconds=rng.randint(0, quarter)), 10)
            for uid in users
            for n in range(COMPLETIONS_PER_ENROLMENT)
        ),
    )
    group = await store.groups.create(GUILD, "Bench", "p0", date(2026, 1, 5), NOW)
    # enrolment id == user id: one enrolment per learner
    members = [uid for uid in users if uid % PATHWAYS == 0]
    await bulk.load_memberships(store.db, group.id, members, NOW)
    return group.id


async def _due_batches(store: Store, runs: int) -> tuple[float, float]:
    """One batch of 500 due enrolments, starting at a random point of the sweep."""
    sweep = await store.enrolments.due(NOW, limit=DUE_BATCH * 20)
    rng = random.Random(7)
    cursors = [(e.next_reminder_at, e.id) for e in rng.sample(sweep, 200) if e.next_reminder_at]
    del sweep  # keep the heap the size a running bot's would be, not 10,000 enrolments larger

    async def batch() -> object:
        return await store.enrolments.due(NOW, limit=DUE_BATCH, after=rng.choice(cursors))

    return await _timed(runs, batch)


async def _write_rate(store: Store, count: int, in_flight: int) -> float:
    """Completions per second through Completions.record, `in_flight` callers at a time."""
    items = iter(range(count))
    # New items on existing enrolments: each call is a real insert, one transaction each.

    async def worker() -> None:
        for n in items:
            await store.completions.record(
                1 + n % 1000, f"bench-{in_flight}-{n}", NOW, CompletionSource.BUTTON, points=10
            )

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return count / (time.perf_counter() - start)


async def run(scale: float, directory: Path) -> dict[str, float]:
    enrolments = max(1000, int(100_000 * scale))
    path = directory / "bench.sqlite3"
    async with await Store.open(path) as store:
        start = time.perf_counter()
        group_id = await _load(store, enrolments, random.Random(42))
        figures: dict[str, float] = {
            "enrolments": enrolments,
            "completions": enrolments * COMPLETIONS_PER_ENROLMENT,
            "group_members": enrolments // PATHWAYS,
            "setup_s": time.perf_counter() - start,
        }
        due = await _due_batches(store, runs=200)
        figures["due_batch_p50_ms"], figures["due_batch_p99_ms"] = due
        # What /leaderboard reads: SQLite ranks the group, the top 10 and the caller come back.
        viewers = random.Random(3)
        board = await _timed(
            100,
            lambda: store.leaderboards.top_for_group(
                group_id, viewer=viewers.randrange(PATHWAYS, enrolments, PATHWAYS)
            ),
        )
        figures["leaderboard_p50_ms"], figures["leaderboard_p99_ms"] = board
        week = await _timed(
            100,
            lambda: store.leaderboards.top_for_group(
                group_id, viewer=PATHWAYS, since=NOW - timedelta(days=7)
            ),
        )
        figures["leaderboard_week_p50_ms"], figures["leaderboard_week_p99_ms"] = week
        # Every member's row as Python objects (digests, on-schedule boards).
        full = await _timed(50, lambda: store.leaderboards.for_group(group_id))
        figures["leaderboard_all_rows_p50_ms"], figures["leaderboard_all_rows_p99_ms"] = full
        month = await _timed(
            100, lambda: store.leaderboards.for_group(group_id, since=NOW - timedelta(days=30))
        )
        figures["leaderboard_30d_p50_ms"], figures["leaderboard_30d_p99_ms"] = month
        writes = max(500, int(5000 * min(scale, 1.0)))
        figures["completions_per_s"] = await _write_rate(store, writes, in_flight=1)
        figures["completions_per_s_50_callers"] = await _write_rate(store, writes, in_flight=50)
    wal = path.with_name(path.name + "-wal")
    figures["db_mb"] = path.stat().st_size / 1e6
    figures["wal_mb"] = wal.stat().st_size / 1e6 if wal.exists() else 0.0
    return figures


def _report(figures: dict[str, float]) -> None:
    for name, value in figures.items():
        line = f"{name:32} {value:12,.2f}"
        if name in TARGETS:
            op, bound = TARGETS[name]
            met = value < bound if op == "<" else value >= bound
            line += f"   target {op} {bound:,.0f}  {'ok' if met else 'MISSED'}"
        print(line)


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--path", type=Path, help="directory for the database (default: temp)")
    args = parser.parse_args(argv)
    if args.path is not None:
        figures = asyncio.run(run(args.scale, args.path))
    else:
        with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
            figures = asyncio.run(run(args.scale, Path(tmp)))
    _report(figures)
    return figures


if __name__ == "__main__":
    main()
