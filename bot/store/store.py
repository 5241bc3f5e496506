"""The storage facade the rest of the bot holds: one object per open database.

`open_store(path, url)` picks the engine: PostgreSQL when a URL is given, else the SQLite
file. Either way the rest of the bot sees the same repositories with the same methods.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from bot.store import migrations
from bot.store.backend import Backend
from bot.store.completions import Completions
from bot.store.db import Database
from bot.store.deliveries import Deliveries
from bot.store.enrolments import Enrolments
from bot.store.groups import StudyGroups
from bot.store.guilds import Guilds
from bot.store.identify_slots import IdentifySlots
from bot.store.leaderboards import Leaderboards
from bot.store.learners import Learners
from bot.store.meta import Meta
from bot.store.milestone_roles import MilestoneRoles
from bot.store.privacy import Privacy
from bot.store.sender_lock import FileSenderLock, PgSenderLock, SenderLock

DEFAULT_PATH = Path("data/pathway-bot.sqlite3")


class Store:
    """Repositories over one database: `store.enrolments.enrol(...)`, `store.meta.get(...)`.

    Open it once per process (the single-writer lock lives in it) and close it on shutdown.
    """

    def __init__(self, db: Backend) -> None:
        self.db = db
        self.learners = Learners(db)
        self.guilds = Guilds(db)
        self.enrolments = Enrolments(db)
        self.completions = Completions(db)
        self.groups = StudyGroups(db)
        self.leaderboards = Leaderboards(db)
        self.deliveries = Deliveries(db)
        self.privacy = Privacy(db)
        self.meta = Meta(db)
        self.identify_slots = IdentifySlots(db)
        self.milestone_roles = MilestoneRoles(db)

    @classmethod
    async def open(cls, path: Path = DEFAULT_PATH) -> Store:
        """Open the file (creating it and its directory) and upgrade its schema.

        Raises ConfigError when the file cannot be opened or its schema is newer than ours.
        """
        db = await Database.open(path)
        try:
            await migrations.upgrade(db)
        except BaseException:
            await db.close()
            raise
        return cls(db)

    @classmethod
    async def open_postgres(cls, url: str) -> Store:
        """Connect to a PostgreSQL database and upgrade its schema.

        Raises ConfigError when it cannot be reached or its schema is newer than ours.
        """
        from bot.store.postgres import migrations as pg_migrations
        from bot.store.postgres.db import PgDatabase

        db = await PgDatabase.open(url)
        try:
            await pg_migrations.upgrade(db)
        except BaseException:
            await db.close()
            raise
        return cls(db)

    def sender_lock(self) -> SenderLock:
        """A new handle on the lock that decides which process sends (see sender_lock.py)."""
        if isinstance(self.db, Database):
            return FileSenderLock(self.db.path)
        url = getattr(self.db, "url", None)
        if not isinstance(url, str):
            raise TypeError(f"no sender lock for a {type(self.db).__name__}")
        return PgSenderLock(url)

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


async def open_store(path: Path = DEFAULT_PATH, url: str | None = None) -> Store:
    """PostgreSQL at `url` (DATABASE_URL) when given, else the SQLite file at `path`."""
    if url:
        return await Store.open_postgres(url)
    return await Store.open(path)
