"""`/tasks` is short by default: the week's focus in under 1,100 characters at every point of
the year, a "Show everything" button for the rest, and no item ids anywhere a reader looks.

The length is Discord's: the content plus every embed's title, description, field names
and values, footer and author. Learners are placed in the year with `/enroll start:`.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.pathway import Pathway
from bot.emulator.models import User
from tests.discord_app.conftest import World
from tests.discord_app.outgoing import (
    button_labels,
    component_text,
    embed_length,
    rendered_length,
    shown_text,
)
from tests.harness import SEED, custom_ids

DEFAULT_LIMIT = 1100


def days_ago(world: World, n: int) -> str:
    return (world.bot.now().date() - timedelta(days=n)).isoformat()


def ids_in(text: str, seed: Pathway) -> list[str]:
    return [item.id for item in seed.items() if item.id in text]


async def enrol_at(world: World, user: User, days: int) -> None:
    r = await world.emu.run_command(
        user, "enroll", guild=world.guild, options={"pathway": SEED, "start": days_ago(world, days)}
    )
    assert "enrolled" in r.content, r.content


async def check_off(world: World, user: User, count: int) -> None:
    """Check `count` items off through the /tasks menu, most urgent first, as a learner
    catching up would."""
    left = count
    while left > 0:
        tasks = await world.emu.run_command(user, "tasks", guild=world.guild)
        select = next(
            c
            for row in tasks.components
            for c in row["components"]
            if c["custom_id"].startswith("pb:sel:")
        )
        values = [o["value"] for o in select["options"]][:left]
        picked = await world.emu.click(user, tasks.message, select["custom_id"], values=values)
        assert picked.content.count("✅") == len(values), picked.content
        left -= len(values)


async def test_default_tasks_is_short_at_every_point_of_the_year(
    world: World, seed: Pathway
) -> None:
    emu, g = world.emu, world.guild
    learners = {
        "week 1, nothing done": (emu.add_user("new"), 0, 0),
        "mid-year, behind": (emu.add_user("behind"), 150, 3),
        "near the end, mostly done": (emu.add_user("late"), 250, 22),
        "near the end, nothing done": (emu.add_user("idle"), 255, 0),
    }
    lengths = {}
    for label, (user, days, done) in learners.items():
        emu.add_member(g, user)
        await enrol_at(world, user, days)
        if done:
            await check_off(world, user, done)
        r = await emu.run_command(user, "tasks", guild=g)
        assert r.message is not None
        lengths[label] = rendered_length(r.message)
        assert lengths[label] < DEFAULT_LIMIT, (label, lengths[label], shown_text(r.message))
        focus = r.embeds[0]["fields"][0]
        assert focus["name"] == "This week's focus"
        assert 1 <= focus["value"].count("\n") + 1 <= 5
        assert any(i.startswith("pb:all:") for i in custom_ids(r.components))
        assert any(i.startswith("pb:sel:") for i in custom_ids(r.components))
        assert not ids_in(shown_text(r.message) + component_text(r.components), seed)
    print("rendered /tasks lengths:", lengths)  # shown with -s; the asserts are above


async def test_show_everything_lists_every_open_item_privately(world: World, seed: Pathway) -> None:
    emu, g, alice, bob = world.emu, world.guild, world.alice, world.bob
    await enrol_at(world, alice, 150)
    r = await emu.run_command(alice, "tasks", guild=g)
    button = next(i for i in custom_ids(r.components) if i.startswith("pb:all:"))
    assert "Show everything" in button_labels(r.components)

    everything = await emu.click(alice, r.message, button)
    assert everything.ephemeral and everything.message is not None
    text = shown_text(everything.message)
    assert not ids_in(text + component_text(everything.components), seed)
    # Every item not done appears by name: nothing is done, so every item does.
    for item in seed.items():
        assert item.text[:30] in text, (item.text, everything.embeds)
    assert embed_length(everything.embeds[0]) <= 6000
    assert rendered_length(everything.message) > rendered_length(r.message)
    assert any(i.startswith("pb:sel:") for i in custom_ids(everything.components))

    # The button acts only for the plan's owner, even when her controls end up in public.
    await enrol_at(world, bob, 0)
    shared = emu.state.create_message(
        emu.channels(g)[0],
        emu.bot_user.id,
        components=[
            {
                "type": 1,
                "components": [{"type": 2, "style": 2, "label": "x", "custom_id": button}],
            }
        ],
    )
    theirs = await emu.click(bob, shared, button)
    assert theirs.ephemeral and "someone else" in theirs.content
    assert not theirs.embeds


async def test_everything_horizon_needs_no_button(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    await enrol_at(world, alice, 30)
    r = await emu.run_command(alice, "tasks", guild=g, options={"horizon": "all"})
    assert not any(i.startswith("pb:all:") for i in custom_ids(r.components))
    assert r.message is not None and rendered_length(r.message) <= 6000
