"""Standing counters (migrations 003 and 012): kept exactly, backfilled exactly, read by index.

Every counter is recomputed here from scratch, from completions, enrolments, learners and
group_members, and compared with what the triggers kept, after a randomized run of writes
through the public store API on both engines; the backfill in migration 012 must give the
same values; and the all-time boards must walk the indexes made for them.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.errors import AlreadyExists, Forbidden, InvalidInput, NotEnrolled, NotFound
from bot.core.leaderboard import Entry, rank
from bot.core.models import CompletionSource, LeaderboardRow, Visibility
from bot.store import Database, Store, codec, migrations
from bot.store.backend import Backend, SqlValue
from bot.store.leaderboards import (
    _AHEAD_IN_GROUP,
    _AHEAD_ON_PATHWAY,
    _GROUP_BOARD,
    _PATHWAY_BOARD,
)
from bot.store.postgres import migrations as pg_migrations
from bot.store.postgres.db import PgDatabase
from tests import bulk_load as bulk

from .backends import BACKENDS, Target, fresh_target
from .values import NOW, START, complete, uncomplete

GUILDS = (100, 200)
PATHWAYS = ("data-analyst", "ux-designer")
USERS = range(1, 13)
ITEMS = tuple(f"item-{n}" for n in range(8))


async def recomputed(db: Backend) -> dict[str, Any]:
    """Every counter from the source tables, by Python, not by the triggers' SQL."""
    async with db.read() as tx:
        completions = await tx.fetchall(
            "SELECT enrolment_id, completed_at, points FROM completions"
        )
        enrolments = await tx.fetchall("SELECT id, user_id, status FROM enrolments")
        learners = await tx.fetchall("SELECT user_id, visibility FROM learners")
        members = await tx.fetchall("SELECT group_id, enrolment_id FROM group_members")
    visibility = {row[0]: row[1] for row in learners}
    totals: dict[int, list[Any]] = {row[0]: [0, 0, None] for row in enrolments}
    for eid, at, points in completions:
        total = totals[eid]
        total[0] += points
        total[1] += 1
        total[2] = at if total[2] is None else max(total[2], at)
    of = {row[0]: row for row in enrolments}
    return {
        "enrolments": {
            eid: (*totals[eid], int(visibility.get(user) == "shown")) for eid, user, _ in enrolments
        },
        "group_members": {
            (gid, eid): (of[eid][1], *totals[eid], int(of[eid][2] != "left"))
            for gid, eid in members
        },
    }


async def maintained(db: Backend) -> dict[str, Any]:
    """The counters as the triggers (or the backfill) left them."""
    async with db.read() as tx:
        enrolments = await tx.fetchall(
            "SELECT id, points_total, completions_total, last_completed_at, shown FROM enrolments"
        )
        members = await tx.fetchall(
            "SELECT group_id, enrolment_id, user_id, points, completions, reached_at, on_pathway"
            " FROM group_members"
        )
    return {
        "enrolments": {row[0]: tuple(row[1:]) for row in enrolments},
        "group_members": {(row[0], row[1]): tuple(row[2:]) for row in members},
    }


async def random_writes(store: Store, rng: random.Random, steps: int) -> list[str]:
    """Writes of every kind that moves a counter, in a random order; the log says which."""
    log: list[str] = []
    groups: dict[tuple[int, str], int] = {}  # (guild, pathway): a group there
    for guild in GUILDS:
        for pathway in PATHWAYS:
            group = await store.groups.create(guild, f"g-{guild}-{pathway}", pathway, START, NOW)
            groups[(guild, pathway)] = group.id
    for step in range(steps):
        now = NOW + timedelta(minutes=step)
        user = rng.choice(USERS)
        where: int | None = rng.choice((*GUILDS, None))
        pathway = rng.choice(PATHWAYS)
        action = rng.choice(
            (
                "enrol", "enrol", "record", "record", "record", "record", "insert", "remove",
                "undo", "join", "join", "leave-group", "leave", "visibility", "move", "pause",
                "complete", "delete-user",
            )
        )  # fmt: skip
        mine = await store.enrolments.list_for_user(user)
        found = rng.choice(mine) if mine else None
        try:
            if action == "enrol":
                await store.enrolments.enrol(user, where, pathway, "sha256:x", START, now)
            elif found is None or (action == "delete-user" and rng.random() < 0.7):
                continue
            elif action in ("record", "insert"):
                item, points = rng.choice(ITEMS), rng.choice((0, 5, 10, 20))
                at = now - timedelta(days=rng.randint(0, 30))
                if action == "record":
                    await complete(store, found.id, item, at, points=points)
                else:
                    source = rng.choice(list(CompletionSource))
                    await store.completions.insert(found.id, item, at, source, points)
            elif action == "remove":
                await store.completions.remove(found.id, rng.choice(ITEMS))
            elif action == "undo":
                await uncomplete(store, found.id, rng.choice(ITEMS))
            elif action == "join" and found.guild_id is not None:
                await store.groups.join(groups[(found.guild_id, found.pathway_id)], user, now)
            elif action == "leave-group" and found.guild_id is not None:
                await store.groups.leave(groups[(found.guild_id, found.pathway_id)], user)
            elif action == "leave":
                await store.enrolments.leave(found.id, now)
            elif action == "visibility":
                await store.learners.set_visibility(
                    user, rng.choice((Visibility.SHOWN, Visibility.HIDDEN)), now
                )
            elif action == "move" and found.guild_id is None and found.status != "left":
                # as /enroll in a server does with a DM enrolment still followed
                await store.enrolments.move_to_guild(found.id, rng.choice(GUILDS), now)
            elif action == "pause":
                await store.enrolments.pause(found.id, now)
            elif action == "complete":
                await store.enrolments.mark_completed(found.id, now)
            elif action == "delete-user":
                await store.privacy.delete_user(user)
            else:
                continue
            log.append(f"{action} u{user} e{found.id if found else None}")
        except (AlreadyExists, Forbidden, InvalidInput, NotEnrolled, NotFound):
            log.append(f"{action} u{user}: refused")
    return log


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_counters_equal_a_recount_after_random_writes(store: Store, seed: int) -> None:
    rng = random.Random(seed)
    log = await random_writes(store, rng, steps=400)
    expected, found = await recomputed(store.db), await maintained(store.db)
    assert found == expected, "\n".join(log[-20:])
    # the run did exercise memberships, scores and visibility (the test could fail)
    assert any(member[1] for member in found["group_members"].values())
    assert sum(1 for line in log if line.startswith("leave ") and "refused" not in line) > 3
    assert {v[3] for v in found["enrolments"].values()} == {0, 1}
    assert sum(1 for line in log if line.startswith("join") and "refused" not in line) > 3


@pytest.mark.parametrize("seed", [5, 6])
async def test_boards_equal_ranking_every_row(store: Store, seed: int) -> None:
    """The counted boards give what ranking every member's row in Python gave (the
    service's group board before the counters, bot/core/leaderboard.py): same rows, same
    order within ties, same ranks, the same viewer rank, totals and hidden counts."""
    await random_writes(store, random.Random(seed), steps=400)
    async with store.db.read() as tx:
        groups = [int(row[0]) for row in await tx.fetchall("SELECT id FROM study_groups")]
    for top in (3, 10):
        for group_id in groups:
            rows = await store.leaderboards.for_group(group_id)
            everyone = rank([_entry(r, True) for r in rows])
            for viewer in (*USERS, 99):
                board = await store.leaderboards.top_for_group(group_id, viewer, top)
                assert [(r, _entry(row, True)) for r, row in board.shown] == [
                    (x.rank, x.entry) for x in everyone[:top]
                ]
                me = next(((x.rank, x.entry) for x in everyone if x.entry.user_id == viewer), None)
                mine = board.mine and (board.mine[0], _entry(board.mine[1], True))
                assert (mine, board.total, board.hidden) == (me, len(rows), 0)
        for guild in GUILDS:
            for pathway in PATHWAYS:
                rows = await store.leaderboards.for_pathway(guild, pathway)
                entries = [_entry(r) for r in rows]
                shown = rank([e for e in entries if e.visible])[:top]
                everyone = rank(entries)
                for viewer in (*USERS, 99):
                    board = await store.leaderboards.top_for_pathway(guild, pathway, viewer, top)
                    assert [(r, _entry(row)) for r, row in board.shown] == [
                        (x.rank, x.entry) for x in shown
                    ]
                    me = next(
                        ((x.rank, x.entry) for x in everyone if x.entry.user_id == viewer), None
                    )
                    mine = board.mine and (board.mine[0], _entry(board.mine[1]))
                    hidden = sum(1 for e in entries if not e.visible)
                    assert (mine, board.total, board.hidden) == (me, len(rows), hidden)


def _entry(row: LeaderboardRow, visible: bool | None = None) -> Entry:
    shown = row.visibility is Visibility.SHOWN if visible is None else visible
    return Entry(row.user_id, float(row.points), row.reached_at, shown)


async def test_a_member_who_leaves_the_pathway_drops_out_and_returns_with_points(
    store: Store,
) -> None:
    group = await store.groups.create(100, "Owls", "p", START, NOW)
    first = (await store.enrolments.enrol(1, 100, "p", "h", START, NOW)).enrolment
    await store.enrolments.enrol(2, 100, "p", "h", START, NOW)
    for user in (1, 2):
        await store.groups.join(group.id, user, NOW)
    await complete(store, first.id, "a", NOW, points=30)
    board = await store.leaderboards.top_for_group(group.id, viewer=1)
    assert [(r, row.user_id, row.points) for r, row in board.shown] == [(1, 1, 30), (2, 2, 0)]
    await store.enrolments.leave(first.id, NOW)
    board = await store.leaderboards.top_for_group(group.id, viewer=1)
    assert [row.user_id for _, row in board.shown] == [2] and board.mine is None
    assert board.total == 1
    restored = await store.enrolments.enrol(1, 100, "p", "h", START, NOW + timedelta(days=1))
    assert restored.restored
    board = await store.leaderboards.top_for_group(group.id, viewer=1)
    assert board.mine is not None and board.mine[0] == 1 and board.mine[1].points == 30
    assert await maintained(store.db) == await recomputed(store.db)


async def test_counters_follow_hand_made_fixes(store: Store) -> None:
    """Writes no bot path makes but an operator might: a completion updated or moved to
    another enrolment, a membership moved to another group or another enrolment."""
    group = await store.groups.create(100, "Owls", "p", START, NOW)
    other = await store.groups.create(100, "Larks", "p", START, NOW)
    ids = [
        (await store.enrolments.enrol(u, 100, "p", "h", START, NOW)).enrolment.id for u in (1, 2, 3)
    ]
    for user in (1, 2):
        await store.groups.join(group.id, user, NOW)
    await complete(store, ids[0], "a", NOW, points=10)
    await complete(store, ids[0], "b", NOW + timedelta(hours=1), points=20)
    await complete(store, ids[2], "a", NOW, points=7)
    fixes: list[tuple[str, tuple[SqlValue, ...]]] = [
        ("UPDATE completions SET points = 15 WHERE enrolment_id = ? AND item_id = 'a'",
         (ids[0],)),
        ("UPDATE completions SET enrolment_id = ? WHERE enrolment_id = ? AND item_id = 'b'",
         (ids[1], ids[0])),
        ("UPDATE group_members SET group_id = ? WHERE enrolment_id = ?", (other.id, ids[1])),
        ("UPDATE group_members SET enrolment_id = ? WHERE enrolment_id = ?", (ids[2], ids[0])),
        ("DELETE FROM completions WHERE enrolment_id = ?", (ids[2],)),
    ]  # fmt: skip
    for sql, params in fixes:
        async with store.db.write() as tx:
            await tx.execute(sql, params)
        assert await maintained(store.db) == await recomputed(store.db), sql
    board = await store.leaderboards.top_for_group(other.id, viewer=2)
    assert [(r, row.user_id, row.points) for r, row in board.shown] == [(1, 2, 20)]


async def test_counters_follow_the_bulk_loaders(store: Store) -> None:
    await bulk.load_learners(store.db, [1, 2, 3], NOW)
    await store.learners.set_visibility(2, Visibility.SHOWN, NOW)
    await bulk.load_enrolments(
        store.db,
        [
            (10, 1, 100, "p", START, NOW),
            (11, 2, 100, "p", START, None),
            (12, 3, 100, "p", START, None),
        ],
        NOW,
    )
    await bulk.load_completions(
        store.db, [(10, "a", NOW, 5), (10, "b", NOW + timedelta(hours=1), 7), (11, "a", NOW, 1)]
    )
    group = await store.groups.create(100, "g", "p", START, NOW)
    await bulk.load_memberships(store.db, group.id, [10, 11, 12], NOW)
    await bulk.load_completions(store.db, [(12, "a", NOW, 3)])
    found = await maintained(store.db)
    assert found == await recomputed(store.db)
    assert found["group_members"][(group.id, 10)][1:4] == (12, 2, _instant(NOW, hours=1))
    assert found["enrolments"][11][3] == 1  # the learner's visibility, set before enrolling


def _instant(at: datetime, hours: int = 0) -> int:
    return codec.instant(at + timedelta(hours=hours))


# --- the backfill ----------------------------------------------------------------------------


async def _raw(target: Target) -> Backend:
    if target.url is not None:
        return await PgDatabase.open(target.url)
    return await Database.open(target.path)


async def _upgrade(db: Backend, up_to: int) -> int:
    if isinstance(db, PgDatabase):
        return await pg_migrations.upgrade(db, up_to=up_to)
    assert isinstance(db, Database)
    return await migrations.upgrade(db, up_to=up_to)


async def _written_at_v11(db: Backend, rng: random.Random) -> None:
    """Rows as a v11 database holds them, written with plain SQL: today's store code reads
    columns that later migrations add, so it cannot write to a v11 schema."""
    users = list(USERS)
    await bulk.load_learners(db, users, NOW)
    rows, eid = [], 0
    for user in users:
        for pathway in PATHWAYS:  # one enrolment per pathway (006)
            eid += 1
            rows.append((eid, user, rng.choice(GUILDS), pathway, START, None))
    await bulk.load_enrolments(db, rows, NOW)
    await bulk.load_completions(
        db,
        (
            (e, item, NOW - timedelta(days=rng.randint(0, 30)), rng.choice((0, 5, 10, 20)))
            for e, *_ in rows
            for item in rng.sample(ITEMS, k=rng.randint(0, len(ITEMS)))
        ),
    )
    async with db.write() as tx:
        for user in rng.sample(users, k=len(users) // 2):
            await tx.execute("UPDATE learners SET visibility = 'shown' WHERE user_id = ?", (user,))
        for e, *_ in rng.sample(rows, k=len(rows) // 4):
            await tx.execute("UPDATE enrolments SET status = 'left' WHERE id = ?", (e,))
        for guild in GUILDS:
            for pathway in PATHWAYS:
                await tx.execute(
                    "INSERT INTO study_groups (guild_id, name, name_key, pathway_id,"
                    " cohort_start, created_by, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
                    (guild, f"g-{guild}-{pathway}", f"g-{guild}-{pathway}", pathway,
                     codec.day(START), codec.instant(NOW)),
                )  # fmt: skip
        groups = {
            (row[1], row[2]): row[0]
            for row in await tx.fetchall("SELECT id, guild_id, pathway_id FROM study_groups")
        }
        for e, _, guild, pathway, *_ in rows:
            if rng.random() < 0.6:
                await tx.execute(
                    "INSERT INTO group_members (group_id, enrolment_id, joined_at)"
                    " VALUES (?, ?, ?)",
                    (groups[(guild, pathway)], e, codec.instant(NOW)),
                )
        # drift that only a recount repairs
        await tx.execute("UPDATE enrolments SET points_total = points_total + 1")


@pytest.mark.parametrize("backend", BACKENDS)
async def test_backfill_gives_the_recount(backend: str, db_path: Path) -> None:
    """A database written before 012 (with drifted totals, as a hand-made fix may leave
    them) is upgraded: every counter equals the recount from the source tables."""
    async with fresh_target(backend, db_path, schema=False) as target:
        db = await _raw(target)
        try:
            await _upgrade(db, up_to=11)
            await _written_at_v11(db, random.Random(4))
            assert await _upgrade(db, up_to=12) == 12
            found = await maintained(db)
            assert found == await recomputed(db)
            assert found["group_members"] and any(v[3] for v in found["enrolments"].values())
            assert any(v[1] for v in found["group_members"].values())
            assert any(not v[4] for v in found["group_members"].values()), "someone left"
        finally:
            await db.close()


# --- the plans ---------------------------------------------------------------------------------


def _boards(group_id: int) -> dict[str, tuple[str, tuple[SqlValue, ...]]]:
    return {
        "group": (_GROUP_BOARD, (group_id, 30, 10)),
        "pathway": (_PATHWAY_BOARD, (100, "p0", 30, 10)),
        # /done's rank read for a learner near the top (points here are at most 12): a few
        # rows of the rank index. With most of the scope ahead, a planner may rather read
        # the scope's rows (never the table's): the count is of them all either way.
        "rank-group": (_AHEAD_IN_GROUP, (30, 13, 11, group_id)),
        "rank-pathway": (_AHEAD_ON_PATHWAY, (30, 13, 11, 100, "p0")),
    }


async def _loaded(store: Store, learners: int = 4000) -> int:
    """A server of ten pathways with a study group each, large enough that a planner
    prefers an index to reading a whole table; the id of pathway p0's group."""
    users = range(1, learners + 1)
    await bulk.load_learners(store.db, users, NOW)
    await bulk.load_enrolments(
        store.db, ((u, u, 100, f"p{u % 10}", START, None) for u in users), NOW
    )
    await bulk.load_completions(
        store.db, ((u, f"i{n}", NOW + timedelta(minutes=n), u % 7) for u in users for n in (1, 2))
    )
    first = 0
    for k in range(10):
        group = await store.groups.create(100, f"Big {k}", f"p{k}", START, NOW)
        await bulk.load_memberships(store.db, group.id, [u for u in users if u % 10 == k], NOW)
        first = first or group.id
    return first


@pytest.mark.sqlite_only("SQLite's EXPLAIN QUERY PLAN; the PostgreSQL twin is below")
@pytest.mark.parametrize("analyzed", [False, True], ids=["no-stats", "analyzed"])
async def test_sqlite_boards_are_index_range_scans(store: Store, analyzed: bool) -> None:
    """With and without sqlite_stat1 (PRAGMA optimize may write it): the same plans."""
    group_id = await _loaded(store)
    if analyzed:
        async with store.db.write() as tx:
            await tx.execute("ANALYZE")
    async with store.db.read() as tx:
        for name, (sql, params) in _boards(group_id).items():
            plan = [row[3] for row in await tx.fetchall("EXPLAIN QUERY PLAN " + sql, params)]
            text = "\n".join(plan)
            # only the few rows a subquery already picked are scanned, never a table
            scans = [s for s in plan if s.startswith("SCAN ")]
            assert set(scans) <= {"SCAN t", "SCAN me", "SCAN CONSTANT ROW"}, (name, text)
            assert "MATERIALIZED" not in text and "TEMP B-TREE" not in text, (name, text)
            index = "enrolments_board" if "pathway" in name else "group_members_board"
            if name.startswith("rank"):
                assert f"COVERING INDEX {index}" in text, (name, text)
            else:
                assert f"USING INDEX {index}" in text, (name, text)
                assert f"USING COVERING INDEX {index}" in text, (name, text)


async def test_postgres_boards_are_index_scans(backend: str, store: Store) -> None:
    if backend != "postgres":
        pytest.skip("PostgreSQL's EXPLAIN; the SQLite twin is above")
    group_id = await _loaded(store)
    async with store.db.write() as tx:
        await tx.execute("ANALYZE")
    async with store.db.read() as tx:
        for name, (sql, params) in _boards(group_id).items():
            rows = await tx.fetchall("EXPLAIN (FORMAT JSON) " + sql, params)
            nodes = list(_nodes(json.loads(rows[0][0])[0]["Plan"]))
            scans = {(n["Node Type"], n.get("Relation Name"), n.get("Index Name")) for n in nodes}
            whole = {"enrolments", "group_members", "learners", "completions"}
            assert not [s for s in scans if s[0] == "Seq Scan" and s[1] in whole], (name, scans)
            assert not [n for n in nodes if n["Node Type"] == "Sort"], (name, scans)
            used = {s[2] for s in scans}
            index = "enrolments_board" if "pathway" in name else "group_members_board"
            assert index in used, (name, scans)


def _nodes(plan: dict[str, Any]) -> Any:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)
