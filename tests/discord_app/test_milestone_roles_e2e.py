"""Milestone roles through the emulator: setup refuses what Discord would refuse, saying
what to change; a grant goes through the outbox exactly once across a SIGKILL, with an
audit-log reason; a later 403 turns the mapping off, tells the admins, and stops there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.emulator.driver import Emulator
from bot.emulator.models import Role
from bot.emulator.permissions import DEFAULT_BOT_PERMISSIONS, Permission
from tests.discord_app.conftest import World
from tests.harness import SEED, BotProcess, poll
from tests.store.backends import (
    create_database,
    drop_database,
    needs_postgres,
    schema_template,
    url_for,
)

ROLE_ROUTE = "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}"
FIRST_WEEK = ("week-enroll-andrew-ng", "week-jupyter-setup", "week-read-hands-on-ml-ch1")


def _can_manage_roles(world: World) -> Role:
    """The bot may manage roles, and its role sits above a new 'Week One' role."""
    emu, g = world.emu, world.guild
    emu.set_bot_permissions(g, DEFAULT_BOT_PERMISSIONS | Permission.MANAGE_ROLES)
    emu.set_role_position(emu.state.bot_role(g), 20)
    return emu.add_role(g, "Week One", position=5)


async def _map(world: World, role: Role, milestone: str = "first week") -> str:
    reply = await world.emu.run_command(
        world.admin,
        "setup",
        guild=world.guild,
        subcommand="milestone-role",
        options={"milestone": milestone, "role": role},
    )
    assert reply.ephemeral
    return reply.content


async def _reach_first_week(world: World, user: object) -> None:
    for item in FIRST_WEEK:
        await world.emu.run_command(user, "done", guild=world.guild, options={"task": item})


def _grants(world: World) -> list[tuple[object, ...]]:
    return world.bot.sql(
        "SELECT target, period_key, status, attempts FROM deliveries WHERE kind = 'role-grant'"
    )


async def test_setup_refuses_what_discord_would_refuse_and_says_what_to_change(
    world: World,
) -> None:
    emu, g = world.emu, world.guild
    role = emu.add_role(g, "Week One", position=5)  # above the bot's role (position 1)
    no_perm = await _map(world, role)
    assert no_perm.startswith("⚠️") and "**Manage Roles**" in no_perm and "Roles" in no_perm
    emu.set_bot_permissions(g, DEFAULT_BOT_PERMISSIONS | Permission.MANAGE_ROLES)
    too_high = await _map(world, role)
    assert too_high.startswith("⚠️") and "Week One" in too_high
    assert "drag my highest role **PathwayBot** above **Week One**" in too_high
    everyone = await _map(world, emu.state.guild(g.id).everyone_role)
    assert everyone.startswith("⚠️") and "@everyone" in everyone
    bot_role = await _map(world, emu.state.bot_role(g))
    assert bot_role.startswith("⚠️") and "managed" in bot_role
    unknown = await _map(world, role, milestone="week 7")
    assert unknown.startswith("⚠️") and "`first week`" in unknown and "`phase N` (1 to 5)" in unknown
    no_phase = await _map(world, role, milestone="phase 9")
    assert no_phase.startswith("⚠️") and "phase 9" in no_phase
    assert world.bot.sql("SELECT COUNT(*) FROM milestone_roles") == [(0,)]

    # The fix the message asked for, seen by Discord before the bot's cache hears of it:
    # the bot asks Discord before refusing.
    emu.state.bot_role(g).position = 20
    ok = await _map(world, role)
    assert f"<@&{role.id}>" in ok and "first week" in ok and "never take" in ok
    assert world.bot.sql("SELECT milestone, role_id FROM milestone_roles") == [
        ("first-week", role.id)
    ]
    phase = await _map(world, role, milestone="Phase 2")
    assert f"Milestone roles here: first week → <@&{role.id}>, phase 2 → <@&{role.id}>." in phase
    # Autocomplete offers every milestone, phases of the loaded pathways included.
    choices = await emu.autocomplete(
        world.admin,
        "setup",
        "milestone",
        "",
        guild=g,
        subcommand="milestone-role",
    )
    names = [c["name"] for c in choices]
    assert names[:3] == ["first week", "first month", "day 90"]
    assert "phase 5" in names and names[-1] == "pathway complete"
    removed = await emu.run_command(
        world.admin,
        "setup",
        guild=g,
        subcommand="milestone-role",
        options={"milestone": "phase 2"},
    )
    assert "no longer get" in removed.content and "keep it" in removed.content


@pytest.fixture
async def pg_world(emu: Emulator, tmp_path: Path) -> AsyncIterator[World]:
    """The conftest's world, with the bot on a scratch PostgreSQL database."""
    name = await create_database(await schema_template())
    owner = emu.add_user("owner")
    guild = emu.add_guild("Learners", owner)
    admin = emu.add_user("admin")
    emu.add_member(guild, admin, permissions=Permission.MANAGE_GUILD)
    alice, bob = emu.add_user("alice"), emu.add_user("bob")
    emu.add_member(guild, alice)
    emu.add_member(guild, bob)
    bot = BotProcess(emu, tmp_path, DATABASE_URL=url_for(name))
    await bot.start()
    try:
        yield World(emu, bot, guild, owner, admin, alice, bob)
    finally:
        await bot.stop()
        await drop_database(name)
    assert not emu.failed_interactions, emu.failed_interactions


async def test_a_role_is_granted_once_across_a_sigkill(world: World) -> None:
    await _granted_once_across_a_sigkill(world)


@needs_postgres
async def test_a_role_is_granted_once_across_a_sigkill_on_postgres(pg_world: World) -> None:
    await _granted_once_across_a_sigkill(pg_world)


async def _granted_once_across_a_sigkill(world: World) -> None:
    emu, g, bot, alice = world.emu, world.guild, world.bot, world.alice
    role = _can_manage_roles(world)
    await _map(world, role)
    await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    emu.hold(ROLE_ROUTE)
    await _reach_first_week(world, alice)
    # Discord adds the role, and the bot dies before it hears back.
    await poll(lambda: emu.held, what="the role grant request")
    assert role.id in emu.state.member(g, alice.id).role_ids
    await bot.kill()
    emu.release(ROLE_ROUTE)
    assert _grants(world) == [("enrolment:1", f"first-week:{role.id}", "pending", 0)]

    await bot.start()
    bot.advance(timedelta(minutes=2))  # past the dead sender's lease
    await poll(lambda: _grants(world)[0][2] == "sent", what="the grant to be finished")
    assert len(_grants(world)) == 1
    member_roles = emu.state.member(g, alice.id).role_ids
    assert member_roles.count(role.id) == 1
    added = [e for e in emu.audit_log if e.target_id == alice.id and ("$add", role.id) in e.changes]
    assert len(added) == 1
    assert added[0].reason is not None and "reached first week" in added[0].reason
    puts = [r for r in emu.requests if r.route == ROLE_ROUTE]
    assert puts and all(r.audit_log_reason == added[0].reason for r in puts)
    assert all(r.status == 204 for r in puts)

    # /undo never takes it away, and says so.
    undone = await emu.run_command(alice, "undo", guild=g, options={"task": FIRST_WEEK[0]})
    assert f"<@&{role.id}>" in undone.content and "stays" in undone.content
    await bot.wait_ticks(2)
    assert role.id in emu.state.member(g, alice.id).role_ids
    assert len(_grants(world)) == 1


async def test_a_later_403_disables_the_mapping_and_tells_the_digest_channel(
    world: World,
) -> None:
    emu, g, bot = world.emu, world.guild, world.bot
    channel = emu.channels(g)[0]
    await emu.run_command(
        world.admin, "setup", guild=g, subcommand="digest-channel", options={"channel": channel}
    )
    role = _can_manage_roles(world)
    await _map(world, role)
    # Later someone drags the role above the bot's: Discord will refuse the grants.
    emu.set_role_position(role, 30)
    for user in (world.alice, world.bob):
        await emu.run_command(user, "enroll", guild=g, options={"pathway": SEED})
        await _reach_first_week(world, user)

    def notice() -> object:
        return next(
            (m for m in emu.channel_messages(channel) if "Milestone role turned off" in m.content),
            None,
        )

    await poll(notice, what="the notice in the digest channel")
    await poll(lambda: len(_grants(world)) == 2 and all(r[2] == "skipped" for r in _grants(world)))
    await bot.wait_ticks(3)
    text = notice().content  # type: ignore[attr-defined]
    assert f"<@&{role.id}>" in text and "Manage Roles" in text and "/setup milestone-role" in text
    (disabled,) = bot.sql("SELECT disabled_at, disabled_reason FROM milestone_roles")
    assert disabled[0] is not None and "403" in str(disabled[1])
    refused = [r for r in emu.requests if r.route == ROLE_ROUTE]
    assert [r.status for r in refused] == [403]  # one refusal, then no more asking
    assert emu.counters.invalid_requests < 10
    assert role.id not in emu.state.member(g, world.alice.id).role_ids

    # Fixed and set again: the mapping comes back and the learners who reached it get it.
    emu.set_role_position(role, 5)
    again = await _map(world, role)
    assert "already reached it get it" in again
    await poll(lambda: all(r[2] == "sent" for r in _grants(world)), what="grants after the fix")
    for user in (world.alice, world.bob):
        assert role.id in emu.state.member(g, user.id).role_ids


async def test_without_a_digest_channel_the_owner_hears_of_it(world: World) -> None:
    emu, g = world.emu, world.guild
    role = _can_manage_roles(world)
    await _map(world, role)
    emu.set_bot_permissions(g, DEFAULT_BOT_PERMISSIONS)  # Manage Roles taken away later
    await emu.run_command(world.alice, "enroll", guild=g, options={"pathway": SEED})
    await _reach_first_week(world, world.alice)
    dm = await emu.wait_for_dm(world.owner, lambda m: "Milestone role turned off" in m.content)
    assert "Learners" in dm.content and "**Week One**" in dm.content
    assert emu.counters.invalid_requests < 10
