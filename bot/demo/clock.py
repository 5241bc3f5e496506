"""The demo's clock: the bot's `OffsetClock` (real time plus an offset that only grows), which
also tells listeners when it moves.

The bot reads time only through a `Clock` (bot/clock.py); the demo injects this one, so the
page's "+1 week" moves the product's notion of now without patching anything. The emulator's
own clock follows it, so message timestamps agree with the bot's calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.clock import OffsetClock


class DemoClock(OffsetClock):
    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        super().__init__(offset)
        self._listeners: list[Callable[[timedelta], None]] = []

    def on_advance(self, listener: Callable[[timedelta], None]) -> None:
        """Call `listener(delta)` after every move."""
        self._listeners.append(listener)

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta` (a ValueError if negative: time never goes back)."""
        super().advance(delta)
        for listener in self._listeners:
            listener(delta)

    def advance_to(self, instant: datetime) -> timedelta:
        """Move to `instant` if it is ahead; returns how far the clock moved."""
        delta = max(instant - self.now(), timedelta(0))
        self.advance(delta)
        return delta
