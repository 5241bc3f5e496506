"""/setup says when the next digest posts, as a Discord timestamp, and /enroll's options say
which default really applies (the learner's saved one, else this server's, else mon 09:00)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.discord_app.conftest import World


def next_local(weekday: int, at: time, zone: str) -> datetime:
    """The next `weekday` at `at` in `zone` after now, worked out independently of the bot."""
    tz = ZoneInfo(zone)
    now = datetime.now(UTC)
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
    expected = int(next_local(2, time(7, 15), "Europe/Berlin").timestamp())
    assert "Wednesdays at 07:15 (Europe/Berlin)" in r.content
    assert "Digests are off" in r.content and "/setup digest-channel" in r.content
    assert stamps(r.content) == [expected], r.content

    channel = emu.channels(g)[0]
    on = await emu.run_command(
        admin, "setup", guild=g, subcommand="digest-channel", options={"channel": channel}
    )
    assert f"<#{channel.id}>" in on.content and stamps(on.content) == [expected], on.content

    # With the channel set, the defaults reply names it, and a new time moves the digest.
    r = await emu.run_command(
        admin, "setup", guild=g, subcommand="defaults", options={"day": "fri", "time": "18:00"}
    )
    later = int(next_local(4, time(18, 0), "Europe/Berlin").timestamp())
    assert f"Weekly digests post in <#{channel.id}>" in r.content
    assert stamps(r.content) == [later], r.content
