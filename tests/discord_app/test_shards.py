"""Shards end to end: the real bot as one or two `python -m bot` processes against the emulator.

Guild interactions must reach the process running the guild's shard and be answered there; a
button on a reminder DM arrives on shard 0; processes sharing a database sync commands once;
and the IDENTIFYs of one process, and of processes started together on one database, keep
Discord's one-per-bucket-per-5-s rule.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

import pytest

from bot.emulator.driver import Emulator
from bot.emulator.gateway import GatewaySession
from bot.emulator.models import Guild, User
from bot.emulator.replies import InteractionReply
from tests.harness import ROOT, SEED, BotProcess, custom_ids, is_reminder
from tests.store.backends import (
    create_database,
    drop_database,
    needs_postgres,
    schema_template,
    url_for,
)

ITEM = "week-jupyter-setup"


def shard_world(emu: Emulator) -> tuple[list[Guild], list[User]]:
    """A guild on shard 0 and one on shard 1 (of 2), each with one learner."""
    guilds, learners = [], []
    for shard in (0, 1):
        guild = emu.add_guild(f"shard-{shard}", emu.add_user(f"owner-{shard}"), shard=(shard, 2))
        learner = emu.add_user(f"learner-{shard}")
        emu.add_member(guild, learner)
        guilds.append(guild)
        learners.append(learner)
    return guilds, learners


async def every_command(emu: Emulator, learner: User, guild: Guild) -> list[InteractionReply]:
    """Each slash command once, in `guild`, each answered without an unexpected error."""
    owner = guild.owner_id
    runs: list[tuple[int, str, str | None, dict[str, object]]] = [
        (learner.id, "enroll", None, {"pathway": SEED}),
        (learner.id, "tasks", None, {}),
        (learner.id, "done", None, {"task": ITEM}),
        (learner.id, "undo", None, {"task": ITEM}),
        (learner.id, "progress", None, {}),
        (learner.id, "pathways", None, {}),
        (learner.id, "leaderboard", None, {}),
        (learner.id, "reminders", "show", {}),
        (learner.id, "group", "list", {}),
        (learner.id, "me", "export", {}),
        (owner, "setup", "member-groups", {"allowed": True}),
        (learner.id, "leave", None, {"pathway": SEED}),
    ]
    replies = []
    for user, name, sub, options in runs:
        reply = await emu.run_command(user, name, guild=guild, subcommand=sub, options=options)
        final = await reply.wait_final()
        assert "Something went wrong" not in final.content, (name, final.content)
        replies.append(reply)
    choices = await emu.autocomplete(learner, "done", "task", "", guild=guild)
    assert choices == [] or all("value" in c for c in choices)
    return replies


async def click_a_reminder_button(
    bot: BotProcess, emu: Emulator, learner: User
) -> InteractionReply:
    """Make the learner's reminder due and press its first ✅ in the DM."""
    bot.make_due()
    dm = await emu.wait_for_dm(learner, is_reminder, timeout=30)
    button = next(c for c in custom_ids(dm.components) if c.startswith("pb:done:"))
    clicked = await emu.click(learner, dm, button)
    assert clicked.content.startswith("✅ Done"), clicked.content
    return clicked


async def run_health(bot: BotProcess) -> tuple[int, str]:
    """`python -m bot health` with the process's own settings: (exit status, output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    env.update(bot.env, PYTHONPATH=str(ROOT))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "health",
        env=env,
        cwd=str(bot.data_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return await proc.wait(), out.decode().strip()


async def test_one_process_runs_two_shards_and_answers_on_both(tmp_path: Path) -> None:
    async with Emulator(timeout=30) as emu:
        guilds, learners = shard_world(emu)
        bot = BotProcess(emu, tmp_path, SHARD_COUNT="2", SHARD_IDS="0-1")
        await bot.start()
        sessions = await emu.wait_for_shards([0, 1], 2, timeout=30)
        await emu.wait_for_command_sync()
        for shard, (guild, learner) in enumerate(zip(guilds, learners, strict=True)):
            for reply in await every_command(emu, learner, guild):
                assert emu.receivers(reply) == [sessions[shard]], reply.record.command_name
        # Enrolled again (every_command ended with /leave) so a reminder with buttons comes.
        await emu.run_command(learners[1], "enroll", guild=guilds[1], options={"pathway": SEED})
        clicked = await click_a_reminder_button(bot, emu, learners[1])
        assert emu.receivers(clicked) == [sessions[0]], "DM buttons arrive on shard 0"

        await bot.wait_ticks(1)
        health = json.loads(bot.health_file.read_text())
        assert (health["shard_ids"], health["shard_count"]) == ([0, 1], 2)
        assert await run_health(bot) == (0, "healthy (sender, shards 0-1 of 2)")
        assert await bot.stop() == 0
    emu.assert_clean()


@pytest.mark.parametrize(
    "shared",
    [
        pytest.param("sqlite", id="one-sqlite-file"),
        pytest.param("postgres", id="postgres", marks=needs_postgres),
    ],
)
async def test_two_processes_answer_their_own_shards_and_sync_once(
    tmp_path: Path, shared: str
) -> None:
    database = await create_database() if shared == "postgres" else None
    try:
        await _two_processes_answer_their_own_shards(tmp_path, database)
    finally:
        if database is not None:
            await drop_database(database)


async def _two_processes_answer_their_own_shards(tmp_path: Path, database: str | None) -> None:
    async with Emulator(timeout=30) as emu:
        emu.set_global_rate_limit(5000)
        guilds, learners = shard_world(emu)
        (tmp_path / "zero").mkdir()
        (tmp_path / "one").mkdir()
        # One SQLite file, as on one host, or one PostgreSQL database, as on several.
        where = {"DATABASE_URL": url_for(database)} if database else {}
        zero = BotProcess(emu, tmp_path / "zero", SHARD_COUNT="2", SHARD_IDS="0", **where)
        if not database:
            where = {"DATABASE_PATH": str(zero.db_path)}
        one = BotProcess(emu, tmp_path / "one", SHARD_COUNT="2", SHARD_IDS="1", **where)
        processes = (zero, one)

        async def start_both() -> dict[int, GatewaySession]:
            await asyncio.gather(*(p.start(wait=False) for p in processes))
            await asyncio.gather(*(p.wait_ready() for p in processes))
            return await emu.wait_for_shards([0, 1], 2, timeout=30)

        sessions = await start_both()
        # Both processes saw a new command tree at once; one of them synced it.
        assert emu.counters.command_syncs == 1
        for shard, (guild, learner) in enumerate(zip(guilds, learners, strict=True)):
            for reply in await every_command(emu, learner, guild):
                assert emu.receivers(reply) == [sessions[shard]], reply.record.command_name
        assert {s.shard for s in emu.sessions} == {(0, 2), (1, 2)}

        # A learner of shard 1's guild clicks a DM button: the shard-0 process answers it.
        await emu.run_command(learners[1], "enroll", guild=guilds[1], options={"pathway": SEED})
        clicked = await click_a_reminder_button(zero, emu, learners[1])
        assert emu.receivers(clicked) == [sessions[0]]

        roles = set()
        for process, shards in ((zero, "shard 0 of 2"), (one, "shard 1 of 2")):
            await process.wait_ticks(1)
            status, said = await run_health(process)
            role, _, runs = said.removeprefix("healthy (").removesuffix(")").partition(", ")
            assert (status, runs) == (0, shards)
            roles.add(role)
        assert roles == {"sender", "standby"}, "exactly one of the two sends"

        await asyncio.gather(*(p.stop() for p in processes))
        sessions = await start_both()
        assert emu.counters.command_syncs == 1, "a restart with the same commands syncs nothing"
        for shard, (guild, learner) in enumerate(zip(guilds, learners, strict=True)):
            reply = await emu.run_command(learner, "tasks", guild=guild)
            assert emu.receivers(reply) == [sessions[shard]]
        await asyncio.gather(*(p.stop() for p in processes))
    # Started together twice on one database: the database's gate kept them apart.
    assert len(emu.identifies) == 4
    assert emu.identify_violations() == []
    emu.assert_clean()


async def test_unset_runs_the_recommended_shards_identifying_five_seconds_apart(
    tmp_path: Path,
) -> None:
    # Neither SHARD_COUNT nor SHARD_IDS: the bot runs every shard /gateway/bot recommends. Its
    # IDENTIFYs are paced by discord.py's own before_identify_hook; this checks the recorded
    # arrival times against Discord's rule, not how fast the bot is.
    async with Emulator(timeout=30, shards=2, max_concurrency=1) as emu:
        shard_world(emu)
        bot = BotProcess(emu, tmp_path)
        await bot.start()
        await emu.wait_for_shards([0, 1], 2, timeout=30)
        await bot.wait_ticks(1)
        assert await run_health(bot) == (0, "healthy (sender, shards 0-1 of 2)")
        await bot.stop()
    first, second = emu.identifies
    assert [(r.shard_id, r.shard_count) for r in (first, second)] == [(0, 2), (1, 2)]
    assert second.at - first.at >= 5.0
    assert emu.identify_violations() == []
    assert [r.route for r in emu.requests].count("GET /gateway/bot") == 1


_WAITED = re.compile(r"shard (\d) \(bucket 0\) waited (\d+\.\d+) s for its IDENTIFY turn")


@needs_postgres
async def test_two_processes_started_together_on_postgres_identify_a_window_apart(
    tmp_path: Path,
) -> None:
    # Each process's first IDENTIFY skips discord.py's own sleep, so without the database's
    # gate the two would IDENTIFY within a second or so of each other in bucket 0.
    name = await create_database(await schema_template())
    try:
        async with Emulator(timeout=30, max_concurrency=1) as emu:
            shard_world(emu)
            processes = []
            for shard in (0, 1):
                (tmp_path / str(shard)).mkdir()
                processes.append(
                    BotProcess(
                        emu,
                        tmp_path / str(shard),
                        SHARD_COUNT="2",
                        SHARD_IDS=str(shard),
                        DATABASE_URL=url_for(name),
                        LOG_LEVEL="DEBUG",  # the gate logs its waits at debug
                    )
                )
            await asyncio.gather(*(p.start(wait=False) for p in processes))
            await asyncio.gather(*(p.wait_ready() for p in processes))
            await emu.wait_for_shards([0, 1], 2, timeout=30)
            await asyncio.gather(*(p.stop() for p in processes))
            logs = [p.log_path.read_text(errors="replace") for p in processes]  # whole logs
    finally:
        await drop_database(name)
    first, second = emu.identifies
    assert sorted(r.shard_id for r in (first, second)) == [0, 1]
    assert emu.identify_violations() == []
    assert second.at - first.at >= 5.0
    # They did reach the gate together: one went at once (its wait is the claim's round trip),
    # the other was held back. (Were they 5 s apart anyway, this would show nothing: it fails.)
    waits = sorted(float(m[1]) for log in logs for m in _WAITED.findall(log))
    assert len(waits) == 2, [log[-3000:] for log in logs]
    assert waits[0] < 0.5 and waits[1] > 1.0, f"the gate held the processes back {waits} s"
