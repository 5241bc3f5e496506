"""Learner plans built in-process, for unit tests of the renderer: a learner `days` into
the seed pathway with some items done, seen at a fixed instant."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from bot.core.layout import default_pace
from bot.core.models import Completion, CompletionSource, Enrolment, EnrolmentStatus, ReminderPrefs
from bot.core.pathway import Pathway
from bot.core.standing import standing
from bot.service.outcomes import LearnerPlan

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def learner_plan(
    pathway: Pathway, days: int, done: Iterable[str] = (), enrolment_id: int = 1
) -> LearnerPlan:
    start = (NOW - timedelta(days=days)).date()
    enrolment = Enrolment(
        enrolment_id,
        100 + enrolment_id,
        1,
        pathway.id,
        "hash",
        start,
        ReminderPrefs(),
        EnrolmentStatus.ACTIVE,
        pace=default_pace(pathway),
    )
    completions = [
        Completion(enrolment_id, item, NOW - timedelta(days=1), CompletionSource.COMMAND, 10)
        for item in done
    ]
    state = standing(pathway, enrolment, completions, NOW)
    return LearnerPlan(
        pathway, enrolment, state.plan, state.progress, state.streak, state.points, None
    )
