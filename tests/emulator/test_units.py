"""Unit tests of emulator building blocks that need no client."""

from __future__ import annotations

import asyncio
import time

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.emulator import ComponentError, Emulator, Permission, schema
from bot.emulator.clock import EmulatorClock
from bot.emulator.component_inputs import component_values
from bot.emulator.compression import (
    UnsupportedCompression,
    ZlibStreamCodec,
    codec_for,
    zstd_available,
)
from bot.emulator.errors import field_error, merge_errors
from bot.emulator.ids import SnowflakeFactory, snowflake_time_ms
from bot.emulator.notifier import EmulatorTimeout, Notifier
from bot.emulator.permissions import (
    ALL_PERMISSIONS,
    Overwrite,
    apply_overwrites,
    base_permissions,
)
from bot.emulator.ratelimit import RateLimitConfig, RateLimiter, RouteLimit


def test_snowflakes_increase_and_encode_time() -> None:
    factory = SnowflakeFactory()
    ids = [factory.next() for _ in range(1000)]
    assert ids == sorted(set(ids))
    assert abs(snowflake_time_ms(ids[0]) - time.time() * 1000) < 60_000
    assert discord.utils.snowflake_time(ids[0]).year >= 2024


def test_permissions_follow_discords_algorithm() -> None:
    base = base_permissions(
        is_owner=False, everyone_permissions=int(Permission.VIEW_CHANNEL), role_permissions=[32]
    )
    assert base == Permission.VIEW_CHANNEL | Permission.MANAGE_GUILD
    assert (
        base_permissions(is_owner=True, everyone_permissions=0, role_permissions=[])
        == ALL_PERMISSIONS
    )
    admin = base_permissions(is_owner=False, everyone_permissions=0, role_permissions=[8])
    assert admin == ALL_PERMISSIONS
    role_id, guild_id, member_id = 2, 1, 3
    view_send = int(Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES)
    overwrites = [
        Overwrite(guild_id, 0, deny=int(Permission.SEND_MESSAGES)),
        Overwrite(role_id, 0, allow=int(Permission.SEND_MESSAGES)),
    ]

    def in_channel(role_ids: list[int]) -> int:
        return apply_overwrites(
            view_send,
            guild_id=guild_id,
            member_id=member_id,
            member_role_ids=role_ids,
            overwrites=overwrites,
        )

    assert in_channel([]) == Permission.VIEW_CHANNEL
    assert in_channel([role_id]) == view_send
    hidden = [Overwrite(member_id, 1, deny=int(Permission.VIEW_CHANNEL))]
    assert (
        apply_overwrites(
            view_send, guild_id=guild_id, member_id=member_id, member_role_ids=[], overwrites=hidden
        )
        == 0
    )


def test_permission_bits_match_discord_py() -> None:
    assert discord.Permissions.all().value == ALL_PERMISSIONS
    assert discord.Permissions(manage_guild=True).value == Permission.MANAGE_GUILD


def test_rate_limiter_windows() -> None:
    limiter = RateLimiter(RateLimitConfig(global_limit=3, default_route=RouteLimit(2, 10.0)))
    now = 1000.0
    first = limiter.check_route("GET /x", "", now)
    assert first.allowed and first.headers["X-RateLimit-Remaining"] == "1"
    assert limiter.check_route("GET /x", "", now).allowed
    third = limiter.check_route("GET /x", "", now + 1)
    assert not third.allowed and third.scope == "user"
    assert third.retry_after == pytest.approx(9.0)
    assert limiter.check_route("GET /x", "other-major", now + 1).allowed
    assert limiter.check_route("GET /x", "", now + 10.5).allowed
    assert [limiter.check_global(now) is None for _ in range(4)] == [True, True, True, False]
    assert limiter.check_global(now + 1.0) is None
    limiter.exhaust("GET /y", "", retry_after=5.0, shared=True)
    shared = limiter.check_route("GET /y", "")
    assert not shared.allowed and shared.scope == "shared"


async def test_notifier_wakes_waiters_and_times_out() -> None:
    notifier = Notifier()
    box: list[int] = []
    waiter = asyncio.create_task(notifier.wait_for(lambda: box[:1], 5.0))
    await asyncio.sleep(0)
    box.append(7)
    notifier.notify()
    assert await waiter == [7]
    with pytest.raises(EmulatorTimeout, match="nothing"):
        await notifier.wait_for(lambda: None, 0.01, description="nothing")


@given(st.lists(st.text(max_size=300), min_size=1, max_size=8))
def test_zlib_stream_codec_decodes_with_discord_py(messages: list[str]) -> None:
    codec = ZlibStreamCodec()
    decoder = discord.utils._ZlibDecompressionContext()
    for text in messages:
        frame = codec.encode(text)
        assert frame.endswith(b"\x00\x00\xff\xff")
        assert decoder.decompress(frame) == text


def test_codec_selection() -> None:
    assert codec_for(None).name == "none"
    assert codec_for("zlib-stream").name == "zlib-stream"
    with pytest.raises(UnsupportedCompression):
        codec_for("brotli")
    if not zstd_available():
        with pytest.raises(UnsupportedCompression):
            codec_for("zstd-stream")
    else:
        assert codec_for("zstd-stream").name == "zstd-stream"


def test_error_trees_merge_like_discord() -> None:
    tree = field_error(["embeds", 0, "title"], "BASE_TYPE_MAX_LENGTH", "too long")
    merge_errors(tree, field_error(["embeds", 0, "description"], "BASE_TYPE_MAX_LENGTH", "x"))
    assert set(tree["embeds"]["0"]) == {"title", "description"}


def test_named_schema_validator() -> None:
    validator = schema.schema_validator("RichEmbed")
    assert list(validator.iter_errors({"title": "ok"})) == []
    assert [e.validator for e in validator.iter_errors({"title": "x" * 257})] == ["maxLength"]


def test_clock_only_moves_forward() -> None:
    clock = EmulatorClock()
    start = clock.monotonic()
    clock.advance(300)
    assert clock.monotonic() - start >= 300
    assert clock.now().tzinfo is not None
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_entity_select_values_are_resolved() -> None:
    emu = Emulator()
    guild = emu.add_guild("G")
    alice = emu.add_user("alice")
    emu.add_member(guild, alice)
    role = emu.add_role(guild, "learners")
    channel = emu.channels(guild)[0]
    select = {"type": 7, "custom_id": "who", "max_values": 3}
    ids, resolved = component_values(emu.state, select, [alice, role, channel], channel, alice)
    assert ids == [str(alice.id), str(role.id), str(channel.id)]
    assert resolved is not None
    assert set(resolved) == {"users", "roles", "channels"}
    with pytest.raises(ComponentError, match="cannot select"):
        component_values(emu.state, select, ["nobody"], channel, alice)
