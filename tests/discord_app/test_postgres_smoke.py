"""The real bot with DATABASE_URL set runs on PostgreSQL: an /enroll lands there."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from bot.emulator.driver import Emulator
from tests.harness import SEED, BotProcess
from tests.store.backends import (
    PG_URL,
    create_database,
    drop_database,
    needs_postgres,
    schema_template,
    url_for,
)

pytestmark = needs_postgres


async def test_enrol_and_done_are_stored_in_postgres(emu: Emulator, tmp_path: Path) -> None:
    assert PG_URL is not None
    name = await create_database(await schema_template())
    owner = emu.add_user("owner")
    guild = emu.add_guild("Learners", owner)
    alice = emu.add_user("alice")
    emu.add_member(guild, alice)
    bot = BotProcess(emu, tmp_path, DATABASE_URL=url_for(name))
    try:
        await bot.start()
        reply = await emu.run_command(alice, "enroll", guild=guild, options={"pathway": SEED})
        assert "enrolled" in reply.content
        conn = await asyncpg.connect(url_for(name))
        try:
            row = await conn.fetchrow("SELECT user_id, guild_id, pathway_id FROM enrolments")
            assert row is not None and tuple(row) == (alice.id, guild.id, SEED)
        finally:
            await conn.close()
        assert not bot.db_path.exists()  # no SQLite file was made beside it
    finally:
        await bot.stop()
        await drop_database(name)
    assert not emu.failed_interactions, emu.failed_interactions


@pytest.mark.parametrize("url", ["mysql://x@y/z", "sqlite:///tmp/x"])
async def test_a_url_that_is_not_postgres_is_refused(
    emu: Emulator, tmp_path: Path, url: str
) -> None:
    bot = BotProcess(emu, tmp_path, DATABASE_URL=url)
    await bot.start(wait=False)
    assert bot.proc is not None
    assert await bot.proc.wait() == 2
    assert "DATABASE_URL: must start with postgresql://" in bot.logs()
    assert url not in bot.logs()
