"""Buttons, selects (guild and DM, ephemeral messages) and modals."""

from __future__ import annotations

import discord
import pytest

from bot.emulator import ComponentError, Emulator, EmulatorUsageError
from tests.emulator.probe_bot import PanelView, ProbeBot
from tests.emulator.world import World


async def test_button_updates_the_message_in_a_guild(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    panel = await emu.run_command(world.alice, "panel", guild=world.guild)
    message = panel.message
    assert message is not None
    assert message.custom_ids == ["panel:ok", "panel:later", "panel:pick"]
    clicked = await emu.click(world.alice, message, "panel:ok")
    assert clicked.response_type == 7
    assert clicked.message is message
    assert message.content == "clicked by alice"
    payload = clicked.record.payload
    assert payload["type"] == 3
    assert payload["data"] == {"custom_id": "panel:ok", "component_type": 2}
    assert payload["message"]["id"] == str(message.id)
    assert payload["member"]["user"]["id"] == str(world.alice.id)


async def test_select_values_and_ephemeral_answer(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    panel = await emu.run_command(world.alice, "panel", guild=world.guild)
    assert panel.message is not None
    picked = await emu.click(world.alice, panel.message, "panel:pick", values=["a", "c"])
    assert picked.content == "picked ['a', 'c']"
    assert picked.ephemeral
    assert picked.message not in emu.channel_messages(world.channel)
    with pytest.raises(ComponentError, match="not options"):
        emu.start_click(world.alice, panel.message, "panel:pick", values=["z"])
    with pytest.raises(ComponentError, match=r"1\.\.2"):
        emu.start_click(world.alice, panel.message, "panel:pick", values=["a", "b", "c"])
    with pytest.raises(ComponentError, match="no component"):
        emu.start_click(world.alice, panel.message, "panel:missing")
    with pytest.raises(ComponentError, match="no values"):
        emu.start_click(world.alice, panel.message, "panel:ok", values=["a"])


async def test_deferred_update_then_edit_original(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    panel = await emu.run_command(world.alice, "panel", guild=world.guild)
    assert panel.message is not None
    later = await emu.click(world.alice, panel.message, "panel:later")
    assert later.deferred and later.response_type == 6
    final = await later.wait_final()
    assert final is panel.message
    assert final.content == "updated later"


async def test_components_in_dms(emu: Emulator, world: World, bot: ProbeBot) -> None:
    panel = await emu.run_command(world.outsider, "panel")
    assert panel.message is not None
    assert emu.state.channels[panel.message.channel_id].is_dm
    clicked = await emu.click(world.outsider, panel.message, "panel:ok")
    assert clicked.content == "clicked by outsider"
    assert "user" in clicked.record.payload and "member" not in clicked.record.payload
    with pytest.raises(ComponentError, match="another user's DM"):
        emu.start_click(world.alice, panel.message, "panel:ok")


async def test_click_on_a_plain_channel_message_with_a_persistent_view(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("menu", view=PanelView())
    stored = emu.state.messages[sent.id]
    reply = await emu.click(world.alice, stored, "panel:ok")
    assert reply.content == "clicked by alice"
    assert stored.edit_count == 1


async def test_ephemeral_message_components_belong_to_their_viewer(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    panel = await emu.run_command(
        world.alice, "panel", guild=world.guild, options={"ephemeral": True}
    )
    assert panel.message is not None and panel.message.ephemeral
    with pytest.raises(ComponentError, match="shown to another user"):
        emu.start_click(world.manager, panel.message, "panel:ok")
    clicked = await emu.click(world.alice, panel.message, "panel:ok")
    assert clicked.content == "clicked by alice"
    assert clicked.ephemeral


async def test_modal_open_and_submit(emu: Emulator, world: World, bot: ProbeBot) -> None:
    opened = await emu.run_command(world.alice, "form", guild=world.guild)
    assert opened.response_type == 9
    assert opened.modal is not None and opened.modal["title"] == "Tell us about you"
    submitted = await emu.submit_modal(world.alice, opened, {"name": "Ada", "bio": "loves tests"})
    assert submitted.content == "hello Ada (loves tests)"
    assert submitted.record.payload["type"] == 5
    with pytest.raises(EmulatorUsageError, match="required"):
        emu.start_modal_submit(world.alice, opened, {"bio": "no name"})
    with pytest.raises(EmulatorUsageError, match="no fields"):
        emu.start_modal_submit(world.alice, opened, {"name": "A", "age": "3"})


async def test_modal_in_dm_with_optional_field_left_empty(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    opened = await emu.run_command(world.outsider, "form")
    submitted = await emu.submit_modal(world.outsider, opened, {"name": "Grace"})
    assert submitted.content == "hello Grace ()"
    assert "user" in submitted.record.payload
