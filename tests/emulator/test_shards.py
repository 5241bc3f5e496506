"""Sharding: IDENTIFY's shard, routing guild events and interactions to the owning shard's
session and DMs to shard 0, /gateway/bot's shard fields, and the recorded IDENTIFY times."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from bot.emulator import Emulator
from bot.emulator.gateway import GatewaySession
from bot.emulator.identify_log import IdentifyRecord, violations
from tests.emulator.test_gateway import RawGateway

QUERY = "?v=10&encoding=json"


@asynccontextmanager
async def raw_shard(
    emu: Emulator, http: aiohttp.ClientSession, shard: list[int] | None
) -> AsyncIterator[tuple[RawGateway, dict[str, Any]]]:
    """A hand-written client identified as `shard` (None: no shard field); yields its READY."""
    async with http.ws_connect(emu.gateway_url + QUERY) as ws:
        raw = RawGateway(ws, compressed=False)
        await raw.receive()  # HELLO
        identify: dict[str, Any] = {"token": emu.token, "intents": 1, "properties": {}}
        if shard is not None:
            identify["shard"] = shard
        await raw.send(2, identify)
        ready = await raw.receive()
        assert ready["t"] == "READY"
        yield raw, ready["d"]


def ping_command(emu: Emulator) -> None:
    emu.state.bulk_overwrite_commands(None, [{"name": "ping", "description": "ping"}])


def session_of(emu: Emulator, ready: dict[str, Any]) -> GatewaySession:
    return emu.gateway.sessions[ready["session_id"]]


async def test_gateway_bot_reports_configured_shards_and_max_concurrency() -> None:
    async with Emulator(shards=4, max_concurrency=2) as emu, aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bot {emu.token}"}
        async with http.get(f"{emu.api_base}/gateway/bot", headers=headers) as resp:
            body = await resp.json()
    assert body["shards"] == 4
    assert body["session_start_limit"]["max_concurrency"] == 2


async def test_guild_ids_can_be_placed_on_a_shard(emu: Emulator) -> None:
    for shard_id in (0, 1, 2, 1, 0):
        guild = emu.add_guild(f"g{shard_id}", shard=(shard_id, 3))
        assert (guild.id >> 22) % 3 == shard_id
    ids = [g.id for g in emu.state.guilds.values()]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


async def test_guild_events_and_interactions_go_to_the_owning_shard_dms_to_shard_0() -> None:
    async with Emulator(shards=2) as emu, aiohttp.ClientSession() as http:
        ping_command(emu)
        on_0 = emu.add_guild("zero", shard=(0, 2))
        on_1 = emu.add_guild("one", shard=(1, 2))
        alice = emu.add_user("alice")
        emu.add_member(on_0, alice)
        emu.add_member(on_1, alice)
        async with (
            raw_shard(emu, http, [0, 2]) as (_, ready_0),
            raw_shard(emu, http, [1, 2]) as (_, ready_1),
        ):
            assert ready_0["shard"] == [0, 2] and ready_1["shard"] == [1, 2]
            assert [g["id"] for g in ready_0["guilds"]] == [str(on_0.id)]
            assert [g["id"] for g in ready_1["guilds"]] == [str(on_1.id)]
            zero, one = session_of(emu, ready_0), session_of(emu, ready_1)
            assert zero.events.count("GUILD_CREATE") == one.events.count("GUILD_CREATE") == 1

            in_1 = emu.start_command(alice, "ping", guild=on_1)
            in_0 = emu.start_command(alice, "ping", guild=on_0)
            in_dm = emu.start_command(alice, "ping")
            assert emu.receivers(in_1) == [one]
            assert emu.receivers(in_0) == [zero]
            assert emu.receivers(in_dm) == [zero], "DMs arrive on shard 0 only"

            joined = emu.add_guild("late", shard=(1, 2))
            assert one.events.count("GUILD_CREATE") == 2
            assert zero.events.count("GUILD_CREATE") == 1
            emu.add_channel(joined, "news")
            assert "CHANNEL_CREATE" in one.events and "CHANNEL_CREATE" not in zero.events
        emu.interactions.cancel_timers()  # nobody answers these; only the routing matters


async def test_a_session_without_a_shard_is_shard_0_of_1_and_gets_everything() -> None:
    async with Emulator() as emu, aiohttp.ClientSession() as http:
        ping_command(emu)
        guilds = [emu.add_guild(f"g{i}", shard=(i, 2)) for i in range(2)]
        alice = emu.add_user("alice")
        for guild in guilds:
            emu.add_member(guild, alice)
        async with raw_shard(emu, http, None) as (_, ready):
            assert "shard" not in ready
            assert len(ready["guilds"]) == 2
            session = session_of(emu, ready)
            assert session.shard_id == 0
            replies = [emu.start_command(alice, "ping", guild=g) for g in guilds]
            replies.append(emu.start_command(alice, "ping"))
            assert all(emu.receivers(r) == [session] for r in replies)
        emu.interactions.cancel_timers()
        assert [(r.shard_id, r.shard_count) for r in emu.identifies] == [(0, 1)]


async def test_an_impossible_shard_is_refused_with_4010() -> None:
    async with Emulator() as emu, aiohttp.ClientSession() as http:
        for shard in ([2, 2], [-1, 2], [0, 0], "0"):
            async with http.ws_connect(emu.gateway_url + QUERY) as ws:
                raw = RawGateway(ws, compressed=False)
                await raw.receive()
                await raw.send(2, {"token": emu.token, "intents": 1, "shard": shard})
                closing = await ws.receive(timeout=5)
                assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4010, shard
        assert emu.identifies == []


async def test_each_identify_is_recorded_with_its_shard_and_time() -> None:
    async with Emulator(shards=2) as emu, aiohttp.ClientSession() as http:
        async with raw_shard(emu, http, [1, 2]), raw_shard(emu, http, [0, 2]):
            pass
        first, second = emu.identifies
        assert (first.shard_id, first.shard_count) == (1, 2)
        assert (second.shard_id, second.shard_count) == (0, 2)
        assert first.at <= second.at
        # Back to back in bucket 0 and 1 of max_concurrency 1 (one bucket): a violation.
        assert [(v.earlier.shard_id, v.later.shard_id) for v in emu.identify_violations()] == [
            (1, 0)
        ]


def _at(shard_id: int, at: float) -> IdentifyRecord:
    return IdentifyRecord(shard_id=shard_id, shard_count=4, at=at, session_id=f"s{shard_id}")


def test_the_five_second_bucket_rule() -> None:
    # max_concurrency 1: every shard shares one bucket, so IDENTIFYs must be 5 s apart.
    assert violations([_at(0, 0.0), _at(1, 5.0), _at(2, 10.0)], 1) == []
    found = violations([_at(0, 0.0), _at(1, 4.9)], 1)
    assert len(found) == 1 and found[0].bucket == 0 and "4.90 s apart" in str(found[0])
    # max_concurrency 2: shards 0 and 1 are in different buckets and may start together...
    assert violations([_at(0, 0.0), _at(1, 0.0), _at(2, 5.0), _at(3, 5.0)], 2) == []
    # ...but shards 0 and 2 share bucket 0.
    found = violations([_at(0, 0.0), _at(2, 1.0)], 2)
    assert [(v.earlier.shard_id, v.later.shard_id, v.bucket) for v in found] == [(0, 2, 0)]
    # Only consecutive IDENTIFYs in a bucket are compared, in time order, whatever the list order.
    assert len(violations([_at(2, 6.0), _at(0, 0.0), _at(1, 11.0)], 1)) == 0
