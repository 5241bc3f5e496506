"""Fixed instants for store tests: the store never reads the clock, and neither do they."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.core.lifecycle import Transition
from bot.core.models import Completion, CompletionSource, Enrolment, EnrolmentStatus
from bot.store import Store

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
START = date(2026, 3, 2)

# The `enrol` fixture: enrol(user_id, guild_id=100, pathway_id="data-analyst", **overrides).
Enrol = Callable[..., Awaitable[Enrolment]]


@dataclass(frozen=True, slots=True)
class Done:
    """What `complete` did: `created` False when the item was done already (`completion` is
    then the earlier one) or the enrolment is gone or left (`completion` None)."""

    created: bool
    completion: Completion | None
    completions: tuple[Completion, ...] = ()
    enrolment: Enrolment | None = None
    points_before: int = 0


async def complete(
    store: Store,
    enrolment_id: int,
    item_id: str,
    at: datetime,
    source: CompletionSource = CompletionSource.COMMAND,
    points: int = 0,
    finishes: Callable[[frozenset[str]], bool] | None = None,
) -> Done:
    """Record a completion with exactly the store calls /done's unit of work makes
    (bot/service/completion.py), for store tests whose pathways are made up: lock (the
    enrolment, its points and completions), insert (with the rank change, in a server),
    and the enrolment completed, in the same unit, when `finishes` holds for its items."""
    async with store.unit():
        locked = await store.completions.lock(enrolment_id)
        if locked is None or locked.enrolment.status is EnrolmentStatus.LEFT:
            return Done(False, None)
        enrolment, before = locked.enrolment, locked.completions
        earlier = next((c for c in before if c.item_id == item_id), None)
        if earlier is not None:
            return Done(False, earlier, before, enrolment, locked.points)
        if enrolment.guild_id is None:
            completion = await store.completions.insert(enrolment_id, item_id, at, source, points)
        else:
            completion, _ = await store.completions.insert_ranked(
                locked, item_id, at, source, points
            )
        assert completion is not None  # under the lock, and not done before
        done = (*before, completion)
        if finishes is not None and finishes(frozenset(c.item_id for c in done)):
            enrolment = await store.enrolments.apply(enrolment, Transition.COMPLETE, at)
        return Done(True, completion, done, enrolment, locked.points)


async def uncomplete(store: Store, enrolment_id: int, item_id: str) -> bool:
    """Remove a completion with the store calls /undo's unit of work makes: lock, remove."""
    async with store.unit():
        if await store.completions.lock(enrolment_id) is None:
            return False
        return await store.completions.remove(enrolment_id, item_id)
