"""The storage facade the rest of the bot holds: one object per open database.

`open_store(path, url)` picks the engine: PostgreSQL when a URL is given, else the SQLite
file. Either way the rest of the bot sees the same repositories with the same methods.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType

from bot.store import migrations
from bot.store.backend import Backend, Dialect, Tx
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


class Repositories:
    """Every repository over one Backend: the Store's, or a unit of work's (one transaction)."""

    def __init__(self, db: Backend) -> None:
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


class _Joined:
    """A Backend whose every transaction is one already open: the repositories of a unit of
    work all run inside it, reads included (they see the unit's own writes)."""

    def __init__(self, tx: Tx, outer: Backend) -> None:
        self._tx = tx
        self._outer = outer

    @property
    def dialect(self) -> Dialect:
        return self._outer.dialect

    @property
    def label(self) -> str:
        return self._outer.label

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        yield self._tx

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        yield self._tx

    @asynccontextmanager
    async def read_one(self) -> AsyncIterator[Tx]:
        yield self._tx

    async def close(self) -> None:
        raise RuntimeError("a unit of work does not close its database")

    async def schema_version(self) -> int:
        return await self._outer.schema_version()

    async def integrity_check(self) -> list[str]:
        return await self._outer.integrity_check()


class Unit(Repositories):
    """The repositories of one unit of work: every call shares one write transaction,
    committed when the `async with store.unit()` block ends and rolled back if it raises."""

    def __init__(self, tx: Tx, outer: Backend) -> None:
        super().__init__(_Joined(tx, outer))
        self.tx = tx
        self.open = True


class _Ambient:
    """The Store's own repositories' Backend: inside a unit of work opened in this task (and
    still open), every transaction they ask for is the unit's; elsewhere a transaction of its
    own, as before. So a use case wraps its body in `async with store.unit():` and every
    repository call in it, however deep, joins the one transaction without being passed it.
    """

    def __init__(self, raw: Backend, current: ContextVar[Unit | None]) -> None:
        self._raw = raw
        self._current = current

    def joined(self) -> Unit | None:
        unit = self._current.get()
        return unit if unit is not None and unit.open else None

    @property
    def dialect(self) -> Dialect:
        return self._raw.dialect

    @property
    def label(self) -> str:
        return self._raw.label

    @asynccontextmanager
    async def _unit_or(
        self, opener: Callable[[], AbstractAsyncContextManager[Tx]]
    ) -> AsyncIterator[Tx]:
        """The open unit's transaction if there is one in this task, else `opener`'s."""
        unit = self.joined()
        if unit is not None:
            yield unit.tx
            return
        async with opener() as tx:
            yield tx

    def write(self) -> AbstractAsyncContextManager[Tx]:
        return self._unit_or(self._raw.write)

    def read(self) -> AbstractAsyncContextManager[Tx]:
        return self._unit_or(self._raw.read)

    def read_one(self) -> AbstractAsyncContextManager[Tx]:
        return self._unit_or(self._raw.read_one)

    async def close(self) -> None:
        await self._raw.close()

    async def schema_version(self) -> int:
        return await self._raw.schema_version()

    async def integrity_check(self) -> list[str]:
        return await self._raw.integrity_check()


class Store(Repositories):
    """Repositories over one database: `store.enrolments.enrol(...)`, `store.meta.get(...)`.

    Open it once per process (the single-writer lock lives in it) and close it on shutdown.
    A use case that writes takes a unit of work, so all it does commits or none of it:

        async with store.unit() as tx:
            enrolment = await tx.enrolments.get(enrolment_id)
            ...validate, then write...

    Inside the block the store's own repositories (`store.enrolments`, ...) join the unit
    too, in this task and the tasks it starts before the block ends.
    """

    def __init__(self, db: Backend) -> None:
        self.db = db
        self._current: ContextVar[Unit | None] = ContextVar(f"store-unit-{id(self)}", default=None)
        self._ambient = _Ambient(db, self._current)
        super().__init__(self._ambient)

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        """One write transaction shared by every repository call made in the block.

        A unit opened inside another joins it (the outer one commits). As with any write
        transaction: validate before writing when you can, and never await anything but this
        database inside it (no Discord calls): other writers wait meanwhile. On SQLite the
        unit may share its COMMIT with units queued behind it (group commit, db.py); either
        way it commits whole or not at all, and the block exits only once it is durable.
        """
        outer = self._ambient.joined()
        if outer is not None:
            yield outer
            return
        async with self.db.write() as tx:
            unit = Unit(tx, self.db)
            token = self._current.set(unit)
            try:
                yield unit
            finally:
                unit.open = False
                self._current.reset(token)

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
