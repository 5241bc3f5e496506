"""Migrations on both engines: every older schema upgrades with its data intact; a newer
one is refused naming both versions; a failed one changes nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.core.errors import ConfigError
from bot.core.models import DeliveryKind, DeliveryStatus, EnrolmentStatus, Pause
from bot.store import Database, Store, codec, migrations
from bot.store.backend import Backend
from bot.store.postgres import migrations as pg_migrations
from bot.store.postgres.db import PgDatabase

from .backends import BACKENDS, SQLITE, Target, fresh_target
from .values import NOW

T0 = codec.instant(NOW)
T1 = codec.instant(NOW + timedelta(hours=1))
T2 = codec.instant(NOW + timedelta(hours=2))

# Rows written with the schema of each version, before anything newer existed. Adding a
# migration means adding its seed here, so the upgrade test keeps covering every step.
SEED: dict[int, list[tuple[str, tuple[object, ...]]]] = {
    1: [
        (
            "INSERT INTO guild_settings VALUES (100, 555, 'Europe/Paris', 2, '18:30:00', 1)",
            (),
        ),
        (
            "INSERT INTO learners VALUES"
            " (7, 'Europe/Paris', 2, '18:30:00', 777, NULL, 'hidden', ?)",
            (T0,),
        ),
        (
            "INSERT INTO enrolments (id, user_id, guild_id, pathway_id, pathway_hash, start_date,"
            " status, next_reminder_at, created_at, updated_at) VALUES (1, 7, 100,"
            " 'data-analyst', 'sha256:abc', '2026-03-02', 'paused', ?, ?, ?)",
            (T2, T0, T1),
        ),
        ("INSERT INTO enrolment_pauses (enrolment_id, start_at) VALUES (1, ?)", (T1,)),
        ("INSERT INTO completions VALUES (1, 'read-guide', ?, 'command', 10)", (T0,)),
        ("INSERT INTO completions VALUES (1, 'first-project', ?, 'button', 20)", (T1,)),
        (
            "INSERT INTO study_groups (id, guild_id, name, name_key, pathway_id, channel_id,"
            " cohort_start, created_by, created_at) VALUES (3, 100, 'Night Owls', 'night owls',"
            " 'data-analyst', 888, '2026-03-02', 7, ?)",
            (T0,),
        ),
        ("INSERT INTO group_members VALUES (3, 1, ?)", (T0,)),
        (
            "INSERT INTO deliveries (id, kind, target, period_key, nonce, status, attempts,"
            " message_id, created_at, updated_at) VALUES (5, 'reminder', 'enrolment:1',"
            " '2026-W10', 'abc123', 'sent', 1, 999, ?, ?)",
            (T0, T0),
        ),
    ],
    2: [("INSERT INTO meta VALUES ('command_tree_hash', 'f00d')", ())],
    3: [],
    4: [],
    5: [
        # a second enrolment of the same pathway, in DMs, with less progress: 006 retires it
        (
            "INSERT INTO enrolments (id, user_id, guild_id, pathway_id, pathway_hash, start_date,"
            " status, next_reminder_at, created_at, updated_at, pace) VALUES (2, 7, NULL,"
            " 'data-analyst', 'sha256:abc', '2026-03-09', 'active', ?, ?, ?, '9-months')",
            (T2, T1, T1),
        ),
    ],
    6: [],
    7: [],
    8: [],
    9: [],
    10: [],
    11: [],
    12: [],
    13: [],
}


def test_every_migration_has_seed_data() -> None:
    assert set(SEED) == set(range(1, migrations.latest_version() + 1))


def test_each_sqlite_migration_has_a_postgres_twin() -> None:
    """Version N is the same schema on both engines, so a copy can go either way."""
    assert [m.name for m in pg_migrations.load()] == [m.name for m in migrations.load()]


def test_migration_files_are_numbered_without_gaps() -> None:
    found = migrations.load()
    assert [m.version for m in found] == list(range(1, len(found) + 1))
    assert found[0].name == "001-init.sql"


def test_statements_split_where_sqlite_says() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE t (a TEXT DEFAULT 'x;y');
    CREATE TRIGGER tr AFTER INSERT ON t BEGIN
        UPDATE t SET a = 'z;' WHERE a = NEW.a;
    END;
    -- trailing comment
    """
    found = migrations.statements(script)
    assert len(found) == 2
    assert found[1].startswith("CREATE TRIGGER") and found[1].endswith("END;")
    with pytest.raises(ValueError, match="incomplete"):
        migrations.statements("CREATE TABLE t (a)")


async def _raw(target: Target) -> Backend:
    """The database without any migration applied."""
    if target.url is not None:
        return await PgDatabase.open(target.url)
    return await Database.open(target.path)


async def _upgrade(db: Backend, up_to: int) -> int:
    if isinstance(db, PgDatabase):
        return await pg_migrations.upgrade(db, up_to=up_to)
    assert isinstance(db, Database)
    return await migrations.upgrade(db, up_to=up_to)


async def _open_at(target: Target, version: int) -> None:
    """A database at `version`, each step's rows written while that step was the newest."""
    db = await _raw(target)
    try:
        assert await _upgrade(db, up_to=0) == 0
        for step in range(1, version + 1):
            assert await _upgrade(db, up_to=step) == step
            async with db.write() as tx:
                for sql, params in SEED[step]:
                    await tx.execute(sql, params)
                await tx.advance_ids("enrolments")  # the seeds chose their own ids
    finally:
        await db.close()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("version", range(migrations.latest_version()))
async def test_upgrade_from_every_earlier_version(
    backend: str, db_path: Path, version: int
) -> None:
    async with fresh_target(backend, db_path, schema=False) as target:
        await _open_at(target, version)
        async with await target.open() as store:
            await _check_upgraded(store, version)


async def _check_upgraded(store: Store, version: int) -> None:
    assert await store.db.schema_version() == migrations.latest_version()
    assert await store.db.integrity_check() == ["ok"]
    # 008: a bucket's first IDENTIFY claim takes it for a window
    assert await store.identify_slots.claim(0, 100.0, 5.0) is None
    assert await store.identify_slots.claim(0, 100.0, 5.0) == 105.0
    # 010: the outbox takes role grants, and servers map milestones to roles
    grant = await store.deliveries.claim(DeliveryKind.ROLE_GRANT, "enrolment:1", "phase-1:5", NOW)
    assert grant.claimed and grant.delivery.kind is DeliveryKind.ROLE_GRANT
    mapped = await store.milestone_roles.set(100, "phase-1", 5, 7, NOW)
    assert mapped.enabled and await store.milestone_roles.for_guild(100) == [mapped]
    # 011: the finished outbox rows are found by their own index for pruning
    assert await store.deliveries.prune(NOW - timedelta(days=30)) == 0
    if version >= 1:
        await _check_v1_data(store)
    if version >= 2:
        assert await store.meta.get("command_tree_hash") == "f00d"
    if version >= 5:
        # 006: one enrolment per pathway: the one with the most completions stays
        kept, retired = await store.enrolments.get(1), await store.enrolments.get(2)
        assert kept is not None and kept.status is EnrolmentStatus.PAUSED
        assert retired is not None and retired.status is EnrolmentStatus.LEFT
        assert retired.next_reminder_at is None and retired.pace == "9-months"


async def _check_v1_data(store: Store) -> None:
    guild = await store.guilds.get(100)
    assert guild.digest_channel_id == 555 and guild.members_can_create_groups
    assert guild.default_prefs is not None and guild.default_prefs.tz == "Europe/Paris"
    learner = await store.learners.get(7)
    assert learner is not None and learner.dm_channel_id == 777
    enrolment = await store.enrolments.get(1)
    assert enrolment is not None
    assert enrolment.status is EnrolmentStatus.PAUSED
    assert enrolment.pauses == (Pause(codec.from_instant(T1)),)
    assert enrolment.next_reminder_at == codec.from_instant(T2)
    # 005: enrolments from before paces keep the phases' own weeks, the calendar they had
    assert enrolment.pace == "as-written"
    done = await store.completions.list_for_enrolment(1)
    assert [c.item_id for c in done] == ["read-guide", "first-project"]
    assert [m.user_id for m in await store.groups.members(3)] == [7]
    delivery = await store.deliveries.get(5)
    assert delivery is not None and delivery.status is DeliveryStatus.SENT
    # 004 indexes paused enrolments by their planned resume time.
    assert [e.id for e in await store.enrolments.paused_due(codec.from_instant(T2))] == [1]
    assert await store.enrolments.paused_due(codec.from_instant(T2 - 1)) == []
    # 003 backfilled the running totals from the completions already there.
    [row] = await store.leaderboards.for_group(3)
    assert (row.points, row.completions, row.reached_at) == (30, 2, codec.from_instant(T1))
    # 012 backfilled the standing counters the all-time boards read by index.
    board = await store.leaderboards.top_for_group(3, viewer=7)
    assert [(rank, r.user_id, r.points) for rank, r in board.shown] == [(1, 7, 30)]
    assert board.mine is not None and board.mine[1].reached_at == codec.from_instant(T1)
    pathway = await store.leaderboards.top_for_pathway(100, "data-analyst", viewer=7)
    assert pathway.shown == [] and pathway.hidden == 1  # 009 made everyone hidden


async def test_reopening_is_a_no_op(database: Target) -> None:
    async with await database.open() as store:
        await store.meta.set("k", "v")
    async with await database.open() as store:
        assert await store.meta.get("k") == "v"
        assert await store.db.schema_version() == migrations.latest_version()


async def _set_version(target: Target, version: int | None = None) -> int:
    """Write the schema version behind the store's back (None: just read it)."""
    if target.url is not None:
        conn = await asyncpg.connect(target.url)
        try:
            if version is not None:
                await conn.execute("UPDATE schema_version SET version = $1", version)
            return int(await conn.fetchval("SELECT version FROM schema_version"))
        finally:
            await conn.close()
    with sqlite3.connect(target.path) as conn:
        if version is not None:
            conn.execute(f"PRAGMA user_version = {version:d}")
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


async def test_newer_database_is_refused_naming_both_versions(database: Target) -> None:
    async with await database.open() as store:
        label = store.db.label
    await _set_version(database, 99)
    known = migrations.latest_version()
    with pytest.raises(ConfigError) as caught:
        await database.open()
    assert str(caught.value) == (
        f"database {label} is at schema version 99 but this pathway-bot knows only up to"
        f" {known}; upgrade pathway-bot or restore a backup"
    )
    assert await _set_version(database) == 99


async def test_failed_migration_changes_nothing(
    database: Target, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = migrations if backend == SQLITE else pg_migrations
    shipped = module.load()
    broken = migrations.Migration(
        len(shipped) + 1,
        "999-broken.sql",
        "CREATE TABLE half_done (a INTEGER);\nINSERT INTO no_such_table VALUES (1);\n",
    )
    monkeypatch.setattr(module, "load", lambda: (*shipped, broken))
    with pytest.raises(ConfigError, match=r"999-broken\.sql failed .*no_such_table"):
        await database.open()
    monkeypatch.undo()
    async with await database.open() as store:
        assert await store.db.schema_version() == len(shipped)
        async with store.db.write() as tx:  # a table of that name can be created: none exists
            await tx.execute("CREATE TABLE half_done (a INTEGER)")


@pytest.mark.parametrize("backend", BACKENDS)
async def test_processes_starting_together_on_a_blank_database_all_open_it(
    backend: str, db_path: Path
) -> None:
    """Compose starts every bot process at once on an empty database: one applies each
    migration, the others wait for it and find the schema there, and none of them fails."""
    async with fresh_target(backend, db_path, schema=False) as target:
        stores = await asyncio.gather(*(target.open() for _ in range(8)))
        try:
            for store in stores:
                assert await store.db.schema_version() == migrations.latest_version()
        finally:
            for store in stores:
                await store.close()
