"""Storage: the only package that speaks SQL.

All state lives in one SQLite file reached through aiosqlite. `Store.open(path)` creates the
file (mode 0600) and its directory, applies the numbered migrations, and exposes typed
repositories that return bot.core.models objects, never rows. Constraint violations and
other SQLite failures surface as bot.core.errors domain errors with user-safe messages.
"""

from bot.store.db import Database
from bot.store.deliveries import enrolment_target, group_target
from bot.store.results import ClaimResult, EnrolResult, UserDeletion
from bot.store.store import DEFAULT_PATH, Store, Unit

__all__ = [
    "DEFAULT_PATH",
    "ClaimResult",
    "Database",
    "EnrolResult",
    "Store",
    "Unit",
    "UserDeletion",
    "enrolment_target",
    "group_target",
]
