"""Enrol, see tasks, complete and undo items, see progress, leave.

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

from bot.core import cadence
from bot.core.cadence import ItemState, ItemStatus, Schedule
from bot.core.errors import Forbidden, InvalidInput, NotEnrolled, NotFound
from bot.core.layout import check_pace, default_pace
from bot.core.models import (
    Completion,
    CompletionSource,
    Enrolment,
    EnrolmentStatus,
    ReminderPrefs,
    StudyGroup,
    Visibility,
)
from bot.core.pathway import Horizon, ItemKind
from bot.core.points import points_for
from bot.core.progress import all_done
from bot.core.standing import Standing, standing
from bot.core.timeparse import check_start_date, override_prefs, parse_date, parse_zone
from bot.core.untrusted import quote_input, tidy
from bot.service.context import Context
from bot.service.views import (
    DoneOutcome,
    EnrollOutcome,
    LearnerPlan,
    PrefsSource,
    ProgressOutcome,
    RankChange,
    UndoOutcome,
)

FOLLOWING = (EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED, EnrolmentStatus.COMPLETED)


class Learning:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- reading -------------------------------------------------------------------------

    async def standing_of(self, enrolment: Enrolment, now: datetime | None = None) -> Standing:
        """Plan, progress, streak and points: one query. Autocomplete runs this per keystroke,
        so it reads nothing `view` adds for replies (the study group)."""
        pathway = self.ctx.registry.get(enrolment.pathway_id)
        completions = await self.ctx.store.completions.list_for_enrolment(enrolment.id)
        return standing(pathway, enrolment, completions, now or self.ctx.clock.now())

    async def view(self, enrolment: Enrolment, now: datetime | None = None) -> LearnerPlan:
        """The learner's plan for one enrolment at `now` (default: the clock)."""
        now = now or self.ctx.clock.now()
        store = self.ctx.store
        pathway = self.ctx.registry.get(enrolment.pathway_id)
        state = await self.standing_of(enrolment, now)
        next_slot = None
        if enrolment.status is EnrolmentStatus.ACTIVE and enrolment.next_reminder_at is not None:
            local_day = enrolment.next_reminder_at.astimezone(state.schedule.zone).date()
            next_slot = cadence.ReminderSlot(
                enrolment.next_reminder_at, local_day, cadence.period_key(local_day)
            )
        group = None
        if enrolment.guild_id is not None:
            group = await store.groups.group_of(
                enrolment.user_id, enrolment.guild_id, enrolment.pathway_id
            )
        return LearnerPlan(
            pathway=pathway,
            enrolment=enrolment,
            plan=state.plan,
            progress=state.progress,
            streak=state.streak,
            points=state.points,
            next_reminder=next_slot,
            group=group,
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
            where = "in this server" if guild_id is not None else "here"
            raise NotEnrolled(f"You are not enrolled in any pathway {where}. Start with `/enroll`.")
        return found

    async def owned_enrolment(self, enrolment_id: int, user_id: int) -> Enrolment:
        """An enrolment reached through a button: it must belong to the clicking user."""
        enrolment = await self.ctx.store.enrolments.get(enrolment_id)
        if enrolment is None or enrolment.status is EnrolmentStatus.LEFT:
            raise NotEnrolled("That plan no longer exists: you may have left the pathway.")
        if enrolment.user_id != user_id:
            raise Forbidden(
                "These controls belong to someone else's plan. Use `/tasks` to see your own."
            )
        return enrolment

    # --- enrol ---------------------------------------------------------------------------

    async def enroll(
        self,
        user_id: int,
        guild_id: int | None,
        pathway_id: str,
        *,
        group: str | None = None,
        timezone: str | None = None,
        day: str | None = None,
        time: str | None = None,
        start: str | None = None,
        pace: str | None = None,
    ) -> EnrollOutcome:
        now = self.ctx.clock.now()
        store = self.ctx.store
        loaded = self.ctx.registry.loaded(pathway_id.strip())
        # Invalid input must write nothing: every value is checked before the first write.
        chosen_pace = check_pace(loaded.pathway, pace) if pace else None
        start_date = parse_date(start) if start else None
        target_group: StudyGroup | None = None
        if group:
            if guild_id is None:
                raise InvalidInput("Study groups exist only in servers.")
            target_group = await store.groups.get_by_name(guild_id, tidy(group))
            if target_group is None:
                raise NotFound(
                    f"This server has no study group called {quote_input(group, 80)}. "
                    "See `/group list`."
                )
            if target_group.pathway_id != loaded.pathway.id:
                raise InvalidInput(
                    f"{quote_input(target_group.name, 80)} follows `{target_group.pathway_id}`, "
                    f"not `{loaded.pathway.id}`."
                )

        learner = await store.learners.get(user_id)
        guild_prefs = (
            (await store.guilds.get(guild_id)).default_prefs
            if guild_id is not None and learner is None
            else None
        )
        if learner is not None:
            base, source = learner.prefs, PrefsSource.LEARNER
        elif guild_prefs is not None:
            base, source = guild_prefs, PrefsSource.GUILD
        else:
            base, source = ReminderPrefs(), PrefsSource.DEFAULT
        prefs = override_prefs(base, day, time, timezone)
        if timezone:
            source = PrefsSource.GIVEN
        today = now.astimezone(parse_zone(prefs.tz)).date()
        if start_date is not None:
            check_start_date(start_date, today)

        mine = await store.enrolments.list_for_user(user_id)
        existing = next(
            (e for e in mine if e.guild_id == guild_id and e.pathway_id == loaded.pathway.id),
            None,
        )
        elsewhere = next(
            (e for e in mine if e.pathway_id == loaded.pathway.id and e.status in FOLLOWING),
            None,
        )
        if elsewhere is not None and elsewhere.guild_id != guild_id:
            if elsewhere.guild_id is None and guild_id is not None:
                # Followed from DMs until now: it moves into this server, progress and all,
                # so its boards and groups can see it. Still one enrolment, one reminder.
                elsewhere = await store.enrolments.move_to_guild(elsewhere.id, guild_id, now)
                existing = elsewhere
            else:
                return EnrollOutcome(
                    view=await self.view(elsewhere, now),
                    restored=False,
                    already=True,
                    prefs_source=PrefsSource.LEARNER,
                    lives_in=elsewhere.guild_id,
                )
        if existing is not None and existing.status is not EnrolmentStatus.LEFT:
            pace_changed = chosen_pace is not None and chosen_pace != existing.pace
            if pace_changed and chosen_pace is not None:
                # A pace only moves deadlines, and changing it back restores them: no confirm.
                existing = await store.enrolments.set_pace(existing.id, chosen_pace, now)
            asked = bool(timezone or day or time or start_date)
            changed = prefs != existing.prefs or (
                start_date is not None and start_date != existing.start_date
            )
            return EnrollOutcome(
                view=await self.view(existing, now),
                restored=False,
                already=True,
                prefs_source=PrefsSource.LEARNER,
                proposed_prefs=prefs if asked and changed else None,
                proposed_start=start_date.isoformat() if asked and changed and start_date else None,
                pace_changed=pace_changed,
            )

        # A new learner is created with these prefs by enrol(); a known one whose reminder
        # settings change has every other enrolment re-timed to them.
        prefs_changed = learner is not None and learner.prefs != prefs
        if prefs_changed:
            await store.learners.set_prefs(user_id, prefs, now)
        restored = existing is not None
        first_start = start_date or (existing.start_date if existing else today)
        schedule = Schedule(first_start, prefs)
        slot = cadence.first_reminder(schedule, now)
        result = await store.enrolments.enrol(
            user_id,
            guild_id,
            loaded.pathway.id,
            loaded.content_hash,
            first_start,
            now,
            next_reminder_at=slot.at,
            pace=chosen_pace or default_pace(loaded.pathway),
            prefs=prefs,
        )
        enrolment = result.enrolment
        if chosen_pace is not None and enrolment.pace != chosen_pace:
            enrolment = await store.enrolments.set_pace(enrolment.id, chosen_pace, now)
        if start_date is not None and restored and enrolment.start_date != start_date:
            enrolment = await store.enrolments.set_start_date(enrolment.id, start_date, now)
        group_now: StudyGroup | None = None
        if restored and enrolment.guild_id is not None:
            group_now = await store.groups.group_of(user_id, enrolment.guild_id, loaded.pathway.id)
        if target_group is not None and group_now is None:
            await store.groups.join(target_group.id, user_id, now)
            group_now = target_group
        if prefs_changed:
            await self.replan(user_id, now)
            enrolment = await self._reload(enrolment.id)
        completions = await store.completions.list_for_enrolment(enrolment.id) if restored else []
        return EnrollOutcome(
            view=replace(self._view_of(enrolment, completions, now), group=group_now),
            restored=result.restored,
            already=False,
            prefs_source=source,
        )

    async def apply_settings(
        self, enrolment_id: int, user_id: int, prefs: ReminderPrefs, start: str | None
    ) -> LearnerPlan:
        """Confirm the settings a repeated `/enroll` proposed."""
        now = self.ctx.clock.now()
        enrolment = await self.owned_enrolment(enrolment_id, user_id)
        parse_zone(prefs.tz)
        start_date = parse_date(start) if start else None
        if start_date is not None:
            check_start_date(start_date, now.astimezone(parse_zone(prefs.tz)).date())
        await self.ctx.store.learners.set_prefs(user_id, prefs, now)
        if start_date is not None and start_date != enrolment.start_date:
            await self.ctx.store.enrolments.set_start_date(enrolment.id, start_date, now)
        await self.replan(user_id, now)
        return await self.view(await self._reload(enrolment.id), now)

    async def _reload(self, enrolment_id: int) -> Enrolment:
        enrolment = await self.ctx.store.enrolments.get(enrolment_id)
        if enrolment is None:
            raise NotEnrolled("That enrolment no longer exists.")
        return enrolment

    async def replan(self, user_id: int, now: datetime) -> None:
        """Reminder settings are the learner's: re-time every active enrolment after a change."""
        for e in await self.ctx.store.enrolments.list_for_user(user_id):
            if e.status is EnrolmentStatus.ACTIVE:
                slot = cadence.next_reminder(now, e.prefs)
                await self.ctx.store.enrolments.set_next_reminder_at(e.id, slot.at, now)

    # --- items ---------------------------------------------------------------------------

    async def resolve_item(
        self, user_id: int, guild_id: int | None, ref: str
    ) -> tuple[Enrolment, ItemStatus]:
        """Find the item a user typed or picked: `item-id`, `pathway/item-id`, or its text."""
        enrolments = await self.require_following(user_id, guild_id)
        text = ref.strip()
        pathway_hint: str | None = None
        if "/" in text:
            pathway_hint, text = (part.strip() for part in text.split("/", 1))
        matches: list[tuple[Enrolment, ItemStatus]] = []
        for e in enrolments:
            if pathway_hint and e.pathway_id != pathway_hint:
                continue
            plan = (await self.standing_of(e)).plan
            for s in plan.statuses:
                if s.item.id == text or s.item.text.casefold() == text.casefold():
                    matches.append((e, s))
        if not matches:
            raise NotFound(
                f"There is no item {quote_input(ref, 80)} in your pathway. Pick one from the "
                "list that appears as you type, or see `/tasks`."
            )
        if len(matches) > 1:
            options = ", ".join(f"`{e.pathway_id}/{s.item.id}`" for e, s in matches[:5])
            raise InvalidInput(
                f"{quote_input(ref, 80)} is in more than one pathway: use {options}."
            )
        # Items not open yet may be completed as well: working ahead counts as "ahead".
        return matches[0]

    async def done(
        self,
        user_id: int,
        guild_id: int | None,
        ref: str,
        source: CompletionSource = CompletionSource.COMMAND,
    ) -> DoneOutcome:
        enrolment, status = await self.resolve_item(user_id, guild_id, ref)
        return await self._complete(enrolment, status, source)

    async def done_by_id(
        self, enrolment_id: int, user_id: int, item_id: str, source: CompletionSource
    ) -> DoneOutcome:
        """A 'Mark done' button or the select: the enrolment comes from the custom_id."""
        enrolment = await self.owned_enrolment(enrolment_id, user_id)
        plan = (await self.standing_of(enrolment)).plan
        status = plan.status(item_id)
        if status is None:
            raise NotFound("That item is no longer part of this pathway.")
        return await self._complete(enrolment, status, source)

    async def _complete(
        self, enrolment: Enrolment, status: ItemStatus, source: CompletionSource
    ) -> DoneOutcome:
        """One downward pass: one write transaction records the completion and settles its
        effects (completing the pathway when it was the last item); one read gives the rank
        before and after, from the running totals. Nothing else is read."""
        now = self.ctx.clock.now()
        store = self.ctx.store
        if enrolment.status is EnrolmentStatus.LEFT:
            raise NotEnrolled("You have left this pathway. `/enroll` again to pick it back up.")
        pathway = self.ctx.registry.get(enrolment.pathway_id)
        result = await store.completions.record(
            enrolment.id,
            status.item.id,
            now,
            source,
            points_for(status, now),
            finishes=lambda done: all_done(pathway, done),
        )
        after = result.enrolment or enrolment
        view = self._view_of(after, result.completions, now)
        change = None
        if enrolment.guild_id is not None:
            points_after = sum(c.points for c in result.completions)
            read = await store.leaderboards.rank_change(
                enrolment.id,
                enrolment.guild_id,
                enrolment.pathway_id,
                result.points_before,
                points_after,
            )
            scope = (
                f"study group {quote_input(read.group_name, 80)}"
                if read.group_name is not None
                else "this pathway in this server"
            )
            change = RankChange(read.before if result.created else read.after, read.after, scope)
        refreshed = view.plan.status(status.item.id) or status
        return DoneOutcome(
            created=result.created,
            status=refreshed,
            points=result.completion.points,
            view=view,
            rank=change,
            completed_at=result.completion.completed_at,
        )

    def _view_of(
        self, enrolment: Enrolment, completions: Sequence[Completion], now: datetime
    ) -> LearnerPlan:
        """A learner's plan from what a write already read: no further queries."""
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

    async def undo(self, user_id: int, guild_id: int | None, ref: str) -> UndoOutcome:
        enrolment, status = await self.resolve_item(user_id, guild_id, ref)
        if status.state is not ItemState.DONE:
            raise InvalidInput(
                f"“{status.item.text}” is not marked done, so there is nothing to undo."
            )
        removed = await self.ctx.store.completions.undo(enrolment.id, status.item.id)
        now = self.ctx.clock.now()
        if removed and enrolment.status is EnrolmentStatus.COMPLETED:
            await self.ctx.store.enrolments.reopen(enrolment.id, now)
            slot = cadence.next_reminder(now, enrolment.prefs)
            await self.ctx.store.enrolments.set_next_reminder_at(enrolment.id, slot.at, now)
        view = await self.view(await self._reload(enrolment.id), now)
        return UndoOutcome(removed, view.plan.status(status.item.id) or status, view)

    # --- listing ---------------------------------------------------------------------------

    async def tasks(
        self, user_id: int, guild_id: int | None, horizon: str | None
    ) -> list[LearnerPlan]:
        if horizon is not None and horizon not in {h.value for h in Horizon} | {"phase", "all"}:
            raise InvalidInput("Horizon must be week, month, 90d, phase or all.")
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
            if learner is None or learner.visibility is Visibility.HIDDEN:
                raise Forbidden("That member's progress is private, or they have not enrolled.")
            enrolments = await self.following(target_id, guild_id)
            if not enrolments:
                raise NotEnrolled("That member is not enrolled in any pathway in this server.")
        else:
            enrolments = await self.require_following(target_id, guild_id)
        return ProgressOutcome(learner, [await self.view(e) for e in enrolments])

    # --- leave -----------------------------------------------------------------------------

    async def leaving(self, user_id: int, guild_id: int | None, pathway_id: str) -> Enrolment:
        """The enrolment `/leave` would end; the confirmation button then calls `leave`.
        In a DM that is the learner's enrolment of the pathway wherever it lives."""
        if guild_id is None:
            enrolment = await self.followed_anywhere(user_id, pathway_id.strip())
        else:
            enrolment = await self.ctx.store.enrolments.find(user_id, guild_id, pathway_id.strip())
        if enrolment is None or enrolment.status is EnrolmentStatus.LEFT:
            raise NotEnrolled(f"You are not enrolled in {quote_input(pathway_id, 60)} here.")
        return enrolment

    async def leave(self, enrolment_id: int, user_id: int) -> Enrolment:
        enrolment = await self.owned_enrolment(enrolment_id, user_id)
        now = self.ctx.clock.now()
        left = await self.ctx.store.enrolments.leave(enrolment.id, now)
        await self.ctx.store.enrolments.set_next_reminder_at(left.id, None, now)
        return replace(left, next_reminder_at=None)
