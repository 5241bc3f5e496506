"""PostgreSQL schema migrations: numbered files, each applied in its own transaction.

PostgreSQL has no `PRAGMA user_version`, so the version lives in a one-row table,
`schema_version`, written in the same transaction as the migration it records: a failure
leaves the previous version intact and the next start retries. A transaction-scoped
advisory lock serialises processes that start together, and the version is re-read under
it, as SQLite's migrations re-read theirs under the write lock.
"""

from __future__ import annotations

from bot.core.errors import ConfigError, StorageError
from bot.store.migrations import Migration, read_migrations, too_new
from bot.store.postgres.db import PgDatabase, PgTx
from bot.store.postgres.version import current_version

__all__ = ["current_version", "latest_version", "load", "upgrade"]

# Any constant will do, as long as nothing else in the database uses it: "pathway" in ASCII.
_MIGRATION_LOCK = 0x70617468776179


def load() -> tuple[Migration, ...]:
    return read_migrations("bot.store.postgres")


def latest_version() -> int:
    return len(load())


async def upgrade(db: PgDatabase, up_to: int | None = None) -> int:
    """Apply every migration the database lacks (up to `up_to`); return the version reached.

    A database newer than this code is refused with a ConfigError naming both versions; a
    failed migration is rolled back and reported naming its file and PostgreSQL's reason.
    """
    migrations = load()
    known = len(migrations)
    target = known if up_to is None else up_to
    current = await db.schema_version()
    if current > known:
        raise too_new(db.label, current, known)
    for migration in migrations[current:target]:
        try:
            await _apply(db, migration, known)
        except StorageError as exc:
            raise ConfigError(
                f"database {db.label}: migration {migration.name} failed and was rolled back:"
                f" {exc.__cause__}"
            ) from exc
    return await db.schema_version()


async def _apply(db: PgDatabase, migration: Migration, known: int) -> None:
    async with db.write() as tx:
        await tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        current = await current_version(tx)
        if current > known:
            raise too_new(db.label, current, known)
        if current >= migration.version:
            return
        await _record(tx, migration)


async def _record(tx: PgTx, migration: Migration) -> None:
    await tx.script(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
        " DELETE FROM schema_version;"
    )
    await tx.script(migration.sql)
    await tx.execute("INSERT INTO schema_version (version) VALUES (?)", (migration.version,))
