"""No learner reply shows a raw item id such as `week-jupyter-setup`: items are named by
their text in every reply, embed, label and menu description (ids stay in custom_ids and
option values, which only the bot reads). And `/me export` says what its files hold."""

from __future__ import annotations

import json

from bot.core.pathway import Pathway
from bot.emulator.models import Message
from bot.emulator.replies import InteractionReply
from tests.discord_app.conftest import World
from tests.discord_app.outgoing import button_labels, component_text, shown_text
from tests.discord_app.test_tasks_short import days_ago, ids_in
from tests.harness import SEED, custom_ids

#: Every embed title and button label the learner saw in this test module.
TITLES: list[str] = []
LABELS: list[str] = []
OPTIONS: list[str] = []


def visible(reply: InteractionReply | Message) -> str:
    message = reply if isinstance(reply, Message) else reply.message
    assert message is not None
    TITLES.extend(e.get("title") or "" for e in message.embeds)
    LABELS.extend(button_labels(message.components))
    OPTIONS.extend(
        o["label"]
        for row in message.components
        for c in row["components"]
        for o in c.get("options") or []
    )
    text = shown_text(message) + "\n" + component_text(message.components)
    return text + "\n" + "\n".join(a.description or "" for a in message.attachments)


def cut_mid_word(label: str, texts: list[str]) -> bool:
    """Whether a shortened label ("Install Python and…") stops inside a word of the text
    it was made from."""
    if not label.endswith("…"):
        return False
    base = label[:-1].split("] ", 1)[-1]
    for text in texts:
        if text.startswith(base) and len(text) > len(base):
            return text[len(base)].isalnum()
    return False


async def test_no_learner_reply_shows_an_item_id(world: World, seed: Pathway) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    seen: dict[str, str] = {}

    r = await emu.run_command(
        alice, "enroll", guild=g, options={"pathway": SEED, "start": days_ago(world, 100)}
    )
    seen["/enroll"] = visible(r)
    seen["/enroll again"] = visible(
        await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED, "day": "fri"})
    )
    for horizon in (None, "week", "month", "90d", "phase", "all"):
        options = {"horizon": horizon} if horizon else {}
        tasks = await emu.run_command(alice, "tasks", guild=g, options=options)
        seen[f"/tasks {horizon}"] = visible(tasks)
    tasks = await emu.run_command(alice, "tasks", guild=g)
    show_all = next(i for i in custom_ids(tasks.components) if i.startswith("pb:all:"))
    seen["Show everything"] = visible(await emu.click(alice, tasks.message, show_all))

    seen["/done"] = visible(
        await emu.run_command(alice, "done", guild=g, options={"task": "week-jupyter-setup"})
    )
    seen["/done again"] = visible(
        await emu.run_command(alice, "done", guild=g, options={"task": "week-jupyter-setup"})
    )
    button = next(i for i in custom_ids(r.components) if i.startswith("pb:done:"))
    seen["✅ button"] = visible(await emu.click(alice, r.message, button))
    select = next(i for i in custom_ids(tasks.components) if i.startswith("pb:sel:"))
    seen["menu"] = visible(
        await emu.click(alice, tasks.message, select, values=["p1-python-libraries"])
    )
    seen["/undo"] = visible(
        await emu.run_command(alice, "undo", guild=g, options={"task": "week-jupyter-setup"})
    )
    not_done = await emu.run_command(alice, "undo", guild=g, options={"task": "skill-mlops"})
    assert not_done.content.startswith("⚠️") and "Learn MLOps" in not_done.content
    seen["/undo not done"] = visible(not_done)
    seen["/progress"] = visible(await emu.run_command(alice, "progress", guild=g))
    seen["/reminders show"] = visible(
        await emu.run_command(alice, "reminders", guild=g, subcommand="show")
    )
    export = await emu.run_command(alice, "me", guild=g, subcommand="export")
    seen["/me export"] = (await export.wait_final()).content

    listing = await emu.run_command(alice, "pathways", guild=g)
    seen["/pathways"] = visible(listing)
    page = await emu.run_command(alice, "pathways", guild=g, options={"pathway": SEED})
    message = page.message
    assert message is not None
    for n in range(20):
        seen[f"/pathways page {n + 1}"] = visible(message)
        nxt = next(c for c in message.custom_ids if c.endswith(":next"))
        if message.find_component(nxt).get("disabled"):
            break
        message = await (await emu.click(alice, message, nxt)).wait_final()

    leave = await emu.run_command(alice, "leave", guild=g, options={"pathway": SEED})
    seen["/leave"] = visible(leave)
    confirm = next(i for i in custom_ids(leave.components) if i.startswith("pb:leave:"))
    seen["left"] = visible(await (await emu.click(alice, leave.message, confirm)).wait_final())
    assert "Backend → ML Engineer" in seen["left"]

    found = {where: ids_in(text, seed) for where, text in seen.items() if ids_in(text, seed)}
    assert not found, found
    # Titles use the pathway's short name; labels are shortened between words.
    assert any(seed.name in t for t in TITLES)
    assert not [t for t in TITLES if seed.title in t]
    texts = [item.text for item in seed.items()]
    assert LABELS and any(label.endswith("…") for label in LABELS)
    assert not [label for label in LABELS + OPTIONS if cut_mid_word(label, texts)]
    assert all(len(label) <= 80 for label in LABELS)
    assert all(len(label) <= 100 for label in OPTIONS)


async def test_export_message_states_what_its_files_hold(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    for item in ("week-jupyter-setup", "month-join-ml-community", "skill-mlops"):
        await emu.run_command(alice, "done", guild=g, options={"task": item})

    final = await (await emu.run_command(alice, "me", guild=g, subcommand="export")).wait_final()
    files = {a.filename: a.data for a in final.attachments}
    blob = json.loads(files["pathway-bot-export.json"])
    listed = files["completed-items.txt"].decode().splitlines()
    assert len(blob["completions"]) == len(listed) == 3
    assert len(blob["enrolments"]) == 1 and blob["group_memberships"] == []
    text = final.content
    assert "1 enrolment, 3 completed items" in text, text
    assert "(2 action-plan items, 1 skill)" in text and "roadmap task" not in text
    assert "0 group memberships" in text
    assert "No roadmap items completed yet" not in text  # the old, contradicting line
    assert any("Install Python and set up a Jupyter notebook" in line for line in listed)

    # Nothing done: the message and the file agree on that too.
    bob = world.bob
    await emu.run_command(bob, "enroll", guild=g, options={"pathway": SEED})
    final = await (await emu.run_command(bob, "me", guild=g, subcommand="export")).wait_final()
    files = {a.filename: a.data for a in final.attachments}
    assert files["completed-items.txt"] == b"Nothing completed yet."
    assert (
        "0 completed items" in final.content
        and json.loads(files["pathway-bot-export.json"])["completions"] == []
    )
