"""Schema migrations: numbered SQL files applied in order, tracked by PRAGMA user_version.

`migrations/NNN-name.sql` brings the schema from version NNN-1 to NNN. Each file runs in its
own BEGIN IMMEDIATE transaction together with the `PRAGMA user_version = NNN` that records
it (the header write is transactional), so a crash mid-upgrade leaves the previous version
intact and the next start simply retries. The files are package data, read with
importlib.resources so an installed wheel finds them too.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from bot.core.errors import ConfigError, StorageError
from bot.store.backend import Tx
from bot.store.db import Database

_FILE_NAME = re.compile(r"^(\d{3})-[a-z0-9-]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load() -> tuple[Migration, ...]:
    """The migrations shipped with this code, checked to be numbered 1, 2, 3... without gaps."""
    return read_migrations("bot.store")


def read_migrations(package: str) -> tuple[Migration, ...]:
    """`package`'s migrations/NNN-name.sql files in order (PostgreSQL keeps its own)."""
    found: list[Migration] = []
    for entry in (resources.files(package) / "migrations").iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(
            f"migration files must be numbered 001, 002, ... without gaps: {versions}"
        )
    return tuple(found)


def latest_version() -> int:
    return len(load())


def statements(script: str) -> list[str]:
    """Split a script into statements, letting SQLite decide where each one ends.

    (executescript would do this but commits any open transaction first, so a migration
    could not share one transaction with its version bump.)
    """
    found: list[str] = []
    start = 0
    for end, char in enumerate(script, start=1):
        if char == ";" and sqlite3.complete_statement(script[start:end]):
            found.append(script[start:end].strip())
            start = end
    if script[start:].strip() and not _only_comments(script[start:]):
        raise ValueError(f"incomplete SQL statement at the end of a migration: {script[start:]!r}")
    return found


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


async def _version(tx: Tx) -> int:
    rows = await tx.fetchall("PRAGMA user_version")
    return int(rows[0][0])


def too_new(label: str, found: int, known: int) -> ConfigError:
    """The refusal of a schema newer than this code, naming both versions."""
    return ConfigError(
        f"database {label} is at schema version {found} but this pathway-bot knows only up "
        f"to {known}; upgrade pathway-bot or restore a backup"
    )


async def upgrade(db: Database, up_to: int | None = None) -> int:
    """Apply every migration the database lacks (up to `up_to`); return the version reached.

    A database newer than this code refuses with a ConfigError naming both versions rather
    than running against a schema we do not understand; a migration that fails is rolled
    back and reported as a ConfigError naming the file and SQLite's reason.
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


async def _apply(db: Database, migration: Migration, known: int) -> None:
    async with db.write() as tx:
        # Re-read inside the write lock: another process may have migrated meanwhile.
        current = await _version(tx)
        if current > known:
            raise too_new(db.label, current, known)
        if current >= migration.version:
            return
        for statement in statements(migration.sql):
            await tx.execute(statement)
        await tx.execute(f"PRAGMA user_version = {migration.version:d}")
