"""Service fixtures: a real SQLite store in a temp directory, the bundled pathways and a
fixed clock. No Discord: the services import none."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.pathway_files import PathwayRegistry
from bot.service.context import Context
from bot.store import Store
from tests.harness import PATHWAYS


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 12, 7, 10, tzinfo=UTC))  # a Monday


@pytest.fixture
async def ctx(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Context]:
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        yield Context(store, PathwayRegistry(PATHWAYS), clock)
