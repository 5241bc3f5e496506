"""Claims are leases: a slow send is never taken over, an abandoned one is re-leased once.

The emulator's nonce de-duplication is switched off here, so a second send of the same
reminder would show as a second DM: nothing but the outbox's leases prevents it.

The bot runs in-process (the clock must jump past the old 10 s lease while a send is still
waiting on a real 429), and a second ReminderSender over its own connection to the same
SQLite file stands for a second process sweeping at the same moment (the sender lock
changing hands). The sends are real: discord.py over loopback to the emulator.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from bot.clock import FixedClock
from bot.core.models import DeliveryKind
from bot.delivery.reminders import ReminderSender
from bot.discord_app.client import PathwayBot
from bot.emulator.driver import Emulator
from bot.emulator.models import User
from bot.store import Store, enrolment_target
from tests import bulk_load as bulk
from tests.harness import PATHWAYS, SEED, poll, reminder_dms

ROUTE = "POST /channels/{channel_id}/messages"


@pytest.fixture
async def learner(inproc: PathwayBot, emu: Emulator, clock: FixedClock) -> User:
    emu.set_nonce_dedupe(False)
    guild = emu.add_guild("Leases", emu.add_user("owner"))
    user = emu.add_user("slow")
    emu.add_member(guild, user)
    now = clock.now()
    await bulk.load_learners(inproc.store.db, [user.id], now)
    await bulk.load_enrolments(
        inproc.store.db,
        [(1, user.id, guild.id, SEED, date(2025, 12, 22), now - timedelta(minutes=1))],
        now,
    )
    return user


@pytest.fixture
async def second(inproc: PathwayBot, clock: FixedClock) -> AsyncIterator[ReminderSender]:
    """Another process's sender: its own connection to the same file, the same Discord."""
    from bot.pathway_files import PathwayRegistry

    async with await Store.open(inproc.settings.database_path) as store:
        yield ReminderSender(store, PathwayRegistry(PATHWAYS), inproc.reminders.notifier, clock)


def slow_down(emu: Emulator, user: User, seconds: float) -> None:
    """The learner's DM route answers 429 with `retry_after` once: the send waits it out."""
    emu.exhaust_route(ROUTE, emu.dm_channel(user).id, retry_after=seconds)


def route_hits(emu: Emulator) -> int:
    return sum(1 for r in emu.requests if f"{r.method} {r.template}" == ROUTE)


async def test_a_slow_send_is_not_taken_over_by_a_second_sender(
    inproc: PathwayBot, emu: Emulator, clock: FixedClock, learner: User, second: ReminderSender
) -> None:
    slow_down(emu, learner, 2.0)
    first = asyncio.create_task(inproc.reminders.sweep())
    await poll(lambda: route_hits(emu) >= 1, within=10, what="the first send to be under way")
    clock.advance(timedelta(seconds=15))  # past the old 10 s lease, while the send still waits
    taken_over = await second.sweep()
    assert taken_over.sent == 0 and taken_over.retried == 0
    assert (await first).sent == 1
    assert len(reminder_dms(emu, learner)) == 1
    clock.advance(timedelta(minutes=5))  # long past every lease: the row is sent, and stays so
    assert (await second.sweep()).sent == 0
    assert len(reminder_dms(emu, learner)) == 1


async def test_an_abandoned_claim_is_re_leased_and_sent_once(
    inproc: PathwayBot, emu: Emulator, clock: FixedClock, learner: User, second: ReminderSender
) -> None:
    # A sender claimed this week's row and died before sending it.
    enrolment = await inproc.store.enrolments.get(1)
    assert enrolment is not None and enrolment.next_reminder_at is not None
    from bot.delivery.reminders import latest_slot

    slot = latest_slot(enrolment, clock.now())
    claim = await inproc.store.deliveries.claim(
        DeliveryKind.REMINDER, enrolment_target(1), slot.period_key, clock.now()
    )
    assert claim.claimed
    clock.advance(timedelta(minutes=2))  # its lease is over
    slow_down(emu, learner, 1.0)
    # Two senders find it at the same moment (both its sweep and its retry path): one wins.
    a, b = await asyncio.gather(inproc.reminders.sweep(), second.sweep())
    assert a.sent + b.sent == 1, (a, b)
    assert len(reminder_dms(emu, learner)) == 1
    row = await inproc.store.deliveries.get(claim.delivery.id)
    assert row is not None and row.status.value == "sent" and row.nonce == claim.delivery.nonce
