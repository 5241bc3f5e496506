"""The demo's clock: real time plus an offset that the page's clock panel moves forward.

The bot reads time only through a `Clock` (bot/clock.py); the demo injects this one, so
"+1 week" moves the product's notion of now without patching anything. It keeps running at
real speed in between, so timestamps look natural.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class DemoClock:
    """Now = the system clock + an offset that only grows."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset
        self._listeners: list[Callable[[timedelta], None]] = []

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def on_advance(self, listener: Callable[[timedelta], None]) -> None:
        """Call `listener(delta)` after every move (the emulator's clock follows this one)."""
        self._listeners.append(listener)

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta`; time never goes backwards (a ValueError says so)."""
        if delta < timedelta(0):
            raise ValueError("the demo clock only moves forward")
        self._offset += delta
        for listener in self._listeners:
            listener(delta)

    def advance_to(self, instant: datetime) -> timedelta:
        """Move to `instant` if it is ahead; returns how far the clock moved."""
        delta = max(instant - self.now(), timedelta(0))
        self.advance(delta)
        return delta
