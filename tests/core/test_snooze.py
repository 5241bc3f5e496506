"""Snooze choices: each lands strictly between now and the next regular reminder, on an
earlier local day, in every zone, on every weekday, across DST changes."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.cadence import next_reminder, resolve_local
from bot.core.errors import InvalidInput
from bot.core.models import ReminderPrefs
from bot.core.snooze import (
    EVENING_LEAD,
    SnoozeKind,
    choose,
    is_snooze_key,
    lands_at,
    next_regular_at,
    snooze_choices,
    snooze_period_key,
)

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # a half-hour DST shift
    "Pacific/Chatham",
    "America/Santiago",  # DST changes at local midnight
    "Asia/Kolkata",
    "UTC",
]
YEAR = 2026
SATURDAY = 5

times = st.one_of(
    st.sampled_from([time(0, 0), time(0, 30), time(2, 30), time(3, 0), time(16, 0), time(23, 59)]),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59])),
)
prefs_st = st.builds(ReminderPrefs, tz=st.sampled_from(ZONES), weekday=st.integers(0, 6), at=times)


@functools.cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """The instants in YEAR when the zone's UTC offset changes (found hour by hour)."""
    zone = ZoneInfo(zone_name)
    out = []
    t = datetime(YEAR, 1, 1, tzinfo=UTC)
    offset = t.astimezone(zone).utcoffset()
    while t.year == YEAR:
        t += timedelta(minutes=30)
        now_offset = t.astimezone(zone).utcoffset()
        if now_offset != offset:
            out.append(t)
            offset = now_offset
    return tuple(out)


@st.composite
def moments(draw: st.DrawFn, prefs: ReminderPrefs) -> datetime:
    """Any instant of the year, or one within nine days of one of the zone's DST changes."""
    near = transitions(prefs.tz)
    if near and draw(st.booleans()):
        base = draw(st.sampled_from(near))
        return base + timedelta(minutes=draw(st.integers(-9 * 24 * 60, 9 * 24 * 60)))
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    return start + timedelta(seconds=draw(st.integers(0, 364 * 86400)))


def local_day(instant: datetime, prefs: ReminderPrefs) -> date:
    return instant.astimezone(ZoneInfo(prefs.tz)).date()


def check_offer(prefs: ReminderPrefs, now: datetime, regular: datetime) -> None:
    """The invariants of any offer, and that pressing an offered choice at once accepts it."""
    choices = snooze_choices(prefs, now, regular)
    days = [local_day(c.at, prefs) for c in choices]
    assert len(set(days)) == len(days), choices  # never two choices on one day
    assert [c.at for c in choices] == sorted(c.at for c in choices)
    for c in choices:
        assert now < c.at < regular, (c, now, regular)
        assert local_day(c.at, prefs) < local_day(regular, prefs), (c, regular)  # not its slot
        assert 0 < len(c.label) <= 80
        pressed = choose(c.kind.value, prefs, now, regular)
        assert pressed.at == c.at


@settings(max_examples=300, deadline=None)
@given(data=st.data(), prefs=prefs_st, ahead=st.integers(0, 15 * 24 * 60))
def test_any_offer_lands_between_now_and_the_next_reminder(
    data: st.DataObject, prefs: ReminderPrefs, ahead: int
) -> None:
    now = data.draw(moments(prefs))
    check_offer(prefs, now, now + timedelta(minutes=ahead))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), prefs=prefs_st)
def test_a_reminder_on_its_own_slot_offers_what_the_week_allows(
    data: st.DataObject, prefs: ReminderPrefs
) -> None:
    """Sent at a regular slot: tomorrow always fits; the weekend only when the coming Saturday
    is at least two days away and before next week's slot; the evening when 3 h ahead."""
    slot = next_reminder(data.draw(moments(prefs)), prefs).at
    regular = next_regular_at(slot, prefs, slot)  # being sent: the next is a week later
    assert regular == next_reminder(slot, prefs).at
    check_offer(prefs, slot, regular)
    kinds = {c.kind for c in snooze_choices(prefs, slot, regular)}
    zone = ZoneInfo(prefs.tz)
    today = local_day(slot, prefs)
    assert SnoozeKind.DAY in kinds
    evening = resolve_local(today, time(19, 0), zone)
    assert (SnoozeKind.EVENING in kinds) == (evening - slot >= EVENING_LEAD)
    saturday_ahead = (SATURDAY - today.weekday()) % 7 or 7
    weekend_fits = 2 <= saturday_ahead < (local_day(regular, prefs) - today).days
    assert (SnoozeKind.WEEKEND in kinds) == weekend_fits
    if today.weekday() == SATURDAY:
        assert SnoozeKind.WEEKEND not in kinds


@settings(max_examples=200, deadline=None)
@given(data=st.data(), prefs=prefs_st, kind=st.sampled_from(list(SnoozeKind)))
def test_where_each_choice_lands(
    data: st.DataObject, prefs: ReminderPrefs, kind: SnoozeKind
) -> None:
    now = data.draw(moments(prefs))
    at = lands_at(kind, prefs, now)
    zone = ZoneInfo(prefs.tz)
    today = local_day(now, prefs)
    landed = at.astimezone(zone)
    if kind is SnoozeKind.EVENING:
        assert landed.date() == today
        assert at == resolve_local(today, time(19, 0), zone)
    elif kind is SnoozeKind.DAY:
        assert landed.date() == today + timedelta(days=1)
        wall = now.astimezone(zone).time().replace(microsecond=0, fold=0)
        assert at == resolve_local(today + timedelta(days=1), wall, zone)
    else:
        saturday = today + timedelta(days=(SATURDAY - today.weekday()) % 7 or 7)
        assert at == resolve_local(saturday, prefs.at, zone)  # never today: a week on Saturdays


BERLIN_SAT = ReminderPrefs("Europe/Berlin", SATURDAY, time(9, 0))
BERLIN_MON = ReminderPrefs("Europe/Berlin", 0, time(9, 0))


def berlin(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo("Europe/Berlin"))


def test_a_saturday_reminder_offers_nothing_on_next_saturdays_slot() -> None:
    now = berlin(2026, 1, 10, 9)  # a Saturday, the learner's own slot
    regular = next_reminder(now, BERLIN_SAT).at
    assert regular == berlin(2026, 1, 17, 9)
    choices = snooze_choices(BERLIN_SAT, now, regular)
    assert [(c.kind, c.at) for c in choices] == [
        (SnoozeKind.EVENING, berlin(2026, 1, 10, 19)),
        (SnoozeKind.DAY, berlin(2026, 1, 11, 9)),
    ]
    with pytest.raises(InvalidInput, match="with your next reminder"):
        choose("weekend", BERLIN_SAT, now, regular)  # an old button is checked again


def test_a_monday_reminder_offers_the_evening_tomorrow_and_saturday() -> None:
    now = berlin(2026, 1, 5, 9, 0)
    regular = next_reminder(now, BERLIN_MON).at
    choices = snooze_choices(BERLIN_MON, now, regular)
    assert [(c.kind, c.at, c.label) for c in choices] == [
        (SnoozeKind.EVENING, berlin(2026, 1, 5, 19), "This evening, 19:00"),
        (SnoozeKind.DAY, berlin(2026, 1, 6, 9), "Tomorrow, same time"),
        (SnoozeKind.WEEKEND, berlin(2026, 1, 10, 9), "Saturday, 09:00"),
    ]


def test_on_a_friday_tomorrow_is_the_weekend() -> None:
    prefs = ReminderPrefs("Europe/Berlin", 4, time(18, 0))
    now = berlin(2026, 1, 9, 18)
    kinds = [c.kind for c in snooze_choices(prefs, now, next_reminder(now, prefs).at)]
    assert kinds == [SnoozeKind.DAY]  # 19:00 is an hour away; Saturday is tomorrow


def test_tomorrow_keeps_the_wall_time_across_a_dst_change() -> None:
    now = berlin(2026, 3, 28, 9, 30)  # clocks go forward that night: 23 hours to tomorrow
    at = lands_at(SnoozeKind.DAY, BERLIN_MON, now)
    assert at == berlin(2026, 3, 29, 9, 30)
    assert at - now == timedelta(hours=23)


def test_nothing_fits_the_day_before_the_next_reminder() -> None:
    now = berlin(2026, 1, 11, 20, 0)  # Sunday evening; the Monday reminder is next
    assert snooze_choices(BERLIN_MON, now, next_reminder(now, BERLIN_MON).at) == []
    with pytest.raises(InvalidInput, match="with your next reminder"):
        choose("day", BERLIN_MON, now, next_reminder(now, BERLIN_MON).at)
    with pytest.raises(InvalidInput, match="already passed"):
        choose("evening", BERLIN_MON, now, next_reminder(now, BERLIN_MON).at)
    with pytest.raises(InvalidInput, match="does not exist"):
        choose("fortnight", BERLIN_MON, now, next_reminder(now, BERLIN_MON).at)


def test_the_next_regular_reminder_is_the_scheduled_one_while_it_lies_ahead() -> None:
    now = berlin(2026, 1, 5, 9)
    ahead = berlin(2026, 1, 12, 9)
    assert next_regular_at(ahead, BERLIN_MON, now) == ahead
    assert next_regular_at(now, BERLIN_MON, now) == ahead  # due now: the week after
    assert next_regular_at(None, BERLIN_MON, now) == ahead


def test_snooze_period_keys_are_recognised() -> None:
    key = snooze_period_key(date(2026, 1, 5), berlin(2026, 1, 6, 9))
    assert key.startswith("2026-W02:snooze:") and is_snooze_key(key)
    assert not is_snooze_key("2026-W02")
