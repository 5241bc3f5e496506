"""Outbox retention, on both engines: finished rows past the cut-off go, in small batches,
oldest first; pending rows and recent ones stay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.models import DeliveryKind, DeliveryStatus
from bot.store import Store

from .values import NOW

DAY = timedelta(days=1)
REMINDER = DeliveryKind.REMINDER


async def _row(store: Store, target: str, status: DeliveryStatus, at: object) -> int:
    """One outbox row finished (or left pending) at `at`."""
    claim = await store.deliveries.claim(REMINDER, target, "w", at, at)  # type: ignore[arg-type]
    d = claim.delivery
    if status is DeliveryStatus.SENT:
        await store.deliveries.mark_sent(d.id, 1, at)  # type: ignore[arg-type]
    elif status is DeliveryStatus.SKIPPED:
        await store.deliveries.skip(d.id, at, "dm_blocked")  # type: ignore[arg-type]
    elif status is DeliveryStatus.FAILED:
        await store.deliveries.mark_failed(d.id, "503", at, 1, at)  # type: ignore[arg-type]
    return d.id


async def test_prune_deletes_only_old_finished_rows_in_small_batches(store: Store) -> None:
    cutoff = NOW - 30 * DAY
    old: list[int] = []
    for i, status in enumerate(
        [DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED]
    ):
        for j in range(3):
            old.append(
                await _row(store, f"enrolment:{i * 10 + j}", status, cutoff - (i + j + 1) * DAY)
            )
    stuck = await _row(store, "enrolment:90", DeliveryStatus.PENDING, cutoff - 60 * DAY)
    recent = [
        await _row(store, "enrolment:91", DeliveryStatus.SENT, cutoff + DAY),
        await _row(store, "enrolment:92", DeliveryStatus.FAILED, cutoff + timedelta(seconds=1)),
    ]

    batches = []
    while n := await store.deliveries.prune(cutoff, limit=4):
        batches.append(n)
    assert batches == [4, 4, 1]  # small batches until nothing is left
    for delivery_id in old:
        assert await store.deliveries.get(delivery_id) is None
    pending = await store.deliveries.get(stuck)
    assert pending is not None and pending.status is DeliveryStatus.PENDING
    for delivery_id in recent:
        assert await store.deliveries.get(delivery_id) is not None


async def test_role_grants_are_kept_as_the_record_of_roles_given(store: Store) -> None:
    grant = await store.deliveries.claim(
        DeliveryKind.ROLE_GRANT, "enrolment:1", "phase-1:5", NOW - 90 * DAY
    )
    await store.deliveries.mark_sent(grant.delivery.id, 0, NOW - 90 * DAY)
    assert await store.deliveries.prune(NOW - 30 * DAY) == 0
    assert await store.deliveries.get(grant.delivery.id) is not None


async def test_prune_goes_oldest_first(store: Store) -> None:
    newer = await _row(store, "enrolment:1", DeliveryStatus.SENT, NOW - 40 * DAY)
    older = await _row(store, "enrolment:2", DeliveryStatus.SENT, NOW - 50 * DAY)
    assert await store.deliveries.prune(NOW - 30 * DAY, limit=1) == 1
    assert await store.deliveries.get(older) is None
    assert await store.deliveries.get(newer) is not None


async def test_a_pruned_period_is_not_claimed_again_by_the_sweep_rules(store: Store) -> None:
    """Pruning forgets a week's row; the sweeps never claim a week that far back, but the
    row's uniqueness is what stops a resend, so pruning must never reach recent weeks."""
    sent = await _row(store, "enrolment:1", DeliveryStatus.SENT, NOW - DAY)
    assert await store.deliveries.prune(NOW - 30 * DAY) == 0
    again = await store.deliveries.claim(REMINDER, "enrolment:1", "w", NOW, NOW + DAY)
    assert not again.claimed and again.delivery.id == sent


async def test_prune_refuses_a_silly_limit(store: Store) -> None:
    with pytest.raises(ValueError, match="positive"):
        await store.deliveries.prune(NOW, limit=0)
