"""Enrolments: creation, the one-per-(user, guild, pathway) rule, life cycle and due sweeps."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from bot.core.errors import AlreadyExists, ErrorCode, InvalidInput, NotEnrolled, NotFound
from bot.core.models import EnrolmentStatus, GuildSettings, Pause, ReminderPrefs
from bot.store import Store
from bot.store.enrolments import _DUE

from .values import NOW, START, Enrol, complete

HOUR = timedelta(hours=1)


async def test_enrol_round_trip(store: Store) -> None:
    result = await store.enrolments.enrol(
        1, 100, "data-analyst", "sha256:abc", START, NOW, next_reminder_at=NOW + HOUR
    )
    assert not result.restored
    e = result.enrolment
    assert (e.user_id, e.guild_id, e.pathway_id, e.pathway_hash) == (
        1,
        100,
        "data-analyst",
        "sha256:abc",
    )
    assert e.start_date == START and e.status is EnrolmentStatus.ACTIVE and e.pauses == ()
    assert e.next_reminder_at == NOW + HOUR and e.created_at == NOW == e.updated_at
    assert e.prefs == ReminderPrefs()
    assert await store.enrolments.get(e.id) == e
    assert await store.enrolments.find(1, 100, "data-analyst") == e
    assert await store.enrolments.get(e.id + 1) is None


async def test_new_learner_gets_guild_default_prefs(store: Store) -> None:
    prefs = ReminderPrefs("Europe/Paris", 3, time(19))
    await store.guilds.set(GuildSettings(100, default_prefs=prefs))
    e = (await store.enrolments.enrol(1, 100, "p", "h", START, NOW)).enrolment
    assert e.prefs == prefs
    # an existing learner keeps their own
    await store.learners.set_prefs(2, ReminderPrefs("UTC", 0, time(6)), NOW)
    e2 = (await store.enrolments.enrol(2, 100, "p", "h", START, NOW)).enrolment
    assert e2.prefs == ReminderPrefs("UTC", 0, time(6))


async def test_one_enrolment_per_user_guild_pathway(enrol: Enrol) -> None:
    await enrol(1, 100)
    with pytest.raises(AlreadyExists):
        await enrol(1, 100)
    with pytest.raises(AlreadyExists):
        await enrol(1, 200)  # another guild: one enrolment per pathway, wherever it lives
    with pytest.raises(AlreadyExists):
        await enrol(1, None)  # nor a second one in DMs
    await enrol(1, 100, pathway_id="ux-designer")  # another pathway
    await enrol(2, 100)  # another user


async def test_dm_enrolment_is_unique_too(enrol: Enrol, store: Store) -> None:
    e = await enrol(1, None)
    assert e.guild_id is None
    with pytest.raises(AlreadyExists):
        await enrol(1, None)
    assert await store.enrolments.find(1, None, "data-analyst") == e
    assert await store.enrolments.find(1, 100, "data-analyst") is None


async def test_list_for_user(enrol: Enrol, store: Store) -> None:
    a = await enrol(1, 100)
    b = await enrol(1, None, pathway_id="ux-designer")
    c = await enrol(1, 200, pathway_id="third-pathway")
    await enrol(2, 100)
    assert await store.enrolments.list_for_user(1) == [a, b, c]
    assert await store.enrolments.list_for_user(1, guild_id=200) == [c]
    assert await store.enrolments.list_for_user(3) == []


async def test_set_start_date_and_next_reminder(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    moved = await store.enrolments.set_start_date(e.id, date(2026, 4, 6), NOW + HOUR)
    assert moved.start_date == date(2026, 4, 6) and moved.updated_at == NOW + HOUR
    await store.enrolments.set_next_reminder_at(e.id, NOW + 2 * HOUR, NOW + HOUR)
    got = await store.enrolments.get(e.id)
    assert got is not None and got.next_reminder_at == NOW + 2 * HOUR
    await store.enrolments.set_next_reminder_at(e.id, None, NOW + HOUR)
    got = await store.enrolments.get(e.id)
    assert got is not None and got.next_reminder_at is None
    with pytest.raises(NotFound):
        await store.enrolments.set_next_reminder_at(e.id + 1, NOW, NOW)
    with pytest.raises(NotFound):
        await store.enrolments.set_start_date(e.id + 1, START, NOW)


async def test_pause_and_resume_record_intervals(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    paused = await store.enrolments.pause(e.id, NOW + HOUR)
    assert paused.status is EnrolmentStatus.PAUSED
    assert paused.pauses == (Pause(NOW + HOUR),)
    with pytest.raises(InvalidInput):
        await store.enrolments.pause(e.id, NOW + HOUR)
    resumed = await store.enrolments.resume(e.id, NOW + 3 * HOUR)
    assert resumed.status is EnrolmentStatus.ACTIVE
    assert resumed.pauses == (Pause(NOW + HOUR, NOW + 3 * HOUR),)
    with pytest.raises(InvalidInput):
        await store.enrolments.resume(e.id, NOW)
    again = await store.enrolments.pause(e.id, NOW + 5 * HOUR)
    assert again.pauses == (Pause(NOW + HOUR, NOW + 3 * HOUR), Pause(NOW + 5 * HOUR))
    with pytest.raises(NotFound):
        await store.enrolments.pause(e.id + 1, NOW)


async def test_leave_then_reenrol_restores_progress(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    await complete(store, e.id, "read-guide", NOW, points=10)
    left = await store.enrolments.leave(e.id, NOW + HOUR)
    assert left.status is EnrolmentStatus.LEFT
    assert left.pauses == (Pause(NOW + HOUR),)  # the time away will not count
    with pytest.raises(NotEnrolled):
        await store.enrolments.leave(e.id, NOW + HOUR)
    with pytest.raises(NotEnrolled):
        await store.enrolments.pause(e.id, NOW + HOUR)

    result = await store.enrolments.enrol(
        1, 100, "data-analyst", "sha256:new", date(2027, 1, 4), NOW + 9 * HOUR, NOW + 10 * HOUR
    )
    assert result.restored
    back = result.enrolment
    assert back.id == e.id and back.status is EnrolmentStatus.ACTIVE
    assert back.start_date == e.start_date and back.pathway_hash == e.pathway_hash
    assert back.pauses == (Pause(NOW + HOUR, NOW + 9 * HOUR),)
    assert back.next_reminder_at == NOW + 10 * HOUR
    assert [c.item_id for c in await store.completions.list_for_enrolment(e.id)] == ["read-guide"]


async def test_leaving_while_paused_keeps_the_one_pause(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    await store.enrolments.pause(e.id, NOW + HOUR)
    left = await store.enrolments.leave(e.id, NOW + 2 * HOUR)
    assert left.pauses == (Pause(NOW + HOUR),)
    back = await store.enrolments.enrol(1, 100, "data-analyst", "h", START, NOW + 4 * HOUR)
    assert back.enrolment.pauses == (Pause(NOW + HOUR, NOW + 4 * HOUR),)


async def test_mark_completed(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    await store.enrolments.pause(e.id, NOW + HOUR)
    done = await store.enrolments.mark_completed(e.id, NOW + 2 * HOUR)
    assert done.status is EnrolmentStatus.COMPLETED
    assert done.pauses == (Pause(NOW + HOUR, NOW + 2 * HOUR),)
    assert done.is_active is False
    with pytest.raises(NotEnrolled):
        await store.enrolments.mark_completed(e.id, NOW)
    with pytest.raises(AlreadyExists) as caught:
        await enrol(1)
    assert caught.value.code is ErrorCode.ALREADY_COMPLETED_HERE


async def test_due_selects_active_and_due_in_order(enrol: Enrol, store: Store) -> None:
    late = await enrol(1, next_reminder_at=NOW - 2 * HOUR)
    early_b = await enrol(3, next_reminder_at=NOW - 5 * HOUR)
    early_a = await enrol(2, next_reminder_at=NOW - 5 * HOUR)
    exactly_now = await enrol(4, next_reminder_at=NOW)
    await enrol(5, next_reminder_at=NOW + HOUR)  # not yet
    await enrol(6)  # no reminder scheduled
    paused = await enrol(7, next_reminder_at=NOW - HOUR)
    await store.enrolments.pause(paused.id, NOW)
    left = await enrol(8, next_reminder_at=NOW - HOUR)
    await store.enrolments.leave(left.id, NOW)

    due = await store.enrolments.due(NOW)
    # ties on next_reminder_at are broken by id
    expected = [*sorted([early_a, early_b], key=lambda e: e.id), late, exactly_now]
    assert [e.id for e in due] == [e.id for e in expected]
    assert due[0].prefs == ReminderPrefs()


async def test_due_batches_with_cursor_cover_everything_once(enrol: Enrol, store: Store) -> None:
    ids = []
    for user in range(1, 24):
        e = await enrol(user, next_reminder_at=NOW - timedelta(minutes=user % 5))
        ids.append(e.id)
    seen: list[int] = []
    after = None
    while batch := await store.enrolments.due(NOW, limit=5, after=after):
        assert len(batch) <= 5
        seen += [e.id for e in batch]
        last = batch[-1]
        assert last.next_reminder_at is not None
        after = (last.next_reminder_at, last.id)
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    with pytest.raises(ValueError, match="limit"):
        await store.enrolments.due(NOW, limit=0)


@pytest.mark.sqlite_only("SQLite's query plan")
async def test_due_query_uses_the_partial_index(store: Store) -> None:
    async with store.db.read() as tx:
        plan = " ".join(r[3] for r in await tx.fetchall("EXPLAIN QUERY PLAN " + _DUE, (0, 0, 0, 1)))
    assert "enrolments_due" in plan and "TEMP B-TREE" not in plan


async def test_reopen_a_completed_enrolment(enrol: Enrol, store: Store) -> None:
    e = await enrol(1)
    with pytest.raises(InvalidInput):
        await store.enrolments.reopen(e.id, NOW)
    await store.enrolments.mark_completed(e.id, NOW)
    reopened = await store.enrolments.reopen(e.id, NOW)
    assert reopened.status is EnrolmentStatus.ACTIVE


async def test_paused_due_finds_planned_resumes(enrol: Enrol, store: Store) -> None:
    a, b = await enrol(1), await enrol(2)
    await store.enrolments.pause(a.id, NOW)
    await store.enrolments.set_next_reminder_at(a.id, NOW + timedelta(days=3), NOW)
    await store.enrolments.set_next_reminder_at(b.id, NOW, NOW)  # active: not a resume
    assert await store.enrolments.paused_due(NOW + timedelta(days=2)) == []
    due = await store.enrolments.paused_due(NOW + timedelta(days=3))
    assert [e.id for e in due] == [a.id]


async def test_get_many(enrol: Enrol, store: Store) -> None:
    a, b = await enrol(1), await enrol(2)
    found = await store.enrolments.get_many([b.id, a.id, 999])
    assert set(found) == {a.id, b.id}
    assert found[a.id] == await store.enrolments.get(a.id)
    assert await store.enrolments.get_many([]) == {}
