"""A ✅ click on a weekly reminder DM edits that DM in place: one PATCH of that message, with the
item shown done and its button gone, while the week, the other items and the snoozes stay."""

from __future__ import annotations

import json
from typing import Any

from bot.core.coach_message import ITEM_CHARS
from bot.discord_app.formatting import shorten
from bot.emulator.metrics import RequestRecord
from bot.pathway_files import PathwayRegistry
from tests.discord_app.conftest import World
from tests.harness import PATHWAYS, SEED, custom_ids, is_reminder

FOCUS = "🎯 This week's focus"


def patches(world: World) -> list[RequestRecord]:
    return [r for r in world.emu.requests if r.method == "PATCH"]


def focus_text(embed: dict[str, Any]) -> str:
    return "\n".join(f["value"] for f in embed["fields"] if f["name"].startswith(FOCUS))


def item_texts() -> dict[str, str]:
    """Item id -> text as the reminder's focus rows show it (issue 21: a message is at most
    1,200 characters, so its rows shorten item texts to ITEM_CHARS)."""
    pathway = PathwayRegistry(PATHWAYS).get(SEED)
    return {item.id: shorten(item.text, ITEM_CHARS) for item in pathway.items()}


async def test_a_done_click_on_a_reminder_edits_it_once_in_place(world: World) -> None:
    emu, alice = world.emu, world.alice
    enrolled = await emu.run_command(alice, "enroll", guild=world.guild, options={"pathway": SEED})
    world.bot.make_due()
    dm = await emu.wait_for_dm(alice, is_reminder)
    (eid,) = world.bot.sql("SELECT id FROM enrolments")[0]
    done = [c for c in custom_ids(dm.components) if c.startswith(f"pb:done:{eid}:")]
    others = [c for c in custom_ids(dm.components) if not c.startswith("pb:done:")]
    assert len(done) >= 3 and all(c.startswith(f"pb:snooze:{eid}:") for c in others)
    first, second, third = (c.rsplit(":", 1)[1] for c in done[:3])
    texts = item_texts()
    sent = dm.embeds[0]

    # ✅ on the ephemeral /enroll reply: answered privately, and no message is edited
    assert f"pb:done:{eid}:{first}" in custom_ids(enrolled.components)
    reply = await emu.click(alice, enrolled.message, f"pb:done:{eid}:{first}")
    assert reply.ephemeral and reply.content.startswith("✅ Done")

    # ✅ on the reminder DM: a private answer (type 4), then exactly one PATCH of the DM
    reply = await emu.click(alice, dm, f"pb:done:{eid}:{second}")
    assert reply.response_type == 4 and reply.ephemeral and reply.content.startswith("✅ Done")
    await emu.wait_for(lambda: patches(world))
    (patch,) = patches(world)
    assert patch.path.endswith(f"/channels/{dm.channel_id}/messages/{dm.id}")
    assert patch.body["allowed_mentions"]["parse"] == []
    (embed,) = patch.body["embeds"]
    assert embed["title"] == sent["title"]  # the week it was sent for
    lines = focus_text(embed)
    assert f"✅ ~~{texts[second]}~~" in lines
    assert f"✅ ~~{texts[first]}~~" in lines  # done from /enroll: the DM shows states now
    assert f"~~{texts[third]}~~" not in lines and texts[third] in lines
    ids = custom_ids(patch.body["components"])
    assert f"pb:done:{eid}:{second}" not in ids and f"pb:done:{eid}:{first}" not in ids
    assert [c for c in done if c in ids] == done[2:]  # the other items keep their buttons
    assert [c for c in ids if not c.startswith("pb:done:")] == others  # snoozes stay

    # another click on the edited DM: one more PATCH, the earlier items still shown done
    reply = await emu.click(alice, dm, f"pb:done:{eid}:{third}")
    assert reply.ephemeral and reply.content.startswith("✅ Done")
    await emu.wait_for(lambda: f"✅ ~~{texts[third]}~~" in focus_text(dm.embeds[0]))
    assert len(patches(world)) == 2 and patches(world)[1].path == patch.path  # one per click
    lines = focus_text(dm.embeds[0])
    assert json.dumps(dm.embeds, ensure_ascii=False).count("✅ ~~") == 3
    for item in (first, second, third):
        assert f"✅ ~~{texts[item]}~~" in lines
    assert dm.embeds[0]["title"] == sent["title"]
    assert custom_ids(dm.components) == [*done[3:], *others]
    # the reminder was edited, never sent again
    assert [m.id for m in emu.dms(alice) if is_reminder(m)] == [dm.id]


async def test_an_edit_delayed_by_a_retry_cannot_undo_a_later_click(world: World) -> None:
    """The first click's PATCH meets a 500 and is retried about a second later; meanwhile a
    second item is clicked. Whichever edit lands last, the DM must end with both items done."""
    emu, alice = world.emu, world.alice
    await emu.run_command(alice, "enroll", guild=world.guild, options={"pathway": SEED})
    world.bot.make_due()
    dm = await emu.wait_for_dm(alice, is_reminder)
    done = [c for c in custom_ids(dm.components) if c.startswith("pb:done:")]
    texts = item_texts()
    emu.faults.fail_next(1, "500", route="PATCH /channels/{channel_id}/messages/{message_id}")
    reply = await emu.click(alice, dm, done[0])
    assert reply.content.startswith("✅ Done")
    await emu.wait_for(lambda: emu.faults.injected)  # the first edit now waits for its retry
    reply = await emu.click(alice, dm, done[1])
    assert reply.content.startswith("✅ Done")
    await emu.wait_for(lambda: len([p for p in patches(world) if p.status == 200]) == 2)
    lines = focus_text(dm.embeds[0])
    for custom_id in done[:2]:
        assert f"✅ ~~{texts[custom_id.rsplit(':', 1)[1]]}~~" in lines
    assert [c for c in custom_ids(dm.components) if c.startswith("pb:done:")] == done[2:]
