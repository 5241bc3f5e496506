"""The coach: what a learner should work on this week, how, and how far along. Pure:
everything comes from the pathway file and a `Plan` (offers: bot/core/offers.py; reviews and
milestones: bot/core/review.py; the words: bot/core/coach_message.py).

A *piece of work* is one line in a message. The pathway file links work the source names
more than once (pathways/README.md, "Linked work"), so a piece gathers:
- its own item (a roadmap task, a skill, or an action-plan item on its own),
- the `same` work named elsewhere (settled with it, sharing its one deadline),
- its `steps`: action-plan items that start it, each shown in its place until done,
- for a roadmap task that is a `part` of a skill, that skill and its other parts (linked).

Nothing here matches item texts: every link is declared in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from bot.core.cadence import WEEK, ItemState, ItemStatus, Plan
from bot.core.pathway import (
    CheckableItem,
    ItemKind,
    Note,
    Pathway,
    Priority,
    Resource,
)

FOCUS_LIMIT = 5
OVERDUE_FIRST = 2
MULTI_WEEK_DAYS = 21  # longer than three weeks: the line carries a progress cue
ACTIVE = (ItemState.OVERDUE, ItemState.DUE_SOON, ItemState.OPEN)


@dataclass(frozen=True, slots=True)
class Piece:
    """One piece of work: `id` is its own item; `steps` start it; `linked` are all its others."""

    id: str
    steps: tuple[str, ...]
    linked: tuple[str, ...]
    skill: CheckableItem | None  # the skill whose how-to-learn says how to do it
    resource: Resource | None
    phase_index: int | None
    critical: bool
    notes: tuple[Note, ...]
    rank: int = 1  # 0 critical, 1 important or no skill, 2 nice-to-have only
    shared_skill: bool = False  # the skill is learned through several pieces (its parts)


@dataclass(frozen=True, slots=True)
class Line:
    """One focus line: the item shown (a step, or the piece's own item) and its cues."""

    status: ItemStatus
    piece: Piece
    how: str
    progress: tuple[int, int] | None  # (week k, of n) for multi-week work
    notes: tuple[Note, ...]
    resource: Resource | None = None  # the phase resource for the item shown

    @property
    def id(self) -> str:
        return self.status.item.id

    @property
    def linked(self) -> tuple[str, ...]:
        return tuple(i for i in (self.piece.id, *self.piece.linked) if i != self.id)


# --- pieces of work ---------------------------------------------------------------------------


def pieces(pathway: Pathway) -> dict[str, Piece]:
    """Every piece of work, by its own item's id, in reading order (memoised per pathway)."""
    memo = pathway.memo
    found = memo.get("pieces")
    if found is None:
        memo["pieces"] = found = _pieces(pathway)
    return cast(dict[str, Piece], found)


def piece_of(pathway: Pathway) -> dict[str, str]:
    """Item id -> the id of the piece it belongs to (parts-skills: their first part's)."""
    memo = pathway.memo
    found = memo.get("piece_of")
    if found is None:
        out: dict[str, str] = {}
        for pid, piece in pieces(pathway).items():
            out[pid] = pid
            for other in (*piece.steps, *piece.linked):
                out.setdefault(other, pid)
        memo["piece_of"] = found = out
    return cast(dict[str, str], found)


def _pieces(pathway: Pathway) -> dict[str, Piece]:
    items = pathway.items()
    by_id = {it.id: it for it in items}
    hidden: set[str] = set()
    part_of: dict[str, CheckableItem] = {}
    for it in items:
        hidden.update(it.same, it.steps)
        if it.parts:
            hidden.add(it.id)
            for part in it.parts:
                part_of[part] = it
    served: dict[str, Resource] = {}
    for phase in pathway.roadmap.phases:
        for res in phase.resources:
            for target in res.serves:
                served.setdefault(target, res)
    out: dict[str, Piece] = {}
    for it in items:
        if it.id in hidden:
            continue
        members = [by_id[m] for m in it.same if m in by_id]
        parent = part_of.get(it.id)
        linked = [m.id for m in members]
        if parent is not None:
            linked += [parent.id, *(p for p in parent.parts if p != it.id)]
        skill = next((m for m in (it, *members) if m.kind is ItemKind.SKILL), None)
        if skill is None and parent is not None:
            skill = parent
        if skill is None and it.how_from is not None:
            skill = by_id.get(it.how_from)
        related = (it, *members, *(by_id[s] for s in it.steps if s in by_id))
        ranked = [
            m.priority for m in (*related, *([parent] if parent else [])) if m.priority is not None
        ]
        critical = Priority.CRITICAL in ranked
        rank = 0 if critical else (2 if ranked and set(ranked) == {Priority.NICE_TO_HAVE} else 1)
        notes = tuple(n for m in related if (n := m.note) is not None)
        resource = served.get(it.id) or next(
            (served[m.id] for m in members if m.id in served), None
        )
        out[it.id] = Piece(
            id=it.id,
            steps=tuple(s for s in it.steps if s in by_id),
            linked=tuple(dict.fromkeys([*linked, *it.steps])),
            skill=skill,
            resource=resource,
            phase_index=it.phase_index
            if it.phase_index is not None
            else (it.practice_phases[0] if it.practice_phases else None),
            critical=critical,
            notes=notes,
            rank=rank,
            shared_skill=parent is not None and skill is parent,
        )
    return out


def resource_for(pathway: Pathway, piece: Piece, shown: CheckableItem) -> Resource | None:
    """The resource the file says serves the item shown (a step may have its own), else the
    piece's."""
    return _served(pathway).get(shown.id) or piece.resource


def _served(pathway: Pathway) -> dict[str, Resource]:
    memo = pathway.memo
    found = memo.get("served")
    if found is None:
        out: dict[str, Resource] = {}
        for phase in pathway.roadmap.phases:
            for res in phase.resources:
                for target in res.serves:
                    out.setdefault(target, res)
        memo["served"] = found = out
    return cast(dict[str, Resource], found)


def how_of(piece: Piece, shown: CheckableItem, resource: Resource | None = None) -> str:
    """The line's "how", in the source's own words: a skill's how-to-learn, else the title
    of the resource the file says serves it, else the item's own instruction."""
    resource = resource or piece.resource
    own = resource is not None and resource is not piece.resource
    if (piece.shared_skill or own) and resource is not None:
        # A part of a skill, or a step with a resource of its own: that tells it apart.
        return resource.title
    if piece.skill is not None and piece.skill.how:
        return piece.skill.how
    if resource is not None:
        return resource.title
    return shown.text


# --- this week's lines ------------------------------------------------------------------------


def _local(instant: datetime, plan: Plan) -> date:
    return instant.astimezone(plan.zone).date()


def week_of(plan: Plan, opens: datetime, due: datetime) -> tuple[int, int] | None:
    """(k, n): week k of the n weeks of a window longer than three weeks, while it runs."""
    first, last = _local(opens, plan), _local(due, plan)
    length = (last - first).days
    if length <= MULTI_WEEK_DAYS or not opens <= plan.at < due:
        return None
    n = -(-length // 7)
    k = min(n, (_local(plan.at, plan) - first).days // 7 + 1)
    return k, n


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A piece of work and the item it would show: what the focus is chosen from. Only the
    chosen become `Line`s, with their cues (the sweep does this for every learner)."""

    status: ItemStatus
    piece: Piece
    own: ItemStatus

    @property
    def id(self) -> str:
        return self.status.item.id


def _candidates(pathway: Pathway, plan: Plan) -> list[_Candidate]:
    by_id = {s.item.id: s for s in plan.statuses}
    out = []
    for piece in pieces(pathway).values():
        own = by_id[piece.id]
        if own.state is ItemState.DONE:
            continue
        shown = next((by_id[s] for s in piece.steps if by_id[s].state is not ItemState.DONE), own)
        out.append(_Candidate(shown, piece, own))
    return out


def _line(plan: Plan, piece: Piece, shown: ItemStatus) -> Line:
    # How far along: the shown item's own window (a step's, or the piece's), when it is long.
    progress = week_of(plan, shown.opens_at, shown.due_at) if shown.due_at else None
    resource = resource_for(plan.pathway, piece, shown.item) if plan.pathway else piece.resource
    notes = ((shown.item.note,) if shown.item.note else ()) + (
        (resource.note,) if resource and resource.note else ()
    )
    how = how_of(piece, shown.item, resource)
    return Line(shown, piece, how, progress, tuple(dict.fromkeys(notes)), resource)


def _active(c: _Candidate) -> bool:
    return c.status.state in ACTIVE or c.own.state in ACTIVE


@dataclass(frozen=True, slots=True)
class Focus:
    lines: tuple[Line, ...]
    start_with: Line | None  # behind: what to do first
    more: int  # active lines not shown: "+N more" in /tasks
    overdue: int  # how many pieces of work are overdue


def _start_key(line: _Candidate, order: dict[str, int]) -> tuple[int, float, int]:
    due = line.status.due_at.timestamp() if line.status.due_at else float("inf")
    return (0 if line.piece.critical else 1, due, order[line.id])


def focus(pathway: Pathway, plan: Plan, limit: int = FOCUS_LIMIT) -> Focus:
    """This week's lines. On track: the open pieces, soonest deadline first. Behind: what to
    start with (the oldest critical overdue piece whose declared order allows it), one more
    overdue piece, then the current phase's work, then the rest of the overdue."""
    order = {s.item.id: i for i, s in enumerate(plan.statuses)}
    all_lines = _candidates(pathway, plan)
    active = [c for c in all_lines if _active(c)]
    done = {s.item.id for s in plan.statuses if s.state is ItemState.DONE}

    def key(ln: _Candidate) -> tuple[int, float, int, int, int]:
        # A nice-to-have never displaces a critical or important piece due the same day.
        due = ln.status.due_at.timestamp() if ln.status.due_at else float("inf")
        current = 0 if ln.piece.phase_index == plan.phase_index else 1
        overdue = 0 if ln.status.state is ItemState.OVERDUE else 1
        return (overdue, due, current, ln.piece.rank, order[ln.id])

    late = sorted(
        (ln for ln in active if ln.status.state is ItemState.OVERDUE),
        key=lambda ln: _start_key(ln, order),
    )
    ready = [ln for ln in late if all(d in done for d in ln.status.item.after)]
    start = (ready or late)[0] if late else None
    if start is not None:
        late.remove(start)
        late.insert(0, start)
    current = sorted((ln for ln in active if ln.status.state is not ItemState.OVERDUE), key=key)
    in_phase = [
        ln
        for ln in late[OVERDUE_FIRST:]
        if plan.phase_index is not None and ln.piece.phase_index == plan.phase_index
    ]
    rest = [ln for ln in late[OVERDUE_FIRST:] if ln not in in_phase]
    current.sort(key=lambda ln: (ln.piece.phase_index != plan.phase_index, key(ln)))
    ordered = late[:OVERDUE_FIRST] + in_phase + current + rest
    chosen = ordered[:limit]
    if not chosen:
        upcoming = sorted(
            (c for c in all_lines if c not in active and c.own.state is ItemState.NOT_OPEN),
            key=lambda ln: (ln.status.opens_at, key(ln)[1:]),
        )
        if upcoming:
            first = upcoming[0].status.opens_at
            soon = [ln for ln in upcoming if ln.status.opens_at <= max(first, plan.at + WEEK)]
            chosen += soon[:limit]
    lines = {c.id: _line(plan, c.piece, c.status) for c in (*chosen, *([start] if start else []))}
    return Focus(
        tuple(lines[c.id] for c in chosen),
        lines[start.id] if start is not None else None,
        max(0, len(ordered) - len(chosen)),
        len(late),
    )


def work_done_of_due(pathway: Pathway, plan: Plan) -> int | None:
    """Effort-weighted: the percent of the work due by now that is done, each item weighed
    by the time the plan gives it (linked duplicates counted once). None: nothing due yet."""
    counted = set(piece_of(pathway))
    due = done = 0.0
    for s in plan.statuses:
        if s.item.id not in counted or s.due_at is None or s.due_at > plan.at:
            continue
        weight = (s.due_at - s.opens_at).total_seconds()
        due += weight
        done += weight if s.state is ItemState.DONE else 0.0
    return round(100 * done / due) if due else None


def also_settled(plan: Plan, item_id: str) -> list[ItemStatus]:
    """What checking `item_id` off settled besides itself (its linked work), for the reply."""
    if plan.pathway is None:
        return []
    from bot.core.layout import settled

    reach = settled(plan.pathway, {item_id}) - {item_id}
    return [s for s in plan.statuses if s.item.id in reach and s.settled]


__all__ = ["Focus", "Line", "Piece", "also_settled", "focus", "pieces", "work_done_of_due"]
