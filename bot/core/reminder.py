"""What a weekly reminder says, decided in the core so the DM, the preview and tests agree.

The adapter only renders this; it never decides what is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.cadence import WEEK, ItemState, ItemStatus, Plan
from bot.core.pathway import Horizon, Pathway
from bot.core.preview import reminder_sections
from bot.core.progress import Progress, progress

MILESTONE_NAMES = {
    Horizon.WEEK: "You've reached the end of week 1",
    Horizon.MONTH: "Month 1 is behind you",
    Horizon.QUARTER: "Day 90: your 90-day checkpoint",
}


@dataclass(frozen=True, slots=True)
class ReminderContent:
    pathway_id: str
    pathway_title: str
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
            out.append("You've reached the end of the roadmap")
    if prog.complete:
        out.append("Pathway complete: every item is done. Congratulations!")
    return out


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
    return ReminderContent(
        pathway_id=pathway.id,
        pathway_title=pathway.title,
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
        milestones=milestones_between(pathway, plan, previous_at, prog),
        late_by=late,
        paused=paused,
    )
