"""The SQLite writer connection: quick statements on the event loop's thread, the rest in a
thread of its own.

Why not aiosqlite for the writer: it runs every statement in its thread, and one round trip
there (queue, thread wake-up, call_soon_threadsafe, loop wake-up) costs about 0.2 ms on a
busy two-core host, while one of `/done`'s indexed statements takes 0.01-0.05 ms. A `/done`
of six statements spent most of its time travelling. So a statement runs in the calling
thread once it has been seen to be quick (under `QUICK_S` in the thread), and in the
connection's own thread otherwise. Whatever may wait goes to the thread: COMMIT (the fsync),
executemany (bulk loads), the first run of any statement text (a migration's DDL, a big
prune), and BEGIN IMMEDIATE when another process holds the write lock (tried inline with no
busy wait first, then in the thread with busy_timeout). A statement that ran inline and took
longer than `QUICK_S` `STRIKES` times in a row goes back to the thread until a run there is
quick again; one slow run is no verdict on a shared host, where any thread may be descheduled.

The connection is never used by two threads at once: a call in the thread is always awaited
to its end, even by a cancelled caller, and an inline call first waits for any call still in
the thread. Callers (db.Database) use it only under their write lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# Under this, a statement is cheaper inline than a thread round trip is (~0.2 ms), and short
# enough not to hold up the event loop (Discord heartbeats, other commands' reads).
QUICK_S = 0.001
STRIKES = 3
# Statement texts remembered as quick or slow; forgotten all at once past this many (texts
# built with a variable number of placeholders must not grow the table forever).
REMEMBERED = 2048


class QuickStatements:
    """Which statement texts run inline: those seen to take under QUICK_S, until one turns
    slow STRIKES times in a row inline; then on the thread until a run there is quick again.
    Shared by the writer and the readers (db.py)."""

    __slots__ = ("_strikes",)

    def __init__(self) -> None:
        self._strikes: dict[str, int] = {}  # text -> slow inline runs in a row

    def strikes(self, sql: str) -> int | None:
        """The text's strikes when it should run inline, else None."""
        strikes = self._strikes.get(sql, STRIKES)
        return strikes if strikes < STRIKES else None

    def ran_inline(self, sql: str, strikes: int, seconds: float) -> None:
        slow = seconds > QUICK_S
        if slow or strikes:
            self._strikes[sql] = strikes + 1 if slow else 0

    def ran_in_thread(self, sql: str, seconds: float) -> None:
        if seconds < QUICK_S:
            if len(self._strikes) >= REMEMBERED:
                self._strikes.clear()
            self._strikes[sql] = 0


class WriterConnection:
    """One sqlite3 connection (check_same_thread off) and the one thread that may wait on it."""

    def __init__(self, conn: sqlite3.Connection, executor: ThreadPoolExecutor) -> None:
        self.conn = conn
        self._executor = executor
        self._running: asyncio.Future[Any] | None = None
        self._quick = QuickStatements()

    @classmethod
    async def open(cls, connect: Callable[[], sqlite3.Connection]) -> WriterConnection:
        """Connect in the connection's own thread (opening may wait on the file)."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        try:
            conn = await asyncio.get_running_loop().run_in_executor(executor, connect)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(conn, executor)

    def start(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        """Run `fn` in the connection's thread. The caller must `settle` the future before the
        connection is used again (in_thread does both)."""
        future = asyncio.get_running_loop().run_in_executor(self._executor, fn)
        self._running = future
        return future

    async def settle(self, future: asyncio.Future[Any]) -> bool:
        """Wait for a call started in the thread to end, whatever happens to the caller
        meanwhile; True when the caller was cancelled (it should raise CancelledError once it
        has looked at the outcome)."""
        interrupted = False
        while not future.done():
            try:
                await asyncio.wait((future,))
            except asyncio.CancelledError:
                interrupted = True
        if self._running is future:
            self._running = None
        return interrupted

    async def in_thread(self, fn: Callable[[], T]) -> T:
        """`fn()` in the connection's thread; a cancelled caller still waits for it to end."""
        await self.idle()
        future = self.start(fn)
        if await self.settle(future):
            if not future.cancelled():
                future.exception()  # looked at: nobody else will
            raise asyncio.CancelledError
        return future.result()

    async def idle(self) -> None:
        """Wait for any call still in the thread (a caller that stopped waiting for it, or a
        statement of a unit's task still running): before the connection is used inline."""
        while self._running is not None:
            await self.settle(self._running)

    async def run(self, sql: str, fn: Callable[[], T]) -> T:
        """`fn()` (which runs `sql`) inline if `sql` has been seen to be quick, else in the
        thread, noting how long it took there."""
        if self._running is not None:
            await self.idle()
        strikes = self._quick.strikes(sql)
        if strikes is not None:
            start = time.perf_counter()
            try:
                return fn()
            finally:
                self._quick.ran_inline(sql, strikes, time.perf_counter() - start)

        def timed() -> tuple[T, float]:
            start = time.perf_counter()
            result = fn()
            return result, time.perf_counter() - start

        result, took = await self.in_thread(timed)
        self._quick.ran_in_thread(sql, took)
        return result

    async def begin(self, sql: str, busy_timeout_ms: int) -> None:
        """`sql` (BEGIN IMMEDIATE) inline when the write lock is free, which it nearly always
        is; in the thread, waiting up to `busy_timeout_ms`, when another process holds it."""
        if self._running is not None:
            await self.idle()
        conn = self.conn
        conn.execute("PRAGMA busy_timeout = 0").fetchall()  # fetched: it answers with a row
        try:
            conn.execute(sql)
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorname != "SQLITE_BUSY":
                raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}").fetchall()
        await self.in_thread(lambda: conn.execute(sql))

    def inline(self, sql: str) -> None:
        """A bookkeeping statement that never waits (SAVEPOINT, RELEASE, ROLLBACK TO)."""
        self.conn.execute(sql)

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def rollback(self) -> None:
        """Roll back whatever transaction is open; a no-op outside one. Never waits: WAL
        rollback drops pages, it writes nothing."""
        self.conn.rollback()

    async def close(self) -> None:
        try:
            await self.in_thread(self.conn.close)
        finally:
            self._executor.shutdown(wait=False)
