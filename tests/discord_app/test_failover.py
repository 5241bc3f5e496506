"""One sender with failover, end to end: two `python -m bot` processes (shard 0 and shard 1
of 2) on one PostgreSQL database; the sender is SIGKILLed in the middle of a weekly fan-out.

What a learner must see: exactly one reminder each, however the sending was split between
the processes. The standby must take over within 60 s of the kill, with the default sweep
interval (30 s), as in production.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.emulator.driver import Emulator
from bot.emulator.models import User
from bot.pathway_files import PathwayRegistry
from bot.service.context import Context
from bot.service.learning import Learning
from bot.store import Store
from tests.harness import PATHWAYS, SEED, BotProcess, is_reminder, poll
from tests.store.backends import create_database, drop_database, needs_postgres, url_for

pytestmark = needs_postgres

PER_GUILD = 75  # learners in each shard's guild
SEND_RATE = "15"  # per second: slow enough that the kill lands mid fan-out
KILL_AFTER = 40  # reminders out before the sender dies
HOUR = timedelta(hours=1)


@pytest.fixture
async def database() -> AsyncIterator[str]:
    name = await create_database()
    try:
        yield url_for(name)
    finally:
        await drop_database(name)


def role_of(bot: BotProcess) -> str | None:
    try:
        return json.loads(bot.health_file.read_text()).get("role")
    except (OSError, ValueError):
        return None


async def enrol_everyone(url: str, emu: Emulator) -> list[User]:
    """Learners in a guild on each shard, enrolled through the service on the shared
    database, their first reminder due now."""
    learners: list[User] = []
    async with await Store.open_postgres(url) as store:
        learning = Learning(Context(store, PathwayRegistry(PATHWAYS), SystemClock()))
        for shard in (0, 1):
            guild = emu.add_guild(
                f"shard-{shard}", emu.add_user(f"owner-{shard}"), shard=(shard, 2)
            )
            for n in range(PER_GUILD):
                learner = emu.add_user(f"learner-{shard}-{n}")
                emu.add_member(guild, learner)
                outcome = await learning.enroll(learner.id, guild.id, SEED)
                now = SystemClock().now()
                await store.enrolments.set_next_reminder_at(
                    outcome.view.enrolment.id, now - timedelta(seconds=1), now
                )
                learners.append(learner)
    return learners


async def test_the_standby_finishes_a_fan_out_the_sender_died_in(
    database: str, tmp_path: Path
) -> None:
    async with Emulator(timeout=30) as emu:
        emu.set_global_rate_limit(5000)
        learners = await enrol_everyone(database, emu)
        processes = []
        for shard in (0, 1):
            (tmp_path / str(shard)).mkdir()
            processes.append(
                BotProcess(
                    emu,
                    tmp_path / str(shard),
                    DATABASE_URL=database,
                    SHARD_COUNT="2",
                    SHARD_IDS=str(shard),
                    SWEEP_INTERVAL_SECONDS="30",  # the default: failover within 60 s as shipped
                    SEND_RATE=SEND_RATE,
                )
            )
        await asyncio.gather(*(p.start(wait=False) for p in processes))
        await asyncio.gather(*(p.wait_ready() for p in processes))

        def reminders() -> list[object]:
            return [m for u in learners for m in emu.dms(u) if is_reminder(m)]

        await poll(lambda: len(reminders()) >= KILL_AFTER, 60, f"{KILL_AFTER} reminders out")
        roles = {p: role_of(p) for p in processes}
        assert sorted(map(str, roles.values())) == ["sender", "standby"], roles
        sender = next(p for p, r in roles.items() if r == "sender")
        standby = next(p for p in processes if p is not sender)
        await sender.kill()  # SIGKILL: no goodbye, the lock goes with the session
        killed_at, out_at_kill = time.monotonic(), len(reminders())
        assert out_at_kill < len(learners), "the kill must land mid fan-out"

        await poll(lambda: len(reminders()) > out_at_kill, 60, "the standby sending")
        took_over = time.monotonic() - killed_at
        await poll(lambda: len(reminders()) >= len(learners), 90, "every reminder out")
        async with await Store.open_postgres(database) as store:
            # A message is out before its row is marked sent: give the marking a moment,
            # then nothing may be left to send (no row a later tick would send again).
            for _ in range(100):
                pending = await store.deliveries.due_for_retry(SystemClock().now() + HOUR)
                if not pending:
                    break
                await asyncio.sleep(0.1)
        assert pending == [], pending

        per_learner = {u.id: sum(is_reminder(m) for m in emu.dms(u)) for u in learners}
        lost = [u for u, n in per_learner.items() if n == 0]
        doubled = [u for u, n in per_learner.items() if n > 1]
        assert (lost, doubled) == ([], []), f"{len(lost)} lost, {len(doubled)} sent twice"
        assert took_over < 60, f"the standby took {took_over:.0f} s to take over"
        assert role_of(standby) == "sender"
        print(
            f"failover: {out_at_kill} of {len(learners)} out at the kill, standby sending "
            f"{took_over:.1f} s later"
        )
        assert await standby.stop() == 0
