from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import InvalidInput
from bot.core.timeparse import (
    check_start_date,
    parse_date,
    parse_time,
    parse_weekday,
    parse_zone,
    search_zones,
)


def test_zone_is_case_insensitive_and_suggests() -> None:
    assert parse_zone("europe/london").key == "Europe/London"
    assert parse_zone(" America/New York ").key == "America/New_York"
    with pytest.raises(InvalidInput, match="Did you mean `Europe/London`"):
        parse_zone("Europe/Londn")
    with pytest.raises(InvalidInput, match="IANA"):
        parse_zone("nowhere at all")


def test_zone_search() -> None:
    assert search_zones("lond")[0] == "Europe/London"
    assert "Asia/Kolkata" in search_zones("kolk")
    assert len(search_zones("a")) == 25
    assert search_zones("")[0] == "UTC"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9)),
        ("9:30", time(9, 30)),
        ("21.15", time(21, 15)),
        ("7pm", time(19)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("7:30 am", time(7, 30)),
        ("18h00", time(18)),
        ("9", time(9)),
    ],
)
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "9:60", "13pm", "noon", "", "0am"])
def test_bad_times(text: str) -> None:
    with pytest.raises(InvalidInput, match="HH:MM"):
        parse_time(text)


def test_weekdays() -> None:
    assert parse_weekday("Mon") == 0
    assert parse_weekday("sunday") == 6
    assert parse_weekday("th") == 3
    assert parse_weekday("7") == 6
    with pytest.raises(InvalidInput, match="mon, tue"):
        parse_weekday("funday")


def test_dates() -> None:
    assert parse_date("2026-01-05") == date(2026, 1, 5)
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        parse_date("05/01/2026")
    today = date(2026, 11, 25)
    assert check_start_date(date(2026, 12, 1), today) == date(2026, 12, 1)
    with pytest.raises(InvalidInput, match="more than a year"):
        check_start_date(date(2030, 1, 1), today)


@given(st.text(max_size=80))
def test_arbitrary_text_never_crashes(text: str) -> None:
    for parse in (parse_time, parse_weekday, parse_zone, parse_date):
        try:
            parse(text)
        except InvalidInput as exc:
            assert exc.user_message
            assert len(exc.user_message) < 300


def test_override_prefs_keeps_what_was_not_given() -> None:
    from bot.core.models import ReminderPrefs
    from bot.core.timeparse import override_prefs

    base = ReminderPrefs("Europe/London", 0, time(9))
    assert override_prefs(base, None, None, None) == base
    assert override_prefs(base, "fri", "18:30", "asia/tokyo") == ReminderPrefs(
        "Asia/Tokyo", 4, time(18, 30)
    )
    with pytest.raises(InvalidInput):
        override_prefs(base, "fri", "18:30", "Mars/Base")


@pytest.mark.parametrize("parse", [parse_zone, parse_weekday, parse_time, parse_date])
@pytest.mark.parametrize(
    "typed", ["@everyone", "<@&1234>", "[x](https://evil.example)", "`@here`", "\u202e\x00"]
)
def test_errors_echo_what_was_typed_inertly(parse: Callable[[str], object], typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(typed)
    message = caught.value.user_message
    for raw in ("@everyone", "@here", "<@", "](", "://", "\u202e", "\x00"):
        assert raw not in message
