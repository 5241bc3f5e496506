"""A PostgreSQL database through an asyncpg pool: transactions, errors, and what differs.

Writers run in parallel here, unlike SQLite's single writer, so a repository that reads and
then writes takes a row lock first (`FOR UPDATE` on the enrolment or learner it changes,
written into its Sql pair): per row, writers queue exactly as they did behind SQLite's lock,
and unrelated writes no longer wait for each other. Write transactions use READ COMMITTED,
so each statement after the lock sees what the previous holder committed. Reads run in a
REPEATABLE READ READ ONLY transaction: one snapshot across their SELECTs, as on SQLite.

Instants, dates and wall times keep SQLite's encodings (BIGINT microseconds, ISO text), so
the codec, the row converters and a copied database read back exactly the same values.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.core.errors import ConfigError, ErrorCode, StorageError
from bot.store.backend import Dialect, Params, Row, Statement, numbered, text
from bot.store.postgres.integrity import check
from bot.store.postgres.version import current_version

log = logging.getLogger(__name__)

POOL_MIN = 1
POOL_MAX = 10
# Writers that wait on a row lock longer than this give up with "busy", like SQLite's
# busy_timeout: a stuck transaction must not freeze every interaction behind it.
LOCK_TIMEOUT_MS = 5000

_COMMAND_COUNT = re.compile(r"(\d+)$")
_BUSY = (
    asyncpg.exceptions.LockNotAvailableError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.TooManyConnectionsError,
)
_LOST = (OSError, asyncpg.exceptions.InterfaceError, asyncpg.exceptions.ConnectionDoesNotExistError)


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host += f":{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=user + host))


def storage_error(exc: BaseException) -> StorageError:
    """A PostgreSQL or connection failure as the same coded error SQLite's would be."""
    log.warning("postgresql error %s: %s", type(exc).__name__, exc)
    if isinstance(exc, asyncpg.exceptions.IntegrityConstraintViolationError):
        return StorageError(code=ErrorCode.STORAGE_CONFLICT)
    if isinstance(exc, _BUSY):
        return StorageError(code=ErrorCode.STORAGE_BUSY)
    return StorageError(code=ErrorCode.STORAGE_FAILED)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """How the pool resets a connection it gets back: not at all. asyncpg's default sends a
    reset query (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL) on every release, one more
    round trip per transaction, for session state this store never leaves: its settings
    come with the connection, its advisory locks are transaction-scoped, it neither
    LISTENs nor keeps cursors, and asyncpg still rolls back a transaction left open."""


def _is_storage_failure(exc: BaseException) -> bool:
    return isinstance(exc, (asyncpg.exceptions.PostgresError, *_LOST))


class PgTx:
    """A pooled connection inside one transaction (implements backend.Tx)."""

    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    @property
    def dialect(self) -> Dialect:
        return Dialect.POSTGRES

    @staticmethod
    def _sql(sql: Statement) -> str:
        return numbered(text(sql, Dialect.POSTGRES))

    async def fetchall(self, sql: Statement, params: Params = ()) -> list[Row]:
        return list(await self._conn.fetch(self._sql(sql), *params))

    async def fetchone(self, sql: Statement, params: Params = ()) -> Row | None:
        row: Row | None = await self._conn.fetchrow(self._sql(sql), *params)
        return row

    async def fetchrow(self, sql: Statement, params: Params = ()) -> Row:
        row = await self.fetchone(sql, params)
        if row is None:
            raise RuntimeError(f"expected a row from: {self._sql(sql)}")
        return row

    async def execute(self, sql: Statement, params: Params = ()) -> int:
        status: str = await self._conn.execute(self._sql(sql), *params)
        match = _COMMAND_COUNT.search(status)
        return int(match[1]) if match else 0

    async def executemany(self, sql: Statement, rows: Iterable[Params]) -> None:
        await self._conn.executemany(self._sql(sql), [tuple(row) for row in rows])

    async def advance_ids(self, table: str) -> None:
        sql = (
            "SELECT setval(pg_get_serial_sequence($1, 'id'),"  # noqa: S608 - our table names
            f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )
        await self._conn.execute(sql, table)

    async def script(self, sql: str) -> None:
        """Several statements without parameters (a migration file), in this transaction."""
        await self._conn.execute(sql)

    @property
    def connection(self) -> asyncpg.Connection:
        """The raw connection, for COPY (migrate-db) and nothing else."""
        return self._conn


class _OneStatement(PgTx):
    """A pooled connection outside any transaction, good for one statement: a second one
    would see a different snapshot, so it raises instead (use `read()` for several)."""

    __slots__ = ("_used",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__(conn)
        self._used = False

    def _once(self) -> None:
        if self._used:
            raise RuntimeError("read_one() runs one statement; use read() for several")
        self._used = True

    async def fetchall(self, sql: Statement, params: Params = ()) -> list[Row]:
        self._once()
        return await super().fetchall(sql, params)

    async def fetchone(self, sql: Statement, params: Params = ()) -> Row | None:
        self._once()
        return await super().fetchone(sql, params)

    async def execute(self, sql: Statement, params: Params = ()) -> int:
        self._once()
        return await super().execute(sql, params)

    async def executemany(self, sql: Statement, rows: Iterable[Params]) -> None:
        raise RuntimeError("read_one() is for one SELECT")


class PgDatabase:
    """A pool of connections to one PostgreSQL database (implements backend.Backend)."""

    dialect = Dialect.POSTGRES

    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        self.url = url
        self._pool = pool
        self._closed = False

    @classmethod
    async def open(cls, url: str, max_size: int = POOL_MAX) -> PgDatabase:
        """Connect (without touching the schema); a failure is a ConfigError naming the URL."""
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=min(POOL_MIN, max_size),
                max_size=max_size,
                server_settings={"lock_timeout": str(LOCK_TIMEOUT_MS), "timezone": "UTC"},
                reset=_keep_session,
            )
        except (*_LOST, asyncpg.exceptions.PostgresError, ValueError) as exc:
            raise ConfigError(f"cannot open database {safe_url(url)}: {exc}") from exc
        return cls(url, pool)

    @property
    def label(self) -> str:
        return safe_url(self.url)

    async def close(self) -> None:
        """Idempotent, like the SQLite database's."""
        if self._closed:
            return
        self._closed = True
        await self._pool.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[PgTx]:
        """One READ COMMITTED transaction on a pooled connection, committed on exit.

        Any exception rolls it back (shielded, so a cancelled caller still frees the
        connection cleanly); PostgreSQL and connection failures leave as StorageError.
        """
        async with self._transaction(isolation="read_committed", readonly=False) as tx:
            yield tx

    @asynccontextmanager
    async def read(self) -> AsyncIterator[PgTx]:
        async with self._transaction(isolation="repeatable_read", readonly=True) as tx:
            yield tx

    @asynccontextmanager
    async def read_one(self) -> AsyncIterator[PgTx]:
        """One statement in autocommit: its own snapshot, in one round trip, where `read()`
        spends three (BEGIN, the statement, COMMIT)."""
        conn = await self._acquire()
        try:
            yield _OneStatement(conn)
        except BaseException as exc:
            if _is_storage_failure(exc):
                raise storage_error(exc) from exc
            raise
        finally:
            await asyncio.shield(self._pool.release(conn))

    async def _acquire(self) -> asyncpg.Connection:
        try:
            return await self._pool.acquire()
        except BaseException as exc:
            if _is_storage_failure(exc):
                raise storage_error(exc) from exc
            raise

    @asynccontextmanager
    async def _transaction(self, isolation: str, readonly: bool) -> AsyncIterator[PgTx]:
        conn = await self._acquire()
        try:
            transaction = conn.transaction(isolation=isolation, readonly=readonly)
            started = False
            try:
                await transaction.start()
                started = True
                yield PgTx(conn)
                await transaction.commit()
            except BaseException as exc:
                if started and not conn.is_closed():
                    try:
                        await asyncio.shield(transaction.rollback())
                    except Exception:
                        log.debug("rollback failed; dropping the connection", exc_info=True)
                        conn.terminate()
                if _is_storage_failure(exc):
                    raise storage_error(exc) from exc
                raise
        finally:
            await asyncio.shield(self._pool.release(conn))

    async def schema_version(self) -> int:
        async with self.read() as tx:
            return await current_version(tx)

    async def integrity_check(self) -> list[str]:
        async with self.read() as tx:
            return await check(tx)
