"""Open DM channels ahead of the due minute, so each reminder then costs one REST request.

Discord needs a DM channel before a message can be sent, and opening one is a request of
its own. The welcome DM learns the channel of every learner who enrols now; learners who
enrolled before that (or whose channel went stale) would cost two requests at the due
minute, halving the fan-out rate. This job looks a little ahead, opens the missing channels
through the same throttle, in small timed batches, and records them. It never touches a
learner whose DMs are known to be closed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Protocol

from bot.store.store import Store

log = logging.getLogger(__name__)

LOOKAHEAD = timedelta(minutes=30)
BATCH = 100


class ChannelOpener(Protocol):
    async def open_dm(self, user_id: int) -> int | None:
        """The DM channel id, or None when it cannot be opened now (any failure)."""
        ...


class DmWarmer:
    def __init__(self, store: Store, opener: ChannelOpener, budget: float = 10.0) -> None:
        self.store = store
        self.opener = opener
        self.budget = budget

    async def warm(self, now: datetime) -> int:
        """Open up to a budget's worth of missing channels for reminders due soon."""
        loop = asyncio.get_running_loop()
        stop_at = loop.time() + self.budget
        warmed = 0
        while loop.time() < stop_at:
            users = await self.store.learners.without_dm_channel(now, now + LOOKAHEAD, BATCH)
            if not users:
                break
            pairs: list[tuple[int, int]] = []
            for user_id in users:
                channel_id = await self.opener.open_dm(user_id)
                if channel_id is not None:
                    pairs.append((user_id, channel_id))
                if loop.time() >= stop_at:
                    break
            await self.store.learners.set_dm_channels(pairs)
            warmed += len(pairs)
            if len(pairs) < len(users):
                break  # failures: try again next tick rather than spin
        if warmed:
            log.info("opened %d DM channel(s) ahead of their reminders", warmed)
        return warmed
