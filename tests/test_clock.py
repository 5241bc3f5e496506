"""The clocks the bot can run on: CLOCK_FILE lets a test or demo pin and move a running bot's
calendar without patching anything, so it must follow every rewrite and survive bad files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FileClock, OffsetClock, SystemClock, clock_from_setting, write_clock_offset
from bot.config import Settings


def close_to(a: datetime, b: datetime) -> bool:
    return abs(a - b) < timedelta(seconds=5)


def test_a_missing_file_means_the_system_clock(tmp_path: Path) -> None:
    clock = FileClock(tmp_path / "clock")
    assert close_to(clock.now(), datetime.now(UTC))


def test_the_offset_is_followed_through_every_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = FileClock(path)
    write_clock_offset(path, timedelta(days=30))
    assert close_to(clock.now(), datetime.now(UTC) + timedelta(days=30))
    write_clock_offset(path, timedelta(days=37, hours=2))
    assert close_to(clock.now(), datetime.now(UTC) + timedelta(days=37, hours=2))


def test_a_garbled_file_keeps_the_last_good_offset(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = FileClock(path)
    write_clock_offset(path, timedelta(days=3))
    assert close_to(clock.now(), datetime.now(UTC) + timedelta(days=3))
    path.write_text("next tuesday")
    assert close_to(clock.now(), datetime.now(UTC) + timedelta(days=3))


def test_the_setting_selects_the_clock(tmp_path: Path) -> None:
    assert isinstance(clock_from_setting(None), SystemClock)
    settings = Settings(_env_file=None, clock_file=str(tmp_path / "clock"))  # type: ignore[call-arg]
    assert isinstance(clock_from_setting(settings.clock_file), FileClock)
    blank = Settings(_env_file=None, clock_file="")  # type: ignore[call-arg]
    assert blank.clock_file is None


def test_the_offset_clock_moves_forward_only() -> None:
    clock = OffsetClock()
    clock.advance(timedelta(days=7))
    assert close_to(clock.now(), datetime.now(UTC) + timedelta(days=7))
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
