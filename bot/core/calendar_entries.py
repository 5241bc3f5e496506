"""A learner's deadlines as calendar entries: what `/me calendar` exports, before any format.

Pure: a function of (pathway, enrolment's plan, next reminder). `calendar_ics` turns these
entries into an iCalendar file; keeping the choice of entries here lets tests check the
content without parsing, and keeps the rules beside the cadence rules they follow:
- an item's deadline is an all-day entry on its *last day* (the local day whose end is the
  deadline, see bot/core/deadlines.py), so "due by end of Sun 13 Dec" lands on Sunday;
- a phase spans the local days from its opening to its end (the end day is exclusive, as
  all-day events are in RFC 5545);
- the weekly reminder is one recurring entry at the learner's wall time in their IANA zone,
  so calendar apps follow DST themselves. A paused enrolment gets none: no reminders come.
Everything comes from the plan, so pauses (deadlines moved later) and pace are reflected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.core.cadence import ItemState, Plan
from bot.core.deadlines import last_day
from bot.core.pathway import Pathway

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True, slots=True)
class DeadlineEntry:
    uid: str
    day: date  # the last local day to do it
    summary: str
    description: str


@dataclass(frozen=True, slots=True)
class PhaseEntry:
    uid: str
    first_day: date
    end_day: date  # exclusive: the day after the phase's last day
    summary: str
    description: str


@dataclass(frozen=True, slots=True)
class WeeklyEntry:
    uid: str
    first: date  # the local date of the next reminder
    at: time  # local wall time
    tz: str  # IANA zone id
    weekday: int  # 0 = Monday
    summary: str
    description: str

    @property
    def byday(self) -> str:
        return WEEKDAY_CODES[self.weekday]


@dataclass(frozen=True, slots=True)
class CalendarEntries:
    deadlines: tuple[DeadlineEntry, ...]
    phases: tuple[PhaseEntry, ...]
    weekly: tuple[WeeklyEntry, ...]


def _uid(enrolment_id: int, what: str) -> str:
    # Stable across exports, so apps that honour UIDs update an entry instead of adding one.
    return f"{what}.e{enrolment_id}@pathway-bot"


def entries_for(
    pathway: Pathway,
    enrolment_id: int,
    plan: Plan,
    *,
    next_reminder: datetime | None,
    reminder_at: time,
    tz: str,
) -> CalendarEntries:
    """The calendar of one enrolment at `plan.at`.

    `next_reminder` is the enrolment's next weekly reminder instant, or None when none is
    scheduled (paused, completed): then no recurring entry is made.
    """
    zone = plan.zone
    name = pathway.name
    deadlines: list[DeadlineEntry] = []
    for s in plan.statuses:
        if s.state is ItemState.DONE or s.due_at is None:
            continue
        deadlines.append(
            DeadlineEntry(
                uid=_uid(enrolment_id, f"item.{s.item.id}"),
                day=last_day(s.due_at, zone),
                summary=f"Due: {_one_line(s.item.text)}",
                description=f"{name}: {s.item.text}\nCheck it off with /done in Discord.",
            )
        )
    phases: list[PhaseEntry] = []
    for index, (opens, ends) in enumerate(plan.phase_windows):
        phase = pathway.roadmap.phases[index]
        first = opens.astimezone(zone).date()
        end = ends.astimezone(zone).date()
        if end <= first:
            continue
        phases.append(
            PhaseEntry(
                uid=_uid(enrolment_id, f"phase.{phase.id}"),
                first_day=first,
                end_day=end,
                summary=f"Phase {index + 1}: {_one_line(phase.title)}",
                description=f"{name}, phase {index + 1} of {len(plan.phase_windows)}"
                + (f"\n{phase.focus}" if phase.focus else ""),
            )
        )
    weekly: list[WeeklyEntry] = []
    if next_reminder is not None:
        first = next_reminder.astimezone(zone).date()
        weekly.append(
            WeeklyEntry(
                uid=_uid(enrolment_id, "weekly-reminder"),
                first=first,
                at=reminder_at,
                tz=tz,
                weekday=first.weekday(),  # RRULE's BYDAY must match DTSTART's day
                summary=f"{name}: weekly plan",
                description="Your weekly reminder DM arrives now: this week's focus, "
                "with buttons to check items off.",
            )
        )
    return CalendarEntries(tuple(deadlines), tuple(phases), tuple(weekly))


def _one_line(text: str) -> str:
    """The whole text on one line (calendar apps show a summary's first line only)."""
    return " ".join(text.split())
