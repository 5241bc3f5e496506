"""Milestone roles in the store, on both engines: mappings, the completion watermark, one
grant row per learner, milestone and role, and a disable that reports itself once."""

from __future__ import annotations

from datetime import timedelta

from bot.core.models import CompletionSource, DeliveryKind
from bot.store import Store
from bot.store.deliveries import enrolment_target

from .values import NOW, Enrol, complete

LATER = NOW + timedelta(hours=1)


async def test_the_watermark_offers_each_new_completion_once(store: Store, enrol: Enrol) -> None:
    mapped = await enrol(1)
    other_server = await enrol(2, guild_id=200)
    await complete(store, mapped.id, "a", NOW, CompletionSource.COMMAND, 1)
    await complete(store, other_server.id, "a", NOW, CompletionSource.COMMAND, 1)
    assert await store.milestone_roles.unchecked() == []  # no server maps anything yet
    await store.milestone_roles.set(100, "first-week", 55, 9, NOW)
    pending = await store.milestone_roles.unchecked()
    assert pending == [(mapped.id, NOW)]
    await store.milestone_roles.mark_checked(pending)
    assert await store.milestone_roles.unchecked() == []
    await complete(store, mapped.id, "b", LATER, CompletionSource.COMMAND, 1)
    assert await store.milestone_roles.unchecked() == [(mapped.id, LATER)]
    await store.milestone_roles.mark_checked([(mapped.id, LATER)])
    # Mapping (again) looks at everyone in the server once more.
    await store.milestone_roles.set(100, "phase-1", 56, 9, LATER)
    assert await store.milestone_roles.unchecked() == [(mapped.id, LATER)]


async def test_one_grant_per_learner_milestone_and_role(store: Store, enrol: Enrol) -> None:
    e = await enrol(1)
    target = enrolment_target(e.id)
    assert await store.milestone_roles.claim_grants([(target, "first-week:55")], NOW) == 1
    assert await store.milestone_roles.claim_grants([(target, "first-week:55")], NOW) == 0
    (row,) = await store.deliveries.claim_retries(
        NOW, NOW + timedelta(minutes=1), kinds=(DeliveryKind.ROLE_GRANT,)
    )
    await store.milestone_roles.finish_grant(row.id, NOW)
    assert await store.milestone_roles.claim_grants([(target, "first-week:55")], LATER) == 0
    assert await store.milestone_roles.granted(target) == [("first-week", 55)]
    # A grant skipped while its mapping was off is queued again when it comes back.
    assert await store.milestone_roles.claim_grants([(target, "phase-1:56")], NOW) == 1
    (skipped,) = await store.deliveries.claim_retries(
        NOW, NOW + timedelta(minutes=1), kinds=(DeliveryKind.ROLE_GRANT,)
    )
    await store.deliveries.skip(skipped.id, NOW, "403")
    assert await store.milestone_roles.claim_grants([(target, "phase-1:56")], LATER) == 1


async def test_disable_reports_once_and_set_enables_again(store: Store) -> None:
    await store.milestone_roles.set(100, "first-week", 55, 9, NOW)
    assert await store.milestone_roles.disable(100, "first-week", 55, "403: 50013", NOW)
    assert not await store.milestone_roles.disable(100, "first-week", 55, "403: 50013", NOW)
    off = await store.milestone_roles.get(100, "first-week")
    assert off is not None and not off.enabled and off.disabled_reason == "403: 50013"
    assert not await store.milestone_roles.disable(100, "first-week", 99, "other role", NOW)
    on = await store.milestone_roles.set(100, "first-week", 55, 9, LATER)
    assert on.enabled and on.disabled_reason is None
    removed = await store.milestone_roles.remove(100, "first-week")
    assert removed is not None and removed.role_id == 55
    assert await store.milestone_roles.for_guild(100) == []
