"""Snoozing a reminder through the emulator, with a fake clock: the choices fit the day they
are offered, the reply says when and how to cancel, `/reminders show` lists the snooze, and a
cancelled snooze is never sent while one left alone is.

The bot runs in-process (time must move by days) and is connected to the emulator's gateway,
so the clicks and commands are real interactions through discord.py.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.core.errors import Forbidden
from bot.discord_app.client import PathwayBot
from bot.emulator.driver import Emulator
from bot.emulator.models import Guild, User
from tests.harness import SEED, custom_ids, poll, reminder_dms

BERLIN = ZoneInfo("Europe/Berlin")
UPDATE_MESSAGE = 7


@pytest.fixture
async def connected(inproc: PathwayBot) -> AsyncIterator[PathwayBot]:
    task = asyncio.create_task(inproc.connect(reconnect=False))
    await asyncio.wait_for(inproc.wait_until_ready(), 20)
    yield inproc
    task.cancel()


async def enrol(emu: Emulator, day: str, name: str = "learner") -> tuple[Guild, User]:
    guild = emu.add_guild("Snooze", emu.add_user("owner"))
    user = emu.add_user(name)
    emu.add_member(guild, user)
    reply = await emu.run_command(
        user,
        "enroll",
        guild=guild,
        options={"pathway": SEED, "timezone": "Europe/Berlin", "day": day, "time": "09:00"},
    )
    assert reply.ephemeral and "enrolled" in reply.content, reply.content
    return guild, user


async def next_reminder_dm(bot: PathwayBot, emu: Emulator, clock: FixedClock, user: User) -> object:
    """Move the clock to the learner's next regular reminder and let the sweep send it."""
    (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
    assert enrolment.next_reminder_at is not None
    clock.set(enrolment.next_reminder_at)
    before = len(reminder_dms(emu, user))
    report = await bot.reminders.sweep()
    assert report.sent == 1, report
    dms = reminder_dms(emu, user)
    assert len(dms) == before + 1
    return dms[-1]


def snooze_ids(message: object) -> list[str]:
    return [c for c in custom_ids(message.components) if c.startswith("pb:snooze:")]  # type: ignore[attr-defined]


def stamps(text: str) -> list[datetime]:
    """The instants of the full-date Discord timestamps (<t:unix:F>) in a text."""
    return [datetime.fromtimestamp(int(t), UTC) for t in re.findall(r"<t:(\d+):F>", text)]


async def test_a_saturday_reminder_offers_no_snooze_onto_next_saturdays_slot(
    connected: PathwayBot, emu: Emulator, clock: FixedClock
) -> None:
    bot = connected
    _, user = await enrol(emu, "sat")
    dm = await next_reminder_dm(bot, emu, clock, user)
    sent_at = clock.now().astimezone(BERLIN)
    assert (sent_at.weekday(), sent_at.hour) == (5, 9)  # Saturday 09:00, the learner's slot
    (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
    assert enrolment.next_reminder_at == clock.now() + timedelta(days=7)
    eid = enrolment.id
    assert snooze_ids(dm) == [f"pb:snooze:{eid}:evening", f"pb:snooze:{eid}:day"]
    for custom_id in snooze_ids(dm):
        reply = await emu.click(user, dm, custom_id)  # type: ignore[arg-type]
        assert reply.ephemeral and reply.content.startswith("💤 Snoozed"), reply.content
        at, regular = stamps(reply.content)
        assert regular == enrolment.next_reminder_at
        assert clock.now() < at < regular
        assert at.astimezone(BERLIN).date() < regular.astimezone(BERLIN).date()  # not its slot
        assert "/reminders show" in reply.content
        assert [c for c in custom_ids(reply.components) if c.startswith(f"pb:unsnooze:{eid}:")]
    assert [p.at for p in await bot.store.deliveries.pending_snoozes([eid])] == [
        datetime(2026, 1, 10, 19, tzinfo=BERLIN),
        datetime(2026, 1, 11, 9, tzinfo=BERLIN),
    ]


async def test_a_monday_reminder_offers_saturday_too(
    connected: PathwayBot, emu: Emulator, clock: FixedClock
) -> None:
    bot = connected
    _, user = await enrol(emu, "mon")
    dm = await next_reminder_dm(bot, emu, clock, user)
    labels = [dm.find_component(c)["label"] for c in snooze_ids(dm)]  # type: ignore[attr-defined]
    assert [c.rsplit(":", 1)[1] for c in snooze_ids(dm)] == ["evening", "day", "weekend"]
    assert labels == ["This evening, 19:00", "Tomorrow, same time", "Saturday, 09:00"]


async def test_reminders_show_lists_a_snooze_and_cancelling_it_stops_it(
    connected: PathwayBot, emu: Emulator, clock: FixedClock
) -> None:
    bot = connected
    guild, user = await enrol(emu, "mon")
    dm = await next_reminder_dm(bot, emu, clock, user)
    (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
    eid = enrolment.id
    tomorrow = await emu.click(user, dm, f"pb:snooze:{eid}:day")  # type: ignore[arg-type]
    saturday = await emu.click(user, dm, f"pb:snooze:{eid}:weekend")  # type: ignore[arg-type]
    (tomorrow_at, _) = stamps(tomorrow.content)
    (saturday_at, _) = stamps(saturday.content)
    assert tomorrow_at == datetime(2026, 1, 13, 9, tzinfo=BERLIN)
    assert saturday_at == datetime(2026, 1, 17, 9, tzinfo=BERLIN)

    shown = await emu.run_command(user, "reminders", guild=guild, subcommand="show")
    assert shown.ephemeral
    for at in (tomorrow_at, saturday_at):
        stamp = int(at.timestamp())
        assert f"<t:{stamp}:F> (<t:{stamp}:R>)" in shown.content, shown.content
    cancels = [c for c in custom_ids(shown.components) if c.startswith(f"pb:unsnooze:{eid}:")]
    assert len(cancels) == 2  # soonest first: tomorrow's, then Saturday's

    cancelled = await emu.click(user, shown.message, cancels[0])  # type: ignore[arg-type]
    assert cancelled.response_type == UPDATE_MESSAGE  # the /reminders show reply, updated
    assert "Snooze cancelled" in cancelled.content
    assert f"<t:{int(tomorrow_at.timestamp())}:F>" not in cancelled.content
    assert f"<t:{int(saturday_at.timestamp())}:F>" in cancelled.content
    assert custom_ids(cancelled.components) == cancels[1:]
    statuses = await bot.store.deliveries.pending_snoozes([eid])
    assert [s.at for s in statuses] == [saturday_at]

    # Tuesday 09:00 passes without a reminder; Saturday's snooze, left alone, arrives
    count = len(reminder_dms(emu, user))
    clock.set(tomorrow_at + timedelta(minutes=1))
    report = await bot.reminders.sweep()
    assert report.sent == 0 and len(reminder_dms(emu, user)) == count
    clock.set(saturday_at + timedelta(minutes=1))
    report = await bot.reminders.sweep()
    assert report.sent == 1
    await poll(lambda: len(reminder_dms(emu, user)) == count + 1)
    assert await bot.store.deliveries.pending_snoozes([eid]) == []

    # a stale cancel button answers privately, changing nothing
    again = await emu.click(user, shown.message, cancels[1])  # type: ignore[arg-type]
    assert again.ephemeral and "already been sent or cancelled" in again.content


async def test_the_snooze_reply_cancels_its_own_snooze(
    connected: PathwayBot, emu: Emulator, clock: FixedClock
) -> None:
    bot = connected
    _, user = await enrol(emu, "mon")
    dm = await next_reminder_dm(bot, emu, clock, user)
    (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
    reply = await emu.click(user, dm, f"pb:snooze:{enrolment.id}:evening")  # type: ignore[arg-type]
    (cancel,) = custom_ids(reply.components)
    delivery_id = int(cancel.rsplit(":", 1)[1])
    with pytest.raises(Forbidden):  # only the learner can call off their own snooze
        await bot.account.cancel_snooze(user.id + 1, enrolment.id, delivery_id)
    done = await emu.click(user, reply.message, cancel)  # type: ignore[arg-type]
    assert done.response_type == UPDATE_MESSAGE and "Snooze cancelled" in done.content
    assert await bot.store.deliveries.pending_snoozes([enrolment.id]) == []
