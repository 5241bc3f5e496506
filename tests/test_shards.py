"""bot.shards: the shard-range syntax operators write, its wording, and per-shard status."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.shards import ShardStatus, describe_shards, format_shard_ids, parse_shard_ids, shard_of


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("0", (0,)),
        ("0-3", (0, 1, 2, 3)),
        ("0,2", (0, 2)),
        ("0-1,3", (0, 1, 3)),
        (" 3 , 1-2 ,1", (1, 2, 3)),
        ("5-5", (5,)),
    ],
)
def test_parse(text: str, ids: tuple[int, ...]) -> None:
    assert parse_shard_ids(text) == ids


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty item"),
        ("0,,1", "empty item"),
        ("a", "is not a shard id"),
        ("1-", "is not a shard id"),
        ("3-1", "low <= high"),
        ("-1", "is not a shard id"),
        ("0-1-2", "is not a shard id"),
    ],
)
def test_parse_refuses_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_shard_ids(text)


@given(st.sets(st.integers(min_value=0, max_value=200), min_size=1))
def test_format_parses_back(ids: set[int]) -> None:
    assert parse_shard_ids(format_shard_ids(ids)) == tuple(sorted(ids))


def test_wording() -> None:
    assert format_shard_ids([5, 0, 1, 2]) == "0-2,5"
    assert describe_shards([0, 1], 2) == "shards 0-1 of 2"
    assert describe_shards([3], 4) == "shard 3 of 4"
    assert describe_shards([0, 2], 4) == "shards 0,2 of 4"


def test_shard_of_follows_discord() -> None:
    assert shard_of(0, 4) == 0  # DMs: no guild, shard 0
    assert shard_of((7 << 22) | 12345, 4) == 3


def test_status_is_up_only_when_every_shard_is() -> None:
    status = ShardStatus()
    assert not status.all_up  # no shards yet: not connected
    status.assign([1, 0], 4)
    assert status.ids == (0, 1) and status.down == [0, 1]
    status.mark(0, True)
    assert not status.all_up and status.down == [1]
    status.mark(1, True)
    assert status.all_up
    status.mark(0, False)
    assert status.down == [0]
    status.mark_all(True)
    assert status.all_up
    status.mark_all(False)
    assert status.down == [0, 1]
