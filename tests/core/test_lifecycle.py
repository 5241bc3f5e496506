"""The enrolment state machine: every allowed change, every refusal and its coded error,
and the invariant that an active enrolment always gets a next reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core import lifecycle
from bot.core.errors import AlreadyExists, ErrorCode, InvalidInput, NotEnrolled, PathwayError
from bot.core.lifecycle import PauseLog, Reminder, Transition
from bot.core.models import Enrolment, EnrolmentStatus, Pause, ReminderPrefs

A, P, C, L = (
    EnrolmentStatus.ACTIVE,
    EnrolmentStatus.PAUSED,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.LEFT,
)
NOW = datetime(2026, 12, 7, 10, tzinfo=UTC)

ALLOWED = {
    (Transition.ENROL, None): A,
    (Transition.RESTORE, L): A,
    (Transition.PAUSE, A): P,
    (Transition.RESUME, P): A,
    (Transition.COMPLETE, A): C,
    (Transition.COMPLETE, P): C,
    (Transition.REOPEN, C): A,
    (Transition.LEAVE, A): L,
    (Transition.LEAVE, P): L,
    (Transition.LEAVE, C): L,
}


@pytest.mark.parametrize("change", list(Transition))
@pytest.mark.parametrize("current", [None, A, P, C, L])
def test_every_transition_from_every_status(
    change: Transition, current: EnrolmentStatus | None
) -> None:
    expected = ALLOWED.get((change, current))
    if expected is None:
        with pytest.raises(PathwayError) as refused:
            lifecycle.step(change, current)
        assert refused.value.code is not None  # worded by the adapter, never English here
        return
    step = lifecycle.step(change, current)
    assert step.status is expected
    # the invariant: an active enrolment gets a next reminder; completed and left lose it
    if expected is A:
        assert step.reminder is Reminder.SET
    if expected in (C, L):
        assert step.reminder is Reminder.CLEAR


def test_refusals_say_what_is_wrong() -> None:
    cases = [
        (Transition.PAUSE, P, InvalidInput, ErrorCode.ALREADY_PAUSED),
        (Transition.PAUSE, C, NotEnrolled, ErrorCode.PAUSE_NEEDS_FOLLOWING),
        (Transition.RESUME, A, InvalidInput, ErrorCode.NOT_PAUSED),
        (Transition.REOPEN, A, InvalidInput, ErrorCode.REOPEN_NEEDS_COMPLETED),
        (Transition.LEAVE, L, NotEnrolled, ErrorCode.ALREADY_LEFT),
        (Transition.ENROL, C, AlreadyExists, ErrorCode.ALREADY_COMPLETED_HERE),
        (Transition.ENROL, A, AlreadyExists, ErrorCode.ALREADY_ENROLLED_HERE),
    ]
    for change, current, kind, code in cases:
        with pytest.raises(kind) as refused:
            lifecycle.step(change, current)
        assert refused.value.code is code


def test_pause_log_opens_and_closes() -> None:
    assert lifecycle.step(Transition.PAUSE, A).pause is PauseLog.OPEN
    assert lifecycle.step(Transition.RESUME, P).pause is PauseLog.CLOSE
    assert lifecycle.step(Transition.LEAVE, A).pause is PauseLog.OPEN
    assert lifecycle.step(Transition.LEAVE, P).pause is PauseLog.NONE  # already open
    assert lifecycle.step(Transition.RESTORE, L).pause is PauseLog.CLOSE


def test_applied_is_what_the_store_writes() -> None:
    e = Enrolment(
        id=1,
        user_id=2,
        guild_id=None,
        pathway_id="p",
        pathway_hash="h",
        start_date=date(2026, 11, 30),
        prefs=ReminderPrefs(),
        status=C,
        next_reminder_at=None,
        created_at=NOW,
        updated_at=NOW,
    )
    later = NOW + timedelta(days=7)
    reopened = lifecycle.applied(e, lifecycle.step(Transition.REOPEN, C), NOW, later)
    assert reopened.status is A and reopened.next_reminder_at == later
    paused = lifecycle.applied(reopened, lifecycle.step(Transition.PAUSE, A), NOW, None)
    assert paused.pauses == (Pause(NOW, None),) and paused.next_reminder_at == later
    resumed = lifecycle.applied(paused, lifecycle.step(Transition.RESUME, P), later, later)
    assert resumed.pauses == (Pause(NOW, later),)
    assert lifecycle.enrol_transition(L) is Transition.RESTORE
    assert lifecycle.enrol_transition(None) is Transition.ENROL
    assert lifecycle.needs_reminder(A) and not lifecycle.needs_reminder(P)
