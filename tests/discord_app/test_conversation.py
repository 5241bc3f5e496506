"""One conversation: the learner's whole journey in DMs, and the welcome at enrolment.

The bot runs as a subprocess against the emulator; every count below is of REST requests the
emulator recorded, so it is what Discord would have seen.
"""

from __future__ import annotations

import json

from tests.discord_app.conftest import World
from tests.harness import SEED, is_reminder, poll, reminder_dms

DM_ROUTE = "POST /users/@me/channels"
SEND_ROUTE = "POST /channels/{channel_id}/messages"


def _routes(world: World, start: int) -> list[str]:
    return [r.route for r in world.emu.requests[start:]]


async def test_a_journey_held_entirely_in_dms(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    enrolled = await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    assert "enrolled" in enrolled.content
    await emu.wait_for_dm(alice, lambda m: "Welcome" in m.content, timeout=15)

    # every learner command works in the bot's DM, on the enrolment made in the server
    tasks = await emu.run_command(alice, "tasks")
    assert tasks.ephemeral and "This week's focus" in json.dumps(tasks.embeds)
    choices = await emu.autocomplete(alice, "done", "task", "jupyter")
    assert choices and "Jupyter" in choices[0]["name"]
    done = await emu.run_command(alice, "done", options={"task": choices[0]["value"]})
    assert "Done" in done.content and "1/30" in done.content
    progress = await emu.run_command(alice, "progress")
    assert progress.ephemeral and not progress.content.startswith("⚠️")
    changed = await emu.run_command(
        alice, "reminders", subcommand="set", options={"day": "fri", "time": "18:30"}
    )
    assert "Fridays at 18:30" in changed.content
    undone = await emu.run_command(alice, "undo", options={"task": choices[0]["value"]})
    assert "open again" in undone.content

    # /enroll in the DM for the pathway followed in the server creates nothing, and says where
    again = await emu.run_command(alice, "enroll", options={"pathway": SEED})
    assert "already follow this pathway in **Learners**" in again.content
    assert world.bot.sql("SELECT COUNT(*) FROM enrolments") == [(1,)]
    export = await (await emu.run_command(alice, "me", subcommand="export")).wait_final()
    blob = next(a for a in export.attachments if a.filename.endswith(".json"))
    assert len(json.loads(blob.data)["enrolments"]) == 1

    # two simulated weeks: exactly one reminder each
    for week in (1, 2):
        world.bot.make_due()
        await emu.wait_for(lambda w=week: len(reminder_dms(emu, alice)) >= w, timeout=15)
        await poll(
            lambda: (
                world.bot.sql(
                    "SELECT COUNT(*) FROM enrolments WHERE next_reminder_at > ?",
                    (int(world.bot.now().timestamp() * 1_000_000),),
                )
                == [(1,)]
            ),
            what="the next reminder to be planned",
        )
    assert len(reminder_dms(emu, alice)) == 2


async def test_welcome_dm_then_the_first_reminder_costs_one_request(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    start = len(emu.requests)
    await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    welcome = await emu.wait_for_dm(alice, lambda m: "Welcome" in m.content, timeout=15)
    assert "<t:" in welcome.content and "first weekly reminder" in welcome.content
    await poll(
        lambda: world.bot.sql("SELECT dm_channel_id FROM learners")[0][0] is not None,
        what="the DM channel to be recorded",
    )
    assert len(emu.dms(alice)) == 1  # exactly one welcome
    assert _routes(world, start).count(DM_ROUTE) == 1
    before = len(emu.requests)
    world.bot.make_due()
    await emu.wait_for_dm(alice, is_reminder, timeout=15)
    routes = _routes(world, before)
    assert DM_ROUTE not in routes  # the channel was learned by the welcome
    assert routes.count(SEND_ROUTE) == 1  # one REST request for the reminder


async def test_closed_dms_at_enrolment_get_a_private_follow_up(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    channel = emu.channels(g)[0]
    await emu.run_command(
        world.admin, "setup", guild=g, subcommand="digest-channel", options={"channel": channel}
    )
    on = await emu.run_command(
        world.admin, "setup", guild=g, subcommand="dm-notice", options={"enabled": True}
    )
    assert "once" in on.content and on.ephemeral
    emu.close_dms(alice)
    start = len(emu.requests)
    reply = await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    assert "enrolled" in reply.content
    note = await reply.wait_followup(timeout=15)
    assert (
        note.ephemeral and "DMs are closed" in note.content and f"<#{channel.id}>" in note.content
    )
    forbidden = [r for r in emu.requests[start:] if r.status == 403]
    assert len(forbidden) == 1
    blocked = world.bot.sql("SELECT dm_blocked_since FROM learners")[0][0]
    assert blocked is not None

    def mentions() -> int:
        return sum(f"<@{alice.id}>" in m.content for m in emu.channel_messages(channel))

    # the first reminder tries the DM once, then the one channel mention the admin allowed
    next_at = "SELECT next_reminder_at FROM enrolments"
    first = world.bot.sql(next_at)
    world.bot.make_due()
    await emu.wait_for(lambda: mentions() == 1, timeout=15)
    await poll(lambda: world.bot.sql(next_at) != first, what="the reminder to advance")
    # a week later: the DM is tried again, but the channel never hears of it twice
    before = len(emu.requests)
    world.bot.make_due()
    await emu.wait_for(lambda: any(r.status == 403 for r in emu.requests[before:]), timeout=15)
    await world.bot.wait_ticks(2)
    assert mentions() == 1
    # her next command does not tell her again: the enrolment follow-up already did
    later = await emu.run_command(alice, "tasks", guild=g)
    await emu.run_command(alice, "progress", guild=g)
    assert later.followups == []
