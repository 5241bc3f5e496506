"""Fixtures for store tests: a real SQLite file in a fresh temp directory per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.core.models import Enrolment
from bot.store import Store

from .values import NOW, START, Enrol


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """In a directory that does not exist yet: the store must create it."""
    return tmp_path / "data" / "pathway-bot.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(db_path) as opened:
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
