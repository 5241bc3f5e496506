"""Paces, study windows and overlap links: where each item sits on the learner's timeline."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.core.cadence import ItemState, Schedule, build_plan
from bot.core.errors import InvalidInput
from bot.core.layout import (
    AS_WRITTEN,
    add_months,
    check_pace,
    default_pace,
    layout,
    paces,
    settled,
    timeline_days,
)
from bot.core.loader import load_text
from bot.core.models import ReminderPrefs
from bot.core.pathway import Pathway
from bot.core.progress import Track, progress
from bot.pathway_files import load_directory

START = date(2026, 12, 7)


def test_seed_offers_its_stated_timeline(seed: Pathway) -> None:
    assert paces(seed) == ["as-written", "9-months", "12-months"]
    assert default_pace(seed) == "9-months"
    assert check_pace(seed, " 12-Months ") == "12-months"
    with pytest.raises(InvalidInput) as err:
        check_pace(seed, "3-months")
    assert "as-written, 9-months, 12-months" in err.value.user_message


@pytest.mark.parametrize(
    ("pace", "days"), [("as-written", 196), ("9-months", 274), ("12-months", 365)]
)
def test_phases_fill_the_chosen_timeline(seed: Pathway, pace: str, days: int) -> None:
    assert timeline_days(seed, pace, START) == days
    lay = layout(seed, days)
    assert lay.phases[0][0] == 0 and lay.phases[-1][1] == days
    for (_, end), (start, _) in zip(lay.phases, lay.phases[1:], strict=False):
        assert end == start  # back to back, no gaps
    # proportional: phase 2 (8 of 28 weeks) takes 8/28 of the timeline, within a day
    length = lay.phases[1][1] - lay.phases[1][0]
    assert abs(length - days * 8 / 28) <= 1


def test_months_are_calendar_months() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 7), 9) == date(2027, 9, 7)


def test_a_pathway_without_a_stated_timeline_is_as_written(seed: Pathway) -> None:
    bare = seed.model_copy(update={"timeline_months": None})
    assert paces(bare) == [AS_WRITTEN] and default_pace(bare) == AS_WRITTEN


def test_ninety_day_items_keep_their_horizon_and_start_bigger_work(seed: Pathway) -> None:
    """Issue 21: the action plan's horizons are the seed's promise "starting today" at every
    pace; a roadmap task that is the bigger version of a 90-day item is due later, with the
    90-day item as its starter step (it used to move the 90-day items to days 140-261)."""
    for total in (196, 273, 365):
        lay = layout(seed, total)
        p1_end, p3_end = lay.phases[0][1], lay.phases[2][1]
        for item in ("q-finish-ml-start-dl", "q-kaggle-competition", "q-deploy-model-api"):
            assert lay.window(item)[1] == 90, (total, item)
        assert lay.window("p1-andrew-ng-course")[1] == p1_end
        assert lay.window("p3-complete-ml-pipeline")[1] == lay.window("p3-deploy-rest-api")[1]
        assert lay.window("p3-deploy-rest-api")[1] == p3_end
        assert lay.window("month-join-ml-community") == (9, 30)
        assert lay.window("week-read-hands-on-ml-ch1") == (0, 7)


def test_no_false_behind_for_the_ninety_day_plan(seed: Pathway) -> None:
    """Following the 90-day plan (course finished by day 90) is never 'behind'."""
    schedule = Schedule(START, ReminderPrefs("Europe/Berlin"), pace="as-written")
    done = {
        "week-enroll-andrew-ng",
        "week-jupyter-setup",
        "week-read-hands-on-ml-ch1",
        "month-andrew-ng-first-3-weeks",
        "month-linear-regression-model",
        "month-join-ml-community",
        "p1-python-libraries",
        "p1-algorithms-from-scratch",
        "skill-python-data-science",
        "skill-statistics-probability",
        "skill-ml-algorithms",
        "p2-framework-fundamentals",  # phase 2's first 4 weeks (due day 70)
    }
    for day in range(43, 90):  # phase 1 ended on day 42; the course itself is not ticked
        plan = build_plan(seed, schedule, done, schedule.start + timedelta(days=day))
        assert plan.status("p1-andrew-ng-course").state is not ItemState.OVERDUE  # type: ignore[union-attr]
        assert progress(seed, plan).on_track.track is not Track.BEHIND, day


def test_completing_the_broader_item_settles_what_it_covers(seed: Pathway) -> None:
    assert settled(seed, {"q-finish-ml-start-dl"}) >= {"p1-andrew-ng-course"}
    schedule = Schedule(START, ReminderPrefs(), pace="9-months")
    plan = build_plan(seed, schedule, {"q-finish-ml-start-dl"}, schedule.start)
    course = plan.status("p1-andrew-ng-course")
    assert course is not None and course.state is ItemState.DONE and course.settled
    broad = plan.status("q-finish-ml-start-dl")
    assert broad is not None and not broad.settled
    # the narrower item does not settle the broader one
    narrow = build_plan(seed, schedule, {"p1-andrew-ng-course"}, schedule.start)
    assert narrow.status("q-finish-ml-start-dl").state is not ItemState.DONE  # type: ignore[union-attr]


def test_skills_get_study_windows_tied_to_their_phases(seed: Pathway) -> None:
    lay = layout(seed, 196)  # as written: the phases' own weeks
    assert lay.window("skill-mlops") == lay.phases[3]  # phase 4, 4 weeks
    # learned by doing phase 2's two framework tasks (its `parts`): their span
    assert lay.window("skill-pytorch-tensorflow") == lay.phases[1]
    # the same work as phase 1's course (`same`): one line, one deadline
    assert lay.window("skill-ml-algorithms") == lay.window("p1-andrew-ng-course") == (0, 42)
    # statistics comes after the Python libraries, within phase 1
    assert lay.window("skill-statistics-probability") == (21, 42)
    for opens, due in lay.windows.values():
        assert 0 <= opens < due <= 196


def test_links_must_point_at_items(tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "fixtures/guide-pathway/support-to-sre.yaml").read_text()
    broken = text.replace("covers: [skill-writing]", "covers: [skill-nowhere]").replace(
        "phases: [phase-platform]", "phases: [phase-nowhere]"
    )
    _, problems = load_text(broken, "broken.yaml")
    messages = [str(p) for p in problems]
    assert any("covers[0]" in m and "skill-nowhere" in m and "broken.yaml:" in m for m in messages)
    assert any("phases[0]" in m and "phase-nowhere" in m for m in messages), messages


def test_the_guide_is_enough_for_a_second_pathway() -> None:
    result = load_directory(Path(__file__).parents[1] / "fixtures/guide-pathway")
    assert result.problems == []
    p = result.pathways["support-to-sre"].pathway
    assert paces(p) == ["as-written", "6-months", "8-months"]
    assert p.name == "Support → SRE"
