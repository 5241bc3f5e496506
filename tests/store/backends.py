"""The engines the store's contract suite runs on, and throwaway PostgreSQL databases.

SQLite always runs. PostgreSQL runs when DATABASE_URL_TEST names a server we may create
databases on (`.ci/run` starts one and sets it); otherwise those tests skip, saying why.
Each PostgreSQL test gets a database of its own, cloned from a template that already has
the schema (CREATE DATABASE ... TEMPLATE), so tests stay independent and start fast.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.store import Store

PG_URL = os.environ.get("DATABASE_URL_TEST") or None
NO_PG = "DATABASE_URL_TEST is not set: the PostgreSQL half needs a server (.ci/run starts one)"
needs_postgres = pytest.mark.skipif(PG_URL is None, reason=NO_PG)

SQLITE = "sqlite"
POSTGRES = "postgres"
BACKENDS = [
    pytest.param(SQLITE, id=SQLITE),
    pytest.param(POSTGRES, id=POSTGRES, marks=needs_postgres),
]
_PREFIX = f"pathway_test_{os.getpid()}_"


def url_for(database: str) -> str:
    assert PG_URL is not None
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path="/" + database))


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_database(template: str | None = None) -> str:
    """A new, empty (or templated) database; its name. Names are ours: safe to interpolate."""
    name = _PREFIX + uuid.uuid4().hex[:12]
    clause = f" TEMPLATE {template}" if template else ""
    await _admin(f"CREATE DATABASE {name}{clause}")
    return name


async def drop_database(name: str) -> None:
    await _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


_template: str | None = None


async def schema_template() -> str:
    """A database at the latest schema, made once per test run, to clone for each test."""
    global _template
    if _template is None:
        name = await create_database()
        async with await Store.open_postgres(url_for(name)):
            pass
        _template = name
    return _template


@contextmanager
def dropping_template() -> Iterator[None]:
    """Around the whole run: drop the template at the end."""
    try:
        yield
    finally:
        if _template is not None:
            asyncio.run(drop_database(_template))


@dataclass(frozen=True)
class Target:
    """Where a test's database lives: a SQLite path or a PostgreSQL URL."""

    backend: str
    path: Path
    url: str | None = None

    async def open(self) -> Store:
        """A Store on this database; open it twice for "another process"."""
        if self.url is not None:
            return await Store.open_postgres(self.url)
        return await Store.open(self.path)


@asynccontextmanager
async def fresh_target(backend: str, path: Path, schema: bool = True) -> AsyncIterator[Target]:
    """A database no other test sees: at the latest schema, or blank with `schema=False`."""
    if backend == SQLITE:
        yield Target(SQLITE, path)
        return
    if PG_URL is None:
        pytest.skip(NO_PG)
    name = await create_database(await schema_template() if schema else None)
    try:
        yield Target(POSTGRES, path, url_for(name))
    finally:
        await drop_database(name)
