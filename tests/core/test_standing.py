from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.models import Completion, Enrolment, EnrolmentStatus, ReminderPrefs
from bot.core.pathway import Pathway
from bot.core.standing import standing


def test_standing_combines_plan_progress_streak_and_points(seed: Pathway) -> None:
    enrolment = Enrolment(
        1, 7, 100, seed.id, "h", date(2026, 1, 5), ReminderPrefs(), EnrolmentStatus.ACTIVE
    )
    at = datetime(2026, 1, 20, 12, tzinfo=UTC)
    done = [
        Completion(1, "week-jupyter-setup", at - timedelta(days=7), points=15),
        Completion(1, "p1-python-libraries", at - timedelta(days=1), points=30),
    ]
    state = standing(seed, enrolment, done, at)
    assert state.points == 45
    # the Python libraries task settles the Python skill, the same work (issue 21)
    assert state.progress.overall.done == 3
    assert state.streak == 2  # the weeks of the 12th and of the 19th, back to back
    assert state.plan.week == 3
