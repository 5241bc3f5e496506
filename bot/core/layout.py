"""Where every item sits on a learner's timeline, in days from their start, before pauses.

The pathway file gives phase lengths in weeks and a stated timeline ("9-12 months"). A
learner picks a *pace*: `as-written` keeps the phases' own weeks; `N-months` stretches the
phases proportionally so the roadmap fills N calendar months from the start. Everything that
hangs off the phases (their tasks, the skills they practise) moves with them. The rules are
documented for authors in pathways/README.md; in short:

- Action-plan items keep their source horizons (first week, first month, first 90 days):
  they are counted from the start at every pace.
- A phase task opens when its phase starts and is due when it ends.
- A skill gets a study window: it opens with the first phase that practises it and lasts its
  estimated weeks (stretched by the pace), at least to the end of the last phase that
  practises it. Skills tied to no phase follow one another by priority from the start. No
  window runs past the end of the timeline.
- Overlap: an item's deadline is the latest of its own and those of the items it is linked
  to (`covers` / `overlaps`, either direction, one hop), so no one is late on an item while
  an overlapping item's deadline still holds.

Deadlines are day counts: "due day 7" is local midnight at the start of day 7, i.e. the end
of the seventh day (day 6 counted from 0). Renderers show it as "by end of <day 6>".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import cast

from bot.core.errors import InvalidInput
from bot.core.pathway import CheckableItem, Horizon, ItemKind, Pathway, Priority

AS_WRITTEN = "as-written"
PRIORITY_ORDER = {Priority.CRITICAL: 0, Priority.IMPORTANT: 1, Priority.NICE_TO_HAVE: 2}
MIN_WINDOW_DAYS = 7


@dataclass(frozen=True, slots=True)
class Layout:
    """Day offsets from the start: phases' (start, end) and items' (opens, due)."""

    total_days: int
    phases: tuple[tuple[int, int], ...]
    windows: dict[str, tuple[int, int]]

    def window(self, item_id: str) -> tuple[int, int]:
        return self.windows[item_id]


# --- pace -------------------------------------------------------------------------------------


def paces(pathway: Pathway) -> list[str]:
    """The pace values a learner may choose, `as-written` first."""
    out = [AS_WRITTEN]
    tl = pathway.timeline_months
    if tl is not None:
        for months in (tl.min_months, tl.max_months):
            if months is not None and f"{months}-months" not in out:
                out.append(f"{months}-months")
    return out


def default_pace(pathway: Pathway) -> str:
    """The lower bound of the stated timeline, or `as-written` where the file states none."""
    tl = pathway.timeline_months
    return f"{tl.min_months}-months" if tl is not None else AS_WRITTEN


def check_pace(pathway: Pathway, pace: str) -> str:
    """The pace, normalised; a domain error naming the choices when it is not one of them."""
    value = pace.strip().lower().replace(" ", "-")
    if value in ("as-written", "aswritten", "written"):
        value = AS_WRITTEN
    choices = paces(pathway)
    if value not in choices:
        raise InvalidInput(
            f"That pace is not offered for this pathway. Choose one of: {', '.join(choices)}."
        )
    return value


def pace_label(pace: str) -> str:
    if pace == AS_WRITTEN:
        return "as written"
    return pace.replace("-", " ")


def pace_description(pathway: Pathway, pace: str) -> str:
    """'9 months: phases stretched to fill 9 months' — what a choice means, for menus."""
    weeks = written_days(pathway) // 7
    if pace == AS_WRITTEN:
        return f"as written: the phases' own {weeks} weeks"
    return f"{pace_label(pace)}: the {weeks} weeks of phases stretched to fill {pace_label(pace)}"


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clamped to the month's last day."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def written_days(pathway: Pathway) -> int:
    return sum(ph.weeks for ph in pathway.roadmap.phases) * 7


def timeline_days(pathway: Pathway, pace: str, start: date) -> int:
    """The length of the learner's timeline in days; an unknown pace counts as written."""
    if pace.endswith("-months") and pace in paces(pathway):
        months = int(pace.split("-", 1)[0])
        return (add_months(start, months) - start).days
    return written_days(pathway)


# --- the layout -------------------------------------------------------------------------------


def layout(pathway: Pathway, total_days: int) -> Layout:
    """The layout for a timeline of `total_days` (memoised per loaded pathway)."""
    memo = cast(dict[int, Layout], pathway.memo)
    found = memo.get(total_days)
    if found is None:
        found = memo[total_days] = _build(pathway, total_days)
    return found


def _phase_days(pathway: Pathway, total_days: int) -> tuple[tuple[int, int], ...]:
    written = written_days(pathway)
    out: list[tuple[int, int]] = []
    cum = 0
    start = 0
    for i, ph in enumerate(pathway.roadmap.phases):
        cum += ph.weeks * 7
        end = (
            total_days
            if i == len(pathway.roadmap.phases) - 1
            else round(cum * total_days / written)
        )
        end = max(end, start + 1)
        out.append((start, end))
        start = end
    return tuple(out)


def _free_skill_windows(
    skills: list[CheckableItem], total: int, scale: float
) -> dict[str, tuple[int, int]]:
    """Skills tied to no phase follow one another by priority from the start."""
    out: dict[str, tuple[int, int]] = {}
    free = sorted(skills, key=lambda s: PRIORITY_ORDER.get(s.priority or Priority.NICE_TO_HAVE, 3))
    lengths = [round((s.weeks or 1) * 7 * scale) for s in free]
    squeeze = min(1.0, total / sum(lengths)) if lengths else 1.0
    day = 0
    for s, length in zip(free, lengths, strict=True):
        span = max(MIN_WINDOW_DAYS, round(length * squeeze))
        opens = min(day, max(0, total - span))
        out[s.id] = (opens, min(total, opens + span))
        day = opens + span
    return out


STEP_LEAD_DAYS = 21  # a step or action item on its own opens at most 3 weeks before it is due


def _build(pathway: Pathway, total_days: int) -> Layout:
    phases = _phase_days(pathway, total_days)
    scale = total_days / written_days(pathway)
    items = pathway.items()
    by_id = {it.id: it for it in items}
    same_of = {m: it.id for it in items for m in it.same}
    step_of = {m: it.id for it in items for m in it.steps}
    free = [i for i in items if i.kind is ItemKind.SKILL and not i.practice_phases and not i.parts]
    free_windows = _free_skill_windows([i for i in free if i.id not in same_of], total_days, scale)
    own: dict[str, tuple[int, int]] = {}

    def span(weeks: int) -> int:
        return max(1, round(weeks * 7 * scale))

    def after_due(item: CheckableItem) -> int:
        return max((window(d)[1] for d in item.after if d in by_id), default=0)

    def window(iid: str) -> tuple[int, int]:
        found = own.get(iid)
        if found is not None:
            return found
        own[iid] = (0, total_days)  # a guard: `validate` rejects circular `after`
        own[iid] = found = _fit(compute(by_id[iid]), total_days)
        return found

    def compute(item: CheckableItem) -> tuple[int, int]:
        if item.id in same_of:
            return window(same_of[item.id])
        if item.kind is ItemKind.ACTION and item.horizon is not None:
            due = item.horizon.days
            if item.horizon is Horizon.WEEK:
                return 0, due
            lead = max(0, due - STEP_LEAD_DAYS)
            parent = step_of.get(item.id)
            if parent is None:
                return max(lead, after_due(item)), due
            siblings = by_id[parent].steps
            index = siblings.index(item.id)
            previous = window(siblings[index - 1])[1] if index else 0
            return max(previous, min(opening(by_id[parent]), lead), after_due(item)), due
        if item.kind is ItemKind.TASK and item.phase_index is not None:
            first, last = phases[item.phase_index]
            opens = max(first, after_due(item))
            due = last if item.effort_weeks is None else opens + span(item.effort_weeks)
            return opens, min(last, due)
        if item.parts:
            parts = [window(x) for x in item.parts if x in by_id]
            return min(a for a, _ in parts), max(b for _, b in parts)
        if item.practice_phases:
            first = phases[item.practice_phases[0]][0]
            last = phases[item.practice_phases[-1]][1]
            opens = max(first, after_due(item))
            return opens, min(last, max(opens + span(item.weeks or 1), last))
        return free_windows.get(item.id, (0, total_days))

    def opening(item: CheckableItem) -> int:
        """Where a piece of work opens, before its steps are taken into account."""
        if item.kind is ItemKind.TASK and item.phase_index is not None:
            return max(phases[item.phase_index][0], after_due(item))
        return window(item.id)[0]

    for item in items:
        window(item.id)
    # A piece of work is never due before its own starter steps.
    for item in items:
        if item.steps and item.id in own:
            opens, due = own[item.id]
            last = max((own[x][1] for x in item.steps if x in own), default=due)
            if last > due:
                own[item.id] = (opens, min(total_days, last))
                for member in item.same:
                    own[member] = own[item.id]
    # Overlap links between roadmap work (never action-plan items: their horizons are the
    # source's promise "starting today") extend a deadline to the linked item's.
    neighbours: dict[str, set[str]] = {item.id: set() for item in items}
    for item in items:
        if item.kind is ItemKind.ACTION:
            continue
        for other in (*item.covers, *item.overlaps):
            if other in neighbours and by_id[other].kind is not ItemKind.ACTION:
                neighbours[item.id].add(other)
                neighbours[other].add(item.id)
    windows = {
        iid: (opens, max([due, *(own[n][1] for n in neighbours[iid])]))
        for iid, (opens, due) in own.items()
    }
    return Layout(total_days, phases, windows)


def _fit(win: tuple[int, int], total: int) -> tuple[int, int]:
    opens, due = win
    opens = max(0, min(opens, total - 1))
    return opens, max(opens + 1, min(due, total) if due <= total else total)


def settled(pathway: Pathway, done: set[str] | frozenset[str]) -> frozenset[str]:
    """Items that count as done: those completed, and those a completed item settles.

    A completed item settles what it `covers`, its `steps`, and the `same` work named
    elsewhere (either way round); a skill with `parts` is settled by all its parts, and
    settles them.
    """
    out = set(done)
    frontier = list(done)
    implied = _implied(pathway)
    whole = [(it.id, it.parts) for it in pathway.items() if it.parts]
    while frontier:
        while frontier:
            for other in implied.get(frontier.pop(), ()):
                if other not in out:
                    out.add(other)
                    frontier.append(other)
        for skill, parts in whole:
            if skill not in out and all(p in out for p in parts):
                out.add(skill)
                frontier.append(skill)
    return frozenset(out)


def _implied(pathway: Pathway) -> dict[str, set[str]]:
    memo = pathway.memo
    found = memo.get("implied")
    if found is None:
        graph: dict[str, set[str]] = {}
        for it in pathway.items():
            mine = graph.setdefault(it.id, set())
            mine.update(it.covers, it.steps, it.same, it.parts)
            for member in it.same:
                graph.setdefault(member, set()).update({it.id, *it.same} - {member})
        memo["implied"] = found = graph
    return cast(dict[str, set[str]], found)
