"""Fault injection: make some REST requests fail the way Discord's edge sometimes does.

Bots must survive 500/502 answers and dropped connections. Faults are deterministic: either an
explicit queue (``fail_next``) or a share of requests chosen by a seeded RNG, so a failing test
reproduces. Each injected fault is logged in ``injected``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

#: "502-after" and "drop-after" carry the request out (the message exists) and only then answer
#: 502 or drop the connection: the bot cannot know its request took effect.
FaultKind = Literal["500", "502", "drop", "502-after", "drop-after"]
#: Decides whether a route may be faulted: called with ``"METHOD /template"``.
RouteFilter = Callable[[str], bool]


@dataclass
class InjectedFault:
    route: str
    path: str
    kind: FaultKind


@dataclass
class _Pending:
    kind: FaultKind
    route: str | None
    remaining: int


@dataclass
class FaultInjector:
    """Chooses which requests to break. Disabled (share 0, empty queue) by default."""

    share: float = 0.0
    kinds: tuple[FaultKind, ...] = ("500", "502", "drop")
    route_filter: RouteFilter | None = None
    seed: int = 0
    injected: list[InjectedFault] = field(default_factory=list)
    _queue: list[_Pending] = field(default_factory=list)
    _rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def configure(
        self,
        share: float,
        *,
        kinds: Iterable[FaultKind] = ("500", "502", "drop"),
        routes: RouteFilter | None = None,
        seed: int = 0,
    ) -> None:
        """Break ``share`` (0..1) of requests matching ``routes`` with a random kind."""
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must be between 0 and 1")
        self.share = share
        self.kinds = tuple(kinds)
        self.route_filter = routes
        self._rng.seed(seed)

    def fail_next(self, count: int = 1, kind: FaultKind = "500", route: str | None = None) -> None:
        """Break the next ``count`` requests (optionally only those to ``"METHOD /template"``)."""
        self._queue.append(_Pending(kind=kind, route=route, remaining=count))

    def disable(self) -> None:
        self.share = 0.0
        self._queue.clear()

    def pick(self, route: str, path: str) -> FaultKind | None:
        """The fault to inject for this request, or None to serve it normally."""
        for pending in self._queue:
            if pending.route is None or pending.route == route:
                pending.remaining -= 1
                if pending.remaining <= 0:
                    self._queue.remove(pending)
                return self._record(route, path, pending.kind)
        if self.share <= 0.0:
            return None
        if self.route_filter is not None and not self.route_filter(route):
            return None
        if self._rng.random() < self.share:
            return self._record(route, path, self._rng.choice(self.kinds))
        return None

    def _record(self, route: str, path: str, kind: FaultKind) -> FaultKind:
        self.injected.append(InjectedFault(route=route, path=path, kind=kind))
        return kind
