"""The small Discord world most emulator tests share (outside conftest so tests can import it)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.emulator import Channel, Emulator, Guild, Permission, User


@dataclass
class World:
    """A guild with ``#general``, a plain member, a MANAGE_GUILD member and a non-member."""

    guild: Guild
    channel: Channel
    alice: User
    manager: User
    outsider: User


def build_world(emu: Emulator) -> World:
    owner = emu.add_user("owner")
    guild = emu.add_guild("Pathway", owner)
    alice = emu.add_user("alice")
    manager = emu.add_user("manager")
    emu.add_member(guild, alice)
    emu.add_member(guild, manager, permissions=Permission.MANAGE_GUILD)
    return World(
        guild=guild,
        channel=emu.channels(guild)[0],
        alice=alice,
        manager=manager,
        outsider=emu.add_user("outsider"),
    )
