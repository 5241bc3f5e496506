"""Study groups and leaderboards through the emulator: ties, hidden learners, isolation."""

from __future__ import annotations

import json

from tests.discord_app.conftest import World
from tests.harness import SEED


async def test_groups_and_a_fair_public_leaderboard(world: World) -> None:
    emu, g = world.emu, world.guild
    created = await emu.run_command(
        world.admin,
        "group",
        guild=g,
        subcommand="create",
        options={"name": "Spring Cohort", "pathway": SEED},
    )
    assert "created" in created.content and not created.ephemeral
    refused = await emu.run_command(
        world.alice,
        "group",
        guild=g,
        subcommand="create",
        options={"name": "Mine", "pathway": SEED},
    )
    assert refused.content.startswith("⚠️") and refused.ephemeral

    for user in (world.alice, world.bob):
        r = await emu.run_command(
            user, "enroll", guild=g, options={"pathway": SEED, "group": "spring cohort"}
        )
        assert "enrolled" in r.content
    await emu.run_command(world.alice, "done", guild=g, options={"task": "week-jupyter-setup"})
    await emu.run_command(world.bob, "done", guild=g, options={"task": "week-jupyter-setup"})
    await emu.run_command(world.bob, "done", guild=g, options={"task": "skill-mlops"})

    board = await emu.run_command(world.alice, "leaderboard", guild=g)
    assert not board.ephemeral
    text = json.dumps(board.embeds)
    assert text.index(str(world.bob.id)) < text.index(str(world.alice.id))
    mine = await board.wait_followup()
    assert mine.ephemeral and "#2" in mine.content
    weekly = await emu.run_command(
        world.alice, "leaderboard", guild=g, options={"period": "week", "metric": "on-schedule"}
    )
    assert weekly.deferred
    final = await weekly.wait_final()
    assert "on-schedule, this week" in json.dumps(final.embeds, ensure_ascii=False)
    text = json.dumps(final.embeds, ensure_ascii=False)
    assert "%" not in text and ("ahead" in text or "on schedule" in text or "behind" in text)

    # The group's board and info list both: joining a group shows you to that group.
    info = await emu.run_command(
        world.alice, "group", guild=g, subcommand="info", options={"name": "Spring Cohort"}
    )
    assert str(world.bob.id) in json.dumps(info.embeds)
    # Server-wide (the admin is in no group): nobody has opted in yet, so nobody is named.
    board = await emu.run_command(world.admin, "leaderboard", guild=g)
    server_wide = json.dumps(board.embeds)
    assert str(world.bob.id) not in server_wide and str(world.alice.id) not in server_wide
    await emu.run_command(
        world.alice, "me", guild=g, subcommand="visibility", options={"mode": "shown"}
    )
    board = await emu.run_command(world.admin, "leaderboard", guild=g)
    server_wide = json.dumps(board.embeds)
    assert str(world.alice.id) in server_wide and str(world.bob.id) not in server_wide
    # Other people's /progress: only opted-in members, or members of your own group.
    peek = await emu.run_command(world.admin, "progress", guild=g, options={"member": world.bob})
    assert peek.content.startswith("⚠️") and peek.ephemeral
    shown = await emu.run_command(world.admin, "progress", guild=g, options={"member": world.alice})
    assert shown.embeds and not shown.content.startswith("⚠️")
    mate = await emu.run_command(world.alice, "progress", guild=g, options={"member": world.bob})
    assert mate.embeds and not mate.content.startswith("⚠️")


async def test_guild_isolation(world: World) -> None:
    emu = world.emu
    other = emu.add_guild("Elsewhere", world.owner)
    emu.add_member(other, world.alice)
    await emu.run_command(world.alice, "enroll", guild=world.guild, options={"pathway": SEED})
    await emu.run_command(
        world.alice, "done", guild=world.guild, options={"task": "week-jupyter-setup"}
    )
    elsewhere = await emu.run_command(world.alice, "tasks", guild=other)
    assert elsewhere.content.startswith("⚠️") and "not enrolled" in elsewhere.content
    board = await emu.run_command(world.alice, "leaderboard", guild=other)
    assert str(world.alice.id) not in json.dumps(board.embeds)
