"""This process's part in delivery: the one sender, or a standby waiting to take over.

Every process ticks the scheduler; on each tick `refresh()` asks the store's sender lock
(see bot/store/sender_lock.py) whether this process holds it, taking it when it is free.
The sender runs the reminder and digest sweeps and the DM warm-up; a standby runs none of
them. A standby therefore takes over at most one tick interval (SWEEP_INTERVAL_SECONDS,
30 s by default) after the sender died, and the outbox's claims and nonces make sure what
the dead sender had claimed is sent exactly once (see bot/store/deliveries.py). The rows
the dead sender held stay leased for up to LEASE (45 s); the new sender sweeps again as
those leases end (DeliveryJobs.follow_leases), so they go out at most about 45 s after the
death rather than at the first tick after their leases end (up to 75 s).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable

from bot.store.sender_lock import SenderLock

log = logging.getLogger(__name__)


class Role(enum.StrEnum):
    SENDER = "sender"
    STANDBY = "standby"


class SenderRole:
    def __init__(
        self,
        lock: SenderLock,
        on_lost: Callable[[], Awaitable[None]],
        on_change: Callable[[Role], None] | None = None,
    ) -> None:
        """`on_lost` runs when this process stops being the sender; `on_change` on every
        change of role, the first included (the adapter sets its REST share there)."""
        self._lock = lock
        self._on_lost = on_lost
        self._on_change = on_change
        self.role: Role | None = None  # None until the first tick has asked

    @property
    def sending(self) -> bool:
        return self.role is Role.SENDER

    async def refresh(self) -> bool:
        """Keep or take the lock; True when this process should send this tick."""
        holds = await self._lock.hold()
        role = Role.SENDER if holds else Role.STANDBY
        if role is not self.role:
            if role is Role.SENDER:
                log.info("this process is now the sender: it runs the reminder and digest sweeps")
            elif self.role is Role.SENDER:
                log.warning("this process lost the sender lock: standing by")
                await self._on_lost()
            else:
                log.info("another process is the sender: standing by to take over")
            if self._on_change is not None:
                self._on_change(role)
        self.role = role
        return holds

    async def release(self) -> None:
        await self._lock.release()
