"""What a learner who fell behind is offered by the weekly DM: a slower pace, a pause, or
their open deadlines re-planned from today (issue 21's behind mode).

Each is checked again when pressed (the button may be weeks old), and none loses anything:
completions stay, and only dates move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.cadence import ItemState
from bot.core.errors import ErrorCode, InvalidInput
from bot.core.layout import check_pace, timeline_days
from bot.core.models import EnrolmentStatus
from bot.core.offers import slower_pace
from bot.service.reading import Reading


@dataclass(frozen=True, slots=True)
class CaughtUp:
    """What an offer did, for the reply: `what` is "pace", "pause" or "replan"."""

    what: str
    pace: str
    start_date: date
    shift_days: int = 0  # replan: how many days every open deadline moved


class CatchingUp(Reading):
    async def slow_down(self, enrolment_id: int, user_id: int, pace: str) -> CaughtUp:
        """Switch to a slower pace the pathway offers; deadlines stretch, nothing is lost."""
        enrolment = await self.owned_enrolment(enrolment_id, user_id)
        pathway = self.ctx.registry.get(enrolment.pathway_id)
        chosen = check_pace(pathway, pace)
        mine = timeline_days(pathway, enrolment.pace, enrolment.start_date)
        if timeline_days(pathway, chosen, enrolment.start_date) <= mine:
            slower = slower_pace(pathway, enrolment.pace, enrolment.start_date)
            raise InvalidInput(
                code=ErrorCode.PACE_NOT_FASTER,
                current=enrolment.pace,
                chosen=chosen,
                slower=slower or "",
            )
        now = self.ctx.clock.now()
        updated = await self.ctx.store.enrolments.set_pace(enrolment.id, chosen, now)
        return CaughtUp("pace", updated.pace, updated.start_date)

    async def pause(self, enrolment_id: int, user_id: int) -> CaughtUp:
        """Pause this pathway: reminders stop and deadlines wait until `/reminders resume`."""
        enrolment = await self.owned_enrolment(enrolment_id, user_id)
        if enrolment.status is not EnrolmentStatus.ACTIVE:
            raise InvalidInput(code=ErrorCode.OFFER_ALREADY_PAUSED)
        now = self.ctx.clock.now()
        await self.ctx.store.enrolments.pause(enrolment.id, now)
        await self.ctx.store.enrolments.set_next_reminder_at(enrolment.id, None, now)
        return CaughtUp("pause", enrolment.pace, enrolment.start_date)

    async def replan_from_today(self, enrolment_id: int, user_id: int) -> CaughtUp:
        """Move the start so the oldest overdue work opens today: every open deadline moves
        by the same number of days, and what is done stays done."""
        enrolment = await self.owned_enrolment(enrolment_id, user_id)
        state = await self.standing_of(enrolment)
        plan = state.plan
        late = [s for s in plan.statuses if s.state is ItemState.OVERDUE]
        if not late:
            raise InvalidInput(code=ErrorCode.NOTHING_OVERDUE)
        oldest = min(s.opens_at for s in late)
        today = plan.at.astimezone(plan.zone).date()
        shift = (today - oldest.astimezone(plan.zone).date()).days
        if shift <= 0:
            raise InvalidInput(code=ErrorCode.OVERDUE_OPENED_TODAY)
        now = self.ctx.clock.now()
        new_start = enrolment.start_date + timedelta(days=shift)
        updated = await self.ctx.store.enrolments.set_start_date(enrolment.id, new_start, now)
        return CaughtUp("replan", updated.pace, updated.start_date, shift)
