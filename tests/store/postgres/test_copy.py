"""migrate-db: a SQLite database with every kind of row, copied into PostgreSQL, reads the
same there; the source is never touched; a non-empty target is refused."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from datetime import time, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.core.errors import ConfigError
from bot.core.models import CompletionSource, DeliveryKind, GuildSettings, ReminderPrefs
from bot.store import Store, enrolment_target, group_target
from bot.store.postgres.copy import TABLES, copy_database
from tests.store.backends import (
    POSTGRES,
    create_database,
    drop_database,
    fresh_target,
    needs_postgres,
    url_for,
)
from tests.store.test_privacy import ALICE, BOB, _populate
from tests.store.values import NOW, START, complete

pytestmark = needs_postgres

CAROL = 333_333_333_333
HOUR = timedelta(hours=1)
ROOT = Path(__file__).resolve().parents[3]


async def _every_kind_of_row(store: Store) -> list[int]:
    """Alice and Bob as in the privacy tests, plus Carol with the rarer states."""
    await _populate(store)
    await store.guilds.set(
        GuildSettings(100, 555, ReminderPrefs("Europe/Berlin", 4, time(18, 30)), True)
    )
    await store.guilds.set(GuildSettings(200))
    await store.learners.set_dm_blocked(CAROL, NOW)
    left = (
        await store.enrolments.enrol(CAROL, 200, "p", "h", START, NOW, pace="6-months")
    ).enrolment
    await complete(store, left.id, "a", NOW, CompletionSource.BUTTON, 3)
    await store.enrolments.leave(left.id, NOW + HOUR)
    done = (await store.enrolments.enrol(CAROL, None, "q", "h", START, NOW, NOW + HOUR)).enrolment
    await complete(store, done.id, "z", NOW + HOUR, CompletionSource.SELECT, 7)
    await store.enrolments.mark_completed(done.id, NOW + 2 * HOUR)
    group = await store.groups.create(200, "Larks", "p", START, NOW, channel_id=999)
    claim = await store.deliveries.claim(DeliveryKind.FALLBACK, enrolment_target(done.id), "w", NOW)
    await store.deliveries.mark_failed(claim.delivery.id, "403", NOW, 1, NOW)
    skipped = await store.deliveries.claim(DeliveryKind.DIGEST, group_target(group.id), "w", NOW)
    await store.deliveries.skip(skipped.delivery.id, NOW, "no channel")
    await store.meta.set("command_tree_hash", "feed")
    await store.milestone_roles.set(200, "phase-2", 4242, CAROL, NOW)
    await store.milestone_roles.claim_grants([(enrolment_target(done.id), "phase-2:4242")], NOW)
    return [ALICE, BOB, CAROL]


def _fingerprint(path: Path) -> dict[str, tuple[str, int]]:
    """The bytes and modification times of the database and its WAL companions."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(path.parent.glob(path.name + "*"))
    }


async def test_copy_reads_back_the_same_and_leaves_the_source_alone(db_path: Path) -> None:
    async with await Store.open(db_path) as source:
        users = await _every_kind_of_row(source)
        exports = {u: await source.privacy.export_user(u, NOW) for u in users}
        boards = await source.leaderboards.for_pathway(100, "p")
        groups = await source.groups.list_for_guild(200)
    before = _fingerprint(db_path)

    async with fresh_target(POSTGRES, db_path, schema=False) as target:
        assert target.url is not None
        report = await copy_database(db_path, target.url)
        assert set(report.counts) == set(TABLES)
        assert report.counts["completions"] == 10 and report.counts["meta"] == 1
        assert all(report.counts[t] for t in TABLES)  # every table had rows to copy
        async with await target.open() as copied:
            for user in users:
                assert await copied.privacy.export_user(user, NOW) == exports[user]
            assert sorted(await copied.leaderboards.for_pathway(100, "p")) == sorted(boards)
            assert await copied.groups.list_for_guild(200) == groups
            assert await copied.guilds.get(100) == GuildSettings(
                100, 555, ReminderPrefs("Europe/Berlin", 4, time(18, 30)), True
            )
            assert await copied.meta.get("command_tree_hash") == "feed"
            assert [
                (m.milestone, m.role_id) for m in await copied.milestone_roles.for_guild(200)
            ] == [("phase-2", 4242)]
            assert await copied.db.integrity_check() == ["ok"]
            # the id sequences moved past the copied ids
            fresh = (await copied.enrolments.enrol(9, 100, "p", "h", START, NOW)).enrolment
            assert fresh.id > max(e["id"] for x in exports.values() for e in x["enrolments"])  # type: ignore[index, union-attr]

        with pytest.raises(ConfigError, match="is not empty"):
            await copy_database(db_path, target.url)
    assert _fingerprint(db_path) == before


async def test_copy_of_an_older_schema_upgrades_a_scratch_copy(db_path: Path) -> None:
    from bot.store import Database, migrations

    db = await Database.open(db_path)
    try:
        await migrations.upgrade(db, up_to=2)
        async with db.write() as tx:
            await tx.execute("INSERT INTO meta VALUES ('k', 'v')")
    finally:
        await db.close()
    async with fresh_target(POSTGRES, db_path, schema=False) as target:
        assert target.url is not None
        report = await copy_database(db_path, target.url)
        assert report.counts["meta"] == 1
    with __import__("sqlite3").connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)  # still as it was


async def test_a_target_with_other_tables_is_refused(db_path: Path) -> None:
    async with await Store.open(db_path) as source:
        await source.meta.set("k", "v")
    name = await create_database()
    try:
        conn = await asyncpg.connect(url_for(name))
        await conn.execute("CREATE TABLE invoices (id INTEGER)")
        await conn.close()
        with pytest.raises(ConfigError, match="has tables invoices"):
            await copy_database(db_path, url_for(name))
    finally:
        await drop_database(name)


async def test_missing_source_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no SQLite database"):
        await copy_database(tmp_path / "nope.sqlite3", url_for("postgres"))


async def _cli(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DISCORD_TOKEN")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        env={**base, "PYTHONPATH": str(ROOT), **env}, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_the_command_line_copies_and_prints_the_counts(db_path: Path) -> None:
    async with await Store.open(db_path) as source:
        await source.enrolments.enrol(1, 100, "p", "h", START, NOW)
    async with fresh_target(POSTGRES, db_path, schema=False) as target:
        assert target.url is not None
        code, out, err = await _cli(
            "migrate-db",
            "--to",
            target.url,
            env={"DATABASE_PATH": str(db_path)},
            cwd=db_path.parent,
        )
        assert code == 0, err
        assert "learners: 1 rows" in out and "enrolments: 1 rows" in out
        assert "every table's count matches" in err
        code, _, err = await _cli(
            "migrate-db", "--to", target.url, "--from", str(db_path), env={}, cwd=db_path.parent
        )
        assert code == 2 and "is not empty" in err and "Traceback" not in err


async def test_a_running_bots_uncheckpointed_rows_are_copied(db_path: Path) -> None:
    """With the source still open (its last commits only in the WAL), the copy sees them."""
    async with await Store.open(db_path) as source:
        await source.meta.set("k", "in the wal")
        async with fresh_target(POSTGRES, db_path, schema=False) as target:
            assert target.url is not None
            await copy_database(db_path, target.url)
            async with await target.open() as copied:
                assert await copied.meta.get("k") == "in the wal"


async def test_totals_that_disagree_abort_the_copy_and_leave_the_target_empty(
    db_path: Path,
) -> None:
    """The copy rebuilds totals with PostgreSQL's trigger and compares them with SQLite's:
    a source whose totals drifted (a hand edit) is reported, and nothing is committed."""
    async with await Store.open(db_path) as source:
        e = (await source.enrolments.enrol(1, 100, "p", "h", START, NOW)).enrolment
        await complete(source, e.id, "a", NOW, points=5)
        async with source.db.write() as tx:
            await tx.execute("UPDATE enrolments SET points_total = 6 WHERE id = ?", (e.id,))
    async with fresh_target(POSTGRES, db_path, schema=False) as target:
        assert target.url is not None
        with pytest.raises(ConfigError, match=r"running totals of 1 enrolments \(ids \[1\]\)"):
            await copy_database(db_path, target.url)
        async with await target.open() as copied:
            assert await copied.learners.get(1) is None


async def test_group_standing_that_disagrees_aborts_the_copy(db_path: Path) -> None:
    """A membership's standing counters (migration 012) are rebuilt by PostgreSQL's
    triggers and compared too: a hand-edited one is reported, and nothing is committed."""
    async with await Store.open(db_path) as source:
        e = (await source.enrolments.enrol(1, 100, "p", "h", START, NOW)).enrolment
        group = await source.groups.create(100, "Owls", "p", START, NOW)
        await source.groups.join(group.id, 1, NOW)
        await complete(source, e.id, "a", NOW, points=5)
        async with source.db.write() as tx:
            await tx.execute("UPDATE group_members SET points = 50")
    async with fresh_target(POSTGRES, db_path, schema=False) as target:
        assert target.url is not None
        with pytest.raises(ConfigError, match=r"standing of 1 group members"):
            await copy_database(db_path, target.url)
        async with await target.open() as copied:
            assert await copied.learners.get(1) is None


async def test_a_target_a_bot_already_identified_on_counts_as_empty(db_path: Path) -> None:
    """A bot started on the new database first (and claimed IDENTIFY turns there) left no
    data: the copy goes ahead, and the turns, pacing state only, stay as they were."""
    async with await Store.open(db_path) as source:
        await source.meta.set("k", "v")
        assert await source.identify_slots.claim(0, 1000.0, 5.0) is None
    async with fresh_target(POSTGRES, db_path) as target:
        assert target.url is not None
        async with await target.open() as early:
            assert await early.identify_slots.claim(0, 2000.0, 5.0) is None
        report = await copy_database(db_path, target.url)
        assert report.counts["meta"] == 1 and "identify_slots" not in report.counts
        async with await target.open() as copied:
            assert await copied.identify_slots.next_at(0) == 2005.0
