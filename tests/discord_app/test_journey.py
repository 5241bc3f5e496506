"""The whole learner journey through the emulator, with the bot as a subprocess."""

from __future__ import annotations

import json

from bot.core.layout import settled
from bot.pathway_files import PathwayRegistry
from tests.discord_app.conftest import World
from tests.harness import PATHWAYS, SEED, custom_ids, is_reminder


async def test_whole_journey(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice

    r = await emu.run_command(
        alice, "enroll", guild=g, options={"pathway": SEED, "timezone": "America/New_York"}
    )
    assert r.ephemeral and "enrolled" in r.content and "America/New_York" in r.content
    embed = r.embeds[0]
    text = json.dumps(embed)
    assert "<t:" in text and ":R>" in text  # deadlines as Discord timestamps
    assert "Foundations of Machine Learning" in text  # the first phase
    assert "Next reminder" not in text  # the welcome DM says when the first one comes
    ids = custom_ids(r.components)
    assert not any(i.startswith("pb:sel:") for i in ids)  # kept short: the focus buttons only
    assert any(i.startswith("pb:done:") for i in ids)

    # enrolling again creates nothing new
    again = await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    assert "already enrolled" in again.content
    assert world.bot.sql("SELECT COUNT(*) FROM enrolments")[0][0] == 1

    tasks = await emu.run_command(alice, "tasks", guild=g)
    assert tasks.ephemeral and "set up a Jupyter notebook" in json.dumps(tasks.embeds)
    assert "week-jupyter-setup" not in json.dumps(tasks.embeds)  # no raw ids in replies

    # done by command
    done = await emu.run_command(alice, "done", guild=g, options={"task": "week-jupyter-setup"})
    assert "Done" in done.content and "1/30" in done.content
    twice = await emu.run_command(alice, "done", guild=g, options={"task": "week-jupyter-setup"})
    assert "already done" in twice.content
    assert world.bot.sql("SELECT COUNT(*) FROM completions")[0][0] == 1

    # done by button on the enrol reply
    button = next(i for i in ids if i.startswith("pb:done:") and "week-enroll" in i)
    clicked = await emu.click(alice, r.message, button)
    assert "Done" in clicked.content

    # done by the select on /tasks
    tasks = await emu.run_command(alice, "tasks", guild=g)
    select = next(i for i in custom_ids(tasks.components) if i.startswith("pb:sel:"))
    picked = await emu.click(
        alice,
        tasks.message,
        select,
        # (issue 21: a month item on its own opens 3 weeks before its deadline, so the
        # community item is not open yet; the linear regression step of phase 1 is)
        values=["week-read-hands-on-ml-ch1", "month-linear-regression-model"],
    )
    assert picked.content.count("✅") == 2
    assert world.bot.sql("SELECT COUNT(*) FROM completions")[0][0] == 4

    # done by DM button on a weekly reminder
    world.bot.make_due()
    dm = await emu.wait_for_dm(alice, is_reminder, timeout=15)
    dm_ids = custom_ids(dm.components)
    dm_button = next(i for i in dm_ids if i.startswith("pb:done:"))
    via_dm = await emu.click(alice, dm, dm_button)
    assert "Done" in via_dm.content
    assert world.bot.sql("SELECT COUNT(*) FROM completions")[0][0] == 5

    progress = await emu.run_command(alice, "progress", guild=g)
    # checking an item off also settles the work linked to it in the pathway file (issue 21)
    checked = {row[0] for row in world.bot.sql("SELECT item_id FROM completions")}
    count = len(settled(PathwayRegistry(PATHWAYS).get(SEED), checked))
    assert count >= 5 and f"{count}/30" in json.dumps(progress.embeds)
    (card,) = progress.attachments
    assert card.filename == "progress-1.png" and card.data.startswith(b"\x89PNG")
    assert progress.embeds[0]["image"]["url"] == "attachment://progress-1.png"

    # (the Jupyter setup is the first step of the Python libraries: if the DM's button
    # checked those off, the undone step still counts as done, and the reply says so)
    undo = await emu.run_command(alice, "undo", guild=g, options={"task": "week-jupyter-setup"})
    still = "p1-python-libraries" in checked
    assert ("still counts as done" if still else "open again") in undo.content
    assert world.bot.sql("SELECT COUNT(*) FROM completions")[0][0] == 4

    # leave, with confirmation, then re-enrol restores progress
    leave = await emu.run_command(alice, "leave", guild=g, options={"pathway": SEED})
    confirm = next(i for i in custom_ids(leave.components) if i.startswith("pb:leave:"))
    left = await emu.click(alice, leave.message, confirm)
    assert left.acknowledged
    assert world.bot.sql("SELECT status FROM enrolments")[0][0] == "left"
    back = await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    assert "restored" in back.content
    assert world.bot.sql("SELECT COUNT(*) FROM completions")[0][0] == 4
    assert world.bot.sql("SELECT COUNT(*) FROM enrolments")[0][0] == 1

    # export, then delete
    export = await emu.run_command(alice, "me", guild=g, subcommand="export")
    final = await export.wait_final()
    names = [a.filename for a in final.attachments]
    assert "pathway-bot-export.json" in names
    blob = json.loads(next(a for a in final.attachments if a.filename.endswith(".json")).data)
    assert len(blob["completions"]) == 4
    delete = await emu.run_command(alice, "me", guild=g, subcommand="delete")
    forget = next(i for i in custom_ids(delete.components) if i.startswith("pb:forget:"))
    await emu.click(alice, delete.message, forget)
    assert world.bot.sql("SELECT COUNT(*) FROM learners")[0][0] == 0
    assert world.bot.sql("SELECT COUNT(*) FROM completions")[0][0] == 0
