"""The enrolment life cycle in one place: which status changes are allowed, and what each one
does to the pause log and the weekly reminder.

    (none) --enrol--> active
    active --pause--> paused --resume--> active
    active | paused --complete--> completed --reopen--> active
    active | paused | completed --leave--> left --restore--> active

The store applies a transition with `step`, which refuses a change that is not allowed with
the coded error the adapter words for the learner, and says what else to write: whether a
pause opens or closes, and whether the enrolment must (active) or must not (completed, left)
have a next reminder. One invariant follows: every active enrolment has a next reminder.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.errors import AlreadyExists, ErrorCode, InvalidInput, NotEnrolled, PathwayError
from bot.core.models import Enrolment, EnrolmentStatus, Pause

ACTIVE = EnrolmentStatus.ACTIVE
PAUSED = EnrolmentStatus.PAUSED
COMPLETED = EnrolmentStatus.COMPLETED
LEFT = EnrolmentStatus.LEFT


class Transition(enum.StrEnum):
    ENROL = "enrol"
    PAUSE = "pause"
    RESUME = "resume"
    COMPLETE = "complete"
    REOPEN = "reopen"
    LEAVE = "leave"
    RESTORE = "restore"  # enrolling again on a pathway the learner had left


class Reminder(enum.Enum):
    """What a transition does to the enrolment's next reminder."""

    SET = "set"  # it must have one (the caller computes it from the cadence)
    CLEAR = "clear"  # it has none any more
    KEEP = "keep"  # unchanged (a pause keeps its planned resume time there)


class PauseLog(enum.Enum):
    OPEN = "open"
    CLOSE = "close"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Step:
    status: EnrolmentStatus
    pause: PauseLog
    reminder: Reminder


# (transition, from) -> the step; anything missing is refused with _REFUSED's error.
_STEPS: dict[tuple[Transition, EnrolmentStatus | None], Step] = {
    (Transition.ENROL, None): Step(ACTIVE, PauseLog.NONE, Reminder.SET),
    (Transition.RESTORE, LEFT): Step(ACTIVE, PauseLog.CLOSE, Reminder.SET),
    (Transition.PAUSE, ACTIVE): Step(PAUSED, PauseLog.OPEN, Reminder.KEEP),
    (Transition.RESUME, PAUSED): Step(ACTIVE, PauseLog.CLOSE, Reminder.SET),
    (Transition.COMPLETE, ACTIVE): Step(COMPLETED, PauseLog.NONE, Reminder.CLEAR),  # none open
    (Transition.COMPLETE, PAUSED): Step(COMPLETED, PauseLog.CLOSE, Reminder.CLEAR),
    (Transition.REOPEN, COMPLETED): Step(ACTIVE, PauseLog.NONE, Reminder.SET),
    (Transition.LEAVE, ACTIVE): Step(LEFT, PauseLog.OPEN, Reminder.CLEAR),
    (Transition.LEAVE, COMPLETED): Step(LEFT, PauseLog.OPEN, Reminder.CLEAR),
    (Transition.LEAVE, PAUSED): Step(LEFT, PauseLog.NONE, Reminder.CLEAR),  # already open
}


def _refused(transition: Transition, current: EnrolmentStatus | None) -> PathwayError:
    if transition is Transition.PAUSE:
        if current is PAUSED:
            return InvalidInput(code=ErrorCode.ALREADY_PAUSED)
        return NotEnrolled(code=ErrorCode.PAUSE_NEEDS_FOLLOWING)
    if transition is Transition.RESUME:
        if current is ACTIVE:
            return InvalidInput(code=ErrorCode.NOT_PAUSED)
        return NotEnrolled(code=ErrorCode.RESUME_NEEDS_FOLLOWING)
    if transition is Transition.COMPLETE:
        return NotEnrolled(code=ErrorCode.COMPLETE_NEEDS_FOLLOWING)
    if transition is Transition.REOPEN:
        return InvalidInput(code=ErrorCode.REOPEN_NEEDS_COMPLETED)
    if transition is Transition.LEAVE:
        if current is None:
            return NotEnrolled(code=ErrorCode.ENROLMENT_GONE)
        return NotEnrolled(code=ErrorCode.ALREADY_LEFT)
    # ENROL / RESTORE onto an enrolment that is still followed
    if current is COMPLETED:
        return AlreadyExists(code=ErrorCode.ALREADY_COMPLETED_HERE)
    return AlreadyExists(code=ErrorCode.ALREADY_ENROLLED_HERE)


def step(transition: Transition, current: EnrolmentStatus | None) -> Step:
    """The step `transition` takes from `current` (None: no enrolment yet); raises the
    learner-facing coded error when it is not allowed."""
    found = _STEPS.get((transition, current))
    if found is None:
        raise _refused(transition, current)
    return found


def applied(
    enrolment: Enrolment, step: Step, now: datetime, next_reminder_at: datetime | None
) -> Enrolment:
    """The enrolment after `step`, computed rather than read back: status, next reminder,
    and the pause log (an opened pause starts at `now`; a closed one ends there)."""
    reminder = enrolment.next_reminder_at
    if step.reminder is Reminder.CLEAR:
        reminder = None
    elif step.reminder is Reminder.SET and next_reminder_at is not None:
        reminder = next_reminder_at
    pauses = enrolment.pauses
    if step.pause is PauseLog.OPEN:
        pauses = (*pauses, Pause(now, None))
    elif step.pause is PauseLog.CLOSE:
        pauses = tuple(Pause(p.start, max(p.start, now)) if p.end is None else p for p in pauses)
    return replace(
        enrolment, status=step.status, next_reminder_at=reminder, pauses=pauses, updated_at=now
    )


def enrol_transition(current: EnrolmentStatus | None) -> Transition:
    """Enrolling where there is no row is ENROL; where the learner had left, RESTORE."""
    return Transition.RESTORE if current is LEFT else Transition.ENROL


def needs_reminder(status: EnrolmentStatus) -> bool:
    """The invariant: an active enrolment always has a next reminder; no other status needs
    one (a pause may keep its planned resume time there)."""
    return status is ACTIVE
