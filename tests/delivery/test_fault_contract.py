"""The fault contract: a weekly fan-out to 160 learners on SQLite, through the emulator,
with the bot as a subprocess (`python -m bot`, its clock pinned), under each fault class.

In every case every due reminder arrives exactly once (0 lost, 0 visible duplicates), and,
where /done runs meanwhile, every /done answered as done is in the learner's export and
every interaction is answered in time (the emulator fails one left unanswered for 3 s) or
tells the learner privately what failed. The SIGTERM case is tests/delivery/test_sigterm.py.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from bot.emulator.driver import Emulator
from bot.emulator.models import Guild, User
from tests.delivery.cohort import add_cohort, enrol_all
from tests.delivery.test_outbox import dm_counts, wait_all_sent
from tests.harness import SEED, BotProcess, poll

LEARNERS = 160
MESSAGES = "POST /channels/{channel_id}/messages"


def posts(route: str) -> bool:
    return route == MESSAGES


async def fan_out(
    emu: Emulator, tmp_path: Path, **env: str
) -> tuple[BotProcess, Guild, list[User]]:
    emu.set_global_rate_limit(5000)
    guild, users = add_cohort(emu, LEARNERS)
    bot = BotProcess(
        emu,
        tmp_path,
        SEND_RATE=env.pop("SEND_RATE", "200"),
        RETRY_BASE_SECONDS="0.2",
        SWEEP_INTERVAL_SECONDS="0.3",
        **env,
    )
    await enrol_all(bot, guild, users, timedelta(minutes=1))
    return bot, guild, users


def assert_each_once(emu: Emulator, bot: BotProcess, users: list[User]) -> None:
    counts = dm_counts(emu, users)
    assert counts == [1] * len(users), {c: counts.count(c) for c in set(counts)}
    failed = bot.sql("SELECT COUNT(*) FROM deliveries WHERE status = 'failed'")
    assert failed[0][0] == 0, "a reminder given up on"
    assert not emu.schema_violations


async def test_15_percent_of_dm_sends_answered_5xx_or_dropped(tmp_path: Path) -> None:
    async with Emulator(timeout=30) as emu:
        bot, _, users = await fan_out(emu, tmp_path)
        emu.faults.configure(0.15, kinds=("500", "502", "drop"), routes=posts, seed=15)
        await bot.start()
        await wait_all_sent(bot, LEARNERS, within=120)
        await bot.stop()
        assert len(emu.faults.injected) >= LEARNERS // 10, "faults were injected"
        assert_each_once(emu, bot, users)


async def test_20_percent_carried_out_then_answered_502_or_dropped(tmp_path: Path) -> None:
    """The message exists but the bot does not know it: the resend carries the same nonce,
    and Discord answers with the message already posted instead of a second one."""
    async with Emulator(timeout=30) as emu:
        bot, _, users = await fan_out(emu, tmp_path)
        emu.faults.configure(0.2, kinds=("502-after", "drop-after"), routes=posts, seed=20)
        await bot.start()
        await wait_all_sent(bot, LEARNERS, within=120)
        await bot.stop()
        assert len(emu.faults.injected) >= LEARNERS // 10, "faults were injected"
        assert_each_once(emu, bot, users)


def early_requests(emu: Emulator, slack: float = 0.25) -> list[str]:
    """Requests sent to a bucket (or, after a global 429, anywhere) before the retry_after
    of a 429 the bot had already been told of. `slack` covers requests already in flight
    when the 429 was answered."""
    found: list[str] = []
    records = [r for r in emu.requests if r.template is not None]
    for limited in records:
        if limited.status != 429 or not isinstance(limited.response, dict):
            continue
        until = limited.at + float(limited.response.get("retry_after", 0))
        is_global = bool(limited.response.get("global"))
        for r in records:
            if limited.at + slack < r.at < until and (is_global or r.path == limited.path):
                if r.route.startswith("POST /interactions"):
                    continue  # interaction callbacks are not rate limited
                found.append(f"{r.route} {r.path} {until - r.at:.2f}s early")
    return found


async def test_waves_of_route_and_global_429s(tmp_path: Path) -> None:
    async with Emulator(timeout=30) as emu:
        bot, _, users = await fan_out(emu, tmp_path, SEND_RATE="30")
        rng = random.Random(429)
        stop = asyncio.Event()

        async def waves() -> None:
            wave = 0
            while not stop.is_set():
                if wave % 2 == 0:
                    emu.set_global_rate_limit(8, 1.0)  # global 429s for a while
                else:
                    emu.set_global_rate_limit(5000)
                    for user in rng.sample(users, 20):  # route 429s on some DM channels
                        emu.exhaust_route(MESSAGES, emu.dm_channel(user).id, retry_after=1.5)
                wave += 1
                await asyncio.sleep(0.7)
            emu.set_global_rate_limit(5000)

        running = asyncio.create_task(waves())
        await bot.start()
        try:
            await wait_all_sent(bot, LEARNERS, within=180)
        finally:
            stop.set()
            await running
        await bot.stop()
        assert emu.counters.rate_limited_global > 0 and emu.counters.rate_limited_route > 0
        assert early_requests(emu) == []
        assert_each_once(emu, bot, users)


async def _exported_items(emu: Emulator, learner: User) -> set[str]:
    export = await (await emu.run_command(learner, "me", subcommand="export")).wait_final()
    blob = next(a for a in export.attachments if a.filename.endswith(".json"))
    data = json.loads(blob.data)
    return {c["item_id"] for c in data["completions"]}


def first_items(n: int) -> list[str]:
    from bot.pathway_files import PathwayRegistry
    from tests.harness import PATHWAYS

    return [i.id for i in PathwayRegistry(PATHWAYS).get(SEED).items()[:n]]


def answered_done(text: str) -> bool:
    """The reply says the item is done (problems start with ⚠️ or ❌ instead)."""
    return text.startswith("✅")


@pytest.mark.parametrize("resumable", [True, False], ids=["resumable-close", "invalid-session"])
async def test_gateway_trouble_with_done_in_flight(tmp_path: Path, resumable: bool) -> None:
    """/done is received, and still in the bot (the database held for a moment), when the
    gateway closes (op 7, resumable) or the session is invalidated (op 9): its answer goes
    over REST all the same, and the next /done after the reconnect is answered too."""
    async with Emulator(timeout=30) as emu:
        bot, guild, users = await fan_out(emu, tmp_path, SEND_RATE="30")
        await bot.start()
        learner = users[0]
        first, second = first_items(2)
        held = threading.Event()
        locker = threading.Thread(
            target=_hold_write_lock, args=(bot.db_path, 0.8, held), daemon=True
        )
        locker.start()
        await poll(held.is_set, within=10, what="the write lock to be taken")
        dispatched = emu.counters.interactions_dispatched
        in_flight = emu.start_command(learner, "done", guild=guild, options={"task": first})
        await poll(
            lambda: emu.counters.interactions_dispatched > dispatched,
            within=10,
            what="/done to reach the bot",
        )
        reconnects = emu.counters.gateway_resumes + emu.counters.gateway_identifies
        if resumable:
            emu.request_reconnect()
        else:
            emu.invalidate_session()
        final = await in_flight.wait_final()
        assert answered_done(final.content or ""), final.content
        locker.join(timeout=10)
        await poll(
            lambda: emu.counters.gateway_resumes + emu.counters.gateway_identifies > reconnects,
            within=30,
            what="the bot to reconnect",
        )
        await asyncio.sleep(0.5)  # READY / RESUMED handled
        after = await emu.run_command(learner, "done", guild=guild, options={"task": second})
        assert answered_done((await after.wait_final()).content or "")
        await wait_all_sent(bot, LEARNERS, within=120)
        assert {first, second} <= await _exported_items(emu, learner)
        await bot.stop()
        assert not emu.failed_interactions, "an interaction left unanswered"
        assert_each_once(emu, bot, users)


def _hold_write_lock(db_path: Path, seconds: float, held: threading.Event) -> None:
    db = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        held.set()
        threading.Event().wait(seconds)
        db.execute("COMMIT")
    finally:
        db.close()


@pytest.mark.parametrize("seconds", [1.5, 4.0, 7.0])
async def test_another_connection_holds_the_write_lock_while_done_arrives(
    tmp_path: Path, seconds: float
) -> None:
    async with Emulator(timeout=30) as emu:
        bot, guild, users = await fan_out(emu, tmp_path, SEND_RATE="30")
        await bot.start()
        learner = users[1]
        (item,) = first_items(1)
        held = threading.Event()
        locker = threading.Thread(
            target=_hold_write_lock, args=(bot.db_path, seconds, held), daemon=True
        )
        locker.start()
        await poll(held.is_set, within=10, what="the write lock to be taken")
        reply = await emu.run_command(learner, "done", guild=guild, options={"task": item})
        final = await reply.wait_final()
        locker.join(timeout=seconds + 10)
        if answered_done(final.content or ""):
            assert item in await _exported_items(emu, learner), "answered done but not stored"
        else:  # told privately what failed
            assert final.ephemeral and final.content.startswith(("⚠️", "❌")), final.content
        await wait_all_sent(bot, LEARNERS, within=120)
        await bot.stop()
        assert not emu.failed_interactions, "an interaction left unanswered within 3 s"
        assert_each_once(emu, bot, users)
