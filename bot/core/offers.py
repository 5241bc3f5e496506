"""Behind mode's offers: what a learner who fell behind may choose (a slower pace the
pathway still offers, a pause, re-planning from today), and the FAQ answer the DM cites."""

from __future__ import annotations

from datetime import date, datetime

from bot.core.cadence import Plan
from bot.core.layout import paces, timeline_days
from bot.core.pathway import Pathway


def _local(instant: datetime, plan: Plan) -> date:
    return instant.astimezone(plan.zone).date()


def slower_pace(pathway: Pathway, pace: str, start: date) -> str | None:
    """The next slower pace the pathway offers (within its stated timeline), if any."""
    mine = timeline_days(pathway, pace, start)
    slower = [(timeline_days(pathway, p, start), p) for p in paces(pathway)]
    longer = sorted(x for x in slower if x[0] > mine)
    return longer[0][1] if longer else None


def offers(pathway: Pathway, plan: Plan, behind: bool, paused: bool) -> list[str]:
    """What a behind learner is offered: a slower pace where one remains, a pause, a re-plan."""
    if not behind or paused or plan.start is None:
        return []
    out = []
    slower = slower_pace(pathway, plan.pace, _local(plan.start, plan))
    if slower is not None:
        out.append(f"pace:{slower}")
    return [*out, "pause", "replan"]


def faq_answer(pathway: Pathway) -> str | None:
    """The source's answer on how long the change takes: what a behind message cites."""
    for entry in pathway.faq:
        if "month" in entry.answer or "year" in entry.answer:
            return entry.answer
    return pathway.faq[0].answer if pathway.faq else None
