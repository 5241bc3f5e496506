"""This week's focus: the few concrete next actions a learner should work on now.

The pieces of work, their order and behind mode are the coach's (bot/core/coach.py); this
module keeps the shared entry point. Without the pathway at hand, the older item rule:

One rule, used by the reminder DM, `/tasks`, the preview and the digests, so they can never
disagree (documented for authors in pathways/README.md, "The weekly focus"):

1. Overdue items first, the oldest deadline first, but at most 2 of them, so a learner who
   fell behind still sees what is current.
2. Then open items, the soonest deadline first; on equal deadlines the current phase's
   tasks come before action-plan items, then skills, then the file's reading order.
3. Then the remaining overdue items.
4. When fewer than `limit` items are chosen, items opening within the next week follow
   (a head start), and when nothing at all is open, whatever opens next.

At most `limit` (5) items. The list is empty only when every item is done.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.cadence import WEEK, ItemState, ItemStatus, Plan
from bot.core.coach import focus
from bot.core.pathway import ItemKind

FOCUS_LIMIT = 5
OVERDUE_FIRST = 2
ACTIVE = (ItemState.OVERDUE, ItemState.DUE_SOON, ItemState.OPEN)


def _kind_rank(s: ItemStatus, phase_index: int | None) -> int:
    if s.item.kind is ItemKind.TASK:
        return 0 if s.item.phase_index == phase_index else 2
    return 1 if s.item.kind is ItemKind.ACTION else 3


def weekly_focus(plan: Plan, limit: int = FOCUS_LIMIT) -> list[ItemStatus]:
    """The items this week's lines show: one per piece of work (bot/core/coach.py)."""
    if plan.pathway is not None:
        return [ln.status for ln in focus(plan.pathway, plan, limit).lines]
    return _plain_focus(plan, limit)


def _plain_focus(plan: Plan, limit: int = FOCUS_LIMIT) -> list[ItemStatus]:
    """The rule for a plan built without its pathway: items, not pieces of work."""
    order = {s.item.id: i for i, s in enumerate(plan.statuses)}

    def key(s: ItemStatus) -> tuple[int, float, int, int]:
        due = s.due_at.timestamp() if s.due_at is not None else float("inf")
        overdue = 0 if s.state is ItemState.OVERDUE else 1
        return overdue, due, _kind_rank(s, plan.phase_index), order[s.item.id]

    active = sorted((s for s in plan.statuses if s.state in ACTIVE), key=key)
    late = [s for s in active if s.state is ItemState.OVERDUE]
    current = [s for s in active if s.state is not ItemState.OVERDUE]
    ordered = late[:OVERDUE_FIRST] + current + late[OVERDUE_FIRST:]
    chosen = ordered[:limit]
    if len(chosen) < limit:
        upcoming = sorted(
            (s for s in plan.statuses if s.state is ItemState.NOT_OPEN),
            key=lambda s: (s.opens_at, *key(s)[1:]),
        )
        if upcoming and not chosen:
            first = upcoming[0].opens_at
            soon = [s for s in upcoming if s.opens_at <= max(first, plan.at + WEEK)]
        else:
            soon = [s for s in upcoming if s.opens_at <= plan.at + WEEK]
        chosen += soon[: limit - len(chosen)]
    return chosen


def due_before(plan: Plan, until: datetime) -> list[ItemStatus]:
    """Open items whose deadline falls before `until` (the next reminder): due this week."""
    return [
        s
        for s in plan.statuses
        if s.state in (ItemState.DUE_SOON, ItemState.OPEN)
        and s.due_at is not None
        and s.due_at <= until
    ]


def overdue(plan: Plan) -> list[ItemStatus]:
    return [s for s in plan.statuses if s.state is ItemState.OVERDUE]


def next_opening(plan: Plan) -> ItemStatus | None:
    """The item that opens next, for "what comes next" once everything open is done."""
    upcoming = [s for s in plan.statuses if s.state is ItemState.NOT_OPEN]
    return min(upcoming, key=lambda s: s.opens_at) if upcoming else None
