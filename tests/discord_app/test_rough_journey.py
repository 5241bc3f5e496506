"""Every reply and DM of a scripted journey, read as the learner and the admin read them
(issue 22): no "(s)" plurals, no raw pathway id, no date outside the current year without
its year, and no reply above its budget (errors 200 characters, confirmations 300, /tasks 900,
the weekly DM 1,200, /enroll 900)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from tests.discord_app.conftest import World
from tests.harness import SEED, is_reminder

ERROR, CONFIRMATION, TASKS, WEEKLY_DM, ENROLL = 200, 300, 900, 1200, 900
_DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_DATE = re.compile(rf"\b({_DAYS}) (\d{{1,2}}) ({_MONTHS})\b(?! \d{{4}})")


def text_of(message: Any) -> str:
    """What a person reads: the content and every embed's visible text."""
    parts = [message.content or ""]
    for e in message.embeds or []:
        parts += [e.get("title", ""), e.get("description", "")]
        for f in e.get("fields", []):
            parts += [f.get("name", ""), f.get("value", "")]
        parts.append((e.get("footer") or {}).get("text", ""))
    return "\n".join(p for p in parts if p)


def check(label: str, message: Any, budget: int | None, seen: list[str], year: int) -> str:
    text = text_of(message)
    seen.append(f"--- {label} ({len(text)} characters)\n{text}")
    assert "(s)" not in text, (label, text)
    assert SEED not in text, (label, text)
    for weekday, day, month in _DATE.findall(text):
        month_number = _MONTHS.split("|").index(month) + 1
        shown = date(year, month_number, int(day))
        # a date without a year must be this year's: its weekday says which year it is
        assert shown.strftime("%a") == weekday, (label, f"{weekday} {day} {month}", text)
    if budget is not None:
        assert len(text) <= budget, (label, len(text), budget, text)
    return text


async def test_a_scripted_journey_reads_well(world: World) -> None:
    emu, g, alice, bob, admin = world.emu, world.guild, world.alice, world.bob, world.admin
    seen: list[str] = []
    try:
        await _journey(world, emu, g, alice, bob, admin, seen)
    finally:
        print("\n".join(seen))  # the transcript, for reading when a budget is exceeded


async def _journey(
    world: World, emu: Any, g: Any, alice: Any, bob: Any, admin: Any, seen: list[str]
) -> None:
    year = world.bot.now().year  # the bot's (pinned) calendar

    async def run(user: Any, budget: int | None, *args: Any, **kwargs: Any) -> Any:
        reply = await emu.run_command(user, *args, guild=g, **kwargs)
        label = " ".join(str(a) for a in args) + " " + str(kwargs.get("options", ""))
        if reply.content.startswith("⚠️"):
            check(label, reply, ERROR, seen, year)
        else:
            check(label, reply, budget, seen, year)
        return reply

    # the admin sets the server up
    await run(admin, CONFIRMATION, "setup", subcommand="defaults")
    channel = emu.channels(g)[0]
    await run(
        admin, CONFIRMATION, "setup", subcommand="digest-channel", options={"channel": channel}
    )
    await run(admin, CONFIRMATION, "setup", subcommand="dm-notice", options={"enabled": False})
    await run(
        admin,
        CONFIRMATION,
        "group",
        subcommand="create",
        options={"name": "Night Owls", "pathway": SEED},
    )

    # a new learner on the 12-month pace: the timeline ends next year, and says so
    enrolled = await run(
        alice,
        ENROLL,
        "enroll",
        options={"pathway": SEED, "pace": "12-months", "timezone": "Europe/London"},
    )
    assert "study group sees your progress" in enrolled.content
    assert str(year + 1) in enrolled.content
    welcome = await emu.wait_for_dm(alice, lambda m: "Welcome" in m.content, timeout=15)
    text = check("welcome DM", welcome, CONFIRMATION + 200, seen, year)
    assert "/reminders pause" in text and "first weekly reminder" in text
    assert "study group sees" not in text  # adds what the reply did not say

    offer = await run(
        alice, ENROLL, "enroll", options={"pathway": SEED, "day": "sat", "pace": "9-months"}
    )
    cancelled = await emu.click(alice, offer.message, "pb:cancel")
    check("cancel", await cancelled.wait_final(), CONFIRMATION, seen, year)
    await run(alice, TASKS, "tasks")
    await run(alice, CONFIRMATION, "done", options={"task": "install jupyter"})
    await run(alice, ERROR, "done", options={"task": "kubernetes operator"})
    await run(alice, CONFIRMATION, "undo", options={"task": "install jupyter"})
    await run(alice, None, "progress")
    await run(alice, None, "reminders", subcommand="pause")
    paused = await run(alice, TASKS, "tasks")
    assert "Paused" in text_of(paused)
    assert "Paused" in text_of(await run(alice, None, "progress"))
    await run(alice, CONFIRMATION + 200, "reminders", subcommand="resume")
    await run(alice, CONFIRMATION, "me", subcommand="visibility", options={"mode": "shown"})
    await run(alice, CONFIRMATION, "group", subcommand="join", options={"name": "owls"})
    await run(bob, ENROLL, "enroll", options={"pathway": "backend", "group": "night"})
    await run(bob, None, "group", subcommand="info", options={"name": "Night Owls"})
    board = await run(alice, None, "leaderboard", options={"metric": "on-schedule"})
    check("leaderboard (final)", await board.wait_final(), None, seen, year)
    await run(admin, ERROR, "progress", options={"member": bob})  # bob never opted in
    await run(admin, None, "setup", subcommand="show")
    await run(alice, ERROR, "enroll", options={"pathway": "astronaut"})

    # the weekly DM
    world.bot.make_due()
    dm = await emu.wait_for_dm(alice, is_reminder, timeout=20)
    check("weekly DM", dm, WEEKLY_DM, seen, year)

    await run(alice, CONFIRMATION, "reminders", subcommand="set", options={"day": "fri"})
    exported = await run(alice, None, "me", subcommand="export")
    check("export", await exported.wait_final(), CONFIRMATION, seen, year)
    leave = await run(bob, CONFIRMATION, "leave", options={"pathway": SEED})
    confirm = next(i for i in leave.message.custom_ids if i.startswith("pb:leave:"))
    check(
        "left",
        await (await emu.click(bob, leave.message, confirm)).wait_final(),
        CONFIRMATION,
        seen,
        year,
    )
    forget = await run(bob, CONFIRMATION, "me", subcommand="delete")
    erase = next(i for i in forget.message.custom_ids if i.startswith("pb:forget:"))
    gone = await (await emu.click(bob, forget.message, erase)).wait_final()
    assert "enrolment" in check("deleted", gone, CONFIRMATION, seen, year)
