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
    """`created` is False when the item was already complete; then nothing changed."""

    created: bool
    completion: Completion


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
