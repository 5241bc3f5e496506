"""Cohort insight for organisers: one row per learner and the cohort's weekly pace.

Pure. The on-schedule figure is exactly `/leaderboard metric:on-schedule`'s: dated items
checked off divided by the items expected by now from the learner's own start
(`expected_by_now`, at least `MIN_EXPECTED`), rounded alike, so the two never disagree.
The status is the one `/progress` shows, folded into what an organiser acts on: paused,
complete, behind (a deadline passed with the work undone), else on track (ahead and just
started included).

Privacy: a hidden learner is never a row; `summarise` counts them and nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.cadence import Plan
from bot.core.leaderboard import Entry, ahead_of, rank, schedule_phrase
from bot.core.progress import Progress, Track


class CohortStatus(enum.StrEnum):
    ON_TRACK = "on track"
    BEHIND = "behind"
    PAUSED = "paused"
    COMPLETE = "complete"


#: The order statuses are counted and drawn in.
STATUS_ORDER = (
    CohortStatus.ON_TRACK,
    CohortStatus.BEHIND,
    CohortStatus.PAUSED,
    CohortStatus.COMPLETE,
)


def status_of(progress: Progress, paused: bool) -> CohortStatus:
    if paused:
        return CohortStatus.PAUSED
    if progress.complete:
        return CohortStatus.COMPLETE
    if progress.on_track.track is Track.BEHIND:
        return CohortStatus.BEHIND
    return CohortStatus.ON_TRACK


def status_from_plan(plan: Plan, have: frozenset[str], paused: bool) -> CohortStatus:
    """`status_of` without building the learner's own plan: `plan` is one with nothing done
    on the learner's calendar (deadlines do not depend on what is done) and `have` the
    items that count as done (`settled`). Behind: a deadline passed with its item not done,
    exactly as `progress.on_track` says."""
    if paused:
        return CohortStatus.PAUSED
    if all(s.item.id in have for s in plan.statuses):
        return CohortStatus.COMPLETE
    for s in plan.statuses:
        if s.due_at is not None and plan.at >= s.due_at and s.item.id not in have:
            return CohortStatus.BEHIND
    return CohortStatus.ON_TRACK


def on_schedule(done: int, expected: float) -> float:
    """The leaderboard's on-schedule score: whole items ahead (positive) or behind."""
    return ahead_of(done, expected)


@dataclass(frozen=True, slots=True)
class LearnerRow:
    user_id: int
    visible: bool
    status: CohortStatus
    done: int  # dated items checked off (what the leaderboard counts)
    expected: float  # items expected by now, pro-rated
    score: float  # on_schedule(done, expected)
    last_activity: datetime | None  # latest completion (the leaderboard's tie-breaker)
    streak: int  # weeks in a row with a completion

    @property
    def phrase(self) -> str:
        """As the leaderboard prints it: "2 ahead", "on schedule", "1 behind"."""
        return schedule_phrase(self.score)

    @property
    def ahead(self) -> int:
        """Whole items ahead of (positive) or behind (negative) the schedule."""
        return round(self.done - self.expected)


@dataclass(frozen=True, slots=True)
class Week:
    first_day: date  # Monday, in the server's zone
    completions: int  # dated items the cohort checked off that week
    expected: float  # items the cohort's plans expected that week


@dataclass(frozen=True, slots=True)
class CohortSummary:
    title: str  # pathway name, or group name and pathway
    at: datetime
    visible: tuple[LearnerRow, ...]  # ranked as the on-schedule leaderboard ranks them
    hidden: int  # learners who chose `/me visibility hidden`: counted, never listed
    counts: dict[CohortStatus, int]  # everyone, hidden included (counts reveal no one)
    weeks: tuple[Week, ...]
    ranks: tuple[int, ...] = ()  # the leaderboard's rank of each visible row (ties share)

    @property
    def total(self) -> int:
        return len(self.visible) + self.hidden


def summarise(
    title: str,
    at: datetime,
    rows: Sequence[LearnerRow],
    weeks: Sequence[Week],
) -> CohortSummary:
    """Rank the visible rows exactly as the on-schedule leaderboard does (score, then who got
    there first) and count everyone's status; hidden rows are reduced to counts here."""
    counts = {s: 0 for s in STATUS_ORDER}
    for r in rows:
        counts[r.status] += 1
    by_user = {r.user_id: r for r in rows if r.visible}
    ranked = rank([Entry(r.user_id, r.score, r.last_activity) for r in by_user.values()])
    visible = tuple(by_user[x.entry.user_id] for x in ranked)
    hidden = sum(1 for r in rows if not r.visible)
    ranks = tuple(x.rank for x in ranked)
    return CohortSummary(title, at, visible, hidden, counts, tuple(weeks), ranks)
