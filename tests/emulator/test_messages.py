"""Channel messages and DMs over REST: send, attachments, nonce, edit, delete, reads, perms."""

from __future__ import annotations

import asyncio
import io

import aiohttp
import discord
import pytest

from bot.emulator import Emulator, Overwrite, Permission
from tests.emulator.probe_bot import ProbeBot
from tests.emulator.world import World


def text_channel(bot: ProbeBot, channel_id: int) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_dm_with_content_embed_and_components(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    user = await bot.fetch_user(world.outsider.id)
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="Open", custom_id="dm:open"))
    embed = discord.Embed(title="Week 1", description="Read chapter 1")
    sent = await user.send("Welcome!", embed=embed, view=view)
    [stored] = emu.dms(world.outsider)
    assert stored.id == sent.id
    assert stored.content == "Welcome!"
    assert stored.embeds[0]["title"] == "Week 1" and "chapter 1" in stored.embed_text
    assert stored.custom_ids == ["dm:open"]
    assert sent.channel.id == emu.dm_channel(world.outsider).id
    assert "POST /users/@me/channels" in [r.route for r in emu.requests]


async def test_closed_dms_raise_forbidden_50007(emu: Emulator, world: World, bot: ProbeBot) -> None:
    emu.close_dms(world.alice)
    user = await bot.fetch_user(world.alice.id)
    with pytest.raises(discord.Forbidden) as raised:
        await user.send("hello?")
    assert raised.value.code == 50007
    assert raised.value.status == 403
    assert raised.value.text == "Cannot send messages to this user"
    assert emu.dms(world.alice) == []
    assert emu.counters.invalid_requests == 1
    emu.open_dms(world.alice)
    await user.send("hello again")
    assert [m.content for m in emu.dms(world.alice)] == ["hello again"]


async def test_multipart_attachments(emu: Emulator, world: World, bot: ProbeBot) -> None:
    channel = text_channel(bot, world.channel.id)
    files = [
        discord.File(io.BytesIO(b"week,task\n1,read\n"), "plan.csv", description="the plan"),
        discord.File(io.BytesIO(b"BEGIN:VCALENDAR\n"), "plan.ics"),
    ]
    sent = await channel.send("your plan", files=files)
    stored = emu.state.messages[sent.id]
    assert [a.filename for a in stored.attachments] == ["plan.csv", "plan.ics"]
    assert stored.attachments[0].text() == "week,task\n1,read\n"
    assert stored.attachments[0].description == "the plan"
    assert [a.filename for a in sent.attachments] == ["plan.csv", "plan.ics"]
    assert sent.attachments[1].size == len(b"BEGIN:VCALENDAR\n")
    assert await sent.attachments[0].read() == b"week,task\n1,read\n"
    request = next(r for r in emu.requests if r.route == "POST /channels/{channel_id}/messages")
    assert request.body["attachments"][0] == {
        "id": 0,
        "filename": "plan.csv",
        "description": "the plan",
    }


async def test_edit_keeps_listed_attachments_and_adds_new_ones(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    channel = text_channel(bot, world.channel.id)
    sent = await channel.send("v1", file=discord.File(io.BytesIO(b"one"), "one.txt"))
    edited = await sent.edit(
        content="v2", attachments=[*sent.attachments, discord.File(io.BytesIO(b"two"), "two.txt")]
    )
    stored = emu.state.messages[sent.id]
    assert stored.content == "v2" and stored.edit_count == 1
    assert [a.filename for a in stored.attachments] == ["one.txt", "two.txt"]
    assert [a.filename for a in edited.attachments] == ["one.txt", "two.txt"]
    await edited.edit(attachments=[])
    assert stored.attachments == []


async def test_enforced_nonce_makes_sends_idempotent(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    channel = text_channel(bot, world.channel.id)
    first = await channel.send("reminder", nonce="week-1")
    again = await channel.send("reminder", nonce="week-1")
    assert again.id == first.id
    assert [m.content for m in emu.channel_messages(world.channel)] == ["reminder"]
    other_dm = await (await bot.fetch_user(world.alice.id)).send("reminder", nonce="week-1")
    assert other_dm.id != first.id, "nonces are per channel"
    emu.advance_time(301)
    later = await channel.send("reminder", nonce="week-1")
    assert later.id != first.id, "the nonce window is a few minutes"
    assert len(emu.channel_messages(world.channel)) == 2
    assert emu.state.messages[first.id].nonce == "week-1"


async def test_edit_and_delete(emu: Emulator, world: World, bot: ProbeBot) -> None:
    channel = text_channel(bot, world.channel.id)
    sent = await channel.send("draft")
    await sent.edit(content="final", embed=discord.Embed(title="t"))
    stored = emu.state.messages[sent.id]
    assert stored.content == "final" and stored.embeds[0]["title"] == "t"
    assert stored.edited_at is not None
    await sent.delete()
    assert emu.channel_messages(world.channel) == []
    with pytest.raises(discord.NotFound) as raised:
        await channel.fetch_message(sent.id)
    assert raised.value.code == 10008


async def test_cannot_edit_a_users_message(emu: Emulator, world: World, bot: ProbeBot) -> None:
    typed = await emu.send_user_message(world.alice, "hello bot", channel=world.channel)
    channel = text_channel(bot, world.channel.id)
    message = await channel.fetch_message(typed.id)
    with pytest.raises(discord.Forbidden) as raised:
        await message.edit(content="hacked")
    assert raised.value.code == 50005
    with pytest.raises(discord.Forbidden) as raised:
        await message.delete()
    assert raised.value.code == 50013


async def test_missing_channel_permissions(emu: Emulator, world: World, bot: ProbeBot) -> None:
    locked = emu.add_channel(
        world.guild,
        "read-only",
        overwrites=[Overwrite(world.guild.id, 0, deny=Permission.SEND_MESSAGES)],
    )
    created = await bot.fetch_channel(locked.id)
    assert isinstance(created, discord.TextChannel) and created.id == locked.id
    with pytest.raises(discord.Forbidden) as raised:
        await created.send("hi")
    assert raised.value.code == 50013
    hidden = emu.add_channel(
        world.guild,
        "staff",
        overwrites=[Overwrite(world.guild.id, 0, deny=Permission.VIEW_CHANNEL)],
    )
    with pytest.raises(discord.Forbidden) as raised:
        await bot.fetch_channel(hidden.id)
    assert raised.value.code == 50001
    assert emu.counters.invalid_requests == 2


async def test_reads_a_bot_needs(emu: Emulator, world: World, bot: ProbeBot) -> None:
    guild = await bot.fetch_guild(world.guild.id)
    assert guild.name == "Pathway" and guild.owner_id == world.guild.owner_id
    member = await guild.fetch_member(world.manager.id)
    assert member.guild_permissions.manage_guild
    plain = await guild.fetch_member(world.alice.id)
    assert not plain.guild_permissions.manage_guild
    channel = await bot.fetch_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel) and channel.name == "general"
    user = await bot.fetch_user(world.alice.id)
    assert user.name == "alice"
    with pytest.raises(discord.NotFound) as raised:
        await guild.fetch_member(world.outsider.id)
    assert raised.value.code == 10007
    with pytest.raises(discord.NotFound) as raised:
        await bot.fetch_user(12345)
    assert raised.value.code == 10013
    history = [m async for m in text_channel(bot, world.channel.id).history(limit=10)]
    assert history == []


async def test_role_assignment_needs_manage_roles(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    enrolled = emu.add_role(world.guild, "enrolled")
    guild = bot.get_guild(world.guild.id)
    assert guild is not None
    member = await guild.fetch_member(world.alice.id)
    role = guild.get_role(enrolled.id)
    assert role is not None
    with pytest.raises(discord.Forbidden):
        await member.add_roles(role)
    emu.set_bot_permissions(world.guild, Permission.MANAGE_ROLES | Permission.VIEW_CHANNEL)
    bot_role = emu.state.bot_role(world.guild)
    bot_role.position = 10  # above "enrolled"
    await member.add_roles(role, reason="reached first week ✓")
    assert enrolled.id in world.guild.members[world.alice.id].role_ids
    # Discord logs the change with the request's X-Audit-Log-Reason; a no-op is not logged.
    await member.add_roles(role, reason="again")
    (entry,) = emu.audit_log
    assert entry.target_id == world.alice.id and entry.changes == (("$add", enrolled.id),)
    assert entry.reason == "reached first week ✓" and entry.action_type == 25
    assert [r.audit_log_reason for r in emu.requests if r.method == "PUT"][-2:] == [
        "reached first week ✓",
        "again",
    ]


async def test_a_held_answer_arrives_after_the_change_is_made(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    emu.set_bot_permissions(world.guild, Permission.MANAGE_ROLES | Permission.VIEW_CHANNEL)
    emu.set_role_position(emu.state.bot_role(world.guild), 10)
    enrolled = emu.add_role(world.guild, "enrolled", position=2)
    route = "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}"
    emu.hold(route)
    task = asyncio.create_task(
        bot.http.add_role(world.guild.id, world.alice.id, enrolled.id, reason=None)
    )
    await emu.wait_for(lambda: emu.held, what="the held request")
    assert enrolled.id in world.guild.members[world.alice.id].role_ids  # done, not yet told
    assert not task.done()
    emu.release(route)
    await task
    assert [r.status for r in emu.held] == [204]


async def test_user_messages_reach_the_bot_with_content_rules(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    await emu.send_user_message(world.alice, "dm text")
    dm = await bot.wait_received(lambda m: m.guild is None)
    assert dm.content == "dm text"
    await emu.send_user_message(world.alice, "guild text", channel=world.channel)
    guild_message = await bot.wait_received(lambda m: m.guild is not None)
    assert guild_message.content == "", "no MESSAGE_CONTENT intent: content hidden in guilds"
    assert guild_message.author.id == world.alice.id


async def test_attachment_url_is_served(emu: Emulator, world: World, bot: ProbeBot) -> None:
    sent = await text_channel(bot, world.channel.id).send(
        file=discord.File(io.BytesIO(b"\x89PNG..."), "chart.png")
    )
    async with aiohttp.ClientSession() as http, http.get(sent.attachments[0].url) as resp:
        assert resp.status == 200
        assert await resp.read() == b"\x89PNG..."


async def test_empty_message_is_rejected(emu: Emulator, world: World, bot: ProbeBot) -> None:
    with pytest.raises(discord.HTTPException) as raised:
        await bot.http.send_message(world.channel.id, params=_empty_params())
    assert raised.value.code == 50006


def _empty_params() -> discord.http.MultipartParameters:
    return discord.http.handle_message_parameters(content=None)


@pytest.mark.emulator_dirty
async def test_unimplemented_routes_are_404_and_recorded(emu: Emulator, world: World) -> None:
    headers = {"Authorization": f"Bot {emu.token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{emu.api_base}/guilds/{world.guild.id}/audit-logs", headers=headers) as resp,
    ):
        assert resp.status == 404
        assert (await resp.json()) == {"message": "404: Not Found", "code": 0}
    assert emu.unknown_routes == [f"GET /guilds/{world.guild.id}/audit-logs"]
    with pytest.raises(AssertionError, match="unknown route"):
        emu.assert_clean()
