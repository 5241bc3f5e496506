"""Request bodies are checked against Discord's OpenAPI spec; responses conform to it too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest

from bot.emulator import Emulator, schema
from tests.emulator.probe_bot import ProbeBot
from tests.emulator.world import World

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"


def text_channel(bot: ProbeBot, channel_id: int) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


@pytest.mark.emulator_dirty
async def test_invalid_embed_is_a_400_50035_naming_the_field(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    with pytest.raises(discord.HTTPException) as raised:
        await text_channel(bot, world.channel.id).send(embed=discord.Embed(title="x" * 300))
    assert raised.value.status == 400
    assert raised.value.code == 50035
    assert "embeds.0.title" in raised.value.text
    assert "256 or fewer" in raised.value.text
    [violation] = emu.schema_violations
    assert violation.template == "/channels/{channel_id}/messages"
    assert violation.errors == {
        "embeds": {
            "0": {
                "title": {
                    "_errors": [
                        {
                            "code": "BASE_TYPE_MAX_LENGTH",
                            "message": "Must be 256 or fewer in length.",
                        }
                    ]
                }
            }
        }
    }
    assert emu.channel_messages(world.channel) == []


@pytest.mark.emulator_dirty
async def test_docs_limits_the_spec_does_not_encode(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    channel = text_channel(bot, world.channel.id)
    with pytest.raises(discord.HTTPException) as raised:
        await channel.send("x" * 2001)
    assert raised.value.code == 50035 and "content" in raised.value.text
    sent = await channel.send("ok")
    with pytest.raises(discord.HTTPException) as raised:
        await sent.edit(embeds=[discord.Embed(description="y" * 4000) for _ in range(2)])
    assert raised.value.code == 50035 and "6000" in raised.value.text
    assert [v.method for v in emu.schema_violations] == ["POST", "PATCH"]


@pytest.mark.emulator_dirty
async def test_invalid_interaction_callback_and_follow_up(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    emu.set_interaction_deadline(0.5)
    reply = emu.start_command(world.alice, "echo", guild=world.guild, options={"text": "z" * 2500})
    error = await bot.outcome("error:echo")
    assert isinstance(error, discord.HTTPException) and error.code == 50035
    assert emu.schema_violations[0].template == CALLBACK
    assert "data.content" in " ".join(emu.schema_violations[0].messages)
    await emu.wait_for(lambda: reply.failed, what="the unacknowledged interaction to fail")
    bot.outcomes.clear()
    bot._outcome_events.clear()
    deferred = await emu.run_command(
        world.alice, "echo", guild=world.guild, options={"text": "z" * 2500, "followup": True}
    )
    assert deferred.deferred
    error = await bot.outcome("error:echo")
    assert isinstance(error, discord.HTTPException) and error.code == 50035
    assert emu.schema_violations[1].template == "/webhooks/{webhook_id}/{webhook_token}"


@pytest.mark.emulator_dirty
async def test_invalid_command_registration(emu: Emulator, world: World, bot: ProbeBot) -> None:
    payload = [{"name": "n" * 40, "description": "too long a name", "type": 1}]
    with pytest.raises(discord.HTTPException) as raised:
        await bot.http.bulk_upsert_global_commands(emu.application_id, payload)
    assert raised.value.code == 50035
    assert "0.name" in raised.value.text
    assert emu.schema_violations[0].template == "/applications/{application_id}/commands"
    assert emu.counters.global_command_syncs == 1, "the rejected PUT did not replace commands"


async def test_spec_is_vendored_with_its_license() -> None:
    spec_dir = Path(schema.__file__).parent / "spec"
    assert spec_dir / "openapi.json" == schema.SPEC_PATH
    assert "MIT License" in (spec_dir / "LICENSE").read_text()
    assert schema.load_spec()["openapi"].startswith("3.1")
    assert "/shared/" not in str(schema.SPEC_PATH)


def test_validators_are_built_once() -> None:
    first = schema.request_validator("POST", "/channels/{channel_id}/messages")
    assert first is schema.request_validator("POST", "/channels/{channel_id}/messages")
    assert schema.load_spec() is schema.load_spec()
    assert schema.request_validator("GET", "/users/@me") is None


def test_integer_snowflakes_are_accepted_but_other_types_are_not() -> None:
    ok, _ = schema.check_request(
        "POST",
        "/channels/{channel_id}/messages",
        {"content": "x", "attachments": [{"id": 0}], "message_reference": {"message_id": 12}},
    )
    assert ok == {}
    bad, messages = schema.check_request(
        "POST", "/channels/{channel_id}/messages", {"content": "x", "attachments": [{"id": -1}]}
    )
    assert "attachments" in bad and messages


@pytest.mark.emulator_dirty
async def test_responses_conform_to_the_spec(emu: Emulator, world: World, bot: ProbeBot) -> None:
    reply = await emu.run_command(world.alice, "ping", guild=world.guild)
    assert reply.content == "pong"
    headers = {"Authorization": f"Bot {emu.token}"}
    g, c, u, app = world.guild.id, world.channel.id, world.alice.id, emu.application_id
    cases: list[tuple[str, str, str, Any, int]] = [
        ("GET", "/users/@me", "/users/@me", None, 200),
        ("GET", "/users/{user_id}", f"/users/{u}", None, 200),
        ("GET", "/gateway/bot", "/gateway/bot", None, 200),
        ("GET", "/applications/@me", "/applications/@me", None, 200),
        ("GET", "/guilds/{guild_id}", f"/guilds/{g}", None, 200),
        ("GET", "/guilds/{guild_id}/members/{user_id}", f"/guilds/{g}/members/{u}", None, 200),
        ("GET", "/guilds/{guild_id}/members", f"/guilds/{g}/members?limit=10", None, 200),
        ("GET", "/guilds/{guild_id}/roles", f"/guilds/{g}/roles", None, 200),
        ("GET", "/guilds/{guild_id}/channels", f"/guilds/{g}/channels", None, 200),
        ("GET", "/channels/{channel_id}", f"/channels/{c}", None, 200),
        (
            "POST",
            "/channels/{channel_id}/messages",
            f"/channels/{c}/messages",
            {"content": "hi"},
            200,
        ),
        ("GET", "/channels/{channel_id}/messages", f"/channels/{c}/messages", None, 200),
        ("POST", "/users/@me/channels", "/users/@me/channels", {"recipient_id": str(u)}, 200),
        (
            "GET",
            "/applications/{application_id}/commands",
            f"/applications/{app}/commands",
            None,
            200,
        ),
        ("GET", "/channels/{channel_id}", "/channels/1", None, 404),
        ("POST", "/channels/{channel_id}/messages", f"/channels/{c}/messages", {"content": 5}, 400),
    ]
    problems: list[str] = []
    async with aiohttp.ClientSession() as http:
        for method, template, path, body, status in cases:
            async with http.request(
                method, emu.api_base + path, json=body, headers=headers
            ) as resp:
                assert resp.status == status, (method, path, await resp.text())
                data = await resp.json()
            if status == 400:
                # Discord's field errors carry *string* codes ("BASE_TYPE_MAX_LENGTH") while the
                # spec's Error schema says integer; the emulator follows Discord, so only the
                # top-level code/message are checked here.
                assert data["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_BAD_TYPE"
                data = {k: v for k, v in data.items() if k != "errors"}
            validator = schema.response_validator(method, template, status)
            assert validator is not None, (method, template, status)
            problems += [
                f"{method} {template} {status}: {list(e.absolute_path)}: {e.message[:160]}"
                for e in validator.iter_errors(data)
            ]
    assert not problems, "\n".join(problems)
    assert [v.template for v in emu.schema_violations] == ["/channels/{channel_id}/messages"]


async def test_every_recorded_success_response_conforms(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    await emu.run_command(world.alice, "lifecycle", guild=world.guild)
    await bot.outcome("lifecycle")
    panel = await emu.run_command(world.alice, "panel", guild=world.guild)
    assert panel.message is not None
    await emu.click(world.alice, panel.message, "panel:ok")
    await (await emu.run_command(world.alice, "dmme", guild=world.guild)).wait_final()
    await emu.run_command(world.alice, "attach", guild=world.guild)
    checked: set[str] = set()
    problems: list[str] = []
    for record in emu.requests:
        if record.template is None or record.response is None or not 200 <= record.status < 300:
            continue
        validator = schema.response_validator(record.method, record.template, record.status)
        assert validator is not None, record.route
        checked.add(record.route)
        problems += [
            f"{record.route}: {list(e.absolute_path)}: {e.message[:160]}"
            for e in validator.iter_errors(record.response)
        ]
    assert not problems, "\n".join(problems)
    assert {
        "GET /users/@me",
        "GET /oauth2/applications/@me",
        "PUT /applications/{application_id}/commands",
        "POST " + CALLBACK,
        "POST /webhooks/{webhook_id}/{webhook_token}",
        "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original",
        "POST /users/@me/channels",
        "POST /channels/{channel_id}/messages",
    } <= checked
