"""The cadence engine: where a learner is on their own calendar at a given instant.

Pure and clock-free: every answer is a function of (pathway, schedule, completions, instant).

Rules, all in the learner's own zone:
- The enrolment starts at local midnight of its start date.
- Where each item opens and falls due, in days from the start, comes from `layout`: the
  learner's pace stretches the phases to fill their timeline, and overlap links extend
  deadlines (see bot/core/layout.py and pathways/README.md).
- A deadline is the end of a local day: "due day 7" is the local midnight that ends the
  seventh day, so "7 days" means seven calendar days even across DST.
- A pause shifts every deadline (and opening) not yet reached when it began, by the number
  of local calendar days from the pause's date to the resume's date: whole days, so a
  deadline still ends at the end of a local day, and a pause resumed the same day moves
  nothing. A pause still running counts up to the instant asked about.
- Reminders come once per local week at the learner's wall time. A wall time that does not
  exist that day (spring forward) moves to the first valid minute after it; an ambiguous one
  (fall back) uses its first occurrence.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.layout import AS_WRITTEN, layout, settled, timeline_days
from bot.core.models import Pause, ReminderPrefs
from bot.core.pathway import CheckableItem, Horizon, Pathway
from bot.core.timeparse import parse_zone

WEEK = timedelta(days=7)
DUE_SOON = timedelta(days=7)


class ItemState(enum.StrEnum):
    NOT_OPEN = "not-open"
    OPEN = "open"
    DUE_SOON = "due-soon"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Schedule:
    """Everything about an enrolment's calendar that the cadence rules need."""

    start_date: date
    prefs: ReminderPrefs = field(default_factory=ReminderPrefs)
    pauses: tuple[Pause, ...] = ()
    pace: str = AS_WRITTEN

    @property
    def zone(self) -> ZoneInfo:
        return parse_zone(self.prefs.tz)

    @property
    def start(self) -> datetime:
        return resolve_local(self.start_date, time(0, 0), self.zone)


@dataclass(frozen=True, slots=True)
class ReminderSlot:
    """One weekly reminder: its instant in UTC, its intended local date and its period key."""

    at: datetime
    local_date: date
    period_key: str


@dataclass(frozen=True, slots=True)
class ItemStatus:
    item: CheckableItem
    state: ItemState
    opens_at: datetime
    due_at: datetime | None
    settled: bool = False  # done because a completed item covers it, not checked itself


@dataclass(frozen=True, slots=True)
class Plan:
    """A learner's position at one instant: the input to reminders, replies and progress."""

    at: datetime
    week: int  # 0 before the start, then 1, 2, ... counting only unpaused time
    phase_index: int | None  # None before the start or after the last phase
    statuses: tuple[ItemStatus, ...]
    horizon_deadlines: dict[Horizon, datetime]
    phase_windows: tuple[tuple[datetime, datetime], ...]
    start: datetime | None = None
    timeline_end: datetime | None = None  # when the last phase ends, pauses included
    pace: str = AS_WRITTEN
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))  # the learner's
    # The pathway the plan is for: the weekly focus reads its linked pieces of work.
    pathway: Pathway | None = field(default=None, compare=False, repr=False)

    def status(self, item_id: str) -> ItemStatus | None:
        for s in self.statuses:
            if s.item.id == item_id:
                return s
        return None

    @property
    def roadmap_finished(self) -> bool:
        return bool(self.phase_windows) and self.at >= self.phase_windows[-1][1]

    def phase_week(self, index: int | None = None) -> tuple[int, int] | None:
        """(k, n): the current phase's week k of n, or None outside every phase."""
        index = self.phase_index if index is None else index
        if index is None:
            return None
        opens, ends = self.phase_windows[index]
        n = max(1, -(-round((ends - opens).total_seconds() / 86400) // 7))
        k = min(n, max(1, int((self.at - opens).total_seconds() // WEEK.total_seconds()) + 1))
        return k, n


# --- wall time -> instant -------------------------------------------------------------------


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


@functools.lru_cache(maxsize=8192)
def resolve_local(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time, DST-safe (cached: cohorts share dates).

    Existing times map directly; ambiguous ones take the first occurrence (fold=0); times in
    a gap move to the first valid minute after them, i.e. the instant the gap ends.
    """
    naive = datetime.combine(day, wall)
    early = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(early, zone) == naive:
        return early
    late = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo, hi = min(early, late), max(early, late)
    # Local wall time jumps forward exactly once between lo and hi: find where it passes naive.
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if _wall(mid, zone) >= naive:
            hi = mid
        else:
            lo = mid
    result = hi.replace(microsecond=0)
    if result.second:
        result = result.replace(second=0) + timedelta(minutes=1)
    return result


def add_local_days(day: date, days: int, zone: ZoneInfo) -> datetime:
    """Local midnight `days` calendar days after `day`, as a UTC instant."""
    return resolve_local(day + timedelta(days=days), time(0, 0), zone)


# --- reminders --------------------------------------------------------------------------------


def period_key(local_date: date) -> str:
    """ISO year-week of the learner's local date: one reminder per key, ever."""
    iso = local_date.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def next_reminder(after: datetime, prefs: ReminderPrefs) -> ReminderSlot:
    """The first weekly reminder strictly after `after` (an aware datetime)."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    zone = parse_zone(prefs.tz)
    local_day = after.astimezone(zone).date()
    day = local_day + timedelta(days=(prefs.weekday - local_day.weekday()) % 7)
    # A week back as well: a gap can push a slot past midnight, so start one week earlier.
    day -= WEEK
    while True:
        at = resolve_local(day, prefs.at, zone)
        if at > after:
            return ReminderSlot(at, day, period_key(day))
        day += WEEK


def first_reminder(schedule: Schedule, enrolled_at: datetime) -> ReminderSlot:
    """The first reminder of an enrolment: after both the enrolment and the start's midnight."""
    return next_reminder(max(enrolled_at, schedule.start - timedelta(seconds=1)), schedule.prefs)


# --- pauses ------------------------------------------------------------------------------------


def pause_days(pause: Pause, at: datetime, zone: ZoneInfo) -> int:
    """Local calendar days from the pause's date to its resume's date (`at` while running)."""
    end = pause.end if pause.end is not None else max(at, pause.start)
    return max(0, (end.astimezone(zone).date() - pause.start.astimezone(zone).date()).days)


def shift_for_pauses(
    day: date, days: int, pauses: Iterable[Pause], at: datetime, zone: ZoneInfo
) -> datetime:
    """Local midnight `days` after `day`, later by the whole local days of every pause that
    began before it was reached (a same-day pause and resume moves nothing)."""
    shifted = days
    for p in sorted(pauses, key=lambda p: p.start):
        if p.start < add_local_days(day, shifted, zone):
            shifted += pause_days(p, at, zone)
    return add_local_days(day, shifted, zone)


def paused_time(pauses: Iterable[Pause], since: datetime, until: datetime) -> timedelta:
    """Total paused time overlapping [since, until)."""
    total = timedelta(0)
    for p in pauses:
        end = p.end if p.end is not None else until
        lo, hi = max(p.start, since), min(end, until)
        if hi > lo:
            total += hi - lo
    return total


# --- the plan ----------------------------------------------------------------------------------


def _day_at(schedule: Schedule, days: int, at: datetime, zone: ZoneInfo) -> datetime:
    """Local midnight `days` into the timeline, moved by the pauses as of `at`."""
    if schedule.pauses:
        return shift_for_pauses(schedule.start_date, days, schedule.pauses, at, zone)
    return add_local_days(schedule.start_date, days, zone)


def item_due_at(pathway: Pathway, schedule: Schedule, item_id: str, at: datetime) -> datetime:
    """The item's `due_at` in build_plan's plan at `at`, without building the plan (what a
    completion's points need; no completion moves a deadline). KeyError for an item the
    pathway does not have."""
    lay = layout(pathway, timeline_days(pathway, schedule.pace, schedule.start_date))
    return _day_at(schedule, lay.windows[item_id][1], at, schedule.zone)


def build_plan(pathway: Pathway, schedule: Schedule, done: Iterable[str], at: datetime) -> Plan:
    """Where the learner stands at `at`: week, phase, and the state of every item.

    `done` is what the learner checked off; items those cover count as done too (settled).
    """
    zone = schedule.zone
    start = schedule.start
    checked = frozenset(done)
    done_ids = settled(pathway, checked) if checked else checked
    pauses = schedule.pauses
    lay = layout(pathway, timeline_days(pathway, schedule.pace, schedule.start_date))

    cache: dict[int, datetime] = {}

    def when(days: int) -> datetime:
        found = cache.get(days)
        if found is None:
            found = cache[days] = _day_at(schedule, days, at, zone)
        return found

    windows = tuple((when(a), when(b)) for a, b in lay.phases)
    statuses: list[ItemStatus] = []
    for item in pathway.items():
        open_day, due_day = lay.windows[item.id]
        opens_at = when(open_day)
        due_at = when(due_day)
        if item.id in done_ids:
            state = ItemState.DONE
        elif at < opens_at:
            state = ItemState.NOT_OPEN
        elif at >= due_at:
            state = ItemState.OVERDUE
        elif due_at - at <= DUE_SOON:
            state = ItemState.DUE_SOON
        else:
            state = ItemState.OPEN
        is_settled = item.id in done_ids and item.id not in checked
        statuses.append(ItemStatus(item, state, opens_at, due_at, is_settled))

    if at < start:
        week = 0
    else:
        active = (at - start) - paused_time(pauses, start, at)
        week = active // WEEK + 1
    phase_index = next((i for i, (a, b) in enumerate(windows) if a <= at < b), None)
    horizons = {h: when(h.days) for h in Horizon}
    return Plan(
        at,
        week,
        phase_index,
        tuple(statuses),
        horizons,
        windows,
        start=start,
        timeline_end=when(lay.total_days),
        pace=schedule.pace,
        zone=zone,
        pathway=pathway,
    )
