"""Snoozing a weekly reminder: which choices fit the moment, and queueing the one pressed.

The choices are decided in the core (bot/core/snooze.py); this checks the pressed one
again at press time (a button can be days old) and queues one extra reminder in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import ErrorCode, InvalidInput
from bot.core.models import EnrolmentStatus
from bot.core.snooze import choose, next_regular_at, snooze_period_key
from bot.core.timeparse import parse_zone
from bot.service.reading import Reading
from bot.service.unit import in_unit


@dataclass(frozen=True, slots=True)
class Snoozed:
    """A snooze just made: where it lands, and the regular reminder it comes before."""

    delivery_id: int
    enrolment_id: int
    at: datetime
    next_regular: datetime


class Snoozing(Reading):
    @in_unit
    async def snooze(self, enrolment_id: int, user_id: int, kind: str) -> Snoozed:
        """Queue one extra reminder where the pressed choice lands, checked at press time."""
        enrolment = await self.owned_enrolment(enrolment_id, user_id)
        if enrolment.status is not EnrolmentStatus.ACTIVE:
            raise InvalidInput(code=ErrorCode.SNOOZE_WHILE_PAUSED, pathway=enrolment.pathway_id)
        now = self.ctx.clock.now()
        regular = next_regular_at(enrolment.next_reminder_at, enrolment.prefs, now)
        choice = choose(kind, enrolment.prefs, now, regular)
        today = now.astimezone(parse_zone(enrolment.prefs.tz)).date()
        delivery = await self.ctx.store.deliveries.snooze(
            enrolment.id, snooze_period_key(today, choice.at), choice.at, now
        )
        return Snoozed(delivery.id, enrolment.id, choice.at, regular)
