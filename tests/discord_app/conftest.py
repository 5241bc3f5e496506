"""End-to-end fixtures: the emulator on loopback and the real bot as a subprocess."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.emulator.driver import Emulator
from bot.emulator.models import Guild, User
from bot.emulator.permissions import Permission
from tests.harness import BotProcess


@dataclass
class World:
    emu: Emulator
    bot: BotProcess
    guild: Guild
    owner: User
    admin: User
    alice: User
    bob: User


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(timeout=15) as e:
        yield e


@pytest.fixture
async def world(emu: Emulator, tmp_path: Path) -> AsyncIterator[World]:
    owner = emu.add_user("owner")
    guild = emu.add_guild("Learners", owner)
    admin = emu.add_user("admin")
    emu.add_member(guild, admin, permissions=Permission.MANAGE_GUILD)
    alice = emu.add_user("alice")
    emu.add_member(guild, alice)
    bob = emu.add_user("bob")
    emu.add_member(guild, bob)
    bot = BotProcess(emu, tmp_path)
    await bot.start()
    try:
        yield World(emu, bot, guild, owner, admin, alice, bob)
    finally:
        await bot.stop()
    assert not emu.schema_violations, emu.schema_violations
    assert not emu.failed_interactions, emu.failed_interactions
