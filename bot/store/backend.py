"""What the repositories need from a database, whichever engine it is.

The repositories hold the rules (idempotence, status checks, what is read in the same
transaction); the engines differ in SQL dialect and in how they keep writers apart. So a
repository speaks to a `Backend` and a `Tx` only, and writes its statements once:

- plain text with `?` (or `?N`) placeholders when the statement means the same on both
  engines (most of them: ON CONFLICT, RETURNING and row values are common ground);
- an `Sql(sqlite=..., postgres=...)` pair where the dialects differ (json_group_array,
  two-argument MAX, a row lock), each side written natively beside the other.

A PostgreSQL Tx rewrites the placeholders to `$N` (see `numbered`); types come from the
columns, and where PostgreSQL cannot infer one (`? IS NULL`, `COALESCE(?, 0)`) the shared
text says it with CAST, which SQLite reads the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

SqlValue = int | float | str | bytes | None
Params = Sequence[SqlValue]


class Dialect(enum.StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"


class Row(Protocol):
    """A result row: by column name or position, and unpackable (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Sql:
    """One statement in both dialects. `+` appends the same text to both (WHERE clauses)."""

    sqlite: str
    postgres: str

    def __add__(self, tail: str) -> Sql:
        return Sql(self.sqlite + tail, self.postgres + tail)

    def __radd__(self, head: str) -> Sql:
        return Sql(head + self.sqlite, head + self.postgres)

    def format(self, **parts: str | Sql) -> Sql:
        """str.format on both sides; an Sql part contributes its own side."""
        return Sql(
            self.sqlite.format(**{k: text(v, Dialect.SQLITE) for k, v in parts.items()}),
            self.postgres.format(**{k: text(v, Dialect.POSTGRES) for k, v in parts.items()}),
        )


Statement = str | Sql


def text(statement: Statement, dialect: Dialect) -> str:
    if isinstance(statement, Sql):
        return statement.sqlite if dialect is Dialect.SQLITE else statement.postgres
    return statement


@lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """`?` and `?N` placeholders as PostgreSQL's `$N`, leaving quoted text and comments alone.

    Plain `?`s count up from 1 in order; `?N` keeps its number. Mixing both in one statement
    is refused, as SQLite would number them in surprising ways.
    """
    out: list[str] = []
    count = 0
    explicit = False
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == char:
                    if end + 1 < n and sql[end + 1] == char:  # a doubled quote inside
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif char == "?":
            j = i + 1
            while j < n and sql[j].isdigit():
                j += 1
            if j > i + 1:
                explicit = True
                out.append("$" + sql[i + 1 : j])
            else:
                count += 1
                out.append(f"${count}")
            if explicit and count:
                raise ValueError(f"mixed ? and ?N placeholders in: {sql}")
            i = j
        else:
            out.append(char)
            i += 1
    return "".join(out)


class Tx(Protocol):
    """A connection inside one transaction. SELECTs (and RETURNING) are fetched whole."""

    @property
    def dialect(self) -> Dialect: ...

    async def fetchall(self, sql: Statement, params: Params = ()) -> list[Row]: ...

    async def fetchone(self, sql: Statement, params: Params = ()) -> Row | None: ...

    async def fetchrow(self, sql: Statement, params: Params = ()) -> Row:
        """The one row a statement must return (an upsert's RETURNING, an aggregate)."""
        ...

    async def execute(self, sql: Statement, params: Params = ()) -> int:
        """Run a statement that returns no rows; return how many rows it changed."""
        ...

    async def executemany(self, sql: Statement, rows: Iterable[Params]) -> None: ...

    async def advance_ids(self, table: str) -> None:
        """After inserting explicit ids into `table`, make the next generated id follow them.

        SQLite does this by itself (rowid is max + 1); a PostgreSQL identity column does not.
        """
        ...


class Backend(Protocol):
    """An open database: transactions, its schema version, and a consistency check."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def label(self) -> str:
        """How messages name this database (a path, or a URL without its password)."""
        ...

    def write(self) -> AbstractAsyncContextManager[Tx]:
        """One write transaction, committed on exit and rolled back on any exception.

        Never await anything but this database inside it (no network calls): the
        transaction holds locks other writers wait for meanwhile.
        """
        ...

    def read(self) -> AbstractAsyncContextManager[Tx]:
        """A consistent snapshot across several SELECTs; it never sees uncommitted writes."""
        ...

    def read_one(self) -> AbstractAsyncContextManager[Tx]:
        """A read of exactly ONE statement, which is its own snapshot: no transaction needs to
        hold it. On PostgreSQL that is one round trip instead of three (BEGIN, the statement,
        COMMIT), on the path of nearly every command. A second statement in the block raises
        RuntimeError: two statements need `read()` to see one snapshot."""
        ...

    async def close(self) -> None: ...

    async def schema_version(self) -> int: ...

    async def integrity_check(self) -> list[str]:
        """`["ok"]` when the database is sound, else one line per problem found."""
        ...
