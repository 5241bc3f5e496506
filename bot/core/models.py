"""Domain state: learners, enrolments, completions, groups and deliveries.

These are what the store returns and the adapters consume: never database rows.
They are frozen so a value read from the store cannot drift from what was stored;
build a changed copy with `dataclasses.replace`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import NamedTuple


class Visibility(enum.StrEnum):
    """Whether a learner may appear by name in anything public (leaderboards, digests)."""

    SHOWN = "shown"
    HIDDEN = "hidden"


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    LEFT = "left"


class CompletionSource(enum.StrEnum):
    COMMAND = "command"
    BUTTON = "button"
    SELECT = "select"


class DeliveryKind(enum.StrEnum):
    REMINDER = "reminder"
    DIGEST = "digest"
    FALLBACK = "fallback"
    ROLE_GRANT = "role-grant"  # a milestone role (bot/delivery/role_grants.py)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class ReminderPrefs:
    """When a learner wants the weekly DM: a local weekday (0 = Monday) and wall time in a zone."""

    tz: str = "UTC"
    weekday: int = 0
    at: time = time(9, 0)


@dataclass(frozen=True, slots=True)
class Pause:
    """A paused interval; `end` is None while the pause is still running."""

    start: datetime
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class Learner:
    user_id: int
    prefs: ReminderPrefs = field(default_factory=ReminderPrefs)
    dm_channel_id: int | None = None
    dm_blocked_since: datetime | None = None
    visibility: Visibility = Visibility.HIDDEN  # opt-in: `/me visibility shown`
    created_at: datetime | None = None
    dm_closed_told_at: datetime | None = None  # told privately that their DMs are closed
    dm_notice_posted_at: datetime | None = None  # the one channel notice, ever

    @property
    def dm_blocked(self) -> bool:
        return self.dm_blocked_since is not None


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    digest_channel_id: int | None = None
    default_prefs: ReminderPrefs | None = None
    members_can_create_groups: bool = False
    # Mention a learner whose DMs are closed once in the server's channel (`/setup dm-notice`).
    dm_closed_notice: bool = False


@dataclass(frozen=True, slots=True)
class Enrolment:
    """One learner on one pathway in one guild (`guild_id` None: enrolled in a DM).

    `prefs` are the learner's reminder preferences, joined in by the store so the cadence
    engine needs nothing else. `pathway_hash` pins the content the learner enrolled against.
    """

    id: int
    user_id: int
    guild_id: int | None
    pathway_id: str
    pathway_hash: str
    start_date: date
    prefs: ReminderPrefs
    status: EnrolmentStatus
    pauses: tuple[Pause, ...] = ()
    next_reminder_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    pace: str = "as-written"  # see bot/core/layout.py: how the phases fill the timeline

    @property
    def is_active(self) -> bool:
        return self.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED)


@dataclass(frozen=True, slots=True)
class Completion:
    enrolment_id: int
    item_id: str
    completed_at: datetime
    source: CompletionSource = CompletionSource.COMMAND
    points: int = 0


@dataclass(frozen=True, slots=True)
class StudyGroup:
    id: int
    guild_id: int
    name: str
    pathway_id: str
    cohort_start: date
    channel_id: int | None = None
    created_by: int | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """An outbox row: at most one per (kind, target, period_key), so a period is sent once."""

    id: int
    kind: DeliveryKind
    target: str
    period_key: str
    nonce: str
    status: DeliveryStatus
    attempts: int = 0
    last_error: str | None = None
    message_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    next_attempt_at: datetime | None = None  # while pending: when a retry (or a resend) is due


class LeaderboardRow(NamedTuple):
    """One enrolment's score within a window, as read from the store for ranking.

    `reached_at` is when the score was reached (the latest counted completion): the
    tie-breaker, so whoever got there first ranks higher. None when nothing counted.
    A NamedTuple rather than a frozen dataclass because a board reads one per member
    (10,000 in a big group) and it builds about twice as fast, just as immutable.
    """

    enrolment_id: int
    user_id: int
    points: int
    completions: int
    reached_at: datetime | None
    visibility: Visibility
