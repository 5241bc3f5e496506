"""/me calendar through the emulator: the .ics parses back with icalendar, every open item's
deadline appears exactly once on its local last day, and a pause moves them."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from bot.core.cadence import ItemState, Schedule, build_plan
from bot.core.deadlines import last_day
from bot.core.models import ReminderPrefs
from bot.core.pathway import Pathway
from tests.discord_app.conftest import World
from tests.harness import SEED

ZONE = "America/New_York"


def _deadlines(raw: bytes) -> dict[str, date]:
    cal = icalendar.Calendar.from_ical(raw)
    out: dict[str, date] = {}
    for ev in cal.walk("VEVENT"):
        uid = str(ev["uid"])
        if uid.startswith("item."):
            assert uid not in out, f"{uid} appears twice"
            out[uid.removeprefix("item.").split(".e")[0]] = ev.decoded("dtstart")
    return out


def _calendar(reply) -> bytes:  # type: ignore[no-untyped-def]
    assert reply.ephemeral, reply.content
    (attachment,) = reply.attachments
    assert attachment.filename.endswith(".ics")
    return attachment.data


async def test_me_calendar_matches_the_plan_and_follows_a_pause(
    world: World, seed: Pathway
) -> None:
    emu, g, alice, bot = world.emu, world.guild, world.alice, world.bot
    refused = await emu.run_command(alice, "me", guild=g, subcommand="calendar")
    assert refused.ephemeral and refused.content.startswith("⚠️") and "/enroll" in refused.content

    await emu.run_command(
        alice,
        "enroll",
        guild=g,
        options={"pathway": SEED, "timezone": ZONE, "day": "wed", "time": "18:30"},
    )
    await emu.run_command(alice, "done", guild=g, options={"task": "week-jupyter-setup"})
    reply = await emu.run_command(alice, "me", guild=g, subcommand="calendar")
    for app in ("Google Calendar", "Apple Calendar", "Outlook"):
        assert app in reply.content
    raw = _calendar(reply)
    got = _deadlines(raw)

    (start_s, pace) = bot.sql("SELECT start_date, pace FROM enrolments")[0]
    schedule = Schedule(
        date.fromisoformat(str(start_s)),
        ReminderPrefs(tz=ZONE, weekday=2, at=time(18, 30)),
        (),
        str(pace),
    )
    plan = build_plan(seed, schedule, {"week-jupyter-setup"}, bot.now())
    zone = ZoneInfo(ZONE)
    expected = {
        s.item.id: last_day(s.due_at, zone)
        for s in plan.statuses
        if s.state is not ItemState.DONE and s.due_at is not None
    }
    assert got == expected  # every open item once, on its local last day (DST changes included)
    texts = {
        str(ev["uid"]).removeprefix("item.").split(".e")[0]: str(ev["summary"])
        for ev in icalendar.Calendar.from_ical(raw).walk("VEVENT")
        if str(ev["uid"]).startswith("item.")
    }
    by_id = {s.item.id: s.item.text for s in plan.statuses}
    assert all(" ".join(by_id[k].split()) in texts[k] for k in expected)
    assert "week-jupyter-setup" not in got
    cal = icalendar.Calendar.from_ical(raw)
    (weekly,) = [e for e in cal.walk("VEVENT") if "RRULE" in e]
    assert str(weekly.decoded("dtstart").tzinfo) == ZONE
    assert weekly.decoded("dtstart").time() == time(18, 30)
    assert weekly["rrule"]["BYDAY"] == ["WE"]

    # Pause for ten days: every deadline not yet reached moves ten days later.
    await emu.run_command(alice, "reminders", guild=g, subcommand="pause")
    bot.advance(timedelta(days=10))
    paused_reply = await emu.run_command(alice, "me", guild=g, subcommand="calendar")
    assert "Paused" in paused_reply.content
    paused_raw = _calendar(paused_reply)
    moved = _deadlines(paused_raw)
    assert moved.keys() == got.keys()
    assert all((moved[k] - got[k]).days in (10, 11) for k in got), {
        k: (moved[k] - got[k]).days for k in got
    }
    paused_cal = icalendar.Calendar.from_ical(paused_raw)
    assert not [e for e in paused_cal.walk("VEVENT") if "RRULE" in e]  # no reminders come

    # From the bot's DM it covers every enrolment, wherever made.
    dm = await emu.run_command(alice, "me", subcommand="calendar")
    assert _deadlines(_calendar(dm)) == moved


async def test_calendar_counts_only_this_servers_enrolments(world: World) -> None:
    emu = world.emu
    other = emu.add_guild("Elsewhere", world.owner)
    emu.add_member(other, world.bob)
    await emu.run_command(world.bob, "enroll", guild=world.guild, options={"pathway": SEED})
    elsewhere = await emu.run_command(world.bob, "me", guild=other, subcommand="calendar")
    assert elsewhere.content.startswith("⚠️") and not elsewhere.attachments
    here = await emu.run_command(world.bob, "me", guild=world.guild, subcommand="calendar")
    assert len(_deadlines(_calendar(here))) > 0
