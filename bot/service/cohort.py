"""`/cohort [group] [pathway]`: how a server's learners are doing, for its organisers.

Reads the same population the leaderboard reads (a study group's members, or everyone on
the pathway in the server; enrolments left are not counted) and scores them the way
`/leaderboard metric:on-schedule` does, so the two always agree. Hidden learners count in
every number and are never listed (see bot/core/cohort.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from bot.core import cadence
from bot.core.cadence import Plan, Schedule
from bot.core.cohort import (
    CohortSummary,
    LearnerRow,
    Week,
    on_schedule,
    status_from_plan,
    status_of,
    summarise,
)
from bot.core.errors import ErrorCode, InvalidInput, NotFound
from bot.core.layout import settled
from bot.core.leaderboard import expected_by_now
from bot.core.models import (
    Completion,
    Enrolment,
    EnrolmentStatus,
    LeaderboardRow,
    StudyGroup,
    Visibility,
)
from bot.core.pathway import Pathway
from bot.core.standing import standing
from bot.core.streaks import current_streak
from bot.core.timeparse import parse_zone
from bot.service.context import Context
from bot.service.social import Social

#: Weeks the chart covers at most (fewer for a cohort that started more recently).
WEEKS = 12


@dataclass(frozen=True, slots=True)
class CohortScope:
    guild_id: int
    pathway_id: str
    group: StudyGroup | None


class CohortService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def scope(
        self, guild_id: int, group_name: str | None, pathway_id: str | None
    ) -> CohortScope:
        """Check the options (a few indexed reads) before the adapter defers."""
        group: StudyGroup | None = None
        if group_name:
            group = await Social(self.ctx).group(guild_id, group_name)
        if pathway_id:
            pathway = self.ctx.registry.get(pathway_id.strip())
            if group is not None and group.pathway_id != pathway.id:
                raise InvalidInput(
                    code=ErrorCode.COHORT_GROUP_OTHER_PATHWAY,
                    group=group.name,
                    follows=group.pathway_id,
                    asked=pathway.id,
                )
            return CohortScope(guild_id, pathway.id, group)
        if group is not None:
            return CohortScope(guild_id, group.pathway_id, group)
        return CohortScope(guild_id, await self._default_pathway(guild_id), None)

    async def _default_pathway(self, guild_id: int) -> str:
        ids = self.ctx.registry.ids()
        if not ids:
            raise NotFound(code=ErrorCode.NO_PATHWAYS_LOADED)
        if len(ids) > 1:
            groups = await self.ctx.store.groups.list_for_guild(guild_id)
            if groups:
                return groups[0].pathway_id
        return ids[0]

    async def report(self, where: CohortScope) -> CohortSummary:
        """Read once, then compute off the event loop: a 10,000-learner cohort takes
        seconds of CPU, which must not stall the bot's other work."""
        store = self.ctx.store
        now = self.ctx.clock.now()
        pathway = self.ctx.registry.get(where.pathway_id)
        if where.group is not None:
            rows = await store.leaderboards.for_group(where.group.id, None, None)
            title = f"{where.group.name} · {pathway.name}"
        else:
            rows = await store.leaderboards.for_pathway(
                where.guild_id, where.pathway_id, None, None
            )
            title = pathway.name
        ids = [r.enrolment_id for r in rows]
        enrolments = await store.enrolments.get_many(ids)
        completions = await store.completions.for_enrolments(ids)
        settings = await store.guilds.get(where.guild_id)
        tz = settings.default_prefs.tz if settings.default_prefs else "UTC"
        return await asyncio.to_thread(
            compute, pathway, title, rows, enrolments, completions, now, tz
        )


def compute(
    pathway: Pathway,
    title: str,
    rows: Sequence[LeaderboardRow],
    enrolments: Mapping[int, Enrolment],
    completions: Mapping[int, Sequence[Completion]],
    now: datetime,
    tz: str,
) -> CohortSummary:
    """The summary from what the store returned. Learners sharing a calendar (start date,
    zone, pace, no pauses) share one plan: deadlines do not depend on what is done, so each
    learner only needs their own done set laid over it (`standing` is used for learners with
    pauses, whose deadlines are their own)."""
    item_ids = {i.id for i in pathway.items()}
    base_plans: dict[tuple[date, str, str], Plan] = {}
    learners: list[LearnerRow] = []
    members: list[tuple[Enrolment, list[Completion]]] = []
    for r in rows:
        e = enrolments.get(r.enrolment_id)
        if e is None or e.pathway_id != pathway.id:
            continue
        done_list = [c for c in completions.get(r.enrolment_id, ()) if c.item_id in item_ids]
        paused = e.status is EnrolmentStatus.PAUSED
        if e.pauses:
            state = standing(pathway, e, done_list, now)
            expected = expected_by_now(state.plan)
            status = status_of(state.progress, paused)
            streak = state.streak
        else:
            key = (e.start_date, e.prefs.tz, e.pace)
            plan = base_plans.get(key)
            if plan is None:
                schedule = Schedule(e.start_date, e.prefs, (), e.pace)
                plan = base_plans[key] = cadence.build_plan(pathway, schedule, (), now)
            expected = expected_by_now(plan)
            have = settled(pathway, frozenset(c.item_id for c in done_list))
            status = status_from_plan(plan, have, paused)
            streak = current_streak(
                [c.completed_at for c in done_list], plan.zone, now, (), e.start_date
            )
        done = len(done_list)
        learners.append(
            LearnerRow(
                user_id=r.user_id,
                visible=r.visibility is Visibility.SHOWN,
                status=status,
                done=done,
                expected=expected,
                score=on_schedule(done, expected),
                last_activity=r.reached_at,
                streak=streak,
            )
        )
        members.append((e, done_list))
    return summarise(title, now, learners, weekly(pathway, members, now, tz, base_plans))


def weekly(
    pathway: Pathway,
    members: Sequence[tuple[Enrolment, Sequence[Completion]]],
    now: datetime,
    tz: str,
    base_plans: Mapping[tuple[date, str, str], Plan] | None = None,
) -> list[Week]:
    """The cohort's completions per local week (Monday first, in the server's zone) and what
    their plans expected in each, for the last `WEEKS` weeks since the earliest start."""
    zone = parse_zone(tz)
    today = now.astimezone(zone).date()
    this_monday = today - timedelta(days=today.weekday())
    earliest = min((e.start_date for e, _ in members), default=today)
    first = max(
        this_monday - timedelta(weeks=WEEKS - 1),
        earliest - timedelta(days=earliest.weekday()),
    )
    mondays = [first + timedelta(weeks=i) for i in range((this_monday - first).days // 7 + 1)]
    bounds = [cadence.resolve_local(m, time(0), zone) for m in mondays]
    bounds.append(now)  # the current week counts up to now
    expected = [0.0] * len(mondays)
    done = [0] * len(mondays)
    shared: dict[tuple[date, str, str], list[float]] = {}
    for e, completions in members:
        key = (e.start_date, e.prefs.tz, e.pace)
        curve = shared.get(key) if not e.pauses else None
        if curve is None:
            schedule = Schedule(e.start_date, e.prefs, e.pauses, e.pace)
            if e.pauses:  # a pause moves deadlines as it runs: one plan per instant
                curve = [
                    expected_by_now(cadence.build_plan(pathway, schedule, (), at)) for at in bounds
                ]
            else:  # the deadlines stay put: one plan, read at each instant
                plan = (base_plans or {}).get(key) or cadence.build_plan(pathway, schedule, (), now)
                curve = [expected_by_now(replace(plan, at=at)) for at in bounds]
                shared[key] = curve
        for i in range(len(mondays)):
            expected[i] += max(0.0, curve[i + 1] - curve[i])
        for c in completions:
            for i in range(len(mondays)):
                if bounds[i] <= c.completed_at < bounds[i + 1]:
                    done[i] += 1
                    break
    return [Week(m, done[i], round(expected[i], 2)) for i, m in enumerate(mondays)]
