"""Which schema version a PostgreSQL database is at: read by the database itself (its
`schema_version()`) and by the migrations, so neither module imports the other."""

from __future__ import annotations

from bot.store.backend import Tx


async def current_version(tx: Tx) -> int:
    """0 for a database this code never touched.

    Whether the table exists is read from pg_class with this statement's snapshot, not with
    to_regclass(): that looks in the backend's catalog cache, which taking an advisory lock
    does not refresh, so a process that waited for another's first migration would still
    see no schema_version table and apply 001 again ("relation already exists").
    """
    row = await tx.fetchrow(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relname = 'schema_version' AND n.nspname = current_schema())"
    )
    if not row[0]:
        return 0
    row = await tx.fetchrow("SELECT COALESCE(MAX(version), 0) FROM schema_version")
    return int(row[0])
