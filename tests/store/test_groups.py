"""Study groups: unique names per guild in any case, one group per pathway per learner."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.core.errors import AlreadyExists, ErrorCode, NotEnrolled, NotFound, StorageError
from bot.core.models import StudyGroup
from bot.store import Store

from .values import NOW, START, Enrol

PATHWAY = "data-analyst"


async def test_create_round_trip(store: Store) -> None:
    group = await store.groups.create(
        100, "Night Owls", PATHWAY, date(2026, 4, 6), NOW, channel_id=555, created_by=7
    )
    assert group == StudyGroup(group.id, 100, "Night Owls", PATHWAY, date(2026, 4, 6), 555, 7)
    assert await store.groups.get(group.id) == group
    assert await store.groups.get(group.id + 1) is None


async def test_names_are_unique_per_guild_whatever_the_case(store: Store) -> None:
    group = await store.groups.create(100, "Night Owls", PATHWAY, START, NOW)
    with pytest.raises(AlreadyExists) as caught:
        await store.groups.create(100, "Night owls", "ux-designer", START, NOW)
    assert caught.value.code is ErrorCode.GROUP_NAME_TAKEN
    assert caught.value.data == {"name": "Night owls"}
    assert await store.groups.get_by_name(100, "NIGHT OWLS") == group
    assert await store.groups.get_by_name(101, "Night Owls") is None
    await store.groups.create(101, "night owls", PATHWAY, START, NOW)  # another guild
    straße = await store.groups.create(100, "Straße", PATHWAY, START, NOW)
    assert await store.groups.get_by_name(100, "STRASSE") == straße  # casefold, not just ASCII


async def test_list_for_guild(store: Store) -> None:
    b = await store.groups.create(100, "beta", PATHWAY, START, NOW)
    a = await store.groups.create(100, "Alpha", "ux-designer", START, NOW)
    await store.groups.create(101, "Gamma", PATHWAY, START, NOW)
    assert await store.groups.list_for_guild(100) == [a, b]
    assert await store.groups.list_for_guild(100, pathway_id=PATHWAY) == [b]
    assert await store.groups.list_for_guild(102) == []


async def test_join_needs_an_enrolment_in_the_groups_pathway(enrol: Enrol, store: Store) -> None:
    group = await store.groups.create(100, "Owls", PATHWAY, START, NOW)
    with pytest.raises(NotEnrolled):
        await store.groups.join(group.id, 1, NOW)
    await enrol(1, 100, "ux-designer")
    await enrol(1, 200, PATHWAY)
    with pytest.raises(NotEnrolled):
        await store.groups.join(group.id, 1, NOW)
    with pytest.raises(NotFound):
        await store.groups.join(group.id + 1, 1, NOW)


async def test_join_members_leave(enrol: Enrol, store: Store) -> None:
    group = await store.groups.create(100, "Owls", PATHWAY, START, NOW)
    for user in (2, 1):
        await enrol(user)
    assert await store.groups.join(group.id, 2, NOW) == group
    await store.groups.join(group.id, 1, NOW + timedelta(minutes=1))
    assert [m.user_id for m in await store.groups.members(group.id)] == [2, 1]
    assert await store.groups.group_of(1, 100, PATHWAY) == group
    assert await store.groups.leave(group.id, 1)
    assert not await store.groups.leave(group.id, 1)
    assert await store.groups.group_of(1, 100, PATHWAY) is None
    assert await store.groups.group_of(9, 100, PATHWAY) is None
    assert [m.user_id for m in await store.groups.members(group.id)] == [2]


async def test_one_group_per_pathway_per_guild(enrol: Enrol, store: Store) -> None:
    owls = await store.groups.create(100, "Owls", PATHWAY, START, NOW)
    larks = await store.groups.create(100, "Larks", PATHWAY, START, NOW)
    design = await store.groups.create(100, "Design", "ux-designer", START, NOW)
    await enrol(1)
    await enrol(1, pathway_id="ux-designer")
    await store.groups.join(owls.id, 1, NOW)
    with pytest.raises(AlreadyExists) as caught:
        await store.groups.join(owls.id, 1, NOW)
    assert (caught.value.code, caught.value.data) == (ErrorCode.ALREADY_IN_GROUP, {"name": "Owls"})
    with pytest.raises(AlreadyExists) as caught:
        await store.groups.join(larks.id, 1, NOW)
    assert caught.value.code is ErrorCode.IN_ANOTHER_GROUP
    await store.groups.join(design.id, 1, NOW)  # another pathway is fine
    await store.groups.leave(owls.id, 1)
    await store.groups.join(larks.id, 1, NOW)


async def test_left_learners_are_hidden_but_keep_their_group(enrol: Enrol, store: Store) -> None:
    group = await store.groups.create(100, "Owls", PATHWAY, START, NOW)
    e = await enrol(1)
    await store.groups.join(group.id, 1, NOW)
    await store.enrolments.leave(e.id, NOW)
    assert await store.groups.members(group.id) == []
    with pytest.raises(NotEnrolled):
        await store.groups.join(group.id, 1, NOW)
    await store.enrolments.enrol(1, 100, PATHWAY, "h", START, NOW)
    assert [m.user_id for m in await store.groups.members(group.id)] == [1]


async def test_schema_refuses_a_membership_across_pathways(enrol: Enrol, store: Store) -> None:
    group = await store.groups.create(100, "Owls", PATHWAY, START, NOW)
    other = await enrol(1, pathway_id="ux-designer")
    with pytest.raises(StorageError):
        async with store.db.write() as tx:
            await tx.execute(
                "INSERT INTO group_members (group_id, enrolment_id, joined_at) VALUES (?, ?, 0)",
                (group.id, other.id),
            )
