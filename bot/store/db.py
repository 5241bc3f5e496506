"""The SQLite file: connections, PRAGMAs, and the single writer with group commit.

Writes go through one connection (store/writer.py) guarded by an asyncio.Lock and run inside
`BEGIN IMMEDIATE` transactions. IMMEDIATE takes the write lock up front, so `busy_timeout`
applies; a plain BEGIN that later writes can fail with SQLITE_BUSY without waiting. The lock
keeps coroutines sharing the connection from interleaving their statements. Reads use
query-only connections: in WAL mode they never block the writer, and they never see
uncommitted writes.

Group commit: a COMMIT costs an fsync (synchronous=FULL), which is most of a small write's
cost. When a write unit ends while other units wait for the writer, it does not commit: it
leaves its writes in the open transaction and waits, and the next unit runs inside a
SAVEPOINT of that same transaction. The last unit of the queue (or the one that reaches
`BATCH_UNITS` or `BATCH_S`) commits them all with one fsync, and only then does any of them
return from `write()`: nobody is acknowledged before the commit that holds its writes is
durable. A unit that raises rolls back to its savepoint only and gets its error at once; if
the COMMIT fails, every unit of the batch gets an error. A lone unit, with nobody waiting,
commits at once, as before, and pays no savepoint. A unit whose caller is cancelled while it
waits for the batch's commit may still be committed (its caller was never told it was).

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
from bot.store.backend import Dialect, Params, Row, Statement, Tx, text
from bot.store.writer import WriterConnection

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
READ_CACHE_KIB = 32 * 1024
# Query-only connections. WAL lets readers run side by side, and sqlite3 lets go of the GIL
# while a statement runs, so a second reader keeps one slow read (a big board) from holding
# up every other command's reads behind it; more would only compete for the same cores.
READERS = 2

# synchronous=FULL: in WAL mode, NORMAL survives an application crash but can lose the last
# commits on a power loss; FULL fsyncs the WAL on every commit and cannot. A completion we
# acknowledged to a learner ("done!") must not silently disappear, so we pay for FULL: one
# fsync per COMMIT (~0.4 ms here), which group commit (below) shares among the units queued.
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


class WriterTx(SqliteTx):
    """The writer connection as seen inside a write transaction (implements backend.Tx):
    SqliteTx's reading helpers over the writer's inline-or-thread routing (writer.py)."""

    __slots__ = ("_w",)

    def __init__(self, writer: WriterConnection) -> None:
        self._w = writer

    async def fetchall(self, sql: Statement, params: Params = ()) -> list[Row]:
        query = text(sql, Dialect.SQLITE)
        conn = self._w.conn
        rows: list[Row] = await self._w.run(query, lambda: conn.execute(query, params).fetchall())
        return rows

    async def execute(self, sql: Statement, params: Params = ()) -> int:
        """Run a statement that returns no rows; return how many rows it changed."""
        query = text(sql, Dialect.SQLITE)
        conn = self._w.conn
        return await self._w.run(query, lambda: conn.execute(query, params).rowcount)

    async def executemany(self, sql: Statement, rows: Iterable[Params]) -> None:
        """Always in the thread: it is there for bulk writes."""
        query = text(sql, Dialect.SQLITE)
        conn = self._w.conn
        await self._w.in_thread(lambda: conn.executemany(query, rows))


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


def _connect_writer(path: Path) -> sqlite3.Connection:
    """The writer's connection, made in its own thread (store/writer.py), usable from the
    event loop's thread too: WriterConnection never lets two threads use it at once."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            conn.execute(pragma).fetchall()
    except BaseException:
        conn.close()
        raise
    return conn


async def _enable_wal(writer: WriterConnection) -> str:
    """Switch the file to WAL mode; return the mode it is in.

    Switching needs the file to itself, and SQLite answers "database is locked" at once
    rather than waiting out busy_timeout: processes starting together on a new file (one
    host, several shards) meet exactly that. So retry for as long as busy_timeout would wait.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    conn = writer.conn
    while True:
        try:
            rows = await writer.in_thread(
                lambda: conn.execute("PRAGMA journal_mode = WAL").fetchall()
            )
            return str(rows[0][0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


# A batch commits when its queue is empty, or once it holds this many units or has been open
# this long: the first unit of a batch waits for all the others, so its wait stays short.
BATCH_UNITS = 64
BATCH_S = 0.005
_SAVEPOINT = "group_unit"


class _Batch:
    """Units sharing one open transaction, waiting for its COMMIT."""

    __slots__ = ("done", "error", "flusher", "members", "opened")

    def __init__(self) -> None:
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.error: BaseException | None = None
        self.flusher: asyncio.Task[None] | None = None
        self.members = 0  # units whose writes it holds (finished, waiting for the commit)
        self.opened = time.monotonic()

    def finish(self, error: BaseException | None) -> None:
        self.error = error
        if not self.done.done():
            self.done.set_result(None)


def _batch_error(exc: BaseException) -> StorageError:
    if isinstance(exc, sqlite3.Error):
        return storage_error(exc)
    log.warning("group commit failed: %r", exc)
    return StorageError(code=ErrorCode.STORAGE_FAILED)


class Database:
    """One SQLite file: a writer connection behind a lock and a few query-only readers.

    Implements backend.Backend. `commits` counts the COMMITs that succeeded and
    `committed_units` the write units they held (for tests and benchmarks: with group commit
    under load, fewer commits than units).
    """

    dialect = Dialect.SQLITE

    def __init__(
        self, path: Path, writer: WriterConnection, readers: list[aiosqlite.Connection]
    ) -> None:
        self.path = path
        self._writer = writer
        self._readers = list(readers)
        self._idle: asyncio.Queue[_Reader] = asyncio.Queue()
        for reader in readers:
            self._idle.put_nowait(_Reader(reader))
        self._write_lock = asyncio.Lock()
        self._waiting = 0  # write units queued for the lock
        self._batch: _Batch | None = None  # the open transaction, between units
        self._ending: set[asyncio.Future[object]] = set()  # lingering snapshots being ended
        self._closed = False
        self.commits = 0
        self.committed_units = 0

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (creating file and directory if needed) without touching the schema."""
        try:
            _create_private_file(path)
            writer = await WriterConnection.open(lambda: _connect_writer(path))
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
            if self._batch is not None:  # its units still wait (their flusher was cancelled)
                await self._commit(self._batch)
            for _ in self._readers:  # each reader once it is back from its last read
                await (await self._idle.get()).conn.close()
            await self._writer.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        """`async with db.write() as tx:` one unit of writes, durable when the block exits.

        The unit may share its transaction (and fsync) with other units queued behind it; see
        the module's docstring. Any exception rolls back this unit's writes only; SQLite
        exceptions leave as StorageError. The exit waits for the COMMIT that holds the unit:
        code after the block runs only once its writes are durable. A cancelled caller
        leaves the connection consistent for the next writer.
        """
        self._waiting += 1
        try:
            await self._write_lock.acquire()
        finally:
            self._waiting -= 1
        holding = True
        try:
            batch = self._batch if self._batch is not None else await self._begin()
            savepoint = _SAVEPOINT if batch.members else None
            try:
                if savepoint is not None:
                    self._writer.inline(f"SAVEPOINT {savepoint}")
                yield WriterTx(self._writer)
                await self._writer.idle()
                if savepoint is not None:
                    self._writer.inline(f"RELEASE {savepoint}")
                if not self._writer.in_transaction:  # SQLite gave up the transaction
                    raise sqlite3.OperationalError("the transaction was rolled back")
            except BaseException as exc:
                await self._writer.idle()
                self._undo(batch, savepoint)
                if isinstance(exc, sqlite3.Error):
                    raise storage_error(exc) from exc
                raise
            batch.members += 1
            if self._waiting and batch.members < BATCH_UNITS and not self._batch_full(batch):
                if batch.flusher is None:
                    batch.flusher = asyncio.create_task(self._flush(batch))
                holding = False
                self._write_lock.release()
                await asyncio.shield(batch.done)
            else:
                await self._commit(batch)
            if batch.error is not None:
                raise _batch_error(batch.error) from batch.error
        finally:
            if holding:
                self._write_lock.release()

    @staticmethod
    def _batch_full(batch: _Batch) -> bool:
        return time.monotonic() - batch.opened >= BATCH_S

    async def _begin(self) -> _Batch:
        """BEGIN IMMEDIATE: inline, or in the writer's thread to wait out busy_timeout."""
        try:
            await self._writer.begin("BEGIN IMMEDIATE", BUSY_TIMEOUT_MS)
        except BaseException as exc:
            self._writer.rollback()  # a no-op unless BEGIN succeeded before a cancellation
            if isinstance(exc, sqlite3.Error):
                raise storage_error(exc) from exc
            raise
        batch = self._batch = _Batch()
        return batch

    def _undo(self, batch: _Batch, savepoint: str | None) -> None:
        """Take back the writes of the unit that just failed, and only them."""
        if savepoint is not None:
            try:
                self._writer.inline(f"ROLLBACK TO {savepoint}")
                self._writer.inline(f"RELEASE {savepoint}")
                if self._writer.in_transaction:
                    return  # the batch goes on; its flusher commits it
                error: BaseException = sqlite3.OperationalError("the transaction was rolled back")
            except sqlite3.Error as exc:
                error = exc
            # SQLite rolled the whole transaction back (an I/O error, a full disk): the units
            # already in it are lost with it, and each of them gets an error.
            log.warning("group commit: transaction lost with %d units: %s", batch.members, error)
        else:
            error = sqlite3.OperationalError("rolled back")  # the batch holds nobody else
        self._batch = None
        try:
            self._writer.rollback()
        except sqlite3.Error as exc:  # pragma: no cover - nothing left to roll back
            log.warning("rollback failed: %s", exc)
        batch.finish(error)

    async def _commit(self, batch: _Batch) -> None:
        """COMMIT the batch (the lock held), then release every unit waiting on it, with an
        error for each if the COMMIT failed. A cancelled caller still lets the COMMIT end."""
        self._batch = None
        await self._writer.idle()
        conn = self._writer.conn
        future = self._writer.start(lambda: conn.execute("COMMIT"))
        interrupted = await self._writer.settle(future)
        error = future.exception() if not future.cancelled() else asyncio.CancelledError()
        if error is None:
            self.commits += 1
            self.committed_units += batch.members
        else:
            try:
                self._writer.rollback()  # a failed COMMIT leaves its transaction open
            except sqlite3.Error as exc:
                log.warning("rollback after a failed commit failed: %s", exc)
        batch.finish(error)
        if interrupted:
            raise asyncio.CancelledError

    async def _flush(self, batch: _Batch) -> None:
        """Commit `batch` once the units queued behind its first one have run, unless one of
        them already did."""
        async with self._write_lock:
            if self._batch is batch:
                await self._commit(batch)

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
