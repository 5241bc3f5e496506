"""`/me calendar`: the learner's deadlines, phases and weekly reminder as an iCalendar file.

Regenerated on every request from the current plan, so pauses (deadlines moved later), a
running pause, pace changes and reminder-time changes all show. Scope follows every learner
command: a server's enrolments in a server, all of them in the bot's DM.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.calendar_entries import CalendarEntries, entries_for
from bot.core.calendar_ics import to_ics
from bot.core.models import EnrolmentStatus
from bot.core.standing import standing
from bot.service.reading import Reading

FILENAME = "pathway-deadlines.ics"


@dataclass(frozen=True, slots=True)
class CalendarExport:
    ics: bytes
    filename: str
    pathways: list[str]  # names, in the order exported
    deadlines: int
    phases: int
    weekly: int
    paused: list[str]  # names of paused pathways (no weekly entry; deadlines moved)
    tz: str


class CalendarService(Reading):
    async def export(self, user_id: int, guild_id: int | None) -> CalendarExport:
        enrolments = await self.require_following(user_id, guild_id)
        now = self.ctx.clock.now()
        groups: list[CalendarEntries] = []
        names: list[str] = []
        paused: list[str] = []
        tz = enrolments[0].prefs.tz
        for e in enrolments:
            pathway = self.ctx.registry.get(e.pathway_id)
            completions = await self.ctx.store.completions.list_for_enrolment(e.id)
            state = standing(pathway, e, completions, now)
            active = e.status is EnrolmentStatus.ACTIVE
            groups.append(
                entries_for(
                    pathway,
                    e.id,
                    state.plan,
                    next_reminder=e.next_reminder_at if active else None,
                    reminder_at=e.prefs.at,
                    tz=e.prefs.tz,
                )
            )
            names.append(pathway.name)
            if e.status is EnrolmentStatus.PAUSED:
                paused.append(pathway.name)
        title = names[0] if len(names) == 1 else "pathway-bot"
        ics = to_ics(groups, name=f"{title} deadlines", stamp=now)
        return CalendarExport(
            ics=ics,
            filename=FILENAME,
            pathways=names,
            deadlines=sum(len(g.deadlines) for g in groups),
            phases=sum(len(g.phases) for g in groups),
            weekly=sum(len(g.weekly) for g in groups),
            paused=paused,
            tz=tz,
        )
