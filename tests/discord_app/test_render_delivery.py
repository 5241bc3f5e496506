"""A reminder's focus read back from its own embed: the record the ✅ edit relies on.

For any week of the bundled pathways, with any items done, the items read back from a
rendered reminder are its focus in order; after an edit they still are, done ones struck
through, and what belongs to the week (title, phase, resources, footer) is unchanged.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.cadence import ItemState, Schedule, build_plan
from bot.core.coach_message import status_text
from bot.core.models import ReminderPrefs
from bot.core.pathway import Pathway
from bot.core.progress import progress
from bot.core.reminder import compose
from bot.discord_app.render_delivery import (
    FOCUS_FIELD,
    focus_item_ids,
    reminder_embed,
    reminder_with_states,
)
from bot.pathway_files import PathwayRegistry
from tests.harness import PATHWAYS, SEED

GUIDE = Path(__file__).resolve().parent.parent / "fixtures" / "guide-pathway"
START = date(2026, 1, 5)


@pytest.fixture(scope="module")
def pathways() -> list[Pathway]:
    return [
        PathwayRegistry(PATHWAYS).get(SEED),
        *(loaded.pathway for loaded in PathwayRegistry(GUIDE).all()),
    ]


def focus_lines(embed: object) -> list[str]:
    fields = embed.fields  # type: ignore[attr-defined]
    return [line for f in fields if f.name.startswith(FOCUS_FIELD) for line in f.value.splitlines()]


@settings(max_examples=80, deadline=None)
@given(
    which=st.integers(0, 1),
    weeks=st.integers(0, 60),
    done_share=st.integers(0, 100),
    picks=st.randoms(use_true_random=False),
)
def test_the_focus_reads_back_from_a_reminder_before_and_after_an_edit(
    pathways: list[Pathway], which: int, weeks: int, done_share: int, picks: object
) -> None:
    pathway = pathways[which % len(pathways)]
    at = datetime.combine(START, time(9), UTC) + timedelta(weeks=weeks)
    schedule = Schedule(START, ReminderPrefs("Europe/Berlin", 0, time(9)))
    ids = [i.id for i in pathway.items()]
    done = {i for i in ids if picks.randrange(100) < done_share}  # type: ignore[attr-defined]
    plan = build_plan(pathway, schedule, done, at)
    content = compose(pathway, plan, at - timedelta(days=7), streak=2)
    sent = reminder_embed(content)
    named = [s.item.id for s in content.focus]
    assert focus_item_ids(sent, plan.statuses) == named

    # check off half of the focus, then edit the reminder with the states now
    later = build_plan(pathway, schedule, done | set(named[::2]), at + timedelta(hours=1))
    now = {s.item.id: s for s in later.statuses}
    focus = [now[i] for i in named]
    standing = status_text(compose(pathway, later, None, streak=3))
    edited = reminder_with_states(sent, focus, progress(pathway, later), standing, later.zone)
    assert focus_item_ids(edited, later.statuses) == named
    # the standing is the coach's words for now, as the sent one was for then
    assert (sent.description or "").split("\n")[-1] == status_text(content)
    assert (edited.description or "").split("\n")[-1] == standing
    assert edited.title == sent.title and edited.footer.text == sent.footer.text
    assert [f.name for f in edited.fields if not f.name.startswith(FOCUS_FIELD)] == [
        f.name for f in sent.fields if not f.name.startswith(FOCUS_FIELD)
    ]
    # issue 21: a focus line may carry a how/progress row ("↳ …"), the first a "Start
    # with" mark, and the field may end "+N more"; the item rows are the others
    lines = [
        line.removeprefix("**Start with:** ")
        for line in focus_lines(edited)
        if not line.startswith(("↳ ", "+"))
    ]
    assert len(lines) == len(named)
    for line, s in zip(lines, focus, strict=True):
        assert line.startswith("✅ ~~") == (s.state is ItemState.DONE)
    assert len(edited) <= 6000


def test_lines_of_another_item_with_a_longer_text_are_not_confused(
    pathways: list[Pathway],
) -> None:
    """An item whose text starts with another item's text is still told apart."""
    pathway = pathways[0]
    plan = build_plan(pathway, Schedule(START), set(), datetime(2026, 1, 5, 9, tzinfo=UTC))
    first, second = plan.statuses[0], plan.statuses[1]
    longer = replace(second, item=replace(second.item, text=first.item.text + " · too"))
    statuses = (first, longer, *plan.statuses[2:])
    content = compose(pathway, replace(plan, statuses=statuses), None, 0)
    content = replace(content, focus=(longer, first))
    assert focus_item_ids(reminder_embed(content), statuses) == [longer.item.id, first.item.id]
