"""What store operations report beyond the domain object itself.

Idempotent operations say whether *this* call did the work, so a caller can answer
"done!" versus "already done" (or send versus skip) without a second query.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import Completion, Delivery, Enrolment


@dataclass(frozen=True, slots=True)
class EnrolResult:
    """`restored`: an earlier enrolment the learner had left was reactivated, progress intact."""

    enrolment: Enrolment
    restored: bool


@dataclass(frozen=True, slots=True)
class RecordResult:
    """`created` is False when the item was already complete; then nothing changed.

    `completions` is every completion of the enrolment after the write, and `enrolment` its
    state after the write (completed, when this was the last item): read in the same
    transaction, so a caller needs no second read to answer.
    """

    created: bool
    completion: Completion
    completions: tuple[Completion, ...] = ()
    enrolment: Enrolment | None = None
    points_before: int = 0  # the enrolment's running total before this completion


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """`claimed` is True for the one caller whose claim created the outbox row."""

    claimed: bool
    delivery: Delivery


@dataclass(frozen=True, slots=True)
class UserDeletion:
    """How much was erased for one user, for the confirmation message."""

    learner: bool
    enrolments: int
    completions: int
    memberships: int
    deliveries: int
