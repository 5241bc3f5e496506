"""Delivery guarantees with the real bot as a subprocess: crashes, downtime, closed DMs,
faults and two processes on one database. No lost and no duplicated messages."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.emulator.driver import Emulator
from tests.delivery.cohort import add_cohort, enrol_all
from tests.harness import BotProcess, poll


def dm_counts(emu: Emulator, users: list[object]) -> list[int]:
    return [len(emu.dms(u)) for u in users]  # type: ignore[arg-type]


async def wait_all_sent(bot: BotProcess, n: int, within: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        rows = bot.sql(
            "SELECT COUNT(*) FROM deliveries WHERE kind = 'reminder' AND status != 'pending'"
        )
        if rows[0][0] >= n:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not all {n} reminders settled:\n{bot.logs()}")


async def test_sigkill_during_fan_out_loses_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    rng = random.Random(7)
    async with Emulator(timeout=30) as emu:
        emu.set_global_rate_limit(5000)
        guild, users = add_cohort(emu, 1000)
        bot = BotProcess(emu, tmp_path, SEND_RATE="200", SWEEP_INTERVAL_SECONDS="0.3")
        await enrol_all(bot, guild, users, timedelta(minutes=1))
        route = "POST /channels/{channel_id}/messages"
        mid_fan_out = 0
        for _ in range(10):  # each a bot start: ten kills keep CI's time in hand
            before = emu.counters.by_route[route]
            await bot.start(wait=False)
            # kill only once this run is sending (startup time varies with machine load)
            await poll(
                lambda before=before: (
                    emu.counters.by_route[route] > before or sum(dm_counts(emu, users[-1:])) > 0
                ),
                within=60,
                what="the fan-out to start",
            )
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            await bot.kill()
            sent = sum(dm_counts(emu, users))
            mid_fan_out += 0 < sent < len(users)
        assert mid_fan_out >= 5, "the kills should land during the fan-out"
        await bot.start()
        await wait_all_sent(bot, len(users), within=90)
        await bot.stop()
        counts = dm_counts(emu, users)
        assert counts == [1] * len(users), {c: counts.count(c) for c in set(counts)}
        assert not emu.schema_violations


async def test_after_72_hours_down_one_late_reminder_each(tmp_path: Path) -> None:
    async with Emulator(timeout=30) as emu:
        guild, users = add_cohort(emu, 30)
        bot = BotProcess(emu, tmp_path)
        await enrol_all(bot, guild, users, timedelta(hours=72))
        await bot.start()
        await wait_all_sent(bot, len(users))
        await bot.wait_ticks(2)  # two more whole sweeps: nothing more may arrive
        await bot.stop()
        for user in users:
            (dm,) = emu.dms(user)
            assert "should have arrived" in str(dm.embeds)


async def test_three_weeks_down_skips_missed_weeks(tmp_path: Path) -> None:
    async with Emulator(timeout=30) as emu:
        guild, users = add_cohort(emu, 5)
        bot = BotProcess(emu, tmp_path)
        await enrol_all(bot, guild, users, timedelta(days=21), aligned=True)
        await bot.start()
        await wait_all_sent(bot, 3 * len(users))
        await bot.stop()
        assert dm_counts(emu, users) == [1] * len(users)
        rows = bot.sql(
            "SELECT status, COUNT(*) FROM deliveries WHERE kind = 'reminder' GROUP BY status"
        )
        # slots at T, T+7d and T+14d have passed (T+21d has not): one sent, two skipped each
        assert dict(rows) == {"sent": 5, "skipped": 10}


async def test_closed_dms_one_403_a_week_and_one_channel_notice_ever(tmp_path: Path) -> None:
    """The server turned closed-DM notices on: each learner is mentioned once, ever; each
    weekly reminder still tries the DM once (a success would lift the record)."""
    async with Emulator(timeout=30) as emu:
        guild, users = add_cohort(emu, 10, dms_open=False)
        channel = emu.channels(guild)[0]
        bot = BotProcess(emu, tmp_path)
        await enrol_all(bot, guild, users, timedelta(minutes=1), channel.id)
        await bot.start()

        def notices() -> list[Any]:
            return [m for m in emu.channel_messages(channel) if not m.embeds]  # not the digest

        await emu.wait_for(lambda: len(notices()) >= len(users), timeout=30)
        await bot.wait_ticks(2)

        def forbidden() -> int:
            return sum(
                1 for r in emu.requests if r.status == 403 and r.route.startswith("POST /channels")
            )

        assert forbidden() == len(users)  # one 50007 each, not retried within the week
        posts = notices()
        assert len(posts) == len(users)
        for post in posts:
            assert "DMs are closed" in post.content
            assert "Coursera" not in post.content and not post.embeds  # no task details
        # the next week's reminders: one DM attempt each, and no second channel notice
        bot.make_due()
        await emu.wait_for(lambda: forbidden() >= 2 * len(users), timeout=30)
        await bot.wait_ticks(2)
        await bot.stop()
        assert forbidden() == 2 * len(users)
        assert len(notices()) == len(users)
        blocked = bot.sql("SELECT COUNT(*) FROM learners WHERE dm_blocked_since IS NOT NULL")
        assert blocked[0][0] == len(users)


async def test_ten_percent_faults_lose_nothing(tmp_path: Path) -> None:
    async with Emulator(timeout=30) as emu:
        emu.set_global_rate_limit(5000)
        guild, users = add_cohort(emu, 200)
        emu.faults.configure(0.1, routes=lambda route: route.startswith("POST /channels"), seed=3)
        bot = BotProcess(emu, tmp_path, SEND_RATE="300", RETRY_BASE_SECONDS="0.2")
        await enrol_all(bot, guild, users, timedelta(minutes=1))
        await bot.start()
        await wait_all_sent(bot, len(users), within=90)
        await bot.stop()
        assert emu.faults.injected, "faults were injected"
        assert dm_counts(emu, users) == [1] * len(users)
        failed = bot.sql("SELECT COUNT(*) FROM deliveries WHERE status = 'failed'")
        assert failed[0][0] == 0


async def test_two_processes_never_send_twice(tmp_path: Path) -> None:
    async with Emulator(timeout=30) as emu:
        emu.set_global_rate_limit(5000)
        guild, users = add_cohort(emu, 300)
        first = BotProcess(emu, tmp_path, SEND_RATE="200", SWEEP_INTERVAL_SECONDS="0.2")
        await enrol_all(first, guild, users, timedelta(minutes=1))
        second_dir = tmp_path / "second"
        second_dir.mkdir()
        second = BotProcess(
            emu,
            second_dir,
            SEND_RATE="200",
            SWEEP_INTERVAL_SECONDS="0.2",
            DATABASE_PATH=str(first.db_path),
        )
        await asyncio.gather(first.start(wait=False), second.start(wait=False))
        await wait_all_sent(first, len(users), within=60)
        await asyncio.gather(first.stop(), second.stop())
        assert dm_counts(emu, users) == [1] * len(users)
