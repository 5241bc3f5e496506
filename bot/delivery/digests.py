"""Weekly channel digests for study groups and pathway cohorts.

At the guild's configured weekday, time and zone (default Monday 09:00 UTC), each study group
(in its own channel, else the digest channel) and each pathway cohort (learners on a pathway
in no group) gets one post: who finished what, how many are on schedule or behind, where
everyone is, milestones reached and the next shared one, and the top of the points board. A
group digest names its members; a cohort digest names only learners who opted in. The same
outbox as reminders makes it once per week per target, whatever restarts or second processes
do.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.core import cadence
from bot.core.cadence import ItemState, Schedule
from bot.core.deadlines import by_end_of
from bot.core.digest_schedule import current_slot, digest_prefs, is_due
from bot.core.focus import weekly_focus
from bot.core.layout import default_pace
from bot.core.leaderboard import Entry, rank
from bot.core.models import (
    DeliveryKind,
    Enrolment,
    EnrolmentStatus,
    GuildSettings,
    LeaderboardRow,
    ReminderPrefs,
    StudyGroup,
    Visibility,
)
from bot.core.pathway import Horizon, Pathway
from bot.core.progress import Track, on_track
from bot.core.registry import Pathways
from bot.core.untrusted import escape_text
from bot.delivery.ports import DigestContent, DmClosed, Notifier, SendFailed
from bot.delivery.retry import LEASE, MAX_ATTEMPTS, backoff
from bot.store.deliveries import group_target
from bot.store.store import Store

log = logging.getLogger(__name__)

TOP = 5
DIGEST_RETRY_BASE = 60.0  # a channel post can wait longer between tries than a DM
MILESTONE_DAYS = {Horizon.WEEK: "week 1", Horizon.MONTH: "month 1", Horizon.QUARTER: "day 90"}


@dataclass(frozen=True, slots=True)
class DigestTarget:
    key: str  # outbox target
    channel_id: int
    title: str
    pathway: Pathway
    rows: list[LeaderboardRow]  # empty until the digest is about to be posted
    group: StudyGroup | None
    guild_id: int | None = None  # a cohort's guild (a group's is on the group)


class DigestSender:
    def __init__(self, store: Store, registry: Pathways, notifier: Notifier, clock: Clock) -> None:
        self.store = store
        self.registry = registry
        self.notifier = notifier
        self.clock = clock

    async def sweep(self) -> int:
        """Post every digest whose weekly slot has come; returns how many were posted.

        The check runs every minute for the day a slot stays due, so it first asks the
        outbox, in one read, which digests are still open; a board is read only for a digest
        about to be posted, once, after its claim.
        """
        now = self.clock.now()
        posted = 0
        for settings in await self.store.guilds.with_digest_channel():
            slot = current_slot(digest_prefs(settings), now)
            if not is_due(slot, now):
                continue
            targets = await self._targets(settings)
            open_keys = await self.store.deliveries.open_targets(
                DeliveryKind.DIGEST, slot.period_key, [t.key for t in targets], now
            )
            for target in targets:
                if target.key in open_keys:
                    posted += await self._post(target, slot, now)
        return posted

    async def _targets(self, settings: GuildSettings) -> list[DigestTarget]:
        """Every digest this guild could get, without their boards (read when posted)."""
        assert settings.digest_channel_id is not None  # noqa: S101 - selected for it
        out: list[DigestTarget] = []
        for group in await self.store.groups.list_for_guild(settings.guild_id):
            found = self.registry.find(group.pathway_id)
            if found is None:
                continue
            out.append(
                DigestTarget(
                    group_target(group.id),
                    group.channel_id or settings.digest_channel_id,
                    f"Weekly digest · {escape_text(group.name, 80)}",  # a member chose it
                    found.pathway,
                    [],
                    group,
                )
            )
        for lp in self.registry.all():
            out.append(
                DigestTarget(
                    f"cohort:{settings.guild_id}:{lp.pathway.id}",
                    settings.digest_channel_id,
                    f"Weekly digest · {lp.pathway.name}",
                    lp.pathway,
                    [],
                    None,
                    settings.guild_id,
                )
            )
        return out

    async def _board(self, target: DigestTarget) -> list[LeaderboardRow]:
        if target.group is not None:
            return await self.store.leaderboards.for_group(target.group.id)
        assert target.guild_id is not None  # noqa: S101 - a cohort names its guild
        return await self.store.leaderboards.for_pathway_ungrouped(
            target.guild_id, target.pathway.id
        )

    async def _post(self, target: DigestTarget, slot: cadence.ReminderSlot, now: datetime) -> int:
        claim = await self.store.deliveries.claim(
            DeliveryKind.DIGEST,
            target.key,
            slot.period_key,
            now,
            abandon_after=now + LEASE,
        )
        delivery = claim.delivery
        if not claim.claimed:  # posted already, or another sender holds its lease
            return 0
        try:
            rows = await self._board(target)
            if not rows:
                await self.store.deliveries.skip(delivery.id, now, "nobody to show")
                return 0
            target = replace(target, rows=rows)
            content = await self.compose(target, slot.at, now)
            sent = await self.notifier.post_digest(target.channel_id, content, delivery.nonce)
        except (SendFailed, DmClosed) as exc:
            permanent = isinstance(exc, SendFailed) and exc.permanent
            await self.store.deliveries.mark_failed(
                delivery.id,
                str(exc),
                now,
                1 if permanent else MAX_ATTEMPTS,
                now + backoff(delivery.attempts, DIGEST_RETRY_BASE),
            )
            log.warning("digest %s for %s failed: %s", delivery.id, target.key, exc)
            return 0
        except Exception as exc:  # one digest's bad data must not hold up the others
            eid = secrets.token_hex(4)
            log.exception(
                "digest %s for %s failed unexpectedly (error id %s)",
                delivery.id,
                target.key,
                eid,
                extra={"error_id": eid},
            )
            await self.store.deliveries.mark_failed(
                delivery.id,
                f"error id {eid}: {type(exc).__name__}: {exc}",
                now,
                MAX_ATTEMPTS,
                now + backoff(delivery.attempts, DIGEST_RETRY_BASE),
            )
            return 0
        await self.store.deliveries.mark_sent(delivery.id, sent.message_id, now)
        return 1

    async def compose(
        self, target: DigestTarget, slot_at: datetime, now: datetime
    ) -> DigestContent:
        """The week in one post: who finished what (visible members only), how many are on
        schedule or behind, where everyone is, and the group's next shared milestone.

        A study group shows its members to the group; a server-wide cohort digest names only
        learners who opted in (`/me visibility shown`)."""
        pathway = target.pathway
        phases: Counter[int] = Counter()
        milestones: Counter[str] = Counter()
        since = slot_at - timedelta(days=7)
        ids = [r.enrolment_id for r in target.rows]
        enrolments = await self.store.enrolments.get_many(ids)
        completions = await self.store.completions.for_enrolments(ids)
        in_group = target.group is not None
        on_schedule = behind = 0
        finished: list[tuple[int, list[str]]] = []
        for row in target.rows:
            enrolment = enrolments.get(row.enrolment_id)
            if enrolment is None or enrolment.status is EnrolmentStatus.LEFT:
                continue
            done = completions.get(row.enrolment_id, [])
            plan = self._plan(pathway, enrolment, now, {c.item_id for c in done})
            if plan.phase_index is not None:
                phases[plan.phase_index] += 1
            if enrolment.status is EnrolmentStatus.ACTIVE:
                if on_track(plan).track is Track.BEHIND:
                    behind += 1
                else:
                    on_schedule += 1
            for horizon, deadline in plan.horizon_deadlines.items():
                if since < deadline <= now:
                    milestones[MILESTONE_DAYS[horizon]] += 1
            visible = in_group or row.visibility is Visibility.SHOWN
            this_week = [c for c in done if since < c.completed_at <= now]
            if visible and this_week:
                texts = [item.text for c in this_week if (item := pathway.item(c.item_id))]
                if texts:
                    finished.append((row.user_id, texts))
        where = [
            f"Phase {i + 1}: {pathway.roadmap.phases[i].title} · {n} learner{'s' if n != 1 else ''}"
            for i, n in sorted(phases.items())
        ]
        notes = [
            f"{n} learner{'s' if n != 1 else ''} reached {name} this week"
            for name, n in milestones.items()
        ]
        focus: list[str] = []
        next_milestone: str | None = None
        if target.group is not None:
            # The cohort's focus: what a member keeping to the cohort's calendar works on now,
            # chosen by the same rule as every learner's reminder.
            cohort = Schedule(
                target.group.cohort_start, ReminderPrefs(), pace=default_pace(pathway)
            )
            idle = cadence.build_plan(pathway, cohort, set(), now)
            kept_up = {s.item.id for s in idle.statuses if s.state is ItemState.OVERDUE}
            cohort_plan = cadence.build_plan(pathway, cohort, kept_up, now)
            focus = [
                f"{s.item.text} ({by_end_of(s.due_at, cohort.zone, now)})"
                if s.due_at is not None
                else s.item.text
                for s in weekly_focus(cohort_plan)
            ]
            notes += [
                f"The cohort reached its {MILESTONE_DAYS[horizon]} checkpoint"
                for horizon, deadline in idle.horizon_deadlines.items()
                if since < deadline <= now
            ]
            next_milestone = self._next_milestone(pathway, idle, now)
        finished.sort(key=lambda f: -len(f[1]))
        in_sight = [r for r in target.rows if in_group or r.visibility is Visibility.SHOWN]
        shown = [Entry(r.user_id, float(r.points), r.reached_at) for r in in_sight if r.points > 0]
        top = [(r.rank, r.entry.user_id, r.entry.score) for r in rank(shown)[:TOP]]
        hidden = len(target.rows) - len(in_sight)
        return DigestContent(
            title=target.title,
            pathway_title=pathway.name,
            week_focus=focus,
            milestones=notes,
            leaderboard=top,
            members=len(target.rows),
            hidden_members=hidden,
            finished=finished,
            on_schedule=on_schedule,
            behind=behind,
            next_milestone=next_milestone,
            phases=where,
        )

    @staticmethod
    def _next_milestone(pathway: Pathway, cohort: cadence.Plan, now: datetime) -> str | None:
        """The next checkpoint or phase end on the group's shared (cohort) calendar."""
        ahead: list[tuple[datetime, str]] = [
            (deadline, f"the {MILESTONE_DAYS[h]} checkpoint")
            for h, deadline in cohort.horizon_deadlines.items()
            if deadline > now
        ]
        ahead += [
            (ends, f"the end of phase {i + 1}, {pathway.roadmap.phases[i].title}")
            for i, (_, ends) in enumerate(cohort.phase_windows)
            if ends > now
        ]
        if not ahead:
            return None
        when, what = min(ahead)
        return f"{what}, {by_end_of(when, cohort.zone, now)}"

    @staticmethod
    def _plan(
        pathway: Pathway, enrolment: Enrolment, now: datetime, done: set[str]
    ) -> cadence.Plan:
        schedule = Schedule(enrolment.start_date, enrolment.prefs, enrolment.pauses, enrolment.pace)
        return cadence.build_plan(pathway, schedule, done, now)
