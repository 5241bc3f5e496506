"""Shared fixtures: the repository root, the bundled pathways and the seed pathway."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.pathway import Pathway
from bot.pathway_files import load_directory

ROOT = Path(__file__).resolve().parent.parent
PATHWAYS = ROOT / "pathways"
SEED_ID = "backend-to-ml-engineer"


@pytest.fixture(autouse=True)
def _no_orphan_bots() -> Iterator[None]:
    yield
    from tests.harness import RUNNING

    while RUNNING:
        RUNNING.pop().kill_now()


@pytest.fixture(scope="session", autouse=True)
def _postgres_template() -> Iterator[None]:
    """PostgreSQL tests clone a migrated template database; drop it after the run."""
    from tests.store.backends import dropping_template

    with dropping_template():
        yield


@pytest.fixture(scope="session")
def seed() -> Pathway:
    result = load_directory(PATHWAYS)
    assert result.problems == []
    return result.pathways[SEED_ID].pathway
