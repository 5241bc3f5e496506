"""What a learner and an admin trip over (issue 22), through the emulator and the real bot."""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.cadence import resolve_local
from tests.discord_app.conftest import World
from tests.harness import SEED, is_reminder, poll

#: "⏳ Set up Jupyter · by end of Sun 13 Dec (<t:1765666800:R>)": item text and its deadline.
_DEADLINE = re.compile(r"^\S+ (?P<text>.+?) · (?:by|was due) end of [^\n]*?\(<t:(?P<ts>\d+):R>\)$")


def _fields(reply: Any) -> list[str]:
    lines: list[str] = []
    for embed in reply.embeds:
        for field in embed.get("fields", []):
            lines.extend(field["value"].split("\n"))
    return lines


async def _deadlines(world: World, user: Any) -> dict[str, int]:
    """Every deadline `/tasks horizon:all` shows the learner, by item text."""
    reply = await world.emu.run_command(
        user, "tasks", guild=world.guild, options={"horizon": "all"}
    )
    found = {}
    for line in _fields(reply):
        m = _DEADLINE.match(line)
        if m:
            found[m["text"]] = int(m["ts"])
    assert len(found) >= 5, json.dumps(reply.embeds)[:2000]
    return found


# --- 1. pauses move deadlines by whole local days --------------------------------------------


async def test_a_pause_moves_deadlines_by_local_calendar_days(world: World) -> None:
    """The bot's clock moved through a pause of 3 days 5 hours, in Tokyo and in London across
    the end of summer time: each deadline moves by exactly the local calendar days from the
    pause's date to the resume's date, and still ends at the end of a local day. A same-day
    pause, and /leave then /enroll, move nothing."""
    emu, g, bot = world.emu, world.guild, world.bot
    cases = [
        # (learner, zone, local instant of the pause); in time order, the clock only advances.
        (world.bob, "Asia/Tokyo", datetime(2027, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))),
        # London leaves summer time on Sun 31 Oct 2027, inside this pause.
        (
            world.alice,
            "Europe/London",
            datetime(2027, 10, 29, 21, 0, tzinfo=ZoneInfo("Europe/London")),
        ),
    ]
    for user, zone, began in cases:
        tz = ZoneInfo(zone)
        bot.pin(began - timedelta(days=2))
        options = {"pathway": SEED, "timezone": zone}
        await emu.run_command(user, "enroll", guild=g, options=options)
        bot.pin(began)
        before = await _deadlines(world, user)

        # Paused and resumed within the same day: nothing moves (it used to move a day).
        paused = await emu.run_command(user, "reminders", guild=g, subcommand="pause")
        assert not paused.content.startswith("⚠️"), paused.content
        await emu.run_command(user, "reminders", guild=g, subcommand="resume")
        assert await _deadlines(world, user) == before

        # /leave then /enroll again the same day: nothing moves either.
        leaving = await emu.run_command(user, "leave", guild=g, options={"pathway": SEED})
        confirm = next(i for i in leaving.message.custom_ids if i.startswith("pb:leave:"))
        await (await emu.click(user, leaving.message, confirm)).wait_final()
        back = await emu.run_command(user, "enroll", guild=g, options={"pathway": SEED})
        assert "Welcome back" in back.content, back.content
        assert await _deadlines(world, user) == before

        # A real pause: 3 days 5 hours on the bot's clock.
        await emu.run_command(user, "reminders", guild=g, subcommand="pause")
        bot.advance(timedelta(days=3, hours=5))
        resumed = await emu.run_command(user, "reminders", guild=g, subcommand="resume")
        assert "Welcome back" in resumed.content, resumed.content
        days = (bot.now().astimezone(tz).date() - began.astimezone(tz).date()).days
        assert days == (4 if zone == "Europe/London" else 3)
        after = await _deadlines(world, user)
        compared = 0
        for text, due in before.items():
            if text not in after:
                continue
            compared += 1
            moved = datetime.fromtimestamp(after[text], tz)
            assert (moved.hour, moved.minute) == (0, 0), (zone, text, moved)  # end of a day
            old = datetime.fromtimestamp(due, tz)
            want = resolve_local(old.date() + timedelta(days=days), time(0), tz)
            assert moved == want, (zone, text, old, moved, days)
        assert compared >= 5


# --- 2. a repeated /enroll changes nothing until Apply ---------------------------------------


async def test_a_repeated_enroll_offers_every_change_and_cancel_keeps_all(world: World) -> None:
    emu, g, alice, bot = world.emu, world.guild, world.alice, world.bot
    await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    plan_before = bot.sql("SELECT pace, start_date, next_reminder_at FROM enrolments")
    learner_before = bot.sql("SELECT tz, weekday, remind_at FROM learners")
    options = {"pathway": SEED, "pace": "12-months", "day": "sat", "time": "10:00"}
    offer = await emu.run_command(alice, "enroll", guild=g, options=options)
    text = offer.content
    assert "Saturdays at 10:00" in text and "12 months" in text, text
    assert "Mondays at 09:00" in text and "9 months" in text, text  # from → to, every change
    embed = json.dumps(offer.embeds, ensure_ascii=False)
    assert "12 months" not in embed, embed  # the plan shown is the one still in force
    assert bot.sql("SELECT pace, start_date, next_reminder_at FROM enrolments") == plan_before
    cancel = await emu.click(alice, offer.message, "pb:cancel")
    assert "Nothing changed" in (await cancel.wait_final()).content
    assert bot.sql("SELECT pace, start_date, next_reminder_at FROM enrolments") == plan_before
    assert bot.sql("SELECT tz, weekday, remind_at FROM learners") == learner_before
    progress = await emu.run_command(alice, "progress", guild=g)
    assert "of 12" not in json.dumps(progress.embeds), progress.embeds

    again = await emu.run_command(alice, "enroll", guild=g, options=options)
    apply = next(i for i in again.message.custom_ids if i.startswith("pb:apply:"))
    applied = await (await emu.click(alice, again.message, apply)).wait_final()
    assert "applied" in applied.content
    assert bot.sql("SELECT pace FROM enrolments") == [("12-months",)]
    assert bot.sql("SELECT weekday FROM learners") == [(5,)]


# --- 3. closed DMs: told once, privately; the channel only once, if the admin allows -------


async def test_closed_dms_no_phantom_reminder_and_no_weekly_public_ping(world: World) -> None:
    emu, g, alice, bot = world.emu, world.guild, world.alice, world.bot
    channel = emu.channels(g)[0]
    await emu.run_command(
        world.admin, "setup", guild=g, subcommand="digest-channel", options={"channel": channel}
    )
    emu.close_dms(alice)
    enrolled = await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    told = await enrolled.wait_followup(timeout=15)
    assert "DMs are closed" in told.content and f"<#{channel.id}>" not in told.content
    # Her next command: no "reminder could not reach you" when none was due, no repeat.
    nxt = await emu.run_command(alice, "tasks", guild=g)
    await emu.run_command(alice, "progress", guild=g)
    assert nxt.followups == [], [m.content for m in nxt.followups]
    blocked = "SELECT COUNT(*) FROM learners WHERE dm_blocked_since IS NOT NULL"
    assert bot.sql(blocked) == [(1,)]  # kept until a DM gets through
    # Two weekly reminders due: no public mention, since the admin did not turn it on.
    next_at = "SELECT next_reminder_at FROM enrolments"
    for _ in range(2):
        due = bot.sql(next_at)
        before = len(emu.requests)
        bot.make_due()
        await emu.wait_for(
            lambda b=before: any(r.status == 403 for r in emu.requests[b:]), timeout=15
        )
        await poll(lambda d=due: bot.sql(next_at) != d, what="the reminder to advance")
        await bot.wait_ticks(2)
    assert not [m for m in emu.channel_messages(channel) if f"<@{alice.id}>" in m.content]
    assert bot.sql(blocked) == [(1,)]
    # She opens her DMs: the next reminder arrives and the record is lifted.
    emu.open_dms(alice)
    bot.make_due()
    await emu.wait_for_dm(alice, is_reminder, timeout=20)
    await poll(lambda: bot.sql(blocked) == [(0,)])


# --- 7. /setup show, /setup defaults with no options, one-sentence replies -------------------


async def test_setup_show_summarises_settings_and_learners(world: World) -> None:
    emu, g, admin = world.emu, world.guild, world.admin
    bare = await emu.run_command(admin, "setup", guild=g, subcommand="defaults")
    assert not bare.content.startswith("⚠️") and "Mondays at 09:00" in bare.content
    channel = emu.channels(g)[0]
    replies = [
        bare,
        await emu.run_command(
            admin, "setup", guild=g, subcommand="digest-channel", options={"channel": channel}
        ),
        await emu.run_command(
            admin, "setup", guild=g, subcommand="defaults", options={"day": "wed", "time": "07:15"}
        ),
        await emu.run_command(
            admin, "setup", guild=g, subcommand="dm-notice", options={"enabled": True}
        ),
        await emu.run_command(
            admin, "setup", guild=g, subcommand="member-groups", options={"allowed": True}
        ),
    ]
    for r in replies:
        assert r.ephemeral and len(r.content) <= 300 and ". " not in r.content, r.content
    for user in (world.alice, world.bob):
        await emu.run_command(user, "enroll", guild=g, options={"pathway": SEED})
    await emu.run_command(world.bob, "reminders", guild=g, subcommand="pause")
    bot = world.bot
    bot.sql("UPDATE enrolments SET start_date = '2026-01-05' WHERE user_id = ?", (world.alice.id,))
    show = await emu.run_command(admin, "setup", guild=g, subcommand="show")
    text = show.content
    assert show.ephemeral
    assert f"<#{channel.id}>" in text and "Wednesdays at 07:15" in text
    assert "1 active, 1 paused, 1 behind" in text, text
    assert "Closed-DM notice: on" in text and "anyone may create" in text
    assert "Milestones" in text
    assert "setup" in {c.name for c in [emu.command("setup")] if c is not None}


# --- 6. a typed name resolves to what autocomplete offers first; ties ask ---------------------


async def test_typed_names_resolve_like_autocomplete_and_ties_ask(world: World) -> None:
    emu, g, alice, admin = world.emu, world.guild, world.alice, world.admin
    for name in ("Night Owls", "Night Hawks", "Early Birds"):
        await emu.run_command(
            admin, "group", guild=g, subcommand="create", options={"name": name, "pathway": SEED}
        )
    # /enroll group: offers exactly what /group join offers, best match first
    join = await emu.autocomplete(alice, "group", "name", "owl", guild=g, subcommand="join")
    enroll = await emu.autocomplete(
        alice, "enroll", "group", "owl", guild=g, options={"pathway": SEED}
    )
    assert enroll == join and enroll[0]["value"] == "Night Owls"
    # two equally good matches: asked which, nothing stored
    tie = await emu.run_command(
        alice, "enroll", guild=g, options={"pathway": SEED, "group": "night"}
    )
    assert tie.content.startswith("⚠️") and "which one" in tie.content, tie.content
    assert "Night Owls" in tie.content and "Night Hawks" in tie.content
    assert len(tie.content) <= 200
    assert world.bot.sql("SELECT COUNT(*) FROM enrolments") == [(0,)]
    # a typed pathway name and a partial group name resolve to the first choice offered
    r = await emu.run_command(
        alice, "enroll", guild=g, options={"pathway": "ml engineer", "group": "early"}
    )
    assert "enrolled" in r.content and "Early Birds" in json.dumps(r.embeds), r.content

    # items: "install jupyter" is what typing "jupy" offers first, and it resolves to it
    offered = await emu.autocomplete(alice, "done", "task", "install jupyter", guild=g)
    assert offered and "Jupyter" in offered[0]["name"]
    done = await emu.run_command(alice, "done", guild=g, options={"task": "install jupyter"})
    assert done.content.startswith("✅ Done") and "Jupyter" in done.content, done.content
    # equally good item matches: the reply names them and asks which
    tie = await emu.run_command(alice, "done", guild=g, options={"task": "first"})
    assert tie.content.startswith("⚠️") and "which one" in tie.content, tie.content
    assert len(tie.content) <= 200
    undo = await emu.run_command(alice, "undo", guild=g, options={"task": "jupy"})
    assert undo.content.startswith("↩️"), undo.content
