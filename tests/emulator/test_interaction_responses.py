"""Interaction callbacks, deferrals, follow-ups, @original endpoints and the 3 s deadline."""

from __future__ import annotations

import aiohttp
import discord
import pytest

from bot.emulator import Emulator, InteractionFailedError
from tests.emulator.probe_bot import ProbeBot
from tests.emulator.world import World


async def test_deferred_then_follow_up(emu: Emulator, world: World, bot: ProbeBot) -> None:
    reply = await emu.run_command(world.alice, "slow", guild=world.guild)
    assert reply.deferred and reply.response_type == 5
    assert reply.ephemeral
    assert reply.message is not None and reply.message.loading
    bot.gates["slow"].set()
    final = await reply.wait_final()
    assert final.content == "slow done"
    assert not final.loading and final.ephemeral, "first follow-up replaces the thinking message"
    extra = await reply.wait_followup(1)
    assert extra.content == "extra" and extra.ephemeral
    assert [m.content for m in reply.messages] == ["slow done", "extra"]
    assert emu.channel_messages(world.channel) == []  # everything was ephemeral


async def test_late_first_response_is_a_failed_interaction(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    emu.set_interaction_deadline(0.2)
    reply = emu.start_command(world.alice, "late", guild=world.guild)
    await emu.wait_for(lambda: reply.failed, what="the deadline to pass")
    assert emu.failed_interactions == [reply.record]
    bot.gates["late"].set()
    error = await bot.outcome("late")
    assert isinstance(error, discord.NotFound)
    assert error.code == 10062
    assert emu.counters.late_callbacks == 1
    assert emu.counters.interactions_failed == 1
    with pytest.raises(InteractionFailedError, match="not acknowledged"):
        await reply.wait_first()
    emu.failed_interactions.clear()  # provoked on purpose; keep the teardown check for the rest


async def test_callback_response_and_webhook_message_lifecycle(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    reply = await emu.run_command(world.alice, "lifecycle", guild=world.guild)
    original_id = await bot.outcome("lifecycle")
    assert reply.message is not None and reply.message.id == original_id
    assert reply.content == f"v2 of {original_id}"
    assert [m.content for m in reply.followups] == ["f2"]
    routes = [(r.route, r.status) for r in emu.requests if "/webhooks/" in r.route]
    base = "/webhooks/{webhook_id}/{webhook_token}"
    assert routes == [
        (f"GET {base}/messages/@original", 200),
        (f"PATCH {base}/messages/@original", 200),
        (f"POST {base}", 200),
        (f"PATCH {base}/messages/{{message_id}}", 200),
        (f"POST {base}", 200),
        (f"DELETE {base}/messages/{{message_id}}", 204),
    ]
    callback = next(r for r in emu.requests if r.route.endswith("/callback"))
    assert callback.query.get("with_response") in ("1", "true")
    assert callback.status == 200
    assert [m.content for m in emu.channel_messages(world.channel)] == [
        f"v2 of {original_id}",
        "f2",
    ]


async def test_second_acknowledgement_is_rejected(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    reply = await emu.run_command(world.alice, "ping", guild=world.guild)
    url = f"{emu.api_base}/interactions/{reply.record.id}/{reply.record.token}/callback"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json={"type": 4, "data": {"content": "again"}}) as resp,
    ):
        assert resp.status == 400
        assert (await resp.json())["code"] == 40060
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{emu.api_base}/interactions/{reply.record.id}/wrong-token/callback", json={"type": 1}
        ) as resp,
    ):
        assert resp.status == 404
        assert (await resp.json())["code"] == 10062


async def test_follow_up_before_acknowledgement_is_unknown_webhook(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    emu.set_interaction_deadline(0.3)
    reply = emu.start_command(world.alice, "late", guild=world.guild)
    url = f"{emu.api_base}/webhooks/{emu.application_id}/{reply.record.token}"
    async with aiohttp.ClientSession() as http, http.post(url, json={"content": "early"}) as resp:
        assert resp.status == 404
        assert (await resp.json())["code"] == 10015
    bot.gates["late"].set()
    assert (await bot.outcome("late")) is None  # answered in time after all
    assert reply.content == "too late"


async def test_attachment_in_an_interaction_response(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    reply = await emu.run_command(world.alice, "attach", guild=world.guild)
    assert reply.content == "report"
    [attachment] = reply.attachments
    assert attachment.filename == "report.csv"
    assert attachment.text() == "task,done\npytest,yes\n"
    callback = next(r for r in emu.requests if r.route.endswith("/callback"))
    assert callback.body["data"]["attachments"][0]["filename"] == "report.csv"
    async with aiohttp.ClientSession() as http, http.get(attachment.url) as resp:
        assert await resp.read() == attachment.data


async def test_dm_from_an_interaction_and_closed_dms(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    reply = await emu.run_command(world.alice, "dmme", guild=world.guild)
    assert (await reply.wait_final()).content == "sent"
    assert [m.content for m in emu.dms(world.alice)] == ["hi there"]
    emu.close_dms(world.manager)
    reply = await emu.run_command(world.manager, "dmme", guild=world.guild)
    assert (await reply.wait_final()).content == "forbidden 50007"
    assert emu.dms(world.manager) == []
    assert emu.counters.invalid_requests == 1


async def test_original_can_be_fetched_and_deleted_with_the_token(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    reply = await emu.run_command(world.alice, "ping", guild=world.guild)
    original = (
        f"{emu.api_base}/webhooks/{emu.application_id}/{reply.record.token}/messages/@original"
    )
    async with aiohttp.ClientSession() as http:
        async with http.get(original) as resp:
            assert resp.status == 200
            assert (await resp.json())["content"] == "pong"
        async with http.delete(original) as resp:
            assert resp.status == 204
        async with http.get(original) as resp:
            assert resp.status == 404
            assert (await resp.json())["code"] == 10008
    assert reply.message is None
    assert emu.channel_messages(world.channel) == []


async def test_callback_types_must_fit_the_interaction(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    emu.set_interaction_deadline(5)
    reply = emu.start_command(world.alice, "late", guild=world.guild)
    url = f"{emu.api_base}/interactions/{reply.record.id}/{reply.record.token}/callback"
    async with aiohttp.ClientSession() as http:
        # PONG (1) only answers PINGs; UPDATE_MESSAGE (7) needs a component interaction;
        # AUTOCOMPLETE_RESULT (8) only answers autocomplete.
        for callback_type in (1, 7, 8):
            async with http.post(url, json={"type": callback_type, "data": {}}) as resp:
                assert resp.status == 400, callback_type
                assert (await resp.json())["code"] == 50035
    assert not reply.acknowledged
    bot.gates["late"].set()
    assert await bot.outcome("late") is None
    assert reply.content == "too late"
