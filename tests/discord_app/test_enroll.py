"""/enroll's details: defaults and where they came from, re-running it, autocomplete, bad input."""

from __future__ import annotations

from tests.discord_app.conftest import World
from tests.harness import SEED, custom_ids


async def test_zone_defaults_to_the_servers_and_the_reply_says_so(world: World) -> None:
    emu, g = world.emu, world.guild
    r = await emu.run_command(world.alice, "enroll", guild=g, options={"pathway": SEED})
    assert "**UTC**" in r.content and "default" in r.content and "/reminders set" in r.content
    await emu.run_command(
        world.admin,
        "setup",
        guild=g,
        subcommand="defaults",
        options={"timezone": "Europe/Berlin", "day": "wed", "time": "07:15"},
    )
    r = await emu.run_command(world.bob, "enroll", guild=g, options={"pathway": SEED})
    assert "Europe/Berlin" in r.content and "server's default" in r.content
    assert "Wednesdays at 07:15" in r.content


async def test_running_enroll_again_offers_to_change_settings(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    again = await emu.run_command(
        alice, "enroll", guild=g, options={"pathway": SEED, "timezone": "Asia/Tokyo", "day": "fri"}
    )
    assert "already enrolled" in again.content and "Asia/Tokyo" in again.content
    assert world.bot.sql("SELECT tz FROM learners") == [("UTC",)]  # not applied yet
    apply = next(i for i in custom_ids(again.components) if i.startswith("pb:apply:"))
    done = await emu.click(alice, again.message, apply)
    assert done.acknowledged
    assert world.bot.sql("SELECT tz, weekday FROM learners") == [("Asia/Tokyo", 4)]
    assert world.bot.sql("SELECT COUNT(*) FROM enrolments") == [(1,)]


async def test_bad_input_is_explained_and_writes_nothing(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    for options, words in (
        ({"pathway": "nope"}, "no pathway"),
        ({"pathway": SEED, "timezone": "Europe/Pariss"}, "Europe/Paris"),
        ({"pathway": SEED, "start": "2099-01-01"}, "more than a year"),
        ({"pathway": SEED, "time": "25:00"}, "HH:MM"),
        ({"pathway": SEED, "day": "someday"}, "mon, tue"),
        ({"pathway": SEED, "group": "Ghosts"}, "no study group"),
    ):
        r = await emu.run_command(alice, "enroll", guild=g, options=options)
        assert r.ephemeral and r.content.startswith("⚠️"), r.content
        assert words.lower() in r.content.lower(), (options, r.content)
    assert world.bot.sql("SELECT COUNT(*) FROM enrolments") == [(0,)]
    assert world.bot.sql("SELECT COUNT(*) FROM learners") == [(0,)]


async def test_autocomplete(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    pathways = await emu.autocomplete(alice, "enroll", "pathway", "machine", guild=g)
    assert [c["value"] for c in pathways] == [SEED]
    zones = await emu.autocomplete(alice, "enroll", "timezone", "new_y", guild=g)
    assert "America/New_York" in [c["value"] for c in zones]
    await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    tasks = await emu.autocomplete(alice, "done", "task", "", guild=g)
    assert 0 < len(tasks) <= 25
    assert all(len(c["name"]) <= 100 for c in tasks)
    assert "week-jupyter-setup" in [c["value"] for c in tasks]
    await emu.run_command(alice, "done", guild=g, options={"task": "week-jupyter-setup"})
    undo = await emu.autocomplete(alice, "undo", "task", "", guild=g)
    assert [c["value"] for c in undo] == ["week-jupyter-setup"]


async def test_working_ahead_on_a_later_phase_counts(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    r = await emu.run_command(alice, "done", guild=g, options={"task": "p5-resume-linkedin"})
    assert "Done" in r.content and "Ahead" in r.content


async def test_a_pathway_followed_in_dms(world: World) -> None:
    emu, alice = world.emu, world.alice
    r = await emu.run_command(alice, "enroll", options={"pathway": SEED})  # in the bot's DM
    assert "enrolled" in r.content
    done = await emu.run_command(alice, "done", options={"task": "week-jupyter-setup"})
    assert "Done" in done.content and "rank" not in done.content.lower()
    tasks = await emu.run_command(alice, "tasks")
    assert tasks.embeds
    # the DM enrolment is separate from the server: the server knows nothing of it
    elsewhere = await emu.run_command(alice, "tasks", guild=world.guild)
    assert elsewhere.content.startswith("⚠️")
    assert world.bot.sql("SELECT guild_id FROM enrolments") == [(None,)]
