"""Column encodings: instants round-trip exactly and always come back aware, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.store import codec

aware = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by API
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9, minutes=30))]
    ),
)


@given(aware)
def test_instants_round_trip_exactly_as_utc(value: datetime) -> None:
    back = codec.from_instant(codec.instant(value))
    assert back == value
    assert back.tzinfo is UTC


@given(aware, aware)
def test_encoding_preserves_order(a: datetime, b: datetime) -> None:
    assert (codec.instant(a) < codec.instant(b)) == (a < b)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        codec.instant(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


def test_wall_times_must_be_naive() -> None:
    assert codec.wall_time(time(7, 30)) == "07:30:00"
    with pytest.raises(ValueError, match="naive"):
        codec.wall_time(time(7, 30, tzinfo=UTC))
