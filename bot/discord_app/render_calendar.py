"""The reply to `/me calendar`: what the attached file holds and how to import it."""

from __future__ import annotations

from bot.discord_app.formatting import shorten
from bot.service.calendar import CalendarExport


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def calendar_text(export: CalendarExport) -> str:
    names = ", ".join(f"**{shorten(n, 80)}**" for n in export.pathways)
    parts = [_n(export.deadlines, "deadline"), _n(export.phases, "phase")]
    if export.weekly:
        parts.append(f"your weekly reminder (repeating, in {export.tz})")
    lines = [
        f"📅 Your calendar for {names}: {', '.join(parts)}. Each deadline is an all-day event "
        "on the last day you have for it.",
    ]
    if export.paused:
        lines.append(
            "⏸️ Paused: " + ", ".join(shorten(n, 80) for n in export.paused) + ". Its deadlines "
            "are shown moved by the time paused so far, and it has no weekly reminder event."
        )
    lines += [
        "",
        "**Import it** (the attached `.ics` file):",
        "• **Google Calendar** (on a computer): Settings ⚙️ → *Import & export* → *Import*, "
        "choose the file and a calendar.",
        "• **Apple Calendar**: on a Mac, *File → Import*; on iPhone or iPad, open the file "
        "and tap *Add All*.",
        "• **Outlook**: desktop, *File → Open & Export → Import/Export → Import an iCalendar "
        "(.ics)*; on the web, *Add calendar → Upload from file*.",
        "",
        "It is a snapshot of today's plan: after a pause, a pace change or new reminder "
        "settings, run `/me calendar` again. Importing into a calendar of its own makes "
        "replacing it easy.",
    ]
    return "\n".join(lines)
