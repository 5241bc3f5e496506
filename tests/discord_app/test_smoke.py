"""Smoke: the real bot as a subprocess registers its commands and answers /enroll."""

from __future__ import annotations

from tests.discord_app.conftest import World
from tests.harness import SEED

COMMANDS = {
    "enroll",
    "tasks",
    "done",
    "undo",
    "progress",
    "pathways",
    "leave",
    "reminders",
    "me",
    "setup",
    "group",
    "leaderboard",
    "cohort",
}


async def test_commands_registered_and_enroll_answers(world: World) -> None:
    registered = {c.name for c in world.emu.commands()}
    assert registered == COMMANDS
    enroll = world.emu.command("enroll")
    assert enroll is not None
    names = [o["name"] for o in enroll.options]
    assert names == ["pathway", "group", "timezone", "day", "time", "start", "pace"]
    assert all(o.get("description") for o in enroll.options)
    reply = await world.emu.run_command(
        world.alice, "enroll", guild=world.guild, options={"pathway": SEED}
    )
    assert reply.ephemeral and "enrolled" in reply.content and reply.embeds
