"""Milestones a server can reward with a role (`/setup milestone-role`).

A milestone is reached by doing its work, never by the calendar alone (a role is a reward):
- "first week", "first month", "day 90": every item of that horizon of the action plan is
  done (checked, or covered by a checked item);
- "phase N": every task of the roadmap's phase N is done;
- "pathway complete": every item is done.
A milestone with no items in a pathway (a pathway without phase 5, say) is never reached
on it. Reached stays reached for the role: `/undo` and `/leave` never take a role away.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from bot.core.errors import InvalidInput
from bot.core.pathway import Horizon
from bot.core.progress import Progress, Tally
from bot.core.untrusted import quote_input

MAX_PHASES = 25


class MilestoneKind(enum.StrEnum):
    FIRST_WEEK = "first week"
    FIRST_MONTH = "first month"
    DAY_90 = "day 90"
    PHASE = "phase"
    COMPLETE = "pathway complete"


_HORIZONS = {
    MilestoneKind.FIRST_WEEK: Horizon.WEEK,
    MilestoneKind.FIRST_MONTH: Horizon.MONTH,
    MilestoneKind.DAY_90: Horizon.QUARTER,
}


@dataclass(frozen=True, slots=True)
class Milestone:
    kind: MilestoneKind
    phase: int | None = None  # 1-based, for PHASE only

    @property
    def key(self) -> str:
        """Stored form: 'first-week', 'phase-3', 'pathway-complete'."""
        if self.kind is MilestoneKind.PHASE:
            return f"phase-{self.phase}"
        return self.kind.value.replace(" ", "-")

    @property
    def label(self) -> str:
        """As the command takes it and replies show it: 'first week', 'phase 3'."""
        if self.kind is MilestoneKind.PHASE:
            return f"phase {self.phase}"
        return self.kind.value

    @property
    def meaning(self) -> str:
        """What reaching it takes, in a few words."""
        if self.kind is MilestoneKind.PHASE:
            return f"every task of phase {self.phase} done"
        if self.kind is MilestoneKind.COMPLETE:
            return "every item of the pathway done"
        span = {
            MilestoneKind.FIRST_WEEK: "first week",
            MilestoneKind.FIRST_MONTH: "first month",
            MilestoneKind.DAY_90: "first 90 days",
        }[self.kind]
        return f"every action-plan item of the {span} done"

    def reached(self, progress: Progress) -> bool:
        return _complete(self.tally(progress))

    def tally(self, progress: Progress) -> Tally | None:
        if self.kind is MilestoneKind.COMPLETE:
            return progress.overall
        if self.kind is MilestoneKind.PHASE:
            index = (self.phase or 0) - 1
            return progress.by_phase[index] if 0 <= index < len(progress.by_phase) else None
        return progress.by_horizon.get(_HORIZONS[self.kind])


def _complete(tally: Tally | None) -> bool:
    return tally is not None and tally.total > 0 and tally.done >= tally.total


FIXED = (
    Milestone(MilestoneKind.FIRST_WEEK),
    Milestone(MilestoneKind.FIRST_MONTH),
    Milestone(MilestoneKind.DAY_90),
)
COMPLETE = Milestone(MilestoneKind.COMPLETE)


def choices(max_phase: int) -> list[Milestone]:
    """Every milestone a server may map, in order: the horizons, each phase, completion."""
    phases = [Milestone(MilestoneKind.PHASE, n) for n in range(1, min(max_phase, MAX_PHASES) + 1)]
    return [*FIXED, *phases, COMPLETE]


_PHASE = re.compile(r"^phase[\s_-]*(\d{1,2})$")


def parse_milestone(text: str, max_phase: int) -> Milestone:
    """'first week', 'First-Month', 'day 90', 'phase 2', 'pathway complete' (or its key)."""
    cleaned = " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    for m in (*FIXED, COMPLETE):
        if cleaned == m.label:
            return m
    match = _PHASE.match(cleaned)
    if match:
        n = int(match[1])
        if 1 <= n <= max_phase:
            return Milestone(MilestoneKind.PHASE, n)
        raise InvalidInput(
            f"There is no phase {n}: the pathways here have phases 1 to {max_phase}."
        )
    raise InvalidInput(
        f"Unknown milestone {quote_input(text, 40)}. Use `first week`, `first month`, "
        f"`day 90`, `phase N` (1 to {max_phase}) or `pathway complete`."
    )


def from_key(key: str) -> Milestone | None:
    """The milestone a stored key names (None for a key this code does not know)."""
    for m in (*FIXED, COMPLETE):
        if key == m.key:
            return m
    if key.startswith("phase-") and key[6:].isdigit():
        return Milestone(MilestoneKind.PHASE, int(key[6:]))
    return None
