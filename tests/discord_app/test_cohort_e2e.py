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
from tests.discord_app.conftest import World
from tests.harness import SEED


def _board_phrases(embeds: list[dict[str, object]]) -> list[tuple[int, str]]:
    """(user id, "2 ahead" / "on schedule" / "1 behind") per row of an on-schedule board."""
    text = json.dumps(embeds, ensure_ascii=False)
    rows = re.findall(r"<@(\d+)> · (\d+ ahead|on schedule|\d+ behind)", text)
    return [(int(u), p) for u, p in rows]


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
        # Each chooses; bob below chooses to be hidden.
        await emu.run_command(
            user, "me", guild=g, subcommand="visibility", options={"mode": "shown"}
        )
    # Three weeks in: the first week's items are overdue for anyone who has not done them.
    start = (bot.now() - timedelta(days=21)).date().isoformat()
    bot.sql("UPDATE enrolments SET start_date = ?", (start,))
    for item in ("week-jupyter-setup", "week-enroll-andrew-ng", "week-read-hands-on-ml-ch1"):
        await emu.run_command(world.alice, "done", guild=g, options={"task": item})
    await emu.run_command(world.bob, "done", guild=g, options={"task": "week-jupyter-setup"})
    await emu.run_command(
        world.bob, "me", guild=g, subcommand="visibility", options={"mode": "hidden"}
    )
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

    reply = await emu.run_command(
        world.admin, "cohort", guild=g, options={"group": "Spring Cohort"}
    )
    assert reply.deferred
    final = await reply.wait_final()
    assert final.ephemeral
    files = {a.filename: a for a in final.attachments}
    assert set(files) == {"cohort.png", "cohort.csv"}
    with Image.open(io.BytesIO(files["cohort.png"].data)) as img:
        assert img.format == "PNG" and img.size == (1600, 900)
    rows = list(csv.DictReader(io.StringIO(files["cohort.csv"].text())))
    listed = [r for r in rows if r["user_id"]]
    assert [r["name"] for r in listed] == ["alice", "carol"]
    (hidden_row,) = [r for r in rows if not r["user_id"]]
    assert hidden_row["status"] == "hidden" and hidden_row["learners"] == "1"
    by_name = {r["name"]: r for r in listed}
    assert by_name["alice"]["status"] == "on track" and by_name["alice"]["done"] == "3"
    assert by_name["carol"]["status"] == "paused" and by_name["carol"]["done"] == "0"
    assert by_name["alice"]["last_activity"] == bot.now().date().isoformat()
    assert "1 on track, 1 behind, 1 paused, 0 complete" in final.content  # bob: behind
    # Bob is hidden: never named, never identified, in the text, the chart's alt text or CSV.
    everything = final.content + files["cohort.csv"].text() + str(files["cohort.png"].description)
    assert "bob" not in everything.lower() and str(world.bob.id) not in everything

    board = await emu.run_command(
        world.alice,
        "leaderboard",
        guild=g,
        options={"group": "Spring Cohort", "metric": "on-schedule"},
    )
    shown = _board_phrases((await board.wait_final()).embeds)
    # a group's board lists all its members (issue 22); the cohort names only the visible,
    # with the board's own figures
    assert listed and {(int(r["user_id"]), r["on_schedule"]) for r in listed} <= set(shown)
    assert [r["rank"] for r in listed] == ["1", "2"]
    expected = float(by_name["alice"]["expected"])
    assert int(by_name["alice"]["ahead"]) == round(3 - expected)


async def test_cohort_everyone_on_the_pathway_without_a_group(world: World) -> None:
    emu, g = world.emu, world.guild
    await emu.run_command(world.alice, "enroll", guild=g, options={"pathway": SEED})
    await emu.run_command(
        world.alice, "me", guild=g, subcommand="visibility", options={"mode": "shown"}
    )
    await emu.run_command(world.alice, "done", guild=g, options={"task": "week-jupyter-setup"})
    reply = await emu.run_command(world.admin, "cohort", guild=g, options={"pathway": SEED})
    final = await reply.wait_final()
    rows = list(csv.DictReader(io.StringIO(final.attachments[1].text())))
    assert [(r["name"], r["done"]) for r in rows] == [("alice", "1")]
    assert "1 learner:" in final.content
