"""migrate-db end to end: a SQLite database the real bot filled with every kind of row, through
commands and clicks only, is copied into an empty PostgreSQL one; the bot then runs there and
`/me export` reads the same, learner by learner.

The store-level twin (tests/store/postgres/test_copy.py) builds its rows through the store; this
one lets the bot build them, so a row shape only the bot produces is copied too.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bot.emulator.driver import Emulator
from bot.emulator.models import Guild, User
from bot.emulator.permissions import DEFAULT_BOT_PERMISSIONS, Permission
from bot.store.postgres.copy import NOT_COPIED, TABLES
from tests.harness import ROOT, SEED, BotProcess, custom_ids, is_reminder, poll
from tests.store.backends import create_database, drop_database, needs_postgres, url_for

pytestmark = needs_postgres

#: Fields of an export that describe the moment of exporting, not the stored data: the only
#: ones allowed to differ between the SQLite and the PostgreSQL export.
MOMENT_OF_EXPORT = ("exported_at",)

Export = tuple[str, dict[str, Any], bytes]  # the reply's text, the JSON file, the evidence file


async def export(emu: Emulator, user: User, guild: Guild) -> Export:
    final = await (await emu.run_command(user, "me", guild=guild, subcommand="export")).wait_final()
    files = {a.filename: a.data for a in final.attachments}
    blob = json.loads(files["pathway-bot-export.json"])
    assert blob["user_id"] == user.id
    return final.content, blob, files["completed-items.txt"]


def without_moment(exported: Export) -> Export:
    content, blob, evidence = exported
    return content, {k: v for k, v in blob.items() if k not in MOMENT_OF_EXPORT}, evidence


def sqlite_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table migrate-db is meant to copy (all but the pacing state it
    deliberately leaves), sorted, read straight from the file (read-only)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr)  # noqa: S608
            for t in names
            if t not in NOT_COPIED
        }


async def pg_tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    conn = await asyncpg.connect(url)
    try:
        return {
            t: sorted((tuple(r) for r in await conn.fetch(f"SELECT * FROM {t}")), key=repr)  # noqa: S608
            for t in TABLES
        }
    finally:
        await conn.close()


def fingerprint(path: Path) -> dict[str, str]:
    """The bytes of the database file and of its write-ahead log: everything that holds data.

    Not the -shm file: that is the WAL's shared-memory index, which every reader (a
    read-only one too) updates as it reads, so it changes without any data changing.
    """
    files = [path, path.with_name(path.name + "-wal")]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.exists()}


async def migrate_db(bot: BotProcess, url: str) -> tuple[int, str, str]:
    """`python -m bot migrate-db --to url` with the bot's settings: (status, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    env.update(bot.env, PYTHONPATH=str(ROOT))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "migrate-db",
        "--to",
        url,
        env=env,
        cwd=str(bot.data_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return await proc.wait(), out.decode(), err.decode()


def count(bot: BotProcess, query: str) -> int:
    (value,) = bot.sql(query)[0]
    assert isinstance(value, int)
    return value


def printed_counts(stdout: str) -> dict[str, int]:
    """migrate-db's "table: N rows" lines."""
    counts = {}
    for line in stdout.splitlines():
        table, _, rows = line.partition(": ")
        counts[table] = int(rows.removesuffix(" rows"))
    return counts


async def fill_every_table(
    emu: Emulator, bot: BotProcess, guild: Guild, people: dict[str, User]
) -> None:
    """Every kind of row the schema has, made the way users make them."""
    admin, alice, bob = people["admin"], people["alice"], people["bob"]
    carol, dave, erin = people["carol"], people["dave"], people["erin"]
    channel = emu.channels(guild)[0]

    async def ok(user: User, command: str, sub: str | None = None, /, **options: object) -> Any:
        where = None if options.pop("in_dm", False) else guild
        reply = await emu.run_command(user, command, guild=where, subcommand=sub, options=options)
        assert not reply.content.startswith("⚠️"), (command, sub, reply.content)
        return reply

    # guild_settings: default reminder slot a minute ago (today, UTC), so this week's digest
    # is due as soon as it has a channel; members may create groups.
    slot = bot.now() - timedelta(minutes=1)
    day, at = slot.strftime("%a").lower(), slot.strftime("%H:%M")
    await ok(admin, "setup", "defaults", day=day, time=at, timezone="UTC")
    await ok(admin, "setup", "member-groups", allowed=True)
    await ok(admin, "setup", "dm-notice", enabled=True)
    # milestone_roles: the bot may manage roles, and "phase 5" earns a role below its own
    emu.set_bot_permissions(guild, DEFAULT_BOT_PERMISSIONS | Permission.MANAGE_ROLES)
    emu.set_role_position(emu.state.bot_role(guild), 20)
    await ok(admin, "setup", "milestone-role", milestone="phase 5", role=emu.add_role(guild, "P5"))
    # study_groups, created by an admin who is no learner (their export holds the group)
    await ok(admin, "group", "create", name="Owls", pathway=SEED)

    # alice: enrolled in the group, every way of completing an item, and an /undo
    enrolled = await ok(alice, "enroll", pathway=SEED, group="Owls")
    await emu.wait_for_dm(alice, lambda m: "Welcome" in m.content)
    await ok(alice, "done", task="week-jupyter-setup")
    tasks = await ok(alice, "tasks")
    select = next(i for i in custom_ids(tasks.components) if i.startswith("pb:sel:"))
    first_option = next(
        c["options"][0]["value"]
        for row in tasks.components
        for c in row["components"]
        if c.get("custom_id") == select
    )
    picked = await emu.click(alice, tasks.message, select, values=[first_option])
    assert "✅" in picked.content, picked.content
    await ok(alice, "done", task="skill-mlops")
    undone = await ok(alice, "undo", task="skill-mlops")
    assert "open again" in undone.content
    assert "enrolled" in enrolled.content

    # bob: in the group, one item done, his own reminder preferences, paused after a pause
    # that ended (two pause rows)
    await ok(bob, "enroll", pathway=SEED, group="Owls")
    await emu.wait_for_dm(bob, lambda m: "Welcome" in m.content)
    await ok(bob, "done", task="week-jupyter-setup")
    await ok(bob, "reminders", "set", day="tue", time="18:30", timezone="Asia/Kolkata")
    await ok(bob, "reminders", "pause")
    await ok(bob, "reminders", "resume")
    await ok(bob, "reminders", "pause")

    # carol: DMs closed, so no DM channel; her reminder falls back to the digest channel
    closed = await ok(carol, "enroll", pathway=SEED)
    await closed.wait_followup()

    # dave: enrolled in a DM (no guild), then left
    await ok(dave, "enroll", pathway=SEED, in_dm=True)
    await emu.wait_for_dm(dave, lambda m: "Welcome" in m.content)
    leave = await ok(dave, "leave", pathway=SEED, in_dm=True)
    confirm = next(i for i in custom_ids(leave.components) if i.startswith("pb:leave:"))
    assert (await emu.click(dave, leave.message, confirm)).acknowledged

    # erin: hidden from leaderboards, a learner with no enrolment
    await ok(erin, "me", "visibility", mode="hidden")

    # deliveries: this week's digests (the group, and carol's cohort) in the digest channel
    await ok(admin, "setup", "digest-channel", channel=channel)
    digests = "SELECT COUNT(*) FROM deliveries WHERE kind = 'digest' AND status = 'sent'"
    await poll(lambda: count(bot, digests) >= 2, what="two digests sent")

    # the weekly reminders: alice's DM, carol's skipped one and her fallback mention
    bot.make_due()
    dm = await emu.wait_for_dm(alice, is_reminder, timeout=20)
    fallback = "SELECT COUNT(*) FROM deliveries WHERE kind = 'fallback' AND status = 'sent'"
    await poll(lambda: count(bot, fallback) == 1, what="carol's fallback mention")
    ids = custom_ids(dm.components)
    clicked = await emu.click(alice, dm, next(i for i in ids if i.startswith("pb:done:")))
    assert clicked.content.startswith("✅ Done"), clicked.content
    snooze = next(i for i in ids if i.startswith("pb:snooze:"))
    snoozed = await emu.click(alice, dm, snooze)
    assert snoozed.content.startswith("💤 Snoozed"), snoozed.content

    # carol was told privately at /enroll that her DMs are closed; her next command does
    # not tell her again, and her record stays (only a DM that gets through lifts it)
    await ok(carol, "tasks")


async def test_migrate_db_then_the_bot_runs_on_postgres_and_exports_match(
    emu: Emulator, tmp_path: Path
) -> None:
    owner = emu.add_user("owner")
    guild = emu.add_guild("Learners", owner)
    people = {
        name: emu.add_user(name, dms_open=name != "carol")
        for name in ("admin", "alice", "bob", "carol", "dave", "erin")
    }
    for name, user in people.items():
        perms = Permission.MANAGE_GUILD if name == "admin" else None
        emu.add_member(guild, user, permissions=perms)
    (tmp_path / "sqlite").mkdir()
    (tmp_path / "pg").mkdir()
    target = await create_database()
    url = url_for(target)
    on_sqlite = BotProcess(emu, tmp_path / "sqlite", DIGEST_CHECK_SECONDS="0.5")
    # the bot on PostgreSQL later: same emulator, same users, a directory of its own
    on_postgres = BotProcess(emu, tmp_path / "pg", DIGEST_CHECK_SECONDS="0.5", DATABASE_URL=url)
    source = on_sqlite.db_path
    try:
        await on_sqlite.start()
        await fill_every_table(emu, on_sqlite, guild, people)
        await on_sqlite.wait_ticks(2)  # the sweeps have nothing left to do

        # Every table has rows: a table added to the schema without a way to fill it here,
        # or one migrate-db does not copy, fails this test.
        rows = sqlite_tables(source)
        assert set(rows) == set(TABLES), "a table migrate-db does not copy, or copies in vain"
        assert {t for t, r in rows.items() if not r} == set(), rows
        # ... and the rarer shapes of them, all made above
        statuses = {r[6] for r in rows["enrolments"]}
        assert statuses == {"active", "paused", "left"}, statuses
        assert {r[3] for r in rows["completions"]} == {"command", "button", "select"}
        assert {(r[1], r[5]) for r in rows["deliveries"]} >= {
            ("reminder", "sent"),
            ("reminder", "pending"),  # the snooze
            ("reminder", "skipped"),  # carol's, DMs closed
            ("fallback", "sent"),
            ("digest", "sent"),
        }
        assert {r[4] is None for r in rows["learners"]} == {True, False}  # DM channel or not
        assert any(r[2] is None for r in rows["enrolments"])  # enrolled in a DM
        assert any(r[3] is None for r in rows["enrolment_pauses"])  # a pause still open
        assert [r[0] for r in rows["meta"]] == ["command_tree_hash:global"]

        on_sqlite_exports = {name: await export(emu, user, guild) for name, user in people.items()}
        assert on_sqlite_exports["admin"][1]["groups_created"], "the admin's group"
        assert on_sqlite_exports["admin"][1]["learner"] is None
        assert len(on_sqlite_exports["alice"][1]["completions"]) == 3
        assert on_sqlite_exports["bob"][1]["enrolments"][0]["status"] == "paused"
        assert on_sqlite_exports["erin"][1]["enrolments"] == []
        assert await on_sqlite.stop() == 0
        syncs = emu.counters.command_syncs

        # the copy
        rows = sqlite_tables(source)
        before = fingerprint(source)
        status, out, err = await migrate_db(on_sqlite, url)
        assert status == 0, err
        assert printed_counts(out) == {t: len(rows[t]) for t in TABLES}, out
        assert f"copied {sum(len(r) for r in rows.values())} rows" in err, err
        assert fingerprint(source) == before, "migrate-db changed its source"
        assert await pg_tables(url) == rows, "a row reads back differently"

        # the bot on PostgreSQL: every learner's export reads as it did on SQLite
        on_postgres.pin(on_sqlite.now())  # the same calendar, carried on
        await on_postgres.start()
        assert emu.counters.command_syncs == syncs, "the copied tree hash spares a re-sync"
        for name, user in people.items():
            again = await export(emu, user, guild)
            assert without_moment(again) == without_moment(on_sqlite_exports[name]), name
            assert again[1]["exported_at"] > on_sqlite_exports[name][1]["exported_at"]

        # and it writes there: a /done lands in PostgreSQL, an /enroll gets an unused id
        alice, erin = people["alice"], people["erin"]
        done = await emu.run_command(
            alice, "done", guild=guild, options={"task": "q-kaggle-competition"}
        )
        assert "Done" in done.content, done.content
        enrolled = await emu.run_command(erin, "enroll", guild=guild, options={"pathway": SEED})
        assert "enrolled" in enrolled.content, enrolled.content
        conn = await asyncpg.connect(url)
        try:
            landed = await conn.fetchval(
                "SELECT COUNT(*) FROM completions AS c JOIN enrolments AS e"
                " ON e.id = c.enrolment_id WHERE e.user_id = $1 AND c.item_id = $2",
                alice.id,
                "week-read-hands-on-ml-ch1",
            )
            new_id = await conn.fetchval("SELECT id FROM enrolments WHERE user_id = $1", erin.id)
        finally:
            await conn.close()
        assert landed == 1
        assert new_id > max(r[0] for r in rows["enrolments"])
        await on_postgres.wait_ticks(1)
        assert await on_postgres.stop() == 0
        assert not on_postgres.db_path.exists(), "no SQLite file beside the PostgreSQL bot"

        # a second copy into the now non-empty database is refused and changes nothing
        copied = await pg_tables(url)
        status, out, err = await migrate_db(on_sqlite, url)
        assert status == 2, (status, out, err)
        assert "is not empty" in err and "migrate-db copies only into an empty database" in err
        assert out == ""
        assert await pg_tables(url) == copied
        assert fingerprint(source) == before
    finally:
        await on_sqlite.kill()
        await on_postgres.kill()
        await drop_database(target)
    assert not emu.schema_violations, emu.schema_violations
    assert not emu.failed_interactions, emu.failed_interactions
