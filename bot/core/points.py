"""Points for a completion: the item's points, plus an on-time bonus before its deadline.

Points are fixed when the completion is recorded and stored with it, so later edits to a
pathway file never rewrite anyone's history; undo removes the row and with it the points.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.cadence import ItemStatus
from bot.core.pathway import CheckableItem

#: Share of an item's points added when it is completed before its deadline.
ON_TIME_BONUS_SHARE = 0.5


def points_for(status: ItemStatus, completed_at: datetime) -> int:
    """Points earned by completing `status.item` at `completed_at`."""
    return points_due(status.item, status.due_at, completed_at)


def points_due(item: CheckableItem, due_at: datetime | None, completed_at: datetime) -> int:
    """Points earned by completing `item`, due at `due_at`, at `completed_at`."""
    base = item.points
    if due_at is not None and completed_at < due_at:
        return base + int(base * ON_TIME_BONUS_SHARE)
    return base
