"""What a learner's plan looks like now: reads shared by every learner use case.

Scoping: a learner follows each pathway once, in the server where they enrolled (or in DMs).
In a server, commands act on the caller's enrolments in that server only (nothing about one
server leaks into another); in the bot's DM they act on all of the learner's enrolments,
wherever they were made, because the DM is where reminders arrive. Buttons carry an
enrolment id instead and are checked against the clicking user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.core import cadence, matching
from bot.core.cadence import ItemState, ItemStatus
from bot.core.errors import ErrorCode, Forbidden, InvalidInput, NotEnrolled, NotFound
from bot.core.loader import LoadedPathway
from bot.core.models import (
    Completion,
    Enrolment,
    EnrolmentStatus,
    Visibility,
)
from bot.core.pathway import Horizon, ItemKind
from bot.core.standing import Standing, standing
from bot.service.context import Context
from bot.service.outcomes import (
    LearnerPlan,
    ProgressOutcome,
)

FOLLOWING = (EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED, EnrolmentStatus.COMPLETED)


class Reading:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def pathway_named(self, text: str) -> LoadedPathway:
        """The pathway a typed text means: its id, else what the pathway autocomplete offers
        first (bot/core/matching.py, over id, title and short title); equal matches ask."""
        typed = text.strip()
        found = self.ctx.registry.find(typed)
        if found is not None:
            return found
        every = self.ctx.registry.all()
        matches = matching.best(typed, every, lambda lp: (lp.pathway.name, lp.pathway.title))
        if len(matches) > 1:
            names = tuple(lp.pathway.name for lp in matches[:3])
            raise InvalidInput(code=ErrorCode.PATHWAY_TIE, typed=typed, names=names)
        if not matches:
            offered = tuple(lp.pathway.name for lp in every[:5])
            raise NotFound(code=ErrorCode.PATHWAY_UNKNOWN, typed=typed, offered=offered)
        return matches[0]

    async def standing_of(self, enrolment: Enrolment, now: datetime | None = None) -> Standing:
        """Plan, progress, streak and points: one query. Autocomplete runs this per keystroke,
        so it reads nothing `view` adds for replies (the study group)."""
        pathway = self.ctx.registry.get(enrolment.pathway_id)
        completions = await self.ctx.store.completions.list_for_enrolment(enrolment.id)
        return standing(pathway, enrolment, completions, now or self.ctx.clock.now())

    async def view(self, enrolment: Enrolment, now: datetime | None = None) -> LearnerPlan:
        """The learner's plan for one enrolment at `now` (default: the clock), with its group."""
        now = now or self.ctx.clock.now()
        completions = await self.ctx.store.completions.list_for_enrolment(enrolment.id)
        group = None
        if enrolment.guild_id is not None:
            group = await self.ctx.store.groups.group_of(
                enrolment.user_id, enrolment.guild_id, enrolment.pathway_id
            )
        return replace(self._view_of(enrolment, completions, now), group=group)

    def _view_of(
        self, enrolment: Enrolment, completions: Sequence[Completion], now: datetime
    ) -> LearnerPlan:
        """A learner's plan from completions already read: no further queries."""
        pathway = self.ctx.registry.get(enrolment.pathway_id)
        state = standing(pathway, enrolment, completions, now)
        next_slot = None
        if enrolment.status is EnrolmentStatus.ACTIVE and enrolment.next_reminder_at is not None:
            local_day = enrolment.next_reminder_at.astimezone(state.schedule.zone).date()
            next_slot = cadence.ReminderSlot(
                enrolment.next_reminder_at, local_day, cadence.period_key(local_day)
            )
        return LearnerPlan(
            pathway=pathway,
            enrolment=enrolment,
            plan=state.plan,
            progress=state.progress,
            streak=state.streak,
            points=state.points,
            next_reminder=next_slot,
        )

    async def following(self, user_id: int, guild_id: int | None) -> list[Enrolment]:
        """Enrolments the user follows in this scope (a server, or everywhere from a DM),
        whose pathway is still loaded."""
        rows = await self.ctx.store.enrolments.list_for_user(user_id, guild_id)
        return [
            e
            for e in rows
            if (guild_id is None or e.guild_id == guild_id)
            and e.status in FOLLOWING
            and self.ctx.registry.find(e.pathway_id) is not None
        ]

    async def followed_anywhere(self, user_id: int, pathway_id: str) -> Enrolment | None:
        """The learner's one enrolment of a pathway, in whichever server or DM it lives."""
        for e in await self.ctx.store.enrolments.list_for_user(user_id):
            if e.pathway_id == pathway_id and e.status in FOLLOWING:
                return e
        return None

    async def require_following(self, user_id: int, guild_id: int | None) -> list[Enrolment]:
        found = await self.following(user_id, guild_id)
        if not found:
            if guild_id is not None:
                raise NotEnrolled(code=ErrorCode.NOTHING_FOLLOWED_IN_SERVER)
            raise NotEnrolled(code=ErrorCode.NOTHING_FOLLOWED_HERE)
        return found

    async def owned_enrolment(self, enrolment_id: int, user_id: int) -> Enrolment:
        """An enrolment reached through a button: it must belong to the clicking user."""
        enrolment = await self.ctx.store.enrolments.get(enrolment_id)
        if enrolment is None or enrolment.status is EnrolmentStatus.LEFT:
            raise NotEnrolled(code=ErrorCode.PLAN_GONE)
        if enrolment.user_id != user_id:
            raise Forbidden(code=ErrorCode.NOT_YOUR_PLAN)
        return enrolment

    async def _reload(self, enrolment_id: int) -> Enrolment:
        enrolment = await self.ctx.store.enrolments.get(enrolment_id)
        if enrolment is None:
            raise NotEnrolled(code=ErrorCode.ENROLMENT_GONE)
        return enrolment

    async def tasks(
        self, user_id: int, guild_id: int | None, horizon: str | None
    ) -> list[LearnerPlan]:
        if horizon is not None and horizon not in {h.value for h in Horizon} | {"phase", "all"}:
            raise InvalidInput(code=ErrorCode.HORIZON_UNKNOWN)
        enrolments = await self.require_following(user_id, guild_id)
        return [await self.view(e) for e in enrolments]

    async def open_items(
        self, user_id: int, guild_id: int | None, *, done: bool
    ) -> list[tuple[Enrolment, ItemStatus]]:
        """For autocomplete: open items (or done ones, for undo), most urgent first."""
        out: list[tuple[Enrolment, ItemStatus]] = []
        for e in await self.following(user_id, guild_id):
            state = await self.standing_of(e)
            for s in state.plan.statuses:
                if done == (s.state is ItemState.DONE):
                    out.append((e, s))
        rank_state = {
            ItemState.OVERDUE: 0,
            ItemState.DUE_SOON: 1,
            ItemState.OPEN: 2,
            ItemState.DONE: 3,
        }
        out.sort(
            key=lambda es: (
                rank_state.get(es[1].state, 4),
                es[1].item.kind is ItemKind.SKILL,
                es[1].due_at.timestamp() if es[1].due_at else float("inf"),
            )
        )
        return out

    async def progress_of(
        self, viewer_id: int, target_id: int, guild_id: int | None
    ) -> ProgressOutcome:
        store = self.ctx.store
        learner = await store.learners.get(target_id)
        if target_id != viewer_id:
            # Someone else's progress: only what they opted into (`/me visibility shown`),
            # or, in a server, the pathways where the viewer shares their study group.
            if learner is None or guild_id is None:
                raise Forbidden(code=ErrorCode.PROGRESS_PRIVATE)
            enrolments = await self.following(target_id, guild_id)
            if learner.visibility is not Visibility.SHOWN:
                enrolments = [e for e in enrolments if await self._same_group(e, viewer_id)]
                if not enrolments:
                    raise Forbidden(code=ErrorCode.PROGRESS_PRIVATE)
            if not enrolments:
                raise NotEnrolled(code=ErrorCode.MEMBER_NOT_ENROLLED)
        else:
            enrolments = await self.require_following(target_id, guild_id)
        return ProgressOutcome(learner, [await self.view(e) for e in enrolments])

    async def _same_group(self, enrolment: Enrolment, viewer_id: int) -> bool:
        """Whether the viewer is in the study group this enrolment's learner is in."""
        if enrolment.guild_id is None:
            return False
        theirs = await self.ctx.store.groups.group_of(
            enrolment.user_id, enrolment.guild_id, enrolment.pathway_id
        )
        if theirs is None:
            return False
        mine = await self.ctx.store.groups.group_of(
            viewer_id, enrolment.guild_id, enrolment.pathway_id
        )
        return mine is not None and mine.id == theirs.id

    async def replan(self, user_id: int, now: datetime) -> None:
        """Reminder settings are the learner's: re-time every active enrolment after a change."""
        for e in await self.ctx.store.enrolments.list_for_user(user_id):
            if e.status is EnrolmentStatus.ACTIVE:
                slot = cadence.next_reminder(now, e.prefs)
                await self.ctx.store.enrolments.set_next_reminder_at(e.id, slot.at, now)
