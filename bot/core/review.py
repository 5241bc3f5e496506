"""Checkpoints and milestones: the day-90 review, each phase's end review, and the
horizon milestones, which are earned rather than dated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core.cadence import WEEK, ItemState, ItemStatus, Plan
from bot.core.coach import Line, piece_of
from bot.core.deadlines import last_day
from bot.core.pathway import Horizon, Pathway


def _local(instant: datetime, plan: Plan) -> date:
    return instant.astimezone(plan.zone).date()


@dataclass(frozen=True, slots=True)
class ReviewItem:
    status: ItemStatus
    due: date  # the last day: its deadline, or for open work its honest new date


@dataclass(frozen=True, slots=True)
class Review:
    kind: str  # "day-90" or "phase-N"
    title: str
    items: tuple[ReviewItem, ...]


def _honest_due(pathway: Pathway, plan: Plan, s: ItemStatus) -> date:
    """Done or still on time: its deadline. Late: the deadline of the bigger work it starts
    (doing that settles it), else today plus the time the plan first gave it."""
    last = _local(s.due_at, plan) if s.due_at else _local(plan.at, plan)
    if s.state is not ItemState.OVERDUE or s.due_at is None:
        return _last_day(s.due_at, plan) if s.due_at else last
    parent = piece_of(pathway).get(s.item.id)
    if parent is not None and parent != s.item.id:
        owner = plan.status(parent)
        if owner is not None and owner.due_at is not None and owner.due_at > plan.at:
            return _last_day(owner.due_at, plan)
    span = s.due_at - s.opens_at
    return _last_day(plan.at + max(span, WEEK), plan)


def _last_day(due: datetime, plan: Plan) -> date:
    return last_day(due, plan.zone)


def review(pathway: Pathway, plan: Plan, since: datetime | None) -> Review | None:
    """The checkpoint reached since the previous reminder: day 90 first, else a phase's end."""
    day90 = plan.horizon_deadlines.get(Horizon.QUARTER)
    ended = [
        i
        for i, (_a, end) in enumerate(plan.phase_windows)
        if (since is None or end > since) and end <= plan.at
    ]
    if day90 is not None and (since is None or day90 > since) and day90 <= plan.at:
        ids = [it.id for it in pathway.items() if it.horizon is Horizon.QUARTER]
        for i in ended:
            ids += [t.id for t in pathway.roadmap.phases[i].tasks]
        title = "Day-90 review" + (f" and the end of phase {ended[-1] + 1}" if ended else "")
        return Review("day-90", title, _review_items(pathway, plan, ids))
    if ended:
        i = ended[-1]
        ph = pathway.roadmap.phases[i]
        ids = [t.id for t in ph.tasks]
        return Review(
            f"phase-{i + 1}", f"Phase {i + 1} review: {ph.title}", _review_items(pathway, plan, ids)
        )
    return None


def _review_items(pathway: Pathway, plan: Plan, ids: list[str]) -> tuple[ReviewItem, ...]:
    out = []
    for iid in ids:
        s = plan.status(iid)
        if s is not None:
            out.append(ReviewItem(s, _honest_due(pathway, plan, s)))
    return tuple(out)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-(") + "…"


HORIZON_NAMES = {Horizon.WEEK: "Week 1", Horizon.MONTH: "Month 1"}


def milestones(
    pathway: Pathway, plan: Plan, since: datetime | None, start_with: Line | None
) -> list[str]:
    """Milestones reached since the previous reminder, earned rather than dated: a horizon
    says how much of its work is done, and never "done" when it is not."""
    out: list[str] = []
    for horizon, name in HORIZON_NAMES.items():
        deadline = plan.horizon_deadlines.get(horizon)
        if deadline is None or not ((since is None or deadline > since) and deadline <= plan.at):
            continue
        own = [s for s in plan.statuses if s.item.horizon is horizon]
        done = sum(s.state is ItemState.DONE for s in own)
        if own and done == len(own):
            out.append(f"{name} done: all {len(own)} of its steps checked off")
        else:
            tail = f", start with {_short(start_with.status.item.text, 48)}" if start_with else ""
            out.append(f"{name} is over: {done} of {len(own)} done{tail}")
    for i, (opens, _ends) in enumerate(plan.phase_windows):
        if i and (since is None or opens > since) and opens <= plan.at:
            out.append(f"Phase {i + 1} begins: {pathway.roadmap.phases[i].title}")
    if plan.phase_windows:
        end = plan.phase_windows[-1][1]
        if (since is None or end > since) and end <= plan.at:
            out.append("You've reached the end of your timeline")
    return out
