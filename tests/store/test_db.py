"""The database: SQLite's file, PRAGMAs and single writer; on both engines, transactions
that roll back, map errors to safe messages, survive cancellation and read only what is
committed."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.core.errors import ConfigError, StorageError
from bot.store import DEFAULT_PATH, Store

from .backends import needs_postgres, url_for


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.sqlite_only("file modes")
async def test_file_is_private_and_directory_created(db_path: Path) -> None:
    assert not db_path.parent.exists()
    async with await Store.open(db_path) as store:
        await store.meta.set("k", "v")  # a write, so the WAL and shared-memory files exist
        for name in (db_path.name, db_path.name + "-wal", db_path.name + "-shm"):
            assert _mode(db_path.with_name(name)) == 0o600, name
    assert _mode(db_path.parent) == 0o700


async def test_private_despite_permissive_umask(db_path: Path) -> None:
    old = os.umask(0)
    try:
        async with await Store.open(db_path) as store:
            await store.meta.set("k", "v")
            assert _mode(db_path) == 0o600
            assert _mode(db_path.with_name(db_path.name + "-wal")) == 0o600
    finally:
        os.umask(old)


async def test_default_path_and_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with await Store.open() as store:
        assert store.db.path == DEFAULT_PATH
    assert (tmp_path / "data" / "pathway-bot.sqlite3").is_file()
    assert _mode(tmp_path / "data" / "pathway-bot.sqlite3") == 0o600


async def test_unusable_path_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("")
    with pytest.raises(ConfigError, match="cannot open database"):
        await Store.open(tmp_path / "not-a-dir" / "db.sqlite3")


@pytest.mark.sqlite_only("PRAGMAs")
async def test_pragmas(store: Store) -> None:
    async with store.db.write() as tx:
        assert (await tx.fetchrow("PRAGMA journal_mode"))[0] == "wal"
        assert (await tx.fetchrow("PRAGMA synchronous"))[0] == 2  # FULL
        assert (await tx.fetchrow("PRAGMA foreign_keys"))[0] == 1
        assert (await tx.fetchrow("PRAGMA busy_timeout"))[0] == 5000
    async with store.db.read() as tx:
        assert (await tx.fetchrow("PRAGMA foreign_keys"))[0] == 1
        assert (await tx.fetchrow("PRAGMA query_only"))[0] == 1


async def test_error_in_body_rolls_back(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.db.write() as tx:
            await tx.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
            raise RuntimeError("boom")
    assert await store.meta.get("a") is None
    await store.meta.set("a", "2")  # the connection is usable afterwards
    assert await store.meta.get("a") == "2"


async def test_database_errors_become_storage_errors(store: Store) -> None:
    with pytest.raises(StorageError) as caught:
        async with store.db.write() as tx:
            await tx.execute(
                "INSERT INTO learners (user_id, tz, weekday, remind_at, created_at)"
                " VALUES (1, 'UTC', 9, '09:00', 0)"
            )
    assert isinstance(
        caught.value.__cause__,
        sqlite3.IntegrityError | asyncpg.exceptions.IntegrityConstraintViolationError,
    )
    assert "sqlite" not in caught.value.user_message.lower()
    assert "postgres" not in caught.value.user_message.lower()
    with pytest.raises(StorageError):
        async with store.db.read() as tx:
            await tx.fetchall("SELECT * FROM no_such_table")


@pytest.mark.sqlite_only("one writer at a time; PostgreSQL runs writers in parallel on purpose")
async def test_writes_never_interleave(store: Store) -> None:
    events: list[str] = []

    async def writer(name: str) -> None:
        async with store.db.write() as tx:
            events.append(f"begin {name}")
            for i in range(3):
                await tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)", (f"{name}{i}", name)
                )
            events.append(f"end {name}")

    await asyncio.gather(*(writer(f"w{n}") for n in range(10)))
    for begin, end in zip(events[::2], events[1::2], strict=True):
        assert begin.split()[1] == end.split()[1], events


async def test_a_long_read_does_not_hold_up_another(store: Store) -> None:
    """A big board being read must not make every other command's reads queue behind it
    (SQLite: two query-only connections; PostgreSQL: the pool)."""
    inside = asyncio.Event()
    release = asyncio.Event()

    async def long_read() -> None:
        async with store.db.read() as tx:
            await tx.fetchall("SELECT 1")
            inside.set()
            await release.wait()  # only a test may await something else inside a read

    task = asyncio.create_task(long_read())
    await inside.wait()
    try:
        async with asyncio.timeout(5):
            async with store.db.read() as tx:
                await tx.fetchall("SELECT 2")
            assert await store.meta.get("nothing") is None  # a repository read, too
    finally:
        release.set()
        await task
    # Both connections came back: reads and a clean close still work.
    assert await store.meta.get("nothing") is None


async def test_cancelled_writer_rolls_back_and_frees_the_connection(store: Store) -> None:
    entered = asyncio.Event()

    async def slow_writer() -> None:
        async with store.db.write() as tx:
            await tx.execute("INSERT INTO meta (key, value) VALUES ('cancelled', 'x')")
            entered.set()
            await asyncio.sleep(60)  # only a test may await something else inside a write

    task = asyncio.create_task(slow_writer())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await store.meta.set("after", "y")
    assert await store.meta.get("cancelled") is None
    assert await store.meta.get("after") == "y"


async def test_reads_see_only_committed_data(store: Store) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with store.db.write() as tx:
            await tx.execute("INSERT INTO meta (key, value) VALUES ('pending', 'x')")
            inside.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    assert await store.meta.get("pending") is None  # not yet committed
    release.set()
    await task
    assert await store.meta.get("pending") == "x"


async def test_integrity_check(store: Store) -> None:
    assert await store.db.integrity_check() == ["ok"]


@needs_postgres
async def test_unreachable_postgres_is_a_config_error_without_the_password() -> None:
    parts = urlsplit(url_for("no_such_database"))
    url = urlunsplit(parts._replace(netloc=f"someone:s3cret-pw@{parts.hostname}:{parts.port}"))
    with pytest.raises(ConfigError, match="cannot open database postgresql://someone@") as caught:
        await Store.open_postgres(url)
    assert "s3cret-pw" not in str(caught.value)


@pytest.mark.sqlite_only("SQLite's reader connections and their snapshots")
async def test_a_read_never_sees_an_older_snapshot_than_its_first_statement(
    store: Store,
) -> None:
    """Whether its statements run inline or on the reader's thread, a read sees one
    snapshot from its first statement on, and every later read sees every earlier commit."""
    for i in range(20):
        await store.meta.set("k", str(i))
        assert await store.meta.get("k") == str(i)
        async with store.db.read() as tx:  # two statements: one snapshot
            first = (await tx.fetchrow("SELECT value FROM meta WHERE key = 'k'"))[0]
            await store.meta.set("k", f"{i}-later")  # committed while the read is open
            second = (await tx.fetchrow("SELECT value FROM meta WHERE key = 'k'"))[0]
        assert first == second == str(i)
        assert await store.meta.get("k") == f"{i}-later"


@pytest.mark.sqlite_only("SQLite's reader connections and their snapshots")
async def test_quick_reads_run_inline_and_end_their_snapshots(store: Store) -> None:
    """After its first run (on the reader's thread) a quick SELECT runs on the loop's thread;
    no read leaves a transaction open, so a full checkpoint from another connection passes."""
    from bot.store.db import Database, _Reader

    db = store.db
    assert isinstance(db, Database)
    await store.meta.set("k", "v")
    threads: set[str] = set()
    real_run = _Reader.run

    async def spy(self: _Reader, sql: str, fn: Any) -> Any:
        def where() -> Any:
            threads.add(threading.current_thread().name)
            return fn()

        return await real_run(self, sql, where)

    _Reader.run = spy  # type: ignore[method-assign]
    try:
        for _ in range(6):  # each reader: a first run in its thread, then inline
            assert await store.meta.get("k") == "v"
    finally:
        _Reader.run = real_run  # type: ignore[method-assign]
    assert threading.current_thread().name in threads  # inline, on the loop's thread
    assert len(threads) > 1  # and the first runs on the readers' threads
    readers = list(db._idle._queue)  # type: ignore[attr-defined]
    assert readers and not any(r.conn.in_transaction for r in readers)
    other = sqlite3.connect(db.path, timeout=5)
    try:
        busy = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    finally:
        other.close()
    assert busy == 0  # 0: no reader's snapshot blocked it
    assert await store.meta.get("k") == "v"


async def _hold_the_thread(reader: Any, release: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    started = asyncio.Event()

    def blocked() -> None:
        loop.call_soon_threadsafe(started.set)
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result()

    reader.in_thread(blocked)
    await started.wait()


@pytest.mark.sqlite_only("SQLite's reader connections and their snapshots")
async def test_a_cancelled_read_on_the_thread_never_shares_its_connection(store: Store) -> None:
    """A read cancelled while its statement runs on the reader's thread: the next read on
    that connection waits for it (never two threads on one connection), then works."""
    from bot.store.db import Database

    db = store.db
    assert isinstance(db, Database)
    await store.meta.set("k", "v")
    readers = list(db._idle._queue)  # type: ignore[attr-defined]
    release = asyncio.Event()
    for reader in readers:  # every reader's thread is busy until released
        await _hold_the_thread(reader, release)
    read = asyncio.create_task(store.meta.get("k"))
    await asyncio.sleep(0.05)
    read.cancel()
    with pytest.raises(asyncio.CancelledError):
        await read
    later = asyncio.create_task(store.meta.get("k"))
    await asyncio.sleep(0.05)
    assert not later.done()  # waiting for the thread, not running beside it
    release.set()
    assert await later == "v"
    assert not any(r.conn.in_transaction for r in readers)


@pytest.mark.sqlite_only("SQLite's reader connections and their snapshots")
async def test_a_failed_read_leaves_the_readers_usable(store: Store) -> None:
    await store.meta.set("k", "v")
    for _ in range(5):
        with pytest.raises(StorageError):
            async with store.db.read() as tx:
                await tx.fetchall("SELECT * FROM no_such_table")
        assert await store.meta.get("k") == "v"
    await asyncio.gather(*(store.meta.get("k") for _ in range(50)))
    assert await store.meta.get("k") == "v"
