"""The clock, as an object: the bot and delivery read time only through one of these.

Core functions take instants as parameters; the edges ask a Clock. Tests that must control
time inject a `FixedClock` (or their own) instead of patching datetime. A bot run as a
process (`python -m bot`, the way users run it) takes its clock from the `CLOCK_FILE`
setting instead: a `FileClock`, which tests and demos move by writing one number.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, instant: datetime) -> None:
        self._now = instant


class OffsetClock:
    """The system clock shifted by an offset that its owner moves (the demo's clock).

    Time keeps running at real speed between moves, so timers and leases still behave; only
    the calendar jumps. It never moves backwards: an offset smaller than the current one is
    refused, because the outbox and the IDENTIFY turns assume time only goes forward.
    """

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._offset += delta

    def set(self, instant: datetime) -> None:
        self.advance(instant - self.now())


def write_clock_offset(path: Path, offset: timedelta) -> None:
    """Set a `FileClock`'s offset: written to a temporary file and renamed into place, so a
    reader never sees half a number."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{offset.total_seconds():.6f}\n")
    os.replace(tmp, path)


class FileClock:
    """The system clock plus an offset in seconds read from a file (`CLOCK_FILE`).

    For tests and demos that run the real bot as a process: they pin its calendar to a known
    instant, and move it, by rewriting the file; no code is patched. The file is re-read only
    when it changes (one stat per call). A missing or unreadable file means no offset, and the
    last good offset is kept while a writer is mid-way. Production leaves CLOCK_FILE unset and
    gets the `SystemClock`.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[int, int] | None = None
        self._offset = timedelta(0)

    def _refresh(self) -> None:
        try:
            st = os.stat(self._path)
        except OSError:
            return
        stamp = (st.st_mtime_ns, st.st_ino)
        if stamp == self._stamp:
            return
        try:
            self._offset = timedelta(seconds=float(self._path.read_text().strip() or 0))
        except (OSError, ValueError):
            return
        self._stamp = stamp

    def now(self) -> datetime:
        self._refresh()
        return datetime.now(UTC) + self._offset


def clock_from_setting(clock_file: Path | None) -> Clock:
    """The bot's clock for its settings: the system's, or the `CLOCK_FILE` one."""
    return FileClock(clock_file) if clock_file is not None else SystemClock()
