"""Snoozing a weekly reminder: which choices make sense at a given moment, and where each lands.

A snooze is one extra reminder between two regular ones, so a choice is worth offering only
when it lands strictly after now and on a local day before the next regular reminder's day.
Anything later arrives together with (or after) the regular reminder: "at the weekend" pressed
on a Saturday used to mean next Saturday's normal slot, which is no snooze at all.

Everything is decided in the learner's zone, with the clock as a parameter, so the buttons the
reminder offers, the check when one is pressed and the tests agree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core import cadence
from bot.core.errors import InvalidInput
from bot.core.models import Enrolment, EnrolmentStatus, ReminderPrefs
from bot.core.timeparse import parse_zone

#: Marks a snooze in an outbox period key ("2026-W02:snooze:<unix>"), so a snooze never takes
#: the week's one regular reminder row, and the store can find pending snoozes.
SNOOZE_MARKER = ":snooze:"
EVENING = time(19, 0)
#: "This evening" is offered only this long before it: an hour's snooze is no evening.
EVENING_LEAD = timedelta(hours=3)
SATURDAY = 5


class SnoozeKind(enum.StrEnum):
    """The choices a reminder can offer; the values appear in button custom_ids."""

    EVENING = "evening"  # today at 19:00
    DAY = "day"  # tomorrow at the same wall time
    WEEKEND = "weekend"  # the coming Saturday at the learner's reminder time


@dataclass(frozen=True, slots=True)
class SnoozeChoice:
    kind: SnoozeKind
    at: datetime
    label: str  # plain text in the learner's zone (a button label cannot hold a timestamp)


@dataclass(frozen=True, slots=True)
class PendingSnooze:
    """A snoozed reminder that is still to come: an outbox row, as the learner sees it."""

    delivery_id: int
    enrolment_id: int
    at: datetime


def snooze_period_key(local_day: date, at: datetime) -> str:
    """The outbox period of a snooze made on `local_day` to land at `at`."""
    return f"{cadence.period_key(local_day)}{SNOOZE_MARKER}{int(at.timestamp())}"


def is_snooze_key(period_key: str) -> bool:
    return SNOOZE_MARKER in period_key


def next_regular_at(scheduled: datetime | None, prefs: ReminderPrefs, now: datetime) -> datetime:
    """The learner's next regular reminder after `now`.

    `scheduled` (the enrolment's next_reminder_at) wins while it lies ahead; once it is due
    (the reminder is being sent right now) the next one is the following weekly slot.
    """
    if scheduled is not None and scheduled > now:
        return scheduled
    return cadence.next_reminder(now, prefs).at


def _coming_saturday(today: date) -> date:
    """The first Saturday after today (a week away when today is a Saturday)."""
    return today + timedelta(days=(SATURDAY - today.weekday() - 1) % 7 + 1)


def lands_at(kind: SnoozeKind, prefs: ReminderPrefs, now: datetime) -> datetime:
    """Where a choice pressed at `now` lands, DST-safe (see cadence.resolve_local)."""
    zone = parse_zone(prefs.tz)
    local = now.astimezone(zone)
    today = local.date()
    if kind is SnoozeKind.EVENING:
        return cadence.resolve_local(today, EVENING, zone)
    if kind is SnoozeKind.DAY:
        wall = local.time().replace(microsecond=0, fold=0)
        return cadence.resolve_local(today + timedelta(days=1), wall, zone)
    return cadence.resolve_local(_coming_saturday(today), prefs.at, zone)


def _fits(at: datetime, now: datetime, next_regular: datetime, zone: ZoneInfo) -> bool:
    """Strictly after now, and on a local day before the next regular reminder's."""
    return now < at and at.astimezone(zone).date() < next_regular.astimezone(zone).date()


def _label(kind: SnoozeKind, at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    if kind is SnoozeKind.EVENING:
        return f"This evening, {local:%H:%M}"
    if kind is SnoozeKind.DAY:
        return "Tomorrow, same time"
    return f"Saturday, {local:%H:%M}"


def _worth_offering(kind: SnoozeKind, at: datetime, now: datetime, zone: ZoneInfo) -> bool:
    """Choices that would duplicate another (or barely snooze) are left out of the offer."""
    if kind is SnoozeKind.EVENING:
        return at - now >= EVENING_LEAD
    if kind is SnoozeKind.WEEKEND:
        # Tomorrow already covers a Saturday that is tomorrow.
        return at.astimezone(zone).date() >= now.astimezone(zone).date() + timedelta(days=2)
    return True


def snooze_choices(
    prefs: ReminderPrefs, now: datetime, next_regular: datetime
) -> list[SnoozeChoice]:
    """The choices a reminder sent (or shown) at `now` offers, earliest first.

    Each lands strictly between now and `next_regular`, on a local day before the regular
    reminder's, and no two land on the same local day.
    """
    zone = parse_zone(prefs.tz)
    out: list[SnoozeChoice] = []
    for kind in SnoozeKind:
        at = lands_at(kind, prefs, now)
        if _fits(at, now, next_regular, zone) and _worth_offering(kind, at, now, zone):
            out.append(SnoozeChoice(kind, at, _label(kind, at, zone)))
    out.sort(key=lambda c: c.at)
    return out


def choose(kind: str, prefs: ReminderPrefs, now: datetime, next_regular: datetime) -> SnoozeChoice:
    """A pressed choice, checked again at the moment it is pressed.

    A button may be pressed days after its reminder was sent, so the offer is not trusted:
    the choice must still land after now and before the next regular reminder's day.
    """
    try:
        chosen = SnoozeKind(kind)
    except ValueError:
        raise InvalidInput("That snooze choice does not exist.") from None
    zone = parse_zone(prefs.tz)
    at = lands_at(chosen, prefs, now)
    if not _fits(at, now, next_regular, zone):
        when = "has already passed" if at <= now else "would come with your next reminder anyway"
        raise InvalidInput(f"That snooze {when}. `/reminders show` says when reminders come.")
    return SnoozeChoice(chosen, at, _label(chosen, at, zone))


__all__ = [
    "SNOOZE_MARKER",
    "PendingSnooze",
    "SnoozeChoice",
    "SnoozeKind",
    "choose",
    "is_snooze_key",
    "lands_at",
    "next_regular_at",
    "snooze_choices",
    "snooze_period_key",
]


def snooze_offer(enrolment: Enrolment, now: datetime) -> tuple[SnoozeChoice, ...]:
    """The snooze choices a reminder shown at `now` offers (none for a paused pathway)."""
    if enrolment.status is not EnrolmentStatus.ACTIVE:
        return ()
    regular = next_regular_at(enrolment.next_reminder_at, enrolment.prefs, now)
    return tuple(snooze_choices(enrolment.prefs, now, regular))
