"""Group commit on SQLite (issue 26): write units queued for the writer share one transaction
and one fsync, and none of them returns before the COMMIT that holds its writes.

Real files throughout. Commits are counted twice: by the database's own counter and, to keep
that honest, by the commit frames in the WAL file itself (with synchronous=FULL, one fsync
each). PostgreSQL is not concerned: its server already groups concurrent commits.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.errors import StorageError
from bot.core.models import CompletionSource
from bot.store import Store
from bot.store import db as db_module
from bot.store.db import Database

from .values import NOW, START, complete

pytestmark = pytest.mark.sqlite_only("group commit is the SQLite writer's; PostgreSQL has its own")

UNITS = 12


class Refused(Exception):
    """A use case's own error, raised inside its unit after it wrote."""


@pytest.fixture
async def sqlite_store(db_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(db_path) as store:
        yield store


@pytest.fixture
def one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests about what the members of one batch hear: the batch closes only when its
    queue is empty. Left at BATCH_S (5 ms), a loaded host (two test workers, a bot
    subprocess) can close it between two queued units and split them into two batches."""
    monkeypatch.setattr(db_module, "BATCH_S", 60.0)


def _db(store: Store) -> Database:
    assert isinstance(store.db, Database)
    return store.db


async def _empty_the_wal(path: Path) -> None:
    """Checkpoint and truncate the WAL from another connection, so the commit frames in it
    from now on are exactly the commits that follow. A checkpoint may meet a read still in
    progress (another test task's): retry until it passes."""
    conn = sqlite3.connect(path)
    try:
        for _ in range(200):
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy == 0:
                return
            await asyncio.sleep(0.025)
        raise AssertionError("the WAL could not be checkpointed")
    finally:
        conn.close()


def _wal_commits(path: Path) -> int:
    """Commit frames in the WAL (a frame header's second word is nonzero on a commit's last
    frame), counting only the frames of the WAL's current generation (its salts)."""
    data = path.with_name(path.name + "-wal").read_bytes()
    if len(data) < 32:
        return 0
    page_size = int.from_bytes(data[8:12], "big")
    salts = data[16:24]
    commits, offset = 0, 32
    while offset + 24 + page_size <= len(data):
        header = data[offset : offset + 24]
        if header[8:16] != salts:
            break
        if int.from_bytes(header[4:8], "big"):
            commits += 1
        offset += 24 + page_size
    return commits


async def _put(store: Store, key: str) -> None:
    async with store.db.write() as tx:
        await tx.execute("INSERT INTO meta (key, value) VALUES (?, 'v')", (key,))


async def _stored(store: Store, keys: list[str]) -> set[str]:
    return {key for key in keys if await store.meta.get(key) is not None}


class Held:
    """A unit that takes the writer and keeps it until released: the others queue behind."""

    def __init__(self, store: Store, key: str) -> None:
        self.inside = asyncio.Event()
        self.release = asyncio.Event()
        self.task = asyncio.create_task(self._run(store, key))

    async def _run(self, store: Store, key: str) -> None:
        async with store.db.write() as tx:
            await tx.execute("INSERT INTO meta (key, value) VALUES (?, 'held')", (key,))
            self.inside.set()
            await self.release.wait()  # only a test may await something else inside a write


async def _queued(tasks: list[asyncio.Task[None]]) -> None:
    """Let every task run up to the writer's lock."""
    for _ in range(3):
        await asyncio.sleep(0)
    assert not any(task.done() for task in tasks)


async def test_queued_units_share_one_commit_and_all_survive_a_reopen(
    sqlite_store: Store, db_path: Path
) -> None:
    store = sqlite_store
    db = _db(store)
    await _empty_the_wal(db_path)
    commits, units = db.commits, db.committed_units
    held = Held(store, "k0")
    await held.inside.wait()
    keys = [f"k{n}" for n in range(1, UNITS)]
    tasks = [asyncio.create_task(_put(store, key)) for key in keys]
    await _queued(tasks)
    held.release.set()
    async with asyncio.timeout(10):
        await asyncio.gather(held.task, *tasks)
    assert db.committed_units - units == UNITS
    made = db.commits - commits
    assert 1 <= made < UNITS  # usually 1; a slow host may close a batch at BATCH_S
    assert _wal_commits(db_path) == made  # the file agrees: that many commit frames, fsyncs
    await store.close()
    async with await Store.open(db_path) as reopened:
        assert await _stored(reopened, ["k0", *keys]) == {"k0", *keys}


async def test_many_callers_record_completions_with_fewer_commits(
    sqlite_store: Store, db_path: Path
) -> None:
    store = sqlite_store
    db = _db(store)
    for user in range(1, 5):
        await store.enrolments.enrol(user, 100, "p", "h", START, NOW)
    commits = db.commits
    calls = [
        complete(store, 1 + n % 4, f"item-{n}", NOW, CompletionSource.BUTTON, points=1)
        for n in range(40)
    ]
    results = await asyncio.gather(*calls)
    assert all(result.created for result in results)
    assert db.commits - commits < 40
    await store.close()
    async with await Store.open(db_path) as reopened:
        done = [len(await reopened.completions.list_for_enrolment(e)) for e in range(1, 5)]
    assert done == [10, 10, 10, 10]


async def test_a_unit_that_raises_loses_only_its_own_writes_and_hears_at_once(
    sqlite_store: Store, one_batch: None
) -> None:
    store = sqlite_store
    db = _db(store)
    commits = db.commits
    held = Held(store, "k0")
    await held.inside.wait()
    order: list[str] = []

    async def put(key: str) -> None:
        await _put(store, key)
        order.append(key)

    async def refused() -> None:
        try:
            async with store.db.write() as tx:
                await tx.execute("INSERT INTO meta (key, value) VALUES ('bad', 'v')")
                raise Refused
        finally:
            order.append("bad")

    before = [asyncio.create_task(put(f"a{n}")) for n in range(3)]
    failing = asyncio.create_task(refused())
    after = [asyncio.create_task(put(f"b{n}")) for n in range(3)]
    await _queued([*before, failing, *after])
    held.release.set()
    with pytest.raises(Refused):
        await failing
    async with asyncio.timeout(10):
        await asyncio.gather(held.task, *before, *after)
    # The failing caller heard before anyone in its batch was acknowledged.
    assert order[0] == "bad"
    assert db.commits - commits == 1
    keys = ["k0", "bad", *(f"a{n}" for n in range(3)), *(f"b{n}" for n in range(3))]
    assert await _stored(store, keys) == set(keys) - {"bad"}


async def test_a_cancelled_unit_in_a_batch_rolls_back_alone(sqlite_store: Store) -> None:
    store = sqlite_store
    held = Held(store, "k0")
    await held.inside.wait()
    inside = asyncio.Event()

    async def stuck() -> None:
        async with store.db.write() as tx:
            await tx.execute("INSERT INTO meta (key, value) VALUES ('cancelled', 'v')")
            inside.set()
            await asyncio.sleep(60)

    first = asyncio.create_task(_put(store, "a"))
    victim = asyncio.create_task(stuck())
    last = asyncio.create_task(_put(store, "b"))
    await _queued([first, victim, last])
    held.release.set()
    await inside.wait()
    victim.cancel()
    with pytest.raises(asyncio.CancelledError):
        await victim
    async with asyncio.timeout(10):
        await asyncio.gather(held.task, first, last)
    assert await _stored(store, ["k0", "a", "cancelled", "b"]) == {"k0", "a", "b"}


async def test_a_failed_commit_acknowledges_nobody_in_the_batch(
    sqlite_store: Store, one_batch: None
) -> None:
    store = sqlite_store
    db = _db(store)
    async with store.db.write() as tx:
        await tx.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        await tx.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))")
    commits = db.commits

    async def orphan() -> None:
        # Deferred, the foreign key is checked at COMMIT: the batch's COMMIT fails.
        async with store.db.write() as tx:
            await tx.execute("PRAGMA defer_foreign_keys = ON")
            await tx.execute("INSERT INTO child (parent_id) VALUES (42)")

    held = Held(store, "k0")
    await held.inside.wait()
    tasks = [
        asyncio.create_task(_put(store, "a")),
        asyncio.create_task(orphan()),
        asyncio.create_task(_put(store, "b")),
    ]
    await _queued(tasks)
    held.release.set()
    async with asyncio.timeout(10):
        outcomes = await asyncio.gather(held.task, *tasks, return_exceptions=True)
    assert all(isinstance(outcome, StorageError) for outcome in outcomes), outcomes
    assert db.commits == commits
    assert await _stored(store, ["k0", "a", "b"]) == set()
    async with store.db.read() as tx:
        assert await tx.fetchall("SELECT * FROM child") == []
    # The writer is clean for the next unit, foreign keys checked at once again.
    await _put(store, "after")
    assert await store.meta.get("after") == "v"
    async with store.db.write() as tx:
        assert (await tx.fetchrow("PRAGMA defer_foreign_keys"))[0] == 0


async def test_a_unit_returns_only_once_its_batch_is_committed(
    sqlite_store: Store, one_batch: None
) -> None:
    """Readers never see a batch's writes before its COMMIT, and nor does the caller's code
    after its unit (the reply), while a unit's own reads see its writes at once."""
    store = sqlite_store
    held = Held(store, "k0")
    await held.inside.wait()
    second_inside = asyncio.Event()
    second_go = asyncio.Event()
    replied: list[str] = []

    async def first() -> None:
        await _put(store, "first")
        replied.append("first")  # the "done!" reply

    async def second() -> None:
        async with store.db.write() as tx:
            await tx.execute("INSERT INTO meta (key, value) VALUES ('second', 'v')")
            row = await tx.fetchone("SELECT value FROM meta WHERE key = 'second'")
            assert row is not None  # its own write, inside the unit
            second_inside.set()
            await second_go.wait()

    one = asyncio.create_task(first())
    two = asyncio.create_task(second())
    await _queued([one, two])
    held.release.set()
    try:
        await second_inside.wait()
        # `first` has finished its unit and waits for the batch's commit.
        assert not one.done()
        assert replied == []
        assert await _stored(store, ["k0", "first", "second"]) == set()
    finally:
        second_go.set()  # a failure above must not leave the writer held
    async with asyncio.timeout(10):
        await asyncio.gather(held.task, one, two)
    assert replied == ["first"]
    assert await _stored(store, ["k0", "first", "second"]) == {"k0", "first", "second"}


async def test_a_lone_unit_commits_without_waiting_for_anyone(sqlite_store: Store) -> None:
    """Nobody queued: the unit commits at once, even while another writer is on its way
    (it has not asked for the writer yet)."""
    store = sqlite_store
    db = _db(store)
    go = asyncio.Event()

    async def later() -> None:
        await go.wait()
        await _put(store, "later")

    other = asyncio.create_task(later())
    commits = db.commits
    async with asyncio.timeout(10):
        await _put(store, "alone")
    assert db.commits == commits + 1
    assert await store.meta.get("alone") == "v"
    assert not other.done()
    go.set()
    await other
    assert db.commits == commits + 2


async def test_a_unit_waits_for_another_process_holding_the_write_lock(
    sqlite_store: Store, db_path: Path
) -> None:
    """BEGIN IMMEDIATE is tried inline without waiting; when another process writes, the
    unit waits for it in the writer's thread (busy_timeout) instead of failing."""
    store = sqlite_store
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        task = asyncio.create_task(_put(store, "waited"))
        for _ in range(20):
            await asyncio.sleep(0.01)
        assert not task.done()  # waiting on the other process, not failed
        other.execute("INSERT INTO meta (key, value) VALUES ('other', 'v')")
        other.execute("COMMIT")
        async with asyncio.timeout(10):
            await task
    finally:
        other.close()
    assert await _stored(store, ["other", "waited"]) == {"other", "waited"}
    async with store.db.write() as tx:
        assert (await tx.fetchrow("PRAGMA busy_timeout"))[0] == 5000
