"""The protocol the Discord adapter implements, and the errors it reports back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.models import Learner
from bot.core.reminder import ReminderContent


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: int
    channel_id: int


class DmClosed(Exception):
    """Discord answered 403 / 50007: the user does not accept DMs from us. Never retry."""


class SendFailed(Exception):
    """Any other failure. `permanent` ones (404 unknown channel, 403 missing access) are not
    retried; the rest are retried with backoff up to a limit."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class DigestContent:
    """A channel post for a group or a pathway cohort; only visible members are named."""

    title: str
    pathway_title: str
    week_focus: list[str]
    milestones: list[str]
    leaderboard: list[tuple[int, int, float]]  # (rank, user_id, points) of shown learners only
    members: int
    hidden_members: int
    # Who finished what this week: (user id, item texts), visible members only.
    finished: list[tuple[int, list[str]]] = field(default_factory=list)
    on_schedule: int = 0  # members not behind (just started, on track or ahead)
    behind: int = 0  # members with a deadline passed and the work undone
    next_milestone: str | None = None  # the group's next shared milestone, with its date
    phases: list[str] = field(default_factory=list)  # "Phase 1: Foundations · 3 learners"


@dataclass(frozen=True, slots=True)
class WelcomeContent:
    """The one DM sent right after a new enrolment: what happens next, and when."""

    pathway_name: str
    pace: str
    timeline_end: datetime | None
    first_reminder_at: datetime | None
    zone: ZoneInfo
    focus: tuple[str, ...]  # this week's focus item texts, at most five


class Notifier(Protocol):
    async def send_reminder(
        self, learner: Learner, enrolment_id: int, content: ReminderContent, nonce: str
    ) -> Sent:
        """DM a weekly reminder; raises DmClosed or SendFailed."""
        ...

    async def post_fallback(
        self, channel_id: int, user_id: int, pathway_title: str, nonce: str
    ) -> Sent:
        """Mention the learner in a channel, with no task details, when their DMs are closed."""
        ...

    async def post_digest(self, channel_id: int, digest: DigestContent, nonce: str) -> Sent: ...

    async def send_welcome(self, learner: Learner, content: WelcomeContent) -> Sent:
        """DM the welcome (opening the DM channel if needed); raises DmClosed or SendFailed."""
        ...
