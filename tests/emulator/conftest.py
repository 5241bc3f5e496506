"""Fixtures: a started emulator, a small world (guild, members, channel) and the probe bot."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

# The emulator is imported as ``bot.emulator``; make that work however pytest is started.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from bot.emulator import Emulator  # noqa: E402
from tests.emulator.probe_bot import ProbeBot, running  # noqa: E402
from tests.emulator.world import World, build_world  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "emulator_dirty: the test provokes schema violations, failed interactions or unknown "
        "routes on purpose, so the emulator fixture must not fail on them",
    )


@pytest.fixture
async def emu(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """A started emulator; at teardown it fails the test on unexpected bot misbehaviour."""
    emulator = Emulator(timeout=5.0)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()
    if request.node.get_closest_marker("emulator_dirty") is None:
        emulator.assert_clean()


@pytest.fixture
def world(emu: Emulator) -> World:
    return build_world(emu)


@pytest.fixture
async def bot(emu: Emulator, world: World) -> AsyncIterator[ProbeBot]:
    client = ProbeBot()
    async with running(client, emu):
        yield client
