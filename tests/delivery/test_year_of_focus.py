"""A year of weekly plans through the emulator: 3 learners, 3 zones, 2 paces.

Each week the DM must name that week's focus (as the core decides it), with a ✅ button per
item that works: the learner clicks the buttons of items falling due within ten days, as a
conscientious learner would, and so must never be shown as behind. The bot runs in-process
with a fake clock (time must move a year) and is connected to the emulator's gateway, so the
clicks are real interactions through discord.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.discord_app.client import PathwayBot
from bot.emulator.driver import Emulator
from tests.harness import SEED, custom_ids, reminder_dms

LEARNERS = [
    ("Europe/Berlin", "mon", "08:00", "9-months"),
    ("America/New_York", "sun", "02:30", "12-months"),  # a wall time inside a DST gap
    ("Asia/Kolkata", "thu", "19:00", "9-months"),
]
CLICK_WITHIN = timedelta(days=10)


@pytest.fixture
async def connected(inproc: PathwayBot) -> AsyncIterator[PathwayBot]:
    task = asyncio.create_task(inproc.connect(reconnect=False))
    await asyncio.wait_for(inproc.wait_until_ready(), 20)
    yield inproc
    task.cancel()


async def test_a_year_of_reminders_names_the_focus_with_working_buttons(
    connected: PathwayBot, emu: Emulator, clock: FixedClock
) -> None:
    bot = connected
    guild = emu.add_guild("Year", emu.add_user("owner"))
    users = []
    for i, (zone, day, at, pace) in enumerate(LEARNERS):
        user = emu.add_user(f"learner{i}")
        emu.add_member(guild, user)
        users.append(user)
        reply = await emu.run_command(
            user,
            "enroll",
            guild=guild,
            options={"pathway": SEED, "timezone": zone, "day": day, "time": at, "pace": pace},
        )
        assert reply.ephemeral and "enrolled" in reply.content, reply.content
        # the enrol reply shows the first week's focus with the same buttons as a reminder
        (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
        assert enrolment.pace == pace
        first = await bot.reminders.content_for(enrolment, clock.now(), None)
        for s in first.focus:
            if s.due_at is not None and s.due_at - clock.now() <= CLICK_WITHIN:
                button = f"pb:done:{enrolment.id}:{s.item.id}"
                assert button in custom_ids(reply.components)
                done = await emu.click(user, reply.message, button)
                assert "Done" in done.content
    end = clock.now() + timedelta(weeks=53)
    seen_dms = dict.fromkeys([u.id for u in users], 0)
    clicks = weeks_checked = 0
    while True:
        due = [
            e.next_reminder_at
            for u in users
            for e in await bot.store.enrolments.list_for_user(u.id)
            if e.next_reminder_at is not None
        ]
        if not due or min(due) > end:
            break
        clock.set(min(due))
        report = await bot.reminders.sweep()
        assert report.errors == [] and report.failed == 0
        for user in users:
            dms = reminder_dms(emu, user)
            for dm in dms[seen_dms[user.id] :]:
                (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
                state = await bot.learning.standing_of(enrolment, clock.now())
                content = await bot.reminders.content_for(enrolment, clock.now(), None)
                focus = [s.item.id for s in content.focus]
                text = json.dumps(dm.embeds, ensure_ascii=False)
                assert "Behind" not in text, (user.username, dm.content)
                buttons = [i for i in custom_ids(dm.components) if i.startswith("pb:done:")]
                if state.progress.complete:
                    assert not buttons
                    continue
                assert 1 <= len(focus) <= 5, dm.content
                assert [b.rsplit(":", 1)[1] for b in buttons] == focus
                for s in content.focus:
                    assert s.item.text[:40] in text  # each focus item is named
                assert dm.content.startswith(f"Week {content.week} of")
                weeks_checked += 1
                for s, button in zip(content.focus, buttons, strict=True):
                    if s.due_at is not None and s.due_at - clock.now() <= CLICK_WITHIN:
                        if dm.find_component(button) is None:
                            continue  # an earlier click covered it: the DM shows it done
                        edits = dm.edit_count
                        reply = await emu.click(user, dm, button)
                        assert reply.ephemeral and "Done" in reply.content, reply.content
                        # each click edits the DM in place; wait so the next sees its buttons
                        await emu.wait_for(lambda d=dm, n=edits: d.edit_count > n)
                        clicks += 1
            seen_dms[user.id] = len(dms)
    assert weeks_checked >= 3 * 38  # the whole 9- or 12-month timeline, for each learner
    assert clicks >= 60
    for user in users:
        (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
        state = await bot.learning.standing_of(enrolment, clock.now())
        assert state.progress.complete, user.username  # clicking the focus got them through
    assert not emu.schema_violations
