"""Export everything about one user; erase it and nothing about anyone else."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.core.models import DeliveryKind, ReminderPrefs, Visibility
from bot.store import Store, UserDeletion, enrolment_target, group_target
from bot.store.backend import Dialect

from .values import NOW, START, complete

ALICE = 111_111_111_111  # unusual ids, so a scan for them cannot match by accident
BOB = 222_222_222_222
HOUR = timedelta(hours=1)


async def _populate(store: Store) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {"alice": [], "bob": []}
    group = await store.groups.create(100, "Owls", "p", START, NOW, created_by=ALICE)
    for name, user in (("alice", ALICE), ("bob", BOB)):
        await store.learners.set_prefs(user, ReminderPrefs("Europe/Paris", 2), NOW)
        await store.learners.set_dm_channel(user, user + 1, NOW)
        in_guild = (await store.enrolments.enrol(user, 100, "p", "h", START, NOW)).enrolment
        in_dm = (await store.enrolments.enrol(user, None, "q", "h", START, NOW)).enrolment
        ids[name] = [in_guild.id, in_dm.id]
        await store.groups.join(group.id, user, NOW)
        await store.enrolments.pause(in_dm.id, NOW + HOUR)
        for n, item in enumerate(("a", "b", "c")):
            await complete(store, in_guild.id, item, NOW + n * HOUR, points=10)
        await complete(store, in_dm.id, "x", NOW, points=5)
        for eid in ids[name]:
            claim = await store.deliveries.claim(
                DeliveryKind.REMINDER, enrolment_target(eid), "2026-W10", NOW
            )
            await store.deliveries.mark_sent(claim.delivery.id, eid * 1000, NOW)
    await store.learners.set_visibility(ALICE, Visibility.HIDDEN, NOW)
    await store.deliveries.claim(DeliveryKind.DIGEST, group_target(group.id), "2026-W10", NOW)
    await store.meta.set("command_tree_hash", "abc")
    return ids


async def test_export_holds_every_row_about_the_user(store: Store) -> None:
    ids = await _populate(store)
    export = await store.privacy.export_user(ALICE, NOW)
    json.dumps(export)  # serialisable as is

    assert export["user_id"] == ALICE
    learner = export["learner"]
    assert isinstance(learner, dict)
    assert learner["visibility"] == "hidden" and learner["dm_channel_id"] == ALICE + 1
    assert learner["prefs"] == {"tz": "Europe/Paris", "weekday": 2, "at": "09:00:00"}
    enrolments = export["enrolments"]
    assert isinstance(enrolments, list)
    assert [e["id"] for e in enrolments if isinstance(e, dict)] == ids["alice"]
    assert isinstance(enrolments[1], dict) and enrolments[1]["pauses"] == [
        {"start": (NOW + HOUR).isoformat(), "end": None}
    ]
    completions = export["completions"]
    assert isinstance(completions, list) and len(completions) == 4
    memberships = export["group_memberships"]
    assert isinstance(memberships, list) and len(memberships) == 1
    groups = export["groups_created"]
    assert isinstance(groups, list) and len(groups) == 1
    deliveries = export["deliveries"]
    assert isinstance(deliveries, list)
    assert {d["target"] for d in deliveries if isinstance(d, dict)} == {
        enrolment_target(eid) for eid in ids["alice"]
    }
    assert not json.dumps(export).count(str(BOB))  # nothing about anyone else


async def test_export_of_an_unknown_user_is_empty(store: Store) -> None:
    export = await store.privacy.export_user(ALICE, NOW)
    assert export["learner"] is None
    assert export["enrolments"] == export["completions"] == export["deliveries"] == []


async def test_delete_erases_the_user_and_only_them(store: Store) -> None:
    ids = await _populate(store)
    bob_before = await store.privacy.export_user(BOB, NOW)
    group = await store.groups.get_by_name(100, "Owls")

    assert await _references(store, ALICE, ids["alice"])  # the scan does find them
    deleted = await store.privacy.delete_user(ALICE)
    assert deleted == UserDeletion(
        learner=True, enrolments=2, completions=4, memberships=1, deliveries=2
    )

    assert await _references(store, ALICE, ids["alice"]) == []
    assert await store.privacy.export_user(BOB, NOW) == bob_before
    after = await store.groups.get_by_name(100, "Owls")
    assert group is not None and after is not None
    assert after.created_by is None and after.id == group.id
    assert [m.user_id for m in await store.groups.members(group.id)] == [BOB]
    assert len(await store.deliveries.due_for_retry(NOW)) == 1  # the group digest stays
    assert await store.meta.get("command_tree_hash") == "abc"
    assert await store.db.integrity_check() == ["ok"]

    assert await store.privacy.delete_user(ALICE) == UserDeletion(False, 0, 0, 0, 0)


# Every column of every table, on each engine.
_COLUMNS = {
    Dialect.SQLITE: "SELECT t.name, c.name FROM sqlite_schema AS t, pragma_table_info(t.name) AS c"
    " WHERE t.type = 'table'",
    Dialect.POSTGRES: "SELECT table_name, column_name FROM information_schema.columns"
    " WHERE table_schema = 'public'",
}
ENROLMENT_COLUMNS = [
    ("enrolments", "id"),
    ("enrolment_pauses", "enrolment_id"),
    ("completions", "enrolment_id"),
    ("group_members", "enrolment_id"),
]


async def _references(store: Store, user_id: int, enrolment_ids: list[int]) -> list[str]:
    """Every place that still mentions the user: any column holding their id, any row of
    their enrolments, any outbox row addressed to them."""
    found = []
    async with store.db.read() as tx:
        for table, column in await tx.fetchall(_COLUMNS[store.db.dialect]):
            # As text, so one comparison fits columns of every type on both engines.
            sql = f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) = ?'  # noqa: S608
            if (await tx.fetchrow(sql, (str(user_id),)))[0]:
                found.append(f"{table}.{column}")
        for table, column in ENROLMENT_COLUMNS:
            for eid in enrolment_ids:
                sql = f"SELECT COUNT(*) FROM {table} WHERE {column} = ?"  # noqa: S608
                if (await tx.fetchrow(sql, (eid,)))[0]:
                    found.append(f"{table}.{column}={eid}")
        for eid in enrolment_ids:
            sql = "SELECT COUNT(*) FROM deliveries WHERE target = ?"
            if (await tx.fetchrow(sql, (enrolment_target(eid),)))[0]:
                found.append(f"deliveries.target={enrolment_target(eid)}")
    return found
