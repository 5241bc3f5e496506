"""`migrate-db`: copy a whole SQLite database into an empty PostgreSQL one.

The source is opened read-only and never written: if its schema is older than this code, a
temporary copy of it is upgraded and read instead. The target is refused unless it is empty
(no tables, or only ours and all of them empty). Everything is copied in one transaction, in
foreign-key order, with COPY; a failure anywhere leaves the target as empty as it was.

The running totals on enrolments are not copied: they are zeroed, and PostgreSQL's own
trigger rebuilds them as the completions arrive. The other standing counters (migration
012: each enrolment's `shown`, each membership's totals and `on_pathway`) are set by
PostgreSQL's BEFORE INSERT triggers from the rows already copied, whatever the source said.
Before committing, the copy checks every table's row count against the source's and every
enrolment's and membership's rebuilt counters against those SQLite kept, so the two
engines' triggers are shown to agree on this very data.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.core.errors import ConfigError
from bot.store import migrations
from bot.store.db import Database
from bot.store.postgres import migrations as pg_migrations
from bot.store.postgres.db import PgDatabase, PgTx

# Parents before children, so every foreign key finds its row.
TABLES = (
    "guild_settings",
    "learners",
    "enrolments",
    "enrolment_pauses",
    "completions",
    "study_groups",
    "group_members",
    "deliveries",
    "meta",
    "milestone_roles",
)
# Pacing state, not data (when each IDENTIFY bucket may next IDENTIFY): never copied, and a
# target that has some (a bot already started on it) still counts as empty.
NOT_COPIED = ("identify_slots", "milestone_checks")  # checks: redone, grants are idempotent
_WITH_IDS = ("enrolments", "enrolment_pauses", "study_groups", "deliveries")
# Kept by the completions trigger: rebuilt on the target, then compared with the source.
_TOTALS = ("points_total", "completions_total", "last_completed_at", "shown")
_STANDING = ("user_id", "points", "completions", "reached_at", "on_pathway")
_ZEROED: dict[str, Any] = {"points_total": 0, "completions_total": 0, "last_completed_at": None}


@dataclass(frozen=True, slots=True)
class CopyReport:
    source: Path
    target: str  # the URL without its password
    counts: dict[str, int]  # rows per table, equal on both sides

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _open_read_only(path: Path) -> sqlite3.Connection:
    """Read without writing anything, not even the WAL's companion files.

    SQLite deletes the -wal file when the last connection closes, so without one nobody has
    the database open: it is read as immutable, creating no -wal or -shm beside it. With one
    (a bot still running, or one that crashed), the WAL holds committed rows that must be
    read, through a read-only connection that shares the existing -shm.
    """
    if not path.is_file():
        raise ConfigError(f"no SQLite database at {path}")
    in_use = path.with_name(path.name + "-wal").exists()
    flags = "mode=ro" if in_use else "mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?{flags}", uri=True)
        conn.execute("SELECT COUNT(*) FROM sqlite_schema").fetchone()
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot read SQLite database {path}: {exc}") from exc
    return conn


def _version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


async def _upgraded_copy(source: sqlite3.Connection, into: Path) -> sqlite3.Connection:
    """A copy of an older source at the latest schema, leaving the source as it is."""
    with closing(sqlite3.connect(into)) as copy:
        source.backup(copy)
    db = await Database.open(into)
    try:
        await migrations.upgrade(db)
    finally:
        await db.close()
    return _open_read_only(into)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")]


async def _target_columns(tx: PgTx, table: str) -> list[str]:
    rows = await tx.fetchall(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        (table,),
    )
    return [str(row[0]) for row in rows]


async def _refuse_unless_empty(db: PgDatabase) -> None:
    """Before touching the target: only our tables (or none) may exist, and all empty."""
    async with db.read() as tx:
        rows = await tx.fetchall(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() ORDER BY table_name"
        )
        present = [str(row[0]) for row in rows]
        others = [n for n in present if n not in (*TABLES, *NOT_COPIED, "schema_version")]
        if others:
            raise ConfigError(
                f"database {db.label} is not empty (it has tables {', '.join(others[:5])});"
                " migrate-db copies only into an empty database"
            )
        await _refuse_rows(tx, db.label, [name for name in TABLES if name in present])


async def _refuse_rows(tx: PgTx, label: str, tables: Sequence[str]) -> None:
    for table in tables:
        row = await tx.fetchrow(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - our names
        if row[0]:
            raise ConfigError(
                f"database {label} is not empty ({table} holds {row[0]} rows);"
                " migrate-db copies only into an empty database"
            )


async def copy_database(source: Path, url: str) -> CopyReport:
    """Copy the SQLite database at `source` into the empty PostgreSQL database at `url`.

    Raises ConfigError, naming the problem, when the source cannot be read or is newer than
    this code, when the target is not empty or unreachable, or when the copied counts or
    totals do not match (then nothing was committed).
    """
    with tempfile.TemporaryDirectory(prefix="pathway-migrate-") as scratch:
        conn = _open_read_only(source)
        try:
            known = migrations.latest_version()
            version = _version(conn)
            if version > known:
                raise migrations.too_new(str(source), version, known)
            if version < known:
                conn.close()
                conn = await _upgraded_copy(
                    _open_read_only(source), Path(scratch) / "upgraded.sqlite3"
                )
            return await _copy(conn, source, url)
        finally:
            conn.close()


async def _copy(conn: sqlite3.Connection, source: Path, url: str) -> CopyReport:
    db = await PgDatabase.open(url, max_size=2)
    try:
        await _refuse_unless_empty(db)
        await pg_migrations.upgrade(db)
        conn.execute("BEGIN")  # one snapshot of the source, even if a bot still writes to it
        try:
            async with db.write() as tx:
                counts = await _copy_tables(conn, tx, db.label)
        finally:
            conn.rollback()
    finally:
        await db.close()
    return CopyReport(source, db.label, counts)


async def _copy_tables(conn: sqlite3.Connection, tx: PgTx, label: str) -> dict[str, int]:
    # No other writer may slip a row in between the emptiness check and the commit.
    await tx.execute(f"LOCK TABLE {', '.join(TABLES)} IN SHARE ROW EXCLUSIVE MODE")
    await _refuse_rows(tx, label, TABLES)
    counts: dict[str, int] = {}
    for table in TABLES:
        columns = _columns(conn, table)
        if columns != await _target_columns(tx, table):
            raise ConfigError(f"table {table}: the two schemas differ; nothing was copied")
        counts[table] = await _copy_table(conn, tx, table, columns)
    for table in _WITH_IDS:
        await tx.advance_ids(table)
    await _check_counts(conn, tx, counts)
    await _check_totals(conn, tx)
    return counts


async def _copy_table(conn: sqlite3.Connection, tx: PgTx, table: str, columns: list[str]) -> int:
    zero = [(i, _ZEROED[name]) for i, name in enumerate(columns) if name in _ZEROED]
    cursor = conn.execute(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608
    copied = 0
    while batch := cursor.fetchmany(5000):
        records = [list(row) for row in batch]
        for record in records:
            for i, value in zero:
                record[i] = value
        await tx.connection.copy_records_to_table(table, records=records, columns=columns)
        copied += len(records)
    return copied


async def _check_counts(conn: sqlite3.Connection, tx: PgTx, counts: dict[str, int]) -> None:
    for table in TABLES:
        expected = int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608
        found = int((await tx.fetchrow(f"SELECT COUNT(*) FROM {table}"))[0])  # noqa: S608
        if not expected == found == counts[table]:
            raise ConfigError(
                f"table {table}: {expected} rows in the source but {found} copied;"
                " nothing was committed"
            )


async def _check_totals(conn: sqlite3.Connection, tx: PgTx) -> None:
    columns = ", ".join(("id", *_TOTALS))
    expected = {row[0]: tuple(row[1:]) for row in conn.execute(f"SELECT {columns} FROM enrolments")}  # noqa: S608
    rebuilt = {
        row[0]: tuple(row[1:])
        for row in await tx.fetchall(f"SELECT {columns} FROM enrolments")  # noqa: S608
    }
    differ = sorted(eid for eid in expected if expected[eid] != rebuilt.get(eid))
    if differ:
        raise ConfigError(
            f"running totals of {len(differ)} enrolments (ids {differ[:5]}) differ between the"
            " source and the copy; nothing was committed"
        )
    columns = ", ".join(("enrolment_id", *_STANDING))
    expected = {
        row[0]: tuple(row[1:])
        for row in conn.execute(f"SELECT {columns} FROM group_members")  # noqa: S608
    }
    rebuilt = {
        row[0]: tuple(row[1:])
        for row in await tx.fetchall(f"SELECT {columns} FROM group_members")  # noqa: S608
    }
    differ = sorted(eid for eid in expected if expected[eid] != rebuilt.get(eid))
    if differ:
        raise ConfigError(
            f"standing of {len(differ)} group members (enrolment ids {differ[:5]}) differs"
            " between the source and the copy; nothing was committed"
        )
