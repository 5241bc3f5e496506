"""When digests post: the server's default day, time and zone; the next one is the first
slot after now, and a slot that passed less than a day ago may still be caught up."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.core.digest_schedule import CATCH_UP, DEFAULT_DIGEST, digest_prefs, digest_timing
from bot.core.models import GuildSettings, ReminderPrefs

BERLIN = ReminderPrefs("Europe/Berlin", 2, time(7, 15))  # Wednesdays 07:15


def test_the_default_is_monday_nine_utc() -> None:
    assert digest_prefs(GuildSettings(1)) == DEFAULT_DIGEST == ReminderPrefs("UTC", 0, time(9))
    now = datetime(2026, 3, 4, 12, tzinfo=UTC)  # a Wednesday
    timing = digest_timing(GuildSettings(1), now)
    assert timing.next_at == datetime(2026, 3, 9, 9, tzinfo=UTC)
    assert timing.catching_up is None  # Monday's slot passed more than a day ago


def test_a_slot_passed_within_a_day_is_caught_up() -> None:
    settings = GuildSettings(1, default_prefs=BERLIN)
    now = datetime(2026, 3, 4, 10, tzinfo=UTC)  # Wednesday 11:00 in Berlin
    timing = digest_timing(settings, now)
    assert timing.catching_up == datetime(2026, 3, 4, 6, 15, tzinfo=UTC)
    assert timing.next_at == datetime(2026, 3, 11, 6, 15, tzinfo=UTC)


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by design
        max_value=datetime(2028, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Pacific/Chatham", "UTC"]),
    st.integers(0, 6),
    st.sampled_from([time(0, 30), time(9), time(23, 45)]),
)
def test_the_next_digest_is_the_first_slot_after_now(
    now: datetime, zone: str, weekday: int, at: time
) -> None:
    prefs = ReminderPrefs(zone, weekday, at)
    timing = digest_timing(GuildSettings(1, default_prefs=prefs), now)
    local = timing.next_at.astimezone(ZoneInfo(zone))
    assert now < timing.next_at <= now + timedelta(days=7, hours=2)
    assert local.weekday() == weekday
    if timing.catching_up is not None:
        assert timedelta(0) <= now - timing.catching_up <= CATCH_UP
