"""What a weekly reminder says, decided in the core so the DM, the preview and tests agree.

The adapter only renders this; it never decides what is due. The heart of it is the week's
focus (bot/core/focus.py): at most five concrete next actions, every week of the timeline.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import coach, offers
from bot.core import review as checkpoints
from bot.core.cadence import WEEK, ItemState, ItemStatus, Plan
from bot.core.focus import due_before, next_opening, overdue
from bot.core.pathway import Horizon, Pathway, Resource
from bot.core.preview import reminder_sections
from bot.core.progress import Progress, Track, progress
from bot.core.snooze import SnoozeChoice

MILESTONE_NAMES = {
    Horizon.WEEK: "Your first week is done",
    Horizon.MONTH: "Your first month is behind you",
    Horizon.QUARTER: "Day 90: your 90-day checkpoint",
}
END_OF_ROADMAP = "You've reached the end of your timeline"
COMPLETE = "Pathway complete: every item is done. Congratulations!"


class Status(enum.StrEnum):
    """One word for where a learner stands: the preview JSON and the reminder agree on it."""

    JUST_STARTED = "just-started"
    ON_TRACK = "on-track"
    BEHIND = "behind"
    PAUSED = "paused"
    COMPLETE = "complete"


def status_of(prog: Progress, paused: bool = False) -> Status:
    if prog.complete:
        return Status.COMPLETE
    if paused:
        return Status.PAUSED
    track = prog.on_track.track
    if track is Track.BEHIND:
        return Status.BEHIND
    if track is Track.JUST_STARTED:
        return Status.JUST_STARTED
    return Status.ON_TRACK


@dataclass(frozen=True, slots=True)
class ReminderContent:
    pathway_id: str
    pathway_title: str  # the short title where the pathway has one
    week: int
    phase_number: int | None  # 1-based
    phase_title: str | None
    phase_focus: str | None
    new: list[ItemStatus]
    due_soon: list[ItemStatus]
    overdue: list[ItemStatus]
    opens_next_week: list[ItemStatus]
    progress: Progress
    streak: int
    milestones: list[str]
    late_by: timedelta | None  # set when sent after its slot (catch-up after downtime)
    paused: bool = False
    focus: tuple[ItemStatus, ...] = ()
    due: tuple[ItemStatus, ...] = ()  # open and due before the next reminder
    phase_week: tuple[int, int] | None = None  # (k, n): week k of the phase's n
    phase_resources: tuple[Resource, ...] = ()  # shown in the week a phase begins
    next_up: ItemStatus | None = None  # what opens next, once everything open is done
    status: Status = Status.ON_TRACK
    timeline_end: datetime | None = None
    zone: ZoneInfo | None = None  # the learner's: deadlines read as the end of their day
    snooze: tuple[SnoozeChoice, ...] = ()  # what a DM offers (bot/core/snooze.py)
    lines: tuple[coach.Line, ...] = ()  # the focus as lines: how, progress, links
    start_with: coach.Line | None = None  # behind: what to do first
    more: int = 0  # active lines the focus leaves out: "+N more" in /tasks
    offers: tuple[str, ...] = ()  # behind: "pace:<name>", "pause", "replan"
    review: checkpoints.Review | None = None  # a checkpoint week: day 90, or a phase's end
    faq: str | None = None  # the source's own answer on how long the change takes
    done_of_due: int | None = None  # percent of the work due by now that is done
    overdue_lines: int = 0
    previous_at: datetime | None = None  # the previous reminder: what is new since


def milestones_between(
    pathway: Pathway, plan: Plan, since: datetime | None, prog: Progress
) -> list[str]:
    """Milestones reached in (since, plan.at]; `since` None means since the start."""
    out: list[str] = []
    for horizon, deadline in plan.horizon_deadlines.items():
        if (since is None or deadline > since) and deadline <= plan.at:
            out.append(MILESTONE_NAMES[horizon])
    for i, (opens, _ends) in enumerate(plan.phase_windows):
        if i and (since is None or opens > since) and opens <= plan.at:
            out.append(f"Phase {i + 1} begins: {pathway.roadmap.phases[i].title}")
    if plan.phase_windows:
        end = plan.phase_windows[-1][1]
        if (since is None or end > since) and end <= plan.at:
            out.append(END_OF_ROADMAP)
    if prog.complete:
        out.append(COMPLETE)
    return out


def phase_began_since(plan: Plan, since: datetime | None) -> bool:
    """Whether the current phase opened after the previous reminder (or this is the first)."""
    if plan.phase_index is None:
        return False
    opens = plan.phase_windows[plan.phase_index][0]
    return since is None or opens > since


def compose(
    pathway: Pathway,
    plan: Plan,
    previous_at: datetime | None,
    streak: int,
    scheduled_at: datetime | None = None,
    paused: bool = False,
) -> ReminderContent:
    """The reminder for `plan.at`; `scheduled_at` earlier than plan.at marks it as late."""
    sections = reminder_sections(plan, previous_at)
    prog = progress(pathway, plan)
    horizon_end = plan.at + WEEK
    opens_next = [
        s for s in plan.statuses if s.state is ItemState.NOT_OPEN and s.opens_at <= horizon_end
    ]
    phase = pathway.roadmap.phases[plan.phase_index] if plan.phase_index is not None else None
    late = None
    if scheduled_at is not None and plan.at - scheduled_at > timedelta(minutes=15):
        late = plan.at - scheduled_at
    plan_focus = coach.focus(pathway, plan)
    focus = tuple(ln.status for ln in plan_focus.lines)
    status = status_of(prog, paused)
    behind = status is Status.BEHIND
    return ReminderContent(
        pathway_id=pathway.id,
        pathway_title=pathway.name,
        week=plan.week,
        phase_number=plan.phase_index + 1 if plan.phase_index is not None else None,
        phase_title=phase.title if phase else None,
        phase_focus=phase.focus if phase else None,
        new=sections.new,
        due_soon=sections.due_soon,
        overdue=sections.overdue,
        opens_next_week=opens_next,
        progress=prog,
        streak=streak,
        milestones=checkpoints.milestones(pathway, plan, previous_at, plan_focus.start_with)
        + ([COMPLETE] if prog.complete else []),
        late_by=late,
        paused=paused,
        focus=focus,
        due=tuple(due_before(plan, horizon_end)),
        phase_week=plan.phase_week(),
        phase_resources=(
            tuple(phase.resources) if phase and phase_began_since(plan, previous_at) else ()
        ),
        next_up=next_opening(plan)
        if not focus or all(s.state is ItemState.NOT_OPEN for s in focus)
        else None,
        status=status,
        timeline_end=plan.timeline_end,
        zone=plan.zone,
        lines=plan_focus.lines,
        start_with=plan_focus.start_with if behind else None,
        more=plan_focus.more,
        offers=tuple(offers.offers(pathway, plan, behind, paused)),
        review=checkpoints.review(pathway, plan, previous_at),
        faq=offers.faq_answer(pathway) if behind else None,
        done_of_due=coach.work_done_of_due(pathway, plan),
        overdue_lines=plan_focus.overdue,
        previous_at=previous_at,
    )


__all__ = ["ReminderContent", "Status", "compose", "milestones_between", "overdue", "status_of"]
