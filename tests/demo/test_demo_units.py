"""The demo's small parts: its clock, its world's stable ids, typed text to option values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.demo.clock import DemoClock
from bot.demo.options import ComposerError, convert_options
from bot.demo.world import PERSONAS, WorldIds, build_world
from bot.emulator.driver import Emulator
from bot.emulator.models import AppCommand


def test_the_clock_moves_forward_only_and_tells_its_listeners() -> None:
    clock = DemoClock()
    moves: list[timedelta] = []
    clock.on_advance(moves.append)
    before = clock.now()
    clock.advance(timedelta(days=1))
    assert clock.now() - before >= timedelta(days=1)
    assert clock.advance_to(clock.now() - timedelta(hours=1)) == timedelta(0)  # not back
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    target = datetime(2100, 1, 1, tzinfo=UTC)
    clock.advance_to(target)
    assert abs(clock.now() - target) < timedelta(seconds=5)
    assert moves[0] == timedelta(days=1) and len(moves) == 3


def test_the_world_has_the_same_ids_every_run() -> None:
    worlds = []
    for _ in range(2):
        ids = WorldIds()
        emu = Emulator(ids=ids)
        world = build_world(emu, ids)
        worlds.append(
            [world.guild.id, world.general.id, world.digest.id]
            + [u.id for u in world.people]
            + [emu.dm_channel(u).id for u in world.people]
        )
        # after the world is built, ids are real-time snowflakes again, larger than the world's
        assert ids.next() > max(worlds[-1])
    assert worlds[0] == worlds[1]
    assert [p.name for p in PERSONAS] == ["You", "Ada", "Grace", "Linus"]


def _command(options: list[dict[str, object]]) -> AppCommand:
    return AppCommand(1, 1, "try", 1, "a command", 1, options=options)


def test_typed_values_become_option_values_or_the_clients_refusal() -> None:
    ids = WorldIds()
    emu = Emulator(ids=ids)
    world = build_world(emu, ids)
    command = _command(
        [
            {"name": "count", "type": 4, "description": "", "required": True, "min_value": 1},
            {"name": "flag", "type": 5, "description": ""},
            {"name": "who", "type": 6, "description": ""},
            {"name": "where", "type": 7, "description": ""},
            {
                "name": "mode",
                "type": 3,
                "description": "",
                "choices": [{"name": "Fast", "value": "f"}],
            },
        ]
    )

    def convert(**typed: str) -> dict[str, object]:
        return convert_options(emu.state, command, None, typed, world.guild)

    assert convert(count="3", flag="True", who="@Ada", where="#general", mode="fast") == {
        "count": 3,
        "flag": True,
        "who": world.members[0].id,
        "where": world.general.id,
        "mode": "f",
    }
    assert convert(count="2", who=str(world.members[1].id))["who"] == world.members[1].id
    refusals = {
        "This field is required: `count`.": {},
        "`count` must be a whole number.": {"count": "three"},
        "`count` must be at least 1.": {"count": "0"},
        "`flag` must be True or False.": {"count": "1", "flag": "maybe"},
        "`who`: there is no member called @Nobody here.": {"count": "1", "who": "@Nobody"},
        "`where`: there is no channel #nowhere here.": {"count": "1", "where": "#nowhere"},
        "`mode` must be one of the choices: `Fast`.": {"count": "1", "mode": "slow"},
        "/try has no option `size`.": {"count": "1", "size": "9"},
    }
    for message, typed in refusals.items():
        with pytest.raises(ComposerError) as refused:
            convert(**typed)
        assert str(refused.value) == message
