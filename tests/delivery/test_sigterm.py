"""SIGTERM during a fan-out: the bot stops within 10 s, hands back the claims it had not
sent, and a restart on the same database delivers the rest, each reminder exactly once.

The real bot as a subprocess (`python -m bot`), its clock pinned, against the emulator.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from pathlib import Path

from bot.emulator.driver import Emulator
from bot.store import codec
from tests.delivery.cohort import add_cohort, enrol_all
from tests.delivery.test_outbox import dm_counts, wait_all_sent
from tests.harness import BotProcess, poll

LEARNERS = 160
STOP_WITHIN = 10.0  # the contract: SIGTERM stops the bot within 10 s


async def test_sigterm_at_30_percent_then_a_restart_delivers_each_once(tmp_path: Path) -> None:
    async with Emulator(timeout=30) as emu:
        emu.set_global_rate_limit(5000)
        guild, users = add_cohort(emu, LEARNERS)
        # slow enough that the fan-out is still under way at 30%
        bot = BotProcess(emu, tmp_path, SEND_RATE="25", SWEEP_INTERVAL_SECONDS="0.3")
        await enrol_all(bot, guild, users, timedelta(minutes=1))
        await bot.start(wait=False)
        await poll(
            lambda: sum(dm_counts(emu, users)) >= LEARNERS * 3 // 10,
            within=60,
            what="30% of the fan-out",
        )
        assert bot.proc is not None
        bot.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(bot.proc.wait(), STOP_WITHIN)
        assert code == 0, bot.logs()
        delivered = sum(dm_counts(emu, users))
        assert delivered < LEARNERS, "the SIGTERM should land during the fan-out"

        # Nothing it had claimed blocks the next start: unsent claims were handed back.
        leased = bot.sql(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND next_attempt_at > ?",
            (codec.instant(bot.now()),),
        )
        assert leased[0][0] == 0, "a claim still leased after a clean stop"

        await bot.start()
        await wait_all_sent(bot, LEARNERS, within=60)
        await bot.stop()
        counts = dm_counts(emu, users)
        assert counts == [1] * LEARNERS, {c: counts.count(c) for c in set(counts)}
        assert not emu.schema_violations
