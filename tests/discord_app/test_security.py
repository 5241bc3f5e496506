"""Permissions and ownership: nobody acts for someone else, admins only where it matters."""

from __future__ import annotations

import re

import pytest

from bot.emulator.errors import CommandNotAvailableError
from tests.discord_app.conftest import World
from tests.harness import SEED, custom_ids


async def test_member_cannot_complete_someone_elses_item(world: World) -> None:
    emu, g = world.emu, world.guild
    r = await emu.run_command(world.alice, "enroll", guild=g, options={"pathway": SEED})
    await emu.run_command(world.bob, "enroll", guild=g, options={"pathway": SEED})
    alice_buttons = [i for i in custom_ids(r.components) if i.startswith("pb:done:")]
    tasks = await emu.run_command(world.alice, "tasks", guild=g)  # /enroll has no menu
    select = next(i for i in custom_ids(tasks.components) if i.startswith("pb:sel:"))
    eid = int(re.match(r"pb:done:(\d+):", alice_buttons[0]).group(1))  # type: ignore[union-attr]
    # Alice's controls end up in a public channel (shared, forwarded or copied)
    shared = emu.state.create_message(
        emu.channels(g)[0],
        emu.bot_user.id,
        components=[
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 3, "label": "Done", "custom_id": b}
                    for b in alice_buttons[:5]
                ],
            },
            {
                "type": 1,
                "components": [
                    {
                        "type": 3,
                        "custom_id": select,
                        "options": [{"label": "x", "value": "week-jupyter-setup"}],
                        "min_values": 1,
                        "max_values": 1,
                    }
                ],
            },
        ],
    )
    reply = await emu.click(world.bob, shared, alice_buttons[0])
    assert reply.ephemeral and "someone else" in reply.content
    reply = await emu.click(world.bob, shared, select, values=["week-jupyter-setup"])
    assert reply.ephemeral and "someone else" in reply.content
    rows = world.bot.sql("SELECT COUNT(*) FROM completions WHERE enrolment_id = ?", (eid,))
    assert rows[0][0] == 0
    # the owner's own click still works
    mine = await emu.click(world.alice, shared, alice_buttons[0])
    assert "Done" in mine.content


async def test_admin_commands_need_manage_server(world: World) -> None:
    emu, g = world.emu, world.guild
    # Discord hides /setup from members without Manage Server...
    with pytest.raises(CommandNotAvailableError):
        emu.start_command(world.alice, "setup", guild=g, subcommand="defaults")
    # ...and if a server's integration settings show it to them anyway, the bot refuses.
    registered = emu.state.find_command("setup", None)
    assert registered is not None
    registered.default_member_permissions = None
    for sub, options in (("defaults", {"timezone": "Asia/Tokyo"}), ("digest-channel", {})):
        refused = await emu.run_command(
            world.alice, "setup", guild=g, subcommand=sub, options=options
        )
        assert "Manage Server" in refused.content and refused.ephemeral
    assert world.bot.sql("SELECT COUNT(*) FROM guild_settings")[0][0] == 0
    registered.default_member_permissions = 1 << 5
    ok = await emu.run_command(
        world.admin, "setup", guild=g, subcommand="defaults", options={"timezone": "Europe/Berlin"}
    )
    assert "Europe/Berlin" in ok.content
    cmd = emu.command("setup")
    assert cmd is not None
    assert int(cmd.default_member_permissions or 0) & (1 << 5)


async def test_reload_pathways_is_owner_only(world: World) -> None:
    emu, g = world.emu, world.guild
    for member in (world.admin, world.owner):  # a server admin, the server's owner
        refused = await emu.run_command(member, "setup", guild=g, subcommand="reload-pathways")
        assert "owner" in refused.content and refused.ephemeral
    app_owner = emu.state.user(emu.state.owner_id)  # the application's owner
    emu.add_member(g, app_owner, permissions=1 << 5)
    allowed = await emu.run_command(app_owner, "setup", guild=g, subcommand="reload-pathways")
    assert "Pathways reloaded" in allowed.content
