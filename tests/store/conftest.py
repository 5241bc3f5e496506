"""Fixtures for store tests: the contract suite runs each test on SQLite and PostgreSQL.

`store` (and everything built on it) is parametrized by engine: a real SQLite file in a
fresh temp directory, and a fresh PostgreSQL database when DATABASE_URL_TEST is set (else
that half skips with the reason). A test about one engine's own machinery (PRAGMAs, file
modes, query plans) says so with `@pytest.mark.sqlite_only("why")`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.core.models import Enrolment
from bot.store import Store

from .backends import BACKENDS, POSTGRES, Target, fresh_target
from .values import NOW, START, Enrol


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """In a directory that does not exist yet: the store must create it."""
    return tmp_path / "data" / "pathway-bot.sqlite3"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("sqlite_only")
    if request.param == POSTGRES and marker is not None:
        pytest.skip(f"SQLite only: {marker.args[0]}")
    return str(request.param)


@pytest.fixture
async def database(backend: str, db_path: Path) -> AsyncIterator[Target]:
    """This test's own database at the latest schema, not opened yet."""
    async with fresh_target(backend, db_path) as target:
        yield target


@pytest.fixture
async def store(database: Target) -> AsyncIterator[Store]:
    async with await database.open() as opened:
        yield opened


@pytest.fixture
def enrol(store: Store) -> Enrol:
    """Enrol a user with sensible defaults; keyword arguments override them."""

    async def _enrol(
        user_id: int,
        guild_id: int | None = 100,
        pathway_id: str = "data-analyst",
        **kwargs: object,
    ) -> Enrolment:
        args: dict[str, object] = {"pathway_hash": "sha256:abc", "start_date": START, "now": NOW}
        args.update(kwargs)
        result = await store.enrolments.enrol(user_id, guild_id, pathway_id, **args)
        return result.enrolment

    return _enrol
