"""Login, gateway handshake, heartbeats, compression, RESUME with replay, invalid sessions."""

from __future__ import annotations

import asyncio
import json
import zlib
from typing import Any

import aiohttp
import discord
import pytest

from bot.emulator import Emulator
from tests.emulator.probe_bot import ProbeBot, running
from tests.emulator.world import World


async def test_login_uses_rest_and_gateway_handshake(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    assert bot.user is not None and bot.user.id == emu.bot_user.id
    assert bot.application_id == emu.application_id
    routes = [r.route for r in emu.requests]
    assert routes[:2] == ["GET /users/@me", "GET /oauth2/applications/@me"]
    session = emu.sessions[0]
    assert session.events[:2] == ["READY", "GUILD_CREATE"]
    assert emu.counters.gateway_identifies == 1
    assert emu.counters.gateway_heartbeats >= 1  # discord.py beats right after HELLO
    guild = bot.get_guild(world.guild.id)
    assert guild is not None and guild.name == "Pathway"
    assert [c.name for c in guild.text_channels] == ["general"]


async def test_client_asks_for_zlib_stream_and_decodes_it(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    info = emu.gateway.connection_log[0]
    assert info.query["v"] == "10"
    assert info.query["encoding"] == "json"
    # zstandard is not installed in this venv, so discord.py 2.7 falls back to zlib-stream.
    assert info.query["compress"] == discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
    assert info.compression == "zlib-stream"


async def test_gateway_endpoints_point_at_the_emulator(emu: Emulator, world: World) -> None:
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bot {emu.token}"}
        async with http.get(f"{emu.api_base}/gateway/bot", headers=headers) as resp:
            bot_gateway = await resp.json()
        async with http.get(f"{emu.api_base}/gateway") as resp:
            gateway = await resp.json()
        async with http.get(f"{emu.api_base}/applications/@me", headers=headers) as resp:
            application = await resp.json()
    assert bot_gateway["url"] == f"ws://127.0.0.1:{emu.port}/gateway"
    assert bot_gateway["shards"] == 1
    assert set(bot_gateway["session_start_limit"]) == {
        "total",
        "remaining",
        "reset_after",
        "max_concurrency",
    }
    assert gateway["url"] == bot_gateway["url"]
    assert application["id"] == str(emu.application_id)
    assert application["interactions_endpoint_url"] is None


async def test_heartbeats_are_acknowledged() -> None:
    async with Emulator(heartbeat_interval_ms=50, timeout=5.0) as emu:
        emu.add_guild("Beat")
        client = ProbeBot()
        async with running(client, emu, sync=False):
            await emu.wait_for(lambda: emu.counters.gateway_heartbeats >= 3, what="3 heartbeats")
            assert client.latency != float("inf")
        acks = [p for p in emu.gateway.received if p["op"] == 1]
        assert len(acks) >= 3


async def test_forced_disconnect_resumes_and_replays_missed_events(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    session = emu.sessions[0]
    resumed = asyncio.ensure_future(bot.wait_for("resumed", timeout=5))
    closed = await emu.disconnect_gateway()
    assert closed == 1
    # Sent while the bot is disconnected: only a RESUME replay can deliver it.
    await emu.send_user_message(world.alice, "while you were away")
    await emu.wait_for(lambda: emu.counters.gateway_resumes == 1, what="RESUME")
    received = await bot.wait_received(lambda m: m.content == "while you were away")
    assert received.author.id == world.alice.id
    assert emu.counters.gateway_identifies == 1, "resumed, not re-identified"
    assert session.resumes == 1
    assert "RESUMED" in session.events
    # discord.py reconnected to READY's resume_gateway_url, not to the initial URL.
    assert emu.gateway.connection_log[-1].path == "/resume-gateway"
    resume = next(p for p in emu.gateway.received if p["op"] == 6)
    assert resume["d"]["session_id"] == session.session_id
    assert resume["d"]["seq"] < session.seq
    await resumed
    assert bot.resumed_count == 1


async def test_abrupt_connection_loss_also_resumes(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    await emu.disconnect_gateway(abrupt=True)
    await emu.wait_for(lambda: emu.counters.gateway_resumes == 1, what="RESUME")
    assert emu.counters.gateway_identifies == 1
    reply = await emu.run_command(world.alice, "ping", guild=world.guild)
    assert reply.content == "pong"


async def test_reconnect_opcode_makes_client_resume(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    emu.request_reconnect()
    await emu.wait_for(lambda: emu.counters.gateway_resumes == 1, what="RESUME")
    assert emu.counters.gateway_identifies == 1


async def test_invalid_session_forces_a_fresh_identify(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    emu.invalidate_session()
    await emu.wait_for(lambda: emu.counters.gateway_identifies == 2, what="second IDENTIFY")
    await emu.wait_for(lambda: emu.gateway.live_sessions, what="a live session")
    reply = await emu.run_command(world.alice, "ping", guild=world.guild)
    assert reply.content == "pong"


@pytest.mark.parametrize(("close_code", "resumable"), [(1000, False), (1001, False), (4000, True)])
async def test_close_code_decides_whether_the_session_survives(
    emu: Emulator, world: World, close_code: int, resumable: bool
) -> None:
    query = "?v=10&encoding=json"
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(emu.gateway_url + query) as ws:
            raw = RawGateway(ws, compressed=False)
            await raw.receive()
            await raw.send(2, {"token": emu.token, "intents": 1, "properties": {}})
            ready = await raw.receive()
            await ws.close(code=close_code)
        session = emu.gateway.sessions[ready["d"]["session_id"]]
        await emu.wait_for(lambda: session.connection is None, what="server noticing the close")
        assert session.ended is not resumable
        async with http.ws_connect(emu.gateway.resume_url + query) as ws:
            raw = RawGateway(ws, compressed=False)
            await raw.receive()
            await raw.send(6, {"token": emu.token, "session_id": session.session_id, "seq": 1})
            answer = await raw.receive()
            assert (answer["op"] == 0 and answer["t"] == "GUILD_CREATE") is resumable
            assert (answer == {"op": 9, "d": False, "s": None, "t": None}) is not resumable


async def test_new_guild_and_channel_are_dispatched(
    emu: Emulator, world: World, bot: ProbeBot
) -> None:
    # emu.wait_for only re-checks on emulator-side changes; client-side effects are awaited with
    # the client's own event API, registered before the change happens.
    joined = asyncio.ensure_future(bot.wait_for("guild_join", timeout=5))
    guild = emu.add_guild("Second")
    assert (await joined).id == guild.id
    created = asyncio.ensure_future(bot.wait_for("guild_channel_create", timeout=5))
    channel = emu.add_channel(world.guild, "announcements")
    assert (await created).id == channel.id


class RawGateway:
    """A hand-written gateway client, to check the protocol independently of discord.py."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, compressed: bool) -> None:
        self.ws = ws
        self.compressed = compressed
        self._inflate = zlib.decompressobj()
        self._buffer = b""

    async def receive(self) -> dict[str, Any]:
        while True:
            message = await self.ws.receive(timeout=5)
            if message.type == aiohttp.WSMsgType.TEXT:
                assert not self.compressed
                data: dict[str, Any] = json.loads(message.data)
                return data
            if message.type == aiohttp.WSMsgType.BINARY:
                assert self.compressed
                self._buffer += message.data
                if self._buffer.endswith(b"\x00\x00\xff\xff"):
                    text = self._inflate.decompress(self._buffer)
                    self._buffer = b""
                    data = json.loads(text)
                    return data
                continue
            raise AssertionError(f"unexpected websocket message {message.type}: {message.data}")

    async def send(self, op: int, d: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": d}))


@pytest.mark.parametrize("compress", [None, "zlib-stream"])
async def test_raw_protocol_identify_heartbeat_resume(
    emu: Emulator, world: World, compress: str | None
) -> None:
    query = "?v=10&encoding=json" + (f"&compress={compress}" if compress else "")
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(emu.gateway_url + query) as ws:
            raw = RawGateway(ws, compressed=compress is not None)
            hello = await raw.receive()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
            await raw.send(1, None)
            assert (await raw.receive())["op"] == 11
            await raw.send(2, {"token": emu.token, "intents": 513, "properties": {}})
            ready = await raw.receive()
            assert (ready["op"], ready["t"], ready["s"]) == (0, "READY", 1)
            assert ready["d"]["application"]["id"] == str(emu.application_id)
            assert ready["d"]["resume_gateway_url"] == emu.gateway.resume_url
            session_id = ready["d"]["session_id"]
            guild_create = await raw.receive()
            assert guild_create["t"] == "GUILD_CREATE" and guild_create["s"] == 2
            assert guild_create["d"]["id"] == str(world.guild.id)
            await ws.close(code=4000)  # a non-1000 close keeps the session resumable
        # Missed while disconnected:
        await emu.send_user_message(world.alice, "missed", channel=world.channel)
        async with http.ws_connect(emu.gateway.resume_url + query) as ws:
            raw = RawGateway(ws, compressed=compress is not None)
            assert (await raw.receive())["op"] == 10
            await raw.send(6, {"token": emu.token, "session_id": session_id, "seq": 2})
            replayed = await raw.receive()
            assert (replayed["t"], replayed["s"]) == ("MESSAGE_CREATE", 3)
            # No MESSAGE_CONTENT intent: guild message content is hidden, as on Discord.
            assert replayed["d"]["content"] == ""
            resumed = await raw.receive()
            assert (resumed["t"], resumed["s"]) == ("RESUMED", 4)


async def test_raw_protocol_rejections(emu: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
            raw = RawGateway(ws, compressed=False)
            await raw.receive()
            await raw.send(2, {"token": "wrong", "intents": 0, "properties": {}})
            closing = await ws.receive(timeout=5)
            assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4004
        async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
            raw = RawGateway(ws, compressed=False)
            await raw.receive()
            await raw.send(6, {"token": emu.token, "session_id": "nope", "seq": 1})
            invalid = await raw.receive()
            assert invalid == {"op": 9, "d": False, "s": None, "t": None}
        async with http.ws_connect(emu.gateway_url + "?v=10&encoding=etf") as ws:
            closing = await ws.receive(timeout=5)
            assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4002


async def test_members_intent_gets_member_lists_chunks_and_joins(
    emu: Emulator, world: World
) -> None:
    intents = discord.Intents.default()
    intents.members = True
    client = ProbeBot(intents=intents)
    async with running(client, emu, sync=False):
        guild = client.get_guild(world.guild.id)
        assert guild is not None and guild.chunked
        assert {m.id for m in guild.members} >= {world.alice.id, world.manager.id}
        manager = guild.get_member(world.manager.id)
        assert manager is not None and manager.guild_permissions.manage_guild
        # REQUEST_GUILD_MEMBERS (op 8) is answered with GUILD_MEMBERS_CHUNK.
        found = await guild.query_members("ali")
        assert [m.id for m in found] == [world.alice.id]
        joined = asyncio.ensure_future(client.wait_for("member_join", timeout=5))
        newcomer = emu.add_user("newcomer")
        emu.add_member(world.guild, newcomer)
        assert (await joined).id == newcomer.id
    request = next(p for p in emu.gateway.received if p["op"] == 8)
    assert int(request["d"]["guild_id"]) == world.guild.id  # discord.py sends an int
    assert request["d"]["query"] == "ali"
