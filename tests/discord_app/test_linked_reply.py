"""Checking off linked work says what else it settled (issue 21: one piece of work, one
line; checking it off settles its linked items, and the reply says so)."""

from __future__ import annotations

from bot.core.pathway import Pathway
from bot.discord_app.render_progress import done_message
from bot.service.outcomes import DoneOutcome
from tests.discord_app.plans import NOW, learner_plan


def _reply(seed: Pathway, item_id: str) -> str:
    view = learner_plan(seed, 40, [item_id])
    status = view.plan.status(item_id)
    assert status is not None
    return done_message(DoneOutcome(True, status, 20, view, None, NOW))


def test_the_course_settles_its_skill_and_steps_and_says_so(seed: Pathway) -> None:
    text = _reply(seed, "p1-andrew-ng-course")
    assert "🔗 This also settles the linked work:" in text
    assert "Learn Machine Learning Algorithms" in text
    assert "Enroll in Coursera's 'Machine Learning' by Andrew Ng." in text


def test_the_skill_settles_the_course(seed: Pathway) -> None:
    text = _reply(seed, "skill-ml-algorithms")
    assert "Complete 'Machine Learning' by Andrew Ng on Coursera." in text


def test_a_step_settles_nothing_else(seed: Pathway) -> None:
    assert "also settles" not in _reply(seed, "q-kaggle-competition")
    assert "also settles" not in _reply(seed, "week-read-hands-on-ml-ch1")
