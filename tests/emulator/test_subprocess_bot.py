"""End to end with a bot in its own process, configured by DISCORD_API_BASE_URL only."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.emulator import Emulator
from tests.emulator.world import World

ROOT = Path(__file__).resolve().parents[2]


async def test_bot_process_connects_syncs_and_answers(emu: Emulator, world: World) -> None:
    env = {
        **os.environ,
        "DISCORD_API_BASE_URL": emu.api_base,
        "DISCORD_TOKEN": emu.token,
        "PYTHONPATH": str(ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.emulator.subprocess_bot",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await emu.wait_for_command_sync(timeout=20)
        await emu.wait_until_connected(timeout=10)
        reply = await emu.run_command(world.alice, "ping", guild=world.guild)
        assert reply.content == f"pong from pid {process.pid}"
        assert emu.counters.gateway_identifies == 1
        assert "GET /gateway/bot" in [r.route for r in emu.requests]
    finally:
        if process.returncode is None:
            process.terminate()
        _, stderr = await asyncio.wait_for(process.communicate(), 10)
    assert b"Traceback" not in stderr, stderr.decode(errors="replace")
