"""Enrolling, changing an enrolment's settings, and leaving.

One enrolment per pathway per learner: /enroll elsewhere creates nothing and says where the
enrolment lives; /enroll in a server adopts one made in DMs.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core import cadence
from bot.core.cadence import Schedule
from bot.core.errors import InvalidInput, NotEnrolled
from bot.core.layout import check_pace, default_pace
from bot.core.models import (
    Enrolment,
    EnrolmentStatus,
    Learner,
    ReminderPrefs,
    StudyGroup,
)
from bot.core.timeparse import check_start_date, override_prefs, parse_date, parse_zone
from bot.core.untrusted import quote_input
from bot.service.outcomes import (
    EnrollOutcome,
    LearnerPlan,
    PrefsSource,
)
from bot.service.reading import FOLLOWING, Reading
from bot.service.social import resolve_group
from bot.service.unit import in_unit


class Enrolling(Reading):
    @in_unit
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
        loaded = self.pathway_named(pathway_id)
        # Invalid input must write nothing: every value is checked before the first write.
        chosen_pace = check_pace(loaded.pathway, pace) if pace else None
        start_date = parse_date(start) if start else None
        target_group: StudyGroup | None = None
        if group:
            if guild_id is None:
                raise InvalidInput("Study groups exist only in servers.")
            target_group = await resolve_group(self.ctx, guild_id, group)
            if target_group.pathway_id != loaded.pathway.id:
                theirs = self.ctx.registry.find(target_group.pathway_id)
                raise InvalidInput(
                    f"{quote_input(target_group.name, 80)} follows "
                    f"**{theirs.pathway.name if theirs else target_group.pathway_id}**, "
                    f"not **{loaded.pathway.name}**."
                )

        learner = await store.learners.get(user_id)
        base, source = await self._defaults_for(learner, guild_id)
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
            # Already enrolled: nothing is written here. Every change asked for (reminder
            # settings, start date, pace) is offered, and only Apply makes it.
            new_pace = chosen_pace if chosen_pace not in (None, existing.pace) else None
            asked = bool(timezone or day or time)
            new_prefs = prefs if asked and prefs != existing.prefs else None
            new_start = (
                start_date if start_date is not None and start_date != existing.start_date else None
            )
            offered = new_prefs is not None or new_start is not None or new_pace is not None
            return EnrollOutcome(
                view=await self.view(existing, now),
                restored=False,
                already=True,
                prefs_source=PrefsSource.LEARNER,
                proposed_prefs=(new_prefs or existing.prefs) if offered else None,
                proposed_start=new_start.isoformat() if new_start else None,
                proposed_pace=new_pace,
                prefs_changed=new_prefs is not None,
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
            if restored:
                await store.groups.join(target_group.id, user_id, now)
            else:  # just created in this unit of work: in no group yet, pathway checked
                await store.groups.add_member(target_group.id, enrolment.id, now)
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

    async def enrol_defaults(
        self, user_id: int, guild_id: int | None
    ) -> tuple[ReminderPrefs, PrefsSource]:
        """The reminder day, time and zone `/enroll` uses for options left empty, and where
        they come from: the learner's saved settings, else this server's defaults, else
        Monday 09:00 UTC. Two indexed reads, so autocomplete can show them as it types."""
        return await self._defaults_for(await self.ctx.store.learners.get(user_id), guild_id)

    async def _defaults_for(
        self, learner: Learner | None, guild_id: int | None
    ) -> tuple[ReminderPrefs, PrefsSource]:
        if learner is not None:
            return learner.prefs, PrefsSource.LEARNER
        if guild_id is not None:
            guild_prefs = (await self.ctx.store.guilds.get(guild_id)).default_prefs
            if guild_prefs is not None:
                return guild_prefs, PrefsSource.GUILD
        return ReminderPrefs(), PrefsSource.DEFAULT

    @in_unit
    async def apply_settings(
        self,
        enrolment_id: int,
        user_id: int,
        prefs: ReminderPrefs,
        start: str | None,
        pace: str | None = None,
    ) -> LearnerPlan:
        """Confirm the changes a repeated `/enroll` offered: reminder settings, start date
        and pace. Until this runs, nothing of them is saved."""
        now = self.ctx.clock.now()
        enrolment = await self.owned_enrolment(enrolment_id, user_id)
        parse_zone(prefs.tz)
        start_date = parse_date(start) if start else None
        if start_date is not None:
            check_start_date(start_date, now.astimezone(parse_zone(prefs.tz)).date())
        if pace is not None:
            pace = check_pace(self.ctx.registry.get(enrolment.pathway_id), pace)
        if prefs != enrolment.prefs:
            await self.ctx.store.learners.set_prefs(user_id, prefs, now)
        if start_date is not None and start_date != enrolment.start_date:
            await self.ctx.store.enrolments.set_start_date(enrolment.id, start_date, now)
        if pace is not None and pace != enrolment.pace:
            await self.ctx.store.enrolments.set_pace(enrolment.id, pace, now)
        await self.replan(user_id, now)
        return await self.view(await self._reload(enrolment.id), now)

    async def leaving(self, user_id: int, guild_id: int | None, pathway_id: str) -> Enrolment:
        """The enrolment `/leave` would end; the confirmation button then calls `leave`.
        In a DM that is the learner's enrolment of the pathway wherever it lives."""
        found = self.pathway_named(pathway_id)
        if guild_id is None:
            enrolment = await self.followed_anywhere(user_id, found.pathway.id)
        else:
            enrolment = await self.ctx.store.enrolments.find(user_id, guild_id, found.pathway.id)
        if enrolment is None or enrolment.status is EnrolmentStatus.LEFT:
            raise NotEnrolled(f"You are not enrolled in **{found.pathway.name}** here.")
        return enrolment

    @in_unit
    async def leave(self, enrolment_id: int, user_id: int) -> Enrolment:
        enrolment = await self.owned_enrolment(enrolment_id, user_id)
        now = self.ctx.clock.now()
        left = await self.ctx.store.enrolments.leave(enrolment.id, now)
        await self.ctx.store.enrolments.set_next_reminder_at(left.id, None, now)
        return replace(left, next_reminder_at=None)
