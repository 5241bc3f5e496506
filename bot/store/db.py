"""The SQLite file: connections, PRAGMAs, and the single-writer transaction discipline.

Writes go through one aiosqlite connection guarded by an asyncio.Lock and run as
`BEGIN IMMEDIATE` transactions. IMMEDIATE takes the write lock up front, so `busy_timeout`
applies; a plain BEGIN that later writes can fail with SQLITE_BUSY without waiting. The lock
keeps coroutines sharing the connection from interleaving their statements inside one
transaction. Reads use a second, query-only connection: in WAL mode they never block the
writer, and they never see another coroutine's uncommitted writes.

Rule for callers: never await anything but this database inside `write()` (no network calls),
because every other writer in the process waits for the lock meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import cast

import aiosqlite

from bot.core.errors import ConfigError, ErrorCode, StorageError
from bot.store.backend import Dialect, Params, Row, Statement, text

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
READ_CACHE_KIB = 32 * 1024
# Query-only connections. WAL lets readers run side by side, and sqlite3 lets go of the GIL
# while a statement runs, so a second reader keeps one slow read (a big board) from holding
# up every other command's reads behind it; more would only compete for the same cores.
READERS = 2

# synchronous=FULL: in WAL mode, NORMAL survives an application crash but can lose the last
# commits on a power loss; FULL fsyncs the WAL on every commit and cannot. A completion we
# acknowledged to a learner ("done!") must not silently disappear, so we pay for FULL: about
# 20% fewer single-row write transactions per second (measured ~3,000/s NORMAL vs ~2,400/s
# FULL with aiosqlite), still far above the bot's peak write rate.
_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
)


class SqliteTx:
    """A connection as seen inside one transaction (implements backend.Tx).

    SELECTs (and RETURNING) are always fetched whole: a half-read cursor keeps its statement
    open, which would hold a read snapshot or make COMMIT fail.
    """

    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    @property
    def dialect(self) -> Dialect:
        return Dialect.SQLITE

    async def fetchall(self, sql: Statement, params: Params = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(text(sql, Dialect.SQLITE), params))

    async def fetchone(self, sql: Statement, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchrow(self, sql: Statement, params: Params = ()) -> Row:
        """The one row a statement must return (an upsert's RETURNING, an aggregate)."""
        row = await self.fetchone(sql, params)
        if row is None:
            raise RuntimeError(f"expected a row from: {text(sql, Dialect.SQLITE)}")
        return row

    async def execute(self, sql: Statement, params: Params = ()) -> int:
        """Run a statement that returns no rows; return how many rows it changed."""
        cursor = await self._conn.execute(text(sql, Dialect.SQLITE), params)
        return cursor.rowcount

    async def executemany(self, sql: Statement, rows: Iterable[Params]) -> None:
        await self._conn.executemany(text(sql, Dialect.SQLITE), rows)

    async def advance_ids(self, table: str) -> None:
        """Nothing to do: an INTEGER PRIMARY KEY is a rowid, and rowids follow the maximum."""


# How long a reader's finished snapshot may stay open, waiting to be ended in the same trip
# as the next read's first statement. An open snapshot only keeps a checkpoint from passing
# it; past this, a timer ends it on its own.
SNAPSHOT_LINGER_S = 0.05


class _Reader:
    """A query-only connection and whether its last snapshot is still open (see read())."""

    __slots__ = ("conn", "lingering", "uses")

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.lingering = False  # a finished read's transaction, not yet rolled back
        self.uses = 0  # reads begun: tells a timer whether its read is still the last


class _SnapshotTx(SqliteTx):
    """A reader's transaction, begun by its first statement in the same trip to the
    connection's thread, which also ends the previous read's snapshot if it lingers (see
    Database.read). `begun` says whether this read left a transaction open."""

    __slots__ = ("_reader", "begun")

    def __init__(self, reader: _Reader) -> None:
        super().__init__(reader.conn)
        self._reader = reader
        self.begun = False

    async def fetchall(self, sql: Statement, params: Params = ()) -> list[Row]:
        if self.begun:
            return await super().fetchall(sql, params)
        end_first = self._start()
        # aiosqlite's own methods are built on Connection._execute (run a function on the
        # connection's thread); no public method runs several statements in one trip.
        rows = await _in_thread_now(
            self._conn, _begin_and_fetch, self._conn, end_first, text(sql, Dialect.SQLITE), params
        )
        return cast(list[Row], rows)

    async def execute(self, sql: Statement, params: Params = ()) -> int:
        await self._begin()
        return await super().execute(sql, params)

    async def executemany(self, sql: Statement, rows: Iterable[Params]) -> None:
        await self._begin()
        await super().executemany(sql, rows)

    def _start(self) -> bool:
        """Mark the transaction begun; whether a lingering one must be ended first."""
        self.begun = True
        lingering, self._reader.lingering = self._reader.lingering, False
        return lingering

    async def _begin(self) -> None:
        if not self.begun:
            if self._start():
                await self._conn.rollback()
            await self._conn.execute("BEGIN")


def _in_thread_now(
    conn: aiosqlite.Connection, fn: Callable[..., object], *args: object
) -> asyncio.Future[object]:
    """Queue `fn(*args)` on the connection's thread at once, in order with everything queued
    on it before and after; the future has its result.

    aiosqlite's own methods do this in a coroutine (Connection._execute), which queues only
    when first stepped, and no public method runs several statements in one trip; this uses
    the same worker queue (Connection._tx) directly. tests/store/test_db.py covers both.
    """
    future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    conn._tx.put_nowait((future, partial(fn, *args)))
    return future


def _rollback(conn: aiosqlite.Connection) -> None:
    """Runs on the connection's thread."""
    conn._conn.rollback()


def _begin_and_fetch(
    conn: aiosqlite.Connection, end_first: bool, sql: str, params: Params
) -> list[Row]:
    """Runs on the connection's thread."""
    raw = conn._conn
    if end_first:
        raw.rollback()
    raw.execute("BEGIN")
    return list(raw.execute(sql, params).fetchall())


def storage_error(exc: sqlite3.Error) -> StorageError:
    """Turn a SQLite exception into a domain error whose message is safe to show a user."""
    log.warning("sqlite error %s: %s", exc.sqlite_errorname, exc)
    if isinstance(exc, sqlite3.IntegrityError):
        return StorageError(code=ErrorCode.STORAGE_CONFLICT)
    if exc.sqlite_errorname in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return StorageError(code=ErrorCode.STORAGE_BUSY)
    return StorageError(code=ErrorCode.STORAGE_FAILED)


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite creates it with 0644.

    SQLite gives the -wal and -shm files the main file's permissions, so they stay private too.
    An existing file keeps whatever mode its owner chose.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: the sqlite3 module issues no implicit BEGIN; we say when.
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            await conn.execute_fetchall(pragma)  # fetched: some PRAGMAs answer with a row
    except BaseException:
        await conn.close()
        raise
    return conn


async def _enable_wal(conn: aiosqlite.Connection) -> str:
    """Switch the file to WAL mode; return the mode it is in.

    Switching needs the file to itself, and SQLite answers "database is locked" at once
    rather than waiting out busy_timeout: processes starting together on a new file (one
    host, several shards) meet exactly that. So retry for as long as busy_timeout would wait.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            rows = await conn.execute_fetchall("PRAGMA journal_mode = WAL")
            return str(next(iter(rows))[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


class Database:
    """One SQLite file: a writer connection behind a lock and a few query-only readers.

    Implements backend.Backend.
    """

    dialect = Dialect.SQLITE

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, readers: list[aiosqlite.Connection]
    ) -> None:
        self.path = path
        self._writer = writer
        self._readers = list(readers)
        self._idle: asyncio.Queue[_Reader] = asyncio.Queue()
        for reader in readers:
            self._idle.put_nowait(_Reader(reader))
        self._write_lock = asyncio.Lock()
        self._ending: set[asyncio.Future[object]] = set()  # lingering snapshots being ended
        self._closed = False

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (creating file and directory if needed) without touching the schema."""
        try:
            _create_private_file(path)
            writer = await _connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open database {path}: {exc}") from exc
        readers: list[aiosqlite.Connection] = []
        try:
            mode = await _enable_wal(writer)
            if mode != "wal":
                raise ConfigError(
                    f"database {path} cannot use WAL mode (got {mode!r}); "
                    "put it on a local filesystem"
                )
            for _ in range(READERS):
                reader = await _connect(path)
                readers.append(reader)
                await reader.execute("PRAGMA query_only = ON")
                # Leaderboards of big groups visit rows scattered over the enrolments and
                # learners tables; a 32 MiB page cache (default 2 MiB) keeps them hot.
                await reader.execute(f"PRAGMA cache_size = -{READ_CACHE_KIB}")
        except BaseException as exc:
            for opened in readers:
                await opened.close()
            await writer.close()
            if isinstance(exc, sqlite3.Error):
                raise ConfigError(f"cannot open database {path}: {exc}") from exc
            raise
        return cls(path, writer, readers)

    @property
    def label(self) -> str:
        return str(self.path)

    async def close(self) -> None:
        """Idempotent: a second close (two shutdown paths racing) returns at once."""
        if self._closed:
            return
        self._closed = True
        async with self._write_lock:
            for _ in self._readers:  # each reader once it is back from its last read
                await (await self._idle.get()).conn.close()
            await self._writer.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqliteTx]:
        """`async with db.write() as tx:` one BEGIN IMMEDIATE transaction, committed on exit.

        Any exception rolls it back; SQLite exceptions leave as StorageError. The rollback is
        shielded and queued behind any statement still running, so even a cancelled caller
        leaves the connection outside a transaction for the next writer.
        """
        async with self._write_lock:
            conn = self._writer
            try:
                await conn.execute("BEGIN IMMEDIATE")
                yield SqliteTx(conn)
                await conn.execute("COMMIT")
            except BaseException as exc:
                # sqlite3's rollback() is a no-op outside a transaction (e.g. a failed BEGIN).
                await asyncio.shield(conn.rollback())
                if isinstance(exc, sqlite3.Error):
                    raise storage_error(exc) from exc
                raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqliteTx]:
        """`async with db.read() as tx:` a consistent snapshot across several SELECTs.

        Every call to a connection is a trip to its thread and back, and under load each
        one waits its turn for the GIL and the event loop; most reads are one SELECT. So a
        read costs one trip: its BEGIN travels with its first statement, and its snapshot is
        left open when it ends, to be rolled back in the same trip as the next read's first
        statement on that connection (or by a timer after SNAPSHOT_LINGER_S when none comes).
        No read ever sees an older snapshot than its own first statement's.
        """
        reader = await self._idle.get()
        reader.uses += 1
        tx = _SnapshotTx(reader)
        try:
            yield tx
        except sqlite3.Error as exc:
            raise storage_error(exc) from exc
        finally:
            if tx.begun:
                reader.lingering = True
                uses = reader.uses
                asyncio.get_running_loop().call_later(
                    SNAPSHOT_LINGER_S, self._end_lingering, reader, uses
                )
            self._idle.put_nowait(reader)

    def _end_lingering(self, reader: _Reader, uses: int) -> None:
        """A timer: roll back the snapshot a read left open, unless a later read took the
        connection meanwhile (its first trip ends the snapshot). The ROLLBACK is queued on the
        connection's thread here and now, so it runs before any statement of a read that
        takes the connection after this."""
        if reader.uses != uses or not reader.lingering or self._closed:
            return
        reader.lingering = False
        ending = _in_thread_now(reader.conn, _rollback, reader.conn)
        self._ending.add(ending)

        def done(finished: asyncio.Future[object]) -> None:
            self._ending.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.warning("ending a read snapshot failed: %s", finished.exception())

        ending.add_done_callback(done)

    async def schema_version(self) -> int:
        async with self.read() as tx:
            rows = await tx.fetchall("PRAGMA user_version")
        return int(rows[0][0])

    async def integrity_check(self) -> list[str]:
        """SQLite's full consistency check: `["ok"]` when the file is sound."""
        async with self.read() as tx:
            rows = await tx.fetchall("PRAGMA integrity_check")
        return [str(row[0]) for row in rows]
