"""The learner's own settings: reminder schedule, pauses, visibility, export and deletion."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.core import cadence
from bot.core.errors import InvalidInput, NotEnrolled, NotFound
from bot.core.models import Enrolment, EnrolmentStatus, Learner, Visibility
from bot.core.pathway import ItemKind
from bot.core.snooze import PendingSnooze
from bot.core.timeparse import override_prefs, parse_date, parse_zone
from bot.service.reading import Reading
from bot.service.unit import in_unit
from bot.store.results import UserDeletion

MAX_PAUSE = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class RemindersView:
    learner: Learner
    enrolments: list[Enrolment]
    snoozes: list[PendingSnooze] = field(default_factory=list)  # still to come, soonest first
    names: dict[str, str] = field(default_factory=dict)  # pathway id -> its short title


@dataclass(frozen=True, slots=True)
class Evidence:
    """One completed item, as the learner knows it. `kind` is None for an item that is no
    longer in its pathway (the export keeps the completion; its id is all that is left)."""

    pathway_title: str
    item_text: str
    kind: ItemKind | None
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """The counts a reply states about an export, taken from the exported data itself so
    the message and the attached files can never disagree."""

    enrolments: int
    completions: int
    memberships: int
    groups_created: int
    by_kind: dict[ItemKind | None, int]


@dataclass(frozen=True, slots=True)
class Export:
    data: dict[str, Any]
    evidence: list[Evidence]  # one per exported completion, oldest first
    summary: ExportSummary


def _records(value: object) -> list[dict[str, Any]]:
    """The objects of one exported list (the export is JSON: lists of objects)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


class Account(Reading):
    """The learner's own settings; reads plans the way every learner use case does."""

    async def reminders(self, user_id: int) -> RemindersView:
        learner = await self.ctx.store.learners.get(user_id)
        if learner is None:
            raise NotEnrolled("You have no reminders yet. Start with `/enroll`.")
        enrolments = [
            e
            for e in await self.ctx.store.enrolments.list_for_user(user_id)
            if e.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED)
        ]
        snoozes = await self.ctx.store.deliveries.pending_snoozes([e.id for e in enrolments])
        names = {
            e.pathway_id: found.pathway.name
            for e in enrolments
            if (found := self.ctx.registry.find(e.pathway_id)) is not None
        }
        return RemindersView(learner, enrolments, snoozes, names)

    @in_unit
    async def cancel_snooze(
        self, user_id: int, enrolment_id: int, delivery_id: int
    ) -> RemindersView:
        """Call off one snoozed reminder of the learner's own; the weekly ones are untouched."""
        enrolment = await self.owned_enrolment(enrolment_id, user_id)
        cancelled = await self.ctx.store.deliveries.cancel_snooze(
            enrolment.id, delivery_id, self.ctx.clock.now()
        )
        if not cancelled:
            raise NotFound("That snooze has already been sent or cancelled.")
        return await self.reminders(user_id)

    @in_unit
    async def set_reminders(
        self, user_id: int, day: str | None, at: str | None, timezone: str | None
    ) -> RemindersView:
        if day is None and at is None and timezone is None:
            raise InvalidInput("Give at least one of `day`, `time` or `timezone` to change.")
        current = await self.reminders(user_id)
        new = override_prefs(current.learner.prefs, day, at, timezone)
        now = self.ctx.clock.now()
        await self.ctx.store.learners.set_prefs(user_id, new, now)
        await self.replan(user_id, now)
        return await self.reminders(user_id)

    @in_unit
    async def pause(self, user_id: int, until: str | None) -> tuple[RemindersView, date | None]:
        """Pause every pathway the learner follows; `until` (a date) resumes automatically."""
        current = await self.reminders(user_id)
        now = self.ctx.clock.now()
        resume_on: date | None = None
        if until:
            resume_on = parse_date(until)
            today = now.astimezone(parse_zone(current.learner.prefs.tz)).date()
            if resume_on <= today:
                raise InvalidInput("`until` must be a date after today.")
            if resume_on - today > MAX_PAUSE:
                raise InvalidInput("You can pause for at most a year at a time.")
        active = [e for e in current.enrolments if e.status is EnrolmentStatus.ACTIVE]
        if not active:
            raise InvalidInput("Your pathways are already paused. Use `/reminders resume`.")
        resume_at = (
            cadence.resolve_local(resume_on, time(0), parse_zone(current.learner.prefs.tz))
            if resume_on
            else None
        )
        for e in active:
            await self.ctx.store.enrolments.pause(e.id, now)
            await self.ctx.store.enrolments.set_next_reminder_at(e.id, resume_at, now)
        return await self.reminders(user_id), resume_on

    @in_unit
    async def resume(self, user_id: int) -> RemindersView:
        current = await self.reminders(user_id)
        paused = [e for e in current.enrolments if e.status is EnrolmentStatus.PAUSED]
        if not paused:
            raise InvalidInput("None of your pathways is paused.")
        now = self.ctx.clock.now()
        for e in paused:
            await self.ctx.store.enrolments.resume(e.id, now)
        await self.replan(user_id, now)
        return await self.reminders(user_id)

    @in_unit
    async def set_visibility(self, user_id: int, visibility: str) -> Learner:
        try:
            value = Visibility(visibility.strip().lower())
        except ValueError:
            raise InvalidInput("Visibility must be `shown` or `hidden`.") from None
        return await self.ctx.store.learners.set_visibility(user_id, value, self.ctx.clock.now())

    async def export(self, user_id: int) -> Export:
        """Everything stored about the user, plus the evidence list and the counts a reply
        states. All three come from one snapshot: the evidence has exactly one line per
        exported completion, so "N completed items" is true of every attached file."""
        data: dict[str, Any] = dict(
            await self.ctx.store.privacy.export_user(user_id, self.ctx.clock.now())
        )
        enrolments = _records(data["enrolments"])
        completions = _records(data["completions"])
        pathway_of = {e["id"]: e["pathway_id"] for e in enrolments}
        evidence = [self._evidence(pathway_of.get(c["enrolment_id"]), c) for c in completions]
        evidence.sort(key=lambda ev: ev.completed_at)
        by_kind: dict[ItemKind | None, int] = {}
        for ev in evidence:
            by_kind[ev.kind] = by_kind.get(ev.kind, 0) + 1
        summary = ExportSummary(
            enrolments=len(enrolments),
            completions=len(completions),
            memberships=len(_records(data["group_memberships"])),
            groups_created=len(_records(data["groups_created"])),
            by_kind=by_kind,
        )
        return Export(data, evidence, summary)

    def _evidence(self, pathway_id: str | None, completion: dict[str, Any]) -> Evidence:
        item_id = str(completion["item_id"])
        at = datetime.fromisoformat(str(completion["completed_at"]))
        found = self.ctx.registry.find(pathway_id) if pathway_id else None
        if found is None:
            return Evidence("a pathway no longer offered", "an item no longer offered", None, at)
        item = found.pathway.item(item_id)
        if item is None:
            return Evidence(found.pathway.name, "an item no longer in the pathway", None, at)
        return Evidence(found.pathway.name, item.text, item.kind, at)

    @in_unit
    async def delete(self, user_id: int) -> UserDeletion:
        return await self.ctx.store.privacy.delete_user(user_id)
