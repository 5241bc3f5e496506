"""Leaderboard reads: points, counts and time reached per enrolment, within a window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.models import LeaderboardRow, Visibility
from bot.store import Store
from bot.store.leaderboards import (
    _AHEAD_IN_GROUP,
    _AHEAD_ON_PATHWAY,
    _GROUP_ALL_TIME,
    _GROUP_WINDOW,
    _PATHWAY_WINDOW,
)

from .values import NOW, START, Enrol, complete

DAY = timedelta(days=1)
PATHWAY = "data-analyst"


async def _setup(store: Store, enrol: Enrol) -> tuple[int, dict[int, int]]:
    """Users 1-4 on the pathway in guild 100 (1-3 in the group), 5 in another guild."""
    group = await store.groups.create(100, "Owls", PATHWAY, START, NOW)
    ids = {}
    for user in (1, 2, 3, 4):
        ids[user] = (await enrol(user)).id
    ids[5] = (await enrol(5, 200)).id
    for user in (1, 2, 3):
        await store.groups.join(group.id, user, NOW)

    async def record(*args: Any, **kwargs: Any) -> None:
        await complete(store, *args, **kwargs)

    await record(ids[1], "a", NOW, points=10)
    await record(ids[1], "b", NOW + DAY, points=20)
    await record(ids[1], "c", NOW + 3 * DAY, points=5)
    await record(ids[2], "a", NOW + DAY, points=10)
    await record(ids[4], "a", NOW, points=50)
    await record(ids[5], "a", NOW, points=70)
    for user in (1, 3, 4, 5):  # visibility is opt-in (migration 009): they opted in
        await store.learners.set_visibility(user, Visibility.SHOWN, NOW)
    await store.learners.set_visibility(2, Visibility.HIDDEN, NOW)
    return group.id, ids


async def test_group_all_time(store: Store, enrol: Enrol) -> None:
    group_id, ids = await _setup(store, enrol)
    rows = sorted(await store.leaderboards.for_group(group_id))
    assert rows == [
        LeaderboardRow(ids[1], 1, 35, 3, NOW + 3 * DAY, Visibility.SHOWN),
        LeaderboardRow(ids[2], 2, 10, 1, NOW + DAY, Visibility.HIDDEN),
        LeaderboardRow(ids[3], 3, 0, 0, None, Visibility.SHOWN),
    ]


async def test_group_window_is_half_open(store: Store, enrol: Enrol) -> None:
    group_id, _ = await _setup(store, enrol)
    rows = sorted(
        await store.leaderboards.for_group(group_id, since=NOW + DAY, until=NOW + 3 * DAY)
    )
    assert [(r.user_id, r.points, r.completions, r.reached_at) for r in rows] == [
        (1, 20, 1, NOW + DAY),
        (2, 10, 1, NOW + DAY),
        (3, 0, 0, None),
    ]
    only_until = sorted(await store.leaderboards.for_group(group_id, until=NOW + DAY))
    assert [(r.user_id, r.points) for r in only_until] == [(1, 10), (2, 0), (3, 0)]


async def test_pathway_board_spans_the_guild_not_other_guilds(store: Store, enrol: Enrol) -> None:
    _, ids = await _setup(store, enrol)
    rows = sorted(await store.leaderboards.for_pathway(100, PATHWAY))
    assert [(r.enrolment_id, r.points) for r in rows] == [
        (ids[1], 35),
        (ids[2], 10),
        (ids[3], 0),
        (ids[4], 50),
    ]
    week = sorted(await store.leaderboards.for_pathway(100, PATHWAY, since=NOW + DAY))
    assert [(r.user_id, r.points) for r in week] == [(1, 25), (2, 10), (3, 0), (4, 0)]
    assert await store.leaderboards.for_pathway(100, "ux-designer") == []
    # the cohort a channel digest shows beside the groups: those in no study group
    ungrouped = await store.leaderboards.for_pathway_ungrouped(100, PATHWAY)
    assert [(r.enrolment_id, r.points) for r in ungrouped] == [(ids[4], 50)]


async def test_left_enrolments_drop_out(store: Store, enrol: Enrol) -> None:
    group_id, ids = await _setup(store, enrol)
    await store.enrolments.leave(ids[1], NOW)
    assert {r.user_id for r in await store.leaderboards.for_group(group_id)} == {2, 3}
    assert {r.user_id for r in await store.leaderboards.for_pathway(100, PATHWAY)} == {2, 3, 4}


@pytest.mark.sqlite_only("SQLite's query plan")
async def test_boards_walk_indexes_not_tables(store: Store) -> None:
    """Cost must grow with the group: no full scan of completions or enrolments."""
    async with store.db.read() as tx:
        for sql, params in [
            (_GROUP_ALL_TIME, (1,)),
            (_GROUP_WINDOW, (0, 1, 1)),
            (_PATHWAY_WINDOW, (0, 1, 1, "p")),
            (_AHEAD_IN_GROUP, (1, 10, 5, 1)),
            (_AHEAD_ON_PATHWAY, (1, 10, 5, 1, "p")),
        ]:
            plan = [row[3] for row in await tx.fetchall("EXPLAIN QUERY PLAN " + sql, params)]
            assert not [s for s in plan if s.startswith("SCAN")], plan
            if sql in (_GROUP_WINDOW, _PATHWAY_WINDOW):
                assert any("COVERING INDEX completions_by_time" in step for step in plan), plan


async def test_ranked_top_ties_hidden_and_the_viewer(store: Store, enrol: Enrol) -> None:
    group = await store.groups.create(100, "Ties", PATHWAY, START, NOW)
    ids = {u: (await enrol(u)).id for u in range(1, 8)}
    for u in ids:
        await store.groups.join(group.id, u, NOW)
    points = {1: 50, 2: 30, 3: 30, 4: 10, 5: 90, 6: 5, 7: 0}
    for u, p in points.items():
        if p:
            # user 3 reaches 30 before user 2 does: 3 is listed first within the tie
            at = NOW + (DAY if u == 2 else timedelta(0))
            await complete(store, ids[u], "a", at, points=p)
    for u in ids:  # visibility is opt-in (migration 009): all but user 5 opted in
        await store.learners.set_visibility(
            u, Visibility.HIDDEN if u == 5 else Visibility.SHOWN, NOW
        )

    # the pathway in the server: only shown learners are listed, ranked among themselves
    board = await store.leaderboards.top_for_pathway(100, PATHWAY, viewer=6, top=3)
    assert [(r, row.user_id) for r, row in board.shown] == [(1, 1), (2, 3), (2, 2)]
    assert board.total == 7 and board.hidden == 1
    assert board.mine is not None and board.mine[0] == 6 and board.mine[1].user_id == 6
    # a hidden viewer still learns their own rank among everyone
    hidden = await store.leaderboards.top_for_pathway(100, PATHWAY, viewer=5, top=3)
    assert hidden.mine is not None and hidden.mine[0] == 1
    assert hidden.mine[1].visibility is Visibility.HIDDEN
    assert all(row.user_id != 5 for _, row in hidden.shown)
    # a study group shows every member to the group: user 5 is listed there
    group_board = await store.leaderboards.top_for_group(group.id, viewer=6, top=3)
    assert [(r, row.user_id) for r, row in group_board.shown] == [(1, 5), (2, 1), (3, 3)]
    assert group_board.total == 7 and group_board.hidden == 0
    assert group_board.mine is not None and group_board.mine[0] == 6
    assert group_board.shown[0][1].visibility is Visibility.HIDDEN  # their own setting
    # top 5 reaches the tie at 30: 3 first (reached it first), both ranked 3rd
    five = await store.leaderboards.top_for_group(group.id, viewer=7, top=5)
    assert [(r, row.user_id) for r, row in five.shown] == [(1, 5), (2, 1), (3, 3), (3, 2), (5, 4)]
    assert five.mine is not None and five.mine[0] == 7 and five.mine[1].reached_at is None
    # someone in no group, or not on the pathway, has no row
    assert (await store.leaderboards.top_for_group(group.id, viewer=99)).mine is None
    # windows apply too; the pathway scope is the same shape
    week = await store.leaderboards.top_for_group(group.id, viewer=2, since=NOW + DAY)
    assert [(r, row.user_id) for r, row in week.shown][:1] == [(1, 2)] and week.hidden == 0
    window = await store.leaderboards.top_for_pathway(100, PATHWAY, viewer=2, since=NOW + DAY)
    assert [(r, row.user_id) for r, row in window.shown][:1] == [(1, 2)]


async def test_rank_change_counts_who_is_ahead_before_and_after(store: Store, enrol: Enrol) -> None:
    _, ids = await _setup(store, enrol)

    async def rank(user: int, before: int, after: int) -> tuple[str | None, int, int]:
        locked = await store.completions.lock(ids[user])  # where the learner ranks
        assert locked is not None
        read = await store.leaderboards.rank_change(
            ids[user], 100, PATHWAY, locked.group, before, after
        )
        return read.group_name, read.before, read.after

    # In the group: 1 has 35, 2 has 10 (hidden, still counted), 3 has 0. User 3 scores 20.
    result = await complete(store, ids[3], "a", NOW, points=20)
    assert result.points_before == 0
    assert await rank(3, 0, 20) == ("Owls", 3, 2)
    # On the pathway in guild 100 (user 4 has no group): 50 vs 35, 20, 10 -> first.
    assert await rank(4, 0, 50) == (None, 4, 1)
    # User 1 is in the group; outside it, another guild's 70 points never count either.
    assert await rank(2, 0, 10) == ("Owls", 3, 3)
