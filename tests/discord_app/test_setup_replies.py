"""/setup says when the next digest posts, as a Discord timestamp, and /enroll's options say
which default really applies (the learner's saved one, else this server's, else mon 09:00)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.discord_app.conftest import World
from tests.harness import SEED


def next_local(now: datetime, weekday: int, at: time, zone: str) -> datetime:
    """The next `weekday` at `at` in `zone` after now, worked out independently of the bot."""
    tz = ZoneInfo(zone)
    day = now.astimezone(tz).date()
    for n in range(9):
        candidate = datetime.combine(day + timedelta(days=n), at, tzinfo=tz)
        if candidate.weekday() == weekday and candidate > now:
            return candidate
    raise AssertionError("no slot within 9 days")


def stamps(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"<t:(\d+):F>", text)]


async def test_setup_defaults_says_when_the_next_digest_posts(world: World) -> None:
    emu, g, admin = world.emu, world.guild, world.admin
    r = await emu.run_command(
        admin,
        "setup",
        guild=g,
        subcommand="defaults",
        options={"day": "wed", "time": "07:15", "timezone": "Europe/Berlin"},
    )
    expected = int(next_local(world.bot.now(), 2, time(7, 15), "Europe/Berlin").timestamp())
    assert "Wednesdays at 07:15 (Europe/Berlin)" in r.content
    assert "digests are off" in r.content and stamps(r.content) == [], r.content

    channel = emu.channels(g)[0]
    on = await emu.run_command(
        admin, "setup", guild=g, subcommand="digest-channel", options={"channel": channel}
    )
    assert f"<#{channel.id}>" in on.content and stamps(on.content) == [expected], on.content

    # With the channel set, the defaults reply names it, and a new time moves the digest.
    r = await emu.run_command(
        admin, "setup", guild=g, subcommand="defaults", options={"day": "fri", "time": "18:00"}
    )
    later = int(next_local(world.bot.now(), 4, time(18, 0), "Europe/Berlin").timestamp())
    assert f"digests post in <#{channel.id}>" in r.content
    assert stamps(r.content) == [later], r.content
    for reply in (on, r):  # each /setup reply: one short sentence
        assert reply.content.count(". ") == 0 and len(reply.content) <= 300, reply.content


async def test_enroll_suggests_the_default_that_really_applies(world: World) -> None:
    emu, g, admin, alice = world.emu, world.guild, world.admin, world.alice
    days = await emu.autocomplete(alice, "enroll", "day", "", guild=g, options={"pathway": SEED})
    assert days[0] == {"name": "Monday (the default)", "value": "mon"}
    await emu.run_command(
        admin,
        "setup",
        guild=g,
        subcommand="defaults",
        options={"day": "wed", "time": "07:15", "timezone": "Europe/Berlin"},
    )
    opts = {"pathway": SEED}
    days = await emu.autocomplete(alice, "enroll", "day", "", guild=g, options=opts)
    assert days[0] == {"name": "Wednesday (this server's default)", "value": "wed"}
    assert [d["value"] for d in days].count("wed") == 1 and len(days) == 7
    times = await emu.autocomplete(alice, "enroll", "time", "", guild=g, options=opts)
    assert times[0] == {"name": "07:15 (this server's default)", "value": "07:15"}
    zones = await emu.autocomplete(alice, "enroll", "timezone", "", guild=g, options=opts)
    assert zones[0] == {"name": "Europe/Berlin (this server's default)", "value": "Europe/Berlin"}
    typed = await emu.autocomplete(alice, "enroll", "time", "7pm", guild=g, options=opts)
    assert typed[0] == {"name": "19:00", "value": "19:00"}
    fr = await emu.autocomplete(alice, "enroll", "day", "fr", guild=g, options=opts)
    assert fr == [{"name": "Friday", "value": "fri"}]

    # Once Alice has saved settings, those apply first, and the suggestions say so.
    await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED, "day": "sat"})
    days = await emu.autocomplete(alice, "enroll", "day", "", guild=g, options=opts)
    assert days[0] == {"name": "Saturday (your saved setting)", "value": "sat"}

    # The descriptions, the same in every server, say the order honestly.
    command = emu.command("enroll")
    assert command is not None
    described = {o["name"]: o["description"] for o in command.options}
    for option in ("day", "time", "timezone"):
        assert "your saved" in described[option] and "this server's" in described[option]
        assert "(default mon)" not in described[option]
