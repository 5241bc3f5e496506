"""The outbox: one claim per (kind, target, period), idempotent marks, retries."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.errors import NotFound, StorageError
from bot.core.models import DeliveryKind, DeliveryStatus
from bot.store import Store, enrolment_target, group_target

from .backends import Target
from .values import NOW

MINUTE = timedelta(minutes=1)
REMINDER = DeliveryKind.REMINDER


async def test_claim_round_trip(store: Store) -> None:
    result = await store.deliveries.claim(REMINDER, enrolment_target(42), "2026-W10", NOW)
    assert result.claimed
    d = result.delivery
    assert (d.kind, d.target, d.period_key) == (REMINDER, "enrolment:42", "2026-W10")
    assert d.status is DeliveryStatus.PENDING and d.attempts == 0
    assert 1 <= len(d.nonce) <= 25
    assert d.created_at == NOW == d.updated_at and d.next_attempt_at == NOW
    assert await store.deliveries.get(d.id) == d
    assert await store.deliveries.get(d.id + 1) is None


async def test_second_claim_returns_the_existing_row(store: Store) -> None:
    first = await store.deliveries.claim(REMINDER, "enrolment:1", "2026-W10", NOW, NOW + MINUTE)
    second = await store.deliveries.claim(REMINDER, "enrolment:1", "2026-W10", NOW + MINUTE)
    assert not second.claimed and second.delivery == first.delivery  # leased until then
    others = [
        await store.deliveries.claim(REMINDER, "enrolment:1", "2026-W11", NOW),
        await store.deliveries.claim(DeliveryKind.FALLBACK, "enrolment:1", "2026-W10", NOW),
        await store.deliveries.claim(DeliveryKind.DIGEST, group_target(7), "2026-W10", NOW),
    ]
    assert all(o.claimed for o in others)
    assert len({o.delivery.nonce for o in [first, *others]}) == 4


async def test_an_expired_lease_is_taken_over_with_a_new_one(store: Store) -> None:
    first = await store.deliveries.claim(REMINDER, "enrolment:1", "w", NOW, NOW + MINUTE)
    later = NOW + 2 * MINUTE
    taken = await store.deliveries.claim(REMINDER, "enrolment:1", "w", later, later + MINUTE)
    assert taken.claimed and taken.delivery.id == first.delivery.id
    assert taken.delivery.nonce == first.delivery.nonce  # a resend keeps the nonce
    assert taken.delivery.next_attempt_at == later + MINUTE
    # and now it is leased to the second caller: a third one gets nothing
    third = await store.deliveries.claim(REMINDER, "enrolment:1", "w", later, later + MINUTE)
    assert not third.claimed
    await store.deliveries.mark_sent(first.delivery.id, 1, later)
    done = await store.deliveries.claim(REMINDER, "enrolment:1", "w", NOW + 9 * MINUTE)
    assert not done.claimed and done.delivery.status is DeliveryStatus.SENT


async def test_concurrent_claims_have_one_winner(store: Store) -> None:
    results = await asyncio.gather(
        *(store.deliveries.claim(REMINDER, "enrolment:1", "2026-W10", NOW) for _ in range(20))
    )
    assert sum(r.claimed for r in results) == 1
    assert len({r.delivery.id for r in results}) == 1


async def test_mark_sent_is_final(store: Store) -> None:
    d = (await store.deliveries.claim(REMINDER, "enrolment:1", "w", NOW)).delivery
    sent = await store.deliveries.mark_sent(d.id, 123456789012345678, NOW + MINUTE)
    assert sent.status is DeliveryStatus.SENT and sent.message_id == 123456789012345678
    assert sent.attempts == 1 and sent.next_attempt_at is None and sent.updated_at == NOW + MINUTE
    # a repeat after a crash, or a late failure report, changes nothing
    assert await store.deliveries.mark_sent(d.id, 1, NOW + 2 * MINUTE) == sent
    assert await store.deliveries.mark_failed(d.id, "x", NOW, 3, NOW) == sent
    assert await store.deliveries.skip(d.id, NOW) == sent


async def test_mark_failed_retries_then_gives_up(store: Store) -> None:
    d = (await store.deliveries.claim(REMINDER, "enrolment:1", "w", NOW)).delivery
    once = await store.deliveries.mark_failed(d.id, "503", NOW, 2, retry_at=NOW + 5 * MINUTE)
    assert once.status is DeliveryStatus.PENDING and once.attempts == 1
    assert once.last_error == "503" and once.next_attempt_at == NOW + 5 * MINUTE
    twice = await store.deliveries.mark_failed(
        d.id, "e" * 10_000, NOW + 5 * MINUTE, 2, retry_at=NOW + 10 * MINUTE
    )
    assert twice.status is DeliveryStatus.FAILED and twice.attempts == 2
    assert twice.next_attempt_at is None
    assert twice.last_error is not None and len(twice.last_error) <= 500


async def test_skip(store: Store) -> None:
    d = (await store.deliveries.claim(REMINDER, "enrolment:1", "w", NOW)).delivery
    skipped = await store.deliveries.skip(d.id, NOW, reason="dm_blocked")
    assert skipped.status is DeliveryStatus.SKIPPED and skipped.last_error == "dm_blocked"
    assert skipped.next_attempt_at is None


async def test_marks_on_a_missing_row(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.deliveries.mark_sent(1, 1, NOW)


async def test_due_for_retry(store: Store) -> None:
    claim = store.deliveries.claim
    abandoned = (await claim(REMINDER, "enrolment:1", "w", NOW - MINUTE)).delivery
    in_flight = (await claim(REMINDER, "enrolment:2", "w", NOW, NOW + 5 * MINUTE)).delivery
    retry = (await claim(REMINDER, "enrolment:3", "w", NOW - 9 * MINUTE)).delivery
    await store.deliveries.mark_failed(retry.id, "429", NOW - 9 * MINUTE, 5, NOW - 2 * MINUTE)
    sent = (await claim(REMINDER, "enrolment:4", "w", NOW - MINUTE)).delivery
    await store.deliveries.mark_sent(sent.id, 1, NOW)

    due = await store.deliveries.due_for_retry(NOW)
    assert [d.id for d in due] == [retry.id, abandoned.id]
    assert [d.id for d in await store.deliveries.due_for_retry(NOW, limit=1)] == [retry.id]
    later = await store.deliveries.due_for_retry(NOW + 5 * MINUTE)
    assert in_flight.id in {d.id for d in later}


async def test_nonce_length_is_enforced_by_the_schema(store: Store) -> None:
    with pytest.raises(StorageError):
        async with store.db.write() as tx:
            await tx.execute(
                "INSERT INTO deliveries (kind, target, period_key, nonce, status, created_at,"
                " updated_at) VALUES ('reminder', 't', 'p', ?, 'pending', 0, 0)",
                ("x" * 26,),
            )


# --- snoozes -----------------------------------------------------------------------------------

DAY = timedelta(days=1)


async def test_a_snooze_waits_until_its_time_then_is_offered_for_sending(store: Store) -> None:
    d = await store.deliveries.snooze(7, "2026-W10:snooze:1", NOW + DAY, NOW)
    assert (d.kind, d.target, d.status) == (REMINDER, "enrolment:7", DeliveryStatus.PENDING)
    assert d.next_attempt_at == NOW + DAY
    assert await store.deliveries.due_for_retry(NOW + DAY - MINUTE) == []
    assert [r.id for r in await store.deliveries.due_for_retry(NOW + DAY)] == [d.id]
    again = await store.deliveries.snooze(7, "2026-W10:snooze:1", NOW + DAY, NOW + MINUTE)
    assert again == d  # the same choice twice is one snooze


async def test_pending_snoozes_lists_only_this_learners_pending_snoozes(store: Store) -> None:
    later = await store.deliveries.snooze(7, "2026-W10:snooze:2", NOW + 2 * DAY, NOW)
    sooner = await store.deliveries.snooze(7, "2026-W10:snooze:1", NOW + DAY, NOW)
    await store.deliveries.snooze(8, "2026-W10:snooze:1", NOW + DAY, NOW)  # someone else's
    await store.deliveries.claim(REMINDER, enrolment_target(7), "2026-W10", NOW)  # regular
    sent = await store.deliveries.snooze(7, "2026-W09:snooze:3", NOW, NOW - DAY)
    await store.deliveries.mark_sent(sent.id, 1, NOW)
    pending = await store.deliveries.pending_snoozes([7])
    assert [(p.delivery_id, p.enrolment_id, p.at) for p in pending] == [
        (sooner.id, 7, NOW + DAY),
        (later.id, 7, NOW + 2 * DAY),
    ]
    assert await store.deliveries.pending_snoozes([]) == []
    assert [p.enrolment_id for p in await store.deliveries.pending_snoozes([7, 8])] == [7, 8, 7]


async def test_cancelling_a_snooze_skips_it_and_nothing_else(store: Store) -> None:
    snoozed = await store.deliveries.snooze(7, "2026-W10:snooze:1", NOW + DAY, NOW)
    regular = (
        await store.deliveries.claim(REMINDER, enrolment_target(7), "2026-W10", NOW)
    ).delivery
    assert not await store.deliveries.cancel_snooze(8, snoozed.id, NOW)  # not that enrolment's
    assert not await store.deliveries.cancel_snooze(7, regular.id, NOW)  # not a snooze
    assert await store.deliveries.get(regular.id) == regular
    assert await store.deliveries.cancel_snooze(7, snoozed.id, NOW + MINUTE)
    assert not await store.deliveries.cancel_snooze(7, snoozed.id, NOW + MINUTE)  # once
    row = await store.deliveries.get(snoozed.id)
    assert row is not None and row.status is DeliveryStatus.SKIPPED
    assert row.next_attempt_at is None and row.last_error == "snooze cancelled"
    assert await store.deliveries.pending_snoozes([7]) == []
    assert await store.deliveries.due_for_retry(NOW + 2 * DAY) == [regular]


async def test_snoozing_again_after_cancelling_re_arms_the_snooze(store: Store) -> None:
    first = await store.deliveries.snooze(7, "2026-W10:snooze:1", NOW + DAY, NOW)
    assert await store.deliveries.cancel_snooze(7, first.id, NOW)
    again = await store.deliveries.snooze(7, "2026-W10:snooze:1", NOW + DAY, NOW + MINUTE)
    assert again.id == first.id and again.status is DeliveryStatus.PENDING
    assert again.next_attempt_at == NOW + DAY and again.nonce != first.nonce
    sent = await store.deliveries.mark_sent(again.id, 5, NOW + DAY)
    # a snooze that was sent stays sent
    assert await store.deliveries.snooze(7, "2026-W10:snooze:1", NOW + DAY, NOW + DAY) == sent


async def test_claim_retries_leases_each_due_row_once(store: Store) -> None:
    claim = store.deliveries.claim
    old = (await claim(REMINDER, "enrolment:1", "w", NOW - 3 * MINUTE)).delivery
    new = (await claim(REMINDER, "enrolment:2", "w", NOW - MINUTE)).delivery
    await claim(REMINDER, "enrolment:3", "w", NOW, NOW + MINUTE)  # not due yet
    sent = (await claim(REMINDER, "enrolment:4", "w", NOW - MINUTE)).delivery
    await store.deliveries.mark_sent(sent.id, 1, NOW)

    lease = NOW + 10 * MINUTE
    taken = await store.deliveries.claim_retries(NOW, lease)
    assert [d.id for d in taken] == [old.id, new.id]
    assert all(d.next_attempt_at == lease and d.nonce for d in taken)
    assert taken[0] == await store.deliveries.get(old.id)
    assert await store.deliveries.claim_retries(NOW, lease) == []  # leased: nobody else
    again = {d.id: d for d in await store.deliveries.claim_retries(lease, lease + MINUTE)}
    assert again[old.id].nonce == old.nonce and again[new.id].nonce == new.nonce  # the same
    assert sent.id not in again


async def test_concurrent_retry_claims_split_the_rows(store: Store, database: Target) -> None:
    """Two processes claiming at once get disjoint rows that together cover every due one:
    on PostgreSQL through SKIP LOCKED, on SQLite through its single writer."""
    due = [
        (await store.deliveries.claim(REMINDER, f"enrolment:{n}", "w", NOW - MINUTE)).delivery.id
        for n in range(60)
    ]
    async with await database.open() as other:
        batches = await asyncio.gather(
            *(
                (store if n % 2 else other).deliveries.claim_retries(NOW, NOW + MINUTE, limit=7)
                for n in range(12)
            )
        )
    taken = [d.id for batch in batches for d in batch]
    assert len(taken) == len(set(taken)) == len(due)
    assert set(taken) == set(due)


async def test_release_hands_a_claim_back_at_once(store: Store) -> None:
    leased = await store.deliveries.claim(REMINDER, "enrolment:1", "w", NOW, NOW + MINUTE)
    sent = await store.deliveries.claim(REMINDER, "enrolment:2", "w", NOW, NOW + MINUTE)
    await store.deliveries.mark_sent(sent.delivery.id, 1, NOW)
    await store.deliveries.release([leased.delivery.id, sent.delivery.id], NOW)
    again = await store.deliveries.claim(
        REMINDER, "enrolment:1", "w", NOW + timedelta(seconds=1), NOW + MINUTE
    )
    assert again.claimed and again.delivery.nonce == leased.delivery.nonce
    still = await store.deliveries.get(sent.delivery.id)
    assert still is not None and still.status is DeliveryStatus.SENT  # only pending rows


async def test_open_targets_reads_which_digests_may_still_go(store: Store) -> None:
    digest = DeliveryKind.DIGEST
    done = await store.deliveries.claim(digest, "group:1", "w", NOW, NOW + MINUTE)
    await store.deliveries.mark_sent(done.delivery.id, 1, NOW)
    await store.deliveries.claim(digest, "group:2", "w", NOW, NOW + MINUTE)  # leased
    await store.deliveries.claim(digest, "group:3", "w", NOW - MINUTE, NOW - MINUTE)  # expired
    targets = ["group:1", "group:2", "group:3", "group:4"]
    assert await store.deliveries.open_targets(digest, "w", targets, NOW) == {
        "group:3",
        "group:4",
    }
    assert await store.deliveries.open_targets(digest, "w", [], NOW) == set()
