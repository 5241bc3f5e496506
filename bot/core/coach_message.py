"""The weekly DM as text: decided in the core so the bot's DM and `preview` are one thing.

The Discord adapter (bot/discord_app/render_delivery.py) turns a `WeeklyMessage` into an
embed and buttons without adding words of its own; `preview --json` prints `text()` as
`message`. Every message fits `MESSAGE_LIMIT` characters, counted over everything a learner
reads: the plain line, the embed's title, description, fields and footer, and the labels
of the buttons.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.cadence import ItemState, ItemStatus
from bot.core.coach import Line
from bot.core.layout import pace_label
from bot.core.reminder import COMPLETE, ReminderContent, Status
from bot.core.review import Review

MESSAGE_LIMIT = 1200
FIELD_LIMIT = 1024
ITEM_CHARS = 72  # an item's text on a focus line
BUTTON_CHARS = 24
FOCUS_FIELD = "🎯 This week's focus"
STATE_ICON = {
    ItemState.DONE: "✅",
    ItemState.OVERDUE: "⚠️",
    ItemState.DUE_SOON: "⏳",
    ItemState.OPEN: "▫️",
    ItemState.NOT_OPEN: "🔒",
}
OFFER_WORDS = {"pause": "a pause", "replan": "new dates from today"}
OFFER_LABELS = {"pause": "Pause", "replan": "Re-plan from today"}


@dataclass(frozen=True, slots=True)
class Button:
    """A button's job and label: `kind` is "done" (arg: item id), "snooze" (arg: its kind)
    or "offer" (arg: "pace:<name>", "pause" or "replan")."""

    kind: str
    arg: str
    label: str


@dataclass(frozen=True, slots=True)
class WeeklyMessage:
    content: str
    title: str
    description: str
    fields: tuple[tuple[str, str], ...]
    footer: str
    buttons: tuple[Button, ...]
    status: Status

    def text(self) -> str:
        """Everything a learner reads, one part a line: what `preview` calls `message`."""
        parts = [self.content, self.title, self.description]
        for name, value in self.fields:
            parts += [name, value]
        parts.append(self.footer)
        parts += [b.label for b in self.buttons]
        return "\n".join(parts)


@functools.lru_cache(maxsize=8192)
def shorten(text: str, limit: int) -> str:
    """Fit text into `limit` characters, cutting between words and ending with "…".
    Cached: the sweep shortens the same pathway texts for every learner."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " ":
        space = cut.rfind(" ")
        if space > 0:
            cut = cut[:space]
    return cut.rstrip(" ,;:-(") + "…"


def ts(instant: datetime, style: str = "R") -> str:
    """A Discord timestamp: each reader sees it in their own time."""
    return f"<t:{int(instant.timestamp())}:{style}>"


def bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    percent = round(100 * done / total) if total else 0
    return f"`{'█' * filled}{'░' * (width - filled)}` {done}/{total} ({percent}%)"


def due_text(s: ItemStatus, zone: ZoneInfo | None) -> str:
    if s.state is ItemState.NOT_OPEN:
        return f" · opens {ts(s.opens_at)}"
    if s.due_at is None or s.state is ItemState.DONE:
        return ""
    if s.state is ItemState.OVERDUE:
        return " · late"  # how late matters less than the work itself, in 1,200 characters
    return f" · due {ts(s.due_at)}"


def item_line(s: ItemStatus, zone: ZoneInfo | None, chars: int = ITEM_CHARS) -> str:
    """A focus line's first row; a done item is struck through (a DM edited after ✅)."""
    text = shorten(s.item.text, chars)
    if s.state is ItemState.DONE:
        return f"{STATE_ICON[ItemState.DONE]} ~~{text}~~"
    return f"{STATE_ICON[s.state]} {text}{due_text(s, zone)}"


def progress_text(progress: tuple[int, int]) -> str:
    k, n = progress
    return f"week {k} of {n}: about {k}/{n} through"


def cue_line(line: Line, how_chars: int, with_url: bool = True) -> str | None:
    """The row under a focus line: how (from the source) and, for long work, how far."""
    parts: list[str] = []
    if line.how != line.status.item.text and how_chars > 0:
        is_resource = line.resource is not None and line.how == line.resource.title
        parts.append(shorten(f"Use: {line.how}" if is_resource else line.how, how_chars))
    res = line.resource
    if with_url and res is not None and res.url:
        parts.append(res.url)
    if line.progress is not None:
        parts.append(progress_text(line.progress))
    return "↳ " + " · ".join(parts) if parts else None


def status_text(c: ReminderContent) -> str:
    prog = c.progress
    counted = bar(prog.overall.done, prog.overall.total)
    if c.status is Status.COMPLETE:
        head = "Complete 🎓"
    elif c.status is Status.PAUSED:
        head = "Paused"
    elif c.status is Status.BEHIND:
        n = c.overdue_lines
        head = f"Behind: {n} piece{'s' if n != 1 else ''} of work overdue"
        if c.done_of_due is not None:
            head += f" · {c.done_of_due}% of the work due by now checked off"
    elif c.status is Status.JUST_STARTED:
        head = "Just started"
    else:
        head = "On track"
    parts = [head, counted]
    if c.streak > 0:
        parts.append(f"🔥 {c.streak}-week streak")
    return " · ".join(parts)


@functools.lru_cache(maxsize=1024)
def _day(day: date) -> str:
    """'Wed 7 Oct': a review's date, in the learner's calendar."""
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"


def review_lines(r: Review, zone: ZoneInfo | None, chars: int = 64) -> list[str]:
    out = []
    done = sum(i.status.state is ItemState.DONE for i in r.items)
    out.append(f"{done} of {len(r.items)} done.")
    for i in r.items:
        text = shorten(i.status.item.text, chars)
        day = _day(i.due)
        if i.status.state is ItemState.DONE:
            out.append(f"✅ {text}")
        elif i.status.state is ItemState.OVERDUE:
            out.append(f"⚠️ {text}: new date {day}")
        else:
            out.append(f"▫️ {text}: open, by {day}")
    return out


def offer_label(offer: str) -> str:
    if offer.startswith("pace:"):
        return f"Slow to {pace_label(offer[5:])}"
    return OFFER_LABELS[offer]


def faq_quote(answer: str) -> str:
    """The FAQ answer's first sentence: the source's word that the timeline is realistic."""
    first = answer.split(". ")[0].rstrip(".")
    return f"FAQ: “{first}.”"


def _summary(c: ReminderContent) -> str:
    head = f"Week {c.week} of {c.pathway_title}"
    if c.start_with is not None:
        return shorten(f"{head}: start with {c.start_with.status.item.text}", 100)
    if c.focus:
        return shorten(f"{head}: {c.focus[0].item.text}", 100)
    if c.progress.complete:
        return f"{head}: every item is done. 🎓"
    return f"{head}: everything open is done."


def weekly_message(c: ReminderContent) -> WeeklyMessage:
    """The DM for a reminder, at most `MESSAGE_LIMIT` characters: detail is given up in
    order (resource list, the how rows' length, then how rows from the last line up)
    until it fits; the focus lines themselves are never dropped."""
    n = len(c.focus)
    tries: list[tuple[int, bool, int, int]] = [
        (110, True, n, ITEM_CHARS),
        (90, True, n, ITEM_CHARS),
        (90, False, n, ITEM_CHARS),
        (70, False, n, ITEM_CHARS),
        *((70, False, keep, ITEM_CHARS) for keep in range(n - 1, 0, -1)),
        (70, False, 1, 60),
        (60, False, 1, 48),
    ]
    builds = [
        *(
            functools.partial(_build, c, how, res, cues, chars=chars)
            for how, res, cues, chars in tries
        ),
        *(
            functools.partial(_build, c, 0, False, 0, notes=False, minimal=True, chars=chars)
            for chars in (ITEM_CHARS, 60, 48, 36, 24, 12)
        ),
    ]
    # Each build gives up more detail than the one before, so the lengths only fall: find
    # the first that fits by bisection (the sweep renders every learner's DM).
    best = builds[0]()
    if len(best.text()) <= MESSAGE_LIMIT:
        return best  # the usual week: everything fits
    lo, hi = 1, len(builds) - 1
    best = builds[hi]()
    while lo < hi:
        mid = (lo + hi) // 2
        msg = builds[mid]()
        if len(msg.text()) <= MESSAGE_LIMIT:
            best, hi = msg, mid
        else:
            lo = mid + 1
    return best


def _build(
    c: ReminderContent,
    how_chars: int,
    resources: bool,
    cues: int,
    notes: bool = True,
    minimal: bool = False,
    chars: int = ITEM_CHARS,
) -> WeeklyMessage:
    zone = c.zone
    desc: list[str] = []
    if c.late_by is not None:
        hours = int(c.late_by.total_seconds() // 3600)
        desc.append(
            f"⏰ This reminder should have arrived {hours} hour{'s' if hours != 1 else ''} ago; "
            "the bot was offline. Sorry for the delay."
        )
    if c.phase_number is not None and c.phase_title:
        where = f"**Phase {c.phase_number}: {c.phase_title}**"
        if c.phase_week is not None:
            where += f" · week {c.phase_week[0]} of {c.phase_week[1]}"
        desc.append(where)
    desc.append(status_text(c))
    fields: list[tuple[str, str]] = []
    # "Phase N begins" is left to the description's phase line, which says the same.
    said = [m for m in c.milestones if not m.startswith("Phase ")]
    if c.progress.complete and not c.focus:  # the "Pathway complete" field below says it
        said = [m for m in said if m != COMPLETE]
    if said:
        fields.append(("🏁 Milestones", "\n".join(f"• {m}" for m in said)))
    if c.review is not None:
        said_review = review_lines(c.review, zone, 64 if not minimal else max(36, chars))
        fields.append((f"📋 {c.review.title}", "\n".join(said_review)))
    if c.focus:
        lines = {ln.id: ln for ln in c.lines}
        rows: list[str] = []
        for i, status in enumerate(c.focus):
            line = lines.get(status.item.id)
            row = item_line(status, zone, chars)
            start = c.start_with is not None and c.start_with.id == status.item.id
            rows.append(f"**Start with:** {row}" if start else row)
            if line is None or minimal:
                continue
            cue = cue_line(line, how_chars, True) if i < cues else cue_line(line, 0, False)
            if cue is not None:
                rows.append(cue)
        if c.more:
            rows.append(f"+{c.more} more: see `/tasks`")
        fields.append((f"{FOCUS_FIELD} ({len(c.focus)})", _cap("\n".join(rows))))
    elif c.progress.complete:
        fields.append(
            ("🎓 Pathway complete", "Every item is done. Congratulations! Reminders stop here.")
        )
    else:
        nxt = (
            f"Next: **{shorten(c.next_up.item.text, 200)}** opens {ts(c.next_up.opens_at)}."
            if c.next_up is not None
            else "Nothing else is scheduled."
        )
        fields.append(("✅ Everything open is done", f"Nice work. {nxt}"))
    if c.offers:
        choices = [OFFER_WORDS.get(o) or f"the {pace_label(o[5:])} pace" for o in c.offers]
        text = f"Below: {', '.join(choices[:-1])} or {choices[-1]}."
        if minimal:
            text = "Below: a slower pace, a pause, or new dates."
        if c.faq:
            text = f"{faq_quote(c.faq)} {text}"
        fields.append(("🧭 Catching up", _cap(text)))
    if notes:
        seen: list[str] = []
        for line in c.lines:
            # A note is read when the work first shows and again in the week it is due.
            first = c.previous_at is None or line.status.opens_at > c.previous_at
            if not (first or line.status.state is ItemState.DUE_SOON):
                continue
            for note in line.notes:
                if note.text not in seen:
                    seen.append(note.text)
        if seen:
            fields.append(
                ("📌 Since the source was written (not from the source)", _cap("\n".join(seen)))
            )
    if resources and c.phase_resources:
        fields.append(
            (
                "📚 Resources for this phase",
                _cap(
                    "\n".join(
                        f"• {shorten(r.title, 150)}" + (f" ({r.url})" if r.url else "")
                        for r in c.phase_resources
                    )
                ),
            )
        )
    buttons = [Button("done", s.item.id, shorten(s.item.text, BUTTON_CHARS)) for s in c.focus[:5]]
    if not c.progress.complete:
        buttons += [Button("snooze", ch.kind.value, ch.label) for ch in c.snooze]
    buttons += [Button("offer", o, offer_label(o)) for o in c.offers]
    return WeeklyMessage(
        content=_summary(c),
        title=shorten(f"Week {c.week} · {c.pathway_title}", 256),
        description="\n".join(desc),
        fields=tuple(fields),
        footer="/tasks: every item · /reminders: timing",
        buttons=tuple(buttons[:25]),
        status=c.status,
    )


def _cap(value: str) -> str:
    return value if len(value) <= FIELD_LIMIT else value[: FIELD_LIMIT - 1] + "…"


__all__ = ["Button", "WeeklyMessage", "item_line", "weekly_message"]
