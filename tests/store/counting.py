"""A Backend wrapper that counts transactions and statements, for budgets in tests.

`Store(CountingBackend(db))` behaves as the store over `db`, and records every read and
write transaction with the statements run inside it. A test resets the log, runs one use
case, and asserts on `writes`, `reads` and `statements`. It can also raise after the n-th
statement (`fail_after`), to inject a crash at every point of a use case in turn.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

from bot.store.backend import Backend, Dialect, Params, Row, Statement, Tx, text


class InjectedCrash(Exception):
    """Raised by a CountingBackend at the statement it was told to fail after."""


@dataclass
class TxLog:
    kind: str  # "read" or "write"
    statements: list[str] = field(default_factory=list)


class CountingTx:
    def __init__(self, inner: Tx, owner: CountingBackend, log: TxLog) -> None:
        self._inner = inner
        self._owner = owner
        self._log = log

    @property
    def dialect(self) -> Dialect:
        return self._inner.dialect

    def _note(self, sql: Statement) -> None:
        self._log.statements.append(" ".join(text(sql, self._inner.dialect).split()))

    def _after(self) -> None:
        self._owner.count += 1
        if self._owner.fail_after is not None and self._owner.count >= self._owner.fail_after:
            self._owner.fail_after = None
            raise InjectedCrash(f"after statement {self._owner.count}")

    async def fetchall(self, sql: Statement, params: Params = ()) -> list[Row]:
        self._note(sql)
        rows = await self._inner.fetchall(sql, params)
        self._after()
        return rows

    async def fetchone(self, sql: Statement, params: Params = ()) -> Row | None:
        self._note(sql)
        row = await self._inner.fetchone(sql, params)
        self._after()
        return row

    async def fetchrow(self, sql: Statement, params: Params = ()) -> Row:
        self._note(sql)
        row = await self._inner.fetchrow(sql, params)
        self._after()
        return row

    async def execute(self, sql: Statement, params: Params = ()) -> int:
        self._note(sql)
        changed = await self._inner.execute(sql, params)
        self._after()
        return changed

    async def executemany(self, sql: Statement, rows: Iterable[Params]) -> None:
        self._note(sql)
        await self._inner.executemany(sql, rows)
        self._after()

    async def advance_ids(self, table: str) -> None:
        await self._inner.advance_ids(table)


class CountingBackend:
    """Implements backend.Backend over another one, logging what goes through it."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.log: list[TxLog] = []
        self.count = 0  # statements since the last reset
        self.fail_after: int | None = None

    def __getattr__(self, name: str) -> object:  # path, url, ... of the wrapped database
        return getattr(self.inner, name)

    def reset(self) -> None:
        self.log.clear()
        self.count = 0
        self.fail_after = None

    @property
    def dialect(self) -> Dialect:
        return self.inner.dialect

    @property
    def label(self) -> str:
        return self.inner.label

    @property
    def writes(self) -> list[TxLog]:
        return [t for t in self.log if t.kind == "write"]

    @property
    def reads(self) -> list[TxLog]:
        return [t for t in self.log if t.kind == "read"]

    @property
    def statements(self) -> int:
        return sum(len(t.statements) for t in self.log)

    @asynccontextmanager
    async def _logged(
        self, kind: str, opener: Callable[[], AbstractAsyncContextManager[Tx]]
    ) -> AsyncIterator[Tx]:
        entry = TxLog(kind)
        self.log.append(entry)
        async with opener() as tx:
            yield CountingTx(tx, self, entry)

    def write(self) -> AbstractAsyncContextManager[Tx]:
        return self._logged("write", self.inner.write)

    def read(self) -> AbstractAsyncContextManager[Tx]:
        return self._logged("read", self.inner.read)

    def read_one(self) -> AbstractAsyncContextManager[Tx]:
        return self._logged("read", self.inner.read_one)

    async def close(self) -> None:
        await self.inner.close()

    async def schema_version(self) -> int:
        return await self.inner.schema_version()

    async def integrity_check(self) -> list[str]:
        return await self.inner.integrity_check()
