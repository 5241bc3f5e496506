"""The emulator's notion of time.

Most waiting in the emulator is event driven, but a few rules depend on elapsed time over minutes
(nonce de-duplication window, interaction token lifetime). Tests cannot sleep for minutes, so this
clock is the real monotonic clock plus an offset that tests may advance with
:meth:`EmulatorClock.advance`. Short real-time rules (the 3 second interaction deadline, rate-limit
windows) use the event loop's clock directly because discord.py measures them in real time too.
"""

from __future__ import annotations

import datetime as dt
import time


class EmulatorClock:
    """Monotonic and wall-clock time, both shiftable forward by tests."""

    def __init__(self) -> None:
        self._offset = 0.0

    def monotonic(self) -> float:
        """Seconds on a monotonic scale, including any advance."""
        return time.monotonic() + self._offset

    def now(self) -> dt.datetime:
        """Timezone-aware UTC wall-clock time, including any advance."""
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self._offset)

    def advance(self, seconds: float) -> None:
        """Pretend ``seconds`` have passed (never backwards)."""
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        self._offset += seconds


def iso(moment: dt.datetime) -> str:
    """ISO 8601 with microseconds and ``+00:00``, as Discord formats timestamps."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
