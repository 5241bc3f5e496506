"""Calendar entries as an iCalendar file (RFC 5545), built with the `icalendar` library.

Never written by hand: the library escapes text, folds long lines and writes the VTIMEZONE
that a recurring event in the learner's IANA zone needs (`add_missing_timezones`), which
Outlook requires and Google and Apple accept.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import icalendar

from bot.core.calendar_entries import CalendarEntries
from bot.core.timeparse import parse_zone

PRODID = "-//pathway-bot//Deadlines//EN"
REMINDER_LENGTH = timedelta(minutes=15)


def to_ics(entries: Iterable[CalendarEntries], *, name: str, stamp: datetime) -> bytes:
    """One VCALENDAR holding every entry; `stamp` (aware) is the DTSTAMP of each event."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for group in entries:
        for d in group.deadlines:
            ev = _event(d.uid, d.summary, d.description, stamp)
            ev.add("dtstart", d.day)
            ev.add("dtend", d.day + timedelta(days=1))
            ev.add("transp", "TRANSPARENT")
            ev.add("categories", ["Deadline"])
            cal.add_component(ev)
        for p in group.phases:
            ev = _event(p.uid, p.summary, p.description, stamp)
            ev.add("dtstart", p.first_day)
            ev.add("dtend", p.end_day)
            ev.add("transp", "TRANSPARENT")
            ev.add("categories", ["Phase"])
            cal.add_component(ev)
        for w in group.weekly:
            ev = _event(w.uid, w.summary, w.description, stamp)
            start = datetime.combine(w.first, w.at, tzinfo=parse_zone(w.tz))
            ev.add("dtstart", start)
            ev.add("dtend", start + REMINDER_LENGTH)
            ev.add("rrule", {"freq": "weekly", "byday": w.byday})
            ev.add("categories", ["Reminder"])
            cal.add_component(ev)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _event(uid: str, summary: str, description: str, stamp: datetime) -> icalendar.Event:
    ev = icalendar.Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("summary", summary)
    ev.add("description", description)
    return ev
