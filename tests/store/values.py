"""Fixed instants for store tests: the store never reads the clock, and neither do they."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from bot.core.models import Enrolment

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
START = date(2026, 3, 2)

# The `enrol` fixture: enrol(user_id, guild_id=100, pathway_id="data-analyst", **overrides).
Enrol = Callable[..., Awaitable[Enrolment]]
