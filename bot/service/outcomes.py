"""The read models handed from the services to the renderer: outcomes of use cases."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.core.cadence import ItemStatus, Plan, ReminderSlot
from bot.core.models import Enrolment, Learner, ReminderPrefs, StudyGroup
from bot.core.pathway import Pathway
from bot.core.progress import Progress


class PrefsSource(enum.StrEnum):
    GIVEN = "given"
    LEARNER = "learner"
    GUILD = "guild"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class LearnerPlan:
    """One enrolment seen at one instant: everything a reply about it needs."""

    pathway: Pathway
    enrolment: Enrolment
    plan: Plan
    progress: Progress
    streak: int
    points: int
    next_reminder: ReminderSlot | None
    group: StudyGroup | None = None

    @property
    def prefs(self) -> ReminderPrefs:
        return self.enrolment.prefs


@dataclass(frozen=True, slots=True)
class EnrollOutcome:
    view: LearnerPlan
    restored: bool
    already: bool  # the learner was already enrolled: nothing new was created
    prefs_source: PrefsSource
    proposed_prefs: ReminderPrefs | None = None  # settings a re-run asked for, to confirm
    proposed_start: str | None = None
    proposed_pace: str | None = None  # a new pace a re-run asked for, to confirm
    prefs_changed: bool = False  # proposed_prefs differ from the saved ones
    # The learner already follows this pathway in another server (its id): nothing was
    # created, and the reply says where the enrolment lives.
    lives_in: int | None = None


@dataclass(frozen=True, slots=True)
class RankChange:
    before: int | None
    after: int | None
    scope: str  # "study group X" or "pathway in this server"


@dataclass(frozen=True, slots=True)
class DoneOutcome:
    created: bool
    status: ItemStatus
    points: int
    view: LearnerPlan
    rank: RankChange | None
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class UndoOutcome:
    removed: bool
    status: ItemStatus
    view: LearnerPlan


@dataclass(frozen=True, slots=True)
class ProgressOutcome:
    learner: Learner | None
    views: list[LearnerPlan]
