"""The services' shared dependencies, built once per process by the runtime."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.core.registry import Pathways
from bot.store.store import Store


@dataclass(slots=True)
class Context:
    store: Store
    registry: Pathways
    clock: Clock
