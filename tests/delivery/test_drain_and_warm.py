"""The drainer works through a backlog at once; the warmer opens DM channels ahead of time.

In-process with a fake clock, against the emulator over loopback (see conftest.py).
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FixedClock
from bot.delivery.drain import Drainer
from bot.delivery.sweep_report import SweepReport
from bot.discord_app.client import PathwayBot
from bot.emulator.driver import Emulator
from tests.delivery.cohort import add_cohort
from tests.harness import SEED


async def test_a_backlog_drains_without_waiting_for_the_next_tick(
    inproc: PathwayBot, emu: Emulator, clock: FixedClock
) -> None:
    guild, users = add_cohort(emu, 450)
    for user in users:
        await inproc.learning.enroll(user.id, guild.id, SEED)
    clock.advance(timedelta(days=8))  # everyone's first reminder is due
    calls: list[SweepReport] = []

    async def small_sweeps() -> SweepReport:
        report = await inproc.reminders.sweep(max_batches=1)  # 200 at most, then "more"
        calls.append(report)
        return report

    drainer = Drainer(small_sweeps)
    first = await drainer.tick()
    assert first is not None and first.more and first.sent == 200
    assert drainer.draining
    assert await drainer.tick() is None  # the tick stands aside while the drain runs
    await drainer.wait()
    assert sum(r.sent for r in calls) == 450
    assert not calls[-1].more
    assert sum(len(emu.dms(u)) for u in users) == 450  # each exactly once


async def test_a_drain_that_makes_no_progress_stops() -> None:
    rounds = 0

    async def stuck() -> SweepReport:
        nonlocal rounds
        rounds += 1
        return SweepReport(more=True, sent=1 if rounds == 1 else 0)

    drainer = Drainer(stuck)
    await drainer.tick()
    await drainer.wait()
    assert rounds == 2  # the tick's sweep, then one drain round that sent nothing


async def test_warmer_opens_missing_dm_channels_before_the_due_minute(
    inproc: PathwayBot, emu: Emulator, clock: FixedClock
) -> None:
    guild, users = add_cohort(emu, 30)
    for user in users:
        await inproc.learning.enroll(user.id, guild.id, SEED)
    enrolments = [(await inproc.store.enrolments.list_for_user(u.id))[0] for u in users]
    due = min(e.next_reminder_at for e in enrolments if e.next_reminder_at is not None)
    emu.close_dms(users[0])
    await inproc.store.learners.set_dm_blocked(users[0].id, clock.now())
    clock.set(due - timedelta(minutes=10))
    warmed = await inproc.dm_warmer.warm(clock.now())
    learners = await inproc.store.learners.get_many([u.id for u in users])
    assert warmed == 29  # not the one whose DMs are known to be closed
    assert learners[users[0].id].dm_channel_id is None
    assert all(learners[u.id].dm_channel_id is not None for u in users[1:])
    assert await inproc.dm_warmer.warm(clock.now()) == 0  # nothing left to open

    clock.set(due)
    start = len(emu.requests)
    report = await inproc.reminders.sweep()
    assert report.sent >= 29
    routes = [r.route for r in emu.requests[start:]]
    # one request per reminder; only the learner whose DMs are closed needs the channel
    # opened, as their weekly reminder still tries the DM once (a success lifts the record)
    assert routes.count("POST /users/@me/channels") == 1
