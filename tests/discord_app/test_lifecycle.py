"""Restarts: persistent buttons survive them, and slash commands sync only when they change.
Also: the token never reaches the logs, even at DEBUG."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import aiohttp

from bot.emulator.driver import Emulator
from bot.emulator.models import User
from tests.harness import SEED, BotProcess, custom_ids


def _member(emu: Emulator) -> tuple[object, User]:
    guild = emu.add_guild("G", emu.add_user("owner"))
    user = emu.add_user("learner")
    emu.add_member(guild, user)
    return guild, user


async def test_buttons_work_after_restart_and_sync_happens_only_on_change(
    emu: Emulator, tmp_path: Path
) -> None:
    guild, user = _member(emu)
    bot = BotProcess(emu, tmp_path)
    await bot.start()
    assert emu.counters.command_syncs == 1
    reply = await emu.run_command(user, "enroll", guild=guild, options={"pathway": SEED})
    button = next(i for i in custom_ids(reply.components) if i.startswith("pb:done:"))
    await bot.stop()

    await bot.start()  # unchanged tree: no sync
    assert emu.counters.command_syncs == 1
    clicked = await emu.click(user, reply.message, button)
    assert "Done" in clicked.content
    await bot.stop()

    # A different tree hash stands for changed commands: exactly one sync.
    bot.sql("UPDATE meta SET value = 'stale' WHERE key LIKE 'command_tree_hash:%'")
    await bot.start()
    assert emu.counters.command_syncs == 2
    await bot.stop()
    await bot.start()
    assert emu.counters.command_syncs == 2
    assert await bot.stop() == 0  # SIGTERM closes cleanly
    assert "SIGTERM: closing" in bot.logs()
    assert not emu.schema_violations and not emu.failed_interactions


async def test_token_never_in_logs_even_at_debug(emu: Emulator, tmp_path: Path) -> None:
    guild, user = _member(emu)
    bot = BotProcess(emu, tmp_path, LOG_LEVEL="DEBUG")
    await bot.start()
    await emu.run_command(user, "enroll", guild=guild, options={"pathway": SEED})
    await emu.run_command(user, "done", guild=guild, options={"task": "no-such-item"})
    await bot.stop()
    logs = bot.log_path.read_text(errors="replace")
    assert "DEBUG" in logs  # the level really was DEBUG
    assert emu.token not in logs


async def test_metrics_endpoint(emu: Emulator, tmp_path: Path) -> None:
    guild, user = _member(emu)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot = BotProcess(emu, tmp_path, METRICS_PORT=str(port))
    await bot.start()
    await emu.run_command(user, "enroll", guild=guild, options={"pathway": SEED})
    await emu.run_command(user, "done", guild=guild, options={"task": "nope"})
    await bot.wait_ticks(1)  # the first tick settles the role
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
            assert r.status == 200
            # the one process sends; it runs Discord's recommended shard count (one here)
            assert await r.text() == "ok\nsender, shard 0 of 1\n"
        async with http.get(f"http://127.0.0.1:{port}/metrics") as r:
            text = await r.text()
    await bot.stop()
    assert 'pathway_interactions_total{command="enroll",outcome="ok"} 1.0' in text
    assert 'pathway_interactions_total{command="done",outcome="user_error"} 1.0' in text
    assert "pathway_gateway_connected 1.0" in text
    assert "pathway_sweep_duration_seconds_count" in text


async def test_json_logs_one_event_per_line_with_ids_not_names(
    emu: Emulator, tmp_path: Path
) -> None:
    guild, user = _member(emu)
    bot = BotProcess(emu, tmp_path, LOG_FORMAT="json")
    await bot.start()
    await emu.run_command(user, "enroll", guild=guild, options={"pathway": SEED})
    await bot.stop()
    lines = [line for line in bot.log_path.read_text().splitlines() if line.strip()]
    assert len(lines) > 3
    events = [json.loads(line) for line in lines]
    assert all({"ts", "level", "logger", "msg"} <= set(e) for e in events)
    assert not any("learner" in e["msg"] for e in events)  # the username never appears
