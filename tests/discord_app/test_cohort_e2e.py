"""/cohort through the emulator: admins only, private, a chart and a CSV that agree with
`/leaderboard metric:on-schedule`, and hidden learners only ever counted."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from PIL import Image

from bot.emulator.errors import CommandNotAvailableError
from bot.emulator.models import Attachment
from tests.discord_app.conftest import World
from tests.harness import SEED


def _board(embeds: list[dict[str, object]]) -> list[tuple[int, str]]:
    """(user id, "2 ahead" | "on schedule" | "1 behind") as the on-schedule board lists them."""
    text = json.loads(json.dumps(embeds))[0]["description"]
    return [
        (int(u), p) for u, p in re.findall(r"<@(\d+)> · (\d+ ahead|on schedule|\d+ behind)", text)
    ]


async def _cohort(world: World, **options: str) -> tuple[str, dict[str, Attachment]]:
    reply = await world.emu.run_command(world.admin, "cohort", guild=world.guild, options=options)
    assert reply.deferred
    final = await reply.wait_final()
    assert final.ephemeral
    return final.content, {a.filename: a for a in final.attachments}


def _rows(files: dict[str, Attachment]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files["cohort.csv"].text())))


async def test_cohort_chart_and_csv_agree_with_the_board_and_never_name_the_hidden(
    world: World,
) -> None:
    emu, g, bot = world.emu, world.guild, world.bot
    carol = emu.add_user("carol")
    emu.add_member(g, carol)
    await emu.run_command(
        world.admin,
        "group",
        guild=g,
        subcommand="create",
        options={"name": "Spring Cohort", "pathway": SEED},
    )
    for user in (world.alice, world.bob, carol):
        await emu.run_command(
            user, "enroll", guild=g, options={"pathway": SEED, "group": "Spring Cohort"}
        )
    for user in (world.alice, carol):  # bob keeps to himself: never named server-wide
        await emu.run_command(
            user, "me", guild=g, subcommand="visibility", options={"mode": "shown"}
        )
    await emu.run_command(
        world.bob, "me", guild=g, subcommand="visibility", options={"mode": "hidden"}
    )
    # Three weeks in: the first week's items are overdue for anyone who has not done them.
    start = (bot.now() - timedelta(days=21)).date().isoformat()
    bot.sql("UPDATE enrolments SET start_date = ?", (start,))
    for item in ("week-jupyter-setup", "week-enroll-andrew-ng", "week-read-hands-on-ml-ch1"):
        await emu.run_command(world.alice, "done", guild=g, options={"task": item})
    await emu.run_command(world.bob, "done", guild=g, options={"task": "week-jupyter-setup"})
    await emu.run_command(carol, "reminders", guild=g, subcommand="pause")

    # Discord hides /cohort from members without Manage Server; shown anyway, it refuses.
    with pytest.raises(CommandNotAvailableError):
        emu.start_command(world.alice, "cohort", guild=g)
    registered = emu.state.find_command("cohort", None)
    assert registered is not None and registered.default_member_permissions == 1 << 5
    registered.default_member_permissions = None
    refused = await emu.run_command(world.alice, "cohort", guild=g)
    registered.default_member_permissions = 1 << 5
    assert refused.ephemeral and refused.content.startswith("⚠️")
    assert "Manage Server" in refused.content and not refused.attachments
    unknown = await emu.run_command(world.admin, "cohort", guild=g, options={"group": "Nope"})
    assert unknown.ephemeral and unknown.content.startswith("⚠️")

    # Server-wide: only learners who chose to be shown are named; bob is a count.
    text, files = await _cohort(world, pathway=SEED)
    assert set(files) == {"cohort.png", "cohort.csv"}
    with Image.open(io.BytesIO(files["cohort.png"].data)) as img:
        assert img.format == "PNG" and img.size == (1600, 900)
    rows = _rows(files)
    listed = [r for r in rows if r["user_id"]]
    assert sorted(r["name"] for r in listed) == ["alice", "carol"]
    (hidden_row,) = [r for r in rows if not r["user_id"]]
    assert hidden_row["status"] == "hidden" and hidden_row["learners"] == "1"
    by_name = {r["name"]: r for r in listed}
    assert by_name["alice"]["status"] == "on track" and by_name["alice"]["done"] == "3"
    assert by_name["carol"]["status"] == "paused" and by_name["carol"]["done"] == "0"
    assert by_name["alice"]["last_activity"] == bot.now().date().isoformat()
    assert "1 on track, 1 behind, 1 paused, 0 complete" in text  # bob: behind
    everything = text + files["cohort.csv"].text() + str(files["cohort.png"].description)
    assert "bob" not in everything.lower() and str(world.bob.id) not in everything
    board = await emu.run_command(
        world.admin, "leaderboard", guild=g, options={"metric": "on-schedule"}
    )
    shown = _board((await board.wait_final()).embeds)
    assert shown == [(int(r["user_id"]), r["on_schedule"]) for r in listed]
    assert [r["rank"] for r in listed] == ["1", "2"]
    expected = float(by_name["alice"]["expected"])
    assert int(by_name["alice"]["ahead"]) == round(3 - expected)

    # In the study group everyone is named, as on the group's own board, in its order.
    text, files = await _cohort(world, group="Spring Cohort")
    group_rows = [r for r in _rows(files) if r["user_id"]]
    assert sorted(r["name"] for r in group_rows) == ["alice", "bob", "carol"]
    board = await emu.run_command(
        world.alice,
        "leaderboard",
        guild=g,
        options={"group": "Spring Cohort", "metric": "on-schedule"},
    )
    shown = _board((await board.wait_final()).embeds)
    assert shown == [(int(r["user_id"]), r["on_schedule"]) for r in group_rows]


async def test_cohort_everyone_on_the_pathway_without_a_group(world: World) -> None:
    emu, g = world.emu, world.guild
    await emu.run_command(world.alice, "enroll", guild=g, options={"pathway": SEED})
    await emu.run_command(
        world.alice, "me", guild=g, subcommand="visibility", options={"mode": "shown"}
    )
    await emu.run_command(world.alice, "done", guild=g, options={"task": "week-jupyter-setup"})
    text, files = await _cohort(world, pathway=SEED)
    assert [(r["name"], r["done"]) for r in _rows(files)] == [("alice", "1")]
    assert "1 learner:" in text
