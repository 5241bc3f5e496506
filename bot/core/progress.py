"""Progress and on-track status, computed from a `Plan`.

On-track compares items done against items whose deadline has passed. Every item has a
deadline (skills through their study windows), and overlap links already moved deadlines
later, so "behind" means a deadline really passed with the work undone. Nobody is "behind"
before their first deadline: a brand-new learner has "just started".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.core.cadence import ItemState, Plan
from bot.core.layout import settled
from bot.core.pathway import Horizon, ItemKind, Pathway


class Track(enum.StrEnum):
    JUST_STARTED = "just started"
    ON_TRACK = "on track"
    AHEAD = "ahead"
    BEHIND = "behind"


@dataclass(frozen=True, slots=True)
class Tally:
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def percent(self) -> int:
        return round(self.fraction * 100)


@dataclass(frozen=True, slots=True)
class OnTrack:
    track: Track
    due: int  # dated items whose deadline has passed
    done_of_due: int  # of those, how many are done
    done_early: int  # items done before they even opened: working ahead

    @property
    def missing(self) -> int:
        return self.due - self.done_of_due

    def describe(self) -> str:
        if self.track is Track.JUST_STARTED:
            return "Just started"
        if self.track is Track.BEHIND:
            return f"Behind: {self.missing} overdue item{'s' if self.missing != 1 else ''}"
        if self.track is Track.AHEAD:
            return f"Ahead: {self.done_early} item{'s' if self.done_early != 1 else ''} done early"
        return "On track"


@dataclass(frozen=True, slots=True)
class Progress:
    overall: Tally
    by_phase: tuple[Tally, ...]
    by_horizon: dict[Horizon, Tally]
    skills: Tally
    on_track: OnTrack

    @property
    def complete(self) -> bool:
        return self.overall.total > 0 and self.overall.done == self.overall.total

    def describe(self) -> str:
        """The one-line status a reply shows: "Complete" outranks any track."""
        return "Complete 🎓" if self.complete else self.on_track.describe()


def on_track(plan: Plan) -> OnTrack:
    due = done_of_due = early = 0
    for s in plan.statuses:
        if s.due_at is None:
            continue
        passed = plan.at >= s.due_at
        if passed:
            due += 1
            done_of_due += s.state is ItemState.DONE
        elif s.state is ItemState.DONE and plan.at < s.opens_at:
            early += 1
    if done_of_due < due:
        track = Track.BEHIND
    elif early > 0:
        track = Track.AHEAD
    elif due == 0 and plan.week <= 1:
        track = Track.JUST_STARTED
    else:
        track = Track.ON_TRACK
    return OnTrack(track, due, done_of_due, early)


def progress(pathway: Pathway, plan: Plan) -> Progress:
    """One pass over the plan: the reminder sweep computes this for every learner."""
    n_phases = len(pathway.roadmap.phases)
    phase_done, phase_total = [0] * n_phases, [0] * n_phases
    horizon_done = dict.fromkeys(Horizon, 0)
    horizon_total = dict.fromkeys(Horizon, 0)
    skills_done = skills_total = done = 0
    for s in plan.statuses:
        is_done = s.state is ItemState.DONE
        done += is_done
        item = s.item
        if item.kind is ItemKind.TASK and item.phase_index is not None:
            phase_done[item.phase_index] += is_done
            phase_total[item.phase_index] += 1
        elif item.kind is ItemKind.ACTION and item.horizon is not None:
            horizon_done[item.horizon] += is_done
            horizon_total[item.horizon] += 1
        elif item.kind is ItemKind.SKILL:
            skills_done += is_done
            skills_total += 1
    return Progress(
        overall=Tally(done, len(plan.statuses)),
        by_phase=tuple(Tally(d, t) for d, t in zip(phase_done, phase_total, strict=True)),
        by_horizon={h: Tally(horizon_done[h], horizon_total[h]) for h in Horizon},
        skills=Tally(skills_done, skills_total),
        on_track=on_track(plan),
    )


def all_done(pathway: Pathway, done: frozenset[str]) -> bool:
    """Every item done, counting those a completed item covers: the pathway is complete."""
    have = settled(pathway, done)
    return all(it.id in have for it in pathway.items())
