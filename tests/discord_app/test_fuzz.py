"""Every command with hypothesis-generated option values: any Unicode, huge numbers, unknown
ids, bad zones, far dates. No unhandled exception, every interaction answered, and nothing
written when the input is rejected.

One bot process serves all examples (starting one per example would take minutes), so the
function-scoped `world` fixture is shared across examples on purpose.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.discord_app.conftest import World
from tests.harness import SEED, db_snapshot

junk = st.one_of(
    st.text(min_size=1, max_size=120),
    st.sampled_from(
        [
            "Mars/Olympus",
            "Europe/Londn",
            "UTC+99",
            "../../etc/passwd",
            "2026-13-45",
            "9999-12-31",
            "0001-01-01",
            "-1",
            "99999999999999999999",
            "25:61",
            "funday",
            "a" * 100,
            "week-jupyter-setup",
            "backend-to-ml-engineer",
            "' OR 1=1 --",
            "\u202e\u0000x",
            "😀" * 20,
            "",
            "/",
            "no-such-item",
            "1e308",
        ]
    ),
).filter(lambda s: s.strip() != "" and "\x00" not in s)

COMMANDS: list[tuple[str, str | None, list[str]]] = [
    ("enroll", None, ["pathway", "group", "timezone", "day", "time", "start"]),
    ("done", None, ["task"]),
    ("undo", None, ["task"]),
    ("pathways", None, ["pathway"]),
    ("leave", None, ["pathway"]),
    ("reminders", "set", ["day", "time", "timezone"]),
    ("reminders", "pause", ["until"]),
    ("setup", "defaults", ["day", "time", "timezone"]),
    ("group", "create", ["name", "pathway", "cohort_start"]),
    ("group", "join", ["name"]),
    ("group", "info", ["name"]),
    ("leaderboard", None, ["group"]),
    ("progress", None, []),
]


def snapshot(world: World) -> list[Any]:
    return db_snapshot(world.bot.db_path)


@settings(
    max_examples=160,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_commands_survive_any_input(world: World, data: st.DataObject) -> None:
    emu = world.emu
    if not world.bot.sql("SELECT COUNT(*) FROM enrolments")[0][0]:
        await emu.run_command(world.alice, "enroll", guild=world.guild, options={"pathway": SEED})
    name, sub, option_names = data.draw(st.sampled_from(COMMANDS))
    chosen = (
        data.draw(st.sets(st.sampled_from(option_names), min_size=1)) if option_names else set()
    )
    options = {o: data.draw(junk) for o in sorted(chosen)}
    if name == "leave" or (name == "done" and "task" not in options):
        options.setdefault(option_names[0], data.draw(junk))
    if name in {"done", "undo"}:
        options["task"] = options.get("task", "x")
    if name == "enroll" or (name, sub) == ("group", "create"):
        options.setdefault("pathway", data.draw(junk))
    if name == "group":
        options.setdefault("name", data.draw(junk))
    user = world.admin if name in {"setup", "group"} else world.alice
    before = snapshot(world)
    reply = await emu.run_command(user, name, guild=world.guild, options=options, subcommand=sub)
    final_text = reply.content or json.dumps(reply.embeds)
    if reply.deferred:
        final_text = (await reply.wait_final()).content
    assert reply.acknowledged and not reply.failed
    assert "error id" not in final_text, (name, sub, options, final_text)
    if final_text.startswith("⚠️"):
        assert snapshot(world) == before, (name, sub, options, final_text)
    assert "unexpected error" not in world.bot.logs()
