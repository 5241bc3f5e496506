"""Application command registration and slash-command interactions started by tests."""

from __future__ import annotations

import json

import discord
import pytest

from bot.emulator import (
    CommandNotAvailableError,
    Emulator,
    OptionError,
    Permission,
    UnknownCommandError,
)
from tests.emulator.probe_bot import ProbeBot
from tests.emulator.world import World


async def test_global_sync_is_stored_and_counted(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    assert emu.counters.global_command_syncs == 1
    names = {c.name for c in emu.commands()}
    assert {"ping", "types", "task", "admin", "panel", "form"} <= names
    first_ids = {c.name: (c.id, c.version) for c in emu.commands()}
    await bot.tree.sync()
    assert emu.counters.global_command_syncs == 2
    again = {c.name: (c.id, c.version) for c in emu.commands()}
    assert again == first_ids, "unchanged commands keep id and version across syncs"
    fetched = await bot.tree.fetch_commands()
    assert {c.name for c in fetched} == names
    assert all(c.id == first_ids[c.name][0] for c in fetched)


async def test_changed_command_gets_new_version_and_removed_one_disappears(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    before = {c.name: c for c in emu.commands()}
    bot.tree.remove_command("ping")
    echo = bot.tree.get_command("echo")
    assert echo is not None
    echo.description = "Echo, reworded"
    await bot.tree.sync()
    after = {c.name: c for c in emu.commands()}
    assert "ping" not in after
    assert after["echo"].id == before["echo"].id
    assert after["echo"].version != before["echo"].version
    with pytest.raises(UnknownCommandError):
        emu.start_command(world.alice, "ping", guild=world.guild)


async def test_guild_sync_is_counted_per_guild(emu: Emulator, world: World, bot: ProbeBot) -> None:
    target = discord.Object(id=world.guild.id)
    bot.tree.copy_global_to(guild=target)
    synced = await bot.tree.sync(guild=target)
    assert emu.counters.guild_command_syncs[world.guild.id] == 1
    assert emu.counters.command_syncs == 2
    assert {c.name for c in emu.commands(world.guild)} == {c.name for c in synced}
    # A guild command shadows the global one and carries data.guild_id, which discord.py
    # needs to route the interaction to the guild copy.
    reply = await emu.run_command(world.alice, "ping", guild=world.guild)
    assert reply.content == "pong"
    assert reply.record.payload["data"]["guild_id"] == str(world.guild.id)


async def test_typed_options_reach_the_handler_as_python_types(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    role = emu.add_role(world.guild, "learners")
    reply = await emu.run_command(
        world.manager,
        "types",
        guild=world.guild,
        options={
            "s": "hello",
            "i": 42,
            "n": 2.5,
            "b": True,
            "u": world.alice,
            "c": world.channel,
            "r": role,
        },
    )
    report = json.loads(reply.content)
    assert report["s"] == ["hello", "str"]
    assert report["i"] == [42, "int"]
    assert report["n"] == [2.5, "float"]
    assert report["b"] == [True, "bool"]
    assert report["u"] == [world.alice.id, "Member"]
    assert report["c"] == [world.channel.id, "TextChannel"]
    assert report["r"] == [role.id, "Role"]
    assert reply.ephemeral
    resolved = reply.record.payload["data"]["resolved"]
    assert str(world.alice.id) in resolved["users"] and str(world.alice.id) in resolved["members"]
    assert resolved["channels"][str(world.channel.id)]["type"] == 0


async def test_invalid_invocations_raise_in_the_test(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    base = {"s": "x", "i": 1, "n": 1.0, "b": False, "u": world.alice, "c": world.channel}
    with pytest.raises(UnknownCommandError, match="registered"):
        emu.start_command(world.alice, "nope", guild=world.guild)
    with pytest.raises(OptionError, match="integer"):
        emu.start_command(world.alice, "types", guild=world.guild, options={**base, "i": "1"})
    with pytest.raises(OptionError, match="integer"):
        emu.start_command(world.alice, "types", guild=world.guild, options={**base, "i": True})
    with pytest.raises(OptionError, match="boolean"):
        emu.start_command(world.alice, "types", guild=world.guild, options={**base, "b": 1})
    with pytest.raises(OptionError, match="channel"):
        emu.start_command(world.alice, "types", guild=world.guild, options={**base, "c": "general"})
    with pytest.raises(OptionError, match="requires"):
        emu.start_command(world.alice, "types", guild=world.guild, options={"s": "x"})
    with pytest.raises(OptionError, match="no option"):
        emu.start_command(world.alice, "types", guild=world.guild, options={**base, "zzz": 1})
    with pytest.raises(OptionError, match="choices"):
        emu.start_command(world.alice, "level", guild=world.guild, options={"level": 3})
    with pytest.raises(UnknownCommandError, match="needs a subcommand"):
        emu.start_command(world.alice, "task", guild=world.guild)
    with pytest.raises(UnknownCommandError, match="no subcommand"):
        emu.start_command(world.alice, "task", guild=world.guild, subcommand="remove")
    assert emu.counters.interactions_dispatched == 0


async def test_choices_subcommands_and_groups(emu: Emulator, world: World, bot: ProbeBot) -> None:
    assert (
        await emu.run_command(world.alice, "level", guild=world.guild, options={"level": 2})
    ).content == "level 2"
    added = await emu.run_command(
        world.alice, "task", guild=world.guild, subcommand="add", options={"title": "read ch. 1"}
    )
    assert added.content == "added read ch. 1"
    purged = await emu.run_command(
        world.alice, "task", guild=world.guild, subcommand="admin purge", options={"confirm": True}
    )
    assert purged.content == "purged True"
    data = purged.record.payload["data"]
    assert data["options"][0]["type"] == 2 and data["options"][0]["name"] == "admin"
    assert data["options"][0]["options"][0] == {
        "name": "purge",
        "type": 1,
        "options": [{"name": "confirm", "type": 5, "value": True}],
    }


async def test_autocomplete_returns_the_bots_choices(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    choices = await emu.autocomplete(
        world.alice, "task", "task", "py", subcommand="done", guild=world.guild
    )
    assert [c["value"] for c in choices] == ["python basics", "pytest"]
    assert (
        await emu.autocomplete(
            world.alice, "task", "task", "zz", subcommand="done", guild=world.guild
        )
        == []
    )
    with pytest.raises(OptionError, match="autocomplete"):
        await emu.autocomplete(
            world.alice, "task", "title", "x", subcommand="add", guild=world.guild
        )
    done = await emu.run_command(
        world.alice, "task", guild=world.guild, subcommand="done", options={"task": "pytest"}
    )
    assert done.content == "done pytest"


async def test_default_member_permissions_gate_the_command(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    with pytest.raises(CommandNotAvailableError, match="default_member_permissions"):
        emu.start_command(world.alice, "admin", guild=world.guild)
    reply = await emu.run_command(world.manager, "admin", guild=world.guild)
    assert reply.content == "admin ok"
    with pytest.raises(CommandNotAvailableError, match="DMs"):
        emu.start_command(world.manager, "admin")


async def test_member_and_app_permissions_reflect_roles(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    as_alice = json.loads((await emu.run_command(world.alice, "whoami", guild=world.guild)).content)
    as_manager = json.loads(
        (await emu.run_command(world.manager, "whoami", guild=world.guild)).content
    )
    assert as_alice["manage_guild"] is False
    assert as_manager["manage_guild"] is True
    assert as_alice["user_type"] == "Member"
    bot_perms = emu.permissions_of(emu.bot_user, world.channel)
    assert as_alice["app_permissions"] == bot_perms
    assert bot_perms & Permission.SEND_MESSAGES
    assert as_alice["guild_id"] == world.guild.id
    assert as_alice["channel_type"] == "TextChannel"


async def test_commands_work_in_dms(emu: Emulator, world: World, bot: ProbeBot) -> None:
    info = json.loads((await emu.run_command(world.outsider, "whoami")).content)
    assert info["user_type"] == "User"
    assert info["guild_id"] is None
    assert info["channel_type"] == "DMChannel"
    payload = emu.interactions.records[max(emu.interactions.records)].payload
    assert (
        payload["context"] == 1
        and "member" not in payload
        and payload["user"]["username"] == "outsider"
    )


async def test_a_server_can_open_an_admin_command_to_everyone(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    """Server Settings > Integrations: the override lets a member without the permissions
    run the command; the interaction still carries their own permissions."""
    with pytest.raises(CommandNotAvailableError):
        emu.start_command(world.alice, "admin", guild=world.guild)
    emu.allow_command_for_everyone(world.guild, "admin")
    reply = await emu.run_command(world.alice, "admin", guild=world.guild)
    assert reply.content == "admin ok"
    info = json.loads((await emu.run_command(world.alice, "whoami", guild=world.guild)).content)
    assert info["manage_guild"] is False  # her own permissions, unchanged
