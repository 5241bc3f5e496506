"""SIGKILL a writer at random moments: the database stays sound and no acknowledged write
is lost. On SQLite the file must survive a torn write; on PostgreSQL the server outlives its
client, and what must survive is every completion whose commit the client saw."""

from __future__ import annotations

import asyncio
import os
import random
import sys
from pathlib import Path

from .backends import Target
from .crash_writer import WRITERS
from .values import NOW, START

SCRIPT = Path(__file__).with_name("crash_writer.py")
REPO = Path(__file__).resolve().parents[2]
KILLS = 24


async def _run_and_kill(where: str, run: int, rng: random.Random) -> list[tuple[int, str]]:
    """Start the writer, SIGKILL it after a random delay; return what it reported."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), where, str(run),
        cwd=REPO, stdout=asyncio.subprocess.PIPE,
        # The script's own folder heads its sys.path: name this tree's `bot` (installed or not).
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert proc.stdout is not None
    if rng.random() < 0.8:  # mostly mid-write; sometimes during start-up and migrations
        assert await proc.stdout.readline() == b"ready\n"
    await asyncio.sleep(rng.uniform(0.0, 0.12))
    proc.kill()
    out = await proc.stdout.read()
    await proc.wait()
    reported = []
    for line in out.decode().splitlines(keepends=True):
        if line.endswith("\n") and line != "ready\n":  # a torn last line was never reported
            eid, item = line.split()
            reported.append((int(eid), item))
    return reported


async def test_sigkilled_writer_never_loses_a_reported_completion(database: Target) -> None:
    where = database.url or str(database.path)
    async with await database.open() as store:
        for user in range(1, WRITERS + 1):
            await store.enrolments.enrol(user, 100, "p", "h", START, NOW)
    rng = random.Random(20260302)
    acknowledged: set[tuple[int, str]] = set()
    for run in range(KILLS):
        acknowledged |= set(await _run_and_kill(where, run, rng))
        async with await database.open() as store:
            assert await store.db.integrity_check() == ["ok"]
            stored = {
                (eid, c.item_id)
                for eid in range(1, WRITERS + 1)
                for c in await store.completions.list_for_enrolment(eid)
            }
        missing = acknowledged - stored
        assert not missing, f"run {run}: lost {sorted(missing)[:5]}"
    assert len(acknowledged) > KILLS  # the kills did land among real writes
