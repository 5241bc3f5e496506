"""/enroll's pace option through the emulator, with the bot as a subprocess."""

from __future__ import annotations

import json

from tests.discord_app.conftest import World
from tests.harness import SEED


async def test_pace_is_chosen_at_enroll_and_can_change(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    bad = await emu.run_command(
        alice, "enroll", guild=g, options={"pathway": SEED, "pace": "3-months"}
    )
    assert bad.ephemeral and "as-written, 9-months, 12-months" in bad.content
    assert world.bot.sql("SELECT COUNT(*) FROM enrolments")[0][0] == 0  # nothing stored

    r = await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    assert r.ephemeral and "9 months" in r.content  # the default: the stated timeline's lower end
    assert world.bot.sql("SELECT pace FROM enrolments") == [("9-months",)]
    text = json.dumps(r.embeds, ensure_ascii=False)
    assert "This week's focus" in text and "by end of" in text

    again = await emu.run_command(
        alice, "enroll", guild=g, options={"pathway": SEED, "pace": "12-months"}
    )
    assert "already enrolled" in again.content and "12 months" in again.content
    # Offered, not applied: the pace changes only when the learner presses Apply.
    assert world.bot.sql("SELECT pace, COUNT(*) FROM enrolments") == [("9-months", 1)]
    apply = next(i for i in again.message.custom_ids if i.startswith("pb:apply:"))
    await (await emu.click(alice, again.message, apply)).wait_final()
    assert world.bot.sql("SELECT pace, COUNT(*) FROM enrolments") == [("12-months", 1)]

    choices = await emu.autocomplete(
        alice, "enroll", "pace", "", guild=g, options={"pathway": SEED}
    )
    assert [c["value"] for c in choices] == ["as-written", "9-months", "12-months"]
