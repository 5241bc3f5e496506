"""Storage benchmark: the queries the bot runs hot, on a database of realistic size.

    python -m bench.bench_store [--scale 0.1] [--path DIR] [--database-url postgresql://...]

At scale 1: 100,000 enrolments (one per learner, ten pathways in one guild), 1,000,000
completions (ten per enrolment over the last 90 days), half the enrolments due, and a
study group of 10,000 members. The ten pathways are copies of the shipped one (its 40
items), so the completions are of real items. Setup bulk-loads through tests/bulk_load.py;
every read figure goes through the public Store API. Prints figures beside their targets and
returns them from main() so a collecting runner can use them. No assertions: timing is for
people.

The completions/s figures measure what a user's ✅ button costs: the service's
`Learning.done_by_id`, called as the adapter calls it (bot/discord_app/components/items.py),
one unit of work each: the owned enrolment read, its row locked and its completions read,
the core's plan and points, the insert (with the counters' triggers), the enrolment
completed when it was the last item, and the rank change, committed before it returns.
`completions_per_s` is one caller after another; `completions_per_s_50_callers` 50 callers
at once (SQLite then shares commits among them; PostgreSQL runs them on its pool). Each call
checks off an item its enrolment had not done, spread over the first 1,000 enrolments.

SQLite by default. With --database-url (or BENCH_DATABASE_URL) the same measurements run
on PostgreSQL: the URL names a server we may create databases on; the benchmark creates a
scratch database `pathway_bench_<random>` there and drops it at the end, so it never
writes into an existing database. Setup there ends with VACUUM FULL ANALYZE: the bulk load
fires the totals trigger once per completion inside one transaction, which leaves ten dead
versions of every enrolment row (the table some eight times its live size) that a running
bot's database, its completions committed one by one and vacuumed, never accumulates.
Without it the reads measure that bloat; with it, statistics are fresh and tables packed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import postgres
from bench.report import met, targets_for
from bot.clock import FixedClock
from bot.core.models import CompletionSource
from bot.pathway_files import PathwayRegistry
from bot.service import social
from bot.service.context import Context
from bot.service.learning import Learning
from bot.store import Store
from bot.store.postgres.db import safe_url
from tests import bulk_load as bulk

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SHIPPED = Path(__file__).resolve().parent.parent / "pathways" / "backend-to-ml-engineer.yaml"
GUILD = 1
PATHWAYS = 10
COMPLETIONS_PER_ENROLMENT = 10
DUE_BATCH = 500
# The p50s' targets are the first storage issue's; the rest are issue 26's (bench/report.py).
TARGETS = {
    "due_batch_p50_ms": ("<", 5.0),
    "leaderboard_p50_ms": ("<", 20.0),
    **targets_for("store"),
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


def _pathways(directory: Path) -> PathwayRegistry:
    """PATHWAYS copies of the shipped pathway, ids p0, p1, ...: the enrolments' pathways."""
    source = SHIPPED.read_text(encoding="utf-8")
    shipped_id = "id: backend-to-ml-engineer\n"
    assert shipped_id in source
    for k in range(PATHWAYS):
        copy = source.replace(shipped_id, f"id: p{k}\n", 1)
        (directory / f"p{k}.yaml").write_text(copy, encoding="utf-8")
    registry = PathwayRegistry(directory)
    assert registry.ids() == sorted(f"p{k}" for k in range(PATHWAYS))
    return registry


async def _load(store: Store, items: Sequence[str], enrolments: int, rng: random.Random) -> int:
    """Fill the database, each enrolment with the first COMPLETIONS_PER_ENROLMENT `items`
    done; return the id of the study group with one pathway's learners."""
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
            (uid, items[n], NOW - timedelta(seconds=rng.randint(0, quarter)), 10)
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


class _Writes:
    """The /done's of the write figures: each checks off an item its enrolment has not done
    (the next one, in pathway order, past the preloaded ones), over the first 1,000."""

    SPREAD = 1000

    def __init__(self, items: Sequence[str]) -> None:
        self._items = items
        self._sent = 0

    def take(self) -> tuple[int, str]:
        n = self._sent
        self._sent += 1
        enrolment_id = 1 + n % self.SPREAD  # == its user id: one enrolment per learner
        return enrolment_id, self._items[COMPLETIONS_PER_ENROLMENT + n // self.SPREAD]


async def _write_rate(learning: Learning, writes: _Writes, count: int, in_flight: int) -> float:
    """Completions per second through the ✅ button's unit of work, `in_flight` callers."""
    left = iter(range(count))

    async def worker() -> None:
        for _ in left:
            enrolment_id, item_id = writes.take()
            outcome = await learning.done_by_id(
                enrolment_id, enrolment_id, item_id, CompletionSource.BUTTON
            )
            if not outcome.created:
                raise RuntimeError(f"{item_id} of enrolment {enrolment_id} was done already")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return count / (time.perf_counter() - start)


async def _measure(
    store: Store, scale: float, after_load: Callable[[], Awaitable[None]]
) -> dict[str, float]:
    """Load the database, then every figure but the sizes on disk."""
    with tempfile.TemporaryDirectory(prefix="bench-pathways-") as tmp:
        registry = _pathways(Path(tmp))
    items = [item.id for item in registry.get("p0").items()]
    enrolments = _enrolments(scale)
    start = time.perf_counter()
    group_id = await _load(store, items, enrolments, random.Random(42))
    await after_load()
    figures: dict[str, float] = {
        "enrolments": enrolments,
        "completions": enrolments * COMPLETIONS_PER_ENROLMENT,
        "group_members": enrolments // PATHWAYS,
        "setup_s": time.perf_counter() - start,
    }
    due = await _due_batches(store, runs=200)
    figures["due_batch_p50_ms"], figures["due_batch_p99_ms"] = due
    # Exactly what /leaderboard's group board (points, all time) reads through the service
    # (Social.board_in): top_for_group(group, caller, TOP), the top 10 over the standing
    # counters' index, the caller's row and rank, and the member count; a random member asks.
    viewers = random.Random(3)
    board = await _timed(
        100,
        lambda: store.leaderboards.top_for_group(
            group_id, viewers.randrange(PATHWAYS, enrolments, PATHWAYS), social.TOP
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
    learning = Learning(Context(store, registry, FixedClock(NOW)))
    done = _Writes(items)
    figures["completions_per_s"] = await _write_rate(learning, done, writes, in_flight=1)
    figures["completions_per_s_50_callers"] = await _write_rate(
        learning, done, writes, in_flight=50
    )
    return figures


def _enrolments(scale: float) -> int:
    return max(1000, int(100_000 * scale))


async def _nothing() -> None:
    return None


async def run(scale: float, directory: Path) -> dict[str, float]:
    """Every figure on a SQLite file in `directory`."""
    path = directory / "bench.sqlite3"
    async with await Store.open(path) as store:
        figures = await _measure(store, scale, _nothing)
    wal = path.with_name(path.name + "-wal")
    figures["db_mb"] = path.stat().st_size / 1e6
    figures["wal_mb"] = wal.stat().st_size / 1e6 if wal.exists() else 0.0
    return figures


async def run_postgres(scale: float, url: str) -> dict[str, float]:
    """Every figure on a scratch database created on the server at `url`, dropped after.

    `db_mb` is pg_database_size (tables, indexes, and some 7 MB of PostgreSQL's own
    catalog); there is no `wal_mb`: PostgreSQL's WAL belongs to the server, not a database.
    """
    async with postgres.scratch_database(url) as scratch:

        async def vacuum() -> None:
            await postgres.admin(scratch, "VACUUM FULL ANALYZE")

        async with await Store.open_postgres(scratch) as store:
            figures = await _measure(store, scale, vacuum)
            async with store.db.read() as tx:
                row = await tx.fetchrow("SELECT pg_database_size(current_database())")
            figures["db_mb"] = int(row[0]) / 1e6
    return figures


def report(figures: dict[str, float]) -> None:
    for name, value in figures.items():
        line = f"{name:32} {value:12,.2f}"
        if name in TARGETS:
            op, bound = TARGETS[name]
            line += f"   target {op} {bound:,.0f}  {'ok' if met(value, (op, bound)) else 'MISSED'}"
        print(line)


def measure(scale: float, path: Path | None = None, url: str | None = None) -> dict[str, float]:
    """Run the benchmark on PostgreSQL when `url` is given, else on SQLite (in `path` or a
    temporary directory). Reads no environment: the caller says which engine."""
    if url:
        return asyncio.run(run_postgres(scale, url))
    if path is not None:
        return asyncio.run(run(scale, path))
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        return asyncio.run(run(scale, Path(tmp)))


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument(
        "--path", type=Path, help="directory for the SQLite database (default: temp)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(postgres.URL_ENV) or None,
        help="run on PostgreSQL: a server to create a scratch database on"
        f" (default: ${postgres.URL_ENV})",
    )
    args = parser.parse_args(argv)
    if args.database_url and args.path is not None:
        parser.error("--path is for SQLite; with --database-url the database is on the server")
    engine = f"PostgreSQL at {safe_url(args.database_url)}" if args.database_url else "SQLite"
    print(f"store benchmark on {engine}, scale {args.scale:g}")
    figures = measure(args.scale, args.path, args.database_url)
    report(figures)
    return figures


if __name__ == "__main__":
    main()
