"""The ✅ button and the task menu defer privately while the database is slow, as /done does.

Another connection holds SQLite's write lock for 3 s (less than the store's 5 s busy wait,
more than Discord's 3 s deadline counted from the click). The click is deferred as a private
"thinking" reply within that deadline (the emulator fails an interaction left unanswered for
3 s), and the answer then follows up privately: the item is checked off and stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from bot.emulator.driver import Emulator
from bot.emulator.replies import InteractionReply
from tests.delivery.test_fault_contract import _hold_write_lock
from tests.discord_app.conftest import World
from tests.harness import SEED, custom_ids, poll

DEFERRED_CHANNEL_MESSAGE = 5
LOCK_SECONDS = 3.0


def done_items(world: World) -> set[str]:
    return {str(r[0]) for r in world.bot.sql("SELECT item_id FROM completions")}


async def while_locked(world: World, click: Callable[[], InteractionReply]) -> InteractionReply:
    held = threading.Event()
    locker = threading.Thread(
        target=_hold_write_lock, args=(world.bot.db_path, LOCK_SECONDS, held), daemon=True
    )
    locker.start()
    await poll(held.is_set, within=10, what="the write lock to be taken")
    reply = click()
    await reply.wait_final(timeout=30)
    locker.join(timeout=LOCK_SECONDS + 10)
    return reply


async def test_a_done_click_defers_privately_while_the_database_is_busy(world: World) -> None:
    emu: Emulator = world.emu
    alice = world.alice
    enrolled = await emu.run_command(alice, "enroll", guild=world.guild, options={"pathway": SEED})
    button = next(c for c in custom_ids(enrolled.components) if c.startswith("pb:done:"))
    item = button.rsplit(":", 1)[1]

    reply = await while_locked(world, lambda: emu.start_click(alice, enrolled.message, button))

    assert reply.response_type == DEFERRED_CHANNEL_MESSAGE and reply.ephemeral
    final = reply.messages[-1]
    assert final.ephemeral and final.content.startswith("✅ Done"), final.content
    assert item in done_items(world)
    assert not emu.failed_interactions


async def test_a_task_menu_pick_defers_privately_while_the_database_is_busy(
    world: World,
) -> None:
    emu: Emulator = world.emu
    alice = world.alice
    await emu.run_command(alice, "enroll", guild=world.guild, options={"pathway": SEED})
    tasks = await emu.run_command(alice, "tasks", guild=world.guild)
    select = next(c for c in custom_ids(tasks.components) if c.startswith("pb:sel:"))
    menu = next(
        comp
        for row in tasks.components
        for comp in row.get("components", ())
        if comp.get("custom_id") == select
    )
    picked = [o["value"] for o in menu["options"][:2]]

    reply = await while_locked(world, lambda: emu.start_click(alice, tasks.message, select, picked))

    assert reply.response_type == DEFERRED_CHANNEL_MESSAGE and reply.ephemeral
    final = reply.messages[-1]
    assert final.ephemeral and final.content.startswith("✅ "), final.content
    assert "Progress" in final.content
    assert set(picked) <= done_items(world)
    assert not emu.failed_interactions
