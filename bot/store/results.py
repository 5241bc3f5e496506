"""What store operations report beyond the domain object itself.

Idempotent operations say whether *this* call did the work, so a caller can answer
"done!" versus "already done" (or send versus skip) without a second query.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import Delivery, Enrolment


@dataclass(frozen=True, slots=True)
class EnrolResult:
    """`restored`: an earlier enrolment the learner had left was reactivated, progress intact."""

    enrolment: Enrolment
    restored: bool


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
