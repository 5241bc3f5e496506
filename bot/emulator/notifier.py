"""Event-driven waiting for tests.

Every state change in the emulator calls :meth:`Notifier.notify`; :meth:`Notifier.wait_for`
re-evaluates a predicate only then. Tests therefore wake up exactly when something happened instead
of sleep-polling, which keeps them fast and free of timing assumptions. The timeout is only a
safety net that turns a hang into a readable failure.
"""

# The waiting helpers take a ``timeout`` on purpose: it is a failure budget that turns a hang into
# a readable test failure, not a cancellation scope the caller could wrap instead.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class EmulatorTimeout(AssertionError):
    """A waited-for condition did not happen; an AssertionError so pytest shows it as a failure."""


class Notifier:
    """A broadcast "something changed" signal that many waiters can watch."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.generation = 0

    def notify(self) -> None:
        """Wake every current waiter; safe to call from synchronous code on the loop thread."""
        self.generation += 1
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5.0,
        *,
        description: str | None = None,
    ) -> T:
        """Return ``predicate()`` as soon as it is truthy; raise :class:`EmulatorTimeout` if not."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = self._event
                    result = predicate()
                    if result:
                        return result
                    await event.wait()
        except TimeoutError:
            what = description or getattr(predicate, "__name__", "condition")
            raise EmulatorTimeout(f"timed out after {timeout}s waiting for {what}") from None
