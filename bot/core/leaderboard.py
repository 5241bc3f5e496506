"""Ranking for leaderboards: competition ranks (1, 2, 2, 4), ties ordered by who got there first.

Two metrics: points, and on-schedule (how many items ahead of or behind their own schedule a
learner is: completed items minus the items expected by now, measured from their own start,
so a learner who joined last week can lead a group that started in spring).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.cadence import Plan


class Metric(enum.StrEnum):
    POINTS = "points"
    ON_SCHEDULE = "on-schedule"


class Period(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Entry:
    user_id: int
    score: float
    reached_at: datetime | None  # when the learner reached this score; earlier wins a tie
    visible: bool = True


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int
    entry: Entry


def ahead_of(done: int, expected: float) -> float:
    """Whole items ahead (positive) or behind (negative) of the schedule; 0 is on schedule."""
    return float(round(done - expected))


def schedule_phrase(score: float) -> str:
    """'2 ahead', 'on schedule' or '1 behind': the on-schedule metric as a person says it."""
    n = round(score)
    if n > 0:
        return f"{n} ahead"
    if n < 0:
        return f"{-n} behind"
    return "on schedule"


def expected_by_now(plan: Plan) -> float:
    """Dated items pro-rated by how much of each item's window has elapsed at `plan.at`."""
    total = 0.0
    for s in plan.statuses:
        if s.due_at is None or plan.at <= s.opens_at:
            continue
        window = (s.due_at - s.opens_at).total_seconds()
        elapsed = (plan.at - s.opens_at).total_seconds()
        total += 1.0 if window <= 0 else min(1.0, elapsed / window)
    return total


def rank(entries: Sequence[Entry]) -> list[Ranked]:
    """Sort by score (high first), then by who reached it first; equal scores share a rank."""

    def key(e: Entry) -> tuple[float, bool, float, int]:
        reached = e.reached_at.timestamp() if e.reached_at is not None else 0.0
        return (-e.score, e.reached_at is None, reached, e.user_id)

    ordered = sorted(entries, key=key)
    out: list[Ranked] = []
    for i, e in enumerate(ordered):
        if i and _same(e.score, ordered[i - 1].score):
            out.append(Ranked(out[-1].rank, e))
        else:
            out.append(Ranked(i + 1, e))
    return out


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


def window(
    ranked: Sequence[Ranked], viewer: int | None, top: int = 10
) -> tuple[list[Ranked], Ranked | None]:
    """The top `top` rows, plus the viewer's own row when it falls outside them."""
    head = list(ranked[:top])
    if viewer is None or any(r.entry.user_id == viewer for r in head):
        return head, None
    mine = next((r for r in ranked if r.entry.user_id == viewer), None)
    return head, mine
