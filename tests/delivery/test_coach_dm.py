"""The weekly DM the bot really sends is preview's `message` for that week (issue 21).

The bot runs in-process with a fake clock (a quarter of a year of weeks must pass) and talks
to the emulator through the real discord.py client; the learner is idle, so the weeks cover
"just started", behind mode with its offers, the day-90 review and a DST change (Berlin,
29 March 2026). Then the offers are pressed: each is answered privately and changes the
plan as it says.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.core.cadence import Schedule
from bot.core.errors import Forbidden, InvalidInput
from bot.core.journey import as_json, completion_times, simulate
from bot.core.models import CompletionSource, EnrolmentStatus
from bot.discord_app.client import PathwayBot
from bot.emulator.driver import Emulator
from tests.harness import SEED, custom_ids, reminder_dms

WEEKS = 15


@pytest.fixture
async def connected(inproc: PathwayBot) -> AsyncIterator[PathwayBot]:
    task = asyncio.create_task(inproc.connect(reconnect=False))
    await asyncio.wait_for(inproc.wait_until_ready(), 20)
    yield inproc
    task.cancel()


def dm_text(dm: Any) -> str:
    """What a learner reads, as `preview --json` joins it: content, the embed's title,
    description, fields and footer, then the buttons' labels."""
    (embed,) = dm.embeds
    parts = [dm.content, embed["title"], embed.get("description", "")]
    for f in embed.get("fields", []):
        parts += [f["name"], f["value"]]
    parts.append(embed["footer"]["text"])
    parts += [c["label"] for row in dm.components for c in row["components"] if c.get("label")]
    return "\n".join(parts)


async def test_the_dm_sent_each_week_equals_previews_message(
    connected: PathwayBot, emu: Emulator, clock: FixedClock
) -> None:
    bot = connected
    guild = emu.add_guild("Coach", emu.add_user("owner"))
    user = emu.add_user("learner")
    emu.add_member(guild, user)
    options = {"pathway": SEED, "timezone": "Europe/Berlin", "day": "mon", "time": "08:00"}
    reply = await emu.run_command(
        user, "enroll", guild=guild, options={**options, "pace": "9-months"}
    )
    assert "enrolled" in reply.content, reply.content
    (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
    pathway = bot.registry.get(SEED)
    schedule = Schedule(enrolment.start_date, enrolment.prefs, pace=enrolment.pace)
    rows = as_json(simulate(pathway, schedule, WEEKS + 2, "idle"), schedule)
    by_slot = {row["utc"]: row for row in rows}

    seen: list[dict[str, object]] = []
    for _ in range(WEEKS):
        (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
        assert enrolment.next_reminder_at is not None
        clock.set(enrolment.next_reminder_at)
        report = await bot.reminders.sweep()
        assert report.sent == 1 and report.errors == []
        dm = reminder_dms(emu, user)[-1]
        row = by_slot[enrolment.next_reminder_at.strftime("%Y-%m-%dT%H:%M:%SZ")]
        assert dm_text(dm) == row["message"], row["week"]
        seen.append(row)
    # the first DM comes in week 2 (the enrolment came after week 1's slot): behind already
    assert {r["status"] for r in seen} == {"behind"}
    assert "Week 1 is over: 0 of 3 done" in str(seen[0]["message"])
    assert any(r["review"] and r["review"]["kind"] == "day-90" for r in seen)  # type: ignore[index]
    assert any("+01:00" in str(r["local"]) for r in seen)
    assert any("+02:00" in str(r["local"]) for r in seen)  # across the DST change

    # behind: the DM offers a slower pace, a pause and a re-plan, as buttons that work
    dm = reminder_dms(emu, user)[-1]
    ids = custom_ids(dm.components)
    eid = enrolment.id
    assert [i for i in ids if i.startswith("pb:offer:")] == [
        f"pb:offer:{eid}:pace:12-months",
        f"pb:offer:{eid}:pause",
        f"pb:offer:{eid}:replan",
    ]
    slower = await emu.click(user, dm, f"pb:offer:{eid}:pace:12-months")
    assert slower.ephemeral and "12 months" in slower.content, slower.content
    (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
    assert enrolment.pace == "12-months"
    again = await emu.click(user, dm, f"pb:offer:{eid}:pace:12-months")
    assert again.ephemeral and "already on the 12 months pace" in again.content  # nothing lost

    before = enrolment.start_date
    replanned = await emu.click(user, dm, f"pb:offer:{eid}:replan")
    assert replanned.ephemeral and "Re-planned from today" in replanned.content
    (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
    assert enrolment.start_date > before
    state = await bot.learning.standing_of(enrolment, clock.now())
    assert state.progress.on_track.missing == 0  # nothing overdue once re-planned

    paused = await emu.click(user, dm, f"pb:offer:{eid}:pause")
    assert paused.ephemeral and "Paused" in paused.content
    (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
    assert enrolment.status is EnrolmentStatus.PAUSED
    twice = await emu.click(user, dm, f"pb:offer:{eid}:pause")
    assert twice.ephemeral and "already paused" in twice.content
    assert not emu.schema_violations


async def test_someone_elses_offers_are_refused_and_change_nothing(
    connected: PathwayBot, emu: Emulator, clock: FixedClock
) -> None:
    """A DM is only its learner's to press, but the service checks the owner itself too."""
    bot = connected
    guild = emu.add_guild("Coach", emu.add_user("owner"))
    alice, bob = emu.add_user("alice"), emu.add_user("bob")
    emu.add_member(guild, alice)
    await emu.run_command(alice, "enroll", guild=guild, options={"pathway": SEED})
    (enrolment,) = await bot.store.enrolments.list_for_user(alice.id)
    clock.set(clock.now() + timedelta(weeks=3))
    for press in (
        bot.catching_up.replan_from_today(enrolment.id, bob.id),
        bot.catching_up.pause(enrolment.id, bob.id),
        bot.catching_up.slow_down(enrolment.id, bob.id, "12-months"),
    ):
        with pytest.raises(Forbidden):
            await press
    with pytest.raises(InvalidInput, match="not offered"):
        await bot.catching_up.slow_down(enrolment.id, alice.id, "20-months")
    (after,) = await bot.store.enrolments.list_for_user(alice.id)
    assert after == enrolment  # nothing changed


async def test_an_on_time_learners_dms_equal_previews_messages_too(
    connected: PathwayBot, emu: Emulator, clock: FixedClock
) -> None:
    """Check-offs at the times preview's on-time learner makes them: the DMs (streak, struck
    milestones, progress cues, the phase-1 review) are still preview's messages."""
    bot = connected
    guild = emu.add_guild("Coach", emu.add_user("owner"))
    user = emu.add_user("keen")
    emu.add_member(guild, user)
    options = {"pathway": SEED, "timezone": "America/New_York", "day": "sun", "time": "02:30"}
    await emu.run_command(user, "enroll", guild=guild, options={**options, "pace": "as-written"})
    (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
    pathway = bot.registry.get(SEED)
    schedule = Schedule(enrolment.start_date, enrolment.prefs, pace=enrolment.pace)
    rows = as_json(simulate(pathway, schedule, 12, "on-time"), schedule)
    by_slot = {row["utc"]: row for row in rows}
    when = sorted((at, item) for item, at in completion_times(pathway, schedule).items())
    compared = 0
    for _ in range(10):
        (enrolment,) = await bot.store.enrolments.list_for_user(user.id)
        assert enrolment.next_reminder_at is not None
        slot = enrolment.next_reminder_at
        while when and when[0][0] <= slot:
            at, item = when.pop(0)
            clock.set(max(at, clock.now()))
            await bot.learning.done_by_id(enrolment.id, user.id, item, CompletionSource.COMMAND)
        clock.set(slot)
        report = await bot.reminders.sweep()
        if report.sent == 0:
            continue
        dm = reminder_dms(emu, user)[-1]
        row = by_slot[slot.strftime("%Y-%m-%dT%H:%M:%SZ")]
        assert dm_text(dm) == row["message"], row["week"]
        compared += 1
    assert compared >= 8
    assert "streak" in str(row["message"]) and row["status"] == "on-track"
