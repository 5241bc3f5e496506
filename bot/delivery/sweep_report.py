"""What one reminder sweep did, and what each delivery attempt came to."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(slots=True)
class SweepReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    fallbacks: int = 0
    late: int = 0
    lag_seconds: list[float] = field(default_factory=list)
    # Wall time of each query that returned a full due batch (500 enrolments): shows the
    # sweep's cost per batch stays flat however many learners there are (an index range scan
    # from a cursor, never an OFFSET). Short and empty batches are left out: they would pull
    # the mean down the more often the sweep finds nothing.
    due_query_seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    more: bool = False  # stopped on its budget or batch limit with due work left

    @property
    def progressed(self) -> bool:
        return bool(self.sent or self.skipped or self.failed or self.fallbacks)

    def add(self, other: SweepReport) -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed += other.failed
        self.retried += other.retried
        self.fallbacks += other.fallbacks
        self.late += other.late
        self.lag_seconds += other.lag_seconds
        self.due_query_seconds += other.due_query_seconds
        self.errors += other.errors


class Outcome(enum.Enum):
    SENT = "sent"
    HANDLED = "handled"  # skipped, blocked or failed for good: advance to the next week
    RETRY = "retry"  # will be retried: leave next_reminder_at where it is
    STOP = "stop"  # nothing left to remind about: no next reminder


@dataclass(slots=True)
class Result:
    outcome: Outcome
    report: SweepReport
    delivery_id: int = 0
    message_id: int = 0
    dm_channel: tuple[int, int] | None = None  # (user id, channel id) newly learned
