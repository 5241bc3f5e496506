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
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

import aiosqlite

from bot.core.errors import ConfigError, ErrorCode, StorageError
from bot.store.backend import Dialect, Params, Row, Statement, Tx, text
from bot.store.writer import QuickStatements, WriterConnection

log = logging.getLogger(__name__)
T = TypeVar("T")

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


class _Reader:
    """A query-only connection (aiosqlite's, check_same_thread off) and how its statements
    have run: see Database.read.

    `running` is the last call queued on the connection's thread; until it is done the
    connection is not touched from the loop's thread. `quick` says which statements run inline,
    by the writer's rule (store/writer.py QuickStatements)."""

    __slots__ = ("conn", "quick", "raw", "running")

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.raw: sqlite3.Connection = conn._conn  # aiosqlite keeps it; we run quick reads on it
        self.running: asyncio.Future[object] | None = None
        self.quick = QuickStatements()

    def free(self) -> bool:
        """Whether nothing is queued or running on the connection's thread."""
        return self.running is None or self.running.done()

    async def settled(self) -> None:
        """Wait for the call on the thread to end, even if our caller is cancelled meanwhile
        (the connection must not be used from two threads at once)."""
        running = self.running
        if running is not None and not running.done():
            await asyncio.shield(running)

    def in_thread(self, fn: Callable[[], object]) -> asyncio.Future[object]:
        """Queue `fn()` on the connection's thread (after anything queued before it)."""
        future = _in_thread_now(self.conn, fn)
        self.running = future
        return future

    async def run(self, sql: str, fn: Callable[[], T]) -> T:
        """`fn()` (which runs `sql`) inline if `sql` has been seen to be quick, else on the
        connection's thread, timing it there."""
        if not self.free():
            await self.settled()
        strikes = self.quick.strikes(sql)
        if strikes is not None:
            start = time.perf_counter()
            try:
                return fn()
            finally:
                self.quick.ran_inline(sql, strikes, time.perf_counter() - start)

        def timed() -> tuple[T, float]:
            start = time.perf_counter()
            result = fn()
            return result, time.perf_counter() - start

        future = self.in_thread(timed)
        result, took = cast(tuple[T, float], await asyncio.shield(future))
        self.quick.ran_in_thread(sql, took)
        return result

    def end(self) -> None:
        """End the read's transaction: at once when the thread is free, else queued after the
        call still running there (the next read waits for it)."""
        if self.free():
            self.raw.rollback()
        else:
            self.in_thread(self.raw.rollback)


class _ReadTx(SqliteTx):
    """A reader's transaction: BEGIN goes with its first statement, and each statement runs
    where `_Reader.run` says. `begun` says whether a transaction was opened."""

    __slots__ = ("_reader", "begun")

    def __init__(self, reader: _Reader) -> None:
        super().__init__(reader.conn)
        self._reader = reader
        self.begun = False

    def _first(self, fn: Callable[[], T]) -> Callable[[], T]:
        if self.begun:
            return fn
        self.begun = True
        raw = self._reader.raw

        def begin_then() -> T:
            raw.execute("BEGIN")
            return fn()

        return begin_then

    async def fetchall(self, sql: Statement, params: Params = ()) -> list[Row]:
        query = text(sql, Dialect.SQLITE)
        raw = self._reader.raw
        rows: list[Row] = await self._reader.run(
            query, self._first(lambda: raw.execute(query, params).fetchall())
        )
        return rows

    async def execute(self, sql: Statement, params: Params = ()) -> int:
        query = text(sql, Dialect.SQLITE)
        raw = self._reader.raw
        count: int = await self._reader.run(
            query, self._first(lambda: raw.execute(query, params).rowcount)
        )
        return count

    async def executemany(self, sql: Statement, rows: Iterable[Params]) -> None:
        query = text(sql, Dialect.SQLITE)
        raw = self._reader.raw
        fn = self._first(lambda: raw.executemany(query, rows))
        await self._reader.settled()
        await asyncio.shield(self._reader.in_thread(fn))


def _in_thread_now(
    conn: aiosqlite.Connection, fn: Callable[..., object], *args: object
) -> asyncio.Future[object]:
    """Queue `fn(*args)` on the connection's thread at once, in order with everything queued
    on it before and after; the future has its result.

    aiosqlite's own methods do this in a coroutine (Connection._execute), which queues only
    when first stepped; this uses the same worker queue (Connection._tx) directly, so a
    ROLLBACK queued by a read's end runs before anything a later read queues.
    """
    future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    conn._tx.put_nowait((future, partial(fn, *args)))
    return future


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
    # check_same_thread off: a reader's quick statements run on the loop's thread (read()).
    conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
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
                reader = await self._idle.get()
                await reader.settled()
                await reader.conn.close()
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

        A trip to a connection's thread and back costs a full turn of the event loop, and on
        a loop busy with other commands that turn is the cost: two reads that were two trips
        each waited 35-50 ms (p50) beside three tasks working in 2 ms slices. Most reads are
        an indexed SELECT of a few rows that takes 0.01-0.2 ms. So, as the writer does, a
        statement runs inline on the loop's thread once it has been seen to be quick, and on
        the reader's thread otherwise (its first run, a big board, an export); one that
        turns slow inline STRIKES times in a row goes back to the thread. BEGIN goes with
        the first statement, and the transaction ends with the read, so no snapshot outlives
        it and checkpoints are never held back.
        """
        reader = await self._idle.get()
        tx = _ReadTx(reader)
        try:
            yield tx
        except sqlite3.Error as exc:
            raise storage_error(exc) from exc
        finally:
            try:
                if tx.begun:
                    reader.end()
            finally:
                self._idle.put_nowait(reader)

    def read_one(self) -> AbstractAsyncContextManager[SqliteTx]:
        """A read of one statement: here the same as `read()`, whose BEGIN already travels
        with its first statement and whose end costs no round trip."""
        return self.read()

    async def schema_version(self) -> int:
        async with self.read() as tx:
            rows = await tx.fetchall("PRAGMA user_version")
        return int(rows[0][0])

    async def integrity_check(self) -> list[str]:
        """SQLite's full consistency check: `["ok"]` when the file is sound."""
        async with self.read() as tx:
            rows = await tx.fetchall("PRAGMA integrity_check")
        return [str(row[0]) for row in rows]
