"""`/progress` is the card plus a short summary: the status, how much is done, points, the
streak when there is one and where the learner is on the roadmap; no bar per phase in text.
The card's alt text says the same facts, per phase too, for screen readers."""

from __future__ import annotations

from bot.core.pathway import Pathway
from bot.discord_app.render_progress import card_alt_text, card_data, progress_embed
from tests.discord_app.conftest import World
from tests.discord_app.outgoing import rendered_length, shown_text
from tests.discord_app.plans import learner_plan
from tests.discord_app.test_tasks_short import days_ago
from tests.harness import SEED


def test_the_summary_states_the_facts_without_bars(seed: Pathway) -> None:
    view = learner_plan(seed, 150, ["week-jupyter-setup", "p1-python-libraries"])
    embed = progress_embed(view)
    text = embed.description or ""
    # the Python libraries task settles the Python skill, the same work (issue 21)
    assert "3/30 items done (10%)" in text
    assert view.progress.describe() in text
    assert f"{view.points} points" in text
    assert "streak" in text and view.streak > 0
    assert "Phase 3 of 5: End-to-End ML Projects (week 3 of 9)" in text
    assert not embed.fields  # the card draws the per-phase and action-plan bars
    assert "█" not in text and "░" not in text
    assert len(embed) < 300
    # The card and its alt text carry the same numbers as the summary.
    card = card_data(view)
    assert card.overall == (3, 30) and card.points == view.points
    alt = card_alt_text(view)
    assert "3 of 30 items done" in alt and f"{view.points} points" in alt
    assert "Phases done: 1/3, 0/3, 0/3, 0/3, 0/3" in alt


def test_no_streak_is_left_unsaid_and_a_future_start_says_when(seed: Pathway) -> None:
    fresh = progress_embed(learner_plan(seed, 0)).description or ""
    assert "streak" not in fresh and "0/30 items done (0%)" in fresh
    later = progress_embed(learner_plan(seed, -10)).description or ""
    assert "Phase 1 of 5 starts <t:" in later


async def test_progress_reply_is_the_card_and_a_short_summary(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    await emu.run_command(
        alice, "enroll", guild=g, options={"pathway": SEED, "start": days_ago(world, 60)}
    )
    await emu.run_command(alice, "done", guild=g, options={"task": "week-jupyter-setup"})
    r = await emu.run_command(alice, "progress", guild=g)
    assert r.ephemeral and r.message is not None
    text = shown_text(r.message)
    assert "1/30 items done" in text and "🔥 1-week streak" in text
    assert "Phase 2 of 5" in text and "(week " in text
    assert "█" not in text and "░" not in text
    assert rendered_length(r.message) < 400, rendered_length(r.message)
    (card,) = r.attachments
    assert card.data.startswith(b"\x89PNG") and r.embeds[0]["image"]["url"].endswith(card.filename)
    assert card.description is not None and "1 of 30 items done" in card.description
